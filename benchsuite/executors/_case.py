"""Run one :class:`~benchsuite.plan.Case` on an already-loaded dataset -> one Record.

Shared by every executor: the sequential one calls it in-process; isolating executors call
it inside their workers. It never raises for a problem of the estimator: any exception
while building, fitting, predicting or scoring becomes an ``error`` record.
"""

from __future__ import annotations

import contextlib
import sys
import time
import warnings
from collections.abc import Iterator
from typing import Any

from benchsuite.errors import one_line
from benchsuite.measure import Clock, measure_fold
from benchsuite.plan import Case
from benchsuite.results import Record, utc_now


@contextlib.contextmanager
def thread_limits(threads: int | None) -> Iterator[None]:
    """Pin BLAS/OpenMP pools (threadpoolctl) and torch to ``threads`` inside the block.

    Entered after the estimator is built, so that a library imported by the build
    (xgboost's, lightgbm's OpenMP) is already loaded and gets pinned too.
    """
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")  # only if something already imported it
    previous = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=threads):
        if torch is not None:
            torch.set_num_threads(threads)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(previous)


def pin_native_threads(estimator: Any, threads: int) -> None:
    """Give models that ignore thread pinning their own thread count.

    LightGBM's ``n_jobs=None`` means "all physical cores", read from the machine: it
    ignores ``OMP_NUM_THREADS`` and threadpoolctl, so two parallel workers would each run
    as many spinning OpenMP threads as there are cores (measured: fits 4-150x slower on
    2 cores). When the suite left ``n_jobs`` unset, it gets ``threads``.
    """
    model = final_step(estimator)
    if type(model).__module__.split(".")[0] != "lightgbm":
        return
    try:
        if model.get_params().get("n_jobs") is None:
            model.set_params(n_jobs=threads)
    except Exception:  # not the sklearn API: leave it
        pass


def preload_model(model: str, task: str) -> None:
    """Import an estimator's class, and with it its library (torch, xgboost, ...).

    Isolating executors call it before a case's timeout starts counting, so that the
    timeout measures the case, not the first import of a library in a fresh worker
    (``import torch`` alone takes seconds; a worker replaced after a timeout would
    otherwise time out again on the import). A failure is left for :func:`run_case` to
    report.
    """
    try:
        from benchsuite.estimators._check import estimator_class_path
        from benchsuite.estimators._introspect import import_class

        import_class(estimator_class_path(model, task))
    except Exception:  # noqa: BLE001 (run_case builds the estimator and says what failed)
        pass


def make_splits(dataset: Any, evaluation: Any, seed: int) -> list[tuple[Any, Any]]:
    """Train/test index arrays, exactly as scikit-learn's splitters make them.

    ``cv: k``: ``StratifiedKFold(k, shuffle=True, random_state=seed)`` for classification,
    ``KFold`` for regression. ``holdout: f``: one ``train_test_split`` (stratified for
    classification) with ``test_size=f`` and ``random_state=seed``. With ``stratify: false``
    classification is split as regression is: ``KFold(k, shuffle=True, random_state=seed)``,
    or ``train_test_split(..., test_size=f, random_state=seed)`` without ``stratify``, index
    for index what the classic ``train_test_split(X, y, test_size=f, random_state=seed)``
    gives. ``split: official``: the dataset's published split; ``split: openml``: the folds
    of its OpenML task.
    """
    import numpy as np
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

    # regression targets are never stratified; classification unless the suite says not to
    stratified = dataset.task != "regression" and evaluation.stratified
    if evaluation.method == "openml":
        folds = getattr(dataset, "folds", None)
        if folds is None:
            raise ValueError(
                f"dataset '{dataset.name}' has no OpenML task folds (split: openml needs "
                "openml:task:<id>)"
            )
        return list(folds)
    if evaluation.method == "official":
        split = getattr(dataset, "official_split", None)
        if split is None:
            raise ValueError(
                f"dataset '{dataset.name}' has no official train/test split here (a dataset"
                " with published parts, loaded with part: all); use cv or holdout"
            )
        return [split]
    if evaluation.holdout is not None:
        idx = np.arange(dataset.n_samples)
        train, test = train_test_split(
            idx,
            test_size=evaluation.holdout,
            random_state=seed,
            stratify=dataset.y if stratified else None,
        )
        return [(train, test)]
    cls = StratifiedKFold if stratified else KFold
    splitter = cls(n_splits=evaluation.n_folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((dataset.n_samples, 1)), dataset.y))


class DataSlot:
    """The one dataset (with its splits) an executor or worker keeps in memory.

    Consecutive cases of the same dataset reuse it: a dataset is loaded and split once
    per run in-process, once per worker process in isolating executors. Asking for
    another dataset releases the previous one first (and the loader's cached copy), so
    only one is held at a time. A dataset that failed to load is remembered with the
    reason and never tried again.
    """

    def __init__(self) -> None:
        self.name: str | None = None
        self.dataset: Any = None
        self.splits: list[tuple[Any, Any]] = []
        self.failed: dict[str, str] = {}

    def get(self, case: Case, *, base_dir: Any, seed: int) -> tuple[Any, list, str | None]:
        """``(dataset, splits, None)`` for ``case``, or ``(None, [], reason)``."""
        from benchsuite.datasets import clear_cache, load_dataset
        from benchsuite.errors import BenchsuiteError

        name = case.dataset.name
        if name in self.failed:
            return None, [], self.failed[name]
        if self.name != name:
            self.name, self.dataset, self.splits = None, None, []
            clear_cache()
            step = "loading dataset"
            try:
                dataset = load_dataset(case.dataset, base_dir=base_dir, seed=seed)
                step = "splitting dataset"
                splits = make_splits(dataset, case.evaluation, seed)
            except BenchsuiteError as exc:
                self.failed[name] = f"{step}: {exc}"
                return None, [], self.failed[name]
            except Exception as exc:
                self.failed[name] = f"{step}: {one_line(exc)}"
                return None, [], self.failed[name]
            self.name, self.dataset, self.splits = name, dataset, splits
        return self.dataset, self.splits, None


def take(X: Any, idx: Any) -> Any:
    """Rows ``idx`` of an array or DataFrame (as sklearn's ``_safe_indexing``)."""
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def warm_up_device(params: dict[str, Any]) -> None:
    """Create the CUDA context before the clock starts, for models that may use CUDA.

    The first CUDA call of a process costs from half a second to seconds (context,
    allocator); it belongs to no model's fit time.
    """
    from benchsuite.measure import active_cuda

    device = str(params.get("device") or "auto")
    if not (device == "auto" or device.startswith("cuda")):
        return
    cuda = active_cuda()
    if cuda is None or cuda.is_initialized():
        return
    torch = sys.modules["torch"]
    try:
        torch.empty(1, device=device if device.startswith("cuda") else "cuda")
        cuda.synchronize()
    except Exception:  # a bad device id: the model's fit reports it as an error record
        pass


def final_step(estimator: Any) -> Any:
    """The model itself: the last step of a Pipeline, else the estimator."""
    steps = getattr(estimator, "steps", None)
    return steps[-1][1] if steps else estimator


def takes_eval_set(estimator: Any) -> bool:
    """True if ``estimator.fit`` accepts ``eval_set`` (the torch models do)."""
    import inspect

    try:
        return "eval_set" in inspect.signature(estimator.fit).parameters
    except (TypeError, ValueError):
        return False


def eval_set_params(estimator: Any, X_test: Any, y_test: Any) -> dict[str, Any] | None:
    """``fit`` keyword arguments that hand the test fold to a deep model to watch.

    A Pipeline routes ``<step>__eval_set`` to its model, but untransformed: that is right
    only when the steps before it leave the data as it is (arrays in front of a model
    whose preprocessing touches tables only). None when the model cannot watch.
    """
    model = final_step(estimator)
    if not takes_eval_set(model):
        return None
    steps = getattr(estimator, "steps", None)
    if not steps:
        return {"eval_set": (X_test, y_test)}
    identity = all(
        step == "passthrough" or getattr(step, "frames_only", False) for _, step in steps[:-1]
    )
    if identity and not hasattr(X_test, "columns"):
        return {f"{steps[-1][0]}__eval_set": (X_test, y_test)}
    return None


def fit_details(estimator: Any, target: dict[str, float] | None = None) -> dict[str, Any]:
    """Record fields a deep model exposes after fit (``device_``, ``history_``, ...)."""
    model = final_step(estimator)
    out: dict[str, Any] = {}
    device = getattr(model, "device_", None)
    if device is not None:
        out["device"] = str(device)
    history = getattr(model, "history_", None)
    if history:
        out["epochs_run"] = len(history)
        times = [h["time_s"] for h in history if h.get("time_s") is not None]
        if times:
            out["time_per_epoch_s"] = sum(times) / len(times)
        out["loss_curve"] = [float(h["train_loss"]) for h in history if "train_loss" in h]
    h2d = getattr(model, "h2d_time_s_", None)
    if h2d is not None:
        out["h2d_time_s"] = float(h2d)
    if target and history and "eval_score" in history[0]:
        (threshold,) = target.values()
        elapsed = float(h2d or 0.0)
        for h in history:
            elapsed += h["time_s"]
            if h["eval_score"] >= threshold:
                out["time_to_target_s"], out["target_epoch"] = elapsed, int(h["epoch"])
                break
    return out


def case_params(case: Case, dataset: Any) -> dict[str, Any]:
    """The case's params, plus the dataset's sample shape for models that take one."""
    from benchsuite.estimators import accepts_param

    params = dict(case.params)
    shape = getattr(dataset, "sample_shape", None)
    if (
        shape is not None
        and "input_shape" not in params
        and accepts_param(case.estimator.model, "input_shape")
    ):
        params["input_shape"] = list(shape)
    return params


def base_record(case: Case, *, run_id: str, suite: str) -> Record:
    return Record(
        run_id=run_id,
        suite=suite,
        dataset=case.dataset.name,
        estimator=case.estimator.name,
        case_key=case.key,
        status="ok",
        model=case.estimator.model,
        params=dict(case.params),
        config_hash=case.config_hash,
        task=case.task,
        evaluation=case.evaluation.describe(),
        fold=case.fold,
        n_folds=case.n_folds,
        repeat=case.repeat,
        random_state=None if case.skipped else case.random_state,
        device=_requested_device(case),
        started_at=utc_now(),
    )


def _requested_device(case: Case) -> str:
    # a torch model reports where it really ran (device_) after fit; this is the default
    device = case.params.get("device")
    return str(device) if device not in (None, "auto") else "cpu"


def skipped_record(case: Case, *, run_id: str, suite: str) -> Record:
    rec = base_record(case, run_id=run_id, suite=suite)
    rec.status, rec.error = "skipped", case.skip_reason
    return rec


def error_record(case: Case, message: str, *, run_id: str, suite: str, **fields: Any) -> Record:
    rec = base_record(case, run_id=run_id, suite=suite)
    rec.status, rec.error = "error", message
    for k, v in fields.items():
        setattr(rec, k, v)
    return rec


def run_case(
    case: Case,
    dataset: Any,
    splits: list[tuple[Any, Any]],
    *,
    run_id: str,
    suite: str,
    clock: Clock = time.perf_counter,
    sample_memory: bool = True,
    threads: int | None = None,
) -> Record:
    """Build, fit, predict and score one case; never raises for estimator failures.

    Parameters
    ----------
    case : Case
    dataset : benchsuite.datasets.Dataset
        Already loaded.
    splits : list of (train_idx, test_idx)
        From :func:`make_splits`; ``splits[case.fold]`` is used.
    run_id, suite : str
        Stamped on the record.
    clock : callable, default=time.perf_counter
    sample_memory : bool, default=True
    threads : int, optional
        Pin BLAS/OpenMP/torch thread pools to this many threads while fitting,
        predicting and scoring (None leaves them as the libraries chose).

    Returns
    -------
    Record
    """
    from benchsuite.estimators import build_estimator, estimator_class_path, resolved_params
    from benchsuite.metrics import compute_metrics

    if case.skipped:
        return skipped_record(case, run_id=run_id, suite=suite)
    rec = base_record(case, run_id=run_id, suite=suite)
    rec.threads = threads
    rec.dataset_fingerprint = dataset.fingerprint
    train, test = splits[case.fold]
    rec.n_train, rec.n_test = len(train), len(test)
    try:
        params = case_params(case, dataset)
        rec.model = estimator_class_path(case.estimator.model, case.task)
        rec.params = resolved_params(
            case.estimator.model, params, task=case.task, random_state=case.random_state
        )
        estimator = build_estimator(
            case.estimator.model, params, task=case.task, random_state=case.random_state
        )
    except Exception as exc:  # a bad param value: the run goes on
        rec.status, rec.error = "error", f"building estimator: {one_line(exc)}"
        return rec
    if threads is not None:
        pin_native_threads(estimator, threads)

    warm_up_device(params)
    X_train, y_train = take(dataset.X, train), dataset.y[train]
    X_test, y_test = take(dataset.X, test), dataset.y[test]
    with warnings.catch_warnings(record=True) as caught, thread_limits(threads):
        warnings.simplefilter("always")
        try:
            fit_params = None
            if case.target:
                fit_params = eval_set_params(estimator, X_test, y_test)
                if fit_params is None and takes_eval_set(final_step(estimator)):
                    rec.warnings.append(
                        "time to target not measured: the test fold cannot reach the model"
                        " through its preprocessing (tables)"
                    )
            m = measure_fold(
                estimator,
                X_train,
                y_train,
                X_test,
                clock=clock,
                sample_memory=sample_memory,
                fit_params=fit_params,
            )
        except Exception as exc:
            rec.status, rec.error = "error", one_line(exc)
            return rec
        rec.fit_time_s, rec.predict_time_s = m.fit_time_s, m.predict_time_s
        rec.peak_rss_mb, rec.rss_delta_mb = m.peak_rss_mb, m.rss_delta_mb
        rec.peak_gpu_mb = m.peak_gpu_mb
        for key, value in fit_details(estimator, case.target).items():
            setattr(rec, key, value)
        if fit_params and rec.target_epoch is None:
            ((name, threshold),) = case.target.items()
            rec.warnings.append(f"target {name} {threshold} not reached in {rec.epochs_run} epochs")
        try:
            rec.metrics, metric_warnings = compute_metrics(
                case.metrics,
                task=case.task,
                estimator=estimator,
                X_test=X_test,
                y_test=y_test,
                y_pred=m.y_pred,
            )
        except Exception as exc:
            rec.status, rec.error = "error", f"scoring: {one_line(exc)}"
            return rec
    messages = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    rec.warnings += metric_warnings + [" ".join(m.split())[:300] for m in messages[:5]]
    return rec

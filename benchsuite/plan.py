"""Suite -> :class:`Plan`: one :class:`Case` per dataset x estimator x grid point, each
with its :class:`Job` per fold x repeat.

Planning needs no data: a dataset's task comes from the registry (or, for a local file, from
its target column alone), so ``benchsuite run --dry-run`` shows what would run, and which
pairs are skipped and why, in a fraction of a second.
"""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from benchsuite._skips import (
    declared_sample_shape,
    device_skip_reason,
    inference_skip_reason,
    shape_skip_reason,
)
from benchsuite.inference import InferenceSpec
from benchsuite.suite import DatasetEntry, EstimatorEntry, Evaluation, Suite, resolve_inference

# what a suite without `metrics:` measures, per task
DEFAULT_METRICS = {
    "binary": ("roc_auc", "accuracy", "log_loss"),
    "multiclass": ("accuracy", "f1_macro", "log_loss"),
    "regression": ("rmse", "r2", "mae"),
}


@dataclass(frozen=True)
class Case:
    """One dataset x estimator x grid point: one table cell, one compare verdict.

    Attributes
    ----------
    key : str
        Readable, stable id shared by all its jobs and records: ``"iris/svm[C=10]"``.
    config_hash : str
        Hash of everything that defines the case's numbers (dataset entry, model, params,
        evaluation, metrics); two runs are comparable when it matches. The ``inference``
        block is not part of it: inference timing does not change a case's scores or fit
        time, so adding, changing or removing a block keeps baselines comparable (the
        inference figures carry their own settings in each record).
    dataset : DatasetEntry
    estimator : EstimatorEntry
    params : dict
        The estimator's user params with this grid point applied (benchsuite's own defaults
        and the derived ``random_state`` are added when the estimator is built).
    grid_point : dict
        The grid values of this case (empty without a grid).
    task : {"binary", "multiclass", "regression"}
    evaluation : Evaluation
    metrics : tuple of str
        The metrics that apply to this task.
    n_folds : int
        Splits per repeat (1 for a holdout or an official split).
    repeats : int
        Times each fold is fitted and predicted.
    seed : int
        The suite seed; the splitter uses it, and each job's seed derives from it.
    skip_reason : str or None
        Why the pair cannot run; a skipped case has one job, which records the reason.
    device : str or None
        The device the suite asks for (``auto``, ``cpu``, ``cuda``, ``cuda:N``, ``mps``);
        passed to models that take a ``device`` parameter. None: the model's default.
    target : dict or None
        ``{"accuracy": 0.99}``: deep models score the test fold after each epoch and the
        record says when the target was first reached (DAWNBench-style).
    inference : InferenceSpec or None
        The suite's ``inference`` block for this estimator (its block merged key by key
        over ``defaults.inference``, see :func:`benchsuite.suite.resolve_inference`);
        None: no inference measurement (none asked, a skipped case, or
        ``inference_skip_reason``).
    inference_skip_reason : str or None
        Why inference was asked for but is not measured (``predict_proba`` of a
        regressor, or of a model known to lack it); the case's fit/predict jobs still run,
        and the first one's record carries the reason as a warning.
    """

    key: str
    config_hash: str
    dataset: DatasetEntry
    estimator: EstimatorEntry
    params: dict[str, Any]
    grid_point: dict[str, Any]
    task: str
    evaluation: Evaluation
    metrics: tuple[str, ...]
    n_folds: int
    repeats: int
    seed: int
    skip_reason: str | None = None
    device: str | None = None
    target: dict[str, float] | None = None
    inference: InferenceSpec | None = None
    inference_skip_reason: str | None = None

    @property
    def skipped(self) -> bool:
        return self.skip_reason is not None

    @property
    def jobs(self) -> tuple[Job, ...]:
        """Every job of the case: ``n_folds x repeats`` of them, fold by fold; a skipped
        case has one (fold 0, repeat 0), which records the skip."""
        if self.skipped:
            return (Job(self, fold=0, repeat=0, random_state=0),)
        ds, est = self.dataset.name, self.estimator.name
        return tuple(
            Job(self, fold, repeat, derive_seed(self.seed, ds, est, fold, repeat))
            for fold in range(self.n_folds)
            for repeat in range(self.repeats)
        )


@dataclass(frozen=True)
class Job:
    """One fit + predict of a case on one fold and repeat: the unit an executor runs.

    Executors ship jobs to their workers: a job holds its case, never the plan or the
    suite, so what is pickled stays small.

    Attributes
    ----------
    case : Case
    fold, repeat : int
        0-based; ``fold`` indexes the splitter's folds (0 for a holdout).
    random_state : int
        Estimator seed derived from (suite seed, dataset, estimator, fold, repeat), never
        from execution order (0 for a skipped case's job).
    """

    case: Case
    fold: int
    repeat: int
    random_state: int

    @property
    def id(self) -> tuple[str, int, int]:
        """``(case key, fold, repeat)``: what identifies the job's record in a run."""
        return (self.case.key, self.fold, self.repeat)

    @property
    def skipped(self) -> bool:
        return self.case.skipped

    @property
    def label(self) -> str:
        """The case key plus fold and repeat, for progress output."""
        case = self.case
        return f"{case.key} fold {self.fold + 1}/{case.n_folds} rep {self.repeat + 1}"


@dataclass(frozen=True)
class Plan:
    """What a suite asks for, after filters and skips: its cases, and the jobs to run.

    Cases are grouped by dataset (each dataset is loaded once). ``jobs`` are, in the same
    order, every job of every case, or fewer for a plan narrowed by :meth:`only` (a
    resumed run runs only the jobs without a final record).

    Attributes
    ----------
    suite : Suite
    cases : tuple of Case
        One per case key; each case of the plan has at least one job in ``jobs``.
    jobs : tuple of Job
        What an executor runs; each belongs to one case of ``cases``.
    filters : tuple of str
        The ``--filter`` patterns the cases were selected with.
    """

    suite: Suite
    cases: tuple[Case, ...]
    jobs: tuple[Job, ...]
    filters: tuple[str, ...] = field(default=())

    @property
    def runnable_jobs(self) -> tuple[Job, ...]:
        """The jobs that fit and predict (those of cases that are not skipped)."""
        return tuple(j for j in self.jobs if not j.skipped)

    def only(self, jobs: tuple[Job, ...] | list[Job]) -> Plan:
        """This plan narrowed to ``jobs`` (a subset of its own), with the cases they belong to."""
        jobs = tuple(jobs)
        keys = {j.case.key for j in jobs}
        cases = tuple(c for c in self.cases if c.key in keys)
        return Plan(suite=self.suite, cases=cases, jobs=jobs, filters=self.filters)

    def rows_without_target(self) -> dict[str, tuple[int, int]]:
        """``{dataset: (rows in its file, rows without a target)}`` for the file datasets
        of runnable jobs that lose rows on load (the target column is read once, cached).
        """
        from benchsuite.datasets import rows_without_target

        dropped: dict[str, tuple[int, int]] = {}
        datasets = {j.case.dataset.name: j.case.dataset for j in self.runnable_jobs}
        for ds in datasets.values():
            counts = rows_without_target(ds, base_dir=self.suite.base_dir)
            if counts is not None and counts[1]:
                dropped[ds.name] = counts
        return dropped


def derive_seed(*parts: object) -> int:
    """A deterministic seed in ``[0, 2**31)`` from any printable parts."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def case_key(dataset: str, estimator: str, grid_point: dict[str, Any]) -> str:
    """``"dataset/estimator"`` plus ``[k=v,...]`` for a grid point (keys sorted)."""
    key = f"{dataset}/{estimator}"
    if grid_point:
        key += "[" + ",".join(f"{k}={_short(v)}" for k, v in sorted(grid_point.items())) + "]"
    return key


def _short(value: Any) -> str:
    return json.dumps(value, sort_keys=True) if not isinstance(value, str) else value


def _config_hash(
    ds: DatasetEntry,
    est: EstimatorEntry,
    params: dict,
    ev: Evaluation,
    seed: int,
    metrics: tuple[str, ...],
) -> str:
    dataset = ds.model_dump()
    if ds.evaluation is not None:
        dataset["evaluation"] = ds.evaluation.hash_fields()
    blob = json.dumps(
        {
            "dataset": dataset,
            "model": est.model,
            "params": params,
            "evaluation": ev.hash_fields(),
            "seed": seed,
            "metrics": list(metrics),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def split_skip_reason(ds: DatasetEntry, ev: Evaluation) -> str | None:
    """Why ``ds`` cannot be evaluated on its official split, or None."""
    from benchsuite.datasets import DATASET_SOURCES

    if ev.method == "openml":
        if ds.source != "openml" or "task_id" not in ds.params:
            return (
                f"dataset '{ds.name}' is not an OpenML task; split: openml needs "
                "openml:task:<id> (or use cv or holdout)"
            )
        return None
    if ev.method != "official":
        return None
    source = DATASET_SOURCES.get(ds.source)
    if ds.source == "openml" and _n_folds(ds, ev) == 1 and "task_id" in ds.params:
        return None  # a holdout task: its one split is the official one
    if source is None or not source.parts:
        return f"dataset '{ds.name}' has no official train/test split; use cv or holdout"
    if ds.part not in (None, "all"):
        return (
            f"dataset '{ds.name}' holds only the official {ds.part} part; the official"
            " split needs part: all (or use cv or holdout within the part)"
        )
    return None


def _n_folds(ds: DatasetEntry, ev: Evaluation) -> int:
    """Splits per repeat: from the evaluation, or from the OpenML task's procedure."""
    if ds.source == "openml" and "task_id" in ds.params and ev.method in ("openml", "official"):
        from benchsuite.datasets._openml import fold_count

        return fold_count(ds.params, ds.name) or 1
    return ev.n_folds


def _target_for(target: dict[str, float] | None, task: str) -> dict[str, float] | None:
    # accuracy applies to classifiers, r2 to regressors: keep the one this task has
    if not target:
        return None
    key = "r2" if task == "regression" else "accuracy"
    return {key: target[key]} if key in target else None


def metrics_for_task(requested: list[str] | tuple[str, ...] | None, task: str) -> tuple[str, ...]:
    """The requested metrics that apply to ``task``, or the task's defaults if none do."""
    from benchsuite.metrics import METRICS

    if requested:
        chosen = tuple(m for m in requested if task in METRICS[m].tasks)
        if chosen:
            return chosen
    return DEFAULT_METRICS[task]


def matches(key: str, filters: tuple[str, ...]) -> bool:
    """True if ``key`` matches any filter (a glob, or a plain substring)."""
    if not filters:
        return True
    for pattern in filters:
        if any(ch in pattern for ch in "*?["):
            if fnmatch.fnmatchcase(key, pattern):
                return True
        elif pattern in key:
            return True
    return False


def build_plan(suite: Suite, *, filters: tuple[str, ...] | list[str] = ()) -> Plan:
    """Expand a suite into cases, and each case into its jobs.

    Parameters
    ----------
    suite : Suite
        A validated suite.
    filters : sequence of str, default=()
        Keep only cases whose key (``"dataset/estimator[k=v]"``) matches one of these globs
        or substrings. An empty sequence keeps everything.

    Returns
    -------
    Plan
    """
    from benchsuite.datasets import dataset_task
    from benchsuite.estimators import accepts_param, skip_reason

    filters = tuple(filters)
    defaults = suite.defaults
    cases: list[Case] = []
    tasks: dict[str, str] = {}
    shapes: dict[str, tuple[int, ...] | None] = {}
    for ds, est in suite.selected_pairs():
        if ds.name not in tasks:
            tasks[ds.name] = dataset_task(ds, base_dir=suite.base_dir)
        task = tasks[ds.name]
        ev = ds.evaluation or defaults.evaluation
        metrics = metrics_for_task(defaults.metrics, task)
        device = est.device or defaults.device
        reason = (
            split_skip_reason(ds, ev)
            or skip_reason(est.model, task)
            or device_skip_reason(est.model, device)
        )
        # models that take a device get the suite's; "auto" only moves torch models
        # (xgboost's "auto" would mean nothing), and a device in params wins
        pass_device = (
            device is not None
            and accepts_param(est.model, "device")
            and (device != "auto" or est.model.startswith("torch."))
        )
        if ds.name not in shapes:
            shapes[ds.name] = declared_sample_shape(ds)
        inference = resolve_inference(defaults.inference, est.inference)
        grid_keys = list(est.grid)
        for values in itertools.product(*(est.grid[k] for k in grid_keys)):
            point = dict(zip(grid_keys, values, strict=True))
            key = case_key(ds.name, est.name, point)
            if not matches(key, filters):
                continue
            params = {**est.params, **point}
            # per grid point: a grid may vary padding or input_shape
            point_reason = reason or shape_skip_reason(est.model, params, ds.name, shapes[ds.name])
            if pass_device and "device" not in params:
                params["device"] = device
            # a skipped case measures nothing; a case whose model cannot give the method
            # still fits and predicts, without inference, and says why
            case_inference = inference if point_reason is None else None
            no_inference = None
            if case_inference is not None:
                no_inference = inference_skip_reason(est.model, task, params, case_inference.method)
                if no_inference is not None:
                    case_inference = None
            cases.append(
                Case(
                    key=key,
                    config_hash=_config_hash(ds, est, params, ev, suite.seed, metrics),
                    dataset=ds,
                    estimator=est,
                    params=params,
                    grid_point=point,
                    task=task,
                    evaluation=ev,
                    metrics=metrics,
                    n_folds=_n_folds(ds, ev) if point_reason is None else ev.n_folds,
                    repeats=defaults.repeats,
                    seed=suite.seed,
                    skip_reason=point_reason,
                    device=device,
                    target=_target_for(defaults.target, task),
                    inference=case_inference,
                    inference_skip_reason=no_inference,
                )
            )
    jobs = tuple(job for case in cases for job in case.jobs)
    return Plan(suite=suite, cases=tuple(cases), jobs=jobs, filters=filters)


def inference_lines(plan: Plan) -> list[str]:
    """What the plan measures of inference, as ``validate`` and ``run --dry-run`` say it.

    One line per distinct setting, ``"inference: batch sizes 1, 32, 1024 (predict), first
    fold, 4 cases"``, then one per reason a case asked for inference but gets none,
    ``"inference not measured for iris/ridge: RidgeClassifier has no predict_proba"``.

    Parameters
    ----------
    plan : Plan

    Returns
    -------
    list of str
        Empty when no case asks for inference.
    """
    counts: dict[tuple, int] = {}
    for case in plan.cases:
        spec = case.inference
        if spec is not None:
            what = (spec.batch_sizes, spec.method, spec.folds, spec.device_resident)
            counts[what] = counts.get(what, 0) + 1
    lines = []
    for (sizes, method, folds, resident), n in counts.items():
        where = "first fold" if folds == "first" else "every fold"
        on_device = ", device-resident" if resident else ""
        lines.append(
            f"inference: batch sizes {', '.join(map(str, sizes))} ({method}{on_device}),"
            f" {where}, {n} case{'s' if n != 1 else ''}"
        )
    reasons: dict[str, list[str]] = {}
    for case in plan.cases:
        if case.inference_skip_reason is not None:
            reasons.setdefault(case.inference_skip_reason, []).append(case.key)
    for reason, keys in reasons.items():
        shown = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
        lines.append(f"inference not measured for {shown}: {reason}")
    return lines

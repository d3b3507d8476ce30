"""Run one :class:`~benchsuite.plan.Job` on an already-loaded dataset -> one Record.

Shared by every executor: the sequential one calls :func:`run_job` in-process; isolating
executors call it inside their workers. It never raises for a problem of the estimator:
any exception while building, fitting, predicting or scoring becomes an ``error`` record.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

from benchsuite.errors import one_line
from benchsuite.executors._limits import pin_native_threads, thread_limits
from benchsuite.executors._records import base_record, skipped_record
from benchsuite.executors._splits import take
from benchsuite.inference import InferenceSpec, measures_job
from benchsuite.measure import Clock, measure_fold
from benchsuite.plan import Job
from benchsuite.results import Record


def preload_model(model: str, task: str) -> None:
    """Import an estimator's class, and with it its library (torch, xgboost, ...).

    Isolating executors call it before a job's timeout starts counting, so that the
    timeout measures the job, not the first import of a library in a fresh worker
    (``import torch`` alone takes seconds; a worker replaced after a timeout would
    otherwise time out again on the import). A failure is left for :func:`run_job` to
    report.
    """
    try:
        from benchsuite.estimators._check import estimator_class_path
        from benchsuite.estimators._introspect import import_class

        import_class(estimator_class_path(model, task))
    except Exception:  # noqa: BLE001 (run_job builds the estimator and says what failed)
        pass


def job_params(job: Job, dataset: Any) -> dict[str, Any]:
    """The case's params, plus the dataset's sample shape for models that take one."""
    from benchsuite.estimators import accepts_param

    case = job.case
    params = dict(case.params)
    shape = getattr(dataset, "sample_shape", None)
    if (
        shape is not None
        and "input_shape" not in params
        and accepts_param(case.estimator.model, "input_shape")
    ):
        params["input_shape"] = list(shape)
    return params


def _not_measured(reason: str) -> str:
    # one wording whether the plan or the fitted model tells that inference cannot be timed
    return f"inference: {reason}; not measured"


def _inference(
    rec: Record, estimator: Any, X_test: Any, spec: InferenceSpec, *, seed: int, clock: Clock
) -> list[dict[str, Any]] | None:
    """The job's inference entries; None, with a warning on ``rec``, when not measured.

    A failure here never costs the job its fit: the record stays ``ok``.
    """
    from benchsuite.inference import InferenceUnavailable, measure_inference

    try:
        return measure_inference(estimator, X_test, spec, seed=seed, clock=clock)
    except InferenceUnavailable as exc:
        rec.warnings.append(_not_measured(str(exc)))
    except Exception as exc:  # noqa: BLE001 (any estimator error; the fit is kept)
        rec.warnings.append(f"inference failed, not measured: {one_line(exc)}")
    return None


def run_job(
    job: Job,
    dataset: Any,
    splits: list[tuple[Any, Any]],
    *,
    run_id: str,
    suite: str,
    clock: Clock = time.perf_counter,
    sample_memory: bool = True,
    threads: int | None = None,
) -> Record:
    """Build, fit, predict and score one job; never raises for estimator failures.

    With an ``inference`` block on the case, the jobs it names (the first one, or all)
    then time batched calls of the fitted model (:func:`~benchsuite.inference.measure_inference`,
    seeded with the job's ``random_state``, under the same thread limits) into
    ``Record.inference``; ``fit_time_s``, ``predict_time_s``, memory and energy do not
    include them. When the model lacks the method asked for (found by the plan,
    ``case.inference_skip_reason``, or by the fitted model), or a call fails, the record
    stays ``ok`` with a warning, and ``inference`` None.

    Parameters
    ----------
    job : Job
    dataset : benchsuite.datasets.Dataset
        Already loaded (None for a skipped case's job).
    splits : list of (train_idx, test_idx)
        From :func:`~benchsuite.executors._splits.make_splits`; ``splits[job.fold]`` is
        used.
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
    from benchsuite.estimators._introspect import (
        eval_set_params,
        final_step,
        fit_details,
        takes_eval_set,
    )
    from benchsuite.metrics import compute_metrics

    if job.skipped:
        return skipped_record(job, run_id=run_id, suite=suite)
    case = job.case
    rec = base_record(job, run_id=run_id, suite=suite)
    rec.threads = threads
    rec.dataset_fingerprint = dataset.fingerprint
    train, test = splits[job.fold]
    rec.n_train, rec.n_test = len(train), len(test)
    try:
        params = job_params(job, dataset)
        rec.model = estimator_class_path(case.estimator.model, case.task)
        rec.params = resolved_params(
            case.estimator.model, params, task=case.task, random_state=job.random_state
        )
        estimator = build_estimator(
            case.estimator.model, params, task=case.task, random_state=job.random_state
        )
    except Exception as exc:  # a bad param value: the run goes on
        rec.status, rec.error = "error", f"building estimator: {one_line(exc)}"
        return rec
    if threads is not None:
        pin_native_threads(estimator, threads)

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
            )  # device: the estimator's own; every CUDA call of the measurement names it
        except Exception as exc:
            rec.status, rec.error = "error", one_line(exc)
            return rec
        rec.fit_time_s, rec.predict_time_s = m.fit_time_s, m.predict_time_s
        rec.peak_rss_mb, rec.rss_delta_mb = m.peak_rss_mb, m.rss_delta_mb
        rec.energy_j, rec.cpu_energy_j = m.energy_j, m.cpu_energy_j
        rec.warmup_s = m.warmup_s
        if m.warmup_note:
            rec.warnings.append(m.warmup_note)
        if getattr(final_step(estimator), "device_", None) is not None:
            # torch's allocator sees the memory of torch models (they report device_) only;
            # another library's GPU job (xgboost) would read as 0.0: left null
            rec.peak_gpu_mb, rec.peak_gpu_reserved_mb = m.peak_gpu_mb, m.peak_gpu_reserved_mb
        for key, value in fit_details(estimator, case.target).items():
            setattr(rec, key, value)
        if fit_params and rec.target_epoch is None:
            assert case.target  # fit_params are only made for a target
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
        # after the fit and predict were timed and their memory and energy read: none of
        # them includes the inference calls; still inside the job's thread limits
        if measures_job(case.inference, job.fold, job.repeat):
            assert case.inference is not None  # measures_job says so
            rec.inference = _inference(
                rec, estimator, X_test, case.inference, seed=job.random_state, clock=clock
            )
        elif case.inference_skip_reason is not None and job.fold == 0 and job.repeat == 0:
            # the plan knew the model cannot give the method and dropped the block: the
            # first job, one that measures under any ``folds``, says why in its record
            rec.warnings.append(_not_measured(case.inference_skip_reason))
    messages = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    rec.warnings += metric_warnings + [" ".join(m.split())[:300] for m in messages[:5]]
    return rec

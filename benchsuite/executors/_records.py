"""The records executors build about a job without measuring it, and the base of every one.

One home for them, so that a skipped case, a dataset that failed to load, a crashed
worker and a timeout read the same whichever executor ran the job.
"""

from __future__ import annotations

from benchsuite.plan import Job
from benchsuite.results import Record, utc_now


def base_record(job: Job, *, run_id: str, suite: str) -> Record:
    """The record of ``job`` before anything is measured: what the plan says, ``ok``."""
    case = job.case
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
        fold=job.fold,
        n_folds=case.n_folds,
        repeat=job.repeat,
        random_state=None if case.skipped else job.random_state,
        device=_requested_device(job),
        started_at=utc_now(),
    )


def _requested_device(job: Job) -> str:
    # a torch model reports where it really ran (device_) after fit; this is the default
    device = job.case.params.get("device")
    return str(device) if device not in (None, "auto") else "cpu"


def skipped_record(job: Job, *, run_id: str, suite: str) -> Record:
    """The ``skipped`` record of a skipped case's job, with the case's skip reason."""
    return failure_record(job, job.case.skip_reason, run_id=run_id, suite=suite, status="skipped")


def failure_record(
    job: Job,
    message: str | None,
    *,
    run_id: str,
    suite: str,
    status: str = "error",
    threads: int | None = None,
    worker: str | None = None,
) -> Record:
    """A record of ``job`` that says why it has no measurement.

    Parameters
    ----------
    job : Job
    message : str
        One line: the exception, the cause of a worker's death, the timeout.
    run_id, suite : str
    status : {"error", "timeout", "skipped"}, default="error"
    threads : int, optional
        The thread budget the job had (isolating executors).
    worker : str, optional
        Where it ran: ``"process <pid>"`` or a Dask worker's address.

    Returns
    -------
    Record
    """
    rec = base_record(job, run_id=run_id, suite=suite)
    rec.status, rec.error = status, message
    rec.threads, rec.worker = threads, worker
    return rec

"""The :class:`Executor` protocol, and what every executor does around its jobs.

:func:`~benchsuite.executors.run_plan` talks to an executor only through the protocol;
the helpers here are the steps the executors share: the timeout a job gets, and the
records of skipped cases, written by the runner before any job is handed out.
:class:`IsolatingExecutor` holds the options of the executors that run jobs in worker
processes they can end (process, dask).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, Protocol, TypedDict, runtime_checkable

from benchsuite._gpus import gpu_count_error
from benchsuite.errors import BenchsuiteError
from benchsuite.executors._limits import memory_option
from benchsuite.executors._records import failure_record, skipped_record
from benchsuite.plan import Job, Plan
from benchsuite.results import Record
from benchsuite.suite import Suite

OnRecord = Callable[[Record], None]


@runtime_checkable
class Executor(Protocol):
    """Where and how the jobs of a plan run.

    Attributes
    ----------
    name : str
        Its registry name (``run.json``'s ``executor``).
    n_workers : int
        Jobs it runs at once (``-j``).
    threads : int or None
        BLAS/OpenMP/torch threads per job; None: the libraries' own choice.
    timeout : float or None
        Seconds per job it was given; None: the suite's ``defaults.timeout``.
    enforces_timeout : bool
        Whether it can stop a job past its timeout (the sequential one cannot).
    memory_label : str
        The memory limit of its workers as the user wrote it; empty: none.
    """

    name: str
    n_workers: int
    threads: int | None
    timeout: float | None
    enforces_timeout: bool
    memory_label: str

    def run(self, plan: Plan, *, run_id: str, emit: OnRecord) -> None:
        """Run every job of ``plan``, passing each record to ``emit`` once it is final."""

    def run_info(self) -> dict[str, Any]:
        """What ``run.json`` should say that only the run taught it (empty if nothing)."""


class WorkerOptions(TypedDict, total=False):
    """The options every isolating executor takes (see :class:`IsolatingExecutor`)."""

    n_workers: int
    timeout: float | None
    memory_limit: int | str | None
    threads: int | None
    sample_memory: bool


class IsolatingExecutor:
    """What the executors that run jobs in worker processes share: their options, the
    hard timeout they enforce by ending a worker, and the count of workers replaced.

    Parameters
    ----------
    n_workers : int, default=1
        Worker processes (``-j``).
    timeout : float, optional
        Seconds per job; default: the suite's ``defaults.timeout``, else none.
    memory_limit : int or str, optional
        Per worker, in bytes or as ``"4GB"``
        (:func:`~benchsuite.executors._limits.memory_option`).
    threads : int, optional
        BLAS/OpenMP/torch threads per job; a subclass sets its default.
    sample_memory : bool, default=True
        Sample peak RSS during each fit + predict.
    """

    name: str
    enforces_timeout = True

    def __init__(
        self,
        *,
        n_workers: int = 1,
        timeout: float | None = None,
        memory_limit: int | str | None = None,
        threads: int | None = None,
        sample_memory: bool = True,
    ) -> None:
        if n_workers < 1:  # a cluster or pool of no workers would wait forever
            raise BenchsuiteError(f"-j must be at least 1, got {n_workers}")
        self.n_workers = n_workers
        self.timeout = timeout
        self.memory_limit, self.memory_label = memory_option(memory_limit)
        self.threads = threads
        self.sample_memory = sample_memory
        self.restarts = 0  # workers replaced after a timeout or a crash (for benchmarks)

    def run_info(self) -> dict[str, Any]:
        """Nothing by default: the workers, threads and limits are known before the run."""
        return {}


def job_timeout(timeout: float | None, suite: Suite) -> float | None:
    """Seconds a job may take: the executor's ``timeout``, else the suite's default."""
    return timeout if timeout is not None else suite.defaults.timeout


def split_skipped(plan: Plan, *, run_id: str, emit: OnRecord) -> deque[Job]:
    """Record the jobs of skipped cases at once; the jobs left to run, in plan order."""
    pending: deque[Job] = deque()
    for job in plan.jobs:
        if job.skipped:
            emit(skipped_record(job, run_id=run_id, suite=plan.suite.name))
        else:
            pending.append(job)
    return pending


def refuse_missing_gpus(
    pending: deque[Job],
    gpus: list[str],
    plan: Plan,
    *,
    run_id: str,
    emit: OnRecord,
    threads: int | None = None,
) -> deque[Job]:
    """Record an ``error`` for every job that names a GPU past ``gpus`` (``cuda:2`` with two
    GPUs: never run); the jobs left to run."""
    kept: deque[Job] = deque()
    for job in pending:
        reason = gpu_count_error(job.case.params.get("device"), gpus)
        if reason is None:
            kept.append(job)
        else:
            emit(failure_record(job, reason, run_id=run_id, suite=plan.suite.name, threads=threads))
    return kept

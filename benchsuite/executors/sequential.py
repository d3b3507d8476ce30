"""The default executor: every job in this process, one after another."""

from __future__ import annotations

import time
from typing import Any

from benchsuite.executors._base import OnRecord
from benchsuite.executors._job import run_job
from benchsuite.executors._records import failure_record, skipped_record
from benchsuite.executors._splits import DataSlot
from benchsuite.measure import Clock
from benchsuite.plan import Plan


class SequentialExecutor:
    """Run jobs in-process, in plan order; each dataset is loaded (and split) once.

    Parameters
    ----------
    clock : callable, default=time.perf_counter
    sample_memory : bool, default=True
        Sample peak RSS during each fit + predict.
    threads : int, optional
        Pin BLAS/OpenMP/torch thread pools to this many threads in each job.

    Notes
    -----
    Timeouts cannot be enforced in-process (``enforces_timeout`` is False); use an
    isolating executor for that.
    """

    name = "sequential"
    n_workers = 1
    timeout: float | None = None
    enforces_timeout = False
    memory_label = ""

    def __init__(
        self,
        *,
        clock: Clock = time.perf_counter,
        sample_memory: bool = True,
        threads: int | None = None,
    ):
        self.clock = clock
        self.sample_memory = sample_memory
        self.threads = threads

    def run_info(self) -> dict[str, Any]:
        """Nothing: ``run.json`` already says everything about an in-process run."""
        return {}

    def run(self, plan: Plan, *, run_id: str, emit: OnRecord) -> None:
        """Run every job of ``plan``, passing each record to ``emit`` as it finishes."""
        suite = plan.suite
        slot = DataSlot()  # plan order groups jobs by dataset: each is loaded once
        for job in plan.jobs:
            if job.skipped:
                emit(skipped_record(job, run_id=run_id, suite=suite.name))
                continue
            ds, splits, failure = slot.get(job.case, base_dir=suite.base_dir, seed=suite.seed)
            if failure is not None:
                emit(failure_record(job, failure, run_id=run_id, suite=suite.name))
                continue
            emit(
                run_job(
                    job,
                    ds,
                    splits,
                    run_id=run_id,
                    suite=suite.name,
                    clock=self.clock,
                    sample_memory=self.sample_memory,
                    threads=self.threads,
                )
            )

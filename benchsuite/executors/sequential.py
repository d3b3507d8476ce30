"""The default executor: every case in this process, one after another."""

from __future__ import annotations

import time
from collections.abc import Callable

from benchsuite.executors._case import DataSlot, error_record, run_case
from benchsuite.measure import Clock
from benchsuite.plan import Plan
from benchsuite.results import Record

OnRecord = Callable[[Record], None]


class SequentialExecutor:
    """Run cases in-process, in plan order; each dataset is loaded (and split) once.

    Parameters
    ----------
    clock : callable, default=time.perf_counter
    sample_memory : bool, default=True
        Sample peak RSS during each fit + predict.
    threads : int, optional
        Pin BLAS/OpenMP/torch thread pools to this many threads in each case.

    Notes
    -----
    Timeouts cannot be enforced in-process; use an isolating executor for that.
    """

    name = "sequential"

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

    def run(self, plan: Plan, *, run_id: str, emit: OnRecord) -> None:
        """Run every case of ``plan``, passing each record to ``emit`` as it finishes."""
        suite = plan.suite
        slot = DataSlot()  # plan order groups cases by dataset: each is loaded once
        for case in plan.cases:
            if case.skipped:
                emit(run_case(case, None, [], run_id=run_id, suite=suite.name))
                continue
            ds, splits, failure = slot.get(case, base_dir=suite.base_dir, seed=suite.seed)
            if failure is not None:
                emit(error_record(case, failure, run_id=run_id, suite=suite.name))
                continue
            emit(
                run_case(
                    case,
                    ds,
                    splits,
                    run_id=run_id,
                    suite=suite.name,
                    clock=self.clock,
                    sample_memory=self.sample_memory,
                    threads=self.threads,
                )
            )

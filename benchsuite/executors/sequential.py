"""The default executor: every case in this process, one after another."""

from __future__ import annotations

import time
from collections.abc import Callable

from benchsuite.errors import BenchsuiteError, one_line
from benchsuite.executors._case import error_record, make_splits, run_case
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
        from benchsuite.datasets import clear_cache, load_dataset

        suite = plan.suite
        failed: dict[str, str] = {}  # dataset name -> why it could not be loaded
        current: tuple[str, object, list] | None = None  # the one dataset kept in memory
        for case in plan.cases:
            if case.skipped:
                emit(run_case(case, None, [], run_id=run_id, suite=suite.name))
                continue
            name = case.dataset.name
            if name not in failed and (current is None or current[0] != name):
                # release the previous dataset (and the loader's cached copy) first
                current = None
                clear_cache()
                step = "loading dataset"
                try:
                    ds = load_dataset(case.dataset, base_dir=suite.base_dir, seed=suite.seed)
                    step = "splitting dataset"
                    current = (name, ds, make_splits(ds, case.evaluation, suite.seed))
                except BenchsuiteError as exc:
                    failed[name] = f"{step}: {exc}"
                except Exception as exc:
                    failed[name] = f"{step}: {one_line(exc)}"
            if name in failed:
                emit(error_record(case, failed[name], run_id=run_id, suite=suite.name))
                continue
            _, ds, splits = current
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

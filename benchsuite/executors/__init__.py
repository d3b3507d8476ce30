"""Executors: run a :class:`~benchsuite.plan.Plan` and store its records.

``sequential`` (default) runs in this process. Isolating executors (process pool with hard
timeouts, Dask) plug in here with the same ``run(plan, run_id=..., emit=...)`` method.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchsuite.executors.sequential import SequentialExecutor
from benchsuite.plan import Plan
from benchsuite.results import (
    Record,
    RunStore,
    capture_environment,
    gpu_info,
    load_average,
    thread_info,
)

__all__ = ["EXECUTORS", "RunResult", "SequentialExecutor", "run_plan"]

# name -> "module:Class"; resolved lazily so optional executors cost nothing until used
EXECUTORS: dict[str, str] = {
    "sequential": "benchsuite.executors.sequential:SequentialExecutor",
}


@dataclass
class RunResult:
    """Where a run went and what it produced.

    Attributes
    ----------
    path : Path
        The run folder.
    run_id : str
    records : list of Record
    status : {"completed", "interrupted", "failed"}
    counts : dict of str to int
        Records per status.
    """

    path: Path
    run_id: str
    records: list[Record]
    status: str
    counts: dict[str, int]


def run_plan(
    plan: Plan,
    *,
    output: str | os.PathLike[str] = "results",
    run_id: str | None = None,
    executor: Any = None,
    on_start: Callable[[RunStore], None] | None = None,
    on_record: Callable[[Record], None] | None = None,
    command_line: list[str] | None = None,
) -> RunResult:
    """Run a plan, appending each record to ``<output>/<suite>/<run-id>/records.jsonl``.

    Parameters
    ----------
    plan : Plan
    output : path-like, default="results"
    run_id : str, optional
    executor : executor, default=SequentialExecutor()
    on_start : callable, optional
        Called with the opened :class:`RunStore` before the first case.
    on_record : callable, optional
        Called with each record after it is stored (progress display).
    command_line : list of str, optional
        Stored in ``run.json`` (defaults to ``sys.argv``).

    Returns
    -------
    RunResult

    Notes
    -----
    On ``KeyboardInterrupt`` the records stored so far stay valid, ``run.json`` says
    ``interrupted`` and the exception propagates after closing the store.
    """
    suite = plan.suite
    executor = executor or SequentialExecutor()
    store = RunStore(output, suite.name, run_id)
    store.open(
        {
            "suite_file": str(suite.path) if suite.path else None,
            "suite_sha256": suite.file_hash,
            "suite_description": suite.description,
            "seed": suite.seed,
            "command_line": command_line if command_line is not None else list(sys.argv),
            "cwd": os.getcwd(),
            "executor": getattr(executor, "name", type(executor).__name__),
            "threads": getattr(executor, "threads", None),
            # the sequential executor cannot interrupt a running fit
            "timeout_s": suite.defaults.timeout,
            "timeout_enforced": getattr(executor, "enforces_timeout", False),
            "filters": list(plan.filters),
            "n_cases": len(plan.keys),
            "n_measurements": len(plan.cases),
            "environment": capture_environment(cwd=suite.path.parent if suite.path else None),
        }
    )
    if on_start is not None:
        on_start(store)
    records: list[Record] = []

    def emit(record: Record) -> None:
        store.append(record)
        records.append(record)
        if on_record is not None:
            on_record(record)

    status = "failed"
    try:
        executor.run(plan, run_id=store.run_id, emit=emit)
        status = "completed"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        # thread pools, and torch's view of the GPUs, exist once the models loaded them
        if "torch" in sys.modules:
            store.info["environment"]["gpus"] = gpu_info()
            store.info["environment"]["torch_threads"] = sys.modules["torch"].get_num_threads()
        store.close(status, threadpools=thread_info(), load_average_at_end=load_average())
    return RunResult(store.path, store.run_id, records, status, dict(store.counts))

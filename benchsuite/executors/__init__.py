"""Executors: run the jobs of a :class:`~benchsuite.plan.Plan` and store their records.

``sequential`` (default) runs jobs in this process; ``process`` runs them in persistent,
isolated worker processes with hard timeouts and memory limits; ``dask`` runs them on a
Dask cluster. Each is an :class:`~benchsuite.executors._base.Executor` and calls
:func:`~benchsuite.executors._job.run_job` for every job, so their records agree.
:func:`run_plan` opens the run folder (or reopens one to resume it), holds its lock while
it writes (one writer per run folder), and stores each record the moment it arrives.

Modules: ``_base`` (the protocol, the timeout a job gets, skipped cases' records),
``_records`` (records of jobs that were not measured), ``_splits`` (a dataset held once,
its folds), ``_job`` (one job -> one record), ``_limits`` (threads, GPUs, memory),
``_resume`` (what a resumed run still has to run).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchsuite.environment import capture_environment, gpu_info, load_average, thread_info
from benchsuite.errors import BenchsuiteError
from benchsuite.executors._base import Executor, job_timeout
from benchsuite.executors.sequential import SequentialExecutor
from benchsuite.plan import Plan
from benchsuite.results import Record
from benchsuite.runs import RunLockedError, RunStore

__all__ = [
    "EXECUTORS",
    "Executor",
    "RunLockedError",
    "RunResult",
    "SequentialExecutor",
    "get_executor",
    "run_plan",
]

# name -> "module:Class"; resolved lazily so optional executors cost nothing until used
EXECUTORS: dict[str, str] = {
    "sequential": "benchsuite.executors.sequential:SequentialExecutor",
    "process": "benchsuite.executors.process:ProcessExecutor",
    "dask": "benchsuite.executors.dask:DaskExecutor",
}


def get_executor(name: str, **options: Any) -> Executor:
    """An executor by its registry name, built with ``options`` (imported only now).

    Raises
    ------
    BenchsuiteError
        Unknown name.
    """
    from benchsuite.errors import BenchsuiteError

    if name not in EXECUTORS:
        raise BenchsuiteError(
            f"unknown executor {name!r} (choose from {', '.join(sorted(EXECUTORS))})"
        )
    module, _, cls = EXECUTORS[name].partition(":")
    return getattr(importlib.import_module(module), cls)(**options)


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
        Records per status (of the whole run folder, when resumed).
    resumed : int
        Records kept from before a resume (0 for a new run); ``records`` starts with them.
    superseded : int
        ``error``/``timeout`` records a resume moved to ``superseded.jsonl`` to re-measure.
    """

    path: Path
    run_id: str
    records: list[Record]
    status: str
    counts: dict[str, int]
    resumed: int = 0
    superseded: int = 0


def run_plan(
    plan: Plan,
    *,
    output: str | os.PathLike[str] = "results",
    run_id: str | None = None,
    executor: Executor | None = None,
    on_start: Callable[[RunStore], None] | None = None,
    on_record: Callable[[Record], None] | None = None,
    command_line: list[str] | None = None,
    resume: str | os.PathLike[str] | None = None,
    on_warning: Callable[[str], None] | None = None,
    on_plan: Callable[[Plan, list[Record]], None] | None = None,
    machine: str | None = None,
) -> RunResult:
    """Run a plan, appending each record to ``<output>/<suite>/<run-id>/records.jsonl``.

    Parameters
    ----------
    plan : Plan
    output : path-like, default="results"
    run_id : str, optional
    executor : Executor, default=SequentialExecutor()
    on_start : callable, optional
        Called with the opened :class:`RunStore` before the first job.
    on_record : callable, optional
        Called with each record after it is stored (progress display).
    command_line : list of str, optional
        Stored in ``run.json`` (defaults to ``sys.argv``).
    machine : str, optional
        The machine's name in ``run.json`` (``--machine``); default ``BENCHSUITE_MACHINE``,
        else the hardware key (:func:`benchsuite.environment.machine_key`).
    resume : path-like, optional
        A run folder to continue instead of starting a new one (``output`` and ``run_id``
        are then ignored): only jobs without a final record run (see
        :mod:`benchsuite.executors._resume`), their records are appended to its
        ``records.jsonl``.
    on_warning : callable, optional
        Told about repairs of the records file when resuming.
    on_plan : callable, optional
        Called with the plan that will actually run and the records kept from before
        (empty for a new run), before the first job (progress display).

    Returns
    -------
    RunResult

    Raises
    ------
    RunLockedError
        Another process is writing the run folder (a resume of it, or a run of the same
        ``run_id``): one writer per run folder. Nothing in the folder was changed.
    BenchsuiteError
        Any other error of the user's input or of the run folder.

    Notes
    -----
    On ``KeyboardInterrupt`` the records stored so far stay valid, ``run.json`` says
    ``interrupted`` and the exception propagates after closing the store.

    The run folder is locked (:class:`~benchsuite.results.RunLock`, an OS lock that a
    killed process cannot leave behind) from before anything in it is read or written
    until the final ``run.json`` is written.
    """
    executor = executor or SequentialExecutor()
    if resume is not None and machine is not None:
        raise BenchsuiteError("a resumed run keeps its recorded machine; drop machine")
    command_line = command_line if command_line is not None else list(sys.argv)
    timeout = job_timeout(executor.timeout, plan.suite)
    if resume is not None:
        store, plan, kept, superseded = _reopen_run(
            resume, plan, executor, timeout, command_line, on_warning
        )
    else:
        store = _open_run(plan, executor, timeout, output, run_id, command_line, machine)
        kept, superseded = [], 0
    records = list(kept)

    def emit(record: Record) -> None:
        store.append(record)
        records.append(record)
        if on_record is not None:
            on_record(record)

    status = "failed"
    discard = False
    try:
        # inside the try: whatever happens from here on, the store is closed and unlocked
        dropped = plan.rows_without_target()
        if dropped:  # rows loading drops for having no target, said in run.json
            store.update_info(rows_without_target={k: n for k, (_, n) in dropped.items()})
        if on_start is not None:
            on_start(store)
        if on_plan is not None:
            on_plan(plan, list(records))
        if plan.jobs:
            executor.run(plan, run_id=store.run_id, emit=emit)
        status = "completed"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except BenchsuiteError:
        # a new run that could not start (an unreachable scheduler, workers that cannot
        # load under the memory limit) measured nothing: it leaves no empty run folder
        discard = resume is None and not records
        raise
    finally:
        if discard:
            store.discard()  # removed while still locked, then unlocked
        else:
            _close_run(store, status, executor, resumed=resume is not None)
    return RunResult(
        store.path,
        store.run_id,
        records,
        status,
        dict(store.counts),
        resumed=len(kept),
        superseded=superseded,
    )


def _open_run(
    plan: Plan,
    executor: Executor,
    timeout: float | None,
    output: str | os.PathLike[str],
    run_id: str | None,
    command_line: list[str],
    machine: str | None = None,
) -> RunStore:
    """A new run folder, locked, with its first ``run.json`` (status ``running``)."""
    from benchsuite.environment import machine_key, resolve_machine

    suite = plan.suite
    named = resolve_machine(machine)  # a bad name fails before the folder exists
    # creates and locks the folder (RunLockedError if another process writes a run of the
    # same id) before writing run.json
    store = RunStore(output, suite.name, run_id)
    environment = capture_environment(cwd=suite.path.parent if suite.path else None)
    store.open(
        {
            "suite_file": str(suite.path) if suite.path else None,
            "suite_sha256": suite.file_hash,
            "suite_description": suite.description,
            "seed": suite.seed,
            "command_line": command_line,
            "cwd": os.getcwd(),
            "executor": executor.name,
            "workers": executor.n_workers,
            "threads": executor.threads,
            # the sequential executor cannot interrupt a running fit
            "timeout_s": timeout,
            "timeout_enforced": executor.enforces_timeout,
            "memory_limit": executor.memory_label or None,
            "filters": list(plan.filters),
            "n_cases": len(plan.cases),
            "n_jobs": len(plan.jobs),
            "environment": environment,
            "machine": named or machine_key(environment),
        }
    )
    return store


def _reopen_run(
    resume: str | os.PathLike[str],
    plan: Plan,
    executor: Executor,
    timeout: float | None,
    command_line: list[str],
    on_warning: Callable[[str], None] | None,
) -> tuple[RunStore, Plan, list[Record], int]:
    """An existing run folder, locked and reopened for appending.

    Returns the store, the plan narrowed to the jobs still to run, the records kept and
    the number of records superseded.
    """
    from benchsuite.executors._resume import prepare_resume

    # locks the folder (RunLockedError if another process writes it) before reading it
    state = prepare_resume(resume, plan, on_warning=on_warning, command_line=command_line)
    try:
        state.store.reopen(
            dict(Counter(r.status for r in state.kept)),
            command_line=command_line,
            executor=executor.name,
            threads=executor.threads,
            timeout_s=timeout,
            kept=len(state.kept),
            superseded=state.superseded,
            n_jobs=len(state.plan.jobs),
        )
    except BaseException:
        state.store.release()
        raise
    return state.store, state.plan, state.kept, state.superseded


def _close_run(store: RunStore, status: str, executor: Executor, *, resumed: bool) -> None:
    """Write the final ``run.json`` under the lock, then release the lock."""
    try:
        # thread pools, and torch's view of the GPUs, exist once the models loaded them
        if "torch" in sys.modules:
            store.info["environment"]["gpus"] = gpu_info()
            torch_threads = sys.modules["torch"].get_num_threads()
            store.info["environment"]["torch_threads"] = torch_threads
        # what only the run itself learns (a remote Dask cluster's workers and threads)
        learned = executor.run_info()
        if resumed and learned:
            store.info["resumes"][-1].update(learned)
            learned = {}
        store.close(
            status,
            threadpools=thread_info(),
            load_average_at_end=load_average(),
            **learned,
        )
    finally:
        store.release()

"""``--resume RUN_DIR``: what an interrupted run still has to measure.

A job ``(case_key, fold, repeat)`` is *final* when its run folder holds an ``ok`` record
for it, or a ``skipped`` record for a case that is still planned as skipped. Every other
planned job runs again: missing ones, and those whose record is ``error`` or ``timeout``
(a crash may have been the machine's fault, a timeout may have been too short; a
deterministic error costs one more attempt). So that the records file never holds two
records of one job, the ``error``/``timeout`` records about to be re-measured are
moved to ``superseded.jsonl`` in the same folder (the file is rewritten atomically), and
the new records are appended to ``records.jsonl``.

All of that happens under the folder's lock (:class:`~benchsuite.results.RunLock`), taken
before the folder is read and held until the resumed run ends: two resumes of one folder
started at once would otherwise both measure every missing job.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchsuite.errors import BenchsuiteError
from benchsuite.plan import Plan
from benchsuite.results import Record, parse_record_line, repair_records
from benchsuite.runs import RunLock, RunStore

FINAL_STATUSES = ("ok", "skipped")


@dataclass
class ResumeState:
    """An existing run, reopened.

    Attributes
    ----------
    store : RunStore
        The run's store (not yet reopened for appending).
    kept : list of Record
        Records that stay in ``records.jsonl``, in file order.
    plan : Plan
        The jobs still to run (:meth:`Plan.only`).
    superseded : int
        ``error``/``timeout`` records moved to ``superseded.jsonl``.
    """

    store: RunStore
    kept: list[Record]
    plan: Plan
    superseded: int


def job_id(record: Record) -> tuple[str, int, int]:
    """The :attr:`~benchsuite.plan.Job.id` of the job ``record`` is about."""
    return (record.case_key, record.fold, record.repeat)


def prepare_resume(
    run_dir: str | os.PathLike[str],
    plan: Plan,
    *,
    on_warning: Callable[[str], None] | None = None,
    command_line: list[str] | None = None,
) -> ResumeState:
    """Lock a run folder, repair its records file, and find what is left to measure.

    Parameters
    ----------
    run_dir : path-like
        The folder of the run to continue (holding ``run.json`` and ``records.jsonl``).
    plan : Plan
        The plan of the suite, as it would run from scratch.
    on_warning : callable, optional
        Told about a truncated last line that was removed.
    command_line : list of str, optional
        This run's command line, written into the lock file for a second writer's message.

    Returns
    -------
    ResumeState
        Its store holds the folder's lock (released by ``store.close()``); on an error the
        lock is released before raising.

    Raises
    ------
    RunLockedError
        Another process is writing the folder; nothing in it was read or changed.
    BenchsuiteError
        Not a run folder, a run of another suite, a suite whose cases changed since the
        run (another configuration for the same case key), or a corrupt records file.
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise BenchsuiteError(f"--resume {run_dir}: no such run folder")
    if not (path / "run.json").exists():
        # not a run folder, or one a new run is creating this instant (then it is locked);
        # either way no lock file is created in it
        RunLock.check_free(path)
        raise BenchsuiteError(f"{path}: not a run folder (no run.json)")
    # before reading anything: a second resume must neither measure the same jobs again nor
    # repair, truncate or supersede records while the first one appends to them
    lock = RunLock.acquire(path, command=command_line)
    try:
        return _prepare_locked(RunStore.existing(path, lock=lock), run_dir, plan, on_warning)
    except BaseException:
        lock.release()
        raise


def _prepare_locked(
    store: RunStore,
    run_dir: str | os.PathLike[str],
    plan: Plan,
    on_warning: Callable[[str], None] | None,
) -> ResumeState:
    suite = plan.suite
    if store.info.get("suite") != suite.name:
        raise BenchsuiteError(
            f"--resume {run_dir}: a run of suite '{store.info.get('suite')}', not of"
            f" '{suite.name}'; give the suite file that run used"
        )
    message = repair_records(store.records_path)
    if message and on_warning is not None:
        on_warning(message)
    lines = _read_lines(store.records_path)
    planned = {job.id: job for job in plan.jobs}
    hashes = {c.key: c.config_hash for c in plan.cases}
    final: set[tuple[str, int, int]] = set()
    kept: list[tuple[str, Record]] = []
    dropped: list[str] = []
    for i, (line, record) in enumerate(lines):
        key = record.case_key
        if key in hashes and record.config_hash and record.config_hash != hashes[key]:
            raise BenchsuiteError(
                f"{store.records_path}:{i + 1}: case {key} was measured with another"
                " configuration than the suite now gives (the suite changed since that"
                " run); start a new run instead of resuming"
            )
        jid = job_id(record)
        job = planned.get(jid)
        if job is None:  # not planned now (another --filter): left as it is
            kept.append((line, record))
            continue
        is_final = (record.status == "ok" and not job.skipped) or (
            record.status == "skipped" and job.skipped
        )
        if is_final and jid not in final:
            final.add(jid)
            kept.append((line, record))
        elif is_final:  # a second final record of one job: keep the first
            dropped.append(line)
        else:
            dropped.append(line)
    # a non-final record whose job turned out final elsewhere is dropped too
    if dropped:
        _supersede(store, [line for line, _ in kept], dropped)
    return ResumeState(
        store=store,
        kept=[r for _, r in kept],
        plan=plan.only([job for job in plan.jobs if job.id not in final]),
        superseded=len(dropped),
    )


def _read_lines(path: Path) -> list[tuple[str, Record]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchsuiteError(f"{path}: cannot read ({exc})") from None
    out = []
    for i, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        try:
            out.append((line, parse_record_line(line)))
        except (ValueError, TypeError) as exc:
            raise BenchsuiteError(f"{path}:{i + 1}: not a valid record ({exc})") from None
    return out


def _supersede(store: RunStore, kept: list[str], dropped: list[str]) -> None:
    """Move ``dropped`` lines to ``superseded.jsonl``; rewrite ``records.jsonl`` atomically."""
    try:
        with open(store.path / "superseded.jsonl", "a", encoding="utf-8") as fh:
            fh.writelines(line + "\n" for line in dropped)
        tmp = store.records_path.with_suffix(".jsonl.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.writelines(line + "\n" for line in kept)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, store.records_path)
    except OSError as exc:
        raise BenchsuiteError(
            f"cannot rewrite {store.records_path} ({exc.strerror or exc}); it was left as it was"
        ) from None

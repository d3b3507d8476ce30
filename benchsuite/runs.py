"""A run folder: writing it, its typed ``run.json``, and finding and loading runs.

A *run* is one execution of a plan: a folder ``<output>/<suite>/<run-id>/`` holding
``records.jsonl`` (one :class:`~benchsuite.results.Record` per job, appended as each ends)
and ``run.json`` (:class:`RunInfo`: the environment and the run's bookkeeping, written at
the start and rewritten at the end). :class:`RunStore` writes a run folder, holding its
:class:`RunLock` (one writer per folder); :func:`find_runs` and :func:`load_run` read them.
Commands that take a run accept that folder, its ``records.jsonl`` file, or a folder above
it (``results/baseline``): when such a folder holds several runs, the latest is used, and
the caller is told which.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import json
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchsuite._format import format_git_sha
from benchsuite._json import jsonable
from benchsuite._run_lock import LOCK_FILE, RunLock, RunLockedError
from benchsuite.errors import BenchsuiteError
from benchsuite.results import STATUSES, Record, read_records, utc_now

__all__ = [
    "LOCK_FILE",
    "RECORDS_FILE",
    "RUN_FILE",
    "RUN_SCHEMA_VERSION",
    "Run",
    "RunInfo",
    "RunLock",
    "RunLockedError",
    "RunStore",
    "find_runs",
    "load_run",
    "new_run_id",
    "read_run_info",
    "resolve_run",
    "run_folders",
    "upgrade_run_info",
]

RECORDS_FILE = "records.jsonl"
RUN_FILE = "run.json"
#: ``run.json``'s schema. 2: ``n_measurements`` is named ``n_jobs`` (at the top level and in
#: each entry of ``resumes``). Files without a version are version 1.
RUN_SCHEMA_VERSION = 2
_RENAMED = {"n_measurements": "n_jobs"}  # version 1 name -> current name
_MAX_DEPTH = 3  # results/ -> <suite>/ -> <run-id>/ -> records.jsonl


def new_run_id() -> str:
    """``YYYYmmddTHHMMSS-xxxx``: sortable by start time, unique across parallel runs."""
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{secrets.token_hex(2)}"


# --------------------------------------------------------------------------------------
# run.json
# --------------------------------------------------------------------------------------


def _current_keys(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with version 1 key names replaced by the current ones (order kept)."""
    return {_RENAMED.get(k, k): v for k, v in fields.items()}


def upgrade_run_info(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a ``run.json`` dict to :data:`RUN_SCHEMA_VERSION` (a new dict).

    Raises
    ------
    BenchsuiteError
        The file is of a newer schema than this benchsuite understands.
    """
    version = data.get("schema_version", 1)
    if isinstance(version, int) and version > RUN_SCHEMA_VERSION:
        raise BenchsuiteError(
            f"{RUN_FILE} schema version {version} is newer than this benchsuite understands"
            f" ({RUN_SCHEMA_VERSION}); upgrade benchsuite"
        )
    data = dict(data)
    if version == RUN_SCHEMA_VERSION:
        return data
    # 1 -> 2: n_measurements -> n_jobs
    data = _current_keys(data)
    if isinstance(data.get("resumes"), list):
        data["resumes"] = [_current_keys(r) if isinstance(r, dict) else r for r in data["resumes"]]
    data["schema_version"] = RUN_SCHEMA_VERSION
    return data


# written only once they happen: absent from a run.json (and from to_dict) until then
_WHEN_SET = ("rows_without_target", "resumes", "worker_threads", "machine")
_AT_END = ("counts", "threadpools", "load_average_at_end")


@dataclass
class RunInfo:
    """``run.json``, typed: what a run was asked to do, where, and how it ended.

    Read with :meth:`from_dict` (or :func:`read_run_info`), which upgrades older files;
    :meth:`to_dict` gives the current schema back. Missing keys read as the defaults.

    Attributes
    ----------
    schema_version : int
        :data:`RUN_SCHEMA_VERSION` once read.
    run_id, suite : str or None
    status : {"running", "completed", "interrupted", "failed"} or None
        ``running`` while the run writes (or if it was killed).
    started_at, ended_at : str or None
        ISO 8601 UTC times; ``ended_at`` is None while running.
    suite_file, suite_sha256, suite_description : str or None
        The suite file as given, the hash of its content, its description.
    seed : int or None
    command_line : list of str
    cwd : str or None
    executor : str or None
        ``sequential``, ``process``, ``dask``.
    workers : int or None
    threads : int or None
        BLAS/OpenMP/torch threads per job; None: the libraries' own choice (or, with
        Dask, jobs with different budgets: see ``worker_threads``).
    timeout_s : float or None
    timeout_enforced : bool or None
        Whether the executor can stop a job at its timeout.
    memory_limit : str or None
    filters : list of str
        ``--filter`` patterns the plan was built with.
    n_cases, n_jobs : int or None
        Cases and jobs (case x fold x repeat) planned (``n_measurements`` in version 1).
    environment : dict
        :func:`benchsuite.environment.capture_environment` at the start (``gpus`` and
        ``torch_threads`` updated at the end when torch was loaded).
    rows_without_target : dict of str to int
        Rows dropped from each file dataset for having no target value (datasets that lost
        none are absent).
    resumes : list of dict
        One entry per ``--resume``: ``started_at``, ``command_line``, ``executor``,
        ``threads``, ``timeout_s``, ``kept``, ``superseded``, ``n_jobs``, ...
    worker_threads : dict of str to int
        Dask: each worker's thread budget.
    counts : dict of str to int or None
        Records per status; None until the run ended.
    threadpools : list of dict or None
        :func:`benchsuite.environment.thread_info` at the end.
    load_average_at_end : list of float or None
    machine : str or None
        The machine the run measured on, as ``--machine`` / ``BENCHSUITE_MACHINE`` named it,
        else the hardware key (:func:`benchsuite.environment.machine_key`); None in runs
        older than the key (:meth:`machine_key` computes theirs).
    extra : dict
        Keys this version has no field for (kept, and written back by :meth:`to_dict`).
    """

    schema_version: int = RUN_SCHEMA_VERSION
    run_id: str | None = None
    suite: str | None = None
    status: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    suite_file: str | None = None
    suite_sha256: str | None = None
    suite_description: str | None = None
    seed: int | None = None
    command_line: list[str] = field(default_factory=list)
    cwd: str | None = None
    executor: str | None = None
    workers: int | None = None
    threads: int | None = None
    timeout_s: float | None = None
    timeout_enforced: bool | None = None
    memory_limit: str | None = None
    filters: list[str] = field(default_factory=list)
    n_cases: int | None = None
    n_jobs: int | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    rows_without_target: dict[str, int] = field(default_factory=dict)
    resumes: list[dict[str, Any]] = field(default_factory=list)
    worker_threads: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] | None = None
    threadpools: list[dict[str, Any]] | None = None
    load_average_at_end: list[float] | None = None
    machine: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def machine_key(self) -> str:
        """The run's machine: ``machine`` as recorded, else the hardware key of its
        recorded environment (runs written before the key existed)."""
        from benchsuite.environment import machine_key

        return self.machine or machine_key(self.environment)

    @property
    def git(self) -> dict[str, Any]:
        """``{sha, branch, dirty}`` of the suite's repository at the start ({} outside one;
        ``branch`` is absent in runs older than it)."""
        return dict(self.environment.get("git") or {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunInfo:
        """A ``run.json`` dict of any schema version, upgraded (see :func:`upgrade_run_info`).

        A key holding null reads as the field's default.
        """
        data = upgrade_run_info(data)
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        fields = {k: v for k, v in data.items() if k in known and v is not None}
        return cls(**fields, extra={k: v for k, v in data.items() if k not in known})

    def to_dict(self) -> dict[str, Any]:
        """The ``run.json`` dict of the current schema (what :class:`RunStore` writes)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        extra = out.pop("extra")
        for name in _WHEN_SET:
            if not out[name]:
                del out[name]
        for name in _AT_END:
            if out[name] is None:
                del out[name]
        return {**out, **extra}

    @property
    def git_sha(self) -> str | None:
        """The commit the run measured, ``"6e31304184+dirty"``-style; None if unknown."""
        return format_git_sha(self.environment.get("git"))


def read_run_info(path: str | os.PathLike[str]) -> RunInfo | None:
    """The ``run.json`` of a run folder (or the file itself), upgraded.

    Returns
    -------
    RunInfo or None
        None when the file is missing, unreadable, or not a JSON object (a run without one
        still has its records).

    Raises
    ------
    BenchsuiteError
        The file is of a newer schema than this benchsuite understands.
    """
    path = Path(path)
    if path.is_dir():
        path = path / RUN_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return RunInfo.from_dict(data) if isinstance(data, dict) else None


# --------------------------------------------------------------------------------------
# Writing a run folder
# --------------------------------------------------------------------------------------


class RunStore:
    """The folder of one run: ``records.jsonl`` (appended) and ``run.json``.

    From :meth:`open` (or a resume's :meth:`existing` with its lock) to :meth:`close` or
    :meth:`discard`, the store holds the folder's :class:`RunLock`: one writer per folder.

    Parameters
    ----------
    root : path-like
        The output folder (``results`` by default on the CLI).
    suite : str
        The suite name (a sub-folder of ``root``).
    run_id : str, optional
        Generated by :func:`new_run_id` if not given.

    Attributes
    ----------
    path, records_path, run_path : Path
    info : dict
        The ``run.json`` being written, in the current schema (:meth:`RunInfo.from_dict`
        reads it typed); written again by :meth:`update_info`, :meth:`reopen` and
        :meth:`close`.
    counts : dict of str to int
        Records appended per status.
    lock : RunLock or None
    """

    def __init__(self, root: str | os.PathLike[str], suite: str, run_id: str | None = None):
        self.run_id = run_id or new_run_id()
        self.suite = suite
        self.path = Path(root) / suite / self.run_id
        self.records_path = self.path / RECORDS_FILE
        self.run_path = self.path / RUN_FILE
        self.info: dict[str, Any] = {}
        self.counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        self.lock: RunLock | None = None
        self._fh: Any = None

    def open(self, info: dict[str, Any]) -> RunStore:
        """Create the folder, lock it, and write ``run.json`` with status ``running``.

        The lock (see :class:`RunLock`) is held until :meth:`close` or :meth:`discard`.

        Raises
        ------
        RunLockedError
            The folder exists and another process is writing it.
        BenchsuiteError
            The folder exists, or cannot be created.
        """
        try:
            self.path.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            RunLock.check_free(self.path)  # a run writing it now is named, with its pid
            raise BenchsuiteError(
                f"run folder {self.path} already exists; choose another --run-id, or"
                f" continue that run with --resume {self.path}"
            ) from None
        except OSError as exc:
            raise BenchsuiteError(f"cannot create run folder {self.path}: {exc.strerror}") from None
        # locked before run.json exists: a --resume of this folder never finds it unlocked
        self.lock = RunLock.create(self.path, command=info.get("command_line"))
        try:
            self._fh = open(self.records_path, "a", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            self.release()
            raise BenchsuiteError(f"cannot create run folder {self.path}: {exc.strerror}") from None
        self.info = {
            "schema_version": RUN_SCHEMA_VERSION,
            "run_id": self.run_id,
            "suite": self.suite,
            "status": "running",
            "started_at": utc_now(),
            "ended_at": None,
            **_current_keys(info),
        }
        try:
            self._write_run_json()
        except BaseException:
            self._fh.close()
            self._fh = None
            self.release()
            raise
        return self

    @classmethod
    def existing(cls, path: str | os.PathLike[str], *, lock: RunLock | None = None) -> RunStore:
        """The store of an existing run folder, to append to it (``--resume``).

        Parameters
        ----------
        path : path-like
        lock : RunLock, optional
            The folder's lock, taken by the caller before reading anything; the store
            releases it on :meth:`close`.

        Raises
        ------
        BenchsuiteError
            The folder has no readable ``run.json``.
        """
        path = Path(path)
        try:
            info = json.loads((path / RUN_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BenchsuiteError(f"{path}: not a run folder (no {RUN_FILE})") from None
        except (OSError, ValueError) as exc:
            raise BenchsuiteError(f"{path}/{RUN_FILE}: cannot read ({exc})") from None
        if not isinstance(info, dict):
            raise BenchsuiteError(f"{path}/{RUN_FILE}: not a run description")
        info = upgrade_run_info(info)  # rewritten in the current schema from now on
        known = RunInfo.from_dict(info)
        store = cls(path.parent, known.suite or "", known.run_id or path.name)
        store.path = path
        store.records_path = path / RECORDS_FILE
        store.run_path = path / RUN_FILE
        store.info = info
        store.lock = lock
        return store

    def reopen(self, counts: dict[str, int], **resume_info: Any) -> RunStore:
        """Append to an existing run: ``run.json`` says ``running`` again and lists this
        resumption (time and ``resume_info``) under ``resumes``.

        Parameters
        ----------
        counts : dict of str to int
            Records per status already in ``records.jsonl``.
        """
        try:
            self._fh = open(self.records_path, "a", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise BenchsuiteError(f"cannot append to {self.records_path}: {exc.strerror}") from None
        self.counts = {**dict.fromkeys(STATUSES, 0), **counts}
        self.info.update(status="running", ended_at=None)
        self.info.setdefault("resumes", []).append(
            {"started_at": utc_now(), **_current_keys(resume_info)}
        )
        self._write_run_json()
        return self

    def update_info(self, **fields: Any) -> None:
        """Add ``fields`` to ``run.json`` now (e.g. what was learnt about the data)."""
        self.info.update(_current_keys(fields))
        self._write_run_json()

    def append(self, record: Record) -> None:
        """Write one record line and flush it to the OS at once."""
        line = json.dumps(record.to_dict(), default=jsonable, allow_nan=True)
        self._fh.write(line + "\n")
        self._fh.flush()
        self.counts[record.status] = self.counts.get(record.status, 0) + 1

    def close(self, status: str = "completed", **extra: Any) -> None:
        """Close the records file, rewrite ``run.json`` with the end state, then unlock."""
        try:
            if self._fh is not None:
                self._fh.close()
                self._fh = None
            self.info.update(
                status=status, ended_at=utc_now(), counts=self.counts, **_current_keys(extra)
            )
            self._write_run_json()
        finally:
            self.release()

    def discard(self) -> None:
        """Remove the run folder (a new run that measured nothing), then unlock.

        The suite's folder goes too when this run was its only one.
        """
        try:
            if self._fh is not None:
                self._fh.close()
                self._fh = None
            # removed while still locked: no other writer can have started on it meanwhile
            shutil.rmtree(self.path, ignore_errors=True)
            with contextlib.suppress(OSError):
                self.path.parent.rmdir()
        finally:
            if self.lock is not None:  # its file went with the folder
                self.lock.release(remove=False)
                self.lock = None

    def release(self) -> None:
        """Drop the folder's lock, if this store holds it (idempotent)."""
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def _write_run_json(self) -> None:
        tmp = self.run_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.info, indent=2, default=jsonable) + "\n")
        os.replace(tmp, self.run_path)  # atomic: never a half-written run.json

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self.release()


# --------------------------------------------------------------------------------------
# Finding and loading runs
# --------------------------------------------------------------------------------------


class Run:
    """A run on disk: its folder, its ``run.json`` and its records.

    Parameters
    ----------
    path : path-like
        The run folder (or the folder of a bare records file).
    info : RunInfo, optional
        ``run.json``; None when the folder has none (then :attr:`info` is an empty
        RunInfo and :attr:`has_run_json` is False).
    records : list of Record, optional
        Already read; by default they are read from :attr:`records_path` when first used.
    records_path : path-like, optional
        Default: ``path / "records.jsonl"``.
    note : str, optional
        How the run was chosen, when the path given held several.

    Attributes
    ----------
    path, records_path : Path
    info : RunInfo
    has_run_json : bool
    note : str or None
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        info: RunInfo | None = None,
        *,
        records: list[Record] | None = None,
        records_path: str | os.PathLike[str] | None = None,
        note: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.records_path = Path(records_path) if records_path else self.path / RECORDS_FILE
        self.info = info if info is not None else RunInfo()
        self.has_run_json = info is not None
        self.note = note
        self._records = list(records) if records is not None else None

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r}, run_id={self.run_id!r})"

    @property
    def records(self) -> list[Record]:
        """The records, in file order (read on first use)."""
        if self._records is None:
            self._records = read_records(self.records_path)
        return self._records

    @property
    def run_id(self) -> str:
        """From ``run.json``; else the records' own id once read; else the folder's name."""
        if self.info.run_id:
            return str(self.info.run_id)
        return self._records[0].run_id if self._records else self.path.name

    @property
    def suite(self) -> str | None:
        """From ``run.json``; else the records' own suite once read."""
        if self.info.suite:
            return self.info.suite
        return self._records[0].suite if self._records else None

    @property
    def started_at(self) -> str | None:
        return self.info.started_at

    @property
    def git_sha(self) -> str | None:
        return self.info.git_sha

    def sort_key(self) -> tuple[str, str, float]:
        """Latest last: start time from ``run.json``, then the time-stamped run id, then mtime."""
        try:
            mtime = self.records_path.stat().st_mtime
        except OSError:
            mtime = 0.0
        return (self.started_at or "", self.run_id, mtime)


def find_runs(root: str | os.PathLike[str]) -> list[Run]:
    """Every run folder at or below ``root`` (three levels at most), oldest first.

    Their ``run.json`` is read, their records are not (until used).

    Raises
    ------
    BenchsuiteError
        ``root`` does not exist.
    """
    root = Path(root)
    if not root.exists():
        raise BenchsuiteError(f"{root}: no such file or folder")
    if root.is_file():
        return [Run(root.parent, read_run_info(root.parent), records_path=root)]
    found = [
        Run(folder, read_run_info(folder), records_path=folder / RECORDS_FILE)
        for folder in run_folders(root)
    ]
    return sorted(found, key=Run.sort_key)


def run_folders(root: Path) -> list[Path]:
    """Every run folder (one holding ``records.jsonl``) at or below the folder ``root``,
    three levels at most, in folder order; hidden folders are not entered.

    Raises
    ------
    BenchsuiteError
        A folder cannot be listed.
    """
    found: list[Path] = []

    def walk(folder: Path, depth: int) -> None:
        if (folder / RECORDS_FILE).is_file():
            found.append(folder)
            return
        if depth >= _MAX_DEPTH:
            return
        try:
            children = sorted(p for p in folder.iterdir() if p.is_dir())
        except OSError as exc:
            raise BenchsuiteError(f"{folder}: cannot list ({exc.strerror or exc})") from None
        for child in children:
            if not child.name.startswith("."):
                walk(child, depth + 1)

    walk(root, 0)
    return found


def resolve_run(
    path: str | os.PathLike[str], *, suite: str | None = None
) -> tuple[Run, str | None]:
    """The run ``path`` names: a records file, a run folder, or the latest run below a folder.

    Parameters
    ----------
    path : path-like
    suite : str, optional
        Prefer runs of this suite when ``path`` holds runs of several.

    Returns
    -------
    run : Run
        Records not read yet.
    note : str or None
        Set when ``path`` held several runs and one was picked.

    Raises
    ------
    BenchsuiteError
        ``path`` does not exist or holds no run.
    """
    runs = find_runs(path)
    if not runs:
        raise BenchsuiteError(
            f"{path}: no run found (expected a run folder with {RECORDS_FILE}, a records file,"
            f" or a folder of runs such as results/<suite>/<run-id>/)"
        )
    if len(runs) == 1:
        return runs[0], None
    pool = runs
    if suite is not None:
        same = [r for r in runs if r.suite == suite]
        pool = same or runs
    chosen = pool[-1]
    of = f" of suite '{suite}'" if suite is not None and pool is not runs else ""
    note = f"{path} holds {len(pool)} runs{of}; using the latest, {chosen.path}" + (
        f" (started {chosen.started_at})" if chosen.started_at else ""
    )
    return chosen, note


def load_run(
    path: str | os.PathLike[str],
    *,
    suite: str | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Run:
    """Resolve ``path`` (see :func:`resolve_run`) and read its records and ``run.json``.

    Parameters
    ----------
    path : path-like
    suite : str, optional
        Prefer runs of this suite when ``path`` holds several.
    on_warning : callable, optional
        Told about a truncated last record line (skipped).

    Returns
    -------
    Run
        Records read; :attr:`Run.note` says which run was picked among several.

    Raises
    ------
    BenchsuiteError
        Nothing found, unreadable records, or no records at all.
    """
    run, note = resolve_run(path, suite=suite)
    records = read_records(run.records_path, on_warning=on_warning)
    if not records:
        raise BenchsuiteError(f"{run.records_path}: no records (an empty or aborted run?)")
    return Run(
        run.path,
        run.info if run.has_run_json else None,
        records=records,
        records_path=run.records_path,
        note=note,
    )

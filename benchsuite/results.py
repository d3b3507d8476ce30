"""Records and their storage.

A run writes ``<output>/<suite>/<run-id>/records.jsonl``, one JSON line per (case, fold,
repeat), appended and flushed the moment it is measured, so an interrupted run keeps every
finished measurement; and ``run.json``, the environment and the run's bookkeeping, written at
the start and rewritten at the end.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import hashlib
import json
import os
import platform
import secrets
import shlex
import shutil
import subprocess
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from benchsuite._json import jsonable
from benchsuite.errors import BenchsuiteError

try:  # the run folder's lock: fcntl on POSIX, msvcrt on Windows
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]

SCHEMA_VERSION = 1
STATUSES = ("ok", "error", "timeout", "skipped")


@dataclass
class Record:
    """One measurement of one (case, fold, repeat), as stored in ``records.jsonl``.

    Attributes
    ----------
    schema_version : int
    run_id, suite : str
    dataset, dataset_fingerprint : str
        The dataset's suite name and a hash of its loaded content ("" if it never loaded).
    estimator, model : str
        The estimator's suite name and the class actually used (``module:Class``).
    params : dict
        Parameters passed to the final estimator (benchsuite defaults + suite params +
        derived ``random_state``).
    case_key, config_hash : str
        ``"dataset/estimator[k=v]"`` and a hash of what defines the case's numbers.
    task : str
    evaluation : str
        ``"cv=5"`` or ``"holdout=0.2"``.
    fold, n_folds, repeat : int
    random_state : int or None
    n_train, n_test : int or None
    device : str
    status : {"ok", "error", "timeout", "skipped"}
    error : str or None
        One line: the exception, or the skip reason.
    metrics : dict of str to float
    fit_time_s, predict_time_s : float or None
    peak_rss_mb, rss_delta_mb : float or None
    peak_gpu_mb : float or None
        Peak ``torch.cuda.max_memory_allocated`` during fit and predict (MiB).
    epochs_run : int or None
        Deep models: epochs trained (early stopping may end before ``epochs``).
    time_per_epoch_s : float or None
        Deep models: mean wall time of one training epoch.
    loss_curve : list of float
        Deep models: training loss after each epoch.
    h2d_time_s : float or None
        Deep models: time to copy the training data to the device (inside ``fit_time_s``).
    time_to_target_s : float or None
        With a suite ``target``: training time (copy + epochs, without the per-epoch
        scoring) until the test fold first reached it; None if it never did.
    target_epoch : int or None
        The epoch at which the target was reached.
    warnings : list of str
    started_at : str
        ISO 8601 UTC time the measurement started.
    threads : int or None
        BLAS/OpenMP/torch threads the case was pinned to (``--threads``, or the share of
        the cores of each parallel worker); None: the libraries' own choice.
    worker : str or None
        Where it ran, for isolating executors: ``"process <pid>"`` or a Dask worker's
        address; None in-process.
    """

    run_id: str
    suite: str
    dataset: str
    estimator: str
    case_key: str
    status: str
    model: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    config_hash: str = ""
    dataset_fingerprint: str = ""
    task: str = ""
    evaluation: str = ""
    fold: int = 0
    n_folds: int = 0
    repeat: int = 0
    random_state: int | None = None
    n_train: int | None = None
    n_test: int | None = None
    device: str = "cpu"
    error: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    fit_time_s: float | None = None
    predict_time_s: float | None = None
    peak_rss_mb: float | None = None
    rss_delta_mb: float | None = None
    peak_gpu_mb: float | None = None
    epochs_run: int | None = None
    time_per_epoch_s: float | None = None
    loss_curve: list[float] = field(default_factory=list)
    h2d_time_s: float | None = None
    time_to_target_s: float | None = None
    target_epoch: int | None = None
    warnings: list[str] = field(default_factory=list)
    started_at: str = ""
    # optional fields added without a schema bump: older records read with the defaults
    threads: int | None = None
    worker: str | None = None
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        data = upgrade_record(dict(data))
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def upgrade_record(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older record dict to :data:`SCHEMA_VERSION` (``update_to_N`` steps)."""
    version = data.get("schema_version", 1)
    if version > SCHEMA_VERSION:
        raise BenchsuiteError(
            f"record schema version {version} is newer than this benchsuite understands"
            f" ({SCHEMA_VERSION}); upgrade benchsuite"
        )
    return data


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def new_run_id() -> str:
    """``YYYYmmddTHHMMSS-xxxx``: sortable by start time, unique across parallel runs."""
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{secrets.token_hex(2)}"


# --------------------------------------------------------------------------------------
# One writer per run folder
# --------------------------------------------------------------------------------------

LOCK_FILE = ".lock"
# Windows locks byte ranges and forbids other processes to read a locked range: the lock
# sits on one byte far past the holder's description, which stays readable
_WINDOWS_LOCK_OFFSET = 2**30
_LOCK_TRIES = 20  # a holder starting or ending has not written or has erased its line
_HELD_LOCKS: weakref.WeakSet[RunLock] = weakref.WeakSet()  # the locks this process holds


def _drop_held_locks_in_child() -> None:
    # an flock belongs to the open file description, which fork() shares with the child: a
    # forked child (a torch DataLoader worker, a fork-context pool) that outlived a runner
    # killed with SIGKILL would keep the folder locked. The child never writes the run, so
    # it lets go of its copy; the parent's lock is unaffected.
    for lock in list(_HELD_LOCKS):
        fd, lock._fd = lock._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_held_locks_in_child)


class RunLockedError(BenchsuiteError):
    """Another process is writing this run folder: it holds the folder's lock.

    Parameters
    ----------
    path : path-like
        The run folder.
    holder : dict
        What the holder wrote into the lock file: ``pid``, ``command``, ``host``,
        ``since`` (empty when it could not be read).
    """

    def __init__(self, path: str | os.PathLike[str], holder: dict[str, Any]) -> None:
        self.path = Path(path)
        self.holder = dict(holder)
        pid = holder.get("pid")
        who = f"pid {pid}" if pid else "another process (pid unknown)"
        if holder.get("host") and holder["host"] != platform.node():
            who += f" on {holder['host']}"
        command = " ".join(str(holder.get("command") or "").split())
        if len(command) > 160:
            command = command[:157] + "..."
        what = f" ({command})" if command else ""
        super().__init__(
            f"{self.path} is being written by {who}{what}; wait for that run to end (or"
            " stop it), then try again: one run at a time writes a run folder"
        )

    @property
    def pid(self) -> int | None:
        """The holder's process id, if it could be read."""
        pid = self.holder.get("pid")
        return pid if isinstance(pid, int) else None


class RunLock:
    """The exclusive OS lock of a run folder, held by the one process writing it.

    The lock is ``fcntl.flock(LOCK_EX | LOCK_NB)`` on the folder's ``.lock`` file
    (``msvcrt.locking`` on Windows). The operating system drops it when the holder's
    process ends, however it ends, so a run killed with ``SIGKILL`` leaves no stale lock
    (only the file, whose content no one reads while no one holds it). While held, the file
    holds one JSON line about the holder (pid, command line, host, start time), for the
    message a second writer gets; it is removed on :meth:`release`. Readers (``report``,
    ``compare``, ``results``) never take it.

    Use :meth:`acquire` (an existing folder) or :meth:`create` (a folder just made).
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd
        _HELD_LOCKS.add(self)

    @property
    def held(self) -> bool:
        return self._fd is not None

    @classmethod
    def acquire(
        cls, folder: str | os.PathLike[str], *, command: list[str] | str | None = None
    ) -> RunLock:
        """Lock an existing run folder, creating its lock file if it has none.

        Parameters
        ----------
        folder : path-like
        command : list of str or str, optional
            The holder's command line, shown to a second writer.

        Raises
        ------
        RunLockedError
            Another process holds the lock. Nothing in the folder was changed.
        BenchsuiteError
            The lock file cannot be opened or the filesystem refuses locks.
        """
        path = Path(folder) / LOCK_FILE
        holder: dict[str, Any] = {}
        for _ in range(_LOCK_TRIES):
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise BenchsuiteError(
                    f"cannot open {path} to lock the run folder ({exc.strerror or exc})"
                ) from None
            try:
                taken = _try_lock(fd, path)
                if taken and _is_at(fd, path):
                    lock = cls(path, fd)
                    lock._describe(command)
                    return lock
                holder = {} if taken else _read_holder(fd)
            except BaseException:
                os.close(fd)
                raise
            # not taken, or taken on a file that its holder removed as it ended (then the
            # folder's lock file is a new one: try that)
            os.close(fd)
            if holder:
                raise RunLockedError(folder, holder)
            time.sleep(0.05)  # a holder between locking and describing itself, or ending
        raise RunLockedError(folder, holder)

    @classmethod
    def create(
        cls, folder: str | os.PathLike[str], *, command: list[str] | str | None = None
    ) -> RunLock:
        """Lock a folder this process has just created (and that nothing else writes yet).

        The lock file appears under its name already locked and described (written aside,
        then renamed), so a ``--resume`` of the new folder started at that very moment
        finds either no lock file (and no ``run.json``: not a run folder yet) or the held
        lock, never an unlocked file it could take first.
        """
        folder = Path(folder)
        path = folder / LOCK_FILE
        if os.name == "nt":  # an open file cannot be renamed there; the window is tiny
            return cls.acquire(folder, command=command)
        tmp = folder / f"{LOCK_FILE}.{os.getpid()}.tmp"
        try:
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except OSError as exc:
            raise BenchsuiteError(
                f"cannot create {path} to lock the run folder ({exc.strerror or exc})"
            ) from None
        try:
            if not _try_lock(fd, path):  # a fresh file nobody else has opened
                raise BenchsuiteError(f"cannot lock {tmp}")
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        lock = cls(path, fd)
        try:
            lock._describe(command)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            lock.release()
            raise
        return lock

    @staticmethod
    def check_free(folder: str | os.PathLike[str]) -> None:
        """Raise :class:`RunLockedError` if a process holds ``folder``'s lock.

        Creates nothing: a folder without a lock file has no writer. (Checking takes the
        lock for an instant; only would-be writers call this, never readers.)
        """
        try:
            fd = os.open(Path(folder) / LOCK_FILE, os.O_RDWR)
        except OSError:
            return
        try:
            if _try_lock(fd, Path(folder) / LOCK_FILE):
                _unlock(fd)
                return
            holder = {}
            for _ in range(_LOCK_TRIES):
                holder = _read_holder(fd)
                if holder:
                    break
                time.sleep(0.05)
            raise RunLockedError(folder, holder)
        finally:
            os.close(fd)

    def _describe(self, command: list[str] | str | None) -> None:
        """Write the holder's line (one write: a reader sees it whole or not at all)."""
        if isinstance(command, (list, tuple)):
            command = shlex.join(str(word) for word in command)
        line = json.dumps(
            {
                "pid": os.getpid(),
                "command": command or shlex.join(sys.argv),
                "host": platform.node(),
                "since": utc_now(),
            }
        )
        with contextlib.suppress(OSError):  # the description is a courtesy, the lock is not
            os.ftruncate(self._fd, 0)
            os.lseek(self._fd, 0, os.SEEK_SET)
            os.write(self._fd, (line + "\n").encode())

    def release(self, *, remove: bool = True) -> None:
        """Drop the lock and remove the lock file (idempotent).

        Parameters
        ----------
        remove : bool, default=True
            Remove the lock file (while still holding it: a process that opened it in the
            meantime sees, once it gets the lock, that the file is no longer the folder's,
            and locks the folder's new one). False when the folder is already gone.
        """
        fd, self._fd = self._fd, None
        if fd is None:
            return
        _HELD_LOCKS.discard(self)
        if remove and os.name != "nt" and _is_at(fd, self.path):
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        else:  # Windows cannot remove an open file: it is left empty, described by no one
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
        with contextlib.suppress(OSError):
            _unlock(fd)
        os.close(fd)

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:  # a forgotten store must not keep its folder locked
        with contextlib.suppress(Exception):
            self.release()


def _try_lock(fd: int, path: Path) -> bool:
    """Take the lock without waiting: True if taken, False if another process holds it."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as exc:  # ENOLCK: an NFS mount without a lock daemon, ...
            raise BenchsuiteError(
                f"cannot lock {path} ({exc.strerror or exc}): the filesystem does not"
                " support locks; write results to a local disk (-o DIR)"
            ) from None
        return True
    if msvcrt is not None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    return True  # no locking primitive at all: one writer is up to the user


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    elif msvcrt is not None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _is_at(fd: int, path: Path) -> bool:
    """Whether ``fd`` is the file now at ``path`` (not one removed since it was opened)."""
    try:
        there = os.stat(path)
    except OSError:
        return False
    own = os.fstat(fd)
    return (own.st_dev, own.st_ino) == (there.st_dev, there.st_ino)


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, 64 * 1024)
        holder = json.loads(data.decode("utf-8"))
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


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
    """

    def __init__(self, root: str | os.PathLike[str], suite: str, run_id: str | None = None):
        self.run_id = run_id or new_run_id()
        self.suite = suite
        self.path = Path(root) / suite / self.run_id
        self.records_path = self.path / "records.jsonl"
        self.run_path = self.path / "run.json"
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
            "schema_version": SCHEMA_VERSION,
            "run_id": self.run_id,
            "suite": self.suite,
            "status": "running",
            "started_at": utc_now(),
            "ended_at": None,
            **info,
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
            info = json.loads((path / "run.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BenchsuiteError(f"{path}: not a run folder (no run.json)") from None
        except (OSError, ValueError) as exc:
            raise BenchsuiteError(f"{path}/run.json: cannot read ({exc})") from None
        if not isinstance(info, dict):
            raise BenchsuiteError(f"{path}/run.json: not a run description")
        store = cls(path.parent, str(info.get("suite") or ""), str(info.get("run_id") or path.name))
        store.path = path
        store.records_path = path / "records.jsonl"
        store.run_path = path / "run.json"
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
        self.info.setdefault("resumes", []).append({"started_at": utc_now(), **resume_info})
        self._write_run_json()
        return self

    def update_info(self, **fields: Any) -> None:
        """Add ``fields`` to ``run.json`` now (e.g. what was learnt about the data)."""
        self.info.update(fields)
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
            self.info.update(status=status, ended_at=utc_now(), counts=self.counts, **extra)
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


def read_records(
    path: str | os.PathLike[str], *, on_warning: Callable[[str], None] | None = None
) -> list[Record]:
    """Read the records of a run folder or a ``records.jsonl`` file.

    Parameters
    ----------
    path : path-like
        A run folder (holding ``records.jsonl``) or a records file.
    on_warning : callable, optional
        Called with a one-line message when a truncated last line (a run killed mid-write)
        is skipped; by default that message is issued as a :class:`RecordsWarning`.

    Returns
    -------
    list of Record
        In file order; empty for an empty file.

    Raises
    ------
    BenchsuiteError
        The file is missing or unreadable, or a line other than the last is not a record.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "records.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise BenchsuiteError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise BenchsuiteError(f"{path}: not a records file (not UTF-8 text)") from None
    except OSError as exc:
        raise BenchsuiteError(f"{path}: cannot read ({exc.strerror or exc})") from None
    while lines and not lines[-1].strip():
        lines.pop()
    records = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            records.append(parse_record_line(line))
        except (json.JSONDecodeError, TypeError, ValueError) as exc:
            if i == len(lines) - 1 and isinstance(exc, json.JSONDecodeError):
                message = f"{path}:{i + 1}: skipped a truncated last line (a run killed mid-write?)"
                if on_warning is not None:
                    on_warning(message)
                else:
                    warnings.warn(message, RecordsWarning, stacklevel=2)
                break
            raise BenchsuiteError(f"{path}:{i + 1}: not a valid record ({exc})") from None
    return records


def parse_record_line(line: str) -> Record:
    """One line of ``records.jsonl`` as a Record.

    Raises
    ------
    json.JSONDecodeError, TypeError, ValueError
        The line is not JSON, not a JSON object, or not a record.
    """
    data = json.loads(line)
    if not isinstance(data, dict):
        raise TypeError(f"a JSON {type(data).__name__}, not an object")
    return Record.from_dict(data)


def repair_records(path: str | os.PathLike[str]) -> str | None:
    """Make a records file valid JSONL again after a run died mid-write.

    A run killed (``SIGKILL``, power loss, full disk) while writing a record leaves at most
    one incomplete last line. If that line is a whole record missing only its newline, the
    newline is added; otherwise the line is cut off. Earlier lines are never touched.

    Parameters
    ----------
    path : path-like
        A ``records.jsonl`` file (a missing file is left missing).

    Returns
    -------
    str or None
        A one-line description of what was repaired, or None if nothing was needed.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if not data or data.endswith(b"\n"):
        return None
    cut = data.rfind(b"\n") + 1
    tail = data[cut:]
    try:
        complete = isinstance(json.loads(tail.decode("utf-8")), dict)
    except (UnicodeDecodeError, ValueError):
        complete = False
    with open(path, "r+b") as fh:
        if complete:
            fh.seek(0, os.SEEK_END)
            fh.write(b"\n")
            return None
        fh.truncate(cut)
    line = data.count(b"\n") + 1
    return (
        f"{path}:{line}: removed a truncated last line ({len(tail)} bytes) left by an"
        " interrupted run"
    )


class RecordsWarning(UserWarning):
    """Something in a records file was skipped (a truncated last line)."""


# --------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------

_PACKAGES = (
    "benchsuite",
    "numpy",
    "scipy",
    "scikit-learn",
    "pandas",
    "xgboost",
    "lightgbm",
    "torch",
    "threadpoolctl",
    "pyyaml",
    "pydantic",
)


def _package_versions() -> dict[str, str | None]:
    return {name: _distribution_version(name) for name in _PACKAGES}


def _distribution_version(name: str) -> str | None:
    """``importlib.metadata.version(name)`` without its cost: the same ``Version`` field.

    ``metadata.version`` parses the whole METADATA file with the ``email`` package (torch's
    is 40 KB): 10-40 ms for the eleven packages a run records, for one header line each.
    The headers end at the first empty line; ``Version`` is never a folded header.
    """
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    # where Distribution.metadata looks, in its order (PKG-INFO: egg-info installs)
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or dist.read_text("")
    for line in (text or "").splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == "version":
            return value.strip()
    return dist.version  # unusual metadata: let importlib parse it


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _total_ram_gb() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 2)
    except (ValueError, OSError, AttributeError):
        return None


def _git_sha(cwd: Path) -> dict[str, Any] | None:
    # one `git status` gives both the commit (branch.oid) and the dirty flag (any entry
    # line; untracked files do not count): one process instead of rev-parse + status
    try:
        proc = subprocess.run(
            ["git", "status", "--porcelain=v2", "--branch", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:  # not a repository, or no git
        return None
    lines = proc.stdout.splitlines()
    sha = next((ln.split()[2] for ln in lines if ln.startswith("# branch.oid ")), None)
    if sha is None or sha == "(initial)":  # a repository without a commit has no HEAD
        return None
    return {"sha": sha, "dirty": any(not ln.startswith("#") for ln in lines if ln.strip())}


def gpu_info(smi: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """GPUs of this machine: from torch if something imported it, else from nvidia-smi.

    Never imports torch just for this (seconds of start-up on a classic-only run).

    Parameters
    ----------
    smi : list of dict, optional
        What :func:`_nvidia_smi_gpus` returned, if already asked (default: ask now).
    """
    smi = _nvidia_smi_gpus() if smi is None else smi
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
        return [
            {
                "name": torch.cuda.get_device_name(i),
                "memory_gb": round(torch.cuda.get_device_properties(i).total_memory / 2**30, 2),
                "capability": ".".join(map(str, torch.cuda.get_device_capability(i))),
                "driver": smi[i]["driver"] if i < len(smi) else None,
                "cuda": torch.version.cuda,
                "cudnn": cudnn,
            }
            for i in range(torch.cuda.device_count())
        ]
    return smi


def _nvidia_smi_gpus() -> list[dict[str, Any]]:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        proc = subprocess.run(
            [exe, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    gpus = []
    for line in proc.stdout.splitlines() if proc.returncode == 0 else []:
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 3:
            continue
        name, memory_mib, driver = parts
        try:
            memory_gb: float | None = round(float(memory_mib) / 1024, 2)
        except ValueError:
            memory_gb = None
        gpus.append({"name": name, "memory_gb": memory_gb, "driver": driver})
    return gpus


def thread_info() -> list[dict[str, Any]]:
    """BLAS/OpenMP thread pools loaded in this process (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [
        {k: p.get(k) for k in ("user_api", "internal_api", "num_threads", "version")}
        for p in threadpool_info()
    ]


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def capture_environment(*, cwd: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Describe the machine and software a run measures on.

    Returns
    -------
    dict
        ``python``, ``platform``, ``packages`` (versions, without importing them), ``cpu``
        (model, logical cores, cores usable by this process), ``ram_gb``, ``env_threads``
        (OMP/MKL/OPENBLAS thread variables), ``gpus`` (if torch is loaded and sees CUDA),
        ``git`` (sha and dirty flag of ``cwd``'s repository, if any), ``hostname``,
        ``load_average`` (other processes competing for the CPU distort timings).
    """
    cwd = Path(cwd) if cwd is not None else Path.cwd()
    waited = _prefetched(cwd)
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "hostname": platform.node(),
        "packages": _package_versions(),
        "cpu": {"model": _cpu_model(), "logical_cores": os.cpu_count(), "usable_cores": affinity},
        "ram_gb": _total_ram_gb(),
        "env_threads": {
            k: os.environ[k]
            for k in (
                "OMP_NUM_THREADS",
                "MKL_NUM_THREADS",
                "OPENBLAS_NUM_THREADS",
                "OPENBLAS_CORETYPE",
            )
            if k in os.environ
        },
        "gpus": gpu_info(waited.get("smi")),
        "load_average": load_average(),
        "git": waited["git"] if "git" in waited else _git_sha(cwd),
    }


# the parts of capture_environment that wait for other programs, started early by
# prefetch_environment: (resolved cwd, thread, results)
_PREFETCH: list[tuple[Path, threading.Thread, dict[str, Any]]] = []


def prefetch_environment(cwd: str | os.PathLike[str] | None = None) -> None:
    """Start the slow parts of :func:`capture_environment` in a background thread.

    Three of them wait on other programs: ``git status`` (the commit of ``cwd``),
    ``nvidia-smi`` (the GPUs; slow where it has to load the driver's library first) and
    ``uname -p``, which :func:`platform.platform` runs once per process. A
    thread waiting on a child process holds no GIL, so the command line starts them
    before it imports scikit-learn and validates the suite, and the run's start no longer
    waits for them. :func:`capture_environment` with the same ``cwd`` joins the thread and
    uses its answers; what the run records is the same.

    Parameters
    ----------
    cwd : path-like, optional
        The folder whose git commit a run records (the suite file's folder).
    """
    where = Path(cwd) if cwd is not None else Path.cwd()
    results: dict[str, Any] = {}

    def work() -> None:
        try:
            platform.platform()  # cached by the platform module; capture reads it there
            results["git"] = _git_sha(where)
            results["smi"] = _nvidia_smi_gpus()
        except Exception:  # noqa: BLE001 - capture_environment asks again for what is missing
            pass

    thread = threading.Thread(target=work, name="benchsuite-environment", daemon=True)
    thread.start()
    _PREFETCH.append((where.resolve(), thread, results))


def _prefetched(cwd: Path) -> dict[str, Any]:
    """The results of :func:`prefetch_environment` for ``cwd`` (waiting for them), or {}."""
    try:
        key = cwd.resolve()
    except OSError:
        return {}
    for i, (where, thread, results) in enumerate(_PREFETCH):
        if where == key:
            del _PREFETCH[i]  # used once: a later capture asks again
            thread.join(timeout=30)
            return dict(results) if not thread.is_alive() else {}
    return {}


def file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

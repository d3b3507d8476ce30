"""The lock of a run folder: one process at a time writes it.

Used by :class:`benchsuite.runs.RunStore` (which re-exports :class:`RunLock`,
:class:`RunLockedError` and :data:`LOCK_FILE`); readers never take it.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shlex
import sys
import time
import weakref
from pathlib import Path
from typing import Any

from benchsuite.errors import BenchsuiteError
from benchsuite.results import utc_now

try:  # the run folder's lock: fcntl on POSIX, msvcrt on Windows
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]

__all__ = ["LOCK_FILE", "RunLock", "RunLockedError"]

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
        fd = self._fd
        assert fd is not None, "described while held"  # acquire and create, just taken
        with contextlib.suppress(OSError):  # the description is a courtesy, the lock is not
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, (line + "\n").encode())

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

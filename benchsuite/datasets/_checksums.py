"""Check raw dataset files against their published checksums.

A file passes with its published md5, or the SHA-256 of the file (another publisher's
copy) or of its decompressed content (a repackaged ``.gz``). A checked file is remembered
by (path, size, mtime) in ``<cache dir>/verified.json``, so that later loads do not hash
it again.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
import zlib
from pathlib import Path
from typing import Any

from benchsuite.datasets._env import cache_dir
from benchsuite.datasets._remote import RemoteFile
from benchsuite.datasets._writes import write_atomic
from benchsuite.errors import DataError

_CHUNK = 1 << 20
_STAMP_FILE = "verified.json"
_STAMP_LOCK = threading.Lock()


def _hash_file(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _md5(path: Path) -> str:
    return _hash_file(path, "md5")


def _content_sha256(path: Path) -> str | None:
    """SHA-256 of the decompressed content of a ``.gz`` file (None if not gzip)."""
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error):
        return None
    return digest.hexdigest()


def accepts(file: RemoteFile, digests: dict[str, Any]) -> bool:
    """Whether ``digests`` match one of the published checksums of ``file``."""
    if digests.get("md5") == file.md5:
        return True
    if file.file_sha256 is not None and digests.get("file_sha256") == file.file_sha256:
        return True
    return file.sha256 is not None and digests.get("sha256") == file.sha256


def complete_digests(file: RemoteFile, path: Path, digests: dict[str, Any]) -> bool:
    """Add the hashes that alone can accept the file; True if anything was added."""
    added = False
    if not accepts(file, digests) and file.file_sha256 is not None and "file_sha256" not in digests:
        # another publisher's copy, pinned by the SHA-256 of the file itself
        digests["file_sha256"] = _hash_file(path, "sha256")
        added = True
    if accepts(file, digests) or file.sha256 is None or "sha256" in digests:
        return added
    # a repackaged copy (other gzip header, same data) differs in md5 only
    digests["sha256"] = _content_sha256(path) if file.name.endswith(".gz") else None
    return True


def _stamp_path() -> Path:
    return cache_dir() / _STAMP_FILE


def _read_stamps() -> dict[str, Any]:
    try:
        stamps = json.loads(_stamp_path().read_text())
    except (OSError, ValueError):
        return {}
    return stamps if isinstance(stamps, dict) else {}


def write_stamp(path: Path, stat: os.stat_result, digests: dict[str, Any]) -> None:
    """Remember the digests of ``path`` as it is now (best effort: it only saves time)."""
    with _STAMP_LOCK:
        stamps = _read_stamps()
        stamps = {p: s for p, s in stamps.items() if os.path.exists(p)}
        stamps[str(path)] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, **digests}
        target = _stamp_path()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            data = json.dumps(stamps, indent=1, sort_keys=True).encode()
            write_atomic(target, lambda f: f.write(data))
        except OSError:
            pass


def file_digests(path: Path, file: RemoteFile) -> dict[str, Any]:
    """Digests of ``path`` (``md5``, and ``sha256`` of the content where needed).

    Hashes the file only when the stamp does not know it at its current size and
    modification time.
    """
    path = path.absolute()
    stat = path.stat()
    known = _read_stamps().get(str(path))
    if (
        isinstance(known, dict)
        and known.get("size") == stat.st_size
        and known.get("mtime_ns") == stat.st_mtime_ns
        and "md5" in known
    ):
        digests = {k: v for k, v in known.items() if k in ("md5", "sha256", "file_sha256")}
        if complete_digests(file, path, digests):
            write_stamp(path, stat, digests)
        return digests
    digests = {"md5": _md5(path)}
    complete_digests(file, path, digests)
    write_stamp(path, stat, digests)
    return digests


def _identity(file: RemoteFile, digests: dict[str, Any]) -> str:
    if digests.get("md5") == file.md5:
        return f"md5:{file.md5}"
    if file.file_sha256 is not None and digests.get("file_sha256") == file.file_sha256:
        return f"file-sha256:{file.file_sha256}"
    return f"sha256:{digests['sha256']}"


def verify_file(name: str, path: Path, file: RemoteFile) -> str:
    """Check ``path`` against the published checksums of ``file``.

    Parameters
    ----------
    name : str
        The dataset source, for the message.
    path : Path
        The file found on disk.
    file : RemoteFile
        What it should be.

    Returns
    -------
    str
        ``"md5:<hex>"``, ``"file-sha256:<hex>"`` or ``"sha256:<hex>"``: the checksum
        that accepted the file.

    Raises
    ------
    DataError
        On a mismatch: the file is corrupt, truncated or another file.
    """
    digests = file_digests(path, file)
    if not accepts(file, digests):
        raise DataError(
            f"checksum mismatch for {path} (md5 {digests['md5']}, expected {file.md5}): "
            f"delete it and run 'benchsuite data fetch {name}'"
        )
    return _identity(file, digests)

"""Writing files that other processes may be reading (raw data, stamps, derived caches).

A file is written under a temporary name in its folder and renamed into place, so a reader
sees the old file or the whole new one. A derived cache that cannot be written only warns:
it saves time, the data loads all the same.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from benchsuite.errors import one_line


def write_atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then rename it to ``path``.

    The temporary file is removed if anything fails (the exception propagates).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_stale(folder: Path, pattern: str, keep: Iterable[Path]) -> None:
    """Remove the files of ``folder`` matching ``pattern`` but ``keep`` (older versions)."""
    kept = set(keep)
    for stale in folder.glob(pattern):
        if stale not in kept:
            stale.unlink(missing_ok=True)


def warn_cache_not_written(folder: Path, exc: OSError) -> None:
    """Warn that a derived cache could not be written; the warning points at whoever
    asked the cache writer's caller for data (this helper, the writer, its caller)."""
    warnings.warn(
        f"cannot write the dataset cache in {folder} ({one_line(exc)}); "
        "every load will parse the raw files again",
        stacklevel=4,
    )

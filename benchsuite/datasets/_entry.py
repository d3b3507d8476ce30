"""A suite's dataset entry as the checking, task and loading steps read it.

An entry is any object with the attributes of a suite's dataset entry (``name, source,
params, path, target, task, subsample, part, encoding``); a missing one counts as unset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchsuite.datasets._files import resolve_path
from benchsuite.datasets._sources import DatasetSource
from benchsuite.errors import ConfigError


def entry_params(entry: Any) -> dict[str, Any]:
    """The entry's ``params`` as a new dict (empty when unset)."""
    return dict(getattr(entry, "params", None) or {})


def entry_encoding(entry: Any) -> str | None:
    """The entry's ``encoding`` (CSV files only), None when unset."""
    return getattr(entry, "encoding", None)


def entry_file(entry: Any, source: DatasetSource, base_dir: Path) -> tuple[Path, str]:
    """Return the existing file and the target column of a file entry (csv, parquet).

    Raises
    ------
    ConfigError
        At ``("path",)`` or ``("target",)`` when either is unset, or the file is missing.
    """
    path = getattr(entry, "path", None)
    target = getattr(entry, "target", None)
    if path is None:
        raise ConfigError(
            f"dataset source {source.name!r} needs 'path' (the file to read)", ("path",)
        )
    if target is None:
        raise ConfigError(
            f"dataset source {source.name!r} needs 'target' (the name of the target column)",
            ("target",),
        )
    resolved = resolve_path(path, base_dir)
    if not resolved.is_file():
        what = "is a directory, not a file" if resolved.is_dir() else "not found"
        raise ConfigError(f"dataset file {what}: {resolved}", ("path",))
    return resolved, str(target)

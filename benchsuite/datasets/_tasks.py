"""Tell a dataset entry's task without loading it (planning skips pairs on it).

A source declares its task (or a generator's parameters make it); an OpenML entry's comes
from OpenML's metadata; a file's is inferred from its target column alone, read once per
file version.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

from benchsuite.datasets._checks import check_dataset_entry, check_task
from benchsuite.datasets._dataset import infer_task
from benchsuite.datasets._entry import entry_encoding, entry_file, entry_params
from benchsuite.datasets._files import file_stamp, read_options
from benchsuite.datasets._sources import DatasetSource, get_source
from benchsuite.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class TargetColumn:
    """What validation and planning need to know of a file's target column."""

    task: str
    labels: tuple[Any, ...]  # at most two distinct labels: enough to tell "a single class"
    n_rows: int
    n_missing: int


@functools.lru_cache(maxsize=256)
def target_column(
    source: DatasetSource, path: Path, stamp: tuple[int, int], target: str, encoding: str | None
) -> TargetColumn:
    """Read only the target column of a file, once per file version (``stamp``)."""
    reader = source.resolve_loader()
    values = reader(path, columns=[target], **read_options(encoding))[target]
    labels = values.dropna().unique()[:2]
    n_missing = int(values.isna().sum())
    return TargetColumn(infer_task(values), tuple(labels), len(values), n_missing)


def _entry_target_column(
    entry: Any, source: DatasetSource, base_dir: Path
) -> tuple[Path, str, TargetColumn]:
    path, target = entry_file(entry, source, base_dir)
    column = target_column(source, path, file_stamp(path), target, entry_encoding(entry))
    return path, target, column


def dataset_task(entry: Any, *, base_dir: Path) -> str:
    """Return an entry's task, reading at most the target column.

    Parameters
    ----------
    entry : object
        The suite entry (see :func:`check_dataset_entry`).
    base_dir : Path
        Directory that relative ``path`` values are relative to.

    Returns
    -------
    {"binary", "multiclass", "regression"}
        ``entry.task`` when set; else the source's known task; else, for files, inferred
        from the target column: labels (text, bool, category) and integers with at most
        20 distinct values are classification, other numbers regression.
    """
    source = get_source(str(entry.source))
    task = getattr(entry, "task", None)
    check_task(task)
    if task is not None:
        return task
    declared = source.declared_task(entry_params(entry))
    if declared is not None:
        return declared
    if source.kind == "openml":
        from benchsuite.datasets._openml import openml_task_kind

        check_dataset_entry(entry, base_dir=base_dir)
        target = getattr(entry, "target", None)
        return openml_task_kind(entry_params(entry), target, str(entry.name))
    path, target, column = _entry_target_column(entry, source, base_dir)
    if column.task != "regression" and len(column.labels) < 2:
        what = f"a single class ({column.labels[0]!r})" if column.labels else "no values"
        raise ConfigError(
            f"target {target!r} in {path} has {what}; classification needs two or more",
            ("target",),
        )
    return column.task


def rows_without_target(entry: Any, *, base_dir: Path) -> tuple[int, int] | None:
    """How many rows of a file dataset have no target value (they are dropped on load).

    Parameters
    ----------
    entry, base_dir
        As :func:`dataset_task`.

    Returns
    -------
    (int, int) or None
        ``(rows in the file, rows without a target)`` for CSV and Parquet entries (the
        target column is read once and cached, as for validation); None for other
        sources.
    """
    source = get_source(str(entry.source))
    if source.kind != "file":
        return None
    _, _, column = _entry_target_column(entry, source, base_dir)
    return column.n_rows, column.n_missing

"""Check a suite's dataset entry without loading its data (``benchsuite validate``)."""

from __future__ import annotations

import codecs
import functools
import inspect
from pathlib import Path
from typing import Any

from benchsuite._suggest import did_you_mean
from benchsuite.datasets._entry import entry_encoding, entry_file, entry_params
from benchsuite.datasets._files import decoding_problem, file_stamp, read_options
from benchsuite.datasets._sources import TASKS, DatasetSource, get_source, list_sources
from benchsuite.errors import ConfigError

# generator arguments that change the shape of what is returned, so cannot be set
_OUTPUT_PARAMS = frozenset({"return_X_y", "coef"})


def check_task(task: Any) -> None:
    """Check an entry's ``task`` (None: unset); ConfigError at ``("task",)``."""
    if task is not None and task not in TASKS:
        raise ConfigError(
            f"unknown task {task!r}{did_you_mean(str(task), TASKS)}; "
            f"expected one of: {', '.join(TASKS)}",
            ("task",),
        )


def _check_part(source: DatasetSource, part: Any) -> None:
    if part is None:
        return
    if not source.parts:
        with_parts = ", ".join(s.name for s in list_sources() if s.parts)
        raise ConfigError(
            f"dataset source {source.name!r} has no official parts; "
            f"'part' is only for {with_parts}",
            ("part",),
        )
    choices = (*source.parts, "all")
    if part not in choices:
        raise ConfigError(
            f"unknown part {part!r}{did_you_mean(str(part), choices)}; "
            f"expected one of: {', '.join(choices)}",
            ("part",),
        )


def _check_variant(source: DatasetSource, params: dict[str, Any]) -> None:
    assert source.remote is not None
    variants = source.remote.variants
    for name, value in params.items():
        if name != "variant":
            raise ConfigError(
                f"unknown parameter {name!r} for {source.name}"
                f"{did_you_mean(str(name), ['variant'])}; it takes only 'variant' "
                f"({', '.join(variants)})",
                ("params", name),
            )
        if value not in variants:
            raise ConfigError(
                f"unknown variant {value!r} for {source.name}"
                f"{did_you_mean(str(value), variants)}; expected one of: {', '.join(variants)}",
                ("params", "variant"),
            )


def _check_params(source: DatasetSource, params: dict[str, Any]) -> None:
    if source.kind == "openml":
        from benchsuite.datasets._openml import check_params

        check_params(params)
        return
    if source.kind == "download" and source.remote is not None and source.remote.variants:
        _check_variant(source, params)
        return
    if source.kind != "synthetic":
        raise ConfigError(f"dataset source {source.name!r} takes no parameters", ("params",))
    signature = inspect.signature(source.resolve_loader())
    takes_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    allowed = [
        name
        for name, p in signature.parameters.items()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and name not in _OUTPUT_PARAMS
    ]
    for name in params:
        if name in _OUTPUT_PARAMS:
            raise ConfigError(
                f"parameter {name!r} of {source.name} cannot be set here "
                "(it changes what the function returns)",
                ("params", name),
            )
        if name not in allowed and not takes_any:
            hint = did_you_mean(str(name), allowed)
            raise ConfigError(
                f"unknown parameter {name!r} for {source.name}{hint}", ("params", name)
            )


def _check_encoding(source: DatasetSource, encoding: Any) -> None:
    """The ``encoding`` key: CSV files only, and a text codec Python knows."""
    if encoding is None:
        return
    if source.name != "csv":
        raise ConfigError(
            f"'encoding' is only for csv files, not {source.name!r}"
            + (" (Parquet stores its text as UTF-8)" if source.name == "parquet" else ""),
            ("encoding",),
        )
    try:
        info = codecs.lookup(str(encoding))
    except LookupError:
        info = None
    # base64/zlib are codecs too, but of bytes, not of text
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise ConfigError(
            f"unknown text encoding {encoding!r}; use a Python codec name such as utf-8, "
            "latin-1, cp1252 or utf-16",
            ("encoding",),
        )


# validation runs once per case; these keep each file read to once (keyed on file_stamp)
@functools.lru_cache(maxsize=256)
def cached_decoding_problem(path: Path, stamp: tuple[int, int], encoding: str | None) -> str | None:
    """:func:`~benchsuite.datasets._files.decoding_problem`, once per file version."""
    return decoding_problem(path, encoding)


@functools.lru_cache(maxsize=256)
def file_columns(
    source: DatasetSource, path: Path, stamp: tuple[int, int], encoding: str | None
) -> tuple[str, ...]:
    """The column names of a file, from its header only, once per file version."""
    header = source.resolve_loader()(path, header_only=True, **read_options(encoding))
    return tuple(str(column) for column in header.columns)


def _check_file(entry: Any, source: DatasetSource, base_dir: Path, encoding: str | None) -> None:
    """A file entry: the file decodes, and has the target column and a feature besides."""
    path, target = entry_file(entry, source, base_dir)
    stamp = file_stamp(path)
    if source.name == "csv":
        # pandas decodes only the columns it parses: a Latin-1 value in a feature column
        # would pass the header and target reads here and fail every job at run time
        problem = cached_decoding_problem(path, stamp, encoding)
        if problem is not None:
            raise ConfigError(problem, ("path",) if encoding is None else ("encoding",))
    columns = file_columns(source, path, stamp, encoding)
    if target not in columns:
        hint = did_you_mean(target, columns)
        raise ConfigError(f"no column {target!r} in {path}{hint}", ("target",))
    if len(columns) < 2:
        raise ConfigError(
            f"{path} has no feature columns besides the target {target!r}", ("target",)
        )


def check_dataset_entry(entry: Any, *, base_dir: Path) -> None:
    """Check a suite's dataset entry without loading its data.

    Only the header of a file is parsed; synthetic parameters are checked against the
    generator's signature. The raw files of download sources are not looked for: they
    may be downloaded when the dataset is loaded.

    Parameters
    ----------
    entry : object
        The suite entry, with attributes ``name, source, params, path, target, task,
        subsample, part, encoding`` (missing ones count as unset).
    base_dir : Path
        Directory that relative ``path`` values are relative to (the suite file's).

    Raises
    ------
    ConfigError
        If the entry is invalid; ``path`` locates the offending key within the entry,
        e.g. ``("params", "n_sample")``. A CSV file is decoded whole (not parsed) with its
        ``encoding`` (default UTF-8): text that does not decode is an error here, at
        ``("path",)`` (or ``("encoding",)`` when one is set), saying to set ``encoding:``.
    DataError
        If the file exists but its header cannot be read.
    """
    source = get_source(str(entry.source))
    task = getattr(entry, "task", None)
    check_task(task)
    subsample = getattr(entry, "subsample", None)
    if subsample is not None and (
        isinstance(subsample, bool) or not isinstance(subsample, int) or subsample < 1
    ):
        raise ConfigError(
            f"subsample must be a positive number of rows, not {subsample!r}", ("subsample",)
        )
    _check_part(source, getattr(entry, "part", None))
    params = entry_params(entry)
    if params or source.kind == "openml":
        _check_params(source, params)
    encoding = entry_encoding(entry)
    _check_encoding(source, encoding)
    if source.kind == "file":
        _check_file(entry, source, base_dir, encoding)
    else:
        # an OpenML dataset may name the column to predict; a task fixes it
        keys = ("path",) if source.kind == "openml" else ("path", "target")
        for key in keys:
            if getattr(entry, key, None) is not None:
                only = "file sources (csv, parquet)" + (" and openml" if key == "target" else "")
                raise ConfigError(f"{key!r} is only for {only}, not {source.name!r}", (key,))
    if task == "binary" and source.declared_task(params) == "multiclass":
        raise ConfigError(
            f"task 'binary' does not fit {source.name!r}, which has more than two classes",
            ("task",),
        )

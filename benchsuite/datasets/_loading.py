"""Validate, inspect and load the dataset entries of a suite."""

from __future__ import annotations

import codecs
import dataclasses
import functools
import inspect
import threading
from pathlib import Path
from typing import Any

from benchsuite._suggest import did_you_mean
from benchsuite.datasets._dataset import (
    Dataset,
    encode_labels,
    fingerprint,
    infer_task,
    subsample_indices,
)
from benchsuite.datasets._files import decoding_problem, one_line, resolve_path
from benchsuite.datasets._sources import TASKS, DatasetSource, get_source, list_sources
from benchsuite.errors import ConfigError, DataError

# generator arguments that change the shape of what is returned, so cannot be set
_OUTPUT_PARAMS = frozenset({"return_X_y", "coef"})

# loaded datasets, keyed on everything that determines their content (see _cache_key)
_CACHE: dict[tuple[Any, ...], Dataset] = {}
_CACHE_LOCK = threading.Lock()


def _params(entry: Any) -> dict[str, Any]:
    return dict(getattr(entry, "params", None) or {})


def _check_task(task: Any) -> None:
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


def _parts(source: DatasetSource, part: str | None) -> tuple[str, ...]:
    """The official parts to load: all of them unless one is chosen."""
    return source.parts if part in (None, "all") else (part,)


def _static_task(source: DatasetSource, params: dict[str, Any]) -> str | None:
    """The task known without reading data, or None (file sources)."""
    if source.task is not None:
        return source.task
    if source.kind == "synthetic":
        # make_classification: the class count is a parameter, sklearn's default is 2
        return "binary" if params.get("n_classes", 2) == 2 else "multiclass"
    return None


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


def _encoding(entry: Any) -> str | None:
    return getattr(entry, "encoding", None)


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


@functools.lru_cache(maxsize=256)
def _decoding_problem(path: Path, stamp: tuple[int, int], encoding: str | None) -> str | None:
    return decoding_problem(path, encoding)


def _read_options(encoding: str | None) -> dict[str, Any]:
    """Keyword arguments of the source's reader: only a CSV reader takes an encoding."""
    return {"encoding": encoding} if encoding is not None else {}


def _file_stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _resolve_file(entry: Any, source: DatasetSource, base_dir: Path) -> tuple[Path, str]:
    """Return the existing file and the target column of a file entry."""
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


# validation and task inference run once per case; these keep each file read to once
@functools.lru_cache(maxsize=256)
def _file_columns(
    source: DatasetSource, path: Path, stamp: tuple[int, int], encoding: str | None
) -> tuple[str, ...]:
    header = source.resolve_loader()(path, header_only=True, **_read_options(encoding))
    return tuple(str(column) for column in header.columns)


@dataclasses.dataclass(frozen=True)
class _TargetColumn:
    """What validation and planning need to know of a file's target column."""

    task: str
    labels: tuple[Any, ...]  # at most two distinct labels: enough to tell "a single class"
    n_rows: int
    n_missing: int


@functools.lru_cache(maxsize=256)
def _target_column(
    source: DatasetSource, path: Path, stamp: tuple[int, int], target: str, encoding: str | None
) -> _TargetColumn:
    reader = source.resolve_loader()
    values = reader(path, columns=[target], **_read_options(encoding))[target]
    labels = values.dropna().unique()[:2]
    n_missing = int(values.isna().sum())
    return _TargetColumn(infer_task(values), tuple(labels), len(values), n_missing)


def _file_task(
    source: DatasetSource, path: Path, stamp: tuple[int, int], target: str, encoding: str | None
) -> str:
    column = _target_column(source, path, stamp, target, encoding)
    if column.task != "regression" and len(column.labels) < 2:
        what = f"a single class ({column.labels[0]!r})" if column.labels else "no values"
        raise ConfigError(
            f"target {target!r} in {path} has {what}; classification needs two or more",
            ("target",),
        )
    return column.task


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
    _check_task(task)
    subsample = getattr(entry, "subsample", None)
    if subsample is not None and (
        isinstance(subsample, bool) or not isinstance(subsample, int) or subsample < 1
    ):
        raise ConfigError(
            f"subsample must be a positive number of rows, not {subsample!r}", ("subsample",)
        )
    _check_part(source, getattr(entry, "part", None))
    params = _params(entry)
    if params or source.kind == "openml":
        _check_params(source, params)
    encoding = _encoding(entry)
    _check_encoding(source, encoding)
    if source.kind == "file":
        path, target = _resolve_file(entry, source, base_dir)
        stamp = _file_stamp(path)
        if source.name == "csv":
            # pandas decodes only the columns it parses: a Latin-1 value in a feature column
            # would pass the header and target reads here and fail every job at run time
            problem = _decoding_problem(path, stamp, encoding)
            if problem is not None:
                raise ConfigError(problem, ("path",) if encoding is None else ("encoding",))
        columns = _file_columns(source, path, stamp, encoding)
        if target not in columns:
            hint = did_you_mean(target, columns)
            raise ConfigError(f"no column {target!r} in {path}{hint}", ("target",))
        if len(columns) < 2:
            raise ConfigError(
                f"{path} has no feature columns besides the target {target!r}", ("target",)
            )
    else:
        # an OpenML dataset may name the column to predict; a task fixes it
        keys = ("path",) if source.kind == "openml" else ("path", "target")
        for key in keys:
            if getattr(entry, key, None) is not None:
                only = "file sources (csv, parquet)" + (" and openml" if key == "target" else "")
                raise ConfigError(f"{key!r} is only for {only}, not {source.name!r}", (key,))
    if task == "binary" and _static_task(source, params) == "multiclass":
        raise ConfigError(
            f"task 'binary' does not fit {source.name!r}, which has more than two classes",
            ("task",),
        )


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
    _check_task(task)
    if task is not None:
        return task
    static = _static_task(source, _params(entry))
    if static is not None:
        return static
    if source.kind == "openml":
        from benchsuite.datasets._openml import openml_task_kind

        check_dataset_entry(entry, base_dir=base_dir)
        target = getattr(entry, "target", None)
        return openml_task_kind(_params(entry), target, str(entry.name))
    path, target = _resolve_file(entry, source, base_dir)
    return _file_task(source, path, _file_stamp(path), target, _encoding(entry))


def rows_without_target(entry: Any, *, base_dir: Path) -> tuple[int, int] | None:
    """How many rows of a file dataset have no target value (they are dropped on load).

    Parameters
    ----------
    entry : object
        The suite entry (see :func:`check_dataset_entry`).
    base_dir : Path
        Directory that relative ``path`` values are relative to.

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
    path, target = _resolve_file(entry, source, base_dir)
    column = _target_column(source, path, _file_stamp(path), target, _encoding(entry))
    return column.n_rows, column.n_missing


def _freeze(value: Any) -> Any:
    """A hashable stand-in for a parameter value (dicts and lists included)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(_freeze(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def load_dataset(entry: Any, *, base_dir: Path, seed: int) -> Dataset:
    """Load a suite's dataset entry into memory.

    The result is cached in-process, keyed on everything that determines its content
    (source, parameters, part, file path and modification time, target, task, subsample
    and, where it matters, the seed), so a run loads each dataset once. The cached arrays
    are shared: do not modify them in place.

    Download sources (``mnist``, ``fashion_mnist``, ``cifar10`` and the UCI tables
    ``adult``, ``bank_marketing``, ``banknote``, ``spambase``, ``letter``, ``covertype``)
    read their raw files from the data directory, downloading missing ones unless
    ``BENCHSUITE_OFFLINE=1``, and keep the parsed arrays in a ``.npy``/``.npz`` cache under
    ``BENCHSUITE_CACHE_DIR``. UCI tables give ``X`` as a DataFrame of the declared
    feature columns (text columns as ``category``, missing values as NaN);
    ``bank_marketing`` takes ``params: {variant: full|additional}``. The ``part`` of a
    source with official parts (images, ``adult``) selects one: ``"train"`` or
    ``"test"`` reads only that part's files; ``"all"`` or None concatenates train then
    test and sets ``official_split``.
    With ``part: all``, ``subsample`` is drawn within each part in proportion to its
    size (stratified and seeded in each), so that ``official_split`` stays a valid
    train/test split of the rows kept.

    Parameters
    ----------
    entry : object
        The suite entry (see :func:`check_dataset_entry`).
    base_dir : Path
        Directory that relative ``path`` values are relative to.
    seed : int
        Seed of the suite: the default ``random_state`` of synthetic sources and the
        seed of ``subsample``.

    Returns
    -------
    Dataset
        Classification targets are int64 codes ``0..k-1`` with the original labels in
        ``classes``; regression targets are float64. Images are float32 in [0, 1], one
        flattened image per row, with ``sample_shape`` telling the image shape.

    Raises
    ------
    ConfigError
        If the entry is invalid (as :func:`check_dataset_entry`).
    DataError
        If the data cannot be read or does not fit the task.
    """
    source = get_source(str(entry.source))
    params = _params(entry)
    task = getattr(entry, "task", None)
    subsample = getattr(entry, "subsample", None)
    part = getattr(entry, "part", None)
    path: Path | None = None
    stamp: Any = None
    target: str | None = None
    encoding = _encoding(entry)
    if source.kind == "file":
        path, target = _resolve_file(entry, source, base_dir)
        stamp = _file_stamp(path)
    elif source.kind == "download":
        from benchsuite.datasets._download import cache_dir, data_dir

        # the same entry reads other files when the folders change (tests, CLI options)
        stamp = (str(data_dir()), str(cache_dir()))
    elif source.kind == "openml":
        from benchsuite.datasets._openml import openml_home, openml_url

        stamp = (openml_url(), str(openml_home()))
        target = getattr(entry, "target", None)
    # the seed only changes generated data without random_state and subsamples
    uses_seed = subsample is not None or (
        source.kind == "synthetic" and "random_state" not in params
    )
    key = (
        source,
        _freeze(params),
        # for a source with parts, None means all: one cache entry
        None if part == "all" and source.parts else _freeze(part),
        path,
        stamp,
        target,
        encoding,
        task,
        subsample,
        seed if uses_seed else None,
    )
    with _CACHE_LOCK:
        dataset = _CACHE.get(key)
        if dataset is None:
            check_dataset_entry(entry, base_dir=base_dir)
            if source.kind == "download" and source.remote is not None and source.remote.is_table:
                dataset = _load_table(source, params, part, task, subsample, seed)
            elif source.kind == "download":
                dataset = _load_download(source, part, task, subsample, seed)
            elif source.kind == "openml":
                name = str(entry.name)
                dataset = _load_openml(source, params, target, name, task, subsample, seed)
            else:
                dataset = _load(source, params, path, target, task, subsample, seed, encoding)
            _CACHE[key] = dataset
    name = str(entry.name)
    # entries with different names may share data; each gets its own name
    return dataset if dataset.name == name else dataclasses.replace(dataset, name=name)


def clear_cache() -> None:
    """Forget every loaded dataset and cached file header (frees their memory)."""
    from benchsuite.datasets._openml import clear_metadata

    with _CACHE_LOCK:
        _CACHE.clear()
    clear_metadata()
    _file_columns.cache_clear()
    _target_column.cache_clear()
    _decoding_problem.cache_clear()


def _load(
    source: DatasetSource,
    params: dict[str, Any],
    path: Path | None,
    target: str | None,
    task: str | None,
    subsample: int | None,
    seed: int,
    encoding: str | None = None,
) -> Dataset:
    import numpy as np

    loader = source.resolve_loader()
    sample_shape: tuple[int, ...] | None = None
    if source.kind == "builtin":
        bunch = loader()
        X = np.asarray(bunch.data, dtype=np.float64)
        sample_shape = source.sample_shape  # digits' rows are 8x8 images
        target_values = bunch.target
        feature_names = [str(name) for name in bunch.feature_names]
        what = f"dataset {source.name!r}"
    elif source.kind == "synthetic":
        kwargs = {"random_state": seed, **params}
        try:
            X, target_values = loader(**kwargs)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{source.name} failed with params {params}: {one_line(exc)}") from exc
        X = np.asarray(X)
        if X.ndim == 3:
            # sequences (n, steps, features): flattened rows, float32 as deep models train
            sample_shape = X.shape[1:]
            X = X.reshape(len(X), -1).astype(np.float32, copy=False)
            feature_names = [
                f"t{t}_x{j}" for t in range(sample_shape[0]) for j in range(sample_shape[1])
            ]
        else:
            X = X.astype(np.float64, copy=False)
            feature_names = [f"x{i}" for i in range(X.shape[1])]
        what = f"dataset {source.name!r}"
    else:
        assert path is not None and target is not None
        frame = loader(path, **_read_options(encoding))
        if target not in frame.columns:
            raise DataError(f"no column {target!r} in dataset file {path}")
        # rows without a target cannot be scored; `benchsuite run` says how many it drops
        # (rows_without_target) and stores the count in run.json
        frame = frame[frame[target].notna()]
        if frame.empty:
            raise DataError(f"dataset file {path} has no rows with a value for {target!r}")
        target_values = frame[target]
        X = frame.drop(columns=[target]).reset_index(drop=True)
        feature_names = [str(column) for column in X.columns]
        what = f"dataset file {path}"
    task = task or _static_task(source, params) or infer_task(target_values)
    y, classes = _encode_target(target_values, task, what)
    if subsample is not None and subsample < len(y):
        rows = subsample_indices(y, subsample, classification=classes is not None, seed=seed)
        X = X.iloc[rows].reset_index(drop=True) if hasattr(X, "iloc") else X[rows]
        y, classes = _kept_classes(y[rows], classes)
    return Dataset(
        name=source.name,
        source=source.name,
        task=task,
        X=X,
        y=y,
        feature_names=feature_names,
        classes=classes,
        fingerprint=fingerprint(X, y),
        sample_shape=sample_shape,
    )


def _split_counts(n: int, sizes: list[int]) -> list[int]:
    """Share ``n`` rows among parts in proportion to their sizes, at least one each."""
    total = sum(sizes)
    counts = [max(1, min(size, round(n * size / total))) for size in sizes]
    # rounding may overshoot or fall short by a row or two: settle it on the largest part
    largest = sizes.index(max(sizes))
    counts[largest] = max(1, min(sizes[largest], counts[largest] + n - sum(counts)))
    return counts


def _subsample_parts(labels: list[Any], n: int, *, classification: bool, seed: int) -> list[Any]:
    """Row indices to keep within each official part: ``n`` in all, shared in proportion.

    Subsampling within each part keeps train rows train rows and test rows test rows.
    """
    counts = _split_counts(n, [len(part) for part in labels])
    return [
        subsample_indices(part, k, classification=classification, seed=seed)
        for part, k in zip(labels, counts, strict=True)
    ]


def _official_split(sizes: list[int]) -> tuple[Any, Any] | None:
    """(train rows, test rows) of data holding both official parts, train first."""
    import numpy as np

    if len(sizes) != 2:
        return None
    return np.arange(sizes[0]), np.arange(sizes[0], sizes[0] + sizes[1])


def _load_download(
    source: DatasetSource, part: str | None, task: str | None, subsample: int | None, seed: int
) -> Dataset:
    import hashlib
    import math

    import numpy as np

    from benchsuite.datasets._dataset import hash_array
    from benchsuite.datasets._images import load_parts

    assert source.remote is not None
    parts = _parts(source, part)
    loaded = load_parts(source, parts)
    sizes = [len(labels) for _, labels in loaded]
    task = task or source.task or "multiclass"
    if subsample is not None and subsample < sum(sizes):
        kept = _subsample_parts(
            [labels for _, labels in loaded],
            subsample,
            classification=task != "regression",
            seed=seed,
        )
        loaded = [
            (pixels[rows], labels[rows])
            for (pixels, labels), rows in zip(loaded, kept, strict=True)
        ]
        sizes = [len(labels) for _, labels in loaded]
    width = math.prod(source.remote.sample_shape)
    X = np.empty((sum(sizes), width), dtype=np.float32)
    digest = hashlib.sha256()
    digest.update(repr(tuple(X.shape)).encode() + b"uint8/255")
    start = 0
    for (pixels, _), size in zip(loaded, sizes, strict=True):
        # straight into X: no float32 temporary per part (the cheapest conversion measured)
        np.divide(pixels, np.float32(255), out=X[start : start + size])
        hash_array(digest, pixels)
        start += size
    labels = np.concatenate([labels for _, labels in loaded])
    what = f"dataset {source.name!r}"
    y, classes = _encode_target(labels, task, what)
    hash_array(digest, y)
    return Dataset(
        name=source.name,
        source=source.name,
        task=task,
        X=X,
        y=y,
        feature_names=[f"px{i}" for i in range(width)],
        classes=classes,
        fingerprint=digest.hexdigest()[:16],
        sample_shape=source.remote.sample_shape,
        official_split=_official_split(sizes),
    )


def _load_table(
    source: DatasetSource,
    params: dict[str, Any],
    part: str | None,
    task: str | None,
    subsample: int | None,
    seed: int,
) -> Dataset:
    import numpy as np
    import pandas as pd

    from benchsuite.datasets._tables import load_tables

    assert source.remote is not None
    parts = _parts(source, part)
    frames = load_tables(source, parts, variant=params.get("variant"))
    target = next(f.table.target for f in source.remote.files if f.table is not None)
    sizes = [len(frame) for frame in frames]
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    task = task or source.task or infer_task(frame[target])
    y, classes = _frame_target(frame[target], task, f"dataset {source.name!r}")
    X = frame.drop(columns=[target])
    if subsample is not None and subsample < len(y):
        offsets = np.cumsum([0, *sizes[:-1]])
        kept = _subsample_parts(
            [y[o : o + size] for o, size in zip(offsets, sizes, strict=True)],
            subsample,
            classification=classes is not None,
            seed=seed,
        )
        rows = np.concatenate([r + o for r, o in zip(kept, offsets, strict=True)])
        sizes = [len(r) for r in kept]
        X = X.iloc[rows].reset_index(drop=True)
        y, classes = _kept_classes(y[rows], classes)
    return _frame_dataset(source, task, X, y, classes, official_split=_official_split(sizes))


def _frame_target(values: Any, task: str, what: str) -> tuple[Any, list[Any] | None]:
    """Codes and classes of a pandas target column (``category`` keeps its own order)."""
    import numpy as np
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype) and task != "regression":
        # the codes of the sorted categories are the classes' codes: no string sort
        values = values.cat.remove_unused_categories()
        y = values.cat.codes.to_numpy().astype(np.int64)
        classes: list[Any] = [str(c) for c in values.cat.categories]
        if task == "binary" and len(classes) > 2:
            raise DataError(f"task is 'binary' but the target of {what} has {len(classes)} classes")
        return y, classes
    return _encode_target(values.to_numpy(), task, what)


def _load_openml(
    source: DatasetSource,
    params: dict[str, Any],
    target: str | None,
    name: str,
    task: str | None,
    subsample: int | None,
    seed: int,
) -> Dataset:
    import numpy as np

    from benchsuite.datasets._openml import load_openml, openml_task_kind

    X, values, folds = load_openml(params, target, name)
    task = task or openml_task_kind(params, target, name)
    keep = values.notna().to_numpy()
    if not keep.all():
        # rows without a target cannot be scored; a task's folds are renumbered to match
        new_index = np.cumsum(keep) - 1
        X = X[keep].reset_index(drop=True)
        values = values[keep].reset_index(drop=True)
        if folds is not None:
            folds = [(new_index[tr[keep[tr]]], new_index[te[keep[te]]]) for tr, te in folds]
    y, classes = _frame_target(values, task, f"dataset {name!r}")
    if subsample is not None and subsample < len(y):
        if folds is not None:
            raise DataError(
                f"dataset {name!r}: subsample cannot be used with an OpenML task, whose folds "
                "index every row; use openml:<data id> to subsample the dataset"
            )
        rows = subsample_indices(y, subsample, classification=classes is not None, seed=seed)
        X = X.iloc[rows].reset_index(drop=True)
        y, classes = _kept_classes(y[rows], classes)
    return _frame_dataset(
        source,
        task,
        X,
        y,
        classes,
        official_split=folds[0] if folds is not None and len(folds) == 1 else None,
        folds=tuple(folds) if folds is not None else None,
    )


def _frame_dataset(
    source: DatasetSource,
    task: str,
    X: Any,
    y: Any,
    classes: list[Any] | None,
    *,
    official_split: tuple[Any, Any] | None,
    folds: tuple[tuple[Any, Any], ...] | None = None,
) -> Dataset:
    """The Dataset of a feature DataFrame (UCI tables, OpenML)."""
    return Dataset(
        name=source.name,
        source=source.name,
        task=task,
        X=X,
        y=y,
        feature_names=[str(column) for column in X.columns],
        classes=classes,
        fingerprint=fingerprint(X, y),
        official_split=official_split,
        folds=folds,
    )


def _kept_classes(y: Any, classes: list[Any] | None) -> tuple[Any, list[Any] | None]:
    """Codes and classes of a subsample, renumbered ``0..k-1``.

    A subsample may miss a rare class; the codes stay contiguous (XGBoost needs it).
    """
    import numpy as np

    if classes is None:
        return y, None
    present, codes = np.unique(y, return_inverse=True)
    return codes.ravel().astype(np.int64), [classes[code] for code in present]


def _encode_target(values: Any, task: str, what: str) -> tuple[Any, list[Any] | None]:
    import numpy as np

    if task == "regression":
        try:
            return np.asarray(values, dtype=np.float64), None
        except (TypeError, ValueError):
            raise DataError(
                f"the target of {what} is not numeric, so it cannot be used for regression"
            ) from None
    y, classes = encode_labels(values)
    if task == "binary" and len(classes) > 2:
        raise DataError(f"task is 'binary' but the target of {what} has {len(classes)} classes")
    return y, classes

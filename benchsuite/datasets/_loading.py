"""Load a suite's dataset entry into a :class:`Dataset`, once per process.

:func:`load_dataset` checks the entry, picks the loader of its source's kind
(``_load_sklearn``, ``_load_files``, ``_load_images``, ``_load_tables``,
``_load_openml``) and keeps the result in an in-process cache; :func:`clear_cache`
forgets it and the per-file caches of checking and task inference.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

from benchsuite.datasets._checks import cached_decoding_problem, check_dataset_entry, file_columns
from benchsuite.datasets._dataset import Dataset
from benchsuite.datasets._entry import entry_encoding, entry_file, entry_params
from benchsuite.datasets._files import file_stamp
from benchsuite.datasets._sources import DatasetSource, get_source
from benchsuite.datasets._tasks import target_column

__all__ = ["clear_cache", "load_dataset"]

# loaded datasets, keyed on everything that determines their content (see load_dataset)
_CACHE: dict[tuple[Any, ...], Dataset] = {}
_CACHE_LOCK = threading.Lock()


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
    entry, base_dir
        As :func:`check_dataset_entry`.
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
    params = entry_params(entry)
    task = getattr(entry, "task", None)
    subsample = getattr(entry, "subsample", None)
    part = getattr(entry, "part", None)
    path: Path | None = None
    stamp: Any = None
    target: str | None = None
    encoding = entry_encoding(entry)
    if source.kind == "file":
        path, target = entry_file(entry, source, base_dir)
        stamp = file_stamp(path)
    elif source.kind == "download":
        from benchsuite.datasets._env import cache_dir, data_dir

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
    name = str(entry.name)
    with _CACHE_LOCK:
        dataset = _CACHE.get(key)
        if dataset is None:
            check_dataset_entry(entry, base_dir=base_dir)
            dataset = _load(
                source, params, part, path, target, name, task, subsample, seed, encoding
            )
            _CACHE[key] = dataset
    # entries with different names may share data; each gets its own name
    return dataset if dataset.name == name else dataclasses.replace(dataset, name=name)


def clear_cache() -> None:
    """Forget every loaded dataset and cached file header (frees their memory)."""
    from benchsuite.datasets._openml import clear_metadata

    with _CACHE_LOCK:
        _CACHE.clear()
    clear_metadata()
    file_columns.cache_clear()
    target_column.cache_clear()
    cached_decoding_problem.cache_clear()


def _load(
    source: DatasetSource,
    params: dict[str, Any],
    part: str | None,
    path: Path | None,
    target: str | None,
    name: str,
    task: str | None,
    subsample: int | None,
    seed: int,
    encoding: str | None,
) -> Dataset:
    """Load a checked entry with the loader of its source's kind (imported on first use)."""
    if source.kind == "download" and source.remote is not None and source.remote.is_table:
        from benchsuite.datasets._load_tables import load_uci_tables

        return load_uci_tables(source, params, part, task, subsample, seed)
    if source.kind == "download":
        from benchsuite.datasets._load_images import load_images

        return load_images(source, part, task, subsample, seed)
    if source.kind == "openml":
        from benchsuite.datasets._load_openml import load_openml_dataset

        return load_openml_dataset(source, params, target, name, task, subsample, seed)
    if source.kind == "file":
        from benchsuite.datasets._load_files import load_file

        assert path is not None and target is not None
        return load_file(source, path, target, task, subsample, seed, encoding)
    from benchsuite.datasets._load_sklearn import load_builtin, load_synthetic

    if source.kind == "synthetic":
        return load_synthetic(source, params, task, subsample, seed)
    return load_builtin(source, task, subsample, seed)

"""Reader of the UCI tables' raw files and their fast cache.

:func:`read_table` parses one delimited text file into a DataFrame with the declared
column names and dtypes (numeric columns as int64/float64, text columns as pandas
``category``), checking it against the declared schema. Parsed files are cached as
``.npz`` files of plain arrays (category codes plus their labels, never pickles) under
``<cache dir>/<source>/``, keyed on the checksums of the files they came from, so a second
load skips parsing.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchsuite.datasets._download import ensure_files
from benchsuite.datasets._env import cache_dir
from benchsuite.datasets._files import one_line
from benchsuite.datasets._writes import remove_stale, warn_cache_not_written, write_atomic
from benchsuite.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from benchsuite.datasets._download import Progress
    from benchsuite.datasets._remote import RemoteFile, TableFormat
    from benchsuite.datasets._sources import DatasetSource

# bump when the cached arrays change meaning, so old caches are not read
_CACHE_VERSION = "1"

# how many names of a wrong header an error message shows
_SHOWN = 4


def _bad(name: str, path: Path, why: str) -> DataError:
    return DataError(
        f"{name}: {path} {why}: delete it and run 'benchsuite data fetch {name}' "
        "(or put the original file there)"
    )


def _shown(names: list[str]) -> str:
    head = ", ".join(repr(n) for n in names[:_SHOWN])
    return head + (", ..." if len(names) > _SHOWN else "")


def _read_options(table: TableFormat) -> dict[str, Any]:
    return {
        "sep": table.sep,
        "skipinitialspace": table.skip_space,
        # only an empty field and the declared tokens are missing: "NA" or "None" may
        # be real labels elsewhere
        "keep_default_na": False,
        "na_values": ["", *table.missing],
        "quotechar": '"',
        "encoding": "utf-8",
    }


def _check_layout(name: str, path: Path, table: TableFormat) -> None:
    """Check the header (or the field count of the first row) against the schema."""
    import pandas as pd

    expected = [c.name for c in table.columns]
    try:
        first = pd.read_csv(
            path, header=None, nrows=1, dtype=str, skiprows=table.skip_lines, **_read_options(table)
        )
    except pd.errors.EmptyDataError:
        raise _bad(name, path, "holds no data") from None
    found = ["" if pd.isna(v) else str(v) for v in first.iloc[0].tolist()] if len(first) else []
    if not found:
        raise _bad(name, path, "holds no data")
    if table.header:
        if found != expected:
            if len(found) != len(expected):
                why = f"has {len(found)} columns ({_shown(found)}), expected {len(expected)}"
            else:
                i = next(i for i, (a, b) in enumerate(zip(found, expected, strict=True)) if a != b)
                why = f"has column {found[i]!r} where {expected[i]!r} is declared"
            raise _bad(name, path, f"is not the declared table: its header {why}")
    elif len(found) != len(expected):
        raise _bad(
            name,
            path,
            f"is not the declared table: {len(found)} fields per row, expected {len(expected)}",
        )


def _numeric(name: str, path: Path, frame: pd.DataFrame, column: str, kind: str) -> pd.Series:
    import numpy as np
    import pandas as pd
    from pandas.api import types

    values = frame[column]
    if not types.is_numeric_dtype(values.dtype) or types.is_bool_dtype(values.dtype):
        numbers = pd.to_numeric(values, errors="coerce")
        bad = numbers.isna() & values.notna()
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise _bad(
            name,
            path,
            f"has a non-numeric value {values.iloc[row]!r} in numeric column {column!r} "
            f"(data row {row + 1})",
        )
    if kind == "float" or values.isna().any():
        # an int column with missing values cannot be int64
        return values.astype(np.float64)
    if types.is_float_dtype(values.dtype):
        array = values.to_numpy()
        fraction = array != np.round(array)
        if fraction.any():
            row = int(np.flatnonzero(fraction)[0])
            raise _bad(
                name,
                path,
                f"has a non-integer value {array[row]!r} in integer column {column!r} "
                f"(data row {row + 1})",
            )
    return values.astype(np.int64)


def read_table(name: str, path: Path, table: TableFormat) -> pd.DataFrame:
    """Read one delimited text table with its declared columns and dtypes.

    Parameters
    ----------
    name : str
        The dataset source, for messages.
    path : Path
        The file (``.gz`` files are decompressed on the fly).
    table : TableFormat
        Its declared layout and columns.

    Returns
    -------
    pandas.DataFrame
        One column per declared column, in order: int64 or float64 for numeric ones,
        ``category`` for text ones (missing values as NaN), the target included, with
        ``table.label_suffix`` removed from its labels.

    Raises
    ------
    DataError
        One line naming the dataset and the problem: an empty file, another header or
        field count than declared, a row with more fields, a non-numeric value in a
        numeric column, a row without a target.
    """
    import pandas as pd

    try:
        if path.stat().st_size == 0:
            raise _bad(name, path, "is empty")
        _check_layout(name, path, table)
        frame = pd.read_csv(
            path,
            header=None,
            names=[c.name for c in table.columns],
            skiprows=table.skip_lines + (1 if table.header else 0),
            dtype={c.name: "category" for c in table.columns if c.kind == "category"},
            **_read_options(table),
        )
    except pd.errors.EmptyDataError:
        raise _bad(name, path, "holds no data") from None
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        # parser errors (a row with more fields), bad gzip, bad encoding
        raise _bad(name, path, f"cannot be read ({one_line(exc)})") from exc
    if frame.empty:
        raise _bad(name, path, "holds no data rows")
    columns: dict[str, Any] = {}
    for column in table.columns:
        if column.kind == "category":
            values = frame[column.name]
            if column.name == table.target and table.label_suffix:
                values = values.astype(object).str.removesuffix(table.label_suffix)
                values = values.astype("category")
            columns[column.name] = values
        else:
            columns[column.name] = _numeric(name, path, frame, column.name, column.kind)
    missing_target = columns[table.target].isna().to_numpy()
    if missing_target.any():
        row = int(missing_target.argmax())
        raise _bad(
            name,
            path,
            f"has no value for the target {table.target!r} in data row {row + 1} "
            "(a short row or a missing label)",
        )
    return pd.DataFrame(columns)


# -- fast cache ----------------------------------------------------------------------------


def _cache_path(folder: Path, file: RemoteFile, key: str) -> Path:
    return folder / f"{file.name}-{key}.npz"


def read_frame_cache(path: Path, names: list[str] | None = None) -> pd.DataFrame | None:
    """A DataFrame cached by :func:`write_frame_cache`, or None when absent, damaged, or
    (given ``names``) holding other columns."""
    import numpy as np
    import pandas as pd

    try:
        # plain arrays only: a cache file is never unpickled
        with np.load(path, allow_pickle=False) as arrays:
            meta = json.loads(str(arrays["meta"]))
            columns: dict[str, Any] = {}
            for i, (column, kind) in enumerate(zip(meta["columns"], meta["kinds"], strict=True)):
                values = arrays[f"v{i}"]
                if kind == "category":
                    categories = arrays[f"k{i}"].tolist()
                    columns[column] = pd.Categorical.from_codes(values, categories)
                else:
                    columns[column] = values
    except (OSError, ValueError, KeyError, EOFError, TypeError, zlib.error):
        return None  # absent or damaged: parse the raw file again
    if names is not None and list(columns) != names:
        return None
    return pd.DataFrame(columns)


def write_frame_cache(folder: Path, path: Path, frame: pd.DataFrame) -> None:
    """Cache ``frame`` (numeric and ``category`` columns) as plain arrays in ``path``.

    Other files of the same stem (``<stem>-<key>.npz``) in ``folder`` are removed: they hold
    older versions. A failure to write only warns: the cache saves time, nothing else.
    """
    import numpy as np
    import pandas as pd

    arrays: dict[str, Any] = {}
    kinds = []
    for i, column in enumerate(frame.columns):
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            arrays[f"v{i}"] = values.cat.codes.to_numpy()
            arrays[f"k{i}"] = np.asarray([str(c) for c in values.cat.categories], dtype=str)
            kinds.append("category")
        else:
            arrays[f"v{i}"] = values.to_numpy()
            kinds.append(str(values.dtype))
    arrays["meta"] = np.asarray(json.dumps({"columns": list(frame.columns), "kinds": kinds}))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, lambda f: np.savez(f, **arrays))
        remove_stale(folder, f"{path.name.rsplit('-', 1)[0]}-*.npz", keep=(path,))
    except OSError as exc:
        warn_cache_not_written(folder, exc)


def _union_categories(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Give each category column the same categories in every frame, so concat keeps them."""
    import pandas as pd

    first = frames[0]
    updates: dict[str, list[Any]] = {}
    for column in first.columns:
        if isinstance(first[column].dtype, pd.CategoricalDtype):
            labels = {c for f in frames for c in f[column].cat.categories}
            updates[column] = sorted(labels, key=str)
    return [
        f.assign(**{c: f[c].cat.set_categories(cats) for c, cats in updates.items()})
        for f in frames
    ]


def load_tables(
    source: DatasetSource,
    parts: tuple[str, ...],
    *,
    variant: str | None = None,
    progress: Progress | None = None,
) -> list[pd.DataFrame]:
    """Load a UCI table source: one DataFrame per official part asked for.

    Finds (or downloads) and verifies only the files needed, then reads each from the
    ``.npz`` cache, or parses it with :func:`read_table` and caches the result.

    Parameters
    ----------
    source : DatasetSource
        A download source whose files are tables.
    parts : tuple of str
        Official parts, e.g. ``("train", "test")``; empty for a source without them.
    variant : str or None, default=None
        The variant (``bank_marketing``: ``"full"`` or ``"additional"``); the default one
        when None.
    progress : callable, default=None
        Download progress callback.

    Returns
    -------
    list of pandas.DataFrame
        Per part in the order asked (a single frame when ``parts`` is empty), every
        declared column, the target included; category columns have the same categories
        in every frame.

    Raises
    ------
    DataError
        Missing, unverifiable or malformed files.
    """
    import pandas as pd

    spec = source.remote
    assert spec is not None and spec.is_table, f"{source.name} is not a table source"
    found = ensure_files(source, parts, progress=progress, variant=variant)
    reader = source.resolve_loader()
    folder = cache_dir() / source.name
    frames: dict[str, pd.DataFrame] = {}
    for file, path, checksum in found:
        assert file.table is not None
        # keyed on the checksum that accepted the file and on its declared layout
        identity = "|".join([_CACHE_VERSION, source.name, file.name, checksum, repr(file.table)])
        cached = _cache_path(folder, file, hashlib.sha256(identity.encode()).hexdigest()[:16])
        frame = read_frame_cache(cached, [c.name for c in file.table.columns])
        if frame is None:
            frame = reader(source.name, path, file.table)
            write_frame_cache(folder, cached, frame)
        frames[file.name] = frame
    groups = [[f.name for f, _, _ in found if p in f.parts] for p in parts] or [list(frames)]
    joined = [
        frames[names[0]]
        if len(names) == 1
        else pd.concat(_union_categories([frames[n] for n in names]), ignore_index=True)
        for names in groups
    ]
    return _union_categories(joined) if len(joined) > 1 else joined

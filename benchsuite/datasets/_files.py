"""Readers for local tabular files (CSV, Parquet).

Every reader has the signature ``(path, *, columns=None, header_only=False) -> DataFrame``
so that validation can read just the header and task inference just the target column.
Read failures become one-line :class:`~benchsuite.errors.DataError` messages naming the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchsuite.errors import DataError
from benchsuite.errors import one_line as _one_line

if TYPE_CHECKING:
    import pandas as pd


def resolve_path(path: str | Path, base_dir: Path) -> Path:
    """Return ``path`` as an absolute path; relative paths are taken from ``base_dir``."""
    return (Path(base_dir) / Path(path).expanduser()).resolve()


def file_stamp(path: Path) -> tuple[int, int]:
    """``(modification time in ns, size)``: the key under which a file's reads are cached."""
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def read_options(encoding: str | None) -> dict[str, Any]:
    """Keyword arguments of a file reader: only a CSV reader takes an encoding."""
    return {"encoding": encoding} if encoding is not None else {}


def one_line(exc: BaseException) -> str:
    """The exception's message on one line (the type name if it has none)."""
    return _one_line(exc, with_type=False)


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn any failure to read ``path`` into a DataError that names the file."""
    try:
        yield
    except FileNotFoundError:
        raise DataError(f"dataset file not found: {path}") from None
    except (OSError, ValueError) as exc:
        if path.is_file() and path.stat().st_size == 0:
            raise DataError(f"dataset file {path} is empty (no header, no rows)") from None
        # pandas parser errors, bad encodings and pyarrow's ArrowInvalid are ValueErrors
        raise DataError(f"cannot read dataset file {path}: {one_line(exc)}") from exc


# bytes decoded per read when checking a file's encoding (the decoder runs in C)
_DECODE_CHUNK = 1 << 20


def decoding_problem(path: Path, encoding: str | None) -> str | None:
    """Why ``encoding`` (None: UTF-8) cannot decode the text of ``path``, or None if it can.

    The whole file is decoded in chunks, without keeping the text: pandas decodes only
    the columns it parses, so a file whose header and target read fine may still fail
    in every job when a feature column holds a Latin-1 ``Zürich``.

    Returns
    -------
    str or None
        One line naming the file, the first bad byte, its line, and the fix:
        ``... is not UTF-8 (byte 0xfc on line 2); set `encoding:` on this dataset, e.g.
        encoding: latin-1``.
    """
    import codecs

    decoder = codecs.getincrementaldecoder(encoding or "utf-8")(errors="strict")
    offset = 0  # bytes of the file handed to the decoder so far
    with open(path, "rb") as f:
        head = f.read(2)
        f.seek(0)
        while True:
            chunk = f.read(_DECODE_CHUNK)
            pending = len(decoder.getstate()[0])  # bytes of a character split by the chunk
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                position = offset - pending + exc.start
                byte = exc.object[exc.start] if exc.start < len(exc.object) else 0
                break
            if not chunk:
                return None
            offset += len(chunk)
        f.seek(0)
        line = f.read(position).count(b"\n") + 1
    where = f"byte 0x{byte:02x} on line {line}"
    if encoding is None:
        example = "utf-16" if head in (b"\xff\xfe", b"\xfe\xff") else "latin-1"
        return (
            f"{path} is not UTF-8 ({where}); set `encoding:` on this dataset, "
            f"e.g. encoding: {example}"
        )
    return f"{path} is not valid {encoding} ({where}); set `encoding:` to the file's encoding"


def read_csv(
    path: Path,
    *,
    columns: list[str] | None = None,
    header_only: bool = False,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a CSV file with pandas.

    Parameters
    ----------
    path : Path
        The file.
    columns : list of str, default=None
        Read only these columns (all when None).
    header_only : bool, default=False
        Read no rows, only the column names.
    encoding : str, default=None
        The file's text encoding (a Python codec name); None is UTF-8.

    Returns
    -------
    pandas.DataFrame
        The table (empty when ``header_only``).

    Raises
    ------
    DataError
        If the file cannot be read; for text the encoding cannot decode, the message
        names the first bad byte and says to set ``encoding:``.
    """
    import pandas as pd

    with _reading(path):
        try:
            return pd.read_csv(
                path, usecols=columns, nrows=0 if header_only else None, encoding=encoding
            )
        except UnicodeDecodeError as exc:
            # validation decodes the whole file first; this is a file changed since then
            problem = decoding_problem(path, encoding) or one_line(exc)
            raise DataError(f"cannot read dataset file: {problem}") from None


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise DataError(
            "reading Parquet files needs pyarrow: pip install 'benchsuite[parquet]' "
            "(or pip install pyarrow)"
        ) from None


def read_parquet(
    path: Path, *, columns: list[str] | None = None, header_only: bool = False
) -> pd.DataFrame:
    """Read a Parquet file with pandas and pyarrow.

    Parameters
    ----------
    path, columns, header_only
        As :func:`read_csv`; ``header_only`` reads only the schema, no data.

    Returns
    -------
    pandas.DataFrame
        The table; with ``header_only``, an empty frame of its columns.

    Raises
    ------
    DataError
        If pyarrow is not installed or the file cannot be read.
    """
    _require_pyarrow()
    import pandas as pd

    with _reading(path):
        if header_only:
            import pyarrow.parquet as pq

            names = pq.read_schema(path).names
            # a non-default pandas index is stored as an extra column; it is no feature
            names = [n for n in names if not n.startswith("__index_level_")]
            return pd.DataFrame(columns=names)
        return pd.read_parquet(path, columns=columns)

"""Read ARFF files (OpenML's data format) into a pandas DataFrame.

Numeric, nominal, string and date attributes of dense data; ``?`` is missing; ``%`` lines
are comments. Sparse data (``{index value, ...}`` rows) is refused with a clear error.
The input is gzip-compressed, as OpenML's cache stores it.
"""

from __future__ import annotations

import contextlib
import gzip
import re
from pathlib import Path
from typing import Any

from benchsuite.errors import DataError, one_line


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].replace("\\" + text[0], text[0])
    return text


_ATTRIBUTE = re.compile(
    r"""^@attribute\s+('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\S+)\s+(.+?)\s*$""", re.IGNORECASE
)


def _parse_attribute(line: str, where: str) -> tuple[str, str, list[str] | None]:
    """``@attribute name type`` -> (name, kind, nominal values); kind is numeric, nominal,
    string or date."""
    import csv

    match = _ATTRIBUTE.match(line.strip())
    if match is None:
        raise DataError(f"{where}: unreadable ARFF attribute line {line.strip()[:80]!r}")
    name, kind = _unquote(match.group(1)), match.group(2).strip()
    if kind.startswith("{"):
        inner = kind.strip("{} ")
        values = next(csv.reader([inner], quotechar="'", skipinitialspace=True), [])
        return name, "nominal", [_unquote(v) for v in values]
    lowered = kind.split()[0].lower()
    if lowered in ("numeric", "real", "integer"):
        return name, "numeric", None
    if lowered in ("string", "date"):
        return name, lowered, None
    raise DataError(f"{where}: ARFF attribute {name!r} has type {kind!r}, which is not supported")


def read_arff(path: Path, where: str) -> tuple[Any, dict[str, str]]:
    """A dense ARFF file as a DataFrame: numeric columns float64, nominal columns
    ``category`` with the declared categories (as text), string and date columns text;
    ``?`` is missing. Returns the frame and each column's ARFF kind.

    (scikit-learn's pandas ARFF parser is not used: with pandas 3 it fails on nominal
    values that look like numbers, such as a 0/1 target.)
    """
    import io
    import warnings

    import pandas as pd

    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    marker = re.search(r"^[ \t]*@data\b[^\n]*\n?", text, re.IGNORECASE | re.MULTILINE)
    attributes = [
        _parse_attribute(line, where)
        for line in text[: marker.start() if marker else 0].splitlines()
        if line.lstrip()[:10].lower().startswith("@attribute")
    ]
    if marker is None or not attributes:
        raise DataError(f"{where}: not an ARFF file (no @attribute or @data section)")
    body = text[marker.end() :]
    del text
    if body.lstrip().startswith("{"):
        raise DataError(f"{where}: sparse ARFF data is not supported")
    if "\n%" in body or body.startswith("%"):
        body = "".join(line for line in body.splitlines(True) if not line.startswith("%"))
    names = [a[0] for a in attributes]
    kinds = {a[0]: a[1] for a in attributes}
    declared = {a[0]: list(dict.fromkeys(a[2] or [])) for a in attributes if a[1] == "nominal"}

    def parse(nominal_dtype: Any) -> Any:
        dtypes = {
            name: "float64"
            if kind == "numeric"
            else (nominal_dtype(name) if kind == "nominal" else "str")
            for name, kind in kinds.items()
        }
        return pd.read_csv(
            io.StringIO(body),
            header=None,
            names=names,
            dtype=dtypes,
            na_values=["?"],
            keep_default_na=False,
            quotechar='"',
            escapechar="\\",
            skipinitialspace=True,
            skip_blank_lines=True,
            low_memory=False,
        )

    try:
        frame = None
        if "'" not in body:
            # fast path: pandas matches values to the declared categories while parsing;
            # a value outside them (a malformed file) falls back to the path below
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                with contextlib.suppress(Warning, ValueError):
                    frame = parse(lambda name: pd.CategoricalDtype(declared[name]))
        if frame is None:
            frame = parse(lambda name: "str")
            for name, values in declared.items():
                column = frame[name].str.strip()
                if column.str.startswith("'").any():
                    column = column.str.removeprefix("'").str.removesuffix("'")
                frame[name] = pd.Categorical(column, categories=values)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{where}: unreadable ARFF data: {one_line(exc)}") from None
    return frame, kinds

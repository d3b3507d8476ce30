"""Load OpenML sources (``openml:<data id>``, ``openml:task:<task id>``): a feature
DataFrame, and a task's official folds.

The files come from :mod:`benchsuite.datasets._openml` (OpenML's REST API and its cache).
The ARFF data file is parsed by :mod:`benchsuite.datasets._arff` (numeric, nominal, string
and date attributes; dense data): nominal columns become ``category`` with the declared
categories. The parsed columns are cached as plain arrays
(``openml/parsed/<id>-<md5>.npz``, as the UCI tables), so a later load reads no ARFF.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from benchsuite.datasets._arff import read_arff
from benchsuite.datasets._assemble import frame_target, make_dataset, subsample_rows
from benchsuite.datasets._dataset import Dataset
from benchsuite.datasets._openml import (
    OpenMLTask,
    data_id_of,
    description_of,
    ensure_data_files,
    features_of,
    openml_home,
    openml_task_kind,
    resolve_target,
    task_of,
)
from benchsuite.datasets._sources import DatasetSource
from benchsuite.errors import DataError


def load_openml_dataset(
    source: DatasetSource,
    params: dict[str, Any],
    target: str | None,
    name: str,
    task: str | None,
    subsample: int | None,
    seed: int,
) -> Dataset:
    """Load an OpenML entry; rows without a target are dropped (folds renumbered)."""
    import numpy as np

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
    y, classes = frame_target(values, task, f"dataset {name!r}")
    if subsample is not None and subsample < len(y):
        if folds is not None:
            raise DataError(
                f"dataset {name!r}: subsample cannot be used with an OpenML task, whose folds "
                "index every row; use openml:<data id> to subsample the dataset"
            )
        X, y, classes = subsample_rows(X, y, classes, subsample, seed)
    return make_dataset(
        source,
        task,
        X,
        y,
        classes,
        official_split=folds[0] if folds is not None and len(folds) == 1 else None,
        folds=tuple(folds) if folds is not None else None,
    )


def read_folds(path: Path, n_rows: int, task: OpenMLTask, name: str) -> list[tuple[Any, Any]]:
    """The (train rows, test rows) of each split in an OpenML fold file, in split order."""
    import io

    import numpy as np
    import pandas as pd

    with gzip.open(path, "rt", encoding="utf-8") as fh:
        text = fh.read()
    columns: list[str] = []
    body = ""
    for i, line in enumerate(text.splitlines(keepends=True)):
        head = line.strip().lower()
        if head.startswith("@attribute"):
            columns.append(line.split()[1].strip("'\""))
        elif head.startswith("@data"):
            body = "".join(text.splitlines(keepends=True)[i + 1 :])
            break
    needed = {"type", "rowid", "repeat", "fold"}
    if not needed <= set(columns):
        raise DataError(f"{name}: the fold file of OpenML task {task.task_id} lacks {needed}")
    frame = pd.read_csv(io.StringIO(body), names=columns, comment="%", skipinitialspace=True)
    if "sample" in frame:  # learning-curve tasks: the full sample of each fold
        frame = frame[frame["sample"] == frame["sample"].max()]
    kind = frame["type"].astype(str).str.strip("'\" ").str.upper()
    rows = frame["rowid"].to_numpy(np.int64)
    if len(rows) and (rows.min() < 0 or rows.max() >= n_rows):
        raise DataError(
            f"{name}: the fold file of OpenML task {task.task_id} names rows outside the "
            f"{n_rows} rows of dataset {task.data_id}"
        )
    split = frame["repeat"].to_numpy(np.int64) * task.n_folds + frame["fold"].to_numpy(np.int64)
    folds = []
    for index in range(task.n_splits):
        here = split == index
        train = np.sort(rows[here & (kind == "TRAIN").to_numpy()])
        test = np.sort(rows[here & (kind == "TEST").to_numpy()])
        if not len(train) or not len(test):
            raise DataError(
                f"{name}: OpenML task {task.task_id} declares {task.n_splits} splits but its "
                f"fold file has no train or test rows for split {index}"
            )
        folds.append((train, test))
    return folds


def _parsed_frame(data_file: Path, data_id: int, md5: str, name: str) -> Any:
    """The numeric and nominal columns of a data file, from the parse cache when it has
    this very file (keyed on the published md5), else parsed, checked and cached.

    Free-text (string) and date columns are dropped here: no estimator takes them.
    """
    import hashlib

    from benchsuite.datasets._tables import read_frame_cache, write_frame_cache

    folder = openml_home() / "parsed"
    cached = folder / f"{data_id}-{md5[:16]}.npz"
    if md5:
        frame = read_frame_cache(cached)
        if frame is not None:
            return frame
        digest = hashlib.md5()
        with gzip.open(data_file, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != md5:
            data_file.unlink(missing_ok=True)  # fetched again next time
            raise DataError(
                f"{name}: the data file of OpenML dataset {data_id} has md5 "
                f"{digest.hexdigest()}, not the published {md5}; removed, try again"
            )
    frame, kinds = read_arff(data_file, f"{name}: OpenML dataset {data_id}")
    frame = frame[[c for c in frame.columns if kinds[c] in ("numeric", "nominal")]]
    if md5:
        write_frame_cache(folder, cached, frame)
    return frame


def load_openml(
    params: dict[str, Any], target: str | None, name: str
) -> tuple[Any, Any, list[tuple[Any, Any]] | None]:
    """Load an OpenML entry: (feature DataFrame, target Series, folds or None).

    Columns OpenML marks ignored or row identifiers are dropped (as scikit-learn does), and
    so are free-text (string) columns, which no estimator here takes. Nominal columns are
    ``category``. Rows are in the dataset's order, so that a task's row ids index them.
    """
    task = task_of(params, name)
    column = resolve_target(params, target, name)
    data_id = data_id_of(params, name)
    description = description_of(data_id, name)
    data_file, splits = ensure_data_files(params, name)
    frame = _parsed_frame(data_file, data_id, str(description.get("md5_checksum") or ""), name)
    if column not in frame.columns:
        raise DataError(f"{name}: OpenML dataset {data_id} has no column {column!r} in its data")
    dropped = {
        str(f["name"])
        for f in features_of(data_id, name)
        if "true" in (str(f.get("is_ignore")), str(f.get("is_row_identifier")))
    }
    features = [c for c in frame.columns if c != column and c not in dropped]
    X = frame[features]
    y = frame[column]
    folds = None
    if task is not None and splits is not None:
        folds = read_folds(splits, len(X), task, name)
    return X, y, folds

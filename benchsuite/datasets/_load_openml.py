"""Load OpenML sources (``openml:<data id>``, ``openml:task:<task id>``): a feature
DataFrame, and a task's official folds."""

from __future__ import annotations

from typing import Any

from benchsuite.datasets._assemble import frame_target, make_dataset, subsample_rows
from benchsuite.datasets._dataset import Dataset
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

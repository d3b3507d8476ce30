"""From loaded features and target values to a :class:`Dataset`: target codes, classes,
subsampling, fingerprint. Shared by the per-kind loaders (``_load_*.py``)."""

from __future__ import annotations

from typing import Any

from benchsuite.datasets._dataset import (
    Dataset,
    encode_labels,
    fingerprint,
    infer_task,
    subsample_indices,
)
from benchsuite.datasets._sources import DatasetSource
from benchsuite.errors import DataError


def _check_binary(classes: list[Any], task: str, what: str) -> None:
    if task == "binary" and len(classes) > 2:
        raise DataError(f"task is 'binary' but the target of {what} has {len(classes)} classes")


def encode_target(values: Any, task: str, what: str) -> tuple[Any, list[Any] | None]:
    """``(y, classes)``: int64 codes and sorted labels, or float64 and None (regression).

    Raises
    ------
    DataError
        Naming ``what`` when a regression target is not numeric, or a binary one has more
        than two classes.
    """
    import numpy as np

    if task == "regression":
        try:
            return np.asarray(values, dtype=np.float64), None
        except (TypeError, ValueError):
            raise DataError(
                f"the target of {what} is not numeric, so it cannot be used for regression"
            ) from None
    y, classes = encode_labels(values)
    _check_binary(classes, task, what)
    return y, classes


def frame_target(values: Any, task: str, what: str) -> tuple[Any, list[Any] | None]:
    """Codes and classes of a pandas target column (``category`` keeps its own order)."""
    import numpy as np
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype) and task != "regression":
        # the codes of the sorted categories are the classes' codes: no string sort
        values = values.cat.remove_unused_categories()
        y = values.cat.codes.to_numpy().astype(np.int64)
        classes: list[Any] = [str(c) for c in values.cat.categories]
        _check_binary(classes, task, what)
        return y, classes
    return encode_target(values.to_numpy(), task, what)


def kept_classes(y: Any, classes: list[Any] | None) -> tuple[Any, list[Any] | None]:
    """Codes and classes of a subsample, renumbered ``0..k-1``.

    A subsample may miss a rare class; the codes stay contiguous (XGBoost needs it).
    """
    import numpy as np

    if classes is None:
        return y, None
    present, codes = np.unique(y, return_inverse=True)
    return codes.ravel().astype(np.int64), [classes[code] for code in present]


def subsample_rows(
    X: Any, y: Any, classes: list[Any] | None, n: int, seed: int
) -> tuple[Any, Any, list[Any] | None]:
    """``n`` rows of ``(X, y)``, stratified for classification, with renumbered classes."""
    rows = subsample_indices(y, n, classification=classes is not None, seed=seed)
    X = X.iloc[rows].reset_index(drop=True) if hasattr(X, "iloc") else X[rows]
    y, classes = kept_classes(y[rows], classes)
    return X, y, classes


def make_dataset(
    source: DatasetSource,
    task: str,
    X: Any,
    y: Any,
    classes: list[Any] | None,
    *,
    feature_names: list[str] | None = None,
    digest: str | None = None,
    sample_shape: tuple[int, ...] | None = None,
    official_split: tuple[Any, Any] | None = None,
    folds: tuple[tuple[Any, Any], ...] | None = None,
) -> Dataset:
    """The Dataset of a source's features and encoded target.

    ``feature_names`` default to the columns of a DataFrame ``X``; the fingerprint
    (``digest``) to :func:`~benchsuite.datasets._dataset.fingerprint` of ``X`` and ``y``.
    """
    return Dataset(
        name=source.name,
        source=source.name,
        task=task,
        X=X,
        y=y,
        feature_names=(feature_names if feature_names is not None else [str(c) for c in X.columns]),
        classes=classes,
        fingerprint=digest if digest is not None else fingerprint(X, y),
        sample_shape=sample_shape,
        official_split=official_split,
        folds=folds,
    )


def array_dataset(
    source: DatasetSource,
    X: Any,
    target_values: Any,
    feature_names: list[str],
    *,
    task: str | None,
    what: str,
    subsample: int | None,
    seed: int,
    sample_shape: tuple[int, ...] | None = None,
) -> Dataset:
    """The Dataset of features and raw target values (task None: inferred from them)."""
    task = task or infer_task(target_values)
    y, classes = encode_target(target_values, task, what)
    if subsample is not None and subsample < len(y):
        X, y, classes = subsample_rows(X, y, classes, subsample, seed)
    return make_dataset(
        source, task, X, y, classes, feature_names=feature_names, sample_shape=sample_shape
    )

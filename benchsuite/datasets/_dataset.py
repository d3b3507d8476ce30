"""The loaded :class:`Dataset` and the pure functions that shape it.

numpy and pandas are imported inside the functions: this module is imported by
``benchsuite.datasets``, which must stay light.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# an integer target with at most this many distinct values is taken as class labels
MAX_INTEGER_CLASSES = 20


@dataclass(frozen=True, eq=False)
class Dataset:
    """A dataset in memory, ready for cross-validation.

    Datasets returned by :func:`load_dataset` are cached and shared: do not modify
    ``X`` or ``y`` in place.

    Attributes
    ----------
    name : str
        The suite entry's name.
    source : str
        The registry key it was loaded from.
    task : {"binary", "multiclass", "regression"}
        The learning task.
    X : numpy.ndarray or pandas.DataFrame
        Features: a float ndarray for builtin and synthetic sources, the feature columns
        as read for file sources. Always 2-D, one sample per row: images and sequences
        are flattened (see ``sample_shape``); images are float32 scaled to [0, 1].
    y : numpy.ndarray
        Target: int64 codes ``0..k-1`` for classification, float64 for regression.
    feature_names : list of str
        One name per column of ``X``.
    classes : list or None
        Original class labels (plain Python values), ``classes[code]`` for each code in
        ``y``; None for regression.
    fingerprint : str
        First 16 hex characters of a SHA-256 over ``X`` and ``y`` (for image sources,
        over the uint8 pixels that ``X`` is scaled from: the same information in a
        quarter of the bytes); equal data, equal fingerprint, across runs and machines.
    sample_shape : tuple of int or None, default=None
        Shape of one sample before flattening, when it has one: ``(C, H, W)`` for images
        (channel first, as torchvision), ``(steps, features)`` for sequences.
        ``X[i].reshape(sample_shape)`` is sample ``i``; None for tabular data.
    official_split : tuple of numpy.ndarray or None, default=None
        ``(train_idx, test_idx)``: row indices of the dataset's published train and test
        parts when both were loaded (train rows come first); None otherwise.
    folds : tuple of (train_idx, test_idx) or None, default=None
        The official folds of an OpenML task (``evaluation: {split: openml}``), one per
        (repeat, fold), in ``repeat * n_folds + fold`` order; None for other sources.
    """

    name: str
    source: str
    task: str
    X: np.ndarray | pd.DataFrame
    y: np.ndarray
    feature_names: list[str]
    classes: list[Any] | None
    fingerprint: str
    sample_shape: tuple[int, ...] | None = None
    official_split: tuple[np.ndarray, np.ndarray] | None = None
    folds: tuple[tuple[np.ndarray, np.ndarray], ...] | None = None

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of feature columns."""
        return int(self.X.shape[1])

    def __repr__(self) -> str:
        # the default repr would print the whole of X and y
        shape = "" if self.sample_shape is None else f"sample_shape={self.sample_shape}, "
        return (
            f"Dataset(name={self.name!r}, source={self.source!r}, task={self.task!r}, "
            f"n_samples={self.n_samples}, n_features={self.n_features}, {shape}"
            f"fingerprint={self.fingerprint!r})"
        )


def fingerprint(X: np.ndarray | pd.DataFrame, y: np.ndarray) -> str:
    """Return the first 16 hex characters of a SHA-256 over ``X`` and ``y``.

    Parameters
    ----------
    X : numpy.ndarray or pandas.DataFrame
        Features; a DataFrame is hashed row by row with ``pd.util.hash_pandas_object``
        (fixed hash key, so the result is stable across runs).
    y : numpy.ndarray
        Target.

    Returns
    -------
    str
        16 lowercase hex characters.
    """
    import numpy as np

    digest = hashlib.sha256()
    digest.update(repr(tuple(X.shape)).encode())
    if isinstance(X, np.ndarray):
        hash_array(digest, X)
    else:
        import pandas as pd

        hash_array(digest, pd.util.hash_pandas_object(X, index=False).to_numpy())
    hash_array(digest, y)
    return digest.hexdigest()[:16]


def hash_array(digest: Any, array: np.ndarray) -> None:
    """Feed the bytes of ``array`` (C order) to ``digest`` without copying them."""
    import numpy as np

    array = np.ascontiguousarray(array)
    try:
        digest.update(array.data.cast("B"))  # ndarray.data: memoryview(array)
    except (TypeError, ValueError):  # dtypes without a buffer format
        digest.update(array.tobytes())


def _is_whole(values: pd.Series) -> bool:
    import numpy as np

    array = values.to_numpy(dtype=np.float64)
    return bool(np.all(np.isfinite(array)) and np.all(array == np.round(array)))


def infer_task(target: pd.Series) -> str:
    """Guess the task from a target column.

    Labels (bool, string, object, category) are classification; integers with at most
    20 distinct values too; any other number is regression. Missing values are ignored.

    Parameters
    ----------
    target : pandas.Series
        The target column.

    Returns
    -------
    {"binary", "multiclass", "regression"}
    """
    from pandas.api import types

    values = target.dropna()
    dtype = values.dtype
    n_unique = values.nunique()
    classification = "binary" if n_unique <= 2 else "multiclass"
    if (
        types.is_bool_dtype(dtype)
        or types.is_object_dtype(dtype)
        or types.is_string_dtype(dtype)
        or isinstance(dtype, types.CategoricalDtype)
    ):
        return classification
    # pandas reads an integer column with gaps as float: whole floats count as integers
    integer = types.is_integer_dtype(dtype) or (types.is_float_dtype(dtype) and _is_whole(values))
    if integer and n_unique <= MAX_INTEGER_CLASSES:
        return classification
    return "regression"


def encode_labels(target: Any) -> tuple[np.ndarray, list[Any]]:
    """Encode class labels as int64 codes ``0..k-1``.

    Parameters
    ----------
    target : array-like or pandas.Series
        Labels, without missing values.

    Returns
    -------
    y : numpy.ndarray of int64
        Codes, ``classes[y[i]]`` is the label of row ``i``.
    classes : list
        Sorted distinct labels as plain Python values (whole floats become ints).
    """
    import numpy as np

    values = np.asarray(target)
    if values.dtype == object:
        try:
            classes, codes = np.unique(values, return_inverse=True)
        except TypeError:
            # mixed label types (e.g. 1 and "a") cannot be sorted: compare them as text
            classes, codes = np.unique(values.astype(str), return_inverse=True)
    else:
        classes, codes = np.unique(values, return_inverse=True)
    labels = classes.tolist()
    if classes.dtype.kind == "f" and all(float(c).is_integer() for c in labels):
        labels = [int(c) for c in labels]
    return codes.ravel().astype(np.int64), labels


def subsample_indices(y: np.ndarray, n: int, *, classification: bool, seed: int) -> np.ndarray:
    """Choose at most ``n`` rows, seeded; stratified by class for classification.

    Classification gives the train part of
    ``train_test_split(..., train_size=n, stratify=y, random_state=seed)``, so the rows
    (and their order) are exactly sklearn's. When stratifying is impossible (a class with
    one member, or fewer rows than classes on either side) the rows are drawn at random
    as for regression: a seeded subset kept in the original order.

    Parameters
    ----------
    y : numpy.ndarray
        Target (class codes for classification).
    n : int
        Number of rows to keep.
    classification : bool
        Whether to stratify on ``y``.
    seed : int
        Random seed.

    Returns
    -------
    numpy.ndarray of int
        Row indices; all rows in order when ``n >= len(y)``.
    """
    import numpy as np

    n_samples = len(y)
    if n >= n_samples:
        return np.arange(n_samples)
    if classification:
        counts = np.bincount(y)
        counts = counts[counts > 0]
        n_classes = len(counts)
        if counts.min() >= 2 and n >= n_classes and n_samples - n >= n_classes:
            from sklearn.model_selection import train_test_split

            train, _ = train_test_split(
                np.arange(n_samples), train_size=n, stratify=y, random_state=seed
            )
            return train
    rng = np.random.default_rng(seed)
    return np.sort(rng.permutation(n_samples)[:n])

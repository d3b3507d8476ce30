"""Load builtin and synthetic sources: scikit-learn's bundled datasets and generators
(``make_*``, and benchsuite's sequence generator)."""

from __future__ import annotations

from typing import Any

from benchsuite.datasets._assemble import array_dataset
from benchsuite.datasets._dataset import Dataset
from benchsuite.datasets._files import one_line
from benchsuite.datasets._sources import DatasetSource
from benchsuite.errors import DataError


def load_builtin(
    source: DatasetSource, task: str | None, subsample: int | None, seed: int
) -> Dataset:
    """Load a bundled dataset (``load_iris``, ...) as float64 rows."""
    import numpy as np

    bunch = source.resolve_loader()()
    return array_dataset(
        source,
        np.asarray(bunch.data, dtype=np.float64),
        bunch.target,
        [str(name) for name in bunch.feature_names],
        task=task or source.task,
        what=f"dataset {source.name!r}",
        subsample=subsample,
        seed=seed,
        sample_shape=source.sample_shape,  # digits' rows are 8x8 images
    )


def load_synthetic(
    source: DatasetSource,
    params: dict[str, Any],
    task: str | None,
    subsample: int | None,
    seed: int,
) -> Dataset:
    """Generate a dataset; the suite's seed is its ``random_state`` unless params set one."""
    import numpy as np

    kwargs = {"random_state": seed, **params}
    try:
        X, target_values = source.resolve_loader()(**kwargs)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{source.name} failed with params {params}: {one_line(exc)}") from exc
    X = np.asarray(X)
    sample_shape: tuple[int, ...] | None = None
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
    return array_dataset(
        source,
        X,
        target_values,
        feature_names,
        task=task or source.declared_task(params),
        what=f"dataset {source.name!r}",
        subsample=subsample,
        seed=seed,
        sample_shape=sample_shape,
    )

"""Official parts (train, test) of a download source: which to load, how to subsample
them, and the official split of data holding both."""

from __future__ import annotations

from typing import Any

from benchsuite.datasets._dataset import subsample_indices
from benchsuite.datasets._sources import DatasetSource


def parts_to_load(source: DatasetSource, part: str | None) -> tuple[str, ...]:
    """The official parts to load: all of them unless one is chosen."""
    return source.parts if part in (None, "all") else (part,)


def _split_counts(n: int, sizes: list[int]) -> list[int]:
    """Share ``n`` rows among parts in proportion to their sizes, at least one each."""
    total = sum(sizes)
    counts = [max(1, min(size, round(n * size / total))) for size in sizes]
    # rounding may overshoot or fall short by a row or two: settle it on the largest part
    largest = sizes.index(max(sizes))
    counts[largest] = max(1, min(sizes[largest], counts[largest] + n - sum(counts)))
    return counts


def subsample_parts(labels: list[Any], n: int, *, classification: bool, seed: int) -> list[Any]:
    """Row indices to keep within each official part: ``n`` in all, shared in proportion.

    Subsampling within each part keeps train rows train rows and test rows test rows.
    """
    counts = _split_counts(n, [len(part) for part in labels])
    return [
        subsample_indices(part, k, classification=classification, seed=seed)
        for part, k in zip(labels, counts, strict=True)
    ]


def official_split(sizes: list[int]) -> tuple[Any, Any] | None:
    """(train rows, test rows) of data holding both official parts, train first."""
    import numpy as np

    if len(sizes) != 2:
        return None
    return np.arange(sizes[0]), np.arange(sizes[0], sizes[0] + sizes[1])

"""Load image download sources (MNIST family as IDX files, CIFAR-10): flattened float32
pixels in [0, 1], one image per row, train then test."""

from __future__ import annotations

from benchsuite.datasets._assemble import encode_target, make_dataset
from benchsuite.datasets._dataset import Dataset
from benchsuite.datasets._parts import official_split, parts_to_load, subsample_parts
from benchsuite.datasets._sources import DatasetSource


def load_images(
    source: DatasetSource, part: str | None, task: str | None, subsample: int | None, seed: int
) -> Dataset:
    """Load the official parts ``part`` selects (all: train then test, ``official_split``)."""
    import hashlib
    import math

    import numpy as np

    from benchsuite.datasets._dataset import hash_array
    from benchsuite.datasets._images import load_parts

    assert source.remote is not None
    loaded = load_parts(source, parts_to_load(source, part))
    sizes = [len(labels) for _, labels in loaded]
    task = task or source.task or "multiclass"
    if subsample is not None and subsample < sum(sizes):
        kept = subsample_parts(
            [labels for _, labels in loaded],
            subsample,
            classification=task != "regression",
            seed=seed,
        )
        loaded = [
            (pixels[rows], labels[rows])
            for (pixels, labels), rows in zip(loaded, kept, strict=True)
        ]
        sizes = [len(labels) for _, labels in loaded]
    width = math.prod(source.remote.sample_shape)
    X = np.empty((sum(sizes), width), dtype=np.float32)
    digest = hashlib.sha256()
    digest.update(repr(tuple(X.shape)).encode() + b"uint8/255")
    start = 0
    for (pixels, _), size in zip(loaded, sizes, strict=True):
        # straight into X: no float32 temporary per part (the cheapest conversion measured)
        np.divide(pixels, np.float32(255), out=X[start : start + size])
        hash_array(digest, pixels)
        start += size
    labels = np.concatenate([labels for _, labels in loaded])
    y, classes = encode_target(labels, task, f"dataset {source.name!r}")
    hash_array(digest, y)
    return make_dataset(
        source,
        task,
        X,
        y,
        classes,
        feature_names=[f"px{i}" for i in range(width)],
        digest=digest.hexdigest()[:16],
        sample_shape=source.remote.sample_shape,
        official_split=official_split(sizes),
    )

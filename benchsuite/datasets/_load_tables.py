"""Load UCI table download sources (adult, bank_marketing, ...): a feature DataFrame with
text columns as ``category``, train then test where the source has official parts."""

from __future__ import annotations

from typing import Any

from benchsuite.datasets._assemble import frame_target, kept_classes, make_dataset
from benchsuite.datasets._dataset import Dataset, infer_task
from benchsuite.datasets._parts import official_split, parts_to_load, subsample_parts
from benchsuite.datasets._sources import DatasetSource


def load_uci_tables(
    source: DatasetSource,
    params: dict[str, Any],
    part: str | None,
    task: str | None,
    subsample: int | None,
    seed: int,
) -> Dataset:
    """Load the tables of the parts ``part`` selects, of ``params["variant"]`` if any."""
    import numpy as np
    import pandas as pd

    from benchsuite.datasets._tables import load_tables

    assert source.remote is not None
    frames = load_tables(source, parts_to_load(source, part), variant=params.get("variant"))
    target = next(f.table.target for f in source.remote.files if f.table is not None)
    sizes = [len(frame) for frame in frames]
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    task = task or source.task or infer_task(frame[target])
    y, classes = frame_target(frame[target], task, f"dataset {source.name!r}")
    X = frame.drop(columns=[target])
    if subsample is not None and subsample < len(y):
        offsets = np.cumsum([0, *sizes[:-1]])
        kept = subsample_parts(
            [y[o : o + size] for o, size in zip(offsets, sizes, strict=True)],
            subsample,
            classification=classes is not None,
            seed=seed,
        )
        rows = np.concatenate([r + o for r, o in zip(kept, offsets, strict=True)])
        sizes = [len(r) for r in kept]
        X = X.iloc[rows].reset_index(drop=True)
        y, classes = kept_classes(y[rows], classes)
    return make_dataset(source, task, X, y, classes, official_split=official_split(sizes))

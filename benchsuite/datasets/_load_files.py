"""Load file sources: a local CSV or Parquet table with a named target column."""

from __future__ import annotations

from pathlib import Path

from benchsuite.datasets._assemble import array_dataset
from benchsuite.datasets._dataset import Dataset
from benchsuite.datasets._files import read_options
from benchsuite.datasets._sources import DatasetSource
from benchsuite.errors import DataError


def load_file(
    source: DatasetSource,
    path: Path,
    target: str,
    task: str | None,
    subsample: int | None,
    seed: int,
    encoding: str | None = None,
) -> Dataset:
    """Load a table file; ``X`` is the DataFrame of every column but ``target``."""
    frame = source.resolve_loader()(path, **read_options(encoding))
    if target not in frame.columns:
        raise DataError(f"no column {target!r} in dataset file {path}")
    # rows without a target cannot be scored; `benchsuite run` says how many it drops
    # (rows_without_target) and stores the count in run.json
    frame = frame[frame[target].notna()]
    if frame.empty:
        raise DataError(f"dataset file {path} has no rows with a value for {target!r}")
    X = frame.drop(columns=[target]).reset_index(drop=True)
    return array_dataset(
        source,
        X,
        frame[target],
        [str(column) for column in X.columns],
        task=task,
        what=f"dataset file {path}",
        subsample=subsample,
        seed=seed,
    )

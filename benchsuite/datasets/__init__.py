"""Dataset registry and loaders.

A suite's dataset entry names a *source* from :data:`DATASET_SOURCES` (sklearn's bundled
datasets, downloadable image datasets (MNIST, Fashion-MNIST, CIFAR-10), generators,
local CSV/Parquet files). :func:`check_dataset_entry` validates an entry without loading
data, :func:`dataset_task` tells its task cheaply (and :func:`rows_without_target` how many
rows of a file lack a target), and :func:`load_dataset` loads it into a :class:`Dataset`.
:func:`data_status` and :func:`fetch_dataset` report and download the
raw files of the downloadable datasets (``benchsuite data list|fetch``).

Importing this package imports neither numpy, pandas nor scikit-learn; they are imported
when a dataset is checked or loaded.
"""

from __future__ import annotations

from benchsuite.datasets._checks import check_dataset_entry
from benchsuite.datasets._dataset import Dataset
from benchsuite.datasets._download import data_status, fetch_dataset
from benchsuite.datasets._loading import clear_cache, load_dataset
from benchsuite.datasets._sources import (
    CLASSIFICATION_TASKS,
    DATASET_SOURCES,
    TASKS,
    DatasetSource,
    list_sources,
)
from benchsuite.datasets._tasks import dataset_task, rows_without_target

__all__ = [
    "CLASSIFICATION_TASKS",
    "DATASET_SOURCES",
    "TASKS",
    "Dataset",
    "DatasetSource",
    "check_dataset_entry",
    "clear_cache",
    "data_status",
    "dataset_task",
    "fetch_dataset",
    "list_sources",
    "load_dataset",
    "rows_without_target",
]

"""The registry of dataset sources.

Loaders are import strings (``"package.module:function"``), resolved only when a dataset
is checked or loaded, so that this registry, and with it ``benchsuite list``, imports
neither scikit-learn nor pandas.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from benchsuite._suggest import did_you_mean
from benchsuite.datasets._remote import (
    ADULT,
    BANK_MARKETING,
    BANKNOTE,
    CIFAR10,
    COVERTYPE,
    FASHION_MNIST,
    LETTER,
    MNIST,
    SPAMBASE,
    RemoteSpec,
)
from benchsuite.errors import ConfigError

# the tasks a dataset can have: the one definition, imported by estimators and plan
# (metrics, and the suite schema's Literal, spell the same names)
CLASSIFICATION_TASKS = ("binary", "multiclass")
TASKS = (*CLASSIFICATION_TASKS, "regression")

SourceKind = Literal["builtin", "download", "synthetic", "file", "openml"]


@dataclass(frozen=True)
class DatasetSource:
    """One kind of dataset a suite can name in ``source:``.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"iris"`` or ``"csv"``.
    description : str
        One line shown by ``benchsuite list datasets``.
    kind : {"builtin", "download", "synthetic", "file", "openml"}
        ``builtin``: bundled data, takes no parameters; ``download``: published raw files,
        found in the data directory or downloaded, takes no parameters (but ``variant``
        where its remote spec has variants) and may select an official ``part``;
        ``synthetic``: generated, takes the generator's keyword
        arguments as ``params``; ``file``: a local file, needs ``path`` and ``target``;
        ``openml``: an OpenML dataset or task, ``params: {data_id: N}`` or
        ``{task_id: N}`` (see :mod:`benchsuite.datasets._openml`).
    task : {"binary", "multiclass", "regression"} or None
        The task when it is known from the source alone; None when it depends on the
        parameters or on the data.
    loader : str
        Import string ``"module:function"`` of the function that produces the data:
        an sklearn ``load_*`` function (builtin); a reader
        ``(name, files, part) -> (pixels, labels)`` of one official part's raw files
        (download images), or ``(name, path, table) -> DataFrame`` of one raw table file
        (download tables, see :mod:`benchsuite.datasets._tables`); a generator
        ``(**params) -> (X, y)`` such as sklearn's ``make_*`` (synthetic), whose 3-D
        ``X`` means one ``(steps, features)`` sequence per sample; or
        a reader ``(path, *, columns=None, header_only=False) -> DataFrame`` (file).
    remote : RemoteSpec or None, default=None
        Files, checksums, mirrors and official parts of a download source.
    sample_shape : tuple of int or None, default=None
        Shape of one sample of a builtin image dataset, channel first (digits:
        ``(1, 8, 8)``); download sources declare theirs in ``remote``. None: tabular.
    shape_params : tuple of str, default=()
        For a generator of 3-D data (sequences): the parameters whose values (or the
        generator's defaults) make the per-sample shape, ``("n_steps", "n_features")``.
    """

    name: str
    description: str
    kind: SourceKind
    task: str | None
    loader: str
    remote: RemoteSpec | None = None
    sample_shape: tuple[int, ...] | None = None
    shape_params: tuple[str, ...] = ()

    def declared_sample_shape(self, params: dict[str, Any]) -> tuple[int, ...] | None:
        """The per-sample shape this source's data has, known without loading it.

        Parameters
        ----------
        params : dict
            The entry's ``params`` (a generator's shape may depend on them).

        Returns
        -------
        tuple of int or None
            ``(C, H, W)`` for images, ``(steps, features)`` for sequences; None for tables
            and for sources whose shape is only known from their data (files, OpenML).
        """
        if self.remote is not None:
            return self.remote.sample_shape or None
        if self.shape_params:
            import inspect

            # the generator's own defaults: its module imports nothing heavy at import time
            signature = inspect.signature(self.resolve_loader())
            shape = []
            for name in self.shape_params:
                value = params.get(name, signature.parameters[name].default)
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    return None  # the generator rejects it when the dataset loads
                shape.append(value)
            return tuple(shape)
        return self.sample_shape

    def declared_task(self, params: dict[str, Any]) -> str | None:
        """The task this source's data has, known without loading it.

        Parameters
        ----------
        params : dict
            The entry's ``params`` (a generator's class count is one).

        Returns
        -------
        {"binary", "multiclass", "regression"} or None
            The source's own task, or for a generator the one its parameters make; None
            for sources whose task is only known from their data (files, OpenML).
        """
        if self.task is not None:
            return self.task
        if self.kind == "synthetic":
            # make_classification: the class count is a parameter, sklearn's default is 2
            return "binary" if params.get("n_classes", 2) == 2 else "multiclass"
        return None

    @property
    def parts(self) -> tuple[str, ...]:
        """The official parts (``("train", "test")``), empty for sources without them."""
        return self.remote.parts if self.remote is not None else ()

    def resolve_loader(self) -> Callable[..., Any]:
        """Import and return the loader function."""
        module_name, _, attr = self.loader.partition(":")
        return getattr(importlib.import_module(module_name), attr)


def _uci(name: str, description: str, task: str, remote: RemoteSpec) -> DatasetSource:
    return DatasetSource(
        name, description, "download", task, "benchsuite.datasets._tables:read_table", remote
    )


def _builtin(
    name: str, description: str, task: str, sample_shape: tuple[int, ...] | None = None
) -> DatasetSource:
    return DatasetSource(
        name, description, "builtin", task, f"sklearn.datasets:load_{name}", None, sample_shape
    )


DATASET_SOURCES: dict[str, DatasetSource] = {
    source.name: source
    for source in [
        _builtin("iris", "Iris flowers: 150 samples, 4 features, 3 classes", "multiclass"),
        _builtin("wine", "Wine cultivars: 178 samples, 13 features, 3 classes", "multiclass"),
        _builtin(
            "breast_cancer",
            "Wisconsin breast cancer: 569 samples, 30 features, 2 classes",
            "binary",
        ),
        _builtin(
            "digits",
            "8x8 handwritten digits: 1797 samples, 64 features (1x8x8 images), 10 classes",
            "multiclass",
            # its rows are 8x8 images (sklearn's ``images``): image models may run on it
            sample_shape=(1, 8, 8),
        ),
        _builtin("diabetes", "Diabetes progression: 442 samples, 10 features", "regression"),
        DatasetSource(
            "mnist",
            "Handwritten digits: 60000 train + 10000 test images, 1x28x28, 10 classes",
            "download",
            "multiclass",
            "benchsuite.datasets._images:read_idx_part",
            MNIST,
        ),
        DatasetSource(
            "fashion_mnist",
            "Zalando clothing: 60000 train + 10000 test images, 1x28x28, 10 classes",
            "download",
            "multiclass",
            "benchsuite.datasets._images:read_idx_part",
            FASHION_MNIST,
        ),
        DatasetSource(
            "cifar10",
            "CIFAR-10 photos: 50000 train + 10000 test images, 3x32x32, 10 classes",
            "download",
            "multiclass",
            "benchsuite.datasets._images:read_cifar10_part",
            CIFAR10,
        ),
        _uci(
            "adult",
            "UCI Adult census income: 32561 train + 16281 test rows, 14 features "
            "(8 categorical, missing values), 2 classes",
            "binary",
            ADULT,
        ),
        _uci(
            "bank_marketing",
            "UCI Bank Marketing: 45211 rows x 16 features (variant: full) or 41188 x 20 "
            "(variant: additional), categorical, 2 classes",
            "binary",
            BANK_MARKETING,
        ),
        _uci(
            "banknote",
            "UCI Banknote authentication: 1372 rows, 4 features, 2 classes",
            "binary",
            BANKNOTE,
        ),
        _uci("spambase", "UCI Spambase: 4601 rows, 57 features, 2 classes", "binary", SPAMBASE),
        _uci(
            "letter",
            "UCI Letter recognition: 20000 rows, 16 features, 26 classes",
            "multiclass",
            LETTER,
        ),
        _uci(
            "covertype",
            "UCI Forest covertype: 581012 rows, 54 features, 7 classes",
            "multiclass",
            COVERTYPE,
        ),
        DatasetSource(
            "make_classification",
            "Synthetic classification (sklearn.datasets.make_classification); "
            "binary unless params set n_classes > 2",
            "synthetic",
            None,
            "sklearn.datasets:make_classification",
        ),
        DatasetSource(
            "make_regression",
            "Synthetic regression (sklearn.datasets.make_regression)",
            "synthetic",
            "regression",
            "sklearn.datasets:make_regression",
        ),
        DatasetSource(
            "synthetic_sequences",
            "Synthetic sequence classification (steps x features; each class oscillates at "
            "its own frequency in a few features, plus noise); binary unless n_classes > 2",
            "synthetic",
            None,
            "benchsuite.datasets._sequences:make_sequences",
            shape_params=("n_steps", "n_features"),
        ),
        DatasetSource(
            "openml",
            "OpenML dataset (openml:<data id>, or params data_id) or task with its "
            "official folds (openml:task:<task id>, or params task_id; split: openml)",
            "openml",
            None,
            "benchsuite.datasets._load_openml:load_openml",
        ),
        DatasetSource(
            "csv",
            "Local CSV file: needs path and target",
            "file",
            None,
            "benchsuite.datasets._files:read_csv",
        ),
        DatasetSource(
            "parquet",
            "Local Parquet file (needs pyarrow): needs path and target",
            "file",
            None,
            "benchsuite.datasets._files:read_parquet",
        ),
    ]
}


def list_sources() -> list[DatasetSource]:
    """Return every registered dataset source, in registry order.

    Returns
    -------
    list of DatasetSource
        Builtin sources first, then downloaded, synthetic and file sources.
    """
    return list(DATASET_SOURCES.values())


def get_source(name: str) -> DatasetSource:
    """Return the source called ``name`` or raise ConfigError at ``("source",)``."""
    try:
        return DATASET_SOURCES[name]
    except KeyError:
        hint = did_you_mean(name, DATASET_SOURCES)
        raise ConfigError(f"unknown dataset {name!r}{hint}", ("source",)) from None

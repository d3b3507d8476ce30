"""Why a model cannot run here: a device this machine lacks, or samples it cannot take.

:func:`~benchsuite.plan.build_plan` asks these for every pair (and grid point), so that an
impossible case is planned as ``skipped`` with its reason before any data is loaded.
"""

from __future__ import annotations

import functools
from typing import Any

from benchsuite.suite import DatasetEntry


def device_skip_reason(model: str, device: str | None) -> str | None:
    """Why ``model`` cannot run on ``device`` here, or None."""
    from benchsuite.estimators import accepts_param

    if device in (None, "auto", "cpu"):
        return None  # auto falls back to the CPU; every model runs there
    if not accepts_param(model, "device"):
        return f"{model} has no device setting and runs on the CPU only (device: {device})"
    if device.startswith("cuda") and not cuda_available():
        return f"device '{device}' requested but CUDA is not available on this machine"
    index = device.partition(":")[2]
    if device.startswith("cuda:") and index.isdigit() and int(index) >= cuda_device_count():
        from benchsuite._gpus import past_the_gpus

        return past_the_gpus(
            device, cuda_device_count(), "counted by torch; CUDA_VISIBLE_DEVICES applies"
        )
    if device == "mps" and not mps_available():
        return "device 'mps' requested but Apple MPS is not available on this machine"
    return None


def shape_skip_reason(
    model: str, params: dict[str, Any], dataset: str, sample_shape: tuple[int, ...] | None
) -> str | None:
    """Why ``model`` cannot take the samples of ``dataset``, or None.

    Image models (``torch.cnn``, ``torch.keras_cnn``, ``torch.lenet``) need images, and
    sequence models (``torch.lstm``, ``torch.gru``, ``torch.transformer``) sequences or
    images: a dataset that declares no sample shape (a table) is no input for them, though
    its feature count may happen to be a square (iris: 4 "pixels"). An image smaller than
    the network's layers can take is skipped too, as the network would fail on every fold.

    Parameters
    ----------
    model : str
        Alias or import string.
    params : dict
        The case's params: an explicit ``input_shape`` wins over the dataset's shape, and
        ``padding`` sets how small an image may be.
    dataset : str
        The dataset's name, for the reason.
    sample_shape : tuple of int or None
        The dataset's declared per-sample shape (None: a table).

    Returns
    -------
    str or None
    """
    from benchsuite.estimators._registry import alias_of

    alias = alias_of(model)
    if alias is None or alias.input_kind == "flat":
        return None
    given = params.get("input_shape")
    if given is not None:
        shape, where = _shape_or_none(given), "params.input_shape"
        if shape is None:
            return None  # not a shape at all: the estimator's own error says what is wrong
    elif sample_shape is None:
        if alias.input_kind == "image":
            return (
                f"{model} needs images; dataset '{dataset}' declares no image shape (a "
                "table); to run it anyway, set params.input_shape (channels, height, "
                "width), e.g. [1, 28, 28]"
            )
        return (
            f"{model} needs sequences or images; dataset '{dataset}' declares no sample "
            "shape (a table); to run it anyway, set params.input_shape (steps, features), "
            "e.g. [100, 10]"
        )
    else:
        shape, where = tuple(sample_shape), f"dataset '{dataset}'"
    if alias.input_kind != "image" or len(shape) not in (2, 3):
        return None
    height, width = shape[-2:]
    need = alias.min_side(params)
    if min(height, width) >= need:
        return None
    hint = ""
    if "same" in alias.min_image_side and params.get("padding", "valid") != "same":
        side = alias.min_image_side["same"]
        hint = f" (padding: same takes images down to {side}x{side})"
    return f"{model} needs images of at least {need}x{need}; {where} gives {height}x{width}{hint}"


def inference_skip_reason(model: str, task: str, params: dict[str, Any], method: str) -> str | None:
    """Why ``model`` cannot have its ``method`` timed for inference, or None.

    Only ``predict_proba`` can be missing, and only what is known without importing a
    heavy library is answered: a regression task has no class probabilities; a
    scikit-learn classifier may lack the method (``LinearSVC``, ``RidgeClassifier``) or
    have it only with some params (``SVC`` with ``probability=True``, ``SGDClassifier``
    with a probabilistic loss), which its unfitted instance tells. XGBoost, LightGBM and
    torch classifiers have it. A model that turns out to lack it at run time is the job's
    to record.

    Parameters
    ----------
    model : str
        Alias or import string (of a case that is not skipped).
    task : {"binary", "multiclass", "regression"}
    params : dict
        The case's params (grid point applied).
    method : {"predict", "predict_proba"}

    Returns
    -------
    str or None
        E.g. ``"LinearSVC has no predict_proba"``.
    """
    if method != "predict_proba":
        return None
    if task == "regression":
        return "predict_proba asked of a regression task (regressors give no probabilities)"
    from benchsuite.errors import ConfigError
    from benchsuite.estimators import estimator_class_path
    from benchsuite.estimators._introspect import import_class
    from benchsuite.estimators._registry import PREPROCESS_PARAM, alias_of

    alias = alias_of(model)
    if alias is not None and alias.known_params is not None:
        return None  # xgboost, lightgbm, torch: never imported here, and all have it
    try:
        path = estimator_class_path(model, task)
        cls = import_class(path)  # already imported when the suite was validated
    except ConfigError:
        return None  # validation or the job says what is wrong
    name = path.rpartition(":")[2]
    if not hasattr(cls, "predict_proba"):
        return f"{name} has no predict_proba"
    if not path.startswith("sklearn."):
        return None
    # scikit-learn makes the method exist only for some params (available_if), which an
    # unfitted instance already answers; building one costs nothing (no validation)
    kwargs = {k: v for k, v in params.items() if k != PREPROCESS_PARAM}
    if alias is not None:
        kwargs = {**alias.defaults, **kwargs}
    try:
        instance = cls(**kwargs)
    except Exception:  # a param the class does not take: the job reports it
        return None
    try:
        available = hasattr(instance, "predict_proba")
    except Exception:
        return None
    if available:
        return None
    if "probability" in kwargs or name in ("SVC", "NuSVC"):
        return f"{name} has predict_proba only with probability=True"
    return f"{name} has no predict_proba with these params"


def _shape_or_none(value: Any) -> tuple[int, ...] | None:
    if not isinstance(value, (list, tuple)) or not value:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        return None
    return tuple(value)


def declared_sample_shape(ds: DatasetEntry) -> tuple[int, ...] | None:
    """The per-sample shape of a dataset entry, from its source alone (no data read)."""
    from benchsuite.datasets import DATASET_SOURCES

    source = DATASET_SOURCES.get(ds.source)
    return None if source is None else source.declared_sample_shape(ds.params)


@functools.lru_cache(maxsize=1)
def cuda_available() -> bool:
    """True if torch sees a CUDA GPU; imports torch only when a driver is installed."""
    import shutil

    if shutil.which("nvidia-smi") is None:
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


@functools.lru_cache(maxsize=1)
def cuda_device_count() -> int:
    """The GPUs torch can use here (``cuda:0`` .. ``cuda:N-1``); 0 without CUDA."""
    if not cuda_available():
        return 0
    import torch

    return int(torch.cuda.device_count())


@functools.lru_cache(maxsize=1)
def mps_available() -> bool:
    import sys

    if sys.platform != "darwin":
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.backends.mps.is_available())

"""The suite's ``inference:`` blocks: how ``defaults`` and an estimator's block combine
into one :class:`~benchsuite.inference.InferenceSpec`, and the check that needs the
registry (``device_resident`` is for benchsuite's torch models only).

Syntax, in ``defaults`` and per estimator entry::

    inference: {batch_sizes: [1, 1024], min_time_s: 0.1, warmup: 3,
                max_calls: 10000, folds: first, method: predict, device_resident: false}

Every key is optional. ``inference: true`` asks for every default; per estimator,
``inference: false`` measures nothing for that estimator whatever ``defaults`` says. An
estimator's block is merged over the defaults' block key by key (a key it leaves out takes
the defaults' value, then InferenceSpec's default). No block anywhere: no inference
measurement, and a run costs what it cost before the key existed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from benchsuite.suite._errors import Locator
from benchsuite.suite._model import Inference, InferenceBlock, Suite

if TYPE_CHECKING:
    from benchsuite.inference import InferenceSpec

# benchsuite's torch estimators live here (their aliases are torch.mlp, torch.cnn, ...)
_TORCH_MODULE = "benchsuite.estimators.torch"


def resolve_inference(defaults: Inference, entry: Inference) -> InferenceSpec | None:
    """The inference an estimator measures: its block merged over the defaults' block.

    Parameters
    ----------
    defaults : InferenceBlock, bool or None
        ``defaults.inference`` as the suite gives it.
    entry : InferenceBlock, bool or None
        The estimator entry's ``inference``.

    Returns
    -------
    InferenceSpec or None
        None: no inference measurement (``entry`` is false, or neither asks for one).
        Otherwise InferenceSpec's defaults, then the keys the defaults' block gives, then
        those the entry's block gives.
    """
    # imported here: benchsuite.inference may import the plan, which imports this package
    from benchsuite.inference import InferenceSpec

    if entry is False or (entry is None and not defaults):
        return None
    spec = InferenceSpec()
    for block in (defaults, entry):
        if isinstance(block, InferenceBlock):
            spec = replace(spec, **block.given())
    return spec


def is_torch_model_name(model: str) -> bool:
    """Whether ``model`` (alias or import string) is one of benchsuite's torch estimators,
    told from its name alone (nothing is imported); for a built estimator,
    :func:`benchsuite.measure.is_torch_model`."""
    if ":" in model:
        module = model.partition(":")[0]
        return module == _TORCH_MODULE or module.startswith(_TORCH_MODULE + ".")
    from benchsuite.estimators._registry import ESTIMATOR_ALIASES

    return model.startswith("torch.") and model in ESTIMATOR_ALIASES


def check_inference(suite: Suite, where: Locator) -> None:
    """``device_resident: true`` only for torch models, located where the suite sets it.

    Parameters
    ----------
    suite : Suite
        The validated suite.
    where : Locator
        The suite's file name and line map.

    Raises
    ------
    SuiteError
        At the estimator's ``inference.device_resident`` when it sets it for a model that
        is not a torch one; at ``defaults.inference.device_resident`` when an estimator
        inherits it from there, naming the estimator.
    """
    defaults = suite.defaults.inference
    for i, est in enumerate(suite.estimators):
        spec = resolve_inference(defaults, est.inference)
        if spec is None or not spec.device_resident or is_torch_model_name(est.model):
            continue
        what = (
            "device_resident applies to benchsuite's torch models (torch.mlp, torch.cnn, ...)"
            " that can run on a GPU"
        )
        block = est.inference
        if isinstance(block, InferenceBlock) and block.device_resident:
            raise where.error(
                ("estimators", i, "inference", "device_resident"),
                f"{what}; {est.model} is not one (remove device_resident)",
            )
        raise where.error(
            ("defaults", "inference", "device_resident"),
            f"{what}; estimator '{est.name}' ({est.model}) is not one: set device_resident"
            f" in the torch estimators' own inference blocks, or give '{est.name}'"
            " inference: {device_resident: false}",
        )

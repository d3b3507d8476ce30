"""PyTorch networks as scikit-learn estimators (MLP, CNNs, LSTM/GRU, transformer).

Importing this package imports torch. Only building an estimator imports it: the
registry names these classes by import string (``torch.cnn`` ->
``"benchsuite.estimators.torch:TorchCNNClassifier"``) with static parameter lists, so
validating a suite does not. Importing torch here, at build time, also keeps its one or
two seconds of start-up out of the first fit's clock.

Every class takes the same training parameters (``epochs``, ``batch_size``, ``lr``,
``optimizer``, ``device``, ``amp``, ``tf32``, ``deterministic``, ``input_shape``,
``random_state``, ...) plus its network's own, and after ``fit`` exposes ``module_``,
``device_``, ``history_``, ``n_epochs_run_``, ``h2d_time_s_``, ``settings_`` (the numeric
settings in effect: precision, memory format, TF32, cuDNN, determinism, batch sizes) and
``classes_`` for classifiers.
"""

from __future__ import annotations

from benchsuite.estimators.torch._base import TorchClassifier, TorchEstimator, TorchRegressor
from benchsuite.estimators.torch._estimators import (
    TorchCNNClassifier,
    TorchCNNRegressor,
    TorchGRUClassifier,
    TorchGRURegressor,
    TorchKerasCNNClassifier,
    TorchKerasCNNRegressor,
    TorchLeNetClassifier,
    TorchLeNetRegressor,
    TorchLSTMClassifier,
    TorchLSTMRegressor,
    TorchMLPClassifier,
    TorchMLPRegressor,
    TorchTransformerClassifier,
    TorchTransformerRegressor,
)

__all__ = [
    "TorchCNNClassifier",
    "TorchCNNRegressor",
    "TorchClassifier",
    "TorchEstimator",
    "TorchGRUClassifier",
    "TorchGRURegressor",
    "TorchKerasCNNClassifier",
    "TorchKerasCNNRegressor",
    "TorchLSTMClassifier",
    "TorchLSTMRegressor",
    "TorchLeNetClassifier",
    "TorchLeNetRegressor",
    "TorchMLPClassifier",
    "TorchMLPRegressor",
    "TorchRegressor",
    "TorchTransformerClassifier",
    "TorchTransformerRegressor",
]

"""Estimator registry (aliases) and factory.

A suite names an estimator either by alias (``svc``, ``rf``, ``lightgbm``, see
:data:`ESTIMATOR_ALIASES`) or by import string (``"sklearn.svm:SVC"``). Importing this
package and validating entries never imports torch, xgboost or lightgbm, and imports
scikit-learn only inside the functions that need it; :func:`build_estimator` imports the
one library the estimator comes from. The deep models (``torch.mlp``, ``torch.cnn``,
``torch.lstm``, ...) live in :mod:`benchsuite.estimators.torch`, which imports torch and
is imported only by :func:`build_estimator` (or an import string naming it).

Each alias brings its preprocessing (``EstimatorAlias.preprocessing``), fitted on the
training fold inside the pipeline: scaling, imputation and one-hot or ordinal encoding for
tables with categorical columns or missing values, or native categorical support. An
import string gets exactly what it names unless its params say ``preprocess: auto``.
"""

from __future__ import annotations

from benchsuite.estimators._build import build_estimator, resolved_params
from benchsuite.estimators._check import (
    TASKS,
    check_estimator_entry,
    estimator_class_path,
    estimator_kinds,
    skip_reason,
)
from benchsuite.estimators._registry import (
    ESTIMATOR_ALIASES,
    PREPROCESS_OPTIONS,
    PREPROCESSING,
    EstimatorAlias,
    accepts_param,
    list_aliases,
)

__all__ = [
    "ESTIMATOR_ALIASES",
    "PREPROCESSING",
    "PREPROCESS_OPTIONS",
    "TASKS",
    "EstimatorAlias",
    "accepts_param",
    "build_estimator",
    "check_estimator_entry",
    "estimator_class_path",
    "estimator_kinds",
    "list_aliases",
    "resolved_params",
    "skip_reason",
]

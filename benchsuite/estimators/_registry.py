"""Estimator aliases: short names (``svc``, ``rf``, ``lightgbm``) for well-known estimators.

This module is pure data. Importing it must never import scikit-learn, torch, xgboost or
lightgbm: ``benchsuite validate`` reads it to check suites without loading any of them.
Deep models (``torch.mlp``, ``torch.cnn``, ...) are added here the same way, as import
strings into ``benchsuite.estimators.torch`` with a static ``known_params``, so that
validating a torch entry does not import torch either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from benchsuite._suggest import close_match, did_you_mean
from benchsuite.errors import ConfigError
from benchsuite.estimators._known_params import (
    LIGHTGBM_PARAMS,
    TORCH_COMMON_PARAMS,
    XGBOOST_PARAMS,
)

# What build_estimator puts in front of an alias's estimator; each one is the identity or
# a StandardScaler on arrays and all-numeric frames without NaN, and decides at fit time
# (on the training fold) what a frame with categorical columns or NaN needs:
#   scale_onehot: StandardScaler; on such frames median-impute + scale numeric columns,
#                 most-frequent-impute + one-hot (unknown ignored) categorical ones
#   ordinal:      nothing; on such frames median-impute numeric columns, ordinal-encode
#                 categorical ones (unknown and missing -> -1)
#   native:       nothing; object/string/bool columns become ``category`` with the
#                 training fold's categories (unseen -> missing); NaN left to the model
#   none:         nothing at all
PREPROCESSING = ("none", "scale_onehot", "ordinal", "native", "tables")

# Reserved ``params`` name: a benchsuite option, never passed to a constructor. For an
# import string, ``preprocess: auto`` puts the "ordinal" preprocessing in front of it.
PREPROCESS_PARAM = "preprocess"
PREPROCESS_OPTIONS = ("none", "auto")

# What one sample must be for an estimator (see EstimatorAlias.input_kind)
INPUT_KINDS = ("flat", "image", "sequence")


@dataclass(frozen=True)
class EstimatorAlias:
    """A named estimator that benchsuite knows how to build.

    Parameters
    ----------
    name : str
        The alias used in suite files (``model: svc``).
    classifier : str or None
        Import string ``"package.module:Class"`` used for classification tasks, or None
        if the alias has no classifier.
    regressor : str or None
        Import string used for regression tasks, or None if the alias has no regressor.
    preprocessing : {"none", "scale_onehot", "ordinal", "native"}, default="none"
        Preprocessing put in front of the estimator in a ``Pipeline`` (see
        ``PREPROCESSING``); "none" builds the bare estimator.
    defaults : dict, default={}
        Parameters benchsuite sets unless the user sets them.
    known_params : tuple of str or None, default=None
        Static list of constructor parameter names, for libraries that validation must not
        import (xgboost, lightgbm, torch). None means: read the real signature of the
        (scikit-learn) class.
    accepts_kwargs : bool, default=False
        Whether the constructor takes ``**kwargs`` (xgboost, lightgbm): then a name outside
        ``known_params`` is allowed unless it looks like a typo of a known one.
    description : str, default=""
        One line: class, preprocessing and defaults.
    input_kind : {"flat", "image", "sequence"}, default="flat"
        What one sample must be: any row of features (flat), an image ``(C, H, W)`` or
        ``(H, W)``, or a sequence ``(steps, features)`` (an image is read as rows). The
        planner skips an image or sequence model on a dataset that declares no such
        shape, unless the suite gives ``input_shape``.
    min_image_side : dict, default={}
        For image models: the smallest height and width the network takes, by its
        ``padding`` parameter's value (key None for a network without one); smaller
        images leave an empty feature map, so the planner skips such pairs.
    """

    name: str
    classifier: str | None
    regressor: str | None
    preprocessing: str = "none"
    # not hashed: a dict is unhashable, and name identifies an alias anyway
    defaults: dict[str, Any] = field(default_factory=dict, hash=False)
    known_params: tuple[str, ...] | None = None
    accepts_kwargs: bool = False
    description: str = ""
    input_kind: str = "flat"
    min_image_side: dict[str | None, int] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.classifier is None and self.regressor is None:
            raise ValueError(f"alias {self.name!r} needs a classifier or a regressor")
        if self.preprocessing not in PREPROCESSING:
            raise ValueError(f"alias {self.name!r}: unknown preprocessing {self.preprocessing!r}")
        if self.input_kind not in INPUT_KINDS:
            raise ValueError(f"alias {self.name!r}: unknown input kind {self.input_kind!r}")

    def min_side(self, params: Mapping[str, Any]) -> int:
        """Smallest image height/width the network takes with ``params`` (1: any)."""
        if not self.min_image_side:
            return 1
        if None in self.min_image_side:
            return self.min_image_side[None]
        # the torch networks' padding default is 'valid' (a unit test checks it)
        return self.min_image_side.get(params.get("padding", "valid"), 1)

    @property
    def kinds(self) -> frozenset[str]:
        """The task kinds this alias supports, a subset of {"classifier", "regressor"}."""
        kinds = set()
        if self.classifier is not None:
            kinds.add("classifier")
        if self.regressor is not None:
            kinds.add("regressor")
        return frozenset(kinds)

    def class_path(self, kind: str) -> str | None:
        """Import string for ``kind`` ("classifier" or "regressor"), or None."""
        return self.classifier if kind == "classifier" else self.regressor


def _torch(
    name: str,
    family: str,
    network_params: tuple[str, ...],
    description: str,
    preprocessing: str = "none",
    input_kind: str = "flat",
    min_image_side: dict[str | None, int] | None = None,
) -> EstimatorAlias:
    module = "benchsuite.estimators.torch"
    prep = (
        "arrays as given, tables imputed/scaled/one-hot"
        if preprocessing == "tables"
        else "no scaling"
    )
    return EstimatorAlias(
        f"torch.{name}",
        classifier=f"{module}:Torch{family}Classifier",
        regressor=f"{module}:Torch{family}Regressor",
        preprocessing=preprocessing,
        known_params=network_params + TORCH_COMMON_PARAMS,
        description=f"Torch{family}Classifier / Torch{family}Regressor, {prep}; " + description,
        input_kind=input_kind,
        min_image_side=min_image_side or {},
    )


_TORCH_ALIASES = (
    _torch(
        "mlp",
        "MLP",
        ("hidden_layer_sizes",),
        "dense 128-128 ReLU, Adam lr 1e-3, 5 epochs, batch 64",
        # the one deep model for tables: a DataFrame is encoded like the scaled aliases'
        preprocessing="tables",
    ),
    _torch(
        "cnn",
        "CNN",
        (),
        "conv32-pool-conv64-pool-fc128, SGD lr 1e-3 momentum 0.9, 5 epochs, batch 64",
        input_kind="image",
        # padded 3x3 convolutions keep the size; two 2x2 poolings need 4x4
        min_image_side={None: 4},
    ),
    _torch(
        "keras_cnn",
        "KerasCNN",
        ("padding",),
        "conv32-pool-conv64-pool-conv64-dense64 (valid padding), Adam lr 1e-3, 5 epochs",
        input_kind="image",
        # three unpadded 3x3 convolutions and two poolings: 18 -> 16 -> 8 -> 6 -> 3 -> 1
        min_image_side={"valid": 18, "same": 4},
    ),
    _torch(
        "lenet",
        "LeNet",
        ("padding",),
        "LeNet-5 conv6-pool-conv16-pool-fc120-fc84, Adam lr 1e-3, 5 epochs",
        input_kind="image",
        # padded 5x5, pool, unpadded 5x5, pool: 12 -> 12 -> 6 -> 2 -> 1
        min_image_side={"valid": 12, "same": 4},
    ),
    _torch(
        "lstm",
        "LSTM",
        ("hidden_size",),
        "LSTM(64)-LSTM(64)-dense over image rows or time steps, Adam lr 1e-3, 5 epochs",
        input_kind="sequence",
    ),
    _torch(
        "gru",
        "GRU",
        ("hidden_size",),
        "GRU(64)-GRU(64)-dense over image rows or time steps, Adam lr 1e-3, 5 epochs",
        input_kind="sequence",
    ),
    _torch(
        "transformer",
        "Transformer",
        ("d_model", "n_heads", "n_layers"),
        "2-layer encoder (d_model 64, 4 heads, class token) over rows or time steps, "
        "AdamW lr 1e-3, 5 epochs",
        input_kind="sequence",
    ),
)


def _sk(path: str) -> str:
    return f"sklearn.{path}"


# How each family treats a DataFrame with categorical columns or NaN (fitted on the
# training fold only); appended to the one-line descriptions ``list estimators`` shows.
_ONEHOT = (
    " (tables with categories/NaN: numeric median-imputed + scaled, "
    "categorical most-frequent-imputed + one-hot, unknown ignored)"
)
_ORDINAL = (
    " (tables with categories/NaN: numeric median-imputed, "
    "categorical ordinal-encoded, unknown/missing -> -1)"
)
_NATIVE = " (object columns -> category on the training fold, unseen -> missing; NaN native)"


_ALIASES = (
    EstimatorAlias(
        "logreg",
        classifier=_sk("linear_model:LogisticRegression"),
        regressor=None,
        preprocessing="scale_onehot",
        defaults={"max_iter": 1000},
        description="LogisticRegression after StandardScaler" + _ONEHOT + "; max_iter=1000",
    ),
    EstimatorAlias(
        "svc",
        classifier=_sk("svm:SVC"),
        regressor=None,
        preprocessing="scale_onehot",
        description="SVC (RBF kernel) after StandardScaler" + _ONEHOT + "; sklearn defaults",
    ),
    EstimatorAlias(
        "svr",
        classifier=None,
        regressor=_sk("svm:SVR"),
        preprocessing="scale_onehot",
        description="SVR (RBF kernel) after StandardScaler" + _ONEHOT + "; sklearn defaults",
    ),
    EstimatorAlias(
        "linear_svc",
        classifier=_sk("svm:LinearSVC"),
        regressor=None,
        preprocessing="scale_onehot",
        description="LinearSVC after StandardScaler" + _ONEHOT + "; sklearn defaults",
    ),
    EstimatorAlias(
        "linear_svr",
        classifier=None,
        regressor=_sk("svm:LinearSVR"),
        preprocessing="scale_onehot",
        description="LinearSVR after StandardScaler" + _ONEHOT + "; sklearn defaults",
    ),
    EstimatorAlias(
        "ridge",
        classifier=_sk("linear_model:RidgeClassifier"),
        regressor=_sk("linear_model:Ridge"),
        preprocessing="scale_onehot",
        description="RidgeClassifier / Ridge after StandardScaler" + _ONEHOT + "; sklearn defaults",
    ),
    EstimatorAlias(
        "knn",
        classifier=_sk("neighbors:KNeighborsClassifier"),
        regressor=_sk("neighbors:KNeighborsRegressor"),
        preprocessing="scale_onehot",
        description="KNeighborsClassifier / KNeighborsRegressor after StandardScaler"
        + _ONEHOT
        + "; sklearn defaults",
    ),
    EstimatorAlias(
        "rf",
        classifier=_sk("ensemble:RandomForestClassifier"),
        regressor=_sk("ensemble:RandomForestRegressor"),
        preprocessing="ordinal",
        description="RandomForestClassifier / RandomForestRegressor, no scaling"
        + _ORDINAL
        + "; sklearn defaults",
    ),
    EstimatorAlias(
        "extra_trees",
        classifier=_sk("ensemble:ExtraTreesClassifier"),
        regressor=_sk("ensemble:ExtraTreesRegressor"),
        preprocessing="ordinal",
        description="ExtraTreesClassifier / ExtraTreesRegressor, no scaling"
        + _ORDINAL
        + "; sklearn defaults",
    ),
    EstimatorAlias(
        "hist_gb",
        classifier=_sk("ensemble:HistGradientBoostingClassifier"),
        regressor=_sk("ensemble:HistGradientBoostingRegressor"),
        preprocessing="native",
        # scikit-learn's default only from 1.6; 1.4 and 1.5 default to None, which reads
        # the category columns as floats and fails ("could not convert string to float").
        # Numeric input is unaffected (a unit test checks predictions are identical).
        defaults={"categorical_features": "from_dtype"},
        description="HistGradientBoostingClassifier / HistGradientBoostingRegressor, "
        "no scaling; native categoricals (categorical_features='from_dtype')"
        + _NATIVE
        + "; sklearn defaults",
    ),
    EstimatorAlias(
        "gb",
        classifier=_sk("ensemble:GradientBoostingClassifier"),
        regressor=_sk("ensemble:GradientBoostingRegressor"),
        preprocessing="ordinal",
        description="GradientBoostingClassifier / GradientBoostingRegressor, no scaling"
        + _ORDINAL
        + "; sklearn defaults",
    ),
    EstimatorAlias(
        "xgboost",
        classifier="xgboost:XGBClassifier",
        regressor="xgboost:XGBRegressor",
        preprocessing="native",
        # no effect on numeric input (a unit test checks predictions are identical), and
        # lets XGBoost split on the pandas category columns of tabular data
        defaults={"enable_categorical": True},
        known_params=XGBOOST_PARAMS,
        accepts_kwargs=True,
        description="XGBClassifier / XGBRegressor, no scaling; native categoricals "
        "(enable_categorical=True)" + _NATIVE + "; xgboost defaults (n_jobs left to xgboost);"
        " device: cuda runs it on a GPU (XGBoost's device='cuda')",
    ),
    EstimatorAlias(
        "lightgbm",
        classifier="lightgbm:LGBMClassifier",
        regressor="lightgbm:LGBMRegressor",
        defaults={"verbosity": -1},
        known_params=LIGHTGBM_PARAMS,
        accepts_kwargs=True,
        preprocessing="native",
        description="LGBMClassifier / LGBMRegressor, no scaling; native categoricals "
        "(pandas category columns)" + _NATIVE + "; verbosity=-1; CPU only (LightGBM's PyPI"
        " wheel is built without CUDA: device: cuda is a planned skip)",
    ),
    EstimatorAlias(
        "dummy",
        classifier=_sk("dummy:DummyClassifier"),
        regressor=_sk("dummy:DummyRegressor"),
        description="DummyClassifier (strategy='prior') / DummyRegressor (strategy='mean'), "
        "no preprocessing (ignores the features); a baseline",
    ),
    EstimatorAlias(
        "mlp_sklearn",
        classifier=_sk("neural_network:MLPClassifier"),
        regressor=_sk("neural_network:MLPRegressor"),
        preprocessing="scale_onehot",
        description="MLPClassifier / MLPRegressor after StandardScaler" + _ONEHOT + "; "
        "sklearn defaults",
    ),
)

ESTIMATOR_ALIASES: dict[str, EstimatorAlias] = {
    alias.name: alias for alias in (*_ALIASES, *_TORCH_ALIASES)
}


def list_aliases() -> list[EstimatorAlias]:
    """Return every registered alias, sorted by name.

    Returns
    -------
    list of EstimatorAlias
    """
    return [ESTIMATOR_ALIASES[name] for name in sorted(ESTIMATOR_ALIASES)]


def is_import_string(model: str) -> bool:
    """Whether ``model`` is an import string (``"module:Class"``) rather than an alias."""
    return ":" in model


# Names people type for an alias; spelling similarity alone would map "svm_rbf" to "svr".
_SYNONYMS = {
    "svm": "svc",
    "rbf_svm": "svc",
    "svm_rbf": "svc",
    "linear_svm": "linear_svc",
    "logistic": "logreg",
    "logistic_regression": "logreg",
    "lr": "logreg",
    "random_forest": "rf",
    "randomforest": "rf",
    "forest": "rf",
    "extratrees": "extra_trees",
    "et": "extra_trees",
    "hgb": "hist_gb",
    "hist_gradient_boosting": "hist_gb",
    "histgradientboosting": "hist_gb",
    "gradient_boosting": "gb",
    "gbm": "gb",
    "xgb": "xgboost",
    "lgbm": "lightgbm",
    "lgb": "lightgbm",
    "kneighbors": "knn",
    "nearest_neighbors": "knn",
    "mlp": "mlp_sklearn",
    "baseline": "dummy",
    "cnn": "torch.cnn",
    "convnet": "torch.cnn",
    "keras_cnn": "torch.keras_cnn",
    "lenet": "torch.lenet",
    "lenet5": "torch.lenet",
    "lstm": "torch.lstm",
    "rnn": "torch.lstm",
    "gru": "torch.gru",
    "transformer": "torch.transformer",
    "torch_mlp": "torch.mlp",
    "torch_cnn": "torch.cnn",
}


def _suggest_alias(model: str) -> str:
    """Return ``" (did you mean 'x'?)"`` for an unknown alias, or ``""``."""
    key = model.strip().lower().replace("-", "_")
    if key in _SYNONYMS:
        return f" (did you mean '{_SYNONYMS[key]}'?)"
    hint = did_you_mean(model, ESTIMATOR_ALIASES)
    if hint:
        return hint
    # "svm_rbf_fast" -> first word "svm" -> svc
    first = key.split("_", 1)[0]
    if first in _SYNONYMS or first in ESTIMATOR_ALIASES:
        return f" (did you mean '{_SYNONYMS.get(first, first)}'?)"
    near = close_match(key, _SYNONYMS)
    if near:
        return f" (did you mean '{_SYNONYMS[near]}'?)"
    # "sklearn.svm.SVC" is an import string with the wrong separator
    module, dot, name = model.rpartition(".")
    if dot and module and name[:1].isupper():
        return f" (did you mean '{module}:{name}'?)"
    return ""


def get_alias(model: str) -> EstimatorAlias:
    """Return the alias ``model``, or raise ConfigError at path ``("model",)``."""
    try:
        return ESTIMATOR_ALIASES[model]
    except KeyError:
        hint = _suggest_alias(model)
        raise ConfigError(f"unknown estimator {model!r}{hint}", ("model",)) from None


def alias_of(model: str) -> EstimatorAlias | None:
    """The alias ``model`` names, or whose class an import string names, else None.

    ``benchsuite.estimators.torch:TorchCNNClassifier`` is ``torch.cnn``'s classifier, so
    it needs images as the alias does; an import string of any other class gets None.
    Unknown aliases also give None (validation reports them).
    """
    if not is_import_string(model):
        return ESTIMATOR_ALIASES.get(model)
    for alias in ESTIMATOR_ALIASES.values():
        if model in (alias.classifier, alias.regressor):
            return alias
    return None


def accepts_param(model: str, name: str) -> bool:
    """Whether the estimator ``model`` builds takes the constructor parameter ``name``.

    The runner asks before passing ``input_shape`` (a dataset's per-sample shape) or
    ``device``. Aliases with static ``known_params`` (torch, xgboost, lightgbm) are
    answered from registry data without importing anything; other aliases read their
    scikit-learn signatures; an import string imports its module.

    Parameters
    ----------
    model : str
        Alias or ``"package.module:Class"``.
    name : str
        Parameter name.

    Returns
    -------
    bool
        For an alias, True if its classifier or regressor takes ``name``. A library that
        takes ``**kwargs`` only counts for names it really knows.

    Raises
    ------
    ConfigError
        For an unknown alias or an import string that does not resolve.
    """
    # imported here: importing the registry must stay free of anything but data
    from benchsuite.estimators._introspect import import_class, param_spec

    if not is_import_string(model):
        alias = get_alias(model)
        if alias.known_params is not None:
            return name in alias.known_params
        paths = [p for p in (alias.classifier, alias.regressor) if p is not None]
        return any(name in param_spec(import_class(p)).names for p in paths)
    return name in param_spec(import_class(model)).names


def preprocess_option(model: str, value: Any, path: tuple[str | int, ...]) -> str:
    """Check a value of the reserved ``preprocess`` parameter.

    Parameters
    ----------
    model : str
        Alias or import string the entry names.
    value : object
        The value given for ``preprocess``.
    path : tuple
        Where the value sits in the entry, for the error (``("params", "preprocess")``).

    Returns
    -------
    str
        ``"none"`` or ``"auto"``.

    Raises
    ------
    ConfigError
        At ``path`` for an alias (aliases bring their own preprocessing) or a value other
        than ``none`` / ``auto``.
    """
    if not is_import_string(model):
        alias = get_alias(model)
        raise ConfigError(
            f"{PREPROCESS_PARAM!r} is for import-string estimators; alias {model!r} "
            f"already preprocesses tabular data ({alias.preprocessing})",
            path,
        )
    # YAML reads a bare `none` as a string but `null`/`~` as None: both mean no preprocessing
    if value is None:
        return "none"
    if value not in PREPROCESS_OPTIONS:
        options = " or ".join(PREPROCESS_OPTIONS)
        raise ConfigError(f"{PREPROCESS_PARAM} must be {options}, got {value!r}", path)
    return str(value)


def split_preprocess(model: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Take the reserved ``preprocess`` option out of an entry's ``params``.

    Parameters
    ----------
    model : str
        Alias or import string.
    params : mapping
        The entry's parameters, possibly with ``preprocess``.

    Returns
    -------
    (str, dict)
        The option (``"none"`` when absent) and the constructor parameters without it.

    Raises
    ------
    ConfigError
        At ``("params", "preprocess")``, see :func:`preprocess_option`.
    """
    rest = dict(params)
    if PREPROCESS_PARAM not in rest:
        return "none", rest
    value = rest.pop(PREPROCESS_PARAM)
    return preprocess_option(model, value, ("params", PREPROCESS_PARAM)), rest

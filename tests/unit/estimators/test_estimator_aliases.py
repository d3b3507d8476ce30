"""The alias registry: contents, and static parameter lists that match the real libraries."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from benchsuite.estimators import ESTIMATOR_ALIASES, EstimatorAlias, list_aliases

EXPECTED = {
    # name: (classifier class, regressor class, preprocessing)
    "logreg": ("LogisticRegression", None, "scale_onehot"),
    "svc": ("SVC", None, "scale_onehot"),
    "svr": (None, "SVR", "scale_onehot"),
    "linear_svc": ("LinearSVC", None, "scale_onehot"),
    "linear_svr": (None, "LinearSVR", "scale_onehot"),
    "ridge": ("RidgeClassifier", "Ridge", "scale_onehot"),
    "knn": ("KNeighborsClassifier", "KNeighborsRegressor", "scale_onehot"),
    "rf": ("RandomForestClassifier", "RandomForestRegressor", "ordinal"),
    "extra_trees": ("ExtraTreesClassifier", "ExtraTreesRegressor", "ordinal"),
    "hist_gb": ("HistGradientBoostingClassifier", "HistGradientBoostingRegressor", "native"),
    "gb": ("GradientBoostingClassifier", "GradientBoostingRegressor", "ordinal"),
    "xgboost": ("XGBClassifier", "XGBRegressor", "native"),
    "lightgbm": ("LGBMClassifier", "LGBMRegressor", "native"),
    "dummy": ("DummyClassifier", "DummyRegressor", "none"),
    "mlp_sklearn": ("MLPClassifier", "MLPRegressor", "scale_onehot"),
}


def _cls(path: str | None) -> str | None:
    return None if path is None else path.rpartition(":")[2]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_alias_classes_and_preprocessing(name):
    alias = ESTIMATOR_ALIASES[name]
    classifier, regressor, preprocessing = EXPECTED[name]
    assert alias.name == name
    assert (_cls(alias.classifier), _cls(alias.regressor)) == (classifier, regressor)
    assert alias.preprocessing == preprocessing
    # one line naming every class it builds
    assert "\n" not in alias.description
    for cls in (classifier, regressor):
        if cls is not None:
            assert cls in alias.description


def test_defaults():
    assert ESTIMATOR_ALIASES["logreg"].defaults == {"max_iter": 1000}
    assert ESTIMATOR_ALIASES["lightgbm"].defaults == {"verbosity": -1}
    assert ESTIMATOR_ALIASES["xgboost"].defaults == {"enable_categorical": True}
    assert "n_jobs" not in ESTIMATOR_ALIASES["xgboost"].defaults


def test_only_libraries_validation_must_not_import_use_static_params():
    static = {a.name for a in ESTIMATOR_ALIASES.values() if a.known_params is not None}
    kwargs = {a.name for a in ESTIMATOR_ALIASES.values() if a.accepts_kwargs}
    torch_aliases = {name for name in ESTIMATOR_ALIASES if name.startswith("torch.")}
    assert kwargs == {"xgboost", "lightgbm"}
    # torch.* lists are checked against the real signatures in test_torch_registry.py
    assert static == kwargs | torch_aliases


def test_list_aliases_sorted_and_complete():
    aliases = list_aliases()
    assert [a.name for a in aliases] == sorted(ESTIMATOR_ALIASES)
    assert set(EXPECTED) <= {a.name for a in aliases}


def test_alias_is_frozen_and_validated():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ESTIMATOR_ALIASES["svc"].name = "x"
    with pytest.raises(ValueError, match="classifier or a regressor"):
        EstimatorAlias("empty", classifier=None, regressor=None)
    with pytest.raises(ValueError, match="preprocessing"):
        EstimatorAlias("bad", classifier="a:B", regressor=None, preprocessing="pca")


def _signature_names(func) -> set[str]:
    return {
        name
        for name, p in inspect.signature(func).parameters.items()
        if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }


def test_xgboost_known_params_cover_the_real_signature():
    xgboost = pytest.importorskip("xgboost")
    known = set(ESTIMATOR_ALIASES["xgboost"].known_params)
    for cls in (xgboost.XGBClassifier, xgboost.XGBRegressor):
        assert set(cls._get_param_names()) <= known
        assert set(cls().get_params()) <= known
    assert _signature_names(xgboost.XGBModel.__init__) <= known


def test_lightgbm_known_params_cover_the_real_signature():
    lightgbm = pytest.importorskip("lightgbm")
    known = set(ESTIMATOR_ALIASES["lightgbm"].known_params)
    for cls in (lightgbm.LGBMModel, lightgbm.LGBMClassifier, lightgbm.LGBMRegressor):
        assert _signature_names(cls.__init__) <= known
        assert set(cls._get_param_names()) <= known


def _lightgbm_native_names() -> set[str]:
    basic = pytest.importorskip("lightgbm.basic")
    try:
        table = basic._ConfigAliases._get_all_param_aliases()  # private; may move
    except AttributeError:
        pytest.skip("this lightgbm has no parameter alias table")
    return set(table) | {alias for aliases in table.values() for alias in aliases}


def test_lightgbm_pass_through_names_are_real_lightgbm_params():
    lightgbm = pytest.importorskip("lightgbm")
    known = set(ESTIMATOR_ALIASES["lightgbm"].known_params)
    extras = known - _signature_names(lightgbm.LGBMModel.__init__)
    assert extras <= _lightgbm_native_names()

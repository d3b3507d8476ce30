"""check_estimator_entry, estimator_kinds, skip_reason, estimator_class_path."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from benchsuite.errors import ConfigError
from benchsuite.estimators import (
    check_estimator_entry,
    estimator_class_path,
    estimator_kinds,
    skip_reason,
)


def _error(entry) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        check_estimator_entry(entry)
    return info.value


@pytest.mark.parametrize(
    "entry",
    [
        {"name": "svm", "model": "svc", "params": {"C": 10, "gamma": "scale"}},
        {"name": "svm-grid", "model": "svc", "grid": {"C": [0.1, 1, 10]}},
        {"name": "gb", "model": "gb", "params": {"alpha": 0.5}},  # regressor-only param
        {"name": "rf", "model": "sklearn.ensemble:RandomForestClassifier"},
        {"model": "sklearn.linear_model:Ridge", "params": {"alpha": 2.0}, "grid": None},
        SimpleNamespace(name="o", model="knn", params={"n_neighbors": 3}, grid={}),
    ],
)
def test_valid_entries(entry):
    check_estimator_entry(entry)


def test_unknown_alias_suggests_by_meaning():
    err = _error({"name": "x", "model": "svm_rbf"})
    assert err.message == "unknown estimator 'svm_rbf' (did you mean 'svc'?)"
    assert err.path == ("model",)
    assert "did you mean 'hist_gb'" in _error({"model": "hist_gbm"}).message
    assert "did you mean 'lightgbm'" in _error({"model": "lgbm"}).message


def test_dotted_class_path_suggests_import_string():
    err = _error({"model": "sklearn.svm.SVC"})
    assert "did you mean 'sklearn.svm:SVC'" in err.message
    assert err.path == ("model",)


@pytest.mark.parametrize("model", ["sklearn.svm:", ":SVC", "sklearn svm:SVC", "a:B:C"])
def test_malformed_import_string(model):
    err = _error({"model": model})
    assert err.path == ("model",)
    assert "invalid import string" in err.message


def test_module_that_does_not_import():
    err = _error({"model": "no_such_pkg.mod:Thing"})
    assert err.path == ("model",)
    assert err.message == (
        "cannot import 'no_such_pkg.mod' (ModuleNotFoundError: No module named 'no_such_pkg')"
    )
    assert "\n" not in err.message


def test_missing_class_suggests_public_name():
    err = _error({"model": "sklearn.ensemble:RandomForestClassifer"})
    assert err.path == ("model",)
    assert "has no class 'RandomForestClassifer'" in err.message
    assert "(did you mean 'RandomForestClassifier'?)" in err.message


@pytest.mark.parametrize(
    "model",
    [
        "sklearn.svm:l1_min_c",  # a function
        "collections:OrderedDict",  # a class without fit
        "sklearn.preprocessing:StandardScaler",  # fit but no predict
    ],
)
def test_not_an_estimator(model):
    err = _error({"model": model})
    assert err.path == ("model",)
    assert err.message == f"{model!r} is not an estimator (needs fit/predict/get_params)"


def test_unknown_param_for_alias():
    err = _error({"name": "rf", "model": "rf", "params": {"n_estimator": 10}})
    assert err.message == (
        "unknown parameter 'n_estimator' for RandomForestClassifier (did you mean 'n_estimators'?)"
    )
    assert err.path == ("params", "n_estimator")


def test_unknown_param_names_the_class_that_has_the_suggestion():
    # only GradientBoostingRegressor has 'alpha'
    err = _error({"model": "gb", "params": {"alpah": 0.9}})
    assert err.message == (
        "unknown parameter 'alpah' for GradientBoostingRegressor (did you mean 'alpha'?)"
    )
    # regressor-only alias
    err = _error({"model": "svr", "params": {"c": 1}})
    assert err.message == "unknown parameter 'c' for SVR (did you mean 'C'?)"
    # nothing close: no hint, classifier named
    err = _error({"model": "ridge", "params": {"zzz": 1}})
    assert err.message == "unknown parameter 'zzz' for RidgeClassifier"


def test_unknown_param_for_import_string():
    err = _error({"model": "sklearn.svm:SVC", "params": {"gama": 1}})
    assert err.message == "unknown parameter 'gama' for SVC (did you mean 'gamma'?)"
    assert err.path == ("params", "gama")


def test_grid_keys_are_checked_like_params():
    err = _error({"model": "svc", "grid": {"CC": [1, 2]}})
    assert err.path == ("grid", "CC")
    assert err.message == "unknown parameter 'CC' for SVC (did you mean 'C'?)"


@pytest.mark.parametrize("values", [[], 3, "abc", None])
def test_grid_values_must_be_non_empty_lists(values):
    err = _error({"model": "svc", "grid": {"C": values}})
    assert err.path == ("grid", "C")
    assert "non-empty list" in err.message


def test_grid_and_params_must_not_overlap():
    err = _error({"model": "svc", "params": {"C": 1}, "grid": {"C": [1, 2]}})
    assert err.path == ("grid", "C")


def test_params_must_be_a_mapping():
    assert _error({"model": "svc", "params": [1]}).path == ("params",)
    assert _error({"model": "svc", "params": []}).path == ("params",)
    assert _error({"model": "svc", "grid": [1]}).path == ("grid",)
    assert _error({"model": None}).path == ("model",)


@pytest.mark.parametrize("section", ["params", "grid"])
def test_xgboost_near_miss_rejected(section):
    value = [10] if section == "grid" else 10
    err = _error({"model": "xgboost", section: {"n_estimator": value}})
    assert err.path == (section, "n_estimator")
    assert err.message == (
        "unknown parameter 'n_estimator' for XGBClassifier (did you mean 'n_estimators'?)"
    )


@pytest.mark.parametrize(
    "params",
    [
        {"min_child_weight": 1.0, "n_estimators": 10},
        {"max_bin": 64},
        # native booster names that xgboost takes through **kwargs
        {"eta": 0.1, "nthread": 1, "seed": 0, "alpha": 0.0, "lambda": 1.0},
        {"max_cached_hist_node": 1024, "tweedie_variance_power": 1.5},
    ],
)
def test_xgboost_extra_params_accepted(params):
    check_estimator_entry({"model": "xgboost", "params": params})


def test_lightgbm_params():
    check_estimator_entry(
        {"model": "lightgbm", "params": {"num_leaves": 15, "min_data_in_leaf": 5}}
    )
    err = _error({"model": "lightgbm", "params": {"num_leave": 15}})
    assert err.message == (
        "unknown parameter 'num_leave' for LGBMClassifier (did you mean 'num_leaves'?)"
    )


def test_every_native_lightgbm_name_is_accepted():
    basic = pytest.importorskip("lightgbm.basic")
    try:
        table = basic._ConfigAliases._get_all_param_aliases()  # private; may move
    except AttributeError:
        pytest.skip("this lightgbm has no parameter alias table")
    names = set(table) | {alias for aliases in table.values() for alias in aliases}
    check_estimator_entry({"model": "lightgbm", "params": dict.fromkeys(names, 1)})


def test_import_string_with_kwargs_still_catches_typos():
    pytest.importorskip("xgboost")
    check_estimator_entry({"model": "xgboost:XGBClassifier", "params": {"n_estimators": 5}})
    check_estimator_entry({"model": "xgboost:XGBClassifier", "params": {"eta": 0.1}})
    err = _error({"model": "xgboost:XGBClassifier", "params": {"n_estimator": 5}})
    assert err.path == ("params", "n_estimator")


@pytest.mark.parametrize(
    ("model", "kinds"),
    [
        ("svc", {"classifier"}),
        ("logreg", {"classifier"}),
        ("svr", {"regressor"}),
        ("linear_svr", {"regressor"}),
        ("rf", {"classifier", "regressor"}),
        ("xgboost", {"classifier", "regressor"}),
        ("sklearn.svm:SVC", {"classifier"}),
        ("sklearn.linear_model:Ridge", {"regressor"}),
        ("sklearn.cluster:KMeans", {"classifier", "regressor"}),  # cannot tell: let it try
    ],
)
def test_estimator_kinds(model, kinds):
    assert estimator_kinds(model) == frozenset(kinds)


def test_estimator_kinds_unknown_alias():
    with pytest.raises(ConfigError, match="unknown estimator"):
        estimator_kinds("svm_rbf")


def test_skip_reason():
    assert skip_reason("svc", "regression") == (
        "svc is a classifier only; this dataset is a regression task"
    )
    assert skip_reason("svr", "binary") == (
        "svr is a regressor only; this dataset is a binary classification task"
    )
    assert skip_reason("sklearn.linear_model:Ridge", "multiclass") == (
        "sklearn.linear_model:Ridge is a regressor only; "
        "this dataset is a multiclass classification task"
    )
    for task in ("binary", "multiclass", "regression"):
        assert skip_reason("rf", task) is None
        assert skip_reason("lightgbm", task) is None
    assert skip_reason("svc", "multiclass") is None
    with pytest.raises(ValueError, match="unknown task"):
        skip_reason("svc", "ranking")


def test_estimator_class_path():
    assert estimator_class_path("ridge", "binary") == "sklearn.linear_model:RidgeClassifier"
    assert estimator_class_path("ridge", "regression") == "sklearn.linear_model:Ridge"
    assert estimator_class_path("lightgbm", "multiclass") == "lightgbm:LGBMClassifier"
    assert estimator_class_path("a.b:C", "regression") == "a.b:C"
    with pytest.raises(ConfigError, match="classifier only") as info:
        estimator_class_path("svc", "regression")
    assert info.value.path == ("model",)

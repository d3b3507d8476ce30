"""check_estimator_entry, estimator_kinds, skip_reason, estimator_class_path."""

from __future__ import annotations

import json
import subprocess
import sys
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


# -- parameter values ---------------------------------------------------------------------


def test_param_value_outside_the_declared_range():
    err = _error({"name": "rf", "model": "rf", "params": {"n_estimators": -5}})
    assert err.path == ("params", "n_estimators")
    assert err.message == (
        "must be an int in the range [1, inf) for RandomForestClassifier; got -5"
    )


def test_grid_values_are_checked_one_by_one():
    err = _error({"model": "logreg", "grid": {"C": [1, 0.1, -1]}})
    assert err.path == ("grid", "C", 2)
    assert err.message == ("must be a float in the range (0.0, inf] for LogisticRegression; got -1")


def test_param_value_of_an_import_string():
    err = _error({"model": "sklearn.svm:SVC", "params": {"kernel": "rbff"}})
    assert err.path == ("params", "kernel")
    assert err.message.startswith("must be a str among {")
    assert "'rbf'" in err.message and err.message.endswith("for SVC; got 'rbff'")
    assert "\n" not in err.message


def test_number_written_as_text_gets_a_hint():
    err = _error({"model": "svc", "params": {"C": "1e-3"}})
    assert err.message.endswith("got '1e-3' (YAML reads 1e-3 as text; write 0.001)")


@pytest.mark.parametrize(
    "entry",
    [
        # valid for the regressor an alias builds on regression data
        {"model": "rf", "params": {"criterion": "squared_error"}},
        {"model": "rf", "params": {"max_features": "sqrt", "max_depth": None}},
        {"model": "mlp_sklearn", "params": {"hidden_layer_sizes": [64, 32]}},
        {"model": "hist_gb", "grid": {"learning_rate": [0.05, 0.1], "max_iter": [50, 100]}},
        {"model": "knn", "params": {"n_neighbors": 3, "weights": "distance"}},
        # combinations are for fit to judge (LogisticRegression's lbfgs has no l1)
        {"model": "logreg", "params": {"penalty": "l1"}},
    ],
)
def test_valid_param_values(entry):
    check_estimator_entry(entry)


def test_value_invalid_for_every_class_of_an_alias():
    err = _error({"model": "rf", "params": {"criterion": "gini_index"}})
    assert err.path == ("params", "criterion")
    assert "for RandomForestClassifier; got 'gini_index'" in err.message


def test_values_of_libraries_without_declared_constraints_are_left_to_fit():
    # xgboost/lightgbm declare no _parameter_constraints (and are not imported to validate)
    check_estimator_entry({"model": "xgboost", "params": {"n_estimators": -5}})
    check_estimator_entry({"model": "lightgbm", "params": {"num_leaves": -1}})


def test_value_check_degrades_without_sklearns_private_api(monkeypatch):
    from benchsuite.estimators import _check

    # a later scikit-learn without the module: values go unchecked, nothing crashes
    monkeypatch.setitem(sys.modules, "sklearn.utils._param_validation", None)
    _check._sklearn_validate.cache_clear()
    try:
        check_estimator_entry({"model": "rf", "params": {"n_estimators": -5}})
    finally:
        monkeypatch.undo()
        _check._sklearn_validate.cache_clear()
    assert _error({"model": "rf", "params": {"n_estimators": -5}}).path == (
        "params",
        "n_estimators",
    )


@pytest.mark.parametrize(
    ("model", "params", "path", "message"),
    [
        (
            "torch.cnn",
            {"epochs": 0},
            ("params", "epochs"),
            "must be an int in the range [1, inf) for TorchCNNClassifier; got 0",
        ),
        (
            "torch.mlp",
            {"lr": -1},
            ("params", "lr"),
            "must be a float in the range [0.0, inf) for TorchMLPClassifier; got -1",
        ),
        (
            "torch.lstm",
            {"optimizer": "adamax"},
            ("params", "optimizer"),
            "must be a str among {'adam', 'adamw', 'sgd'} for TorchLSTMClassifier; got 'adamax'",
        ),
        (
            "torch.transformer",
            {"threads": 0},
            ("params", "threads"),
            "must be an int in the range [1, inf) or None for TorchTransformerClassifier; got 0",
        ),
    ],
)
def test_torch_param_values_are_checked_without_torch(model, params, path, message):
    code = f"""
import json, sys
from benchsuite.errors import ConfigError
from benchsuite.estimators import check_estimator_entry
try:
    check_estimator_entry({{"model": {model!r}, "params": {params!r}}})
except ConfigError as exc:
    print(json.dumps([list(exc.path), exc.message,
                      sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "sklearn"))]))
else:
    print("null")
"""
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    got = json.loads(out.strip().splitlines()[-1])
    assert got == [list(path), message, []]


_TORCH_VALUES = [
    ("epochs", 1, True),
    ("epochs", 0, False),
    ("epochs", 2.5, False),
    ("batch_size", 0, False),
    ("lr", 0.0, True),
    ("lr", -0.1, False),
    ("momentum", 0.99, True),
    ("momentum", 1.0, False),
    ("dropout", 0.5, True),
    ("dropout", -0.1, False),
    ("weight_decay", -1e-4, False),
    ("validation_fraction", 1.0, False),
    ("n_iter_no_change", 0, False),
    ("optimizer", "sgd", True),
    ("optimizer", "rmsprop", False),
    ("loss", "huber", True),
    ("loss", "hinge", False),
    ("lr_schedule", "cosine", True),
    ("lr_schedule", "step", False),
    ("amp", "bf16", True),
    ("amp", "fp8", False),
    ("early_stopping", True, True),
    ("early_stopping", "yes", False),
    ("channels_last", 1, False),
    ("threads", None, True),
    ("threads", 0, False),
    ("input_shape", [1, 28, 28], True),
    ("input_shape", [0, 28], False),
    ("random_state", 7, True),
    ("random_state", -1, False),
    ("verbose", 2, True),
    ("verbose", -1, False),
]
_TORCH_ARCH_VALUES = {
    "MLP": [("hidden_layer_sizes", [32, 16], True), ("hidden_layer_sizes", [32, 0], False)],
    "KerasCNN": [("padding", "same", True), ("padding", "full", False)],
    "LSTM": [("hidden_size", 8, True), ("hidden_size", 0, False)],
    "Transformer": [("n_layers", 1, True), ("n_heads", 0, False), ("d_model", -4, False)],
}


@pytest.mark.parametrize("family", ["MLP", "KerasCNN", "LSTM", "Transformer"])
@pytest.mark.parametrize("kind", ["Classifier", "Regressor"])
def test_torch_constraints_agree_with_fit_time_checks(family, kind):
    """The torch-free table, scikit-learn's reading of ``_parameter_constraints`` and the
    estimators' own checks in fit accept and reject the same values."""
    torch_pkg = pytest.importorskip("benchsuite.estimators.torch")
    from sklearn.utils._param_validation import InvalidParameterError

    from benchsuite.estimators._constraints import check_value, torch_constraints
    from benchsuite.estimators.torch._params import seed_of

    cls = getattr(torch_pkg, f"Torch{family}{kind}")
    rules = torch_constraints(cls.__name__)
    assert set(rules) == set(cls._get_param_names())  # every parameter has its rules
    for name, value, valid in [*_TORCH_VALUES, *_TORCH_ARCH_VALUES[family]]:
        if name == "loss" and kind == "Regressor" and value == "huber":
            valid = True
        estimator = cls(**{name: value})
        try:
            # what fit checks before it trains
            estimator._train_config()
            estimator._check_architecture()
            seed_of(estimator.random_state)
            fit_ok = True
        except ValueError:
            fit_ok = False
        try:
            estimator._validate_params()
            sklearn_ok = True
        except InvalidParameterError:
            sklearn_ok = False
        table_ok = check_value(name, value, rules[name], cls.__name__) is None
        assert (table_ok, fit_ok) == (valid, valid), (name, value)
        if name not in ("channels_last", "input_shape", "hidden_layer_sizes"):
            # scikit-learn's Interval(Integral) takes a bool, and "array-like" any list
            assert sklearn_ok == valid, (name, value)

"""build_estimator and resolved_params on real data."""

from __future__ import annotations

import json
import warnings

import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from benchsuite.errors import ConfigError
from benchsuite.estimators import (
    ESTIMATOR_ALIASES,
    build_estimator,
    estimator_class_path,
    resolved_params,
)

# keep every fit well under a second
FAST_PARAMS = {
    "rf": {"n_estimators": 5},
    "extra_trees": {"n_estimators": 5},
    "gb": {"n_estimators": 5},
    "hist_gb": {"max_iter": 5},
    "xgboost": {"n_estimators": 5},
    "lightgbm": {"n_estimators": 5},
    "mlp_sklearn": {"hidden_layer_sizes": [8], "max_iter": 20},
}


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


def _cases():
    for name, alias in sorted(ESTIMATOR_ALIASES.items()):
        if name.startswith("torch."):
            continue  # image/sequence networks: built and fitted in test_torch_*.py
        if alias.classifier is not None:
            yield pytest.param(name, "multiclass", id=f"{name}-multiclass")
        if alias.regressor is not None:
            yield pytest.param(name, "regression", id=f"{name}-regression")


def _final(estimator):
    return estimator[-1] if isinstance(estimator, Pipeline) else estimator


@pytest.mark.parametrize(("name", "task"), list(_cases()))
def test_alias_builds_and_fits(name, task, iris, diabetes):
    alias = ESTIMATOR_ALIASES[name]
    params = FAST_PARAMS.get(name, {})
    estimator = build_estimator(name, params, task=task, random_state=0)

    if alias.preprocessing == "none":
        assert not isinstance(estimator, Pipeline)
    else:
        # one fit-time preprocessor (test_estimator_tabular.py), then the estimator
        assert isinstance(estimator, Pipeline)
        assert len(estimator.steps) == 2
    final = _final(estimator)
    path = estimator_class_path(name, task)
    assert type(final).__name__ == path.rpartition(":")[2]

    X, y = iris if task == "multiclass" else diabetes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y)
    predictions = estimator.predict(X)
    assert predictions.shape == y.shape
    if alias.preprocessing == "scale_onehot":
        # on arrays the preprocessor is the StandardScaler it always was
        assert isinstance(estimator[0].transformer_, StandardScaler)

    # what records store is what the estimator got
    resolved = resolved_params(name, params, task=task, random_state=0)
    json.dumps(resolved)
    actual = final.get_params()
    assert {k: actual[k] for k in resolved} == resolved
    for key, value in alias.defaults.items():
        assert resolved[key] == value
    if "random_state" in actual:
        assert resolved["random_state"] == 0 == actual["random_state"]
    else:
        assert "random_state" not in resolved


def test_alias_with_wrong_task():
    with pytest.raises(ConfigError, match="svc is a classifier only"):
        build_estimator("svc", {}, task="regression", random_state=0)


def test_user_params_override_defaults():
    estimator = build_estimator("logreg", {"max_iter": 50, "C": 0.5}, task="binary", random_state=1)
    params = _final(estimator).get_params()
    assert (params["max_iter"], params["C"]) == (50, 0.5)
    assert resolved_params("logreg", {"C": 0.5}, task="binary", random_state=1) == {
        "max_iter": 1000,
        "C": 0.5,
        "random_state": 1,
    }


def test_registry_defaults_are_not_mutated():
    build_estimator("logreg", {"max_iter": 5}, task="binary", random_state=0)
    assert ESTIMATOR_ALIASES["logreg"].defaults == {"max_iter": 1000}


def test_import_string_gets_exactly_its_params():
    params = {"n_estimators": 7, "max_depth": 3}
    model = "sklearn.ensemble:RandomForestClassifier"
    estimator = build_estimator(model, params, task="binary", random_state=11)
    assert type(estimator) is RandomForestClassifier
    expected = RandomForestClassifier(n_estimators=7, max_depth=3, random_state=11)
    assert estimator.get_params() == expected.get_params()
    assert resolved_params(model, params, task="binary", random_state=11) == {
        **params,
        "random_state": 11,
    }


def test_import_string_is_not_scaled():
    estimator = build_estimator("sklearn.svm:SVC", {}, task="binary", random_state=None)
    assert type(estimator).__name__ == "SVC"


def test_no_random_state_for_estimators_without_one():
    model = "sklearn.neighbors:KNeighborsClassifier"
    estimator = build_estimator(model, {"n_neighbors": 3}, task="binary", random_state=5)
    assert estimator.get_params() == KNeighborsClassifier(n_neighbors=3).get_params()
    assert resolved_params(model, {"n_neighbors": 3}, task="binary", random_state=5) == {
        "n_neighbors": 3
    }
    assert resolved_params("knn", {}, task="regression", random_state=5) == {}


@pytest.mark.parametrize("model", ["rf", "sklearn.ensemble:RandomForestClassifier", "lightgbm"])
def test_random_state_rules(model):
    def final_seed(params, random_state):
        estimator = build_estimator(model, params, task="binary", random_state=random_state)
        return _final(estimator).get_params()["random_state"]

    assert final_seed({"random_state": 7}, 3) == 7  # the user's wins
    assert final_seed({"random_state": None}, 3) is None  # even an explicit None
    assert final_seed({}, 3) == 3  # derived
    assert final_seed({}, None) is None  # nothing to derive from
    assert "random_state" not in resolved_params(model, {}, task="binary", random_state=None)


def test_resolved_params_are_json_friendly():
    np = pytest.importorskip("numpy")
    resolved = resolved_params(
        "mlp_sklearn",
        {"hidden_layer_sizes": (8, 4), "alpha": np.float64(0.5)},
        task="binary",
        random_state=np.int64(2),
    )
    assert resolved == {"hidden_layer_sizes": [8, 4], "alpha": 0.5, "random_state": 2}
    assert type(resolved["alpha"]) is float
    json.dumps(resolved)


def test_build_unknown_alias():
    with pytest.raises(ConfigError, match="unknown estimator 'svm_rbf'"):
        build_estimator("svm_rbf", {}, task="binary", random_state=0)

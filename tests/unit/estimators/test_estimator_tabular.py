"""Per-alias preprocessing of tabular data: categorical columns and missing values."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from benchsuite.errors import ConfigError
from benchsuite.estimators import (
    ESTIMATOR_ALIASES,
    build_estimator,
    check_estimator_entry,
    estimator_class_path,
    resolved_params,
)
from benchsuite.estimators._introspect import import_class
from benchsuite.estimators._preprocess import CategoricalDtypes, TabularPreprocessor

FAST_PARAMS = {
    "rf": {"n_estimators": 30},
    "extra_trees": {"n_estimators": 30},
    "gb": {"n_estimators": 30},
    "hist_gb": {"max_iter": 30},
    "xgboost": {"n_estimators": 30},
    "lightgbm": {"n_estimators": 30},
    "mlp_sklearn": {"hidden_layer_sizes": [16], "max_iter": 300},
}
TABULAR = sorted(name for name in ESTIMATOR_ALIASES if not name.startswith("torch."))
CLASSIFIERS = [n for n in TABULAR if ESTIMATOR_ALIASES[n].classifier is not None]
REGRESSORS = [n for n in TABULAR if ESTIMATOR_ALIASES[n].regressor is not None]
NUMERIC = ["age", "income", "hours"]


def _frame(n: int = 600, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """An Adult-like table: numeric columns with NaN, category and object columns."""
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, n)
    income = rng.lognormal(10, 0.5, n)
    hours = rng.normal(40, 8, n)
    work = rng.choice(["private", "gov", "self"], n)
    edu = rng.choice(["hs", "college", "masters", "phd"], n)
    city = rng.choice(["north", "south", "east"], n)
    score = (
        0.08 * (age - 40)
        + np.where(edu == "phd", 2.5, 0.0)
        + np.where(edu == "hs", -2.5, 0.0)
        + np.where(city == "north", 1.5, -0.75)
        + rng.normal(0, 0.5, n)
    )
    X = pd.DataFrame(
        {
            "age": age,
            "income": income,
            "hours": hours,
            "work": pd.Categorical(work),
            "edu": pd.Categorical(edu, categories=["hs", "college", "masters", "phd"]),
            "city": pd.Series(city, dtype=object),
        }
    )
    for col, frac in zip(NUMERIC, (0.1, 0.05, 0.15), strict=True):
        X.loc[rng.random(n) < frac, col] = np.nan
    X.loc[rng.random(n) < 0.05, "work"] = np.nan
    y = (score > 0).astype(int)
    return X, y, score


@pytest.fixture(scope="module")
def table():
    X, y, score = _frame()
    return X.iloc[:400], y[:400], X.iloc[400:], y[400:], score[:400], score[400:]


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_every_classifier_alias_learns_a_mixed_table(name, table):
    X_train, y_train, X_test, y_test, _, _ = table
    estimator = build_estimator(name, FAST_PARAMS.get(name, {}), task="binary", random_state=0)
    _fit(estimator, X_train, y_train)
    accuracy = float(np.mean(estimator.predict(X_test) == y_test))
    majority = max(np.mean(y_test), 1 - np.mean(y_test))
    if name == "dummy":
        assert accuracy == pytest.approx(majority, abs=0.1)  # the baseline ignores features
    else:
        assert accuracy > max(0.75, majority + 0.15), accuracy


@pytest.mark.parametrize("name", REGRESSORS)
def test_every_regressor_alias_fits_a_mixed_table(name, table):
    X_train, _, X_test, _, s_train, _ = table
    estimator = build_estimator(name, FAST_PARAMS.get(name, {}), task="regression", random_state=0)
    _fit(estimator, X_train, s_train)
    predictions = estimator.predict(X_test)
    assert predictions.shape == (len(X_test),)
    assert np.isfinite(predictions).all()


@pytest.mark.parametrize("name", ["logreg", "rf", "hist_gb", "lightgbm", "xgboost", "svc"])
def test_categories_unseen_in_training_do_not_crash(name, table):
    X_train, y_train, X_test, _, _, _ = table
    estimator = build_estimator(name, FAST_PARAMS.get(name, {}), task="binary", random_state=0)
    _fit(estimator, X_train, y_train)
    X_new = X_test.copy()
    X_new["city"] = X_new["city"].where(np.arange(len(X_new)) % 3 > 0, "atlantis")
    X_new["work"] = pd.Categorical(
        X_new["work"].astype(object).where(np.arange(len(X_new)) % 4 > 0, "unpaid")
    )
    predictions = estimator.predict(X_new)
    assert predictions.shape == (len(X_new),)


def test_preprocessing_is_fitted_on_the_training_fold_only(table):
    X_train, y_train, X_test, _, _, _ = table
    estimator = _fit(build_estimator("logreg", {}, task="binary", random_state=0), X_train, y_train)
    pre = estimator[0]
    assert isinstance(pre, TabularPreprocessor) and pre.tabular_
    numeric = pre.transformer_.named_transformers_["numeric"]
    medians = X_train[NUMERIC].median().to_numpy()
    np.testing.assert_allclose(numeric[0].statistics_, medians)
    imputed = X_train[NUMERIC].fillna(X_train[NUMERIC].median())
    np.testing.assert_allclose(numeric[-1].mean_, imputed.mean().to_numpy())
    np.testing.assert_allclose(numeric[-1].scale_, imputed.std(ddof=0).to_numpy())
    # one-hot columns are the training fold's categories, unscaled
    onehot = pre.transformer_.named_transformers_["categorical"][-1]
    assert [list(c) for c in onehot.categories_][2] == sorted(X_train["city"].unique())
    out = estimator[0].transform(X_test)
    assert set(np.unique(out[:, len(NUMERIC) :])) <= {0.0, 1.0}

    # the ordinal family: medians and categories of the training fold as well
    rf = _fit(
        build_estimator("rf", {"n_estimators": 5}, task="binary", random_state=0), X_train, y_train
    )
    rf_pre = rf[0].transformer_
    np.testing.assert_allclose(rf_pre.named_transformers_["numeric"][0].statistics_, medians)
    # a row from the test fold with a value that training never saw encodes as -1
    row = X_test.iloc[:1].assign(city="atlantis")
    assert rf[0].transform(row)[0, -1] == -1


def test_categorical_dtypes_learns_training_categories_and_clones():
    X = pd.DataFrame(
        {"a": ["x", "y", None, "x"], "b": [1.0, 2.0, 3.0, 4.0], "c": [True, False] * 2}
    )
    step = CategoricalDtypes().fit(X)
    assert step.categories_ == {"a": ["x", "y"], "c": [False, True]}
    out = step.transform(pd.DataFrame({"a": ["y", "z"], "b": [0.0, 1.0], "c": [True, True]}))
    assert isinstance(out["a"].dtype, pd.CategoricalDtype)
    assert out["a"].tolist()[0] == "y" and pd.isna(out["a"].tolist()[1])
    assert out["b"].dtype == np.float64
    assert clone(step).get_params() == {}
    array = np.ones((3, 2))
    assert CategoricalDtypes().fit(array).transform(array) is array
    converted = step.transform(X)
    assert step.transform(converted) is converted  # already the fitted dtypes: no copy


def _old_way(name: str, params: dict, task: str):
    """The estimator as benchsuite built it before tabular preprocessing existed."""
    resolved = resolved_params(name, params, task=task, random_state=0)
    resolved.pop("enable_categorical", None)
    if "hidden_layer_sizes" in resolved:
        resolved["hidden_layer_sizes"] = tuple(resolved["hidden_layer_sizes"])
    final = import_class(estimator_class_path(name, task))(**resolved)
    if ESTIMATOR_ALIASES[name].preprocessing == "scale_onehot":
        return make_pipeline(StandardScaler(), final)
    return final


def _outputs(estimator, X) -> list[np.ndarray]:
    outputs = [estimator.predict(X)]
    for method in ("predict_proba", "decision_function"):
        if hasattr(estimator, method):
            outputs.append(getattr(estimator, method)(X))
    return outputs


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_arrays_and_numeric_frames_are_unchanged(name):
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::3], y[::3]
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    params = FAST_PARAMS.get(name, {})
    for data in (X, frame):
        new = _fit(build_estimator(name, params, task="binary", random_state=0), data, y)
        old = _fit(_old_way(name, params, "binary"), data, y)
        for ours, theirs in zip(_outputs(new, data), _outputs(old, data), strict=True):
            np.testing.assert_array_equal(ours, theirs)
        if isinstance(new, Pipeline):
            pre = new[0]
            if isinstance(pre, TabularPreprocessor):
                assert not pre.tabular_
                if isinstance(old, Pipeline):  # the same fitted scaler as before
                    assert isinstance(pre.transformer_, StandardScaler)
                    np.testing.assert_array_equal(pre.transformer_.mean_, old[0].mean_)
                else:
                    assert pre.transformer_ is None
            else:
                assert pre.transform(data) is data


def test_cross_validate_on_a_table_clones_the_preprocessing(table):
    X_train, y_train, _, _, _, _ = table
    estimator = build_estimator("logreg", {}, task="binary", random_state=0)
    scores = cross_validate(estimator, X_train, y_train, cv=3)["test_score"]
    assert scores.min() > 0.75
    assert not hasattr(estimator[0], "transformer_")  # the original stays unfitted


def test_hist_gb_uses_native_categoricals(table):
    X_train, y_train, _, _, _, _ = table
    estimator = _fit(
        build_estimator("hist_gb", {"max_iter": 10}, task="binary", random_state=0),
        X_train,
        y_train,
    )
    assert isinstance(estimator[0], CategoricalDtypes)
    assert estimator[-1].is_categorical_.tolist() == [False, False, False, True, True, True]


def test_hist_gb_sets_from_dtype_whatever_the_sklearn_default():
    # scikit-learn 1.4 and 1.5 default to categorical_features=None, which fails on the
    # category columns CategoricalDtypes makes; the alias passes "from_dtype" (1.6's default)
    params = resolved_params("hist_gb", {}, task="binary", random_state=0)
    assert params["categorical_features"] == "from_dtype"
    estimator = build_estimator("hist_gb", {}, task="binary", random_state=0)
    assert estimator[-1].get_params()["categorical_features"] == "from_dtype"
    user = build_estimator("hist_gb", {"categorical_features": None}, task="binary", random_state=0)
    assert user[-1].get_params()["categorical_features"] is None


def test_hist_gb_from_dtype_changes_nothing_on_numeric_data():
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = load_breast_cancer(return_X_y=True)
    frame = load_breast_cancer(as_frame=True).data
    for data in (X, frame):
        plain = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(data, y)
        alias = build_estimator("hist_gb", {"max_iter": 10}, task="binary", random_state=0)
        alias.fit(data, y)
        mask = alias[-1].is_categorical_  # None when no feature is categorical
        assert mask is None or not mask.any()
        np.testing.assert_array_equal(plain.predict_proba(data), alias.predict_proba(data))


def test_lightgbm_uses_native_categoricals(table):
    pytest.importorskip("lightgbm")
    X_train, y_train, _, _, _, _ = table
    estimator = build_estimator("lightgbm", {"n_estimators": 10}, task="binary", random_state=0)
    _fit(estimator, X_train, y_train)
    categorical = estimator[-1].booster_.pandas_categorical
    assert len(categorical) == 3
    assert list(categorical[2]) == sorted(X_train["city"].unique())


def test_xgboost_uses_native_categoricals(table):
    pytest.importorskip("xgboost")
    X_train, y_train, _, _, _, _ = table
    estimator = build_estimator("xgboost", {"n_estimators": 10}, task="binary", random_state=0)
    assert estimator[-1].get_params()["enable_categorical"] is True
    _fit(estimator, X_train, y_train)
    assert estimator[-1].get_booster().feature_types == ["float"] * 3 + ["c"] * 3
    assert resolved_params("xgboost", {}, task="binary", random_state=0)["enable_categorical"]


def test_xgboost_enable_categorical_changes_nothing_on_numeric_data():
    xgboost = pytest.importorskip("xgboost")
    X, y = load_breast_cancer(return_X_y=True)
    plain = xgboost.XGBClassifier(n_estimators=10, random_state=0).fit(X, y)
    alias = build_estimator("xgboost", {"n_estimators": 10}, task="binary", random_state=0)
    alias.fit(X, y)
    np.testing.assert_array_equal(plain.predict_proba(X), alias.predict_proba(X))


IMPORT = "sklearn.linear_model:LogisticRegression"


def test_import_string_gets_exactly_what_it_names(table):
    X_train, y_train, _, _, _, _ = table
    estimator = build_estimator(IMPORT, {"max_iter": 500}, task="binary", random_state=0)
    assert not isinstance(estimator, Pipeline)
    with pytest.raises(ValueError):
        estimator.fit(X_train, y_train)  # strings and NaN: the user asked for nothing else


def test_import_string_with_preprocess_auto(table):
    X_train, y_train, X_test, y_test, _, _ = table
    params = {"max_iter": 500, "preprocess": "auto"}
    check_estimator_entry({"model": IMPORT, "params": params})
    check_estimator_entry({"model": "sklearn.svm:SVC", "grid": {"preprocess": ["none", "auto"]}})
    estimator = build_estimator(IMPORT, params, task="binary", random_state=0)
    assert isinstance(estimator, Pipeline)
    assert estimator[0].get_params() == {
        "numeric": "passthrough",
        "categorical": "ordinal",
        "frames_only": False,
    }
    assert "preprocess" not in estimator[-1].get_params()
    _fit(estimator, X_train, y_train)
    assert np.mean(estimator.predict(X_test) == y_test) > 0.6
    resolved = resolved_params(IMPORT, params, task="binary", random_state=0)
    assert resolved == {"max_iter": 500, "preprocess": "auto", "random_state": 0}
    # what records store rebuilds the same pipeline
    rebuilt = build_estimator(IMPORT, resolved, task="binary", random_state=None)
    assert isinstance(rebuilt, Pipeline) and rebuilt[-1].get_params() == estimator[-1].get_params()
    bare = build_estimator(IMPORT, {"preprocess": "none"}, task="binary", random_state=0)
    assert not isinstance(bare, Pipeline)


@pytest.mark.parametrize(
    ("entry", "path", "message"),
    [
        (
            {"model": IMPORT, "params": {"preprocess": "yes"}},
            ("params", "preprocess"),
            "none or auto",
        ),
        (
            {"model": IMPORT, "grid": {"preprocess": ["auto", 1]}},
            ("grid", "preprocess"),
            "none or auto",
        ),
        ({"model": IMPORT, "grid": {"preprocess": []}}, ("grid", "preprocess"), "non-empty"),
        (
            {"model": IMPORT, "params": {"preprocess": "auto"}, "grid": {"preprocess": ["auto"]}},
            ("grid", "preprocess"),
            "both",
        ),
        (
            {"model": "rf", "params": {"preprocess": "auto"}},
            ("params", "preprocess"),
            "import-string",
        ),
        (
            {"model": "xgboost", "params": {"preprocess": "none"}},
            ("params", "preprocess"),
            "import-string",
        ),
        (
            {"model": IMPORT, "params": {"preprocess": "auto", "C_": 1}},
            ("params", "C_"),
            "unknown parameter",
        ),
    ],
)
def test_bad_preprocess_is_a_config_error(entry, path, message):
    with pytest.raises(ConfigError, match=message) as info:
        check_estimator_entry(entry)
    assert info.value.path == path


def test_bad_preprocess_at_build_time():
    with pytest.raises(ConfigError, match="none or auto") as info:
        build_estimator(IMPORT, {"preprocess": "always"}, task="binary", random_state=0)
    assert info.value.path == ("params", "preprocess")
    with pytest.raises(ConfigError) as info:
        resolved_params("logreg", {"preprocess": "auto"}, task="binary", random_state=0)
    assert info.value.path == ("params", "preprocess")

"""Fold scores equal scikit-learn's ``cross_validate`` on the same folds, bit for bit."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import datasets as skd
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate, train_test_split

from benchsuite.estimators import build_estimator
from benchsuite.executors import run_plan
from benchsuite.metrics import METRICS
from benchsuite.plan import build_plan
from benchsuite.suite import parse_suite

CLF_METRICS = ["accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "log_loss"]
REG_METRICS = ["r2", "rmse", "mae"]


def _run(tmp_path, text):
    suite = parse_suite(text, source="parity.yaml", base_dir=tmp_path)
    result = run_plan(build_plan(suite), output=tmp_path / "out", command_line=["test"])
    assert result.status == "completed"
    return suite, result.records


def _scoring(metrics, task="binary"):
    return {m: METRICS[m].scorer_name(task) for m in metrics}


def _ours(rec, metric):
    # errors are stored positive; sklearn's scorers return them negated
    value = rec.metrics[metric]
    return value if METRICS[metric].greater_is_better else -value


def _by_case(records):
    cases: dict[str, list] = {}
    for rec in records:
        assert rec.status == "ok", (rec.case_key, rec.error)
        cases.setdefault(rec.case_key, []).append(rec)
    return cases


def test_cv_fold_scores_equal_cross_validate_with_explicit_random_state(tmp_path):
    _, records = _run(
        tmp_path,
        """
name: parity
seed: 7
defaults:
  evaluation: {cv: 5}
  metrics: [accuracy, balanced_accuracy, f1_macro, f1, roc_auc, log_loss]
datasets: [breast_cancer, wine]
estimators:
  - {name: logreg, model: logreg}
  - {name: svc, model: svc, params: {C: 2.0, random_state: 3}}
  - {name: rf, model: rf, params: {n_estimators: 20, random_state: 1}}
  - {name: hgb, model: hist_gb, params: {max_iter: 20, random_state: 2}}
  - {name: xgb, model: xgboost, params: {n_estimators: 20, random_state: 4}}
  - {name: lgbm, model: lightgbm, params: {n_estimators: 20, random_state: 5}}
""",
    )
    loaders = {"breast_cancer": skd.load_breast_cancer, "wine": skd.load_wine}
    cases = _by_case(records)
    assert len(cases) == 12
    for key, recs in cases.items():
        recs.sort(key=lambda r: r.fold)
        assert [r.fold for r in recs] == list(range(5))
        X, y = loaders[recs[0].dataset](return_X_y=True)
        task = recs[0].task
        est = recs[0].estimator
        if est == "logreg":
            continue  # no random_state given: derived per fold, tested below
        model = {"svc": "svc", "rf": "rf", "hgb": "hist_gb", "xgb": "xgboost", "lgbm": "lightgbm"}
        # the params stored in the record rebuild the exact estimator
        estimator = build_estimator(model[est], recs[0].params, task=task, random_state=None)
        cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
        # SVC has no predict_proba: log_loss (and multiclass roc_auc) are not computed,
        # and the record says why
        missing = {"log_loss"} | ({"roc_auc"} if task == "multiclass" else set())
        metrics = [m for m in CLF_METRICS if not (est == "svc" and m in missing)]
        if task == "binary":
            metrics.append("f1")  # positive-class F1 applies to binary tasks only
        else:
            assert all("f1" not in r.metrics for r in recs)
        if est == "svc":
            for m in missing:
                assert all(f"{m} not computed" in " ".join(r.warnings) for r in recs)
                assert all(m not in r.metrics for r in recs)
        ref = cross_validate(estimator, X, y, cv=cv, scoring=_scoring(metrics, task))
        for m in metrics:
            ours = [_ours(r, m) for r in recs]
            assert ours == ref[f"test_{m}"].tolist(), (key, m)
        n_test = [len(t) for _, t in cv.split(X, y)]
        assert [r.n_test for r in recs] == n_test


def test_derived_random_state_per_fold_matches_cross_validate_on_that_fold(tmp_path):
    _, records = _run(
        tmp_path,
        """
name: parity-derived
defaults: {evaluation: {cv: 3}, repeats: 2, metrics: [accuracy, roc_auc]}
datasets: [breast_cancer]
estimators: [{name: rf, model: rf, params: {n_estimators: 10}}]
""",
    )
    X, y = skd.load_breast_cancer(return_X_y=True)
    splits = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    seeds = set()
    for rec in records:
        seeds.add(rec.params["random_state"])
        assert rec.params["random_state"] == rec.random_state
        est = build_estimator("rf", rec.params, task="binary", random_state=None)
        ref = cross_validate(
            est, X, y, cv=[splits[rec.fold]], scoring={"accuracy": "accuracy", "roc_auc": "roc_auc"}
        )
        assert rec.metrics["accuracy"] == ref["test_accuracy"][0]
        assert rec.metrics["roc_auc"] == ref["test_roc_auc"][0]
    # seeds derive from (seed, dataset, estimator, fold, repeat): all six differ
    assert len(seeds) == 6


def test_regression_fold_scores_equal_cross_validate(tmp_path):
    _, records = _run(
        tmp_path,
        """
name: parity-reg
seed: 3
defaults: {evaluation: {cv: 4}, metrics: [r2, rmse, mae, accuracy]}
datasets: [diabetes]
estimators:
  - ridge
  - {name: rf, model: rf, params: {n_estimators: 10, random_state: 0}}
  - {name: knn, model: "sklearn.neighbors:KNeighborsRegressor", params: {n_neighbors: 7}}
""",
    )
    X, y = skd.load_diabetes(return_X_y=True)
    cv = KFold(n_splits=4, shuffle=True, random_state=3)
    models = {"ridge": "ridge", "rf": "rf", "knn": "sklearn.neighbors:KNeighborsRegressor"}
    for key, recs in _by_case(records).items():
        recs.sort(key=lambda r: r.fold)
        assert set(recs[0].metrics) == set(REG_METRICS)  # accuracy does not apply
        est = build_estimator(
            models[recs[0].estimator], recs[0].params, task="regression", random_state=None
        )
        ref = cross_validate(est, X, y, cv=cv, scoring=_scoring(REG_METRICS))
        for m in REG_METRICS:
            assert [_ours(r, m) for r in recs] == ref[f"test_{m}"].tolist(), (key, m)


def test_holdout_equals_stratified_train_test_split(tmp_path):
    _, records = _run(
        tmp_path,
        """
name: parity-holdout
seed: 11
defaults: {evaluation: {holdout: 0.25}, metrics: [accuracy, f1_macro]}
datasets: [digits]
estimators: [{name: svc, model: svc, params: {C: 3.0}}]
""",
    )
    (rec,) = records
    X, y = skd.load_digits(return_X_y=True)
    idx = np.arange(len(y))
    train, test = train_test_split(idx, test_size=0.25, random_state=11, stratify=y)
    est = build_estimator("svc", rec.params, task="multiclass", random_state=None)
    ref = cross_validate(est, X, y, cv=[(train, test)], scoring=["accuracy", "f1_macro"])
    assert (rec.n_train, rec.n_test) == (len(train), len(test))
    assert rec.metrics["accuracy"] == ref["test_accuracy"][0]
    assert rec.metrics["f1_macro"] == ref["test_f1_macro"][0]


def test_import_string_gets_exactly_that_class(tmp_path):
    _, records = _run(
        tmp_path,
        """
name: parity-import
defaults: {evaluation: {cv: 2}}
datasets: [iris]
estimators:
  - {model: "sklearn.ensemble:RandomForestClassifier", params: {n_estimators: 5, max_depth: 3}}
""",
    )
    rec = records[0]
    assert rec.model == "sklearn.ensemble:RandomForestClassifier"
    # exactly the given params plus the derived seed, nothing else added
    assert rec.params == {"n_estimators": 5, "max_depth": 3, "random_state": rec.random_state}
    X, y = skd.load_iris(return_X_y=True)
    from sklearn.ensemble import RandomForestClassifier

    train, test = list(StratifiedKFold(2, shuffle=True, random_state=0).split(X, y))[rec.fold]
    est = clone(RandomForestClassifier(**rec.params)).fit(X[train], y[train])
    assert rec.metrics["accuracy"] == est.score(X[test], y[test])
    json.dumps(rec.to_dict())  # records are plain JSON


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_every_metric_names_a_real_sklearn_scorer(metric):
    from sklearn.metrics import get_scorer

    for task in METRICS[metric].tasks:
        get_scorer(METRICS[metric].scorer_name(task))

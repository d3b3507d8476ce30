"""``stratify: false``: the shuffled, unstratified splits of scikit-learn, index for index."""

from __future__ import annotations

import numpy as np
from sklearn import datasets as skd
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate, train_test_split

from benchsuite.datasets import load_dataset
from benchsuite.estimators import build_estimator
from benchsuite.executors import run_plan
from benchsuite.executors._splits import make_splits
from benchsuite.plan import build_plan
from benchsuite.suite import parse_suite


def _wine(tmp_path, evaluation: str, seed: int):
    suite = parse_suite(
        f"name: s\nseed: {seed}\ndefaults: {{evaluation: {evaluation}}}\n"
        "datasets: [wine]\nestimators: [svc]\n",
        base_dir=tmp_path,
    )
    (entry,) = suite.datasets
    dataset = load_dataset(entry, base_dir=tmp_path, seed=seed)
    return suite, dataset, make_splits(dataset, suite.defaults.evaluation, seed)


def test_unstratified_holdout_is_train_test_split_without_stratify(tmp_path):
    _, dataset, ((train, test),) = _wine(tmp_path, "{holdout: 0.2, stratify: false}", 42)
    X, y = skd.load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
    np.testing.assert_array_equal(dataset.X[train], X_train)
    np.testing.assert_array_equal(dataset.X[test], X_test)
    np.testing.assert_array_equal(dataset.y[test], y_test)
    # and it is not the stratified split the default makes
    _, _, ((_, stratified_test),) = _wine(tmp_path, "{holdout: 0.2}", 42)
    ref = train_test_split(np.arange(len(y)), test_size=0.2, random_state=42, stratify=y)[1]
    np.testing.assert_array_equal(stratified_test, ref)
    assert not np.array_equal(np.sort(stratified_test), np.sort(test))


def test_unstratified_cv_is_shuffled_kfold(tmp_path):
    _, dataset, splits = _wine(tmp_path, "{cv: 4, stratify: false}", 3)
    kfold = list(KFold(4, shuffle=True, random_state=3).split(dataset.X))
    assert len(splits) == 4
    for (train, test), (ref_train, ref_test) in zip(splits, kfold, strict=True):
        np.testing.assert_array_equal(train, ref_train)
        np.testing.assert_array_equal(test, ref_test)
    # stratify: true is the default, spelled out
    _, _, default = _wine(tmp_path, "{cv: 4, stratify: true}", 3)
    stratified = StratifiedKFold(4, shuffle=True, random_state=3).split(dataset.X, dataset.y)
    for (_, test), (_, ref_test) in zip(default, stratified, strict=True):
        np.testing.assert_array_equal(test, ref_test)


def test_unstratified_cv_fold_scores_equal_cross_validate(tmp_path):
    suite = parse_suite(
        "name: s\nseed: 5\ndefaults: {evaluation: {cv: 3, stratify: false}, metrics: [accuracy]}\n"
        "datasets: [wine]\nestimators: [svc]\n",
        base_dir=tmp_path,
    )
    records = run_plan(build_plan(suite), output=tmp_path / "out", command_line=["t"]).records
    records = sorted(records, key=lambda r: r.fold)
    assert [r.evaluation for r in records] == ["cv=3,stratify=false"] * 3
    X, y = skd.load_wine(return_X_y=True)
    est = build_estimator("svc", {}, task="multiclass", random_state=None)
    ref = cross_validate(est, X, y, cv=KFold(3, shuffle=True, random_state=5), scoring="accuracy")
    assert [r.metrics["accuracy"] for r in records] == ref["test_score"].tolist()

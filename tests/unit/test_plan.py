"""Suite -> Plan: grid expansion, keys, filters, seeds, pairs, metric selection."""

from __future__ import annotations

from benchsuite.plan import build_plan, case_key, derive_seed, matches, metrics_for_task
from benchsuite.suite import parse_suite

SUITE = """
name: p
seed: 5
defaults: {evaluation: {cv: 3}, repeats: 2, metrics: [accuracy, r2]}
datasets: [iris, diabetes]
estimators:
  - {name: svm, model: svc, grid: {C: [0.1, 1], gamma: [scale]}}
  - rf
"""


def test_grid_expands_to_one_case_per_point_times_folds_and_repeats():
    plan = build_plan(parse_suite(SUITE))
    assert plan.keys == [
        "iris/svm[C=0.1,gamma=scale]",
        "iris/svm[C=1,gamma=scale]",
        "iris/rf",
        "diabetes/svm[C=0.1,gamma=scale]",
        "diabetes/svm[C=1,gamma=scale]",
        "diabetes/rf",
    ]
    iris_svm = [c for c in plan.cases if c.key == "iris/svm[C=0.1,gamma=scale]"]
    assert [(c.fold, c.repeat) for c in iris_svm] == [(f, r) for f in range(3) for r in range(2)]
    assert iris_svm[0].params == {"C": 0.1, "gamma": "scale"}
    # svc on a regression dataset: one skipped case per grid point, no folds
    skipped = [c for c in plan.cases if c.skipped]
    assert [c.key for c in skipped] == [
        "diabetes/svm[C=0.1,gamma=scale]",
        "diabetes/svm[C=1,gamma=scale]",
    ]
    assert len(plan.runnable) == 2 * 6 + 6 + 6


def test_metrics_follow_the_task():
    plan = build_plan(parse_suite(SUITE))
    by_ds = {c.dataset.name: c.metrics for c in plan.cases}
    assert by_ds == {"iris": ("accuracy",), "diabetes": ("r2",)}
    # the task's defaults when none of the requested metrics apply, or none are given
    assert metrics_for_task(["rmse"], "binary") == ("roc_auc", "accuracy", "log_loss")
    assert metrics_for_task(None, "regression") == ("rmse", "r2", "mae")
    assert metrics_for_task(None, "multiclass") == ("accuracy", "f1_macro", "log_loss")


def test_seeds_are_deterministic_and_distinct():
    a = build_plan(parse_suite(SUITE))
    b = build_plan(parse_suite(SUITE))
    assert [c.random_state for c in a.cases] == [c.random_state for c in b.cases]
    rf = [c.random_state for c in a.cases if c.key == "iris/rf"]
    assert len(set(rf)) == 6
    assert derive_seed(5, "iris", "rf", 0, 0) == rf[0]
    assert 0 <= rf[0] < 2**31
    other = build_plan(parse_suite(SUITE.replace("seed: 5", "seed: 6")))
    assert [c.random_state for c in other.cases if c.key == "iris/rf"] != rf


def test_config_hash_changes_with_what_defines_the_numbers():
    base = {c.key: c.config_hash for c in build_plan(parse_suite(SUITE)).cases}
    changed = {
        c.key: c.config_hash for c in build_plan(parse_suite(SUITE.replace("cv: 3", "cv: 4"))).cases
    }
    assert all(base[k] != changed[k] for k in base)
    assert len({base["iris/rf"], base["diabetes/rf"]}) == 2


def test_filters_glob_and_substring():
    assert matches("iris/rf", ("iris/*",))
    assert matches("iris/svm[C=1]", ("svm",))
    assert not matches("iris/rf", ("wine",))
    assert matches("x/y", ())
    plan = build_plan(parse_suite(SUITE), filters=["*/rf"])
    assert plan.keys == ["iris/rf", "diabetes/rf"]
    assert build_plan(parse_suite(SUITE), filters=["nothing"]).cases == ()


def test_explicit_pairs_select_cases_in_suite_order():
    text = SUITE.replace(
        "  - rf\n", "  - rf\npairs:\n  - {datasets: [diabetes, iris], estimators: [rf]}\n"
    )
    plan = build_plan(parse_suite(text))
    assert plan.keys == ["iris/rf", "diabetes/rf"]


def test_case_key_is_readable():
    assert case_key("iris", "svm", {}) == "iris/svm"
    assert case_key("iris", "svm", {"gamma": "scale", "C": 10}) == "iris/svm[C=10,gamma=scale]"
    assert case_key("d", "m", {"layers": [64, 32]}) == "d/m[layers=[64, 32]]"


def test_holdout_is_one_fold():
    text = SUITE.replace("{cv: 3}", "{holdout: 0.3}").replace("repeats: 2", "repeats: 1")
    plan = build_plan(parse_suite(text))
    assert {(c.fold, c.n_folds) for c in plan.runnable} == {(0, 1)}
    assert plan.runnable[0].evaluation.describe() == "holdout=0.3"


def test_official_split_needs_a_dataset_with_published_parts():
    plan = build_plan(
        parse_suite(
            "name: o\ndefaults: {evaluation: {split: official}}\n"
            "datasets: [iris, {name: mt, source: mnist, part: test},"
            " {name: mt2, source: mnist, part: test, evaluation: {cv: 3}}]\n"
            "estimators: [knn]\n"
        )
    )
    reasons = {c.key: c.skip_reason for c in plan.cases}
    assert "no official train/test split" in reasons["iris/knn"]
    assert "only the official test part" in reasons["mt/knn"]
    assert reasons["mt2/knn"] is None  # cv within the test part
    assert [c.fold for c in plan.cases if c.key == "mt2/knn"] == [0, 1, 2]


def test_device_cuda_without_gpu_is_skipped_and_auto_runs_on_cpu(monkeypatch):
    import benchsuite.plan as plan_mod

    monkeypatch.setattr(plan_mod, "cuda_available", lambda: False)
    plan = build_plan(
        parse_suite(
            "name: d\ndefaults: {evaluation: {cv: 2}, device: auto}\ndatasets: [iris]\n"
            "estimators: [{name: gpu, model: torch.mlp, device: cuda}, torch.mlp,"
            " {name: svc-gpu, model: svc, device: cuda}, svc, xgboost]\n"
        )
    )
    reasons = {c.key: c.skip_reason for c in plan.cases}
    assert "CUDA is not available" in reasons["iris/gpu"]
    assert "runs on the CPU only" in reasons["iris/svc-gpu"]
    assert reasons["iris/torch.mlp"] is None and reasons["iris/svc"] is None
    params = {c.key: c.params for c in plan.cases}
    assert params["iris/torch.mlp"]["device"] == "auto"  # torch models resolve auto
    assert "device" not in params["iris/svc"] and "device" not in params["iris/xgboost"]

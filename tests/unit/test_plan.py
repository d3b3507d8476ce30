"""Suite -> Plan: grid expansion into cases and jobs, keys, filters, seeds, pairs, metrics."""

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


def _keys(plan):
    return [c.key for c in plan.cases]


def test_grid_expands_to_one_case_per_point_and_one_job_per_fold_and_repeat():
    plan = build_plan(parse_suite(SUITE))
    assert _keys(plan) == [
        "iris/svm[C=0.1,gamma=scale]",
        "iris/svm[C=1,gamma=scale]",
        "iris/rf",
        "diabetes/svm[C=0.1,gamma=scale]",
        "diabetes/svm[C=1,gamma=scale]",
        "diabetes/rf",
    ]
    iris_svm = [j for j in plan.jobs if j.case.key == "iris/svm[C=0.1,gamma=scale]"]
    assert [(j.fold, j.repeat) for j in iris_svm] == [(f, r) for f in range(3) for r in range(2)]
    assert iris_svm[0].case.params == {"C": 0.1, "gamma": "scale"}
    # svc on a regression dataset: one skipped case per grid point, no folds
    skipped = [c for c in plan.cases if c.skipped]
    assert [c.key for c in skipped] == [
        "diabetes/svm[C=0.1,gamma=scale]",
        "diabetes/svm[C=1,gamma=scale]",
    ]
    assert len(plan.runnable_jobs) == 2 * 6 + 6 + 6
    assert len(plan.jobs) == len(plan.runnable_jobs) + 2  # one job records each skip


def test_cases_and_jobs_relate_as_documented():
    plan = build_plan(parse_suite(SUITE))
    # one case per key
    assert len(plan.cases) == len({j.case.key for j in plan.jobs}) == 6
    # each job belongs to exactly one case of the plan, and jobs come case by case
    assert all(sum(j.case is c for c in plan.cases) == 1 for j in plan.jobs)
    assert plan.jobs == tuple(j for c in plan.cases for j in c.jobs)
    for case in plan.cases:
        jobs = [j for j in plan.jobs if j.case is case]
        assert jobs == list(case.jobs)
        if case.skipped:
            # the skip reason is the case's; one job records it
            assert "regression" in case.skip_reason
            assert [(j.fold, j.repeat, j.skipped) for j in jobs] == [(0, 0, True)]
        else:
            # n_folds x repeats, each (fold, repeat) once
            assert len(jobs) == case.n_folds * case.repeats == 3 * 2
            assert len({j.id for j in jobs}) == len(jobs)
            assert not any(j.skipped for j in jobs)
    assert [j for j in plan.jobs if not j.skipped] == list(plan.runnable_jobs)
    # a narrowed plan (a resume) keeps the cases of its jobs, and only those
    rest = plan.only(plan.jobs[-3:])
    assert rest.jobs == plan.jobs[-3:] and _keys(rest) == ["diabetes/rf"]


def test_jobs_pickle_small_with_their_case():
    import pickle

    plan = build_plan(parse_suite(SUITE))
    job = plan.runnable_jobs[0]
    copy = pickle.loads(pickle.dumps(job))
    assert copy == job and copy.case == job.case
    # what an executor ships to a worker holds its case, never the suite or the plan
    assert len(pickle.dumps(job)) < len(pickle.dumps(plan.suite))


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
    assert [j.random_state for j in a.jobs] == [j.random_state for j in b.jobs]
    rf = [j.random_state for j in a.jobs if j.case.key == "iris/rf"]
    assert len(set(rf)) == 6
    assert derive_seed(5, "iris", "rf", 0, 0) == rf[0]
    assert 0 <= rf[0] < 2**31
    other = build_plan(parse_suite(SUITE.replace("seed: 5", "seed: 6")))
    assert [j.random_state for j in other.jobs if j.case.key == "iris/rf"] != rf


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
    assert _keys(plan) == ["iris/rf", "diabetes/rf"]
    nothing = build_plan(parse_suite(SUITE), filters=["nothing"])
    assert nothing.cases == () and nothing.jobs == ()


def test_explicit_pairs_select_cases_in_suite_order():
    text = SUITE.replace(
        "  - rf\n", "  - rf\npairs:\n  - {datasets: [diabetes, iris], estimators: [rf]}\n"
    )
    plan = build_plan(parse_suite(text))
    assert _keys(plan) == ["iris/rf", "diabetes/rf"]


def test_case_key_is_readable():
    assert case_key("iris", "svm", {}) == "iris/svm"
    assert case_key("iris", "svm", {"gamma": "scale", "C": 10}) == "iris/svm[C=10,gamma=scale]"
    assert case_key("d", "m", {"layers": [64, 32]}) == "d/m[layers=[64, 32]]"


def test_holdout_is_one_fold():
    text = SUITE.replace("{cv: 3}", "{holdout: 0.3}").replace("repeats: 2", "repeats: 1")
    plan = build_plan(parse_suite(text))
    assert {(j.fold, j.case.n_folds) for j in plan.runnable_jobs} == {(0, 1)}
    assert plan.runnable_jobs[0].case.evaluation.describe() == "holdout=0.3"


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
    assert [j.fold for j in plan.jobs if j.case.key == "mt2/knn"] == [0, 1, 2]


def test_device_cuda_without_gpu_is_skipped_and_auto_runs_on_cpu(monkeypatch):
    import benchsuite._skips as skips

    monkeypatch.setattr(skips, "cuda_available", lambda: False)
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


def test_config_hashes_of_the_ci_suite_match_its_committed_baseline():
    # options added to the suite model must not change the hash of suites that do not use
    # them: `compare` would call every case of the CI baseline not-comparable
    import json
    from pathlib import Path

    from benchsuite.suite import load_suite

    root = Path(__file__).resolve().parents[2]
    plan = build_plan(load_suite(root / "suites" / "ci.yaml"))
    (records,) = root.glob("results/baseline/ci/*/records.jsonl")
    baseline = {}
    for line in records.read_text().splitlines():
        rec = json.loads(line)
        baseline[rec["case_key"]] = rec["config_hash"]
    planned = {c.key: c.config_hash for c in plan.cases}
    assert planned == baseline


def test_stratify_false_is_part_of_the_case_definition():
    plain = build_plan(parse_suite(SUITE))
    unstratified = build_plan(parse_suite(SUITE.replace("{cv: 3}", "{cv: 3, stratify: false}")))
    stratified = build_plan(parse_suite(SUITE.replace("{cv: 3}", "{cv: 3, stratify: true}")))
    hashes = [{c.key: c.config_hash for c in p.cases} for p in (plain, unstratified, stratified)]
    assert all(hashes[0][k] != hashes[1][k] for k in hashes[0])
    assert all(hashes[1][k] != hashes[2][k] for k in hashes[0])
    assert unstratified.cases[0].evaluation.describe() == "cv=3,stratify=false"
    assert plain.cases[0].evaluation.describe() == "cv=3"


SHAPES = """
name: shapes
defaults: {evaluation: {cv: 2}}
datasets:
  - iris
  - digits
  - {name: seq, source: synthetic_sequences, params: {n_samples: 60, n_steps: 12, n_features: 3}}
  - {name: blobs, source: make_classification, params: {n_samples: 60, n_features: 16}}
estimators:
  - torch.mlp
  - torch.cnn
  - torch.keras_cnn
  - {name: keras-same, model: torch.keras_cnn, params: {padding: same}}
  - torch.lenet
  - torch.lstm
  - torch.gru
  - torch.transformer
  - {name: cnn-4x4, model: torch.cnn, params: {input_shape: [1, 4, 4]}}
  - {name: lstm-16x1, model: torch.lstm, params: {input_shape: [16, 1]}}
  - {name: lenet-class, model: "benchsuite.estimators.torch:TorchLeNetClassifier"}
  - svc
"""


def test_image_and_sequence_models_need_a_declared_sample_shape():
    reasons = {c.key: c.skip_reason for c in build_plan(parse_suite(SHAPES)).cases}
    # a table is no image, even when its feature count is a square (iris: 4 = 2x2)
    for model in ("torch.cnn", "torch.keras_cnn", "keras-same", "torch.lenet", "lenet-class"):
        for dataset in ("iris", "blobs"):
            assert "needs images" in reasons[f"{dataset}/{model}"]
            assert f"dataset '{dataset}' declares no image shape" in reasons[f"{dataset}/{model}"]
            assert "params.input_shape" in reasons[f"{dataset}/{model}"]
    for model in ("torch.lstm", "torch.gru", "torch.transformer"):
        for dataset in ("iris", "blobs"):
            assert "needs sequences or images" in reasons[f"{dataset}/{model}"]
        # sequences and images are both read step by step
        assert reasons[f"seq/{model}"] is None and reasons[f"digits/{model}"] is None
    # tabular models take anything
    for dataset in ("iris", "digits", "seq", "blobs"):
        assert reasons[f"{dataset}/torch.mlp"] is None and reasons[f"{dataset}/svc"] is None
    # digits declares its 8x8 images
    assert reasons["digits/torch.cnn"] is None and reasons["digits/keras-same"] is None


def test_images_too_small_for_the_network_are_skipped_with_the_size_needed():
    reasons = {c.key: c.skip_reason for c in build_plan(parse_suite(SHAPES)).cases}
    assert reasons["digits/torch.keras_cnn"] == (
        "torch.keras_cnn needs images of at least 18x18; dataset 'digits' gives 8x8 "
        "(padding: same takes images down to 4x4)"
    )
    assert "at least 12x12; dataset 'digits' gives 8x8" in reasons["digits/torch.lenet"]
    assert "at least 12x12" in reasons["digits/lenet-class"]  # import string of an alias
    # a sequence seen as an image: 12 steps x 3 features is too narrow for two poolings
    assert reasons["seq/torch.cnn"] == (
        "torch.cnn needs images of at least 4x4; dataset 'seq' gives 12x3"
    )


def test_explicit_input_shape_overrides_the_dataset():
    plan = build_plan(parse_suite(SHAPES))
    reasons = {c.key: c.skip_reason for c in plan.cases}
    assert reasons["blobs/cnn-4x4"] is None and reasons["blobs/lstm-16x1"] is None
    assert reasons["iris/cnn-4x4"] is None  # the model says what it fails on at fit time
    assert len([j for j in plan.jobs if j.case.key == "blobs/cnn-4x4"]) == 2  # both folds
    text = SHAPES.replace("input_shape: [1, 4, 4]", "input_shape: [1, 2, 8]")
    reasons = {c.key: c.skip_reason for c in build_plan(parse_suite(text)).cases}
    assert reasons["blobs/cnn-4x4"] == (
        "torch.cnn needs images of at least 4x4; params.input_shape gives 2x8"
    )


def test_a_grid_over_padding_skips_only_the_points_that_cannot_run():
    text = (
        "name: g\ndefaults: {evaluation: {cv: 2}}\ndatasets: [digits]\n"
        "estimators: [{name: k, model: torch.keras_cnn, grid: {padding: [valid, same]}}]\n"
    )
    plan = build_plan(parse_suite(text))
    reasons = {c.key: c.skip_reason for c in plan.cases}
    assert "at least 18x18" in reasons["digits/k[padding=valid]"]
    assert reasons["digits/k[padding=same]"] is None
    assert len(plan.runnable_jobs) == 2


def test_a_cuda_index_past_the_machines_gpus_is_skipped(monkeypatch):
    # issue 14: `device: cuda:7` on a machine with one GPU is a planned skip with the count,
    # not a crash of every job
    import benchsuite._skips as skips

    monkeypatch.setattr(skips, "cuda_available", lambda: True)
    monkeypatch.setattr(skips, "cuda_device_count", lambda: 1)
    plan = build_plan(
        parse_suite(
            "name: d\ndefaults: {evaluation: {cv: 2}}\ndatasets: [iris]\n"
            "estimators: [{name: seven, model: torch.mlp, device: 'cuda:7'},"
            " {name: zero, model: torch.mlp, device: 'cuda:0'},"
            " {name: any, model: torch.mlp, device: cuda}]\n"
        )
    )
    reasons = {c.key: c.skip_reason for c in plan.cases}
    assert reasons["iris/seven"] == (
        "device 'cuda:7' requested but this run sees 1 GPU (cuda:0 to cuda:0;"
        " counted by torch; CUDA_VISIBLE_DEVICES applies)"
    )
    assert reasons["iris/zero"] is None and reasons["iris/any"] is None

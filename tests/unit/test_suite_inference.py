"""The suite's ``inference:`` blocks (issue 15): syntax, merge over ``defaults``, bad input
as one located line (exit 2), the plan's Case.inference and its skip reasons, and what
``validate`` / ``run --dry-run`` say about it."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from benchsuite.cli import main
from benchsuite.inference import InferenceSpec
from benchsuite.plan import build_plan, inference_lines
from benchsuite.suite import InferenceBlock, SuiteError, _fast, _schema, parse_suite

ROOT = Path(__file__).resolve().parents[2]


def y(text: str) -> str:
    """Dedented YAML; line 1 is the first line after the opening quotes."""
    return textwrap.dedent(text).lstrip("\n")


def _plan(text: str):
    return build_plan(parse_suite(text, source="s.yaml"))


def _inference(plan) -> dict[str, InferenceSpec | None]:
    return {c.key: c.inference for c in plan.cases}


# --------------------------------------------------------------------------------------
# syntax and merge
# --------------------------------------------------------------------------------------

MERGE = y("""
    name: inf
    defaults:
      inference: {batch_sizes: [1, 64], min_time_s: 0.5, method: predict}
    datasets: [iris]
    estimators:
      - rf
      - {name: lr, model: logreg, inference: {warmup: 0, folds: all}}
      - {name: knn, model: knn, inference: false}
      - {name: dt, model: extra_trees, inference: true}
      - {name: big, model: gb, inference: {batch_sizes: [4096], min_time_s: 1}}
    """)


def test_an_estimator_block_is_merged_over_the_defaults_block_key_by_key():
    got = _inference(_plan(MERGE))
    base = InferenceSpec(batch_sizes=(1, 64), min_time_s=0.5)
    assert got["iris/rf"] == base
    # its own keys win; the others come from defaults, then InferenceSpec's defaults
    assert got["iris/lr"] == InferenceSpec(
        batch_sizes=(1, 64), min_time_s=0.5, warmup=0, folds="all"
    )
    assert got["iris/knn"] is None  # false: none, whatever defaults say
    assert got["iris/dt"] == base  # true: the defaults' block as it is
    assert got["iris/big"] == InferenceSpec(batch_sizes=(4096,), min_time_s=1.0)
    assert type(got["iris/big"].min_time_s) is float


def test_true_asks_for_every_default_and_no_block_means_no_inference():
    got = _inference(
        _plan("name: t\ndefaults: {inference: true}\ndatasets: [iris]\nestimators: [rf, knn]\n")
    )
    assert got == {"iris/rf": InferenceSpec(), "iris/knn": InferenceSpec()}
    plan = _plan("name: t\ndatasets: [iris]\nestimators: [rf]\n")
    assert _inference(plan) == {"iris/rf": None}
    assert inference_lines(plan) == []  # nothing is said when nothing is measured
    # per estimator only, and over `defaults: {inference: false}`
    text = y("""
        name: t
        defaults: {inference: false}
        datasets: [iris]
        estimators:
          - rf
          - {name: knn, model: knn, inference: {batch_sizes: [2]}}
          - {name: dt, model: extra_trees, inference: true}
        """)
    got = _inference(_plan(text))
    assert got == {
        "iris/rf": None,
        "iris/knn": InferenceSpec(batch_sizes=(2,)),
        "iris/dt": InferenceSpec(),
    }


def test_the_suite_keeps_what_the_file_says():
    suite = parse_suite(MERGE, source="s.yaml")
    assert suite.defaults.inference == InferenceBlock(
        batch_sizes=[1, 64], min_time_s=0.5, method="predict"
    )
    assert [e.inference for e in suite.estimators][2:4] == [False, True]
    assert suite.estimators[0].inference is None
    # a suite without the key dumps as before it existed
    plain = parse_suite("name: t\ndatasets: [iris]\nestimators: [rf]\n")
    assert "inference" not in plain.defaults.model_dump()
    assert "inference" not in plain.estimators[0].model_dump()


def test_an_inference_block_does_not_change_config_hashes():
    # two runs stay comparable for scores and fit time when a block is added
    base = "name: t\ndatasets: [iris]\nestimators: [rf, {name: s, model: svc, grid: {C: [1, 2]}}]\n"
    with_block = base.replace("name: t\n", "name: t\ndefaults: {inference: {batch_sizes: [3]}}\n")
    hashes = [{c.key: c.config_hash for c in _plan(t).cases} for t in (base, with_block)]
    assert hashes[0] == hashes[1]
    assert all(c.inference is not None for c in _plan(with_block).cases)


# --------------------------------------------------------------------------------------
# the plan: predict_proba where it cannot be had
# --------------------------------------------------------------------------------------

PROBA = y("""
    name: proba
    defaults:
      evaluation: {cv: 2}
      inference: {method: predict_proba}
    datasets: [iris, diabetes]
    estimators:
      - rf
      - ridge
      - {name: svm, model: svc}
      - {name: svm-p, model: svc, params: {probability: true}}
      - {name: sgd, model: "sklearn.linear_model:SGDClassifier", grid: {loss: [hinge, log_loss]}}
    """)


def test_predict_proba_without_the_method_runs_the_case_without_inference():
    plan = _plan(PROBA)
    cases = {c.key: c for c in plan.cases}
    reasons = {k: c.inference_skip_reason for k, c in cases.items() if c.inference_skip_reason}
    assert reasons == {
        "iris/ridge": "RidgeClassifier has no predict_proba",
        "iris/svm": "SVC has predict_proba only with probability=True",
        "iris/sgd[loss=hinge]": "SGDClassifier has no predict_proba with these params",
        "diabetes/rf": "predict_proba asked of a regression task (regressors give no "
        "probabilities)",
        "diabetes/ridge": "predict_proba asked of a regression task (regressors give no "
        "probabilities)",
    }
    for key in reasons:
        # not a skip: the fit/predict jobs run as without the block
        assert not cases[key].skipped and cases[key].inference is None
        assert len(cases[key].jobs) == 2
    proba = InferenceSpec(method="predict_proba")
    for key in ("iris/rf", "iris/svm-p", "iris/sgd[loss=log_loss]"):
        assert cases[key].inference == proba and cases[key].inference_skip_reason is None
    # a skipped case (svc on a regression task) measures nothing and gives no second reason
    assert cases["diabetes/svm"].skipped
    assert cases["diabetes/svm"].inference is cases["diabetes/svm"].inference_skip_reason is None


def test_predict_is_never_a_reason():
    text = PROBA.replace("method: predict_proba", "method: predict")
    plan = _plan(text)
    assert [c.key for c in plan.cases if c.inference_skip_reason] == []
    assert all(c.inference is not None for c in plan.cases if not c.skipped)


def test_inference_lines_count_cases_per_setting_and_group_reasons():
    lines = inference_lines(_plan(PROBA))
    assert lines == [
        "inference: batch sizes 1, 1024 (predict_proba), first fold, 3 cases",
        "inference not measured for iris/ridge: RidgeClassifier has no predict_proba",
        "inference not measured for iris/svm: SVC has predict_proba only with probability=True",
        "inference not measured for iris/sgd[loss=hinge]: SGDClassifier has no predict_proba"
        " with these params",
        "inference not measured for diabetes/rf, diabetes/ridge: predict_proba asked of a "
        "regression task (regressors give no probabilities)",
    ]
    lines = inference_lines(_plan(MERGE))
    assert lines == [
        "inference: batch sizes 1, 64 (predict), first fold, 2 cases",
        "inference: batch sizes 1, 64 (predict), every fold, 1 case",
        "inference: batch sizes 4096 (predict), first fold, 1 case",
    ]


# --------------------------------------------------------------------------------------
# the CLI: validate and run --dry-run say it; bad input is one located line, exit 2
# --------------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_and_dry_run_show_the_inference_lines(tmp_path, capsys):
    path = _write(tmp_path, PROBA)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{path}: ok · 2 datasets x 5 estimators")
    assert out[1:] == inference_lines(_plan(PROBA))
    assert main(["run", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "inference: batch sizes 1, 1024 (predict_proba), first fold, 3 cases" in out
    assert "inference not measured for iris/ridge: RidgeClassifier has no predict_proba" in out


# line 9 is the bad key's line in every case below
BAD_TEMPLATE = """name: x
datasets: [iris]
estimators:
  - rf
  - name: m
    model: logreg
    inference:
      # the bad key is next
      %s
"""


def bad(line: str, key: str, *parts: str):
    return pytest.param(line, key, parts, id=line)


BAD = [
    bad("batch_sizes: []", "batch_sizes", "must list at least one batch size"),
    bad("batch_sizes: [1, true]", "batch_sizes[1]", "valid integer, got a boolean (true)"),
    bad("batch_sizes: [1.5]", "batch_sizes[0]", "valid integer, got a number (1.5)"),
    bad("batch_sizes: [32, 0]", "batch_sizes[1]", "greater than or equal to 1, got a number (0)"),
    bad("batch_sizes: 32", "batch_sizes", "valid list, got a number (32)"),
    bad("batch_sizes: [1, 32, 1]", "batch_sizes", "batch size 1 is listed twice"),
    bad("min_time_s: 0", "min_time_s", "greater than 0, got a number (0)"),
    bad("min_time_s: -0.1", "min_time_s", "greater than 0, got a number (-0.1)"),
    bad("min_time_s: '1'", "min_time_s", "valid number, got a string ('1')"),
    bad("min_time_s: .inf", "min_time_s", "finite number"),
    bad("warmup: -1", "warmup", "greater than or equal to 0, got a number (-1)"),
    bad("max_calls: 0", "max_calls", "greater than or equal to 1, got a number (0)"),
    bad("folds: some", "folds", "'first' or 'all', got a string ('some')"),
    bad("method: decision_function", "method", "'predict' or 'predict_proba'"),
    bad(
        "batch_size: [1]",
        "batch_size",
        "unknown key 'batch_size' (did you mean 'batch_sizes'?)",
        "allowed keys: batch_sizes, min_time_s, warmup, max_calls, folds, method, device_resident",
    ),
    bad("device_resident: 1", "device_resident", "valid boolean, got a number (1)"),
    bad(
        "device_resident: true",
        "device_resident",
        "device_resident applies to benchsuite's torch models",
        "logreg is not one",
    ),
]


def _one_error(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    return lines[0]


@pytest.mark.parametrize(("line", "key", "parts"), BAD)
def test_bad_inference_input_is_one_located_line_exit_2(line, key, parts, tmp_path, capsys):
    path = _write(tmp_path, BAD_TEMPLATE % line)
    assert main(["validate", str(path)]) == 2
    error = _one_error(capsys)
    assert error.startswith(f"error: {path}:9: estimators[1].inference.{key}: "), error
    for part in parts:
        assert part in error, error


@pytest.mark.parametrize(
    ("text", "start", "part"),
    [
        (
            "name: x\ndefaults:\n  inference: 5\ndatasets: [iris]\nestimators: [rf]\n",
            ":3: defaults.inference: ",
            "must be a mapping of inference settings, true or false, got a number (5)",
        ),
        (
            "name: x\ndatasets: [iris]\nestimators:\n  - {name: r, model: rf, inference: [1]}\n",
            ":4: estimators[0].inference: ",
            "must be a mapping of inference settings, true or false, got a list",
        ),
        (
            "name: x\ndefaults:\n  inference:\n    mehtod: predict\n"
            "datasets: [iris]\nestimators: [rf]\n",
            ":4: defaults.inference.mehtod: ",
            "unknown key 'mehtod' (did you mean 'method'?)",
        ),
    ],
)
def test_a_block_that_is_no_mapping_or_has_a_typo_is_located(text, start, part, tmp_path, capsys):
    path = _write(tmp_path, text)
    assert main(["validate", str(path)]) == 2
    error = _one_error(capsys)
    assert error.startswith(f"error: {path}{start}"), error
    assert part in error, error


def test_run_refuses_bad_inference_input_before_running(tmp_path, capsys):
    path = _write(tmp_path, BAD_TEMPLATE % "min_time_s: 0")
    assert main(["run", str(path), "-o", str(tmp_path / "out"), "-q"]) == 2
    assert _one_error(capsys).startswith(f"error: {path}:9: estimators[1].inference.min_time_s: ")
    assert not (tmp_path / "out").exists()


DEVICE_RESIDENT = y("""
    name: dr
    defaults:
      inference:
        batch_sizes: [1, 256]
        device_resident: true
    datasets: [iris]
    estimators:
      - {name: net, model: torch.mlp}
      - {name: net2, model: "benchsuite.estimators.torch:TorchMLPClassifier"}
      - {name: forest, model: rf}
    """)


def test_device_resident_from_defaults_names_the_estimator_that_is_not_torch(tmp_path, capsys):
    path = _write(tmp_path, DEVICE_RESIDENT)
    assert main(["validate", str(path)]) == 2
    error = _one_error(capsys)
    assert error.startswith(f"error: {path}:5: defaults.inference.device_resident: "), error
    assert "estimator 'forest' (rf) is not one" in error
    # the fix it suggests works: the torch models keep it, the forest times host to host
    fixed = DEVICE_RESIDENT.replace("model: rf}", "model: rf, inference: {device_resident: false}}")
    got = _inference(_plan(fixed))
    assert (
        got["iris/net"]
        == got["iris/net2"]
        == InferenceSpec(batch_sizes=(1, 256), device_resident=True)
    )
    assert got["iris/forest"] == InferenceSpec(batch_sizes=(1, 256))
    # and so does leaving the forest out of inference
    assert (
        _inference(_plan(fixed.replace("{device_resident: false}", "false")))["iris/forest"] is None
    )


# --------------------------------------------------------------------------------------
# fast path and schema path agree; validate stays light
# --------------------------------------------------------------------------------------

BLOCKS = [
    None,
    True,
    False,
    {},
    {"batch_sizes": [1, 32, 1024]},
    {"batch_sizes": [7], "min_time_s": 1, "warmup": 0, "max_calls": 1},
    {"min_time_s": 0.05, "folds": "all", "method": "predict_proba", "device_resident": True},
    {"device_resident": False, "folds": "first"},
    {"method": None},  # null: as if not given
    # what both must refuse, or the fast checker must leave to pydantic
    {"batch_sizes": []},
    {"batch_sizes": [True]},
    {"batch_sizes": [1.0]},
    {"batch_sizes": [0]},
    {"batch_sizes": [2, 2]},
    {"batch_sizes": [2**70]},
    {"batch_sizes": "1"},
    {"min_time_s": 0},
    {"min_time_s": True},
    {"min_time_s": 2**60},
    {"min_time_s": float("nan")},
    {"min_time_s": float("inf")},
    {"warmup": -1},
    {"warmup": 1.0},
    {"max_calls": 0},
    {"folds": "First"},
    {"device_resident": "true"},
    {"batch": [1]},
    {1: 2},
    1,
    "true",
    [],
]


@pytest.mark.parametrize("where", ["defaults", "estimator"])
def test_fast_checker_and_schema_agree_on_inference_blocks(where):
    fast_accepted = 0
    for block in BLOCKS:
        doc = {"name": "x", "datasets": [{"name": "iris", "source": "iris"}]}
        doc["estimators"] = [{"name": "rf", "model": "rf"}]
        if where == "defaults":
            doc["defaults"] = {"inference": copy.deepcopy(block)}
        else:
            doc["estimators"][0]["inference"] = copy.deepcopy(block)
        fast = _fast.fast_fields(copy.deepcopy(doc))
        try:
            slow = _schema.validate(copy.deepcopy(doc))
        except ValidationError:
            slow = None
        if fast is not None:
            fast_accepted += 1
            assert slow is not None, block
            # repr tells 1 from 1.0 and True from 1
            assert fast == slow and repr(fast) == repr(slow), block
    assert fast_accepted == 9  # the first nine, the valid ones, need no pydantic


def test_plain_inference_blocks_take_the_fast_path(monkeypatch):
    calls = []
    real = _fast.fast_fields
    monkeypatch.setattr(_fast, "fast_fields", lambda doc: calls.append(real(doc)) or calls[-1])
    parse_suite(MERGE, source="s.yaml")
    assert calls and calls[0] is not None


def test_schema_error_text_is_the_same_whichever_path_starts(monkeypatch):
    text = BAD_TEMPLATE % "warmup: -2"
    with pytest.raises(SuiteError) as fast_err:
        parse_suite(text, source="s.yaml")
    monkeypatch.setattr(_fast, "fast_fields", lambda doc: None)
    with pytest.raises(SuiteError) as slow_err:
        parse_suite(text, source="s.yaml")
    assert str(fast_err.value) == str(slow_err.value)
    assert str(slow_err.value).startswith("s.yaml:9: estimators[1].inference.warmup: ")


LIGHT = """
import json, sys
from benchsuite.cli import main
code = main(["validate", {path!r}])
heavy = [m for m in ("torch", "xgboost", "lightgbm") if m in sys.modules]
print(json.dumps({{"code": code, "heavy": heavy}}))
"""

LIGHT_SUITE = y("""
    name: light
    defaults:
      inference: {batch_sizes: [1, 8], method: predict_proba}
    datasets: [iris, diabetes]
    estimators:
      - {name: net, model: torch.mlp, inference: {device_resident: true}}
      - torch.cnn
      - xgboost
      - lightgbm
      - linear_svc
    """)


def test_validate_with_inference_blocks_imports_no_heavy_library(tmp_path):
    path = _write(tmp_path, LIGHT_SUITE)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
    }
    proc = subprocess.run(
        [sys.executable, "-c", LIGHT.format(path=str(path))],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result == {"code": 0, "heavy": []}
    assert "inference: batch sizes 1, 8 (predict_proba), first fold" in proc.stdout

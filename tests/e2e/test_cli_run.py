"""The CLI end to end, on small real suites, in subprocesses as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_helpers import bench, python, wait_for_lines

SMALL = """
name: small
seed: 1
defaults: {evaluation: {cv: 3}, metrics: [accuracy, f1_macro, rmse]}
datasets: [iris, breast_cancer]
estimators:
  - logreg
  - {name: forest, model: rf, params: {n_estimators: 10}}
  # more neighbours than training rows: a value only the data can refute (predict fails)
  - {name: broken, model: knn, params: {n_neighbors: 5000}}
"""


def test_run_prints_table_and_writes_records(tmp_path, write_suite):
    suite = write_suite(SMALL)
    out = tmp_path / "out"
    proc = bench("run", str(suite), "-o", str(out), "--run-id", "r1")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    text = proc.stdout
    for word in ("accuracy", "f1_macro", "iris", "breast_cancer", "logreg", "forest", "±"):
        assert word in text
    assert "rmse" not in text  # a regression metric: no table for classification data
    assert "error" in text and "broken" in text  # the failing case is reported
    assert str(out / "small" / "r1") in text.replace("\n", "")

    lines = (out / "small" / "r1" / "records.jsonl").read_text().splitlines()
    recs = [json.loads(line) for line in lines]
    assert len(recs) == 2 * 3 * 3
    statuses = {(r["case_key"], r["status"]) for r in recs}
    assert ("iris/broken", "error") in statuses and ("iris/forest", "ok") in statuses
    ok = [r for r in recs if r["status"] == "ok"]
    assert all(set(r["metrics"]) == {"accuracy", "f1_macro"} for r in ok)
    assert all(r["fit_time_s"] > 0 and r["predict_time_s"] > 0 for r in ok)
    run = json.loads((out / "small" / "r1" / "run.json").read_text())
    assert run["status"] == "completed" and run["counts"] == {
        "ok": 12,
        "error": 6,
        "timeout": 0,
        "skipped": 0,
    }


def test_strict_turns_error_records_into_exit_1(tmp_path, write_suite):
    suite = write_suite(SMALL)
    proc = bench("run", str(suite), "-o", str(tmp_path), "-q", "--strict", "-f", "iris/broken")
    assert proc.returncode == 1
    proc = bench("run", str(suite), "-o", str(tmp_path), "-q", "--strict", "-f", "iris/log*")
    assert proc.returncode == 0, proc.stderr


def test_dry_run_shows_plan_and_writes_nothing(tmp_path, write_suite):
    suite = write_suite(
        SMALL.replace("datasets: [iris, breast_cancer]", "datasets: [iris, diabetes]")
    )
    proc = bench("run", str(suite), "-o", str(tmp_path / "o"), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "iris/forest" in proc.stdout and "diabetes/logreg" in proc.stdout
    assert "skipped" in proc.stdout  # logreg cannot do regression
    assert not (tmp_path / "o").exists()


SHAPES = """
name: shapes
defaults: {evaluation: {cv: 2}, metrics: [accuracy]}
datasets: [iris, {name: digits, source: digits, subsample: 200}]
estimators:
  - {name: cnn, model: torch.cnn, params: {epochs: 1, threads: 1}, device: cpu}
"""


def test_image_model_on_a_table_is_skipped_at_plan_time_with_its_reason(tmp_path, write_suite):
    suite = write_suite(SHAPES)
    reason = (
        "torch.cnn needs images; dataset 'iris' declares no image shape (a table); to run it "
        "anyway, set params.input_shape (channels, height, width), e.g. [1, 28, 28]"
    )
    # wide enough that the reason stays on one line of the plan table
    env = {"COLUMNS": "400"}
    run = ["run", str(suite), "-o", str(tmp_path)]
    proc = bench(*run, "--dry-run", env=env)
    assert proc.returncode == 0, proc.stderr
    assert f"skipped: {reason}" in proc.stdout
    proc = bench(*run, "--run-id", "r1", "-q", env=env)
    assert proc.returncode == 0, proc.stderr
    lines = (tmp_path / "shapes" / "r1" / "records.jsonl").read_text().splitlines()
    recs = {(r["case_key"], r["fold"]): r for r in map(json.loads, lines)}
    # one skipped record for iris, no error; digits' 8x8 images run
    assert recs[("iris/cnn", 0)]["status"] == "skipped"
    assert recs[("iris/cnn", 0)]["error"] == reason
    assert [recs[("digits/cnn", f)]["status"] for f in (0, 1)] == ["ok", "ok"]
    assert recs[("digits/cnn", 0)]["params"]["input_shape"] == [1, 8, 8]
    assert len(recs) == 3
    proc = bench("report", tmp_path / "shapes" / "r1", "--format", "markdown", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "iris/cnn" in proc.stdout and "declares no image shape" in proc.stdout


def test_filter_matching_nothing_is_a_usage_error(tmp_path, write_suite):
    proc = bench("run", str(write_suite(SMALL)), "-o", str(tmp_path), "-f", "nope")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: no case") and proc.stderr.count("\n") == 1


def test_list_validate_env():
    for what, word in (
        ("datasets", "make_classification"),
        ("estimators", "lightgbm"),
        ("metrics", "roc_auc"),
    ):
        proc = bench("list", what)
        assert proc.returncode == 0 and word in proc.stdout
    proc = bench("validate", "suites/quickstart.yaml")
    assert proc.returncode == 0 and "ok" in proc.stdout
    proc = bench("env", "--json")
    env = json.loads(proc.stdout)
    assert env["packages"]["scikit-learn"] and "cpu" in env


HEAVY = ("torch", "xgboost", "lightgbm", "matplotlib")


@pytest.mark.parametrize(
    "argv, forbidden",
    [
        (["--help"], (*HEAVY, "sklearn", "pandas", "numpy", "pydantic")),
        (["run", "--help"], (*HEAVY, "sklearn", "pandas")),
        (["validate", "suites/quickstart.yaml"], HEAVY),
        (["list", "estimators"], (*HEAVY, "sklearn")),
    ],
)
def test_light_commands_do_not_import_heavy_libraries(argv, forbidden):
    code = (
        "import sys\nfrom benchsuite.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {forbidden!r} if m in sys.modules))"
    )
    proc = python(code, timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr


def test_console_script_and_module_entry_points():
    exe = Path(sys.executable).with_name("benchsuite")
    if exe.exists():
        proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
        assert proc.returncode == 0 and proc.stdout.startswith("benchsuite ")
    proc = bench("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("benchsuite ")
    proc = bench("frobnicate")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


@pytest.mark.slow
def test_quickstart_runs_end_to_end(tmp_path):
    proc = bench("run", "suites/quickstart.yaml", "-o", str(tmp_path), "-q", "--strict")
    assert proc.returncode == 0, proc.stderr
    lines = list(tmp_path.glob("quickstart/*/records.jsonl"))[0].read_text().splitlines()
    recs = [json.loads(line) for line in lines]
    # 8 estimators on 4 datasets, torch.cnn on digits' images; one skipped record per table
    assert len(recs) == 4 * 8 * 5 + 5 + 3
    skipped = {r["case_key"] for r in recs if r["status"] == "skipped"}
    assert skipped == {"iris/torch.cnn", "wine/torch.cnn", "breast_cancer/torch.cnn"}
    assert all(r["status"] == "ok" for r in recs if r["case_key"] not in skipped)
    # the suite's torch models ask for device auto; the conftest hides CUDA from the CLI
    # (CUDA_VISIBLE_DEVICES=""), so on a GPU host too they ran on the CPU
    torch_ok = [r for r in recs if "/torch." in r["case_key"] and r["status"] == "ok"]
    assert len(torch_ok) == 4 * 5 + 5 and {r["device"] for r in torch_ok} == {"cpu"}


def test_ctrl_c_keeps_what_was_measured(tmp_path, write_suite, started_bench):
    import signal

    suite = write_suite(
        "name: long\ndefaults: {evaluation: {cv: 10}, repeats: 5}\ndatasets: [digits]\n"
        "estimators: [{name: rf, model: rf, params: {n_estimators: 30}}]\n"
    )
    # a user's Ctrl-C, even in a background job (CI, nohup): see start_bench
    proc = started_bench("run", suite, "-o", tmp_path, "--run-id", "r", "-q", ctrl_c=True)
    records = tmp_path / "long" / "r" / "records.jsonl"
    wait_for_lines(records, 2, proc)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().startswith("interrupted:") and stderr.strip().count("\n") == 0
    lines = records.read_text().splitlines()
    assert 2 <= len(lines) < 50
    assert all(json.loads(line)["status"] == "ok" for line in lines)
    run = json.loads((tmp_path / "long" / "r" / "run.json").read_text())
    assert run["status"] == "interrupted" and run["counts"]["ok"] == len(lines)


def test_validate_strict_rejects_pairs_that_would_be_skipped(write_suite):
    suite = write_suite("name: s\ndatasets: [iris, diabetes]\nestimators: [svc, logreg]\n")
    proc = bench("validate", str(suite))
    assert proc.returncode == 0, proc.stderr
    assert "skipped" in proc.stdout
    proc = bench("validate", "--strict", str(suite))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "would be skipped" in proc.stderr and "more)" in proc.stderr


def test_data_list_and_offline_fetch(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCHSUITE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BENCHSUITE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BENCHSUITE_OFFLINE", "1")
    proc = bench("data", "list")
    assert proc.returncode == 0, proc.stderr
    assert "fashion_mnist" in proc.stdout and "missing" in proc.stdout
    proc = bench("data", "fetch", "mnist", "--part", "test")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "t10k" in proc.stderr and "BENCHSUITE_OFFLINE" in proc.stderr
    assert "Traceback" not in proc.stderr

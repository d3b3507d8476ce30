"""`benchsuite history` end to end: three real tiny runs, the terminal and JSON output, the
index beside them, and every bad input as one line with exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from e2e_helpers import bench, one_error_line, python

TINY = """
name: tiny
seed: 0
defaults: {evaluation: {cv: 2}, metrics: [accuracy]}
datasets: [iris]
estimators: [dummy]
"""


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory) -> Path:
    """``out/`` holding three real runs of iris x dummy (cv 2), two on machine ``box-a``,
    one on ``box-b``."""
    tmp = tmp_path_factory.mktemp("history")
    suite = tmp / "tiny.yaml"
    suite.write_text(TINY)
    out = tmp / "out"
    for run_id, machine in (("t1", "box-a"), ("t2", "box-a"), ("t3", "box-b")):
        proc = bench("run", suite, "-o", out, "--run-id", run_id, "-q", "--machine", machine)
        assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture
def runs(three_runs, tmp_path) -> Path:
    """A copy of the three runs each test may change."""
    copy = tmp_path / "out"
    shutil.copytree(three_runs, copy)
    return copy


def test_terminal_output_per_machine(runs):
    proc = bench("history", runs)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = proc.stdout
    assert "suite tiny on machine box-a: 2 run(s)" in out
    assert "suite tiny on machine box-b: 1 run(s)" in out
    assert "not enough history" in out  # 2 runs are too few for a change
    assert (runs / ".benchsuite-history.parquet").is_file()


def test_json_output_and_file(runs, tmp_path):
    proc = bench("history", runs, "--format", "json", "--machine", "box-a")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    [group] = data["groups"]
    assert (group["suite"], group["machine"]) == ("tiny", "box-a")
    assert [r["run_id"] for r in group["runs"]] == ["t1", "t2"]
    # the suite file is outside a git repository: no commit recorded
    assert [(r["commit"], r["partial"]) for r in group["runs"]] == [(None, False)] * 2
    quantities = {s["quantity"] for s in data["series"]}
    assert {"metric:accuracy", "fit_time_s", "predict_time_s"} <= quantities
    acc = next(s for s in data["series"] if s["quantity"] == "metric:accuracy")
    assert acc["case_key"] == "iris/dummy" and acc["status"] == "not enough history"
    assert acc["points"]["n"] == [2, 2]  # two folds per run
    assert acc["changes"] == [] and data["regressions"] == []

    target = tmp_path / "h.json"
    proc = bench("history", runs, "-o", target)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(target.read_text())["options"]["order"] == "time"


def test_a_new_run_and_a_deleted_one(runs, three_runs, tmp_path):
    suite = tmp_path / "tiny.yaml"
    suite.write_text(TINY)
    assert bench("history", runs, "--format", "json").returncode == 0  # builds the index
    proc = bench("run", suite, "-o", runs, "--run-id", "t4", "-q", "--machine", "box-a")
    assert proc.returncode == 0, proc.stderr
    shutil.rmtree(runs / "tiny" / "t1")
    data = json.loads(bench("history", runs, "--format", "json").stdout)
    assert data["options"]["runs_read"] == 1  # only the new run was read from its files
    assert {g["machine"]: [r["run_id"] for r in g["runs"]] for g in data["groups"]} == {
        "box-a": ["t2", "t4"],
        "box-b": ["t3"],
    }


def test_a_corrupt_run_is_skipped_with_one_warning(runs):
    (runs / "tiny" / "t2" / "run.json").write_text('{"run_id": "t2", "sui')
    proc = bench("history", runs, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith("warning: skipped") and "t2" in line
    data = json.loads(proc.stdout)
    assert [[r["run_id"] for r in g["runs"]] for g in data["groups"]] == [["t1"], ["t3"]]


def test_bad_input(runs, tmp_path):
    one_error_line(bench("history", tmp_path / "missing"), "no such folder")
    (tmp_path / "empty").mkdir()
    one_error_line(bench("history", tmp_path / "empty"), "no run found")
    assert list((tmp_path / "empty").iterdir()) == []
    line = one_error_line(bench("history", runs, "--machine", "nope"), "--machine nope")
    assert "box-a, box-b" in line
    one_error_line(bench("history", runs, "--since", "last week"), "not a date")
    one_error_line(bench("history", runs, "-f", "mnist"), "no case")
    one_error_line(bench("history", runs, "--git", tmp_path), "not a git repository")
    one_error_line(bench("history", runs, "-o", tmp_path / "no" / "h.html"), "cannot write")
    # an existing output is not written over when the input is bad
    keep = tmp_path / "keep.json"
    keep.write_text("mine")
    one_error_line(bench("history", runs, "--machine", "nope", "-o", keep), "--machine nope")
    assert keep.read_text() == "mine"


def test_an_index_of_an_older_version_is_rebuilt(runs):
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    assert bench("history", runs).returncode == 0
    path = runs / ".benchsuite-history.parquet"
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    meta[b"benchsuite-history"] = json.dumps({"version": 0, "runs": []}).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)
    proc = bench("history", runs, "--format", "json")
    assert proc.returncode == 0 and proc.stderr == ""
    data = json.loads(proc.stdout)
    assert data["options"]["index"] == "rebuilt" and data["options"]["runs_read"] == 3
    assert sum(len(g["runs"]) for g in data["groups"]) == 3


def test_markdown_and_html_are_written(runs, tmp_path):
    for name in ("h.md", "h.html"):
        proc = bench("history", runs, "-o", tmp_path / name)
        assert proc.returncode == 0, proc.stderr
        assert (tmp_path / name).stat().st_size > 0


def test_help_lists_history():
    proc = bench("--help")
    assert proc.returncode == 0 and "history" in proc.stdout


def test_an_old_run_without_a_machine_key_gets_its_hardware_key(tmp_path):
    # a run.json of schema 1, written before the machine key existed
    from benchsuite.environment import machine_key

    old = Path(__file__).resolve().parents[1] / "data" / "run_v1_folder" / "v1run"
    shutil.copytree(old, tmp_path / "old-run" / "v1run")
    proc = bench("history", tmp_path, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    [group] = json.loads(proc.stdout)["groups"]
    environment = json.loads((old / "run.json").read_text())["environment"]
    assert group["machine"] == machine_key(environment) and group["machine"].startswith("hw-")
    assert (group["suite"], [r["run_id"] for r in group["runs"]]) == ("old-run", ["v1run"])


def test_history_does_not_load_pandas(runs):
    # pyarrow.parquet.read_table goes through pyarrow.dataset, which imports pandas (0.4 s
    # of a warm call): the index is read without it
    code = (
        "import sys\nfrom benchsuite.cli import main\n"
        f"assert main(['history', {str(runs)!r}, '--format', 'json']) == 0\n"
        "print('PANDAS' if 'pandas' in sys.modules else 'NO-PANDAS', file=sys.stderr)\n"
    )
    assert bench("history", runs).returncode == 0  # the index exists: the warm path
    proc = python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "NO-PANDAS"

"""`benchsuite compare`, `results list|export` and `run --compare`, as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from e2e_helpers import bench, one_error_line

TINY = """
name: tiny
seed: 0
defaults: {evaluation: {cv: 3}, metrics: [accuracy]}
datasets: [iris]
estimators: [logreg, knn]
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A baseline run of a tiny suite, then ``run --compare`` against it."""
    tmp = tmp_path_factory.mktemp("compare")
    suite = tmp / "tiny.yaml"
    suite.write_text(TINY)
    base = bench("run", str(suite), "-o", str(tmp / "baseline"), "--run-id", "b1", "-q")
    assert base.returncode == 0, base.stderr
    cur = bench(
        "run", str(suite), "-o", str(tmp / "out"), "--run-id", "c1", "-q",
        "--compare", str(tmp / "baseline"),
    )  # fmt: skip
    return tmp, cur


def _drop(src: Path, dst: Path, case_key: str, points: float) -> Path:
    """A copy of a run with ``points`` subtracted from every fold's accuracy of one case."""
    shutil.copytree(src, dst)
    lines = []
    for line in (dst / "records.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec["case_key"] == case_key:
            rec["metrics"]["accuracy"] -= points
        lines.append(json.dumps(rec))
    (dst / "records.jsonl").write_text("\n".join(lines) + "\n")
    return dst


def test_run_compare_exit_0_and_comparison_in_the_run_folder(runs):
    tmp, proc = runs
    assert proc.returncode == 0, proc.stderr
    assert "no gating regression" in proc.stdout
    folder = tmp / "out" / "tiny" / "c1"
    assert (folder / "compare.md").read_text().startswith("### ✅")
    data = json.loads((folder / "compare.json").read_text())
    assert (
        data["exit_code"] == 0
        and data["counts"].get("ok", 0)
        + data["counts"].get("slower", 0)
        + data["counts"].get("faster", 0)
        == 2
    )


def test_compare_injected_drop_exits_1_in_every_format(runs):
    tmp, _ = runs
    base = tmp / "baseline" / "tiny" / "b1"
    worse = _drop(tmp / "out" / "tiny" / "c1", tmp / "worse", "iris/knn", 0.02)

    proc = bench("compare", str(base), str(worse))
    assert proc.returncode == 1, proc.stderr
    assert "worse-metric" in proc.stdout and "iris/knn" in proc.stdout
    assert "1 gating regression" in proc.stdout

    proc = bench("compare", str(base), str(worse / "records.jsonl"), "--format", "markdown")
    assert proc.returncode == 1 and proc.stdout.startswith("### ❌")
    assert "| **worse-metric (gating)** | `iris/knn` |" in proc.stdout

    out = tmp / "cmp.json"
    proc = bench("compare", str(base), str(worse), "--format", "json", "-o", str(out))
    assert proc.returncode == 1 and proc.stdout == ""
    data = json.loads(out.read_text())
    assert data["gating"] == ["iris/knn"] and data["verdicts"][0]["verdict"] == "worse-metric"

    # metric changes no longer gate: exit 0
    proc = bench("compare", str(base), str(worse), "--fail-on", "failure")
    assert proc.returncode == 0, proc.stderr
    # a tolerance wider than the drop: ok
    proc = bench("compare", str(base), str(worse), "--metric-tolerance", "accuracy=0.05")
    assert proc.returncode == 0, proc.stdout


def test_truncated_last_line_is_a_warning(runs):
    tmp, _ = runs
    cut = tmp / "cut"
    shutil.copytree(tmp / "out" / "tiny" / "c1", cut)
    text = (cut / "records.jsonl").read_text()
    (cut / "records.jsonl").write_text(text[: len(text) - 40])  # killed mid-write
    proc = bench("compare", str(tmp / "baseline"), str(cut))
    assert proc.returncode == 0, proc.stderr
    assert "warning:" in proc.stderr and "truncated last line" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_input_is_one_line_exit_2(runs, tmp_path):
    tmp, _ = runs
    base = str(tmp / "baseline")
    one_error_line(bench("compare", base, str(tmp_path / "missing")), "no such file")
    (tmp_path / "records.jsonl").write_text("")
    one_error_line(bench("compare", base, str(tmp_path / "records.jsonl")), "no records")
    (tmp_path / "junk.jsonl").write_text("not json\n{}\n")
    one_error_line(bench("compare", base, str(tmp_path / "junk.jsonl")), "junk.jsonl:1")
    other = tmp_path / "other"
    shutil.copytree(tmp / "out" / "tiny" / "c1", other)
    lines = [json.loads(x) for x in (other / "records.jsonl").read_text().splitlines()]
    for rec in lines:
        rec["case_key"] = "wine/" + rec["case_key"].split("/", 1)[1]
    (other / "records.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    one_error_line(bench("compare", base, str(other)), "no case in common")
    one_error_line(
        bench("compare", base, base, "--fail-on", "metric,speed"), "unknown category 'speed'"
    )
    one_error_line(bench("compare", base, base, "--metric-tolerance", "x=y"), "metric-tolerance")
    one_error_line(bench("compare", base, base, "--format", "html"), "invalid choice")
    # run --compare checks its baseline before running anything
    suite = tmp / "tiny.yaml"
    one_error_line(
        bench("run", str(suite), "-o", str(tmp_path), "--compare", str(tmp_path / "nope")),
        "no such file",
    )
    assert not (tmp_path / "tiny").exists()


def test_results_list_and_export(runs, tmp_path):
    tmp, _ = runs
    proc = bench("results", "list", str(tmp))
    assert proc.returncode == 0, proc.stderr
    assert "b1" in proc.stdout and "c1" in proc.stdout and "tiny" in proc.stdout
    csv = tmp_path / "r.csv"
    proc = bench("results", "export", str(tmp / "out" / "tiny" / "c1"), "--csv", str(csv))
    assert proc.returncode == 0, proc.stderr
    assert csv.read_text().count("\n") == 1 + 2 * 3
    proc = bench("results", "export", str(tmp / "out"), "--parquet", str(tmp_path / "r.pq"))
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        one_error_line(proc, "pip install 'benchsuite[parquet]'")
    else:
        assert proc.returncode == 0 and (tmp_path / "r.pq").is_file()
    one_error_line(bench("results", "export", str(tmp)), "--parquet FILE and/or --csv FILE")
    one_error_line(bench("results", "list", str(tmp_path / "nope")), "no such file")


def test_run_compare_exits_1_on_a_regression(runs, tmp_path):
    tmp, _ = runs
    # a baseline 3 points better on one case: the fresh run is a regression against it
    better = _drop(tmp / "baseline" / "tiny" / "b1", tmp_path / "better" / "tiny" / "b1",
                   "iris/logreg", -0.03)  # fmt: skip
    proc = bench(
        "run", str(tmp / "tiny.yaml"), "-o", str(tmp_path / "out"), "--run-id", "r", "-q",
        "--compare", str(tmp_path / "better"),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "worse-metric" in proc.stdout and "1 gating regression" in proc.stdout
    assert better.is_dir()
    md = (tmp_path / "out" / "tiny" / "r" / "compare.md").read_text()
    assert md.startswith("### ❌") and "`iris/logreg`" in md


def test_run_and_compare_with_the_baseline_from_history(runs, tmp_path):
    """A CI job's loop: each run goes into the history, compared with the latest completed
    run of its suite on its machine there (issue 16)."""
    tmp, _ = runs
    suite, hist = str(tmp / "tiny.yaml"), tmp_path / "history"
    # a bad history fails before the run, and writes nothing
    one_error_line(
        bench("run", suite, "-o", str(hist), "--machine", "ci-a", "-q",
              "--baseline-from", str(tmp_path / "nope")),
        "no such folder",
    )  # fmt: skip
    assert not hist.exists()
    for run_id in ("h1", "h2"):
        proc = bench("run", suite, "-o", str(hist), "--run-id", run_id, "--machine", "ci-a", "-q")
        assert proc.returncode == 0, proc.stderr
    proc = bench("run", suite, "-o", str(hist), "--run-id", "h0", "--machine", "ci-b", "-q")
    assert proc.returncode == 0, proc.stderr
    one_error_line(
        bench("run", suite, "-o", str(tmp_path / "x"), "--machine", "ci-c", "-q",
              "--baseline-from", str(hist)),
        "no completed run of suite 'tiny' on machine 'ci-c'",
    )  # fmt: skip
    assert not (tmp_path / "x").exists()

    # run --baseline-from: the run itself lands in the history, and is not its own baseline
    proc = bench(
        "run", suite, "-o", str(hist), "--run-id", "h3", "--machine", "ci-a", "-q",
        "--baseline-from", str(hist),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "baseline from history: the latest completed run of suite 'tiny' on machine 'ci-a'" in (
        proc.stdout
    )
    data = json.loads((hist / "tiny" / "h3" / "compare.json").read_text())
    assert data["base"]["run_id"] == "h2" and data["baseline_from"]["path"] == str(
        hist / "tiny" / "h2"
    )

    # compare --baseline-from: h3's baseline is h2 again; --machine ci-b warns in one line
    proc = bench("compare", "--baseline-from", str(hist), str(hist / "tiny" / "h3"),
                 "--format", "json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["base"]["run_id"] == "h2" and proc.stderr == ""
    proc = bench("compare", "--baseline-from", str(hist), "--machine", "ci-b",
                 str(hist / "tiny" / "h3"), "--fail-on", "all")  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and "not comparable across machines" in proc.stderr
    assert "run h0" in proc.stdout
    one_error_line(
        bench("compare", "--baseline-from", str(hist), str(hist / "tiny" / "h1"),
              str(hist / "tiny" / "h3")),
        "not both",
    )  # fmt: skip

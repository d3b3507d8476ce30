"""``suites/inference.yaml`` end to end, restricted to iris: inference figures in the
records, in every report format and in ``compare`` (not gating by default, gating with
``--fail-on inference``), as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from e2e_helpers import ROOT, bench

SUITE = ROOT / "suites" / "inference.yaml"


def _records(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "records.jsonl").read_text().splitlines()]


def test_inference_suite_on_iris_records_reports_and_compares(tmp_path):
    proc = bench("run", SUITE, "-f", "iris/*", "-o", tmp_path, "--run-id", "base", timeout=600)
    assert proc.returncode == 0, proc.stderr
    # the run's own summary ends with the inference table
    assert "inference (median over measured jobs)" in proc.stdout
    run = tmp_path / "inference" / "base"
    records = _records(run)
    assert len(records) == 6 * 5 and {r["status"] for r in records} == {"ok"}
    # fold 0 of each case measures inference (folds: first); the other folds do not
    for r in records:
        if r["fold"] != 0:
            assert r["inference"] is None
            continue
        entries = r["inference"]
        assert [e["batch_size"] for e in entries] == [1, 32, 1024], r["case_key"]
        for e in entries:
            assert e["method"] == "predict" and e["device"] == "cpu"
            assert 0 < e["min_s"] <= e["median_s"] <= e["p90_s"] <= e["p99_s"]
            assert e["n_calls"] >= 1 and 1 <= len(e["sample_s"]) <= 64
            assert (
                abs(e["throughput_per_s"] - e["batch_size"] / e["median_s"])
                < 1e-6 * (e["throughput_per_s"])
            )
        # iris' test fold has 30 rows: batches of 32 and 1024 repeat rows, and say so
        assert [e["replacement"] for e in entries] == [False, True, True]

    markdown = bench("report", run, "--format", "markdown")
    assert markdown.returncode == 0, markdown.stderr
    assert "p50 latency (batch 1)" in markdown.stdout
    assert "throughput (batch 1,024)" in markdown.stdout
    html = tmp_path / "report.html"
    assert bench("report", run, "-o", html).returncode == 0
    page = html.read_text()
    assert "Inference" in page and "latency" in page and page.count("<svg") >= 2
    terminal = bench("report", run)
    assert terminal.returncode == 0 and "p99 latency" in terminal.stdout

    # a copy of the run whose batch-1 calls all take three times as long
    slow = tmp_path / "inference" / "slow"
    shutil.copytree(run, slow)
    lines = []
    for r in _records(slow):
        for e in r["inference"] or []:
            if e["batch_size"] == 1:
                for key in ("median_s", "p90_s", "p99_s", "iqr_s", "min_s"):
                    e[key] *= 3
                e["sample_s"] = [t * 3 for t in e["sample_s"]]
                e["throughput_per_s"] /= 3
        lines.append(json.dumps(r))
    (slow / "records.jsonl").write_text("\n".join(lines) + "\n")

    same = bench("compare", run, run, "--format", "json")
    assert same.returncode == 0, same.stderr
    assert "slower-inference" not in same.stdout
    compared = bench("compare", run, slow, "--format", "json")
    assert compared.returncode == 0, compared.stderr  # reported, not gating by default
    verdicts = {v["case_key"]: v for v in json.loads(compared.stdout)["verdicts"]}
    assert {v["verdict"] for v in verdicts.values()} == {"slower-inference"}
    gated = bench("compare", run, slow, "--fail-on", "metric,failure,inference")
    assert gated.returncode == 1
    assert "slower-inference" in gated.stdout and "batch 1" in gated.stdout

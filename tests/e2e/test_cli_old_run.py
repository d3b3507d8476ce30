"""A run folder written before run.json schema 2 (by benchsuite at commit c880ff0, before
issue 13 renamed ``n_measurements`` to ``n_jobs``) still loads in ``compare``, ``report``,
``results`` and ``--resume``.

``tests/data/run_v1_folder/`` holds that folder as it was written: ``suite.yaml`` (iris x
logreg, and a kNN that always fails), ``v1run/records.jsonl`` (3 ok, 3 error) and
``v1run/run.json`` (schema_version 1).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from e2e_helpers import bench

OLD = Path(__file__).resolve().parents[1] / "data" / "run_v1_folder"


def test_the_fixture_is_a_version_1_run():
    info = json.loads((OLD / "v1run" / "run.json").read_text(encoding="utf-8"))
    assert info["schema_version"] == 1 and info["n_measurements"] == 6 and "n_jobs" not in info


def test_compare_and_report_read_an_old_run(tmp_path):
    res = bench("compare", OLD / "v1run", OLD / "v1run", "--format", "json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    verdicts = {v["case_key"]: v["verdict"] for v in json.loads(res.stdout)["verdicts"]}
    assert verdicts == {"iris/logreg": "ok", "iris/broken": "ok"}

    res = bench("report", OLD / "v1run", "--format", "markdown", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "2 cases (1 ok, 1 error), 6 jobs (3 ok, 3 error)" in res.stdout

    res = bench("results", "list", OLD, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "v1run" in res.stdout and "completed" in res.stdout


def test_resume_continues_an_old_run_and_writes_schema_2(tmp_path):
    folder = tmp_path / "old"
    shutil.copytree(OLD, folder)
    res = bench("run", "suite.yaml", "--resume", "v1run", "--quiet", cwd=folder)
    assert res.returncode == 0, res.stderr
    run = folder / "v1run"
    info = json.loads((run / "run.json").read_text(encoding="utf-8"))
    # upgraded in place: the old key under its new name, and the resume recorded
    assert info["schema_version"] == 2 and info["n_jobs"] == 6 and "n_measurements" not in info
    assert info["status"] == "completed"
    assert info["resumes"][-1]["kept"] == 3 and info["resumes"][-1]["n_jobs"] == 3
    # the three error records were re-measured (and are still errors); ok ones were kept
    records = [json.loads(line) for line in (run / "records.jsonl").read_text().splitlines()]
    superseded = (run / "superseded.jsonl").read_text().splitlines()
    assert len(records) == 6 and len(superseded) == 3
    assert sorted(r["status"] for r in records) == ["error"] * 3 + ["ok"] * 3
    old = [json.loads(line) for line in (OLD / "v1run" / "records.jsonl").read_text().splitlines()]
    kept = [r for r in records if r["status"] == "ok"]
    assert kept == [r for r in old if r["status"] == "ok"]

"""--resume: only jobs without a final record run again; nothing lost, nothing
duplicated; a truncated last line is repaired."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from benchsuite.errors import BenchsuiteError
from benchsuite.executors import run_plan
from benchsuite.plan import build_plan
from benchsuite.results import read_records, repair_records
from benchsuite.suite import parse_suite

SUITE = """
name: resumable
defaults: {evaluation: {cv: 3}}
datasets: [iris, diabetes]
estimators:
  - knn
  # more neighbours than training rows: a value only the data can refute (predict fails)
  - {name: broken, model: knn, params: {n_neighbors: 5000}}
  - svc
"""


def _plan(text, tmp_path):
    return build_plan(parse_suite(text, source="t.yaml", base_dir=tmp_path))


def _ids(records):
    return Counter((r.case_key, r.fold, r.repeat) for r in records)


def test_resume_measures_what_is_missing_or_failed_and_nothing_twice(tmp_path):
    plan = _plan(SUITE, tmp_path)
    first = run_plan(plan, output=tmp_path, run_id="r")
    records_path = first.path / "records.jsonl"
    lines = records_path.read_text().splitlines()
    statuses = Counter(json.loads(line)["status"] for line in lines)
    assert statuses == {"ok": 9, "error": 6, "skipped": 1}
    # as if killed mid-write after 7 records: the 8th only half written
    kept_lines = lines[:7]
    records_path.write_text("\n".join(kept_lines) + "\n" + lines[7][:40])
    before_ok = [line for line in kept_lines if json.loads(line)["status"] in ("ok", "skipped")]
    before_err = [line for line in kept_lines if json.loads(line)["status"] == "error"]
    assert before_ok and before_err

    warnings = []
    second = run_plan(plan, resume=first.path, on_warning=warnings.append)
    assert second.path == first.path and second.run_id == "r"
    assert len(warnings) == 1 and "truncated last line" in warnings[0]

    records = read_records(first.path)  # valid JSONL again, no warning needed
    ids = _ids(records)
    assert ids == _planned(plan)
    assert max(ids.values()) == 1  # never two records of one job
    new_lines = records_path.read_text().splitlines()
    assert new_lines[: len(before_ok)] == before_ok  # final records kept byte for byte
    superseded = (first.path / "superseded.jsonl").read_text().splitlines()
    assert superseded == before_err  # error records moved out, then measured again
    assert second.resumed == len(before_ok) and second.superseded == len(before_err)
    assert len(second.records) == len(plan.jobs)

    run = json.loads((first.path / "run.json").read_text())
    assert run["status"] == "completed" and len(run["resumes"]) == 1
    assert run["counts"] == dict(Counter(r.status for r in records)) | {"timeout": 0}
    assert run["resumes"][0]["kept"] == len(before_ok)
    # the resume ran every job but the kept ones
    n_run = len(second.records) - second.resumed
    assert run["resumes"][0]["n_jobs"] == len(plan.jobs) - len(before_ok) == n_run
    assert run["n_cases"] == len(plan.cases) and run["n_jobs"] == len(plan.jobs) == 16

    # resuming a finished run measures nothing and changes nothing
    final_lines = [line for line in new_lines if json.loads(line)["status"] != "error"]
    third = run_plan(plan, resume=first.path, on_record=lambda r: None)
    assert _ids(read_records(first.path)) == ids
    assert third.resumed == len(final_lines)
    assert records_path.read_text().splitlines()[: len(final_lines)] == final_lines


def _planned(plan):
    return Counter(job.id for job in plan.jobs)


def test_errors_are_retried_and_ok_records_are_final(tmp_path):
    plan = _plan(SUITE, tmp_path)
    first = run_plan(plan, output=tmp_path, run_id="r")
    again = run_plan(plan, resume=first.path)
    # the 6 error records were measured again (and failed again); ok/skipped were not
    assert again.superseded == 6 and again.resumed == 10
    assert len(again.records) == 16
    assert _ids(read_records(first.path)) == _ids(first.records)


def test_resume_refuses_another_suite_or_a_changed_one(tmp_path):
    plan = _plan(SUITE, tmp_path)
    first = run_plan(plan, output=tmp_path, run_id="r")
    other = _plan(SUITE.replace("name: resumable", "name: other"), tmp_path)
    with pytest.raises(BenchsuiteError, match="a run of suite 'resumable', not of 'other'"):
        run_plan(other, resume=first.path)
    changed = _plan(SUITE.replace("cv: 3", "cv: 4"), tmp_path)
    with pytest.raises(BenchsuiteError, match="another configuration"):
        run_plan(changed, resume=first.path)
    with pytest.raises(BenchsuiteError, match="no such run folder"):
        run_plan(plan, resume=tmp_path / "nowhere")
    with pytest.raises(BenchsuiteError, match="not a run folder"):
        run_plan(plan, resume=tmp_path)


def test_repair_records_cuts_only_a_partial_last_line(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text('{"a": 1}\n{"b": 2}\n{"c": ')
    assert "removed a truncated last line (6 bytes)" in repair_records(path)
    assert path.read_text() == '{"a": 1}\n{"b": 2}\n'
    path.write_text('{"a": 1}\n{"b": 2}')  # whole record, newline missing
    assert repair_records(path) is None
    assert path.read_text() == '{"a": 1}\n{"b": 2}\n'
    assert repair_records(path) is None and repair_records(tmp_path / "missing") is None

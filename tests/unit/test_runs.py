"""run.json as a typed RunInfo: version 1 files (the committed baseline, older runs) read
into the current schema, version 2 files round-trip, and the writer writes version 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchsuite.errors import BenchsuiteError
from benchsuite.results import Record
from benchsuite.runs import (
    RUN_FILE,
    RUN_SCHEMA_VERSION,
    RunInfo,
    RunStore,
    find_runs,
    load_run,
    read_run_info,
)

# a real run.json of schema 1, copied from results/baseline/ci/ (run of suites/ci.yaml)
GOLDEN_V1 = Path(__file__).resolve().parents[1] / "data" / "run_v1.json"


def _rec(**kw) -> Record:
    base = dict(run_id="r", suite="s", dataset="d", estimator="e", case_key="d/e", status="ok")
    return Record(**{**base, **kw})


def test_a_version_1_run_json_reads_with_n_jobs():
    data = json.loads(GOLDEN_V1.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1 and data["n_measurements"] == 470
    info = RunInfo.from_dict(data)
    assert info.schema_version == RUN_SCHEMA_VERSION == 2
    assert info.n_jobs == 470 and info.n_cases == 47
    assert (info.run_id, info.suite, info.status) == ("20261125T102141-2028", "ci", "completed")
    assert info.started_at == "2026-11-25T10:21:41.739+00:00"
    assert info.command_line[:3] == ["benchsuite", "run", "suites/ci.yaml"]
    assert (info.executor, info.workers, info.threads, info.timeout_s) == ("sequential", 1, 1, None)
    assert info.environment["cpu"]["model"] == "AMD EPYC"
    assert info.git_sha == "6e31304184+dirty"
    assert info.counts == {"ok": 470, "error": 0, "timeout": 0, "skipped": 0}
    assert len(info.threadpools) == 4 and info.load_average_at_end == [0.72, 0.88, 1.1]
    assert info.extra == {}  # every key of the file has a field
    upgraded = info.to_dict()
    assert "n_measurements" not in upgraded and upgraded["n_jobs"] == 470
    assert upgraded["schema_version"] == 2
    # nothing else changed: the same keys, in the same order, with the same values
    expected = {("n_jobs" if k == "n_measurements" else k): v for k, v in data.items()}
    assert list(upgraded) == list(expected) and upgraded == {**expected, "schema_version": 2}
    assert read_run_info(GOLDEN_V1) == info


def test_version_1_resumes_are_upgraded_too():
    info = RunInfo.from_dict(
        {"run_id": "r", "n_measurements": 9, "resumes": [{"kept": 3, "n_measurements": 6}]}
    )
    assert info.n_jobs == 9 and info.resumes == [{"kept": 3, "n_jobs": 6}]


def test_a_newer_run_json_is_refused():
    with pytest.raises(BenchsuiteError, match="schema version 3 is newer"):
        RunInfo.from_dict({"schema_version": 3, "run_id": "r"})


def test_a_version_2_run_json_round_trips(tmp_path):
    # every key run_plan writes, and one this version does not know
    store = RunStore(tmp_path, "s", "r1").open(
        {
            "suite_file": "s.yaml",
            "suite_sha256": "ab" * 32,
            "suite_description": "a suite",
            "seed": 0,
            "command_line": ["benchsuite", "run", "s.yaml"],
            "cwd": str(tmp_path),
            "executor": "process",
            "workers": 2,
            "threads": 1,
            "timeout_s": 60.0,
            "timeout_enforced": True,
            "memory_limit": "2 GB",
            "filters": ["d/*"],
            "n_cases": 1,
            "n_jobs": 2,
            "environment": {"git": {"sha": "0123456789abcdef", "dirty": False}},
            "from_the_future": {"kept": True},
        }
    )
    store.update_info(rows_without_target={"d": 1})
    store.append(_rec())
    store.close(threadpools=[], load_average_at_end=[0.5, 0.5, 0.5])
    data = json.loads((store.path / RUN_FILE).read_text(encoding="utf-8"))
    assert data["schema_version"] == 2 and data["n_jobs"] == 2
    info = RunInfo.from_dict(data)
    assert info.to_dict() == data
    assert RunInfo.from_dict(info.to_dict()) == info
    assert info.extra == {"from_the_future": {"kept": True}}
    assert info.rows_without_target == {"d": 1} and info.counts["ok"] == 1
    assert info.git_sha == "0123456789"


def test_the_writer_writes_the_current_names(tmp_path):
    # a caller still naming a key by its version 1 name gets a version 2 file
    store = RunStore(tmp_path, "s", "r1").open({"n_measurements": 4})
    store.close()
    resumed = RunStore.existing(store.path)
    resumed.reopen({"ok": 0}, n_measurements=4)
    resumed.close()
    data = json.loads((store.path / RUN_FILE).read_text(encoding="utf-8"))
    assert "n_measurements" not in json.dumps(data)
    assert data["n_jobs"] == 4 and data["resumes"][0]["n_jobs"] == 4


def test_resuming_a_version_1_run_rewrites_it_as_version_2(tmp_path):
    folder = tmp_path / "ci" / "old"
    folder.mkdir(parents=True)
    shutil.copy(GOLDEN_V1, folder / RUN_FILE)
    (folder / "records.jsonl").write_text("")
    store = RunStore.existing(folder)
    store.reopen({})
    store.close()
    info = read_run_info(folder)
    assert info.schema_version == 2 and info.n_jobs == 470 and len(info.resumes) == 1


def test_runs_on_disk_carry_their_run_info(tmp_path):
    folder = tmp_path / "ci" / "20261125T102141-2028"
    folder.mkdir(parents=True)
    shutil.copy(GOLDEN_V1, folder / RUN_FILE)
    (folder / "records.jsonl").write_text(json.dumps(_rec(run_id="x").to_dict()) + "\n")
    (found,) = find_runs(tmp_path)
    assert found.has_run_json and found.info.n_jobs == 470
    assert (found.run_id, found.suite, found.git_sha) == (
        "20261125T102141-2028",
        "ci",
        "6e31304184+dirty",
    )
    run = load_run(tmp_path)
    assert len(run.records) == 1 and run.info == found.info
    # without run.json: the records say which run it is
    (folder / RUN_FILE).unlink()
    run = load_run(folder)
    assert not run.has_run_json and run.info == RunInfo()
    assert (run.run_id, run.suite) == ("x", "s")
    (found,) = find_runs(tmp_path)
    assert found.run_id == "20261125T102141-2028"  # records not read: the folder's name

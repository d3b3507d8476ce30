"""One writer per run folder, with real processes: a second ``run --resume`` (or a new run
of the same ``--run-id``) of a folder that another process is writing exits 2 with one line
naming the writer's pid, and changes nothing; a writer killed with SIGKILL leaves no stale
lock; readers (report, compare, results) work on the folder while it is written."""

from __future__ import annotations

import functools
import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from e2e_helpers import one_error_line

from benchsuite.plan import build_plan
from benchsuite.results import read_records
from benchsuite.runs import LOCK_FILE
from benchsuite.suite import load_suite

# An estimator whose fit waits until the test opens a gate (a file): a run blocks in it at
# a known point, with a known number of records written, for as long as the test needs.
GATE_MODULE = '''
import os
import time

from sklearn.dummy import DummyClassifier


class Gated(DummyClassifier):
    """A majority-class classifier whose fit waits for the file $BENCHSUITE_TEST_GATE."""

    def fit(self, X, y, sample_weight=None):
        while not os.path.exists(os.environ["BENCHSUITE_TEST_GATE"]):
            time.sleep(0.05)
        return super().fit(X, y, sample_weight)
'''

# in plan order (dataset-major): iris/knn x5 (ok), iris/broken x5 (error), then iris/gated,
# where a closed gate stops the run; 30 jobs in all
SUITE = """
name: locked
defaults: {evaluation: {cv: 5}}
datasets: [iris, wine]
estimators:
  - knn
  - {name: broken, model: knn, params: {n_neighbors: 5000}}  # valid, fails at predict
  - {name: gated, model: "gate:Gated"}
"""


@pytest.fixture
def bench(tmp_path, monkeypatch, started_bench):
    """Start ``benchsuite`` subprocesses in ``tmp_path`` that can import the gated
    estimator; every one still running at the end of the test is killed (a test failing
    before the fix leaves a second writer blocked at the gate)."""
    (tmp_path / "gate.py").write_text(GATE_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))  # the test plans the suite too
    return functools.partial(
        started_bench,
        cwd=tmp_path,
        env={"BENCHSUITE_TEST_GATE": str(tmp_path / "gate-open")},
        pythonpath=[tmp_path],
    )


def _wait_until(condition, proc: subprocess.Popen, what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            stderr = proc.stderr.read()
            raise AssertionError(f"runner ended ({proc.returncode}) before {what}: {stderr}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _lines(path: Path) -> int:
    return path.read_text().count("\n") if path.exists() else 0


def _holder(run_dir: Path) -> int | None:
    try:
        return json.loads((run_dir / LOCK_FILE).read_text())["pid"]
    except (OSError, ValueError, KeyError):
        return None


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of the folder (dot files included), by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))}


def test_second_writer_exits_2_and_changes_nothing_then_one_record_per_job(tmp_path, bench):
    suite = tmp_path / "locked.yaml"
    suite.write_text(SUITE)
    run_dir = tmp_path / "out" / "locked" / "r"
    records = run_dir / "records.jsonl"
    planned = Counter(job.id for job in build_plan(load_suite(suite)).jobs)
    assert sum(planned.values()) == 30

    # a run killed with SIGKILL while it holds the lock (blocked at the gate, 10 records)
    first = bench("run", str(suite), "-o", "out", "--run-id", "r", "-q")
    _wait_until(lambda: _lines(records) >= 10, first, "10 records")
    assert _holder(run_dir) == first.pid  # the lock file describes its holder
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=60)
    assert _holder(run_dir) == first.pid  # the file outlives its holder; the lock does not

    # no stale lock: a resume takes the folder over, re-measures the 5 errors, then blocks
    writer = bench("run", str(suite), "--resume", str(run_dir), "-q")
    _wait_until(
        lambda: (
            "resumes" in json.loads((run_dir / "run.json").read_text()) and _lines(records) >= 10
        ),
        writer,
        "the resume to reach the gate",
    )
    assert _holder(run_dir) == writer.pid
    before = _snapshot(run_dir)
    assert _lines(run_dir / "superseded.jsonl") == 5

    # a second resume (a retried CI job) and a new run of the same id, at the same time
    second = bench("run", str(suite), "--resume", str(run_dir), "-q")
    same_id = bench("run", str(suite), "-o", "out", "--run-id", "r", "-q")
    deadline = time.monotonic() + 180
    while (second.poll() is None or same_id.poll() is None) and time.monotonic() < deadline:
        # checked while they run: a second writer would repair, supersede and append
        assert _snapshot(run_dir) == before, "a second writer changed the run folder"
        time.sleep(0.05)
    for proc, folder in ((second, run_dir), (same_id, Path("out", "locked", "r"))):
        line = one_error_line(proc, timeout=1)
        assert line.startswith(f"error: {folder} is being written by pid {writer.pid} ("), line
    assert writer.poll() is None  # the first writer was still running all along
    assert _snapshot(run_dir) == before  # nothing created, repaired, moved or appended

    (tmp_path / "gate-open").touch()
    stdout, stderr = writer.communicate(timeout=300)
    assert writer.returncode == 0, stderr
    after = read_records(run_dir)
    assert Counter((r.case_key, r.fold, r.repeat) for r in after) == planned  # once each
    assert _lines(run_dir / "superseded.jsonl") == 5  # superseded by the one resume only
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "completed" and len(info["resumes"]) == 1
    assert not (run_dir / LOCK_FILE).exists()  # released, and the folder left clean


def test_readers_work_while_a_run_writes(tmp_path, bench):
    suite = tmp_path / "locked.yaml"
    suite.write_text(SUITE)
    run_dir = tmp_path / "out" / "locked" / "w"
    writer = bench("run", str(suite), "-o", "out", "--run-id", "w", "-q")
    _wait_until(lambda: _lines(run_dir / "records.jsonl") >= 10, writer, "the gate")
    assert _holder(run_dir) == writer.pid
    before = _snapshot(run_dir)
    readers = [
        bench("report", str(run_dir), "--format", "markdown"),
        bench("compare", str(run_dir), str(run_dir), "--format", "markdown"),
        bench("results", "list", str(tmp_path / "out")),
    ]
    outputs = []
    for proc in readers:
        stdout, stderr = proc.communicate(timeout=180)
        assert proc.returncode == 0, (proc.args, stderr)
        assert "Traceback" not in stderr
        outputs.append(stdout)
    report, compare, listing = outputs
    assert "knn" in report and "PARTIAL" in report  # what was measured so far, marked so
    assert "iris/knn" in compare
    assert "running" in listing and "w" in listing
    assert writer.poll() is None  # still writing while they read
    assert _snapshot(run_dir) == before
    (tmp_path / "gate-open").touch()
    _, stderr = writer.communicate(timeout=300)
    assert writer.returncode == 0, stderr

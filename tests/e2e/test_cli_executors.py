"""Execution options end to end: the runner killed (SIGKILL, Ctrl-C, a full disk) and
resumed without losing or duplicating a record; bad options are one line, exit 2."""

from __future__ import annotations

import errno
import functools
import json
import os
import shlex
import signal
import time
from pathlib import Path

import pytest
from e2e_helpers import TESTS, planned_ids, record_ids, wait_for_lines

from benchsuite.cli import main
from benchsuite.results import read_records

SLOW = """
name: slow
defaults: {evaluation: {cv: 5}}
datasets: [iris, wine]
estimators:
  - {name: slow, model: "faults:Slow", params: {seconds: 0.25}}
  - knn
"""


@pytest.fixture
def _start(started_bench):
    """Start the runner, faults.py importable, Ctrl-C as a user's (see start_bench)."""
    return functools.partial(started_bench, pythonpath=[TESTS], ctrl_c=True)


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")  # a zombie has stopped running


def test_sigkill_of_the_runner_then_resume_loses_and_duplicates_nothing(
    tmp_path, write_suite, _start
):
    suite = write_suite(SLOW)
    run_dir = tmp_path / "slow" / "k"
    records = run_dir / "records.jsonl"
    proc = _start("run", str(suite), "-o", str(tmp_path), "--run-id", "k", "-j", "2", "-q")
    wait_for_lines(records, 4, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    # as if the kill had landed in the middle of a write
    with open(records, "a") as fh:
        fh.write('{"run_id": "k", "suite": "slow", "dataset": "ir')
    before = records.read_text().splitlines()[:-1]
    assert 4 <= len(before) < 20
    # the orphaned workers notice and exit by themselves
    pids = {int(json.loads(line)["worker"].split()[1]) for line in before}
    deadline = time.monotonic() + 30
    while not all(_gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(pid) for pid in pids)

    proc = _start("run", str(suite), "--resume", str(run_dir), "-j", "2")
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "removed a truncated last line" in stderr
    assert "resumed:" in stdout
    after = read_records(run_dir)
    assert record_ids(after) == planned_ids(suite)  # every measurement exactly once
    assert records.read_text().splitlines()[: len(before)] == before
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "completed" and run["resumes"][0]["kept"] == len(before)
    assert sum(run["counts"].values()) == len(after)


def test_ctrl_c_says_how_to_resume_and_that_command_finishes_the_run(tmp_path, write_suite, _start):
    suite = write_suite(SLOW)
    records = tmp_path / "slow" / "c" / "records.jsonl"
    proc = _start(
        "run", str(suite), "-o", str(tmp_path), "--run-id", "c", "--executor", "process", "-q"
    )
    wait_for_lines(records, 2, proc)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    line = stderr.strip()
    assert line.count("\n") == 0 and line.startswith("interrupted:")
    command = line.split("continue with: ", 1)[1]
    words = shlex.split(command)
    assert words[:3] == ["benchsuite", "run", str(suite)]
    assert words[-2:] == ["--resume", str(tmp_path / "slow" / "c")]
    assert "--executor" in words and "process" in words

    proc = _start(*words[1:], "-q")
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert record_ids(read_records(tmp_path / "slow" / "c")) == planned_ids(suite)


def test_full_disk_stops_with_one_line_and_keeps_valid_records(
    tmp_path, write_suite, monkeypatch, capsys
):
    import benchsuite.results as results
    from benchsuite.runs import RunStore

    monkeypatch.syspath_prepend(str(TESTS))
    suite = write_suite(SLOW.replace("seconds: 0.25", "seconds: 0.01"))
    real_append = RunStore.append
    written = []

    def append(self, record):
        if len(written) == 5:  # the disk fills up in the middle of the 6th line
            self._fh.write('{"run_id": "d", "suite": "sl')
            self._fh.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(record)
        real_append(self, record)

    monkeypatch.setattr(RunStore, "append", append)
    argv = ["run", str(suite), "-o", str(tmp_path), "--run-id", "d", "-j", "2", "-q"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "No space left on device" in err
    assert "--resume" in err and str(tmp_path / "slow" / "d") in err
    import multiprocessing

    assert not multiprocessing.active_children()  # the workers were stopped
    with pytest.warns(results.RecordsWarning, match="truncated last line"):
        assert len(read_records(tmp_path / "slow" / "d")) == 5

    monkeypatch.setattr(RunStore, "append", real_append)
    assert main(["run", str(suite), "--resume", str(tmp_path / "slow" / "d"), "-q"]) == 0
    assert record_ids(read_records(tmp_path / "slow" / "d")) == planned_ids(suite)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--memory-limit", "lots"], "--memory-limit: expected a size such as 4GB"),
        (["--executor", "sequential", "--timeout", "5"], "--timeout needs --executor process"),
        (["--executor", "sequential", "--memory-limit", "4GB"], "--memory-limit needs"),
        (["--executor", "process", "--scheduler", "tcp://x:1"], "--scheduler is an option of"),
        (["--resume", "nowhere"], "--resume nowhere: no such run folder"),
        (["--resume", ".", "--run-id", "x"], "drop --run-id"),
        (["--timeout", "0"], "must be more than 0"),
        (["-j", "0"], "must be at least 1"),
    ],
)
def test_bad_execution_options_are_one_line_exit_2(write_suite, capsys, tmp_path, options, message):
    suite = write_suite("name: s\ndatasets: [iris]\nestimators: [knn]\n")
    try:
        code = main(["run", str(suite), "-q", "-o", str(tmp_path / "out"), *options])
    except SystemExit as exc:  # argparse's own checks
        code = exc.code
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert message in err and err.count("\n") == 0


def test_unreachable_scheduler_is_one_line_exit_2(write_suite, capsys, monkeypatch, tmp_path):
    pytest.importorskip("distributed")
    import benchsuite.executors.dask as dask_executor

    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT_S", 1.0)
    suite = write_suite("name: s\ndatasets: [iris]\nestimators: [knn]\n")
    start = time.monotonic()
    out = tmp_path / "out"
    assert main(["run", str(suite), "-q", "-o", str(out), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert not out.exists() or not any(out.iterdir())  # nothing measured, no run folder
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9 (")
    assert "is it running?" in err
    assert time.monotonic() - start < 30

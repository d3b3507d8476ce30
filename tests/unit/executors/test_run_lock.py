"""One writer per run folder: ``run_plan`` holds the folder's OS lock from before it reads or
writes anything until the final ``run.json``; a second writer gets :class:`RunLockedError`
and changes nothing. (Two real processes: ``tests/e2e/test_cli_lock.py``; ``flock`` locks
belong to an open file, so a second open in this process is a second writer too.)"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from benchsuite.errors import BenchsuiteError
from benchsuite.executors import RunLockedError, SequentialExecutor, run_plan
from benchsuite.plan import build_plan
from benchsuite.results import read_records
from benchsuite.runs import LOCK_FILE, RunLock, RunStore
from benchsuite.suite import parse_suite

SUITE = """
name: lockable
defaults: {evaluation: {cv: 3}}
datasets: [iris]
estimators:
  - knn
  - {name: broken, model: knn, params: {n_neighbors: 5000}}  # valid, fails at predict
"""


def _plan(tmp_path):
    return build_plan(parse_suite(SUITE, source="t.yaml", base_dir=tmp_path))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))}


def _is_free(folder: Path) -> bool:
    try:
        RunLock.check_free(folder)
    except RunLockedError:
        return False
    return True


def test_resume_of_a_folder_being_written_raises_and_changes_nothing(tmp_path):
    plan = _plan(tmp_path)
    first = run_plan(plan, output=tmp_path, run_id="r")
    assert Counter(r.status for r in first.records) == {"ok": 3, "error": 3}
    # what a resume would repair (a truncated line) and supersede (the error records)
    with open(first.path / "records.jsonl", "a") as fh:
        fh.write('{"run_id": "r", "suite": "lock')
    before = _snapshot(first.path)

    with RunLock.acquire(first.path, command=["benchsuite", "run", "other.yaml"]):
        with pytest.raises(RunLockedError) as caught:
            run_plan(plan, resume=first.path)
        assert _snapshot(first.path) != before  # the holder described itself in .lock
        during = _snapshot(first.path)
    error = caught.value
    assert isinstance(error, BenchsuiteError) and error.exit_code == 2
    assert error.pid == os.getpid() and error.path == first.path
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"{first.path} is being written by pid {os.getpid()} (")
    assert "benchsuite run other.yaml" in message
    # nothing read-and-rewritten, moved or appended by the refused resume
    assert {k: v for k, v in during.items() if k != LOCK_FILE} == {
        k: v for k, v in before.items() if k != LOCK_FILE
    }
    assert not (first.path / "superseded.jsonl").exists()
    assert "resumes" not in json.loads((first.path / "run.json").read_text())

    # once the holder is gone, the same resume runs
    again = run_plan(plan, resume=first.path, on_warning=lambda message: None)
    assert again.superseded == 3 and again.status == "completed"
    ids = Counter((r.case_key, r.fold, r.repeat) for r in read_records(first.path))
    assert ids == Counter(job.id for job in plan.jobs)


def test_new_run_with_the_id_of_a_run_being_written_names_its_writer(tmp_path):
    plan = _plan(tmp_path)
    store = RunStore(tmp_path, "lockable", "r").open({"command_line": ["benchsuite", "x"]})
    before = _snapshot(store.path)
    with pytest.raises(RunLockedError, match=rf"pid {os.getpid()} \(benchsuite x\)"):
        run_plan(plan, output=tmp_path, run_id="r")
    assert _snapshot(store.path) == before
    store.close()
    # a folder nobody writes is a plain "already exists", with what to do instead
    with pytest.raises(BenchsuiteError, match="already exists; choose another --run-id") as e:
        run_plan(plan, output=tmp_path, run_id="r")
    assert not isinstance(e.value, RunLockedError)


def test_lock_is_held_from_the_first_write_to_the_final_run_json(tmp_path):
    plan = _plan(tmp_path)
    seen: list[tuple[str, bool]] = []

    def watch(store: RunStore) -> None:
        seen.append(("start", _is_free(store.path)))
        write = store._write_run_json

        def write_and_check() -> None:
            write()
            seen.append((json.loads(store.run_path.read_text())["status"], _is_free(store.path)))

        store._write_run_json = write_and_check

    result = run_plan(plan, output=tmp_path, run_id="r", on_start=watch)
    assert seen == [("start", False), ("completed", False)]
    assert _is_free(result.path)
    assert not (result.path / LOCK_FILE).exists()  # removed as it was released

    seen.clear()
    run_plan(plan, resume=result.path, on_start=watch)
    assert seen == [("start", False), ("completed", False)] and _is_free(result.path)


class _Failing(SequentialExecutor):
    """Runs one job, then raises ``exc`` (a Ctrl-C, a scheduler that went away, ...)."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__()
        self.exc = exc

    def run(self, plan, *, run_id, emit):
        if isinstance(self.exc, KeyboardInterrupt):  # a record first, as a real Ctrl-C
            first = plan.only(plan.jobs[:1])
            super().run(first, run_id=run_id, emit=emit)
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "kept"),
    [
        (KeyboardInterrupt(), True),  # interrupted: the folder stays, to be resumed
        (BenchsuiteError("scheduler gone"), False),  # nothing measured: the folder goes
        (RuntimeError("a bug"), True),
    ],
)
def test_lock_is_released_however_the_run_ends(tmp_path, exc, kept):
    plan = _plan(tmp_path)
    with pytest.raises(type(exc)):
        run_plan(plan, output=tmp_path, run_id="r", executor=_Failing(exc))
    folder = tmp_path / "lockable" / "r"
    assert folder.exists() == kept
    if kept:
        assert _is_free(folder)
        assert json.loads((folder / "run.json").read_text())["status"] in ("interrupted", "failed")
        with pytest.raises(type(exc)):
            run_plan(plan, resume=folder, executor=_Failing(exc))
        assert _is_free(folder)


# holds the lock of argv[1], forks a child that sleeps, prints the child's pid, then waits
_FORKING_HOLDER = """
import multiprocessing, sys, time
from benchsuite.runs import RunLock

lock = RunLock.acquire(sys.argv[1], command="forking holder")
child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(120,))
child.start()
print(child.pid, flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX only")
def test_a_forked_child_does_not_keep_the_lock_of_a_killed_runner(tmp_path):
    # an flock belongs to the open file, which fork() shares: a DataLoader worker or a
    # fork-context pool that outlives a runner killed with SIGKILL would keep the lock
    holder = subprocess.Popen(
        [sys.executable, "-c", _FORKING_HOLDER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    child = int(holder.stdout.readline())
    try:
        assert not _is_free(tmp_path)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=60)
        os.kill(child, 0)  # the child still runs
        assert _is_free(tmp_path)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
        holder.kill()
        holder.communicate()


def test_resume_of_a_folder_that_is_not_a_run_creates_no_lock_file(tmp_path):
    plan = _plan(tmp_path)
    with pytest.raises(BenchsuiteError, match="not a run folder"):
        run_plan(plan, resume=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_lock_file_left_by_a_killed_run_does_not_block(tmp_path):
    plan = _plan(tmp_path)
    first = run_plan(plan, output=tmp_path, run_id="r")
    # what SIGKILL leaves: the file and its description, without the lock (the e2e tests
    # kill a real runner)
    stale = {"pid": 2**22 + 1, "command": "benchsuite run killed.yaml", "host": "", "since": ""}
    (first.path / LOCK_FILE).write_text(json.dumps(stale) + "\n")
    again = run_plan(plan, resume=first.path)
    assert again.status == "completed" and again.superseded == 3
    assert not (first.path / LOCK_FILE).exists()


def test_never_two_holders_while_lock_files_come_and_go(tmp_path):
    # writers racing for a folder whose lock file each removes as it lets go: one that
    # opened the file before it was removed must not count as holding the folder's lock
    # (threads here: each has its own open file, as separate processes would)
    holding: list[int] = []
    overlaps: list[list[int]] = []
    taken = Counter()

    def writer(me: int) -> None:
        for _ in range(150):
            try:
                lock = RunLock.acquire(tmp_path, command=f"writer {me}")
            except RunLockedError:
                continue
            holding.append(me)
            if len(holding) > 1:
                overlaps.append(list(holding))
            taken[me] += 1
            time.sleep(0.0005)
            holding.remove(me)
            lock.release()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
    assert sum(taken.values()) > 0 and not (tmp_path / LOCK_FILE).exists()


def test_lock_file_describes_its_holder_while_held(tmp_path):
    with RunLock.acquire(tmp_path, command=["benchsuite", "run", "a b.yaml"]) as lock:
        assert lock.held
        holder = json.loads((tmp_path / LOCK_FILE).read_text())
        assert holder["pid"] == os.getpid() and holder["command"] == "benchsuite run 'a b.yaml'"
        with pytest.raises(RunLockedError) as caught:
            RunLock.acquire(tmp_path)
        assert caught.value.holder == holder
    assert not lock.held and not (tmp_path / LOCK_FILE).exists()
    RunLock.acquire(tmp_path).release()  # free again

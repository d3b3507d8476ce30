"""Thread budgets on an existing Dask cluster: a real ``dask scheduler`` and
``dask worker --nworkers 2 --nthreads 1`` pair, started here on free ports.

A worker started by someone else loaded numpy (and its thread pools) long before a job
arrives, so the budget must reach the pools at job time: threadpoolctl, torch and
LightGBM's ``n_jobs``, as in the process executor.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from benchsuite.environment import THREAD_VARS  # noqa: E402
from benchsuite.executors.dask import DaskExecutor  # noqa: E402
from benchsuite.plan import build_plan  # noqa: E402
from benchsuite.results import read_records  # noqa: E402
from benchsuite.suite import parse_suite  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def _stop(proc: subprocess.Popen) -> None:
    """End ``proc`` and everything it started (its own process group): TERM, then KILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=15)
    # the nannies' worker processes share the group: none may outlive the test
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=15)


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", *args],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as one
        )


@pytest.fixture(scope="module")
def scheduler_address(tmp_path_factory, request):
    """A ``dask scheduler`` on a free port and ``dask worker --nworkers 2 --nthreads 1``,
    started as a user would, without thread variables (the libraries' own defaults)."""
    from distributed import Client

    tmp = tmp_path_factory.mktemp("dask-pair")
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    # the workers import this folder's probe estimator by name, and benchsuite
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    scheduler_file = tmp / "scheduler.json"
    procs: list[subprocess.Popen] = []
    # registered before anything starts: a failing start-up is cleaned up too
    request.addfinalizer(lambda: [_stop(p) for p in reversed(procs)])
    common = ["--scheduler-file", str(scheduler_file), "--no-dashboard"]
    procs.append(
        _start(
            ["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", *common],
            env,
            tmp / "scheduler.log",
        )
    )
    deadline = time.monotonic() + 60
    while not scheduler_file.exists():
        if procs[0].poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"dask scheduler did not start: {(tmp / 'scheduler.log').read_text()}")
        time.sleep(0.1)
    procs.append(
        _start(
            ["distributed.cli.dask_worker", "--nworkers", "2", "--nthreads", "1", *common],
            env,
            tmp / "worker.log",
        )
    )
    address = json.loads(scheduler_file.read_text())["address"]
    with Client(address, set_as_default=False, timeout=30) as client:
        client.wait_for_workers(2, timeout=90)
        assert set(client.nthreads().values()) == {1}
    return address


def _plan(text, tmp_path):
    return build_plan(parse_suite(text, source="t.yaml", base_dir=tmp_path))


def _run(plan, executor):
    records = []
    executor.run(plan, run_id="t", emit=records.append)
    return records


def _pools(record) -> str:
    (line,) = [w for w in record.warnings if w.startswith("UserWarning: pools: ")]
    return line.removeprefix("UserWarning: pools: ")


THREADED = """
name: threaded
seed: 3
defaults: {evaluation: {cv: 2}, metrics: [accuracy]}
datasets: [breast_cancer]
estimators:
  - {name: probe, model: "thread_probe:PoolProbe"}
  - {name: hist_gb, model: hist_gb, params: {max_iter: 20}}
  - {name: lightgbm, model: lightgbm, params: {n_estimators: 20}}
"""


def test_a_job_gets_its_workers_nthreads_and_the_pools_follow(scheduler_address, tmp_path):
    records = _run(_plan(THREADED, tmp_path), DaskExecutor(scheduler=scheduler_address))
    assert len(records) == 6 and {r.status for r in records} == {"ok"}, [r.error for r in records]
    # 1 = the worker's nthreads, not the machine's cores divided by it
    assert {r.threads for r in records} == {1}
    assert len({r.worker for r in records}) >= 1
    for probe in (r for r in records if r.estimator == "probe"):
        # every BLAS/OpenMP pool of the worker process, seen from the task's thread
        assert set(_pools(probe).replace(",", " ").split()) <= {"openmp=1", "openblas=1"}
        assert "openmp=1" in _pools(probe)


def test_threads_given_by_the_user_still_win(scheduler_address, tmp_path):
    text = THREADED.split("  - {name: hist_gb")[0]
    records = _run(_plan(text, tmp_path), DaskExecutor(scheduler=scheduler_address, threads=2))
    assert [r.threads for r in records] == [2, 2]
    assert all("openmp=2" in _pools(r) for r in records)


def test_cli_records_the_workers_budget_in_each_record_and_run_json(
    scheduler_address, tmp_path, write_suite, capsys
):
    from benchsuite.cli import main

    suite = write_suite(THREADED.split("  - {name: hist_gb")[0])
    args = ["run", str(suite), "--scheduler", scheduler_address, "-o", str(tmp_path), "-q"]
    assert main([*args, "--run-id", "d"]) == 0, capsys.readouterr().err
    records = read_records(tmp_path / "threaded" / "d")
    assert [r.threads for r in records] == [1, 1]
    run = json.loads((tmp_path / "threaded" / "d" / "run.json").read_text())
    assert run["threads"] == 1 and run["workers"] == 2
    assert sorted(run["worker_threads"].values()) == [1, 1]
    # a resumed run says what the resumption found, beside what the first run found
    records_file = tmp_path / "threaded" / "d" / "records.jsonl"
    records_file.write_text(records_file.read_text().splitlines(keepends=True)[0])
    assert (
        main(
            [
                "run",
                str(suite),
                "--scheduler",
                scheduler_address,
                "-q",
                "--resume",
                str(tmp_path / "threaded" / "d"),
            ]
        )
        == 0
    ), capsys.readouterr().err
    run = json.loads((tmp_path / "threaded" / "d" / "run.json").read_text())
    assert run["threads"] == 1 and run["resumes"][-1]["threads"] == 1
    assert list(run["resumes"][-1]["worker_threads"].values()) == [1]
    assert [r.threads for r in read_records(tmp_path / "threaded" / "d")] == [1, 1]


def test_run_json_threads_is_null_when_workers_had_different_budgets():
    # a cluster of unlike workers: each record says its own threads, run.json lists them
    executor = DaskExecutor(scheduler="tcp://127.0.0.1:9")
    assert executor.run_info() == {}  # nothing known before a run
    executor.worker_threads = {"tcp://b:2": 4, "tcp://a:1": 1}
    executor.max_workers = 2
    assert executor.run_info() == {
        "threads": None,
        "workers": 2,
        "worker_threads": {"tcp://a:1": 1, "tcp://b:2": 4},
    }

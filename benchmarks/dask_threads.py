"""Thread budgets on an existing Dask cluster: total fit time vs a sequential run.

    python benchmarks/dask_threads.py                  # 1 round
    python benchmarks/dask_threads.py --rounds 3       # medians of 3
    python benchmarks/dask_threads.py --oversubscribed # also the old budget (--threads 2)
    python benchmarks/dask_threads.py --suite suites/quickstart.yaml

Starts a real ``dask scheduler`` (on a free port) and ``dask worker --nworkers 2
--nthreads 1``, as a user would (no thread variables in their environment), then runs
``benchmarks/dask_threads.yaml`` (hist_gb, xgboost, lightgbm, rf x breast_cancer, digits,
5-fold CV) as two fresh ``benchsuite run`` processes:

- **sequential**: ``benchsuite run SUITE --threads 1``;
- **dask**: ``benchsuite run SUITE --scheduler ADDRESS`` (each case gets its worker's
  ``nthreads``, 1 here).

It prints, per estimator and in total, the sum of the recorded fit times of both runs and
their ratio (goal: total within 1.5x), the runs' wall times (the Dask run's includes
connecting and scattering, not the cluster's start-up, printed apart), the ``threads``
the records carry and whether every per-fold score is identical. ``--oversubscribed``
adds a third run on the same cluster with ``--threads 2`` (what every case got before
budgets followed ``nthreads``: two workers each running two OpenMP threads on 2 cores).
The cluster's processes are ended on exit, whatever happens.

Timings need a quiet machine: the load average is printed first and last.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "benchmarks" / "dask_threads.yaml"


def _clean_env() -> dict[str, str]:
    """This environment without the thread variables: a user's "dask worker" has none."""
    from benchsuite.environment import THREAD_VARS

    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return env


def _stop(proc: subprocess.Popen) -> None:
    """End ``proc`` and its children (its own process group): TERM, then KILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=15)


@contextlib.contextmanager
def dask_pair(tmp: Path, nworkers: int, nthreads: int) -> Iterator[tuple[str, float]]:
    """``(address, start-up seconds)`` of a scheduler and ``nworkers`` x ``nthreads``
    workers started as subprocesses, ended when the block exits."""
    from distributed import Client

    env = _clean_env()
    scheduler_file = tmp / "scheduler.json"
    common = ["--scheduler-file", str(scheduler_file), "--no-dashboard"]
    procs: list[subprocess.Popen] = []

    def start(args: list[str], log: str) -> None:
        with open(tmp / log, "wb") as fh:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", *args],
                    env=env,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    started = time.perf_counter()
    try:
        start(
            ["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", *common],
            "scheduler.log",
        )
        while not scheduler_file.exists():
            if procs[0].poll() is not None:
                raise SystemExit(f"dask scheduler failed: {(tmp / 'scheduler.log').read_text()}")
            time.sleep(0.1)
        workers = ["--nworkers", str(nworkers), "--nthreads", str(nthreads)]
        start(["distributed.cli.dask_worker", *workers, *common], "worker.log")
        address = json.loads(scheduler_file.read_text())["address"]
        with Client(address, set_as_default=False, timeout=60) as client:
            client.wait_for_workers(nworkers, timeout=180)
        yield address, time.perf_counter() - started
    finally:
        for proc in reversed(procs):
            _stop(proc)


def run_suite(suite: Path, out: Path, run_id: str, *options: str) -> tuple[float, list]:
    """Wall seconds of ``benchsuite run SUITE OPTIONS`` as a fresh process, and its records."""
    from benchsuite.results import read_records

    command = [sys.executable, "-m", "benchsuite", "run", str(suite), "-q", "-o", str(out)]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "--run-id", run_id, *options], env=_clean_env(), capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"benchsuite run {' '.join(options)} failed:\n{done.stderr}")
    (folder,) = out.glob(f"*/{run_id}")  # <out>/<suite name>/<run id>
    return wall, read_records(folder)


def fit_times(records: list) -> dict[str, float]:
    """Sum of ``fit_time_s`` per estimator (ok records only)."""
    out: dict[str, float] = defaultdict(float)
    for r in records:
        if r.status == "ok":
            out[r.estimator] += r.fit_time_s
    return dict(out)


def _scores(records: list) -> dict:
    return {(r.case_key, r.fold, r.repeat): dict(r.metrics) for r in records}


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", type=Path, default=SUITE, help="default: %(default)s")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each side (medians)")
    parser.add_argument("--nworkers", type=int, default=2)
    parser.add_argument("--nthreads", type=int, default=1)
    parser.add_argument(
        "--oversubscribed",
        action="store_true",
        help="also run on the cluster with --threads 2: the budget every case had before",
    )
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    python = sys.version.split()[0]
    print(f"machine: {cores} cores, load average {_load()} at start; python {python}")
    sides = {"sequential": ("--threads", "1"), "dask": ()}
    if args.oversubscribed:
        sides["dask --threads 2"] = ("--threads", "2")
    walls: dict[str, list[float]] = defaultdict(list)
    fits: dict[str, list[dict[str, float]]] = defaultdict(list)
    records: dict[str, list] = {}
    with tempfile.TemporaryDirectory(prefix="dask-threads-") as tmp_name:
        tmp = Path(tmp_name)
        with dask_pair(tmp, args.nworkers, args.nthreads) as (address, startup):
            print(
                f"cluster: dask scheduler {address} + dask worker --nworkers {args.nworkers}"
                f" --nthreads {args.nthreads}, started in {startup:.1f} s"
            )
            for i in range(args.rounds):
                # alternate the order so that drifting load hits every side alike
                order = list(sides) if i % 2 == 0 else list(reversed(sides))
                for side in order:
                    options = sides[side]
                    if side != "sequential":
                        options = ("--scheduler", address, *options)
                    run_id = f"{side.replace(' ', '_').replace('-', '')}-{i}"
                    wall, recs = run_suite(args.suite, tmp, run_id, *options)
                    walls[side].append(wall)
                    fits[side].append(fit_times(recs))
                    records[side] = recs
    estimators = list(fits["sequential"][0])
    med = {
        side: {e: statistics.median(f.get(e, float("nan")) for f in fits[side]) for e in estimators}
        for side in sides
    }
    header = f"{'estimator':<12}" + "".join(f"{side + ' fit s':>24}" for side in sides)
    print(f"\nsum of recorded fit times (median of {args.rounds} round(s)), ratio to sequential")
    print(header)
    for e in [*estimators, "total"]:
        row = f"{e:<12}"
        base = sum(med["sequential"].values()) if e == "total" else med["sequential"][e]
        for side in sides:
            value = sum(med[side].values()) if e == "total" else med[side][e]
            ratio = "" if side == "sequential" else f" ({value / base:.2f}x)"
            row += f"{f'{value:.2f}{ratio}':>24}"
        print(row)
    print("wall time of the benchsuite run process (median)")
    for side in sides:
        ratio = statistics.median(walls[side]) / statistics.median(walls["sequential"])
        print(f"  {side:<18} {statistics.median(walls[side]):7.1f} s ({ratio:.2f}x)")
    total = {side: sum(med[side].values()) for side in sides}
    ratio = total["dask"] / total["sequential"]
    verdict = "met" if ratio <= 1.5 else "NOT met"
    print(f"goal: dask total fit within 1.5x of sequential --threads 1: {ratio:.2f}x, {verdict}")
    for side in sides:
        statuses = sorted({r.status for r in records[side]})
        threads = sorted({r.threads for r in records[side] if r.threads is not None})
        workers = len({r.worker for r in records[side] if r.worker})
        print(f"  {side}: statuses {statuses}, threads {threads}, workers used {workers}")
    a, b = _scores(records["sequential"]), _scores(records["dask"])
    same = sum(a[k] == b.get(k) for k in a)
    print(f"per-fold scores identical (sequential vs dask): {same}/{len(a)}")
    print(f"load average at end: {_load()}")


if __name__ == "__main__":
    main()

"""Executors benchmarked: parallel speed-up, per-job overhead, Dask parity.

    python benchmarks/executors.py                 # all three parts
    python benchmarks/executors.py --part speedup  # or overhead, dask

(a) ``speedup``: a suite of single-threaded estimators (BLAS/OpenMP pinned to 1 thread),
    sequential vs ``--executor process -j 2``; wall time of the whole run, worker start-up
    included. Goal: >= 1.8x on 2 cores. Two costs do not shrink with the suite: starting
    the workers (about 1 s, both importing scikit-learn on the same two cores) and the
    last fit, which leaves one core idle. The suite is sized to run about 45 s
    sequentially; with half the trees (22 s) the ratio measured 1.75x.
(b) ``overhead``: the same tiny jobs (a dummy classifier on iris, sub-millisecond fits) in
    process vs in one worker process; the difference per job is what isolation costs
    (pipe round trip, pickling the job and the record), reported with and without the
    worker's start-up. Goal: < 0.5 s per job.
(c) ``dask``: ``suites/quickstart.yaml`` on a ``LocalCluster`` vs sequential; every
    per-fold score compared for equality.

Timings need a quiet machine: the load average is printed first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SPEEDUP_SUITE = """
name: speedup
seed: 0
defaults: {evaluation: {cv: 5}, metrics: [accuracy]}
datasets: [digits, breast_cancer, wine]
estimators:
  - {name: rf, model: rf, params: {n_estimators: 600, n_jobs: 1}}
  - {name: extra_trees, model: extra_trees, params: {n_estimators: 600, n_jobs: 1}}
  - svc
  - {name: gb, model: gb, params: {n_estimators: 120}}
"""

OVERHEAD_SUITE = """
name: overhead
seed: 0
defaults: {evaluation: {cv: 10}, repeats: 10, metrics: [accuracy]}
datasets: [iris]
estimators: [dummy]
"""


def _plan(text: str):
    from benchsuite.plan import build_plan
    from benchsuite.suite import parse_suite

    return build_plan(parse_suite(text, source="<benchmark>", base_dir=ROOT))


def _timed(plan, executor) -> tuple[float, list]:
    records: list = []
    start = time.perf_counter()
    executor.run(plan, run_id="bench", emit=records.append)
    return time.perf_counter() - start, records


def speedup(jobs: int) -> None:
    from benchsuite.executors import SequentialExecutor
    from benchsuite.executors.process import ProcessExecutor

    plan = _plan(SPEEDUP_SUITE)
    seq_s, seq = _timed(plan, SequentialExecutor(threads=1))
    par_s, par = _timed(plan, ProcessExecutor(n_workers=jobs, threads=1))
    assert len(seq) == len(par) == len(plan.jobs)
    same = _scores(seq) == _scores(par)
    print(
        f"(a) speedup: {len(plan.jobs)} fits (rf, extra_trees, svc, gb x digits,"
        f" breast_cancer, wine; 1 thread each)\n"
        f"    sequential {seq_s:.1f} s, process -j {jobs} {par_s:.1f} s"
        f" -> {seq_s / par_s:.2f}x (goal >= 1.8x on 2 cores);"
        f" per-fold scores identical: {same}"
    )


def overhead() -> None:
    from benchsuite.executors import SequentialExecutor
    from benchsuite.executors.process import ProcessExecutor

    big = _plan(OVERHEAD_SUITE)  # 10 folds x 10 repeats
    small = _plan(OVERHEAD_SUITE.replace("repeats: 10", "repeats: 2"))
    n_big, n_small = len(big.jobs), len(small.jobs)

    def best(plan, make) -> tuple[float, list]:
        runs = [_timed(plan, make()) for _ in range(3)]
        return min(runs, key=lambda r: r[0])

    seq_big, _ = best(big, lambda: SequentialExecutor(threads=1))
    seq_small, _ = best(small, lambda: SequentialExecutor(threads=1))
    proc_big, records = best(big, lambda: ProcessExecutor(n_workers=1, threads=1))
    proc_small, _ = best(small, lambda: ProcessExecutor(n_workers=1, threads=1))
    fit_ms = statistics.mean(r.fit_time_s + r.predict_time_s for r in records) * 1e3
    # the slope between the two sizes: start-up cancels out
    steady = (proc_big - proc_small - (seq_big - seq_small)) / (n_big - n_small)
    start_s = proc_small - seq_small - steady * n_small
    print(
        f"(b) overhead: dummy classifier on iris (fit+predict {fit_ms:.2f} ms each), best of 3\n"
        f"    {n_big} jobs: in-process {seq_big:.2f} s, one worker process {proc_big:.2f} s"
        f" -> {(proc_big - seq_big) / n_big * 1e3:.1f} ms per job, start-up included\n"
        f"    per-job cost without start-up (slope {n_small} -> {n_big} jobs):"
        f" {steady * 1e3:.2f} ms (0 within timing noise when |x| < 1); worker start-up"
        f" {start_s:.2f} s once (goal < 500 ms per job)"
    )


def dask_parity(jobs: int) -> None:
    from benchsuite.executors import SequentialExecutor
    from benchsuite.executors.dask import DaskExecutor
    from benchsuite.plan import build_plan
    from benchsuite.suite import load_suite

    plan = build_plan(load_suite(ROOT / "suites" / "quickstart.yaml"))
    seq_s, seq = _timed(plan, SequentialExecutor(threads=1))
    dask_s, dask = _timed(plan, DaskExecutor(n_workers=jobs, threads=1))
    a, b = _scores(seq), _scores(dask)
    values = [(a[k], b.get(k)) for k in a]
    identical = sum(x == y for x, y in values)
    diffs = [
        abs(x[m] - y[m])
        for x, y in values
        if y is not None
        for m in x
        if m in y and x[m] == x[m]  # NaN-safe
    ]
    workers = {r.worker for r in dask if r.worker}
    print(
        f"(c) dask: suites/quickstart.yaml, {len(plan.jobs)} jobs\n"
        f"    sequential {seq_s:.1f} s; LocalCluster ({jobs} workers x 1 thread, start-up"
        f" included) {dask_s:.1f} s on {len(workers)} workers\n"
        f"    per-fold scores identical: {identical}/{len(a)}"
        f" (max |difference| {max(diffs, default=0.0):.3g});"
        f" missing in the dask run: {len(set(a) - set(b))}"
    )


def _scores(records) -> dict:
    return {(r.case_key, r.fold, r.repeat): dict(r.metrics) for r in records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--part", action="append", choices=["speedup", "overhead", "dask"], default=[]
    )
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    parts = args.part or ["speedup", "overhead", "dask"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"machine: {cores} cores, load average {load:.2f} at start; python {sys.version.split()[0]}"
    )
    if "speedup" in parts:
        speedup(args.jobs)
    if "overhead" in parts:
        overhead()
    if "dask" in parts:
        dask_parity(args.jobs)


if __name__ == "__main__":  # spawned workers import this file: run nothing then
    main()

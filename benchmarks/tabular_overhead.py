"""LightGBM and XGBoost 5-fold CV: benchsuite vs the plain libraries (issue 5, "Speed").

Runs the suite ``benchmarks/tabular_overhead.yaml`` through ``python -m benchsuite run`` (A)
and the same work written with plain LightGBM/XGBoost, ``benchmarks/_plain_tabular.py``
(B), as subprocesses, interleaved (AB, then BA, ...), on ``adult`` and on a covertype-sized
``make_classification`` table (581,012 x 54, 7 classes; ``--rows`` shrinks it: the suite
is then rewritten into a temporary copy). Same folds, same parameters, the same per-fold
``random_state``. Compares median whole-process wall times (goal: within 1.05x) and
per-process peak RSS (``ru_maxrss`` from ``os.wait4``; goal: within 1.2x).

This is a report, not a test: it prints and exits 0. Usage::

    python benchmarks/tabular_overhead.py [--rounds N] [--rows N] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from _common import thread_env  # benchmarks/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
SUITE = "benchmarks/tabular_overhead.yaml"
PLAIN = "benchmarks/_plain_tabular.py"
FULL_ROWS = 581_012
DEFAULT_ROWS = 50_000  # a full-size round takes far more than 4 min on 2 shared cores
TIME_GOAL = 1.05
RSS_GOAL = 1.2


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Whole-process wall time (s) and peak RSS (MiB) of ``cmd``, run in the repository root."""
    with tempfile.TemporaryFile() as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            log.seek(0)
            tail = log.read().decode(errors="replace").strip().splitlines()[-8:]
            raise SystemExit(
                f"command failed ({proc.returncode}): {' '.join(cmd)}\n" + "\n".join(tail)
            )
    scale = 2**20 if sys.platform == "darwin" else 1024
    return elapsed, usage.ru_maxrss / scale


def suite_for(rows: int, tmp: Path) -> str:
    """The suite path to run: the shipped one, or a copy with n_samples = rows."""
    if rows == FULL_ROWS:
        return SUITE
    data = yaml.safe_load((ROOT / SUITE).read_text(encoding="utf-8"))
    for entry in data["datasets"]:
        if isinstance(entry, dict) and entry.get("source") == "make_classification":
            entry["params"]["n_samples"] = rows
    path = tmp / "tabular_overhead.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(path)


def _benchsuite_inner(out_dir: Path) -> dict[str, tuple[float, float]]:
    """Per case key: (sum of fit_time_s + predict_time_s, mean accuracy) from records.jsonl."""
    (records,) = out_dir.glob("*/*/records.jsonl")
    times: dict[str, float] = {}
    accs: dict[str, list[float]] = {}
    for line in records.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["status"] != "ok":
            raise SystemExit(
                f"benchsuite case {rec['case_key']} ended {rec['status']}: {rec.get('error')}"
            )
        key = rec["case_key"]
        times[key] = times.get(key, 0.0) + rec["fit_time_s"] + rec["predict_time_s"]
        accs.setdefault(key, []).append(rec["metrics"]["accuracy"])
    return {k: (times[k], statistics.mean(accs[k])) for k in times}


def _plain_inner(out_json: Path) -> dict[str, tuple[float, float]]:
    data = json.loads(out_json.read_text(encoding="utf-8"))
    times: dict[str, float] = {}
    accs: dict[str, list[float]] = {}
    for r in data["results"]:
        key = f"{r['dataset']}/{r['estimator']}"
        times[key] = times.get(key, 0.0) + r["fit_time"] + r["predict_time"]
        accs.setdefault(key, []).append(r["accuracy"])
    return {k: (times[k], statistics.mean(accs[k])) for k in times}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of A+B (default: 3)")
    parser.add_argument(
        "--rows",
        type=int,
        default=DEFAULT_ROWS,
        help=f"rows of the synthetic table (default: {DEFAULT_ROWS:,};"
        f" covertype's size: {FULL_ROWS:,})",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=2,
        help="set OMP/OPENBLAS/MKL_NUM_THREADS to this in both processes (default: 2;"
        " 0 leaves the environment as it is)",
    )
    args = parser.parse_args(argv)
    rounds = max(1, args.rounds)
    env = thread_env(args.threads or None)
    threads = f"{args.threads}" if args.threads else "unset (library defaults)"

    print(f"benchsuite tabular overhead · python {sys.version.split()[0]} · {os.cpu_count()} CPUs")
    print(f"thread variables: {threads} · load average {os.getloadavg()[0]:.2f} (1 min)")
    print(f"datasets: adult, covertype_synth ({args.rows:,} x 54, 7 classes) · lightgbm, xgboost")
    wall_a, wall_b, rss_a, rss_b, inner_a, inner_b = [], [], [], [], [], []
    with tempfile.TemporaryDirectory(prefix="benchsuite-tabular-") as tmp_root:
        suite = suite_for(args.rows, Path(tmp_root))
        print(
            f"\nA = python -m benchsuite run {suite} -q -o TMP"
            f"\nB = python {PLAIN} TMP.json {args.rows}"
        )
        print(f"{rounds} rounds, order alternating AB / BA; whole-process wall time, peak RSS")
        for i in range(rounds):
            order = "AB" if i % 2 == 0 else "BA"
            for which in order:
                with tempfile.TemporaryDirectory(prefix="run-", dir=tmp_root) as tmp:
                    tmp_path = Path(tmp)
                    if which == "A":
                        cmd = [sys.executable, "-m", "benchsuite", "run", suite, "-q"]
                        wall, rss = _run([*cmd, "-o", str(tmp_path)], env)
                        wall_a.append(wall), rss_a.append(rss)
                        inner_a.append(_benchsuite_inner(tmp_path))
                    else:
                        out_json = tmp_path / "plain.json"
                        cmd = [sys.executable, PLAIN, str(out_json), str(args.rows)]
                        wall, rss = _run(cmd, env)
                        wall_b.append(wall), rss_b.append(rss)
                        inner_b.append(_plain_inner(out_json))
            print(
                f"  round {i + 1}/{rounds} ({order}): benchsuite {wall_a[-1]:7.2f} s"
                f" {rss_a[-1]:7.0f} MiB   plain {wall_b[-1]:7.2f} s {rss_b[-1]:7.0f} MiB"
                f"   time ratio {wall_a[-1] / wall_b[-1]:.3f}"
                f"   RSS ratio {rss_a[-1] / rss_b[-1]:.3f}",
                flush=True,
            )

    med_a, med_b = statistics.median(wall_a), statistics.median(wall_b)
    mrss_a, mrss_b = statistics.median(rss_a), statistics.median(rss_b)
    t_ratio, r_ratio = med_a / med_b, mrss_a / mrss_b
    print(f"\nmedian wall time   benchsuite {med_a:7.2f} s   plain {med_b:7.2f} s")
    print(f"ratio of medians   {t_ratio:.3f}   (min/min {min(wall_a) / min(wall_b):.3f})")
    print(f"goal <= {TIME_GOAL:.2f}x       {'PASS' if t_ratio <= TIME_GOAL else 'FAIL'}")
    print(f"median peak RSS    benchsuite {mrss_a:7.0f} MiB plain {mrss_b:7.0f} MiB")
    print(f"ratio of medians   {r_ratio:.3f}")
    print(f"goal <= {RSS_GOAL:.2f}x       {'PASS' if r_ratio <= RSS_GOAL else 'FAIL'}")

    print("\nmeasured fit + predict time, median over rounds of the sum over 5 folds;")
    print("mean accuracy over folds (same folds and seeds: should agree)")
    print(f"  {'case':28} {'benchsuite':>11} {'plain':>11} {'ratio':>7}  {'acc A':>7} {'acc B':>7}")
    for key in [*inner_a[0], "total"]:
        if key == "total":
            a = statistics.median(sum(t for t, _ in d.values()) for d in inner_a)
            b = statistics.median(sum(t for t, _ in d.values()) for d in inner_b)
            accs = ""
        else:
            a = statistics.median(d[key][0] for d in inner_a)
            b = statistics.median(d[key][0] for d in inner_b)
            accs = f"  {inner_a[0][key][1]:7.4f} {inner_b[0][key][1]:7.4f}"
        print(f"  {key:28} {a:10.2f}s {b:10.2f}s {a / b:7.3f}{accs}")
    print(
        f"  outside the measured times (median wall - median total): benchsuite"
        f" {med_a - a:.2f} s, plain {med_b - b:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

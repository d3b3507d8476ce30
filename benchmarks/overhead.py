"""How much wall time does benchsuite add over a hand-written cross_validate script?

Runs the suite ``benchmarks/overhead.yaml`` through ``python -m benchsuite run`` (A) and
the same 5-fold CV written with plain scikit-learn, ``benchmarks/_plain_cv.py`` (B), as
subprocesses, interleaved (ABAB, then BABA, ...) for several rounds, and compares the
median whole-process wall times. Goal: benchsuite within 1.05x of the plain script.

It also times ``benchsuite --help`` (``python -m benchsuite --help`` and the console
script; goal under 0.3 s) against ``python -c pass``, and compares the fit/predict times
benchsuite records with the fit/score times of ``cross_validate``.

This is a report, not a test: it prints and exits 0. Usage::

    python benchmarks/overhead.py [--rounds N] [--quick] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import thread_env  # benchmarks/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
SUITE = "benchmarks/overhead.yaml"
PLAIN = "benchmarks/_plain_cv.py"
RUN_GOAL = 1.05  # benchsuite wall time / plain script wall time
HELP_GOAL_S = 0.3
HELP_REPEATS = 10


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    """Whole-process wall time of ``cmd`` (run in the repository root), in seconds."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n" + "\n".join(tail))
    return elapsed


def _benchsuite_times(out_dir: Path) -> dict[str, float]:
    """Per case key: sum over folds of fit_time_s + predict_time_s, from records.jsonl."""
    (records,) = out_dir.glob("*/*/records.jsonl")
    sums: dict[str, float] = {}
    for line in records.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["status"] != "ok":
            raise SystemExit(f"benchsuite case {rec['case_key']} ended {rec['status']}")
        t = rec["fit_time_s"] + rec["predict_time_s"]
        sums[rec["case_key"]] = sums.get(rec["case_key"], 0.0) + t
    return sums


def _plain_times(out_json: Path) -> dict[str, float]:
    """Per case key: sum over folds of cross_validate's fit_time + score_time."""
    data = json.loads(out_json.read_text(encoding="utf-8"))
    return {
        f"{r['dataset']}/{r['estimator']}": sum(r["fit_time"]) + sum(r["score_time"])
        for r in data["results"]
    }


def run_rounds(rounds: int, env: dict[str, str]) -> tuple[list, list, list, list]:
    wall_a, wall_b, inner_a, inner_b = [], [], [], []
    for i in range(rounds):
        order = "AB" if i % 2 == 0 else "BA"
        for which in order:
            with tempfile.TemporaryDirectory(prefix="benchsuite-overhead-") as tmp:
                tmp_path = Path(tmp)
                if which == "A":
                    cmd = [sys.executable, "-m", "benchsuite", "run", SUITE, "-q"]
                    cmd += ["-o", str(tmp_path)]
                    wall_a.append(_timed(cmd, env))
                    inner_a.append(_benchsuite_times(tmp_path))
                else:
                    out_json = tmp_path / "plain.json"
                    wall_b.append(_timed([sys.executable, PLAIN, str(out_json)], env))
                    inner_b.append(_plain_times(out_json))
        print(
            f"  round {i + 1}/{rounds} ({order}): benchsuite {wall_a[-1]:7.2f} s"
            f"   plain {wall_b[-1]:7.2f} s   ratio {wall_a[-1] / wall_b[-1]:.3f}",
            flush=True,
        )
    return wall_a, wall_b, inner_a, inner_b


def time_help(env: dict[str, str]) -> dict[str, list[float]]:
    script = Path(sys.executable).parent / "benchsuite"
    if not script.exists():
        found = shutil.which("benchsuite")
        script = Path(found) if found else None
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -m benchsuite --help": [sys.executable, "-m", "benchsuite", "--help"],
    }
    if script is not None:
        commands["benchsuite --help (console script)"] = [str(script), "--help"]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for cmd in commands.values():  # warm-up: bytecode and file caches
        _timed(cmd, env)
    for _ in range(HELP_REPEATS):  # interleaved, like the runs
        for name, cmd in commands.items():
            times[name].append(_timed(cmd, env))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of A+B (default: 5)")
    parser.add_argument("--quick", action="store_true", help="2 rounds")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="set OMP/OPENBLAS/MKL_NUM_THREADS to this in both processes (default: 1;"
        " 0 leaves the environment as it is)",
    )
    args = parser.parse_args(argv)
    rounds = 2 if args.quick else max(1, args.rounds)
    env = thread_env(args.threads or None)
    threads = f"{args.threads}" if args.threads else "unset (library defaults)"

    print(f"benchsuite overhead · python {sys.version.split()[0]} · {os.cpu_count()} CPUs")
    print(f"thread variables: {threads} · load average {os.getloadavg()[0]:.2f} (1 min)")
    print(f"\nA = python -m benchsuite run {SUITE} -q -o TMP\nB = python {PLAIN} TMP.json")
    print(f"{rounds} rounds, order alternating AB / BA; whole-process wall time")
    wall_a, wall_b, inner_a, inner_b = run_rounds(rounds, env)

    med_a, med_b = statistics.median(wall_a), statistics.median(wall_b)
    ratio = med_a / med_b
    verdict = "PASS" if ratio <= RUN_GOAL else "FAIL"
    print(f"\nmedian wall time   benchsuite {med_a:7.2f} s   plain {med_b:7.2f} s")
    print(f"ratio of medians   {ratio:.3f}   (min/min {min(wall_a) / min(wall_b):.3f})")
    print(f"goal <= {RUN_GOAL:.2f}x       {verdict}")

    print("\nmeasured times, median over rounds of the sum over 5 folds:")
    print("  benchsuite: fit_time_s + predict_time_s (records.jsonl)")
    print("  plain:      fit_time + score_time (cross_validate; score_time includes scoring)")
    print(f"  {'case':24} {'benchsuite':>11} {'plain':>11} {'ratio':>7}")
    keys = list(inner_a[0])
    for key in [*keys, "total"]:
        if key == "total":
            a = statistics.median(sum(d.values()) for d in inner_a)
            b = statistics.median(sum(d.values()) for d in inner_b)
        else:
            a = statistics.median(d[key] for d in inner_a)
            b = statistics.median(d[key] for d in inner_b)
        print(f"  {key:24} {a:10.3f}s {b:10.3f}s {a / b:7.3f}")
    out_a, out_b = med_a - a, med_b - b
    print(
        f"  outside the measured times (median wall - median total): benchsuite {out_a:.2f} s,"
        f" plain {out_b:.2f} s"
    )

    print(f"\n--help, median of {HELP_REPEATS} (interleaved, after one warm-up each):")
    help_times = time_help(env)
    base = statistics.median(help_times["python -c pass"])
    for name, ts in help_times.items():
        med = statistics.median(ts)
        line = f"  {name:36} {med:6.3f} s"
        if name != "python -c pass":
            ok = "PASS" if med < HELP_GOAL_S else "FAIL"
            line += f"   (+{med - base:.3f} s over python)   goal < {HELP_GOAL_S} s: {ok}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

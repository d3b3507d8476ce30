"""How much wall time does benchsuite add over a hand-written cross_validate script?

Runs the suite ``benchmarks/overhead.yaml`` through ``python -m benchsuite run`` (A) and
the same 5-fold CV written with plain scikit-learn, ``benchmarks/_plain_cv.py`` (B), as
subprocesses, interleaved (ABAB, then BABA, ...) for several rounds, and compares the
median whole-process wall times. Goal: benchsuite within 1.05x of the plain script.

It also times ``benchsuite --help`` (``python -m benchsuite --help`` and the console
script; goal under 0.3 s) against ``python -c pass``, and compares the fit/predict times
benchsuite records with the fit/score times of ``cross_validate``.

``--tiny`` measures the fixed cost alone (issue 12, "start-up cost"): the one-job suite
``benchmarks/overhead_tiny.yaml`` (iris x logreg, one 80/20 holdout split) through
``python -m benchsuite run`` against ``benchmarks/_plain_tiny.py``, which does the same single
fit/predict/score by hand; each a fresh process, rounds alternating AB / BA, medians of the
whole-process wall and CPU times and their difference (goal: at most 0.15 s).

This is a report, not a test: it prints and exits 0. Usage::

    python benchmarks/overhead.py [--rounds N] [--quick] [--threads N]
    python benchmarks/overhead.py --tiny [--rounds N] [--threads N]
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
TINY_SUITE = "benchmarks/overhead_tiny.yaml"
TINY_PLAIN = "benchmarks/_plain_tiny.py"
TINY_GOAL_S = 0.15  # benchsuite's fixed cost: median wall time difference, in seconds
TINY_ROUNDS = 15


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


def _timed_usage(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Whole-process wall time and CPU time (user + system, from ``os.wait4``) of ``cmd``."""
    with tempfile.TemporaryFile() as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            tail = log.read().decode(errors="replace").strip().splitlines()[-5:]
            raise SystemExit(f"command failed: {' '.join(cmd)}\n" + "\n".join(tail))
    return elapsed, usage.ru_utime + usage.ru_stime


def _tiny_side(which: str, tmp_path: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """Run side A (benchsuite) or B (plain) once: wall s, CPU s and the accuracy it got."""
    if which == "A":
        cmd = [sys.executable, "-m", "benchsuite", "run", TINY_SUITE, "-q", "-o", str(tmp_path)]
        wall, cpu = _timed_usage(cmd, env)
        (records,) = tmp_path.glob("*/*/records.jsonl")
        (rec,) = [json.loads(line) for line in records.read_text(encoding="utf-8").splitlines()]
        if rec["status"] != "ok":
            raise SystemExit(f"benchsuite case {rec['case_key']} ended {rec['status']}")
        return wall, cpu, rec["metrics"]["accuracy"]
    out_json = tmp_path / "plain.json"
    wall, cpu = _timed_usage([sys.executable, TINY_PLAIN, str(out_json)], env)
    return wall, cpu, json.loads(out_json.read_text(encoding="utf-8"))["accuracy"]


def run_tiny(rounds: int, env: dict[str, str]) -> None:
    """The start-up cost: the one-job suite against the same fit/predict/score by hand."""
    # Python's default: modules are compiled once and loaded from __pycache__ afterwards, as
    # for an installed package. With PYTHONDONTWRITEBYTECODE=1 (set on some shared
    # machines) and no __pycache__ in the checkout yet, every run would compile
    # benchsuite's own sources again and bill that to start-up.
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    print(f"\nA = python -m benchsuite run {TINY_SUITE} -q -o TMP")
    print(f"B = python {TINY_PLAIN} TMP.json")
    print(f"{rounds} rounds after one warm-up of each, order alternating AB / BA; whole process")
    times: dict[str, list[tuple[float, float]]] = {"A": [], "B": []}
    accuracy: dict[str, float] = {}
    for i in range(-1, rounds):  # round -1: warm-up (bytecode and file caches), not counted
        order = "AB" if i % 2 == 0 else "BA"
        for which in order:
            with tempfile.TemporaryDirectory(prefix="benchsuite-tiny-") as tmp:
                wall, cpu, accuracy[which] = _tiny_side(which, Path(tmp), env)
            if i >= 0:
                times[which].append((wall, cpu))
        if i >= 0:
            (wa, ca), (wb, cb) = times["A"][-1], times["B"][-1]
            print(
                f"  round {i + 1:2}/{rounds} ({order}): benchsuite {wa:6.3f} s (cpu {ca:6.3f})"
                f"   plain {wb:6.3f} s (cpu {cb:6.3f})   difference {wa - wb:+.3f} s",
                flush=True,
            )
    wall_a = statistics.median(w for w, _ in times["A"])
    wall_b = statistics.median(w for w, _ in times["B"])
    cpu_a = statistics.median(c for _, c in times["A"])
    cpu_b = statistics.median(c for _, c in times["B"])
    pairs = [a[0] - b[0] for a, b in zip(times["A"], times["B"], strict=True)]
    diff = wall_a - wall_b
    verdict = "PASS" if diff <= TINY_GOAL_S else "FAIL"
    print(f"\nmedian wall time   benchsuite {wall_a:6.3f} s   plain {wall_b:6.3f} s")
    print(f"median CPU time    benchsuite {cpu_a:6.3f} s   plain {cpu_b:6.3f} s")
    print(
        f"fixed cost         {diff:+.3f} s wall (median of round differences"
        f" {statistics.median(pairs):+.3f} s), {cpu_a - cpu_b:+.3f} s CPU"
    )
    print(f"goal <= {TINY_GOAL_S:.2f} s      {verdict}")
    same = "same" if accuracy["A"] == accuracy["B"] else "DIFFERENT"
    print(f"accuracy           benchsuite {accuracy['A']:.4f}   plain {accuracy['B']:.4f} ({same})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rounds", type=int, help=f"rounds of A+B (default: 5; with --tiny {TINY_ROUNDS})"
    )
    parser.add_argument("--quick", action="store_true", help="2 rounds")
    parser.add_argument(
        "--tiny",
        action="store_true",
        help=f"only the start-up cost: the one-job suite {TINY_SUITE} against {TINY_PLAIN}",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="set OMP/OPENBLAS/MKL_NUM_THREADS to this in both processes (default: 1;"
        " 0 leaves the environment as it is)",
    )
    args = parser.parse_args(argv)
    default_rounds = TINY_ROUNDS if args.tiny else 5
    rounds = 2 if args.quick else max(1, args.rounds or default_rounds)
    env = thread_env(args.threads or None)
    threads = f"{args.threads}" if args.threads else "unset (library defaults)"

    print(f"benchsuite overhead · python {sys.version.split()[0]} · {os.cpu_count()} CPUs")
    print(f"thread variables: {threads} · load average {os.getloadavg()[0]:.2f} (1 min)")
    if args.tiny:
        run_tiny(rounds, env)
        print(f"load average at the end {os.getloadavg()[0]:.2f} (1 min)")
        return 0
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

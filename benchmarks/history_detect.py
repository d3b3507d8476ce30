"""Does the history's change-point detection find real steps and ignore noise?

    .venv/bin/python benchmarks/history_detect.py                  # 5 reruns (~3 min on 2 cores)
    .venv/bin/python benchmarks/history_detect.py --runs-dir DIR   # reuse (and add to) DIR's runs
    .venv/bin/python benchmarks/history_detect.py --runs-dir DIR --reruns 0   # only reuse

Real noise: ``suites/ci.yaml`` is run ``--reruns`` times (``--threads 1``, each a fresh
process) into ``--runs-dir`` (a temporary folder by default; completed runs already there
count). Each case's per-run medians (with their fold min/max and job count) are the
material: a synthetic history of ``--length`` runs draws whole runs from the reruns with
replacement, never the same rerun twice in a row (two real consecutive runs are never one
run), and :func:`benchsuite.history._changes.detect_changes` looks at it.

(a) Fit-time steps of +5%, +10% and +20%: every run from a random position on (at least
    3 runs on each side) has its fit time multiplied. Found: a change within one run of the
    injection, a regression. Goal for +10% and +20%: >= 9 of 10 histories each (the first 10
    of ``--histories``; the rate over all of them is printed too, as 10 is a coarse sample).
    With ``--quieter``, (a) is repeated with each case's run-to-run deviations scaled down
    (on logs): what the method finds on a machine quieter than the one that ran the reruns.
(b) A 1-point accuracy drop (-0.01 from a random position on) in a deterministic case (one
    whose accuracy median is identical in every rerun). Goal: found exactly, 10 of 10.
(c) Pure noise: ``--noise`` histories per case and quantity (fit time, predict time,
    accuracy), nothing injected. Goal: at most 1 false change point per 1,000 series-runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _common import thread_env  # noqa: E402

from benchsuite.history._changes import MIN_SEGMENT, detect_changes  # noqa: E402
from benchsuite.history._model import Point  # noqa: E402
from benchsuite.runs import find_runs  # noqa: E402

# (value, low, high, n) of one case x quantity in one rerun
Summary = tuple[float, float, float, int]
QUANTITIES: dict[str, Callable] = {
    "fit_time_s": lambda r: r.fit_time_s,
    "predict_time_s": lambda r: r.predict_time_s,
    "metric:accuracy": lambda r: r.metrics.get("accuracy"),
}
HIGHER_IS_BETTER = {"fit_time_s": False, "predict_time_s": False, "metric:accuracy": True}
EDGE = MIN_SEGMENT + 1  # runs on each side of an injected step, at least


def rerun(out: Path, count: int) -> None:
    env = thread_env(1)
    cmd = [sys.executable, "-m", "benchsuite", "run", "suites/ci.yaml", "-q", "--threads", "1"]
    for i in range(count):
        t0 = time.perf_counter()
        command = [*cmd, "-o", str(out)]
        proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
        if proc.returncode != 0:
            sys.exit(f"run failed: {' '.join(cmd)}\n{proc.stderr}")
        print(f"    rerun {i + 1} of {count}: {time.perf_counter() - t0:.1f} s", flush=True)


def summaries(runs_dir: Path) -> tuple[list[str], dict[str, dict[str, list[Summary]]]]:
    """Run ids, and per quantity and case the per-rerun summaries (cases every rerun has)."""
    runs = [r for r in find_runs(runs_dir) if r.info.status == "completed" and r.suite == "ci"]
    table: dict[str, dict[str, list[Summary]]] = {q: {} for q in QUANTITIES}
    for run in runs:
        for q, get in QUANTITIES.items():
            samples: dict[str, list[float]] = {}
            for rec in run.records:
                value = get(rec) if rec.status == "ok" else None
                if value is not None:
                    samples.setdefault(rec.case_key, []).append(float(value))
            for key, xs in samples.items():
                table[q].setdefault(key, []).append(
                    (statistics.median(xs), min(xs), max(xs), len(xs))
                )
    for q in table:
        table[q] = {k: v for k, v in table[q].items() if len(v) == len(runs)}
    return [r.run_id for r in runs], table


def draw(rng: np.random.Generator, n_reruns: int, length: int) -> list[int]:
    """``length`` reruns with replacement, never the same one twice in a row."""
    picks = [int(rng.integers(n_reruns))]
    while len(picks) < length:
        i = int(rng.integers(n_reruns))
        if i != picks[-1] or n_reruns == 1:
            picks.append(i)
    return picks


def history(rows: list[Summary], picks: list[int], step_at: int, step: Callable) -> list[Point]:
    points = []
    for j, i in enumerate(picks):
        value, low, high, n = rows[i]
        if j >= step_at:
            value, low, high = step(value), step(low), step(high)
        label = f"{j:03d}"
        points.append(
            Point(f"run{label}", label, f"sha{label}", "main", False, value, low, high, n)
        )
    return points


def injected(
    rng: np.random.Generator,
    table: dict[str, list[Summary]],
    keys: list[str],
    count: int,
    length: int,
    step: Callable,
    higher_is_better: bool,
    tolerance: int,
) -> list[bool]:
    """Per history: the injected step found (within ``tolerance`` runs, for the worse)."""
    hits = []
    for h in range(count):
        key = keys[h % len(keys)]
        rows = table[key]
        at = int(rng.integers(EDGE, length - EDGE + 1))
        points = history(rows, draw(rng, len(rows), length), at, step)
        changes = detect_changes(points, higher_is_better=higher_is_better)
        hits.append(any(abs(c.index - at) <= tolerance and c.regression for c in changes))
    return hits


def quieter(table: dict[str, list[Summary]], factor: float) -> dict[str, list[Summary]]:
    """Each case's runs pulled towards its median, ``log`` deviations times ``factor``: the
    same shape of noise, as a quieter machine would show it (detection itself is scale-free
    on logs, so false alarms do not change; only the size of a step relative to it does)."""
    out = {}
    for key, rows in table.items():
        centre = float(np.median([row[0] for row in rows]))
        scaled = []
        for value, low, high, n in rows:
            ratio = centre * (value / centre) ** factor / value
            scaled.append((value * ratio, low * ratio, high * ratio, n))
        out[key] = scaled
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--runs-dir", type=Path, help="reruns of suites/ci.yaml (default: a temp folder)")
    add("--reruns", type=int, default=5, help="completed runs wanted (default 5)")
    add("--length", type=int, default=20, help="runs per history (default 20)")
    add("--histories", type=int, default=200, help="per injected step (default 200)")
    add("--noise", type=int, default=50, help="noise histories per series (default 50)")
    add("--seed", type=int, default=0)
    add(
        "--quieter",
        type=lambda text: [float(x) for x in text.split(",")],
        default=[1.0, 0.1, 0.05],
        help="(a) also with each case's run-to-run deviations scaled by these (default 1,0.1,0.05)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        runs_dir = args.runs_dir or Path(tmp)
        runs_dir.mkdir(parents=True, exist_ok=True)
        have = len([r for r in find_runs(runs_dir) if r.info.status == "completed"])
        if have < args.reruns:
            print(f"reruns of suites/ci.yaml into {runs_dir} ({have} there)", flush=True)
            rerun(runs_dir, args.reruns - have)
        run_ids, table = summaries(runs_dir)
    if len(run_ids) < 2:
        sys.exit(f"{runs_dir}: fewer than 2 completed runs of suites/ci.yaml")
    rng = np.random.default_rng(args.seed)
    n = args.length
    fit = table["fit_time_s"]
    keys = sorted(fit)
    spread = [np.std(np.log([row[0] for row in fit[k]])) for k in keys]
    print(
        f"{len(run_ids)} reruns, {len(keys)} cases; run-to-run std of log(median fit time)"
        f" per case: median {np.median(spread):.3f}, range {min(spread):.3f}-{max(spread):.3f}"
        f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )

    print(f"(a) fit-time steps, histories of {n} runs, step at least {EDGE} runs from each end")
    for factor in args.quieter:
        label = "as measured" if factor == 1 else f"noise x {factor:g} (a quieter machine)"
        table_a = quieter(fit, factor)
        sd = np.median([np.std(np.log([row[0] for row in rows])) for rows in table_a.values()])
        print(f"  {label}: median run-to-run std of log(fit time) {sd:.3f}")
        for size in (0.05, 0.10, 0.20):
            hits = injected(
                rng, table_a, keys, args.histories, n, lambda v, s=size: v * (1 + s), False, 1
            )
            goal = "" if size < 0.1 else "  (goal >= 9 of 10)"
            print(
                f"    +{size:.0%}: found within one run in {sum(hits[:10])} of 10{goal};"
                f" over {len(hits)}: {np.mean(hits):.1%}"
            )

    acc = table["metric:accuracy"]
    flat = sorted(k for k, rows in acc.items() if len({row[0] for row in rows}) == 1)
    print(f"(b) 1-point accuracy drop, {len(flat)} deterministic cases of {len(acc)}")
    if flat:
        hits = injected(rng, acc, flat, args.histories, n, lambda v: v - 0.01, True, tolerance=0)
        print(
            f"    found at the exact run in {sum(hits[:10])} of 10 (goal 10 of 10);"
            f" over {len(hits)}: {np.mean(hits):.1%}"
        )

    print(f"(c) pure noise: {args.noise} histories of {n} runs per case and quantity")
    for q, rows_by_key in table.items():
        false, series = 0, 0
        for rows in rows_by_key.values():
            for _ in range(args.noise):
                points = history(rows, draw(rng, len(rows), n), n, lambda v: v)
                false += len(detect_changes(points, higher_is_better=HIGHER_IS_BETTER[q]))
                series += 1
        rate = 1000 * false / (series * n)
        print(
            f"    {q}: {false} false change points in {series} series x {n} runs ="
            f" {rate:.2f} per 1,000 series-runs (goal <= 1)"
        )


if __name__ == "__main__":
    main()

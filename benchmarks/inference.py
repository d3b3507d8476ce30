"""Inference timing (issue 15): benchsuite's ``measure_inference`` vs plain timing loops.

In one process, side by side, over several rounds (the order of the two sides alternating
from round to round):

(a) harness overhead: the median per-call latency of a model whose ``predict`` does
    nothing, by ``measure_inference`` and by a bare ``time.perf_counter`` loop around the
    same call (goal: benchsuite at most 2 us above);
(b) batch-1 latency of ``LogisticRegression.predict`` on iris and of
    ``lightgbm.LGBMClassifier.predict`` on Adult (one row of a DataFrame), by
    ``measure_inference`` and by ``timeit.repeat(number=1)`` of the same call, as many
    calls on both sides: ratio of the medians of single calls (goal: <= 1.05). Also
    printed: timeit's usual figure, the median over repeats of the mean per call (repeats
    of 20-50 ms), which a skewed distribution (a loaded machine) pulls above the median.

Both sides call the very same bound method on the very same one-row batch, with the
garbage collector off (``timeit`` turns it off; so does ``measure_inference``), BLAS/OpenMP
pinned to one thread. Adult is read from ``BENCHSUITE_DATA_DIR`` (``benchsuite data fetch
adult``); without it the LightGBM row is left out. This is a report: it prints and exits 0.

    python benchmarks/inference.py [--rounds 5] [--min-time 0.5] [--adult-rows 20000]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

OVERHEAD_GOAL_US = 2.0
RATIO_GOAL = 1.05


class NoOp:
    """A fitted model whose predict does nothing (the harness alone is timed)."""

    def predict(self, X: Any) -> Any:
        return X


def bare_loop(call: Callable[[Any], Any], x: Any, n: int, warmup: int = 3) -> float:
    """Median seconds per call of ``call(x)``: a plain perf_counter loop, one read per call."""
    for _ in range(warmup):
        call(x)
    pc = time.perf_counter
    times = []
    append = times.append
    gc.disable()
    try:
        prev = pc()
        for _ in range(n):
            call(x)
            t = pc()
            append(t - prev)
            prev = t
    finally:
        gc.enable()
    return statistics.median(times)


def timeit_single(call: Callable[[Any], Any], x: Any, n: int) -> float:
    """Median of ``n`` single-call times of ``call(x)``: ``timeit.repeat(number=1)``."""
    timer = timeit.Timer("call(x)", globals={"call": call, "x": x})
    timer.repeat(repeat=3, number=1)  # warm-up, as measure_inference's
    return statistics.median(timer.repeat(repeat=n, number=1))


def timeit_means(call: Callable[[Any], Any], x: Any, budget_s: float) -> float:
    """Median over ``timeit.repeat`` repeats of the mean seconds per call of ``call(x)``."""
    timer = timeit.Timer("call(x)", globals={"call": call, "x": x})
    number, _ = timer.autorange()  # calls that take at least 0.2 s
    per_repeat = max(1, number // 10)  # repeats of 20-50 ms, filling about budget_s
    totals = timer.repeat(repeat=max(5, round(budget_s / 0.02)), number=per_repeat)
    return statistics.median(totals) / per_repeat


def benchsuite_median(
    model: Any, X_one: Any, min_time_s: float, max_calls: int
) -> tuple[float, int]:
    """``measure_inference``'s batch-1 median (s) and its number of timed calls."""
    from benchsuite.inference import InferenceSpec, measure_inference

    spec = InferenceSpec(batch_sizes=(1,), min_time_s=min_time_s, max_calls=max_calls)
    (entry,) = measure_inference(model, X_one, spec, seed=0)
    return entry["median_s"], entry["n_calls"]


def load_adult(rows: int) -> tuple[Any, Any] | None:
    """Adult's X (a DataFrame) and y through benchsuite's loader; None without the files."""
    from benchsuite.datasets import load_dataset
    from benchsuite.suite import parse_suite

    with tempfile.TemporaryDirectory() as tmp:
        suite = parse_suite(
            f"name: a\ndatasets: [{{name: adult, source: adult, subsample: {rows}}}]\n"
            "estimators: [lightgbm]\n",
            base_dir=Path(tmp),
        )
        try:
            ds = load_dataset(suite.datasets[0], base_dir=Path(tmp), seed=0)
        except Exception as exc:  # noqa: BLE001 (a report: say why the row is missing)
            print(f"adult not loaded ({type(exc).__name__}: {exc}); LightGBM row left out")
            return None
    return ds.X, ds.y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.5, help="min_time_s per side")
    parser.add_argument("--adult-rows", type=int, default=20_000)
    args = parser.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")

    import numpy as np
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    X, y = load_iris(return_X_y=True)
    models: list[tuple[str, Any, Any]] = [
        ("logreg iris", LogisticRegression(max_iter=1000).fit(X, y), X[7:8])
    ]
    adult = load_adult(args.adult_rows)
    if adult is not None:
        from lightgbm import LGBMClassifier

        Xa, ya = adult
        lgbm = LGBMClassifier(n_jobs=1, verbosity=-1, random_state=0).fit(Xa, ya)
        models.append(("lightgbm adult", lgbm, Xa.iloc[7:8]))

    noop, x0 = NoOp(), np.zeros((1, 4))
    overhead: list[float] = []
    ratios: dict[str, list[float]] = {name: [] for name, _, _ in models}
    n_prev = {name: 200 for name, _, _ in models}  # timeit's calls before benchsuite's first
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f}; one thread")
    for r in range(args.rounds):
        first = r % 2 == 0  # alternate which side runs first
        # (a) overhead: the same number of calls on both sides
        if first:
            ours, n = benchsuite_median(noop, x0, args.min_time, 10_000)
            bare = bare_loop(noop.predict, x0, n)
        else:
            bare = bare_loop(noop.predict, x0, 10_000)
            ours, n = benchsuite_median(noop, x0, args.min_time, 10_000)
        overhead.append((ours - bare) * 1e6)
        line = [
            f"round {r + 1}: no-op {ours * 1e6:.3f} us vs bare {bare * 1e6:.3f} us "
            f"({overhead[-1]:+.3f} us, {n} calls)"
        ]
        for name, model, x in models:
            # the same statistic on both sides: the median of single calls, as many calls
            if first:
                ours, n = benchsuite_median(model, x, args.min_time, 10_000)
                plain = timeit_single(model.predict, x, n)
            else:
                plain = timeit_single(model.predict, x, n_prev[name])
                ours, n = benchsuite_median(model, x, args.min_time, 10_000)
            n_prev[name] = n
            means = timeit_means(model.predict, x, args.min_time)
            ratios[name].append(ours / plain)
            line.append(
                f"{name} {ours * 1e6:.1f} us vs timeit {plain * 1e6:.1f} us "
                f"({ours / plain:.3f}x, {n} calls; timeit mean per call {means * 1e6:.1f} us)"
            )
        print("; ".join(line))

    med = statistics.median(overhead)
    ok = "met" if med <= OVERHEAD_GOAL_US else "NOT met"
    print(
        f"(a) harness overhead, median of rounds: {med:+.3f} us "
        f"(goal <= {OVERHEAD_GOAL_US} us: {ok})"
    )
    for name, values in ratios.items():
        m = statistics.median(values)
        ok = "met" if m <= RATIO_GOAL else "NOT met"
        print(
            f"(b) {name} batch 1, benchsuite / timeit, median of rounds: {m:.3f}x "
            f"(rounds {min(values):.3f}-{max(values):.3f}; goal <= {RATIO_GOAL}: {ok})"
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at end: {load:.2f}")


if __name__ == "__main__":
    main()

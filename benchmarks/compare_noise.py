"""Does ``benchsuite compare`` separate signal from noise? False alarms, injected
regressions, and the time to compare two large runs.

    .venv/bin/python benchmarks/compare_noise.py             # about 5 min on 2 cores
    .venv/bin/python benchmarks/compare_noise.py --runs 3 --trials 3   # quicker look

(a) False alarms: ``suites/ci.yaml`` is run ``--runs + 1`` times (``--threads 1``, each a
    fresh process); runs 1..N are compared with run 0 and with the committed baseline.
    Goal: no gating regression (default ``--fail-on metric,failure``) in N of N.
(b) A 2-point accuracy drop is caught, two ways:
    1. records edited: in a copy of run i, one case (a different one each time) loses 0.02
       accuracy on every fold; compared with run 0;
    2. a real estimator: ``benchmarks/compare_inject.yaml`` with ``_inject.Injected``
       flipping 2% of its predictions (``BENCHSUITE_INJECT_DROP=0.02``, a different random
       subset per trial), compared with a clean run of the same suite.
    Goal: the injected case is a gating ``worse-metric`` and nothing else gates, N of N.
(c) A 1.5x slowdown: the same suite with ``BENCHSUITE_INJECT_SLOWDOWN=0.5`` (the wrapper
    sleeps half its fit time). Goal: the injected case is reported ``slower``.
(d) Speed: two synthetic runs of ``--records`` records each (5 folds per case) are written
    and compared, in-process (load + compare) and through the CLI (whole process).
    Goal: under 2 s.
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

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _common import thread_env  # noqa: E402

from benchsuite.compare import compare_records, compare_runs  # noqa: E402
from benchsuite.results import Record, read_records  # noqa: E402


def bench_run(suite: Path, out: Path, run_id: str, **env: str) -> Path:
    environ = thread_env(1)
    environ["PYTHONPATH"] = os.pathsep.join([str(HERE), environ.get("PYTHONPATH", "")])
    environ.update(env)
    cmd = [sys.executable, "-m", "benchsuite", "run", str(suite), "-q", "--threads", "1"]
    cmd += ["-o", str(out), "--run-id", run_id]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=environ, cwd=ROOT)
    if proc.returncode != 0:
        sys.exit(f"run failed: {' '.join(cmd)}\n{proc.stderr}")
    return next(out.glob(f"*/{run_id}"))


def drop_copy(src: Path, dst: Path, case_key: str, points: float) -> Path:
    shutil.copytree(src, dst)
    lines = []
    for line in (dst / "records.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec["case_key"] == case_key and "accuracy" in rec["metrics"]:
            rec["metrics"]["accuracy"] -= points
        lines.append(json.dumps(rec))
    (dst / "records.jsonl").write_text("\n".join(lines) + "\n")
    return dst


def caught(comparison, key: str, verdict: str, *, gating: bool) -> bool:
    v = next(v for v in comparison.verdicts if v.case_key == key)
    others_gate = [x.case_key for x in comparison.gating if x.case_key != key]
    ok = verdict in v.flags and v.gating == gating and not others_gate
    return ok


def part_a_b1(tmp: Path, runs: int) -> None:
    suite = ROOT / "suites" / "ci.yaml"
    print(f"(a) {runs + 1} runs of suites/ci.yaml (--threads 1), each compared with run 0")
    paths = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        paths.append(bench_run(suite, tmp / "ci", f"run{i:02d}"))
        print(f"    run {i}: {time.perf_counter() - t0:.1f} s", flush=True)
    false_alarms, baseline_alarms, slower, faster, identical = 0, 0, [], [], 0
    base_records = read_records(paths[0])
    for p in paths[1:]:
        c = compare_runs(paths[0], p)
        false_alarms += bool(c.gating)
        counts = c.counts()
        slower.append(counts.get("slower", 0))
        faster.append(counts.get("faster", 0))
        cur = read_records(p)
        same = all(
            a.metrics == b.metrics and a.case_key == b.case_key
            for a, b in zip(base_records, cur, strict=True)
        )
        identical += same
        committed = ROOT / "results" / "baseline"
        if committed.is_dir():
            baseline_alarms += bool(compare_runs(committed, p).gating)
    n_cases = len({r.case_key for r in base_records})
    print(f"    gating regressions vs run 0: {false_alarms} of {runs} comparisons (goal 0)")
    if (ROOT / "results" / "baseline").is_dir():
        print(f"    gating regressions vs results/baseline: {baseline_alarms} of {runs}")
    print(f"    runs with every fold metric identical to run 0: {identical} of {runs}")
    print(
        f"    non-gating timing verdicts per comparison ({n_cases} cases): slower"
        f" {statistics.median(slower)} (max {max(slower)}), faster {statistics.median(faster)}"
        f" (max {max(faster)}) -- why time does not gate by default"
    )

    print("(b1) 2-point accuracy drop edited into one case of runs 1..N")
    keys = sorted({r.case_key for r in base_records if "accuracy" in r.metrics})
    hits = 0
    for i, p in enumerate(paths[1:]):
        key = keys[(i * 7) % len(keys)]
        worse = drop_copy(p, tmp / f"drop{i:02d}", key, 0.02)
        c = compare_runs(paths[0], worse)
        ok = caught(c, key, "worse-metric", gating=True)
        hits += ok
        v = next(v for v in c.verdicts if v.case_key == key)
        m = v.metric("accuracy")
        print(
            f"    {key:<24} delta {m.delta:+.4f} p={m.p_value:.3g}  {v.verdict}"
            f"{' (gating)' if v.gating else ''}  exit {c.exit_code}  {'caught' if ok else 'MISSED'}"
        )
    print(f"    caught {hits} of {runs} (goal {runs} of {runs})")


def part_b2_c(tmp: Path, trials: int) -> None:
    suite = HERE / "compare_inject.yaml"
    key = "digits/injected"
    base = bench_run(suite, tmp / "inj", "clean")
    print(f"(b2) {trials} runs of compare_inject.yaml with 2% of the predictions flipped")
    hits, deltas = 0, []
    for i in range(trials):
        p = bench_run(suite, tmp / "inj", f"drop{i:02d}",
                      BENCHSUITE_INJECT_DROP="0.02", BENCHSUITE_INJECT_SEED=str(i))  # fmt: skip
        c = compare_runs(base, p)
        ok = caught(c, key, "worse-metric", gating=True)
        hits += ok
        v = next(v for v in c.verdicts if v.case_key == key)
        m = v.metric("accuracy")
        deltas.append(m.delta)
        print(
            f"    trial {i}: accuracy {m.base_mean:.4f} -> {m.current_mean:.4f}"
            f" ({m.delta:+.4f}, p={m.p_value:.3g})  {v.verdict}  exit {c.exit_code}"
            f"  {'caught' if ok else 'MISSED'}"
        )
    print(
        f"    caught {hits} of {trials}; mean drop {statistics.fmean(deltas):+.4f}"
        f" (smallest {max(deltas):+.4f})"
    )

    print(f"(c) {trials} runs with the wrapped fit sleeping 0.5x its fit time")
    hits, ratios = 0, []
    for i in range(trials):
        p = bench_run(suite, tmp / "inj", f"slow{i:02d}", BENCHSUITE_INJECT_SLOWDOWN="0.5")
        c = compare_runs(base, p)
        ok = caught(c, key, "slower", gating=False)
        hits += ok
        v = next(v for v in c.verdicts if v.case_key == key)
        t = v.time("fit")
        ratios.append(t.ratio)
        print(
            f"    trial {i}: fit {t.base_median * 1e3:.1f} -> {t.current_median * 1e3:.1f} ms"
            f" x{t.ratio:.2f} p={t.p_value:.3g}  {v.verdict}  exit {c.exit_code}"
            f"  {'reported' if ok else 'MISSED'}"
        )
    print(f"    reported slower {hits} of {trials}; median ratio x{statistics.median(ratios):.2f}")


def synthetic(path: Path, n_records: int, seed: int, *, folds: int = 5) -> None:
    rng = np.random.default_rng(seed)
    path.mkdir(parents=True)
    n_cases = n_records // folds
    with open(path / "records.jsonl", "w") as fh:
        for c in range(n_cases):
            key = f"ds{c % 50}/est{c // 50}"
            acc = 0.8 + 0.15 * ((c * 7919) % 100) / 100
            for f in range(folds):
                rec = Record(
                    run_id=path.name, suite="synthetic", dataset=f"ds{c % 50}",
                    estimator=f"est{c // 50}", case_key=key, status="ok",
                    config_hash=f"h{c}", dataset_fingerprint=f"fp{c % 50}", fold=f,
                    n_folds=folds, n_train=800, n_test=200,
                    metrics={"accuracy": acc + 0.01 * rng.standard_normal(),
                             "f1_macro": acc - 0.01 + 0.01 * rng.standard_normal()},
                    fit_time_s=float(0.01 * (1 + 0.05 * rng.standard_normal())),
                    predict_time_s=float(0.001 * (1 + 0.05 * rng.standard_normal())),
                    peak_rss_mb=200.0 + rng.random(),
                )  # fmt: skip
                fh.write(json.dumps(rec.to_dict()) + "\n")
    (path / "run.json").write_text(json.dumps({"run_id": path.name, "suite": "synthetic"}))


def part_d(tmp: Path, n_records: int) -> None:
    a, b = tmp / "syn" / "a", tmp / "syn" / "b"
    synthetic(a, n_records, 0)
    synthetic(b, n_records, 1)
    print(f"(d) comparing two synthetic runs of {n_records} records ({n_records // 5} cases)")
    inproc, load_only, cli = [], [], []
    for _ in range(3):
        t0 = time.perf_counter()
        ra, rb = read_records(a), read_records(b)
        t1 = time.perf_counter()
        c = compare_records(ra, rb)
        t2 = time.perf_counter()
        load_only.append(t1 - t0)
        inproc.append(t2 - t0)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "benchsuite", "compare", str(a), str(b), "--format", "json",
             "-o", os.devnull],
            capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip
        cli.append(time.perf_counter() - t0)
        if proc.returncode not in (0, 1):
            sys.exit(proc.stderr)
    print(f"    verdicts: {c.counts()}")
    print(
        f"    in-process read + compare: median {statistics.median(inproc):.2f} s"
        f" (reading {statistics.median(load_only):.2f} s)"
    )
    print(f"    CLI, whole process (start-up, JSON out): median {statistics.median(cli):.2f} s"
          " (goal < 2 s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="honest comparisons (a, b1)")
    parser.add_argument("--trials", type=int, default=10, help="injected runs (b2, c)")
    parser.add_argument("--records", type=int, default=10_000, help="records per run (d)")
    parser.add_argument("--only", choices=["a", "b", "d"], help="one part only (b = b2 and c)")
    parser.add_argument("--keep", type=Path, help="keep the runs in this folder")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="compare_noise-")) if args.keep is None else args.keep
    tmp.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; runs in {tmp}")
    try:
        if args.only in (None, "a"):
            part_a_b1(tmp, args.runs)
        if args.only in (None, "b"):
            part_b2_c(tmp, args.trials)
        if args.only in (None, "d"):
            part_d(tmp, args.records)
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()

"""How long does ``benchsuite history`` take over 1,000 runs x 50 cases, cold and warm?

    .venv/bin/python benchmarks/history_speed.py              # 1,000 runs x 50 cases
    .venv/bin/python benchmarks/history_speed.py --runs 200   # a quicker look
    .venv/bin/python benchmarks/history_speed.py --keep DIR   # write (or reuse) the runs in DIR

Writes a synthetic folder of run folders by hand (``run.json`` + ``records.jsonl``, records
as a run writes them: 5 folds per case, accuracy, balanced accuracy and F1, fit and predict
times with noise, peak RSS; two machines, one suite), then times:

- ``build_history`` in-process, **cold** (no index file: every ``records.jsonl`` is parsed
  and the index written) and **warm** (index present, nothing changed), median of 3;
- the whole ``benchsuite history DIR --format terminal|json -o FILE`` process, warm
  (interpreter start, imports, index, series, output written to a temporary file),
  median of 3 each.

Goals (issue 16): cold <= 30 s, warm <= 2 s. Change-point detection is part of the time
when it is implemented; where it is not (``NotImplementedError``), a stand-in that finds
nothing is used and the script says so.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchsuite.history import _changes  # noqa: E402
from benchsuite.history._index import INDEX_FILE  # noqa: E402
from benchsuite.history._model import Point  # noqa: E402

DATASETS = ["iris", "wine", "digits", "breast_cancer", "adult", "covertype", "spambase",
            "mnist", "fashion", "bank"]  # fmt: skip
ESTIMATORS = ["logreg", "svm", "rf", "knn", "hist_gb"]
FOLDS = 5


def _environment(machine: int) -> dict:
    return {
        "python": "3.11.7",
        "platform": "Linux-6.1-x86_64",
        "cpu": {"model": f"Synthetic CPU {machine}", "logical_cores": 8 * (machine + 1)},
        "ram_gb": 31.3,
        "gpus": [],
        "packages": {"scikit-learn": "1.5.2", "numpy": "2.1.0", "benchsuite": "0.1.0"},
        "threads": {"OMP_NUM_THREADS": None},
    }


def write_runs(root: Path, n_runs: int, n_cases: int, seed: int = 0) -> int:
    """``n_runs`` run folders of suite ``synthetic`` under ``root``; the records written."""
    rng = random.Random(seed)
    cases = [(d, e) for d in DATASETS for e in ESTIMATORS][:n_cases]
    base = {c: (rng.uniform(0.7, 0.99), rng.uniform(0.01, 5.0)) for c in cases}
    written = 0
    for i in range(n_runs):
        run_id = f"2026{1 + i // 500:02d}{1 + (i // 20) % 25:02d}T{i % 20:02d}0000-{i:04x}"
        started = f"2026-{1 + i // 500:02d}-{1 + (i // 20) % 25:02d}T{i % 20:02d}:00:00.000+00:00"
        machine = i % 2
        folder = root / "synthetic" / run_id
        folder.mkdir(parents=True)
        sha = f"{i:040x}"
        info = {
            "schema_version": 2,
            "run_id": run_id,
            "suite": "synthetic",
            "status": "completed",
            "started_at": started,
            "ended_at": started,
            "suite_file": "suites/synthetic.yaml",
            "seed": 0,
            "command_line": ["benchsuite", "run", "suites/synthetic.yaml"],
            "executor": "sequential",
            "n_cases": len(cases),
            "n_jobs": len(cases) * FOLDS,
            "environment": {
                **_environment(machine),
                "git": {"sha": sha, "branch": "main", "dirty": False},
            },
            "machine": f"box-{machine}",
            "counts": {"ok": len(cases) * FOLDS, "error": 0, "timeout": 0, "skipped": 0},
        }
        (folder / "run.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
        lines = []
        for dataset, estimator in cases:
            acc, fit = base[dataset, estimator]
            for fold in range(FOLDS):
                score = min(1.0, acc + rng.gauss(0, 0.01))
                lines.append(
                    json.dumps(
                        {
                            "run_id": run_id,
                            "suite": "synthetic",
                            "dataset": dataset,
                            "estimator": estimator,
                            "case_key": f"{dataset}/{estimator}",
                            "status": "ok",
                            "model": f"sklearn.module:{estimator}",
                            "params": {"random_state": rng.randrange(2**31)},
                            "config_hash": "c05eaca33e72aca2",
                            "dataset_fingerprint": "512f7726ffbfb0ee",
                            "task": "multiclass",
                            "evaluation": f"cv={FOLDS}",
                            "fold": fold,
                            "n_folds": FOLDS,
                            "repeat": 0,
                            "random_state": rng.randrange(2**31),
                            "n_train": 1200,
                            "n_test": 300,
                            "device": "cpu",
                            "error": None,
                            "metrics": {
                                "accuracy": score,
                                "balanced_accuracy": score - 0.01,
                                "f1_macro": score - 0.02,
                            },
                            "fit_time_s": fit * rng.lognormvariate(0, 0.05),
                            "predict_time_s": fit / 50 * rng.lognormvariate(0, 0.05),
                            "peak_rss_mb": 200 + rng.uniform(0, 20),
                            "rss_delta_mb": rng.uniform(0, 5),
                            "peak_gpu_mb": None,
                            "epochs_run": None,
                            "time_per_epoch_s": None,
                            "loss_curve": [],
                            "h2d_time_s": None,
                            "time_to_target_s": None,
                            "target_epoch": None,
                            "warnings": [],
                            "started_at": started,
                            "threads": None,
                            "worker": None,
                            "schema_version": 1,
                        }
                    )
                )
        (folder / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written += len(lines)
    return written


def _stand_in_if_needed() -> bool:
    """Use a detector that finds nothing when the real one is not implemented yet."""
    probe = [Point(f"r{i}", "", None, None, False, 1.0, 1.0, 1.0, 1) for i in range(10)]
    try:
        _changes.detect_changes(probe, higher_is_better=True)
    except NotImplementedError:
        _changes.detect_changes = lambda points, *, higher_is_better: []  # type: ignore[assignment]
        return True
    return False


CLI = """
import sys
from benchsuite.history import _changes
if {stand_in!r}:
    _changes.detect_changes = lambda points, *, higher_is_better: []
from benchsuite.cli import main
sys.exit(main(["history", {root!r}, "--format", {fmt!r}, "-o", {out!r}]))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--keep", metavar="DIR", help="write the runs here (reused if present)")
    args = parser.parse_args()

    from benchsuite.history import build_history

    stand_in = _stand_in_if_needed()
    tmp = Path(tempfile.mkdtemp(prefix="history-speed-"))
    root = Path(args.keep) if args.keep else tmp / "runs"
    try:
        if not (root / "synthetic").is_dir():
            t0 = time.perf_counter()
            n = write_runs(root, args.runs, args.cases)
            size = sum(f.stat().st_size for f in root.rglob("*.jsonl")) / 2**20
            print(
                f"wrote {args.runs} runs x {args.cases} cases x {FOLDS} folds = {n} records"
                f" ({size:.0f} MiB) in {time.perf_counter() - t0:.1f} s"
            )
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        if stand_in:
            print("change points: detect_changes not implemented here; a stand-in finds none")
        cold = []
        for _ in range(1 if args.runs >= 1000 else 3):
            (root / INDEX_FILE).unlink(missing_ok=True)
            t0 = time.perf_counter()
            history = build_history(root)
            cold.append(time.perf_counter() - t0)
        warm = []
        for _ in range(3):
            t0 = time.perf_counter()
            history = build_history(root)
            warm.append(time.perf_counter() - t0)
        assert history.options["runs_read"] == 0
        index_mb = (root / INDEX_FILE).stat().st_size / 2**20
        print(
            f"{sum(len(v) for v in history.runs.values())} runs, {len(history.series)} series,"
            f" {sum(len(s.points) for s in history.series)} points; index {index_mb:.1f} MiB"
        )
        print(f"build_history cold (no index): {statistics.median(cold):.2f} s  (goal <= 30 s)")
        print(f"build_history warm (index):    {statistics.median(warm):.2f} s  (goal <= 2 s)")
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        for fmt, out in (("terminal", tmp / "h.txt"), ("json", tmp / "h.json")):
            code = CLI.format(stand_in=stand_in, root=str(root), fmt=fmt, out=str(out))
            cli = []
            for _ in range(3):
                t0 = time.perf_counter()
                proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True)
                cli.append(time.perf_counter() - t0)
                assert proc.returncode == 0, proc.stderr.decode()
            print(
                f"benchsuite history --format {fmt}, whole process, warm:"
                f" {statistics.median(cli):.2f} s  (goal <= 2 s)"
            )
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

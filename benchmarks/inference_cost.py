"""What the default ``inference`` block adds to the run time of ``suites/quickstart.yaml``.

Each round runs the quickstart suite twice, side by side in fresh processes, in alternating
order: as shipped, and with ``defaults: {inference: true}`` added (the default block: batch
sizes 1 and 1024, 0.1 s of timed calls per batch size, first fold of each case). Prints
each round's wall times and the median ratio with / without (goal: at most 1.25).

    BENCHSUITE_DATA_DIR=... python benchmarks/inference_cost.py [--rounds 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from _common import thread_env  # benchmarks/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.25


def _suites(folder: Path) -> dict[str, Path]:
    """The quickstart suite as shipped and with the default inference block."""
    data = yaml.safe_load((ROOT / "suites" / "quickstart.yaml").read_text())
    plain = folder / "plain.yaml"
    plain.write_text(yaml.safe_dump(data, sort_keys=False))
    data["defaults"]["inference"] = True
    with_inference = folder / "inference.yaml"
    with_inference.write_text(yaml.safe_dump(data, sort_keys=False))
    return {"without": plain, "with": with_inference}


def _run(suite: Path, out: Path, threads: int | None) -> float:
    command = [sys.executable, "-m", "benchsuite", "run", str(suite), "-o", str(out)]
    if threads is not None:
        command += ["--threads", str(threads)]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=thread_env(threads))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        suites = _suites(folder)
        for i in range(args.rounds):
            order = ["without", "with"] if i % 2 == 0 else ["with", "without"]
            wall = {
                name: _run(suites[name], folder / f"r{i}-{name}", args.threads) for name in order
            }
            ratios.append(wall["with"] / wall["without"])
            print(
                f"round {i + 1}: without {wall['without']:.1f} s, with {wall['with']:.1f} s,"
                f" ratio {ratios[-1]:.2f}",
                flush=True,
            )
    median = statistics.median(ratios)
    verdict = "met" if median <= GOAL else "not met"
    print(f"median ratio with / without inference: {median:.2f} (goal <= {GOAL}: {verdict})")


if __name__ == "__main__":
    main()

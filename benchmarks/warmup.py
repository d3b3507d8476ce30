"""What the untimed warm-up of torch models takes out of ``fit_time_s`` (CPU or GPU).

Each round starts two fresh processes, one measuring the first job of a process without the
warm-up and one with it (``measure_fold(..., warm_up=...)``): digits, ``torch.mlp``,
3 epochs, 1 thread. Prints each round and the median ratio with / without.

    python benchmarks/warmup.py [--rounds 5] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

from _common import thread_env  # benchmarks/ is on sys.path when run as a script

ONE_JOB = """
import sys
from sklearn.datasets import load_digits
from benchsuite.estimators.torch import TorchMLPClassifier
from benchsuite.measure import measure_fold
X, y = load_digits(return_X_y=True)
X = (X / 16).astype("float32")
model = TorchMLPClassifier(epochs=3, device=sys.argv[2], threads=1, random_state=0)
m = measure_fold(model, X[:1400], y[:1400], X[1400:], warm_up=sys.argv[1] == "on")
print(m.fit_time_s, m.warmup_s or 0.0)
"""


def _job(warm: str, device: str) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", ONE_JOB, warm, device],
        capture_output=True,
        text=True,
        check=True,
        env=thread_env(1),
    ).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    ratios = []
    for i in range(args.rounds):
        off, _ = _job("off", args.device)
        on, warm = _job("on", args.device)
        ratios.append(on / off)
        print(f"round {i + 1}: fit {off:.4f} s without, {on:.4f} s with (warm-up {warm:.4f} s)")
    print(f"median fit_time_s with / without the warm-up: {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    main()

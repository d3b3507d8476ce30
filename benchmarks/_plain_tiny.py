"""The baseline of ``benchmarks/overhead.py --tiny``: the suite overhead_tiny.yaml, by hand.

One job, as a user would write it without benchsuite: load iris, one stratified 80/20
``train_test_split`` (``random_state=0``, the suite's seed), the ``logreg`` alias's pipeline
(``StandardScaler`` + ``LogisticRegression(max_iter=1000)``), fit, predict, accuracy, and the
result written as JSON, so that the baseline also pays for keeping what it measured. What
benchsuite does beyond this (its imports, suite validation, environment capture, the run
folder, the table) is its fixed cost.

Usage: python benchmarks/_plain_tiny.py OUT.json
"""

from __future__ import annotations

import json
import sys
import time

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SEED = 0


def main(out: str) -> None:
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=SEED, stratify=y
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=SEED))
    t0 = time.perf_counter()
    model.fit(X_train, y_train)
    t1 = time.perf_counter()
    y_pred = model.predict(X_test)
    t2 = time.perf_counter()
    accuracy = accuracy_score(y_test, y_pred)
    print(f"iris/logreg: accuracy {accuracy:.4f}")
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(
            {"accuracy": accuracy, "fit_time_s": t1 - t0, "predict_time_s": t2 - t1}, fh, indent=1
        )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python benchmarks/_plain_tiny.py OUT.json")
    main(sys.argv[1])

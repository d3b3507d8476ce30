"""The baseline of benchmarks/overhead.py: the suite overhead.yaml, hand-written.

What a user would write without benchsuite: load the same bundled datasets, build the same
estimators as benchsuite's aliases (``logreg`` and ``svc`` behind a StandardScaler,
``logreg`` with ``max_iter=1000``, ``rf`` with 100 trees, ``hist_gb`` with defaults), run
``cross_validate`` with the same ``StratifiedKFold(5, shuffle=True, random_state=0)``, print
the mean accuracies and store every per-fold result as JSON, so that the baseline also pays
for keeping its results.

One difference, irrelevant for timing: benchsuite derives a different ``random_state`` per
(dataset, estimator, fold); here every estimator that takes one gets ``random_state=0``.

Usage: python benchmarks/_plain_cv.py OUT.json
"""

from __future__ import annotations

import json
import sys

from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

SEED = 0

DATASETS = {"breast_cancer": load_breast_cancer, "digits": load_digits}

ESTIMATORS = {
    "logreg": lambda: make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=1000, random_state=SEED)
    ),
    "svc": lambda: make_pipeline(StandardScaler(), SVC(random_state=SEED)),
    "rf": lambda: RandomForestClassifier(n_estimators=100, random_state=SEED),
    "hist_gb": lambda: HistGradientBoostingClassifier(random_state=SEED),
}


def main(out: str) -> None:
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    results = []
    for ds_name, load in DATASETS.items():
        X, y = load(return_X_y=True)
        for est_name, make in ESTIMATORS.items():
            scores = cross_validate(make(), X, y, cv=cv, scoring="accuracy")
            results.append(
                {
                    "dataset": ds_name,
                    "estimator": est_name,
                    "fit_time": scores["fit_time"].tolist(),
                    "score_time": scores["score_time"].tolist(),
                    "accuracy": scores["test_score"].tolist(),
                }
            )
            print(f"{ds_name}/{est_name}: accuracy {scores['test_score'].mean():.4f}")
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"seed": SEED, "results": results}, fh, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python benchmarks/_plain_cv.py OUT.json")
    main(sys.argv[1])

"""The baseline of benchmarks/tabular_overhead.py: tabular_overhead.yaml, hand-written.

What a user would write without benchsuite: the same two datasets, the same
``StratifiedKFold(5, shuffle=True, random_state=0)`` folds, ``LGBMClassifier(verbosity=-1)``
and ``XGBClassifier(enable_categorical=True)`` (the aliases' defaults) with the very
``random_state`` per fold that benchsuite derives (``benchsuite.plan.derive_seed``), a
timed fit and predict per fold, accuracy, and every per-fold result stored as JSON.

Data: adult comes from ``benchsuite.datasets.load_dataset`` (data loading is not what is
compared; it is the same DataFrame, ``category`` columns with NaN, from the same parsed
cache), the synthetic table straight from ``make_classification``.

Usage: python benchmarks/_plain_tabular.py OUT.json N_SAMPLES
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from lightgbm import LGBMClassifier
from sklearn.datasets import make_classification
from sklearn.metrics import accuracy_score
from sklearn.model_selection import StratifiedKFold
from xgboost import XGBClassifier

from benchsuite.plan import derive_seed

SEED = 0
ESTIMATORS = {
    "lightgbm": lambda rs: LGBMClassifier(verbosity=-1, random_state=rs),
    "xgboost": lambda rs: XGBClassifier(enable_categorical=True, random_state=rs),
}


def load_adult():
    from benchsuite.datasets import load_dataset
    from benchsuite.suite import DatasetEntry

    ds = load_dataset(DatasetEntry(name="adult", source="adult"), base_dir=Path("."), seed=SEED)
    return ds.X, ds.y


def load_synth(n_samples: int):
    return make_classification(
        n_samples=n_samples, n_features=54, n_informative=20, n_classes=7, random_state=0
    )


def _take(X, idx):
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def main(out: str, n_samples: int) -> None:
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    datasets = {"adult": load_adult, "covertype_synth": lambda: load_synth(n_samples)}
    results = []
    for ds_name, load in datasets.items():
        X, y = load()
        for est_name, make in ESTIMATORS.items():
            for fold, (train, test) in enumerate(cv.split(X, y)):
                X_train, X_test = _take(X, train), _take(X, test)
                model = make(derive_seed(SEED, ds_name, est_name, fold, 0))
                t0 = time.perf_counter()
                model.fit(X_train, y[train])
                t1 = time.perf_counter()
                pred = model.predict(X_test)
                t2 = time.perf_counter()
                acc = accuracy_score(y[test], pred)
                results.append(
                    {
                        "dataset": ds_name,
                        "estimator": est_name,
                        "fold": fold,
                        "fit_time": t1 - t0,
                        "predict_time": t2 - t1,
                        "accuracy": acc,
                    }
                )
                print(f"{ds_name}/{est_name} fold {fold}: accuracy {acc:.4f}", flush=True)
            del X_train, X_test, model
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"seed": SEED, "results": results}, fh, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python benchmarks/_plain_tabular.py OUT.json N_SAMPLES")
    main(sys.argv[1], int(sys.argv[2]))

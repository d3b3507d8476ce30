"""benchsuite: cross-validated, GPU-aware benchmarks of ML estimators from a YAML suite.

The public API is re-exported here lazily so that ``import benchsuite`` stays light
(no scikit-learn, torch, xgboost or lightgbm until a name that needs them is used).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "BenchsuiteError": "benchsuite.errors",
    "ConfigError": "benchsuite.errors",
    "DataError": "benchsuite.errors",
    "Suite": "benchsuite.suite",
    "load_suite": "benchsuite.suite",
    "Case": "benchsuite.plan",
    "Job": "benchsuite.plan",
    "Plan": "benchsuite.plan",
    "build_plan": "benchsuite.plan",
    "Dataset": "benchsuite.datasets",
    "load_dataset": "benchsuite.datasets",
    "DATASET_SOURCES": "benchsuite.datasets",
    "ESTIMATOR_ALIASES": "benchsuite.estimators",
    "build_estimator": "benchsuite.estimators",
    "Measurement": "benchsuite.measure",
    "measure_fold": "benchsuite.measure",
    "METRICS": "benchsuite.metrics",
    "compute_metrics": "benchsuite.metrics",
    "Record": "benchsuite.results",
    "read_records": "benchsuite.results",
    "Run": "benchsuite.runs",
    "RunInfo": "benchsuite.runs",
    "RunStore": "benchsuite.runs",
    "RunLockedError": "benchsuite.runs",
    "load_run": "benchsuite.runs",
    "capture_environment": "benchsuite.environment",
    "Comparison": "benchsuite.compare",
    "Verdict": "benchsuite.compare",
    "compare_records": "benchsuite.compare",
    "compare_runs": "benchsuite.compare",
    "SequentialExecutor": "benchsuite.executors",
    "RunResult": "benchsuite.executors",
    "run_plan": "benchsuite.executors",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'benchsuite' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

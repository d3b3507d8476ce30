"""benchsuite: cross-validated, GPU-aware benchmarks of ML estimators from a YAML suite.

The public API is re-exported here lazily so that ``import benchsuite`` stays light
(no scikit-learn, torch, xgboost or lightgbm until a name that needs them is used).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchsuite._lazy import lazy_exports

__version__ = "0.1.0"

if TYPE_CHECKING:  # what IDEs and type checkers see; at run time __getattr__ imports
    from benchsuite.compare import Comparison, Verdict, compare_records, compare_runs
    from benchsuite.datasets import DATASET_SOURCES, Dataset, load_dataset
    from benchsuite.environment import capture_environment
    from benchsuite.errors import BenchsuiteError, ConfigError, DataError
    from benchsuite.estimators import ESTIMATOR_ALIASES, build_estimator
    from benchsuite.executors import (
        EXECUTORS,
        Executor,
        RunResult,
        SequentialExecutor,
        get_executor,
        run_plan,
    )
    from benchsuite.history import History, build_history
    from benchsuite.inference import InferenceSpec, measure_inference
    from benchsuite.measure import Measurement, measure_fold
    from benchsuite.metrics import METRICS, compute_metrics
    from benchsuite.plan import Case, Job, Plan, build_plan
    from benchsuite.report import (
        Report,
        build_report,
        load_report_runs,
        print_report,
        report_html,
        report_markdown,
    )
    from benchsuite.results import Record, export_records, read_records
    from benchsuite.runs import Run, RunInfo, RunLockedError, RunStore, find_runs, load_run
    from benchsuite.suite import Suite, SuiteError, load_suite

# public name -> module that defines it, in the order of the data flow
_EXPORTS = {
    "BenchsuiteError": "benchsuite.errors",
    "ConfigError": "benchsuite.errors",
    "DataError": "benchsuite.errors",
    # suite YAML -> Suite
    "Suite": "benchsuite.suite",
    "SuiteError": "benchsuite.suite",
    "load_suite": "benchsuite.suite",
    # Suite -> Plan of Cases, each with its Jobs
    "Case": "benchsuite.plan",
    "Job": "benchsuite.plan",
    "Plan": "benchsuite.plan",
    "build_plan": "benchsuite.plan",
    # what a Job uses
    "Dataset": "benchsuite.datasets",
    "load_dataset": "benchsuite.datasets",
    "DATASET_SOURCES": "benchsuite.datasets",
    "ESTIMATOR_ALIASES": "benchsuite.estimators",
    "build_estimator": "benchsuite.estimators",
    "Measurement": "benchsuite.measure",
    "measure_fold": "benchsuite.measure",
    "InferenceSpec": "benchsuite.inference",
    "measure_inference": "benchsuite.inference",
    "METRICS": "benchsuite.metrics",
    "compute_metrics": "benchsuite.metrics",
    # Plan -> Executor -> Records in a Run folder
    "EXECUTORS": "benchsuite.executors",
    "Executor": "benchsuite.executors",
    "SequentialExecutor": "benchsuite.executors",
    "get_executor": "benchsuite.executors",
    "RunResult": "benchsuite.executors",
    "run_plan": "benchsuite.executors",
    "Record": "benchsuite.results",
    "read_records": "benchsuite.results",
    "export_records": "benchsuite.results",
    "Run": "benchsuite.runs",
    "RunInfo": "benchsuite.runs",
    "RunStore": "benchsuite.runs",
    "RunLockedError": "benchsuite.runs",
    "find_runs": "benchsuite.runs",
    "load_run": "benchsuite.runs",
    "capture_environment": "benchsuite.environment",
    # Runs -> Verdicts, reports
    "Comparison": "benchsuite.compare",
    "Verdict": "benchsuite.compare",
    "compare_records": "benchsuite.compare",
    "compare_runs": "benchsuite.compare",
    "Report": "benchsuite.report",
    "load_report_runs": "benchsuite.report",
    "build_report": "benchsuite.report",
    "print_report": "benchsuite.report",
    "report_markdown": "benchsuite.report",
    "report_html": "benchsuite.report",
    # every run of a suite -> series per case, change points
    "History": "benchsuite.history",
    "build_history": "benchsuite.history",
}

# literal, so that linters and type checkers read it (tests/unit/test_imports.py keeps it
# equal to _EXPORTS)
__all__ = [
    "BenchsuiteError",
    "Case",
    "Comparison",
    "ConfigError",
    "DATASET_SOURCES",
    "DataError",
    "Dataset",
    "ESTIMATOR_ALIASES",
    "EXECUTORS",
    "Executor",
    "History",
    "InferenceSpec",
    "Job",
    "METRICS",
    "Measurement",
    "Plan",
    "Record",
    "Report",
    "Run",
    "RunInfo",
    "RunLockedError",
    "RunResult",
    "RunStore",
    "SequentialExecutor",
    "Suite",
    "SuiteError",
    "Verdict",
    "__version__",
    "build_estimator",
    "build_history",
    "build_plan",
    "build_report",
    "capture_environment",
    "compare_records",
    "compare_runs",
    "compute_metrics",
    "export_records",
    "find_runs",
    "get_executor",
    "load_dataset",
    "load_report_runs",
    "load_run",
    "load_suite",
    "measure_fold",
    "measure_inference",
    "print_report",
    "read_records",
    "report_html",
    "report_markdown",
    "run_plan",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

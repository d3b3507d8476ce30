"""Synthetic records and run folders for the report tests: exact values, no fitting."""

from __future__ import annotations

import json
from pathlib import Path

from benchsuite.results import Record


def make_records(
    scores: dict[tuple[str, str], list[float]],
    *,
    run_id: str = "r1",
    suite: str = "s",
    metric: str = "accuracy",
    fit_time: dict[tuple[str, str], float] | None = None,
    failed: dict[tuple[str, str], str] | None = None,
    skipped: dict[tuple[str, str], str] | None = None,
    loss_curves: dict[tuple[str, str], list[float]] | None = None,
) -> list[Record]:
    """One record per fold score of each ``(dataset, estimator)``; ``failed`` and ``skipped``
    pairs get one error / skipped record with the given reason."""
    out = []
    for (dataset, estimator), folds in scores.items():
        for fold, value in enumerate(folds):
            out.append(
                Record(
                    run_id=run_id,
                    suite=suite,
                    dataset=dataset,
                    estimator=estimator,
                    case_key=f"{dataset}/{estimator}",
                    status="ok",
                    fold=fold,
                    n_folds=len(folds),
                    metrics={metric: value},
                    fit_time_s=(fit_time or {}).get((dataset, estimator), 0.01) * (1 + fold / 10),
                    predict_time_s=0.001,
                    peak_rss_mb=100.0 + fold,
                    loss_curve=list((loss_curves or {}).get((dataset, estimator), [])),
                )
            )
    for status, pairs in (("error", failed or {}), ("skipped", skipped or {})):
        for (dataset, estimator), reason in pairs.items():
            out.append(
                Record(
                    run_id=run_id,
                    suite=suite,
                    dataset=dataset,
                    estimator=estimator,
                    case_key=f"{dataset}/{estimator}",
                    status=status,
                    error=reason,
                )
            )
    return out


def write_run_folder(
    folder: Path, records: list[Record], *, status: str | None = "completed", **info
) -> Path:
    """Write ``records.jsonl`` and (unless ``status`` is None) ``run.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "records.jsonl", "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r.to_dict()) + "\n")
    if status is not None:
        run_info = {
            "schema_version": 2,
            "run_id": records[0].run_id if records else folder.name,
            "suite": records[0].suite if records else "s",
            "status": status,
            "started_at": "2026-01-01T00:00:00.000+00:00",
            "n_jobs": len(records),
            "environment": {
                "python": "3.11.7",
                "cpu": {"model": "Test CPU", "logical_cores": 2, "usable_cores": 2},
                "gpus": [{"name": "Test GPU", "memory_gb": 8}],
                "git": {"sha": "0123456789abcdef", "dirty": False},
                "packages": {"scikit-learn": "1.9.1"},
            },
            **info,
        }
        (folder / "run.json").write_text(json.dumps(run_info), encoding="utf-8")
    return folder


# three datasets x three estimators; on every dataset: a > b > c (so ranks 1, 2, 3)
THREE_BY_THREE = {
    ("d1", "a"): [0.90, 0.92, 0.94],
    ("d1", "b"): [0.85, 0.86, 0.87],
    ("d1", "c"): [0.70, 0.71, 0.72],
    ("d2", "a"): [0.80, 0.80, 0.80],
    ("d2", "b"): [0.70, 0.72, 0.74],
    ("d2", "c"): [0.60, 0.60, 0.66],
    ("d3", "a"): [0.99, 0.98, 0.97],
    ("d3", "b"): [0.95, 0.96, 0.97],
    ("d3", "c"): [0.50, 0.55, 0.60],
}


def render_all(folder: Path) -> dict[str, str]:
    """The terminal, Markdown and HTML reports of the run in ``folder``, keyed by file
    suffix (``txt``, ``md``, ``html``), with the folder's path written as ``<RUN>`` so that
    they do not depend on where the run was written."""
    from rich.console import Console

    from benchsuite.report._model import build_report, load_report_runs
    from benchsuite.report.html import report_html
    from benchsuite.report.markdown import report_markdown
    from benchsuite.report.terminal import print_report

    report = build_report(load_report_runs([folder]))
    console = Console(width=200, record=True)
    print_report(console, report)
    out = {
        "txt": console.export_text(),
        "md": report_markdown(report),
        "html": report_html(report),
    }
    return {k: v.replace(str(folder), "<RUN>") for k, v in out.items()}


def golden_records() -> list[Record]:
    """The records of the golden reports (``golden/no_inference.*``): three datasets x three
    estimators, a failed case and a loss curve, no inference."""
    return make_records(
        THREE_BY_THREE,
        failed={("d1", "broken|pipe"): "ValueError: bad <value> | here"},
        loss_curves={("d1", "a"): [1.0, 0.5, 0.25]},
    )

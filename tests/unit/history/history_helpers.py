"""Run folders written by hand for the history tests: ``run.json`` + ``records.jsonl`` as a
run writes them, with the fields the history reads. Imported by name
(``from history_helpers import write_run``), as ``report_helpers`` is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ENV = {
    "cpu": {"model": "Test CPU 9000", "logical_cores": 8},
    "ram_gb": 31.3,
    "gpus": [],
}


def record(run_id: str, suite: str, case: str, fold: int, **fields: Any) -> dict[str, Any]:
    """One ``ok`` record of ``case`` (``dataset/estimator``) on ``fold``."""
    dataset, estimator = case.split("/", 1)
    out = {
        "run_id": run_id,
        "suite": suite,
        "dataset": dataset,
        "estimator": estimator,
        "case_key": case,
        "status": "ok",
        "fold": fold,
        "n_folds": 3,
        "evaluation": "cv=3",
        "metrics": {"accuracy": 0.9},
        "fit_time_s": 1.0,
        "predict_time_s": 0.01,
        "peak_rss_mb": 100.0,
        "started_at": "2026-01-01T00:00:00.000+00:00",
        "schema_version": 1,
    }
    out.update(fields)
    return out


def write_run(
    root: Path,
    suite: str,
    run_id: str,
    *,
    started_at: str,
    fit: dict[str, float] | None = None,
    records: list[dict[str, Any]] | None = None,
    machine: str | None = "m1",
    environment: dict[str, Any] | None = None,
    status: str = "completed",
    commit: str | None = None,
    branch: str | None = "main",
    dirty: bool = False,
    extra: dict[str, Any] | None = None,
) -> Path:
    """A run folder ``root/suite/run_id``: 3 folds of each case of ``fit`` (case -> fit time
    in seconds), or the given ``records``; ``machine=None`` writes a run.json without the key
    (an older run)."""
    folder = root / suite / run_id
    folder.mkdir(parents=True)
    env = dict(environment if environment is not None else ENV)
    if commit is not None:
        env["git"] = {"sha": commit, "branch": branch, "dirty": dirty}
    info: dict[str, Any] = {
        "schema_version": 2,
        "run_id": run_id,
        "suite": suite,
        "status": status,
        "started_at": started_at,
        "ended_at": started_at,
        "environment": env,
        **(extra or {}),
    }
    if machine is not None:
        info["machine"] = machine
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")
    if records is None:
        records = [
            record(run_id, suite, case, fold, fit_time_s=value)
            for case, value in (fit or {}).items()
            for fold in range(3)
        ]
    text = "".join(json.dumps(r) + "\n" for r in records)
    (folder / "records.jsonl").write_text(text, encoding="utf-8")
    return folder


def stamp(i: int) -> str:
    """A start time, ``i`` days after 2026-01-01."""
    return f"2026-01-{i + 1:02d}T10:00:00.000+00:00"

"""Transitional (issue 13): the names this module held now live in :mod:`benchsuite.runs`
(finding and loading runs) and :mod:`benchsuite.results` (export). Kept only until cli.py
imports them from there; then delete this file."""

from benchsuite.results import export_records, records_frame
from benchsuite.runs import RECORDS_FILE, RUN_FILE, Run, find_runs, load_run, resolve_run

__all__ = [
    "RECORDS_FILE",
    "RUN_FILE",
    "Run",
    "export_records",
    "find_runs",
    "load_run",
    "records_frame",
    "resolve_run",
]

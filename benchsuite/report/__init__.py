"""Reports: summaries of records as terminal tables, Markdown and self-contained HTML.

``benchsuite report`` is :func:`load_report_runs` -> :func:`build_report` -> one of
:func:`print_report` (rich), :func:`report_markdown` or :func:`report_html` (matplotlib,
imported only when the HTML is rendered). :func:`friedman_nemenyi` is the statistics behind
the critical-difference diagram.
"""

from __future__ import annotations

import importlib
from typing import Any

from benchsuite.report._summary import CaseSummary, summarize

_LAZY = {
    "Report": "benchsuite.report._model",
    "build_report": "benchsuite.report._model",
    "load_report_runs": "benchsuite.report._model",
    "friedman_nemenyi": "benchsuite.report._cd",
    "FriedmanResult": "benchsuite.report._cd",
    "print_report": "benchsuite.report.terminal",
    "report_markdown": "benchsuite.report.markdown",
    "report_html": "benchsuite.report.html",
}

__all__ = [
    "CaseSummary",
    "FriedmanResult",
    "Report",
    "build_report",
    "friedman_nemenyi",
    "load_report_runs",
    "print_report",
    "report_html",
    "report_markdown",
    "summarize",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'benchsuite.report' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

"""Reports: summaries of records as terminal tables, Markdown and self-contained HTML.

``benchsuite report`` is :func:`load_report_runs` -> :func:`build_report` -> one of
:func:`print_report` (rich), :func:`report_markdown` or :func:`report_html` (matplotlib,
imported only when the HTML is rendered). :func:`friedman_nemenyi` is the statistics behind
the critical-difference diagram. A :class:`~benchsuite.compare.Comparison` is rendered by
:func:`print_comparison` (rich), :func:`comparison_markdown` and :func:`comparison_json`.
Every name is imported on first use, so that a command that only prints a table loads
neither the records module nor matplotlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchsuite._lazy import lazy_exports

if TYPE_CHECKING:  # what IDEs and type checkers see; at run time __getattr__ imports
    from benchsuite.report._cd import FriedmanResult, friedman_nemenyi
    from benchsuite.report._compare import comparison_json, print_comparison
    from benchsuite.report._model import Report, ReportRun, build_report, load_report_runs
    from benchsuite.report._summary import CaseSummary, summarize
    from benchsuite.report.html import report_html
    from benchsuite.report.markdown import comparison_markdown, report_markdown
    from benchsuite.report.terminal import print_report

_LAZY = {
    "CaseSummary": "benchsuite.report._summary",
    "summarize": "benchsuite.report._summary",
    "Report": "benchsuite.report._model",
    "ReportRun": "benchsuite.report._model",
    "build_report": "benchsuite.report._model",
    "load_report_runs": "benchsuite.report._model",
    "friedman_nemenyi": "benchsuite.report._cd",
    "FriedmanResult": "benchsuite.report._cd",
    "print_report": "benchsuite.report.terminal",
    "report_markdown": "benchsuite.report.markdown",
    "report_html": "benchsuite.report.html",
    "print_comparison": "benchsuite.report._compare",
    "comparison_json": "benchsuite.report._compare",
    "comparison_markdown": "benchsuite.report.markdown",
}

__all__ = [
    "CaseSummary",
    "FriedmanResult",
    "Report",
    "ReportRun",
    "build_report",
    "comparison_json",
    "comparison_markdown",
    "friedman_nemenyi",
    "load_report_runs",
    "print_comparison",
    "print_report",
    "report_html",
    "report_markdown",
    "summarize",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

"""Reports: summaries of records as terminal tables (and later Markdown and HTML)."""

from __future__ import annotations

from benchsuite.report._summary import CaseSummary, summarize

__all__ = ["CaseSummary", "summarize"]

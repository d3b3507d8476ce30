"""PLACEHOLDER (wip-hist-core): the Markdown and HTML dashboards are written on another
branch; this stand-in only lets ``benchsuite history --format markdown|html`` run here and
is replaced by that module at merge."""

from __future__ import annotations

from benchsuite.history._model import History


def history_markdown(history: History) -> str:
    """Placeholder: a one-line Markdown summary."""
    return f"# History of {history.root}\n\n{len(history.regressions)} regression(s)\n"


def history_html(history: History) -> str:
    """Placeholder: a one-line HTML page."""
    return (
        "<!doctype html><html><body><p>"
        f"{len(history.regressions)} regression(s)</p></body></html>\n"
    )

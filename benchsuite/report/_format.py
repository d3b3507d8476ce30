"""How every view writes a value and its spread (terminal, Markdown, HTML, compare).

One place decides the text of ``mean ± std``, so that a case measured once (a holdout or an
official split with one repeat) reads as the value alone everywhere: a standard deviation of
one sample is not zero, it does not exist, and ``0.834 ± 0.000`` would claim a spread that
was never measured. Nothing here imports more than the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from benchsuite._format import format_seconds  # re-exported: the views import it from here
from benchsuite._stats import Stats

__all__ = [
    "SINGLE_NOTE",
    "ci_text",
    "format_seconds",
    "format_stats",
    "format_value",
    "has_spread",
    "single_note",
    "spread_label",
]

# the width of output that is not a terminal (a file, a pipe, a CI log): tables need not
# wrap at 80 columns there
FILE_WIDTH = 160
# a terminal report written to a file (-o): its tables are wider than compare's
REPORT_FILE_WIDTH = 200


def widen(console: Any, width: int = FILE_WIDTH) -> None:
    """Let a rich console that is not a terminal use ``width`` columns (at least)."""
    if not console.is_terminal and console.width < width:
        console.width = width


SINGLE_NOTE = "values without ± come from a single measurement (n=1), which has no spread"


def format_value(x: float) -> str:
    """A metric value: 3 decimals below 10, fewer for large errors (rmse 55.12)."""
    a = abs(x)
    if a >= 1000:
        return f"{x:.0f}"
    if a >= 100:
        return f"{x:.1f}"
    if a >= 10:
        return f"{x:.2f}"
    return f"{x:.3f}"


def has_spread(st: Stats | None) -> bool:
    """Whether ``st`` has a standard deviation to show (two or more samples)."""
    return st is not None and st.n > 1


def format_stats(st: Stats) -> str:
    """``0.953 ± 0.018`` (the std with the mean's decimals), or ``0.834`` for one sample.

    Parameters
    ----------
    st : Stats

    Returns
    -------
    str
        The mean alone when ``st.n == 1``: :data:`SINGLE_NOTE` says why, under each table
        that has such a value.
    """
    mean = format_value(st.mean)
    if not has_spread(st):
        return mean
    decimals = len(mean.split(".")[1]) if "." in mean else 0
    return f"{mean} ± {st.std:.{decimals}f}"


def ci_text(st: Stats) -> str:
    """``95% CI [0.93, 0.97], n=5`` (a tooltip in HTML); for one sample, says there is none."""
    if not has_spread(st):
        return "n=1: a single measurement, no spread and no confidence interval"
    return f"95% CI [{format_value(st.ci95_low)}, {format_value(st.ci95_high)}], n={st.n}"


def spread_label(stats: Iterable[Stats | None], *, over: str = "folds") -> str:
    """What a table's values are: ``"mean ± std over folds"``, or ``"one measurement per
    case"`` when none of ``stats`` has more than one sample."""
    known = [st for st in stats if st is not None]
    if known and not any(has_spread(st) for st in known):
        return "one measurement per case"
    return f"mean ± std over {over}"


def single_note(stats: Iterable[Stats | None]) -> str | None:
    """:data:`SINGLE_NOTE` when some of ``stats`` (the values of one table or report) has a
    single sample, else None."""
    return SINGLE_NOTE if any(st is not None and not has_spread(st) for st in stats) else None

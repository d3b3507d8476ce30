"""How durations, p-values and git commits are written, wherever they are shown
(compare's reasons and tables, reports, run headers). Standard library only."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = [
    "format_git_sha",
    "format_p",
    "format_rate",
    "format_seconds",
    "p_clause",
    "p_equation",
]

# below it a p-value is written as a bound: more digits would claim a precision the tests,
# with a handful of folds or timing samples, do not have
_P_FLOOR = 0.001


def format_seconds(seconds: float | None) -> str:
    """``"12.3 ms"``-style duration with three significant digits; ``"-"`` for None."""
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale or unit == "µs":
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds:.3g} s"  # pragma: no cover


def format_rate(per_s: float | None, unit: str = "rows/s") -> str:
    """``"45.6k rows/s"``-style rate with three significant digits (k, M, G); ``"-"`` for
    None or NaN (nothing measured)."""
    if per_s is None or math.isnan(per_s):
        return "-"
    value, prefix = per_s, ""
    for bigger in ("k", "M", "G"):
        # compare the rounded text: 999,960 rows/s is "1M", not "1e+03k"
        if float(f"{value:.3g}") < 1000:
            break
        value, prefix = value / 1000, bigger
    return f"{value:.3g}{prefix} {unit}"


def format_p(p: float | None, n: int | None = None) -> str:
    """A p-value table cell: ``0.012``, ``<0.001``; ``n=1`` when a side has a single sample
    (one split, one timing sample: no test, the tolerance or ratio alone decides); ``-``
    when there is no test for another reason."""
    if p is None:
        return "n=1" if n is not None and n < 2 else "-"
    return f"<{_P_FLOOR}" if p < _P_FLOOR else f"{p:.3f}"


def p_clause(p: float | None) -> str:
    """A p-value in a sentence: ``p=0.012``, ``p<0.001``, or ``n=1, no test`` (a single
    split or timing sample on a side: no test ran)."""
    if p is None:
        return "n=1, no test"
    return f"p={p:.2g}" if p >= _P_FLOOR else f"p<{_P_FLOOR}"


def p_equation(p: float) -> str:
    """The relation after ``p`` in a statistics line: ``= 0.012`` or ``< 0.001``."""
    return f"< {_P_FLOOR}" if p < _P_FLOOR else f"= {p:.3f}"


def format_git_sha(git: Mapping[str, Any] | None, *, full: bool = False) -> str | None:
    """A run's commit, from its environment's ``git`` entry (``{"sha", "dirty"}``).

    Parameters
    ----------
    git : mapping or None
    full : bool, default=False
        The whole sha and `` (dirty)`` (the environment table) instead of its first ten
        characters and ``+dirty`` (run headers).

    Returns
    -------
    str or None
        None when the run recorded no commit.
    """
    info = git or {}
    sha = info.get("sha")
    if not sha:
        return None
    if full:
        return sha + (" (dirty)" if info.get("dirty") else "")
    return sha[:10] + ("+dirty" if info.get("dirty") else "")

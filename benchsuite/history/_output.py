"""A :class:`History` in the terminal (rich) and as JSON.

JSON (:func:`history_dict`), the keys:

- ``root``: the folder read; ``options``: what the history was built with (``pattern``,
  ``machine``, ``since``, ``git``, ``order``, ``index``, ``runs_read``);
- ``skipped``: one line per run folder that could not be read; ``notes``: what else was
  tolerated or left out;
- ``groups``: one per suite x machine, ``{suite, machine, runs: [run_id, ...]}`` in run
  order;
- ``series``: one per suite x machine x case x quantity, :class:`Series`'s fields
  (``suite, machine, case_key, quantity, unit, higher_is_better, status``), its ``points``
  (:class:`Point`'s fields: ``run_id, started_at, commit, branch, dirty, value, low,
  high, n, partial``) and ``changes`` (:class:`Change`'s fields); an infinite
  ``relative`` is written as the string ``"inf"`` / ``"-inf"`` (JSON has no infinity);
- ``regressions``: ``{suite, machine, case_key, quantity, run_id, commit, before, after,
  relative}``, worst first.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from benchsuite.history._changes import MIN_POINTS
from benchsuite.history._model import Change, History, Series

__all__ = ["history_dict", "history_json", "print_history"]


def _finite(value: float) -> float | str:
    return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")


def _change_dict(change: Change) -> dict[str, Any]:
    out = dataclasses.asdict(change)
    out["relative"] = _finite(change.relative)
    return out


def history_dict(history: History) -> dict[str, Any]:
    """``history`` as plain JSON-able data (the keys are in this module's docstring)."""
    series = []
    for s in history.series:
        series.append(
            {
                "suite": s.suite,
                "machine": s.machine,
                "case_key": s.case_key,
                "quantity": s.quantity,
                "unit": s.unit,
                "higher_is_better": s.higher_is_better,
                "status": s.status,
                "points": [
                    {
                        "run_id": p.run_id,
                        "started_at": p.started_at,
                        "commit": p.commit,
                        "branch": p.branch,
                        "dirty": p.dirty,
                        "value": p.value,
                        "low": p.low,
                        "high": p.high,
                        "n": p.n,
                        "partial": p.partial,
                    }
                    for p in s.points
                ],
                "changes": [_change_dict(c) for c in s.changes],
            }
        )
    return {
        "root": history.root,
        "options": history.options,
        "skipped": history.skipped,
        "notes": history.notes,
        "groups": [
            {"suite": suite, "machine": machine, "runs": runs}
            for (suite, machine), runs in history.runs.items()
        ],
        "series": series,
        "regressions": [
            {
                "suite": s.suite,
                "machine": s.machine,
                "case_key": s.case_key,
                "quantity": s.quantity,
                "run_id": c.run_id,
                "commit": c.commit,
                "before": c.before,
                "after": c.after,
                "relative": _finite(c.relative),
            }
            for s, c in history.regressions
        ],
    }


def history_json(history: History) -> str:
    """``history`` as one line of JSON (see :func:`history_dict`): compact, because a
    history of a thousand runs holds hundreds of thousands of points (``jq`` or
    ``python -m json.tool`` indent it)."""
    return json.dumps(history_dict(history)) + "\n"


def _value(value: float, unit: str) -> str:
    from benchsuite._format import format_rate, format_seconds

    if unit == "s":
        return format_seconds(value)
    if unit == "rows/s":
        return format_rate(value)
    if unit == "MiB":
        return f"{value:.1f} MiB"
    return f"{value:.4g}"


def _relative(change: Change) -> str:
    return "new nonzero" if math.isinf(change.relative) else f"{change.relative:+.1%}"


def _changes_table(title: str, found: list[tuple[Series, Change]]) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in ("case", "quantity", "changed at run", "commit", "before -> after", "change"):
        table.add_column(col, overflow="fold")
    for series, change in found:
        table.add_row(
            series.case_key,
            series.quantity,
            change.run_id,
            (change.commit or "-")[:10],
            f"{_value(change.before, series.unit)} -> {_value(change.after, series.unit)}",
            _relative(change),
        )
    return table


def print_history(console: Any, history: History) -> None:
    """Print ``history`` on a rich console: per suite x machine, the runs read, the
    regressions, the changes for the better, and how many series are too short.

    Parameters
    ----------
    console : rich.console.Console
    history : History
    """
    by_group: dict[tuple[str, str], list[Series]] = {}
    for s in history.series:
        by_group.setdefault((s.suite, s.machine), []).append(s)
    for (suite, machine), runs in history.runs.items():
        series = by_group.get((suite, machine), [])
        stamps = sorted(p.started_at for s in series for p in s.points if p.started_at)
        span = f", {stamps[0][:10]} .. {stamps[-1][:10]}" if stamps else ""
        console.print(
            f"[bold]suite {suite}[/bold] on machine [bold]{machine}[/bold]:"
            f" {len(runs)} run(s){span}, {len(series)} series",
            soft_wrap=True,
        )
        worse = [(s, c) for s in series for c in s.changes if c.regression]
        better = [(s, c) for s in series for c in s.changes if not c.regression]
        worse.sort(key=lambda sc: -abs(sc[1].relative))
        better.sort(key=lambda sc: -abs(sc[1].relative))
        if worse:
            console.print(_changes_table(f"regressions ({len(worse)})", worse))
        else:
            console.print("  no regression found")
        if better:
            console.print(_changes_table(f"changes for the better ({len(better)})", better))
        short = sum(1 for s in series if s.status == "not enough history")
        if short:
            console.print(
                f"  {short} series with not enough history (fewer than {MIN_POINTS} runs):"
                " no change is reported on them",
                soft_wrap=True,
            )
        console.print()

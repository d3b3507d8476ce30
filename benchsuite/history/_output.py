"""A :class:`History` in the terminal (rich) and as JSON.

JSON (:func:`history_dict`), the keys:

- ``root``: the folder read; ``options``: what the history was built with (``pattern``,
  ``machine``, ``since``, ``git``, ``order``, ``index``, ``runs_read``);
- ``skipped``: one line per run folder that could not be read; ``notes``: what else was
  tolerated or left out;
- ``groups``: one per suite x machine, ``{suite, machine, runs}``, ``runs`` in run order,
  each ``{run_id, started_at, commit, branch, dirty, partial}`` (the run-level fields of
  :class:`Point`, written once per run rather than once per point);
- ``series``: one per suite x machine x case x quantity, :class:`Series`'s fields
  (``suite, machine, case_key, quantity, unit, higher_is_better, status``), ``changes``
  (:class:`Change`'s fields; an infinite ``relative`` is written ``"inf"`` / ``"-inf"``:
  JSON has no infinity), and ``points`` as columns of equal length, in run order:
  ``{run: [...], value: [...], low: [...], high: [...], n: [...]}``, where ``run`` is the
  position of the point's run in its group's ``runs`` (columns: a thousand runs make
  hundreds of thousands of points, and rows of objects would weigh five times as much);
- ``regressions``: ``{suite, machine, case_key, quantity, run_id, commit, before, after,
  relative}``, worst first.
"""

from __future__ import annotations

import dataclasses
import gc
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
    groups = []
    position: dict[tuple[str, str], dict[str, int]] = {}
    run_rows: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for s in history.series:  # the run-level fields, from the first point of each run
        rows = run_rows.setdefault((s.suite, s.machine), {})
        for p in s.points:
            if p.run_id not in rows:
                rows[p.run_id] = {
                    "run_id": p.run_id,
                    "started_at": p.started_at,
                    "commit": p.commit,
                    "branch": p.branch,
                    "dirty": p.dirty,
                    "partial": p.partial,
                }
    for key, run_ids in history.runs.items():
        rows = run_rows.get(key, {})
        position[key] = {run_id: i for i, run_id in enumerate(run_ids)}
        groups.append(
            {
                "suite": key[0],
                "machine": key[1],
                "runs": [rows.get(r) or {"run_id": r} for r in run_ids],
            }
        )
    series = []
    for s in history.series:
        where = position.get((s.suite, s.machine), {})
        series.append(
            {
                "suite": s.suite,
                "machine": s.machine,
                "case_key": s.case_key,
                "quantity": s.quantity,
                "unit": s.unit,
                "higher_is_better": s.higher_is_better,
                "status": s.status,
                "points": {
                    "run": [where.get(p.run_id) for p in s.points],
                    "value": [p.value for p in s.points],
                    "low": [p.low for p in s.points],
                    "high": [p.high for p in s.points],
                    "n": [p.n for p in s.points],
                },
                "changes": [_change_dict(c) for c in s.changes],
            }
        )
    return {
        "root": history.root,
        "options": history.options,
        "skipped": history.skipped,
        "notes": history.notes,
        "groups": groups,
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
    collecting = gc.isenabled()
    gc.disable()  # many small acyclic containers: see build_history
    try:
        return json.dumps(history_dict(history)) + "\n"
    finally:
        if collecting:
            gc.enable()


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
        stamps: dict[str, str] = {}
        partial: set[str] = set()
        for s in series:
            for p in s.points:
                stamps[p.run_id] = p.started_at
                if p.partial:
                    partial.add(p.run_id)
        times = sorted(t for t in stamps.values() if t)
        span = f", {times[0][:10]} .. {times[-1][:10]}" if times else ""
        marked = f" ({len(partial)} partial: interrupted, failed or killed)" if partial else ""
        console.print(
            f"[bold]suite {suite}[/bold] on machine [bold]{machine}[/bold]:"
            f" {len(runs)} run(s){marked}{span}, {len(series)} series",
            soft_wrap=True,
        )
        worse = [(s, c) for s in series for c in s.changes if c.regression]
        better = [(s, c) for s in series for c in s.changes if not c.regression]
        worse.sort(key=lambda sc: -abs(sc[1].relative))
        better.sort(key=lambda sc: -abs(sc[1].relative))
        short = sum(1 for s in series if s.status == "not enough history")
        if worse:
            console.print(_changes_table(f"regressions ({len(worse)})", worse))
        elif short < len(series):  # (with every series too short, nothing was looked for)
            console.print("  no regression found")
        if better:
            console.print(_changes_table(f"changes for the better ({len(better)})", better))
        if short:
            console.print(
                f"  {short} series with not enough history (fewer than {MIN_POINTS} runs):"
                " no change is reported on them",
                soft_wrap=True,
            )
        console.print()

"""From the index to a :class:`History`: runs grouped by suite and machine, put in order,
one :class:`Series` per case x quantity, change points found on each."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import gc
import os
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

from benchsuite.errors import BenchsuiteError
from benchsuite.history import _changes
from benchsuite.history._index import Aggregate, Index, RunEntry, load_index
from benchsuite.history._model import History, Point, Series

__all__ = ["build_history", "git_commit_order", "parse_since", "quantity_info"]

# the order quantities are listed in, within a case
_RANK = {"fit_time_s": 1, "predict_time_s": 2, "peak_rss_mb": 3}


def quantity_info(quantity: str) -> tuple[str, bool]:
    """The unit of ``quantity`` and whether a higher value is better.

    Parameters
    ----------
    quantity : str
        ``metric:<name>``, ``fit_time_s``, ``predict_time_s``, ``peak_rss_mb``,
        ``inference:<batch>:median_s``, ``inference:<batch>:throughput_per_s``.

    Returns
    -------
    (unit, higher_is_better)
    """
    if quantity.startswith("metric:"):
        from benchsuite.metrics import greater_is_better

        return "", greater_is_better(quantity[len("metric:") :])
    if quantity.endswith("throughput_per_s"):
        return "rows/s", True
    if quantity.endswith("_mb"):
        return "MiB", False
    return "s", False


def _quantity_order(quantity: str) -> tuple[int, str, int, str]:
    """Metrics, then the times and memory, then inference by batch size as a number
    (``inference:64:...`` before ``inference:1024:...``)."""
    if quantity.startswith("metric:"):
        return 0, quantity, 0, ""
    kind, _, rest = quantity.partition(":")
    batch, _, figure = rest.partition(":")
    if kind == "inference" and batch.isdigit():
        return _RANK.get(quantity, 4), kind, int(batch), figure
    return _RANK.get(quantity, 4), quantity, 0, ""


def _parse_time(text: str) -> _dt.datetime:
    """An ISO 8601 date or date and time, UTC unless it gives its offset (``Z`` too, which
    ``fromisoformat`` takes only from Python 3.11).

    Raises
    ------
    ValueError
    """
    text = text.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    when = _dt.datetime.fromisoformat(text)
    return when if when.tzinfo is not None else when.replace(tzinfo=_dt.timezone.utc)


def parse_since(text: str) -> _dt.datetime:
    """``--since``: an ISO 8601 date (``2026-11-01``, midnight UTC) or date and time
    (``2026-11-01T12:00``, UTC unless it gives its offset).

    Raises
    ------
    ValueError
        ``text`` is neither.
    """
    try:
        return _parse_time(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: give an ISO date or date and time, e.g. 2026-11-01"
            " or 2026-11-01T12:00"
        ) from None


def _started(entry: RunEntry) -> _dt.datetime | None:
    try:
        return _parse_time(entry.started_at)
    except ValueError:
        return None


# where a run without a readable start time goes in time order: first
_NO_TIME = _dt.datetime.min.replace(tzinfo=_dt.timezone.utc)


def git_commit_order(repo: str | os.PathLike[str]) -> list[str]:
    """The commits of ``repo``'s ``HEAD`` history, oldest first (``git rev-list
    --topo-order --reverse HEAD``): parents before children, whatever their dates.

    Raises
    ------
    BenchsuiteError
        ``repo`` is not a git repository with a commit, or git cannot be run.
    """
    if not Path(repo).is_dir():
        raise BenchsuiteError(f"--git {repo}: no such folder")
    try:
        proc = subprocess.run(
            ["git", "-C", str(repo), "rev-list", "--topo-order", "--reverse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise BenchsuiteError(f"--git {repo}: cannot run git ({exc})") from None
    if proc.returncode != 0:
        said = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise BenchsuiteError(f"--git {repo}: not a git repository with a commit ({said})")
    return proc.stdout.split()


def _index_state(index: Index) -> str:
    """``none`` (no index file: pyarrow missing, or turned off), ``built`` (none was there),
    ``rebuilt`` (the file was of another version or unreadable), ``updated`` (some run
    folders read again), ``used`` (nothing changed)."""
    if not index.enabled:
        return "none"
    if not index.existed:
        return "built"
    if index.rebuilt:
        return "rebuilt"
    return "updated" if index.reread else "used"


def _matches(case: str, patterns: tuple[str, ...]) -> bool:
    from benchsuite.plan import matches

    return matches(case, patterns)


def _redefined_cases(definitions: dict[str, dict[str, list[str]]]) -> set[str]:
    """The cases whose config hash or dataset fingerprint differs between some runs."""
    seen: dict[str, tuple[set[str], set[str]]] = {}
    for per_case in definitions.values():
        for case, (config, fingerprint) in per_case.items():
            configs, prints = seen.setdefault(case, (set(), set()))
            configs.add(config)
            prints.add(fingerprint)
    return {c for c, pair in seen.items() if any(len(v - {""}) > 1 for v in pair)}


def _definition_cuts(
    case: str, points: list[Point], definitions: dict[str, dict[str, list[str]]]
) -> list[int]:
    """The indices of ``points`` whose run defines ``case`` otherwise than the runs before
    it: another config hash, or another dataset fingerprint (each compared only where both
    are recorded, as ``compare`` does)."""
    cuts: list[int] = []
    last = ["", ""]
    for i, point in enumerate(points):
        now = definitions.get(point.run_id, {}).get(case)
        if now is None:
            continue
        if i > 0 and any(a and b and a != b for a, b in zip(last, now, strict=True)):
            cuts.append(i)
        last = [b or a for a, b in zip(last, now, strict=True)]
    return cuts


def _once_each(
    chosen: list[tuple[RunEntry, list[Aggregate]]], notes: list[str]
) -> list[tuple[RunEntry, list[Aggregate]]]:
    """One entry per run (suite and run id): a run copied elsewhere under the root (a
    baseline committed as ``results/baseline/<suite>/<run-id>``) is read once, from its
    completed copy if one is partial, else from the first folder; ``notes`` says so."""
    first: dict[tuple[str, str], int] = {}
    out: list[tuple[RunEntry, list[Aggregate]]] = []
    for item in chosen:
        entry = item[0]
        at = first.get((entry.suite, entry.run_id))
        if at is None:
            first[entry.suite, entry.run_id] = len(out)
            out.append(item)
            continue
        kept = out[at][0]
        if kept.partial and not entry.partial:
            out[at] = item
        used = out[at][0].folder
        notes.append(
            f"run {entry.run_id} found twice ({kept.folder}, {entry.folder}): read once,"
            f" from {used}"
        )
    return out


_F = TypeVar("_F", bound=Callable[..., Any])


def _without_cyclic_gc(function: _F) -> _F:
    """Run ``function`` with the cyclic garbage collector paused.

    Building a history makes hundreds of thousands of small objects (tuples, points), none
    of them cyclic: the collector would walk them all again and again (3x the time at 1,000
    runs).
    """

    @functools.wraps(function)
    def paused(*args: Any, **kwargs: Any) -> Any:
        collecting = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if collecting:
                gc.enable()

    return cast(_F, paused)


@_without_cyclic_gc
def build_history(
    root: str | os.PathLike[str],
    *,
    pattern: str | Sequence[str] | None = None,
    machine: str | None = None,
    since: str | _dt.datetime | None = None,
    git: str | os.PathLike[str] | None = None,
    use_index: bool | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> History:
    """Every run below ``root`` as series per suite x machine x case x quantity.

    Parameters
    ----------
    root : path-like
        The folder holding the runs (at most three levels down, as ``results/``).
    pattern : str or sequence of str, optional
        Only cases whose key matches one of these (a glob, or a substring), as ``run -f``.
    machine : str, optional
        Only runs on this machine key.
    since : str or datetime, optional
        Only runs started at or after it (see :func:`parse_since`).
    git : path-like, optional
        Order runs by the commit order of this repository's ``HEAD`` (runs at one commit
        by start time); runs whose commit is not in it are left out, with a note.
        Default: by start time.
    use_index : bool, optional
        See :func:`benchsuite.history._index.load_index`.
    on_warning : callable, optional
        Told (one line) when the index cannot be used for want of pyarrow.

    Returns
    -------
    History
        ``skipped`` names the run folders that could not be read; ``notes`` what else was
        tolerated or left out; ``options`` holds the arguments and ``runs_read`` (folders
        read from their files rather than the index this time).

    Raises
    ------
    BenchsuiteError
        ``root`` missing or holding no readable run, an unknown ``machine``, ``since`` not a
        date or after every run, no case matching ``pattern``, ``git`` not a repository or
        holding none of the runs' commits.
    """
    patterns: tuple[str, ...] = (
        () if pattern is None else (pattern,) if isinstance(pattern, str) else tuple(pattern)
    )
    if isinstance(since, str):
        try:
            since = parse_since(since)
        except ValueError as exc:
            raise BenchsuiteError(f"--since {exc}") from None
    order = git_commit_order(git) if git is not None else None

    index = load_index(root, use_index=use_index, on_warning=on_warning)
    if not index.runs:
        raise BenchsuiteError(
            f"{root}: no run found (expected run folders holding records.jsonl and run.json,"
            " such as results/<suite>/<run-id>/)"
        )
    history = History(
        root=str(root),
        options={
            "pattern": list(patterns),
            "machine": machine,
            "since": since.isoformat() if since is not None else None,
            "git": str(git) if git is not None else None,
            "order": "commit" if git is not None else "time",
            "index": _index_state(index),
            "runs_read": len(index.reread),
        },
    )
    chosen: list[tuple[RunEntry, list[Aggregate]]] = []
    for entry, aggs in zip(index.runs, index.aggregates, strict=True):
        if entry.error:
            history.skipped.append(entry.error)
        else:
            history.notes.extend(entry.notes)
            chosen.append((entry, aggs))
    if not chosen:
        raise BenchsuiteError(f"{root}: no readable run ({len(history.skipped)} skipped)")
    chosen = _once_each(chosen, history.notes)

    if machine is not None:
        machines = sorted({e.machine for e, _ in chosen})
        if machine not in machines:
            raise BenchsuiteError(
                f"--machine {machine}: no run on that machine under {root}; machines with"
                f" runs: {', '.join(machines)}"
            )
        chosen = [(e, a) for e, a in chosen if e.machine == machine]
    if since is not None:
        latest = max((e.started_at for e, _ in chosen), default="")
        chosen = [(e, a) for e, a in chosen if (t := _started(e)) is not None and t >= since]
        if not chosen:
            raise BenchsuiteError(
                f"--since {since.isoformat()}: no run started since then under {root}"
                f" (the latest started {latest or 'at an unknown time'})"
            )

    position: dict[str, int] = {}
    if order is not None:
        position = {sha: i for i, sha in enumerate(order)}
        outside = [e for e, _ in chosen if e.commit not in position]
        if outside:
            history.notes.append(
                f"{len(outside)} run(s) left out: their commit is not in the history of"
                f" {git} ("
                + ", ".join(e.run_id for e in outside[:5])
                + (", ..." if len(outside) > 5 else "")
                + ")"
            )
        chosen = [(e, a) for e, a in chosen if e.commit in position]
        if not chosen:
            raise BenchsuiteError(f"--git {git}: no run measured a commit of its HEAD history")

    start_times = {id(e): _started(e) or _NO_TIME for e, _ in chosen}

    def run_order(item: tuple[RunEntry, list[Aggregate]]) -> tuple[Any, ...]:
        entry = item[0]
        when = start_times[id(entry)]  # the instant: runs of other tools may give an offset
        if order is not None:
            return (position[entry.commit or ""], when, entry.run_id)
        return (when, entry.run_id)

    groups: dict[tuple[str, str], list[tuple[RunEntry, list[Aggregate]]]] = {}
    for item in chosen:
        groups.setdefault((item[0].suite, item[0].machine), []).append(item)

    wanted: dict[str, bool] = {}  # per case key: fnmatch once, not once per run
    any_case = False
    for key in sorted(groups):
        runs = sorted(groups[key], key=run_order)
        history.runs[key] = [e.run_id for e, _ in runs]
        definitions = {e.run_id: e.definitions for e, _ in runs}
        redefined = _redefined_cases(definitions)
        redefined_at: dict[str, list[str]] = {}  # run id -> the cases it redefined
        points: dict[tuple[str, str], list[Point]] = {}
        get = points.get  # the inner loop runs once per run x case x quantity
        for entry, aggs in runs:
            run_id, started, commit, branch = (
                entry.run_id,
                entry.started_at,
                entry.commit,
                entry.branch,
            )
            dirty, partial = entry.dirty, entry.partial
            for case, quantity, value, low, high, n in aggs:
                if patterns:
                    ok = wanted.get(case)
                    if ok is None:
                        ok = wanted[case] = _matches(case, patterns)
                    if not ok:
                        continue
                found = get((case, quantity))
                if found is None:
                    found = points[case, quantity] = []
                found.append(
                    Point(run_id, started, commit, branch, dirty, value, low, high, n, partial)
                )
        any_case = any_case or bool(points)
        suite, machine_key = key
        for case, quantity in sorted(points, key=lambda cq: (cq[0], _quantity_order(cq[1]))):
            unit, higher = quantity_info(quantity)
            series = Series(
                suite, machine_key, case, quantity, unit, higher, points[case, quantity]
            )
            cuts = _definition_cuts(case, series.points, definitions) if case in redefined else []
            for cut in cuts:
                cases = redefined_at.setdefault(series.points[cut].run_id, [])
                if case not in cases:
                    cases.append(case)
            edges = [0, *cuts, len(series.points)]
            spans = [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]
            long_enough = [(a, b) for a, b in spans if b - a >= _changes.MIN_POINTS]
            if not long_enough:
                series.status = "not enough history"
            for a, b in long_enough:
                found_changes = _changes.detect_changes(series.points[a:b], higher_is_better=higher)
                series.changes.extend(
                    dataclasses.replace(c, index=c.index + a) for c in found_changes
                )
            history.series.append(series)
        for run_id, cases in redefined_at.items():  # one line per run, not per case
            history.notes.append(
                f"{suite} on {machine_key}: run {run_id} changed the definition of"
                f" {len(cases)} case(s) (params, evaluation or dataset content, as compare's"
                f" not-comparable): {', '.join(cases[:5])}{', ...' if len(cases) > 5 else ''};"
                " no change is looked for across it"
            )
    if patterns and not any_case:
        raise BenchsuiteError(
            f"-f {' '.join(patterns)}: no case of the runs under {root} matches"
            " (a glob, or a substring of 'dataset/estimator[k=v]')"
        )
    return history

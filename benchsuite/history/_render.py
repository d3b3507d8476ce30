"""The history as Markdown (a PR comment, ``$GITHUB_STEP_SUMMARY``) and as a self-contained
HTML dashboard (the report's look, inline SVG, no script).

The dashboard puts the regressions first, then the improvements, then per suite x machine
a grid of small trend plots, one per case x quantity: the per-run values as a line, the
fold spread as a band, each change point as a vertical marker and the segment medians as
horizontal lines. The plots are written by hand, not by matplotlib: a page holds hundreds
of them, and about 2 kB of SVG each keep it small and quick to render.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

from benchsuite._format import format_rate, format_seconds
from benchsuite.history._model import Change, History, Series
from benchsuite.report._format import format_value
from benchsuite.report._text import format_mb
from benchsuite.report.html import _CSS
from benchsuite.report.markdown import _escape

__all__ = ["history_html", "history_markdown"]

NOT_ENOUGH = "not enough history"

# quantities plotted for every series (besides every series with a change): the suite's
# main metric (the first metric of the group, or options["metric"]) and the fit time
_ALWAYS = ("fit_time_s",)

_HISTORY_CSS = """
.grid { display: grid; gap: 6px 10px; align-items: start; margin: 6px 0 12px; }
.grid > .qh { font-weight: 600; color: var(--dim); font-size: 12.5px; }
.grid > .ck { font-size: 12.5px; text-align: left; overflow-wrap: anywhere; padding-top: 3px; }
.grid > .ck.reg { color: var(--bad); font-weight: 600; }
figure.s { margin: 0; border: 1px solid var(--line); border-radius: 4px; width: 242px;
  content-visibility: auto; contain-intrinsic-size: 240px 100px; }
figure.s.reg { border-color: var(--bad); background: #fff6f5; }
svg.t { display: block; }
svg.t .b { fill: #0969da; fill-opacity: .16; }
svg.t .v { fill: none; stroke: #0969da; stroke-width: 1.2; }
svg.t .m { fill: none; stroke: #1b1f24; stroke-width: 1.4; stroke-opacity: .7; }
svg.t .c { stroke-width: 1.4; stroke-dasharray: 3 2; }
svg.t .reg { stroke: var(--bad); }
svg.t .imp { stroke: var(--best); }
svg.t .a { fill: none; stroke: var(--line); }
svg.t text { font-size: 9px; fill: var(--dim); }
td.reg { color: var(--bad); font-weight: 600; }
td.imp { color: var(--best); font-weight: 600; }
details { margin: 4px 0 8px; }
summary { cursor: pointer; color: var(--dim); }
"""

# one plot: its size and the plot area inside it (left margin for the y labels, bottom
# margin for the first and last dates)
_W, _H = 240, 100
_X0, _X1, _Y0, _Y1 = 44, 236, 5, 84


# --------------------------------------------------------------------------------------
# text shared by both formats
# --------------------------------------------------------------------------------------


def format_quantity(value: float, unit: str) -> str:
    """A value of a series in its unit: ``12.3 ms``, ``512 MiB``, ``45.6k rows/s``, ``0.953``.

    Parameters
    ----------
    value : float
    unit : str
        :attr:`Series.unit`: ``s``, ``MiB``, ``rows/s`` or ``""`` (a score).

    Returns
    -------
    str
    """
    if not math.isfinite(value):
        return str(value)
    if unit == "s":
        return format_seconds(value)
    if unit == "MiB":
        return format_mb(value)
    if unit == "rows/s":
        return format_rate(value)
    text = format_value(value)
    return f"{text} {unit}" if unit else text


def format_relative(relative: float) -> str:
    """``+12.3%`` / ``-4.0%``; ``from 0`` when the value before the step was 0."""
    if math.isinf(relative):
        return "from 0"
    return f"{relative:+.1%}"


def _commit(series: Series, change: Change) -> str:
    if not change.commit:
        return "-"
    dirty = 0 <= change.index < len(series.points) and series.points[change.index].dirty
    return change.commit[:10] + ("+dirty" if dirty else "")


def _groups(history: History) -> dict[tuple[str, str], list[tuple[int, Series]]]:
    """The series per (suite, machine), each with its index in ``history.series``, in the
    order the history holds them."""
    out: dict[tuple[str, str], list[tuple[int, Series]]] = {k: [] for k in history.runs}
    for i, s in enumerate(history.series):
        out.setdefault((s.suite, s.machine), []).append((i, s))
    return out


def _improvements(history: History) -> list[tuple[Series, Change]]:
    """Every change for the better, largest relative step first."""
    found = [(s, c) for s in history.series for c in s.changes if not c.regression]
    return sorted(found, key=lambda sc: -abs(sc[1].relative))


def _dates(history: History) -> tuple[str, str] | None:
    stamps = [p.started_at for s in history.series for p in s.points if p.started_at]
    return (min(stamps)[:10], max(stamps)[:10]) if stamps else None


def _group_runs(history: History, key: tuple[str, str], members: list[tuple[int, Series]]) -> int:
    """Runs of one suite x machine: those ``history.runs`` names, else those its points
    name."""
    runs = history.runs.get(key)
    if runs:
        return len(set(runs))
    return len({p.run_id for _, s in members for p in s.points})


def _n_runs(history: History) -> int:
    return sum(_group_runs(history, k, m) for k, m in _groups(history).items())


_PLURALS = {"series": "series", "suite x machine": "suites x machines"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else _PLURALS.get(word, word + 's')}"


def _options_text(history: History) -> str:
    return ", ".join(f"{k}={v}" for k, v in history.options.items() if v not in (None, "", []))


CHANGE_COLUMNS = (
    "suite",
    "machine",
    "case",
    "quantity",
    "run",
    "commit",
    "before → after",
    "change",
)


def _before_after(series: Series, change: Change) -> str:
    before = format_quantity(change.before, series.unit)
    return f"{before} → {format_quantity(change.after, series.unit)}"


def _change_cells(series: Series, change: Change) -> list[str]:
    return [
        series.suite,
        series.machine,
        series.case_key,
        series.quantity,
        change.run_id,
        _commit(series, change),
        _before_after(series, change),
        format_relative(change.relative),
    ]


# --------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------


def _md(text: str) -> str:
    """A Markdown table cell or line: the report's escaping (pipes, backslashes, newlines)
    after HTML's (``<``, ``>``, ``&``), so that a case key never reads as markup."""
    return _escape(html.escape(str(text), quote=False))


def _md_table(rows: Sequence[tuple[Series, Change]], max_rows: int | None, what: str) -> list[str]:
    """The changes as a table, the first ``max_rows`` of them, and a line for the rest."""
    shown = rows if max_rows is None else rows[:max_rows]
    out = [
        "| " + " | ".join(CHANGE_COLUMNS) + " |",
        "|" + "|".join("---:" if c == "change" else "---" for c in CHANGE_COLUMNS) + "|",
    ]
    for series, change in shown:
        cells = [_md(c) for c in _change_cells(series, change)]
        cells[-1] = f"**{cells[-1]}**"
        out.append("| " + " | ".join(cells) + " |")
    if len(shown) < len(rows):
        out += [
            "",
            f"... and {_plural(len(rows) - len(shown), 'smaller ' + what)} (the HTML dashboard"
            " lists them all).",
        ]
    return out


def history_markdown(history: History, *, max_rows: int | None = 100) -> str:
    """The history's regressions and improvements as GitHub-flavoured Markdown.

    A one-line header (regressions found, root folder, suites x machines, runs and their
    dates), the regressions as a table, worst (largest relative step) first, or "no
    regression found"; then the improvements the same way, and one line counting the series
    with too few runs for change detection (and the run folders that could not be read).

    Parameters
    ----------
    history : History
    max_rows : int or None, default=100
        At most this many rows per table (the largest changes), a line counting the rest;
        None for all. A pull-request comment holds 65,536 characters, about 400 rows.

    Returns
    -------
    str
        The document, ending with a newline.
    """
    regressions = history.regressions
    improvements = _improvements(history)
    groups = _groups(history)
    n = len(regressions)
    icon = "❌" if n else "✅"
    head = _plural(n, "regression") if n else "no regression"
    where = [
        _md(history.root),
        _plural(len(groups), "suite x machine"),
        _plural(_n_runs(history), "run"),
    ]
    dates = _dates(history)
    if dates:
        where.append(f"{dates[0]} to {dates[1]}")
    lines = [f"### {icon} benchsuite history: {head} ({', '.join(where)})", ""]
    lines += ["#### Regressions (worst first)", ""]
    lines += (
        _md_table(regressions, max_rows, "regression") if regressions else ["No regression found."]
    )
    lines += ["", "#### Improvements (largest first)", ""]
    lines += (
        _md_table(improvements, max_rows, "improvement")
        if improvements
        else ["No improvement found."]
    )
    lines.append("")
    short = [s for s in history.series if s.status == NOT_ENOUGH]
    lines.append(
        f"{_plural(len(short), 'series')} of {len(history.series)} without enough history"
        " (too few runs for change detection)."
    )
    if history.skipped:
        lines += ["", f"{_plural(len(history.skipped), 'run folder')} skipped:"]
        lines += [f"- {_md(line)}" for line in history.skipped]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def _n(v: float) -> str:
    """A coordinate: one decimal, no trailing zero (small files)."""
    text = f"{v:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _axis_text(value: float, unit: str) -> str:
    """A y-axis label, short enough for the plot's margin (the unit of a rate is in the
    column head)."""
    if unit == "rows/s":
        return format_rate(value, "").strip()
    return format_quantity(value, unit)


def _segments(series: Series) -> list[tuple[int, int, float]]:
    """``(first, end, median)`` of each segment between change points."""
    changes = sorted(series.changes, key=lambda c: c.index)
    if not changes:
        return []
    bounds = [0] + [c.index for c in changes] + [len(series.points)]
    levels = [changes[0].before] + [c.after for c in changes]
    return [(bounds[i], bounds[i + 1], levels[i]) for i in range(len(levels))]


def trend_svg(series: Series, *, label: str = "") -> str:
    """One small trend plot of ``series`` as an inline ``<svg>`` element.

    Parameters
    ----------
    series : Series
    label : str
        Its accessible name (``aria-label``); escaped here.

    Returns
    -------
    str
        The per-run values as one line, the spread of the jobs (low to high) as a band, a
        vertical dashed marker per change point (class ``c reg`` for a regression, ``c imp``
        for an improvement, each with a tooltip) and the median of each segment between
        change points as a horizontal line. The y axis spans the data; its extremes are
        labelled, and the first and last runs' dates sit below the plot.
    """
    pts = series.points
    n = len(pts)
    finite = [v for p in pts for v in (p.value, p.low, p.high) if math.isfinite(v)]
    segments = _segments(series)
    finite += [m for _, _, m in segments if math.isfinite(m)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if hi - lo <= 1e-12 * max(abs(hi), abs(lo), 1e-300):
        pad = abs(hi) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    span = hi - lo

    def x(i: float) -> float:
        i = min(max(i, 0.0), n - 1.0)  # a step at either end stays inside the plot
        return _X0 + (_X1 - _X0) * (i / (n - 1) if n > 1 else 0.5)

    def y(v: float) -> float:
        return _Y1 - (_Y1 - _Y0) * (v - lo) / span

    parts = [
        f'<svg class="t" role="img" aria-label="{_e(label)}" width="{_W}" height="{_H}"'
        f' viewBox="0 0 {_W} {_H}" xmlns="http://www.w3.org/2000/svg">',
        f'<path class="a" d="M{_X0} {_Y0}V{_Y1}H{_X1}"/>',
    ]
    # the band: highs left to right, lows back; one closed path per run of finite points
    band: list[str] = []
    run: list[int] = []
    for i in [*range(n), n]:
        ok = (
            i < n
            and math.isfinite(pts[i].low)
            and math.isfinite(pts[i].high)
            and pts[i].high > pts[i].low
        )
        if ok:
            run.append(i)
            continue
        if run:
            up = "L".join(f"{_n(x(j))} {_n(y(pts[j].high))}" for j in run)
            down = "L".join(f"{_n(x(j))} {_n(y(pts[j].low))}" for j in reversed(run))
            band.append(f"M{up}L{down}Z")
            run = []
    if band:
        parts.append(f'<path class="b" d="{"".join(band)}"/>')
    line: list[str] = []
    pen_up = True
    for i, p in enumerate(pts):
        if not math.isfinite(p.value):
            pen_up = True
            continue
        line.append(f"{'M' if pen_up else 'L'}{_n(x(i))} {_n(y(p.value))}")
        pen_up = False
    if n == 1 and line:  # a lone point: a dot, a line of zero length would not show
        line.append("h0.1")
    if line:
        parts.append(f'<path class="v" d="{"".join(line)}"/>')
    if segments:
        d = "".join(
            f"M{_n(x(a - 0.5))} {_n(y(m))}H{_n(x(b - 0.5))}"
            for a, b, m in segments
            if math.isfinite(m)
        )
        parts.append(f'<path class="m" d="{d}"/>')
    for c in sorted(series.changes, key=lambda c: c.index):
        cx = _n(x(c.index - 0.5))
        tip = (
            f"{'regression' if c.regression else 'improvement'} at run {c.run_id}"
            f"{f' ({c.commit[:10]})' if c.commit else ''}:"
            f" {_before_after(series, c)}"
            f" ({format_relative(c.relative)})"
        )
        parts.append(
            f'<path class="c {"reg" if c.regression else "imp"}" d="M{cx} {_Y0}V{_Y1}">'
            f"<title>{_e(tip)}</title></path>"
        )
    parts.append(
        f'<text x="{_X0 - 3}" y="{_Y0 + 7}" text-anchor="end">'
        f"{_e(_axis_text(hi, series.unit))}</text>"
        f'<text x="{_X0 - 3}" y="{_Y1}" text-anchor="end">'
        f"{_e(_axis_text(lo, series.unit))}</text>"
    )
    if pts:
        first, last = pts[0].started_at[:10], pts[-1].started_at[:10]
        parts.append(f'<text x="{_X0}" y="{_H - 4}">{_e(first)}</text>')
        if n > 1:
            parts.append(f'<text x="{_X1}" y="{_H - 4}" text-anchor="end">{_e(last)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _main_metric(series: Iterable[Series], options: dict) -> str | None:
    wanted = options.get("metric")
    if wanted:
        return wanted if str(wanted).startswith("metric:") else f"metric:{wanted}"
    return next((s.quantity for s in series if s.quantity.startswith("metric:")), None)


def plotted(history: History) -> list[int]:
    """Indices in ``history.series`` of the series the dashboard plots.

    Every series with enough history that has a change, or whose quantity is its suite x
    machine's main metric (``options["metric"]``, else the first ``metric:`` quantity of
    the group) or the fit time.

    Parameters
    ----------
    history : History

    Returns
    -------
    list of int
    """
    out = []
    for members in _groups(history).values():
        main = _main_metric((s for _, s in members), history.options)
        for i, s in members:
            if s.status == NOT_ENOUGH or not s.points:
                continue
            if s.changes or s.quantity == main or s.quantity in _ALWAYS:
                out.append(i)
    return sorted(out)


def _html_changes(rows: Sequence[tuple[Series, Change]], index: dict[int, int]) -> str:
    """The table of changes; the case links to its plot."""
    out = ["<div class=scroll><table><thead><tr>"]
    out += [
        f'<th scope=col class="{"" if c in ("before → after", "change") else "l"}">{_e(c)}</th>'
        for c in CHANGE_COLUMNS
    ]
    out.append("</tr></thead><tbody>")
    for series, change in rows:
        cells = _change_cells(series, change)
        anchor = index.get(id(series))
        case = _e(cells[2])
        if anchor is not None:
            case = f'<a href="#s{anchor}">{case}</a>'
        cls = "reg" if change.regression else "imp"
        out.append(
            "<tr>"
            + "".join(f'<td class="l">{_e(c)}</td>' for c in cells[:2])
            + f'<th scope=row class="l">{case}</th>'
            + "".join(f'<td class="l">{_e(c)}</td>' for c in cells[3:6])
            + f"<td>{_e(cells[6])}</td>"
            + f'<td class="{cls}">{_e(cells[7])}</td></tr>'
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def _group_html(
    history: History,
    n: int,
    suite: str,
    machine: str,
    members: list[tuple[int, Series]],
    shown: set[int],
) -> str:
    """One suite x machine: the grid of small multiples (a row per case, a column per
    quantity), then the series not plotted, counted and listed compactly."""
    plot = [(i, s) for i, s in members if i in shown]
    quantities = list(dict.fromkeys(s.quantity for _, s in plot))
    units = {s.quantity: s.unit for _, s in plot}
    n_runs = _group_runs(history, (suite, machine), members)
    n_reg = sum(len(s.regressions) for _, s in members)
    out = [
        f'<section id="g{n}"><h2>{_e(suite)} on {_e(machine)}'
        f" <small>({_plural(n_runs, 'run')}, {_plural(len(members), 'series')},"
        f" {_plural(n_reg, 'regression')})</small></h2>"
    ]
    if plot:
        cols = " ".join(["minmax(10ch, 22ch)"] + ["242px"] * len(quantities))
        out.append(f'<div class="scroll"><div class="grid" style="grid-template-columns: {cols}">')
        out.append('<div class="qh">case</div>')
        out += [
            f'<div class="qh">{_e(q)}{f" ({_e(units[q])})" if units[q] else ""}</div>'
            for q in quantities
        ]
        by_case: dict[str, dict[str, tuple[int, Series]]] = {}
        for i, s in plot:
            by_case.setdefault(s.case_key, {})[s.quantity] = (i, s)
        for case, cells in by_case.items():
            bad = any(s.regressions for _, s in cells.values())
            out.append(f'<div class="ck{" reg" if bad else ""}">{_e(case)}</div>')
            for q in quantities:
                if q not in cells:
                    out.append("<div></div>")
                    continue
                i, s = cells[q]
                cls = "s reg" if s.regressions else "s"
                label = f"{case}, {q}: {len(s.points)} runs, {_plural(len(s.changes), 'change')}"
                out.append(f'<figure class="{cls}" id="s{i}">{trend_svg(s, label=label)}</figure>')
        out.append("</div></div>")
        out.append(
            '<p class="note">Each plot: the per-run median (line) and the spread of its folds'
            " and repeats, lowest to highest (band), in run order; dashed vertical lines are"
            " change points (red: a regression, green: an improvement; hover for the run and"
            " size), the dark horizontal lines the median of each segment between them.</p>"
        )
    else:
        out.append("<p>No series to plot.</p>")
    short = [s for _, s in members if s.status == NOT_ENOUGH]
    quiet = [s for i, s in members if i not in shown and s.status != NOT_ENOUGH]
    if short:
        out.append(
            f"<details><summary>{_plural(len(short), 'series')} without enough history (too"
            " few runs for change detection), not plotted</summary>"
            + _compact(short)
            + "</details>"
        )
    if quiet:
        out.append(
            f"<details><summary>{_plural(len(quiet), 'series')} without a change, not"
            " plotted</summary>" + _compact(quiet) + "</details>"
        )
    out.append("</section>")
    return "".join(out)


def _compact(series: Sequence[Series]) -> str:
    """``case (n runs): quantity, quantity`` per case, one list item each."""
    by_case: dict[str, list[Series]] = {}
    for s in series:
        by_case.setdefault(s.case_key, []).append(s)
    items = []
    for case, members in by_case.items():
        counts = sorted({len(s.points) for s in members})
        runs = "/".join(str(c) for c in counts)
        items.append(
            f"<li><b>{_e(case)}</b> ({runs} run{'' if counts == [1] else 's'}):"
            f" {_e(', '.join(s.quantity for s in members))}</li>"
        )
    return f'<ul class="note">{"".join(items)}</ul>'


def history_html(history: History) -> str:
    """The history as one self-contained HTML page (inline CSS and SVG, no script).

    A header (the root folder, the suites x machines with their runs, the runs' dates, the
    options, the run folders skipped), the regressions (worst first) and the improvements
    as tables linking to their plots, then per suite x machine a grid of small trend plots:
    one per case x quantity, for every series with a change and every series of the main
    metric and the fit time (see :func:`plotted`). Series with too few runs are counted and
    listed, not plotted.

    Parameters
    ----------
    history : History

    Returns
    -------
    str
        The page, ending with a newline; the same history gives the same bytes.
    """
    groups = _groups(history)
    shown = set(plotted(history))
    index = {id(history.series[i]): i for i in shown}
    regressions = history.regressions
    improvements = _improvements(history)
    n_reg = len(regressions)
    title = f"benchsuite history: {history.root}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="benchsuite">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}{_HISTORY_CSS}</style></head><body>",
        f"<header><h1>{_e(title)}</h1>",
    ]
    verdict = _plural(n_reg, "regression") if n_reg else "no regression"
    short = sum(s.status == NOT_ENOUGH for s in history.series)
    meta = [
        f"{verdict}, {_plural(len(improvements), 'improvement')} in"
        f" {_plural(len(history.series), 'series')}"
        f" ({short} without enough history; {len(shown)} plotted)",
        f"root: {history.root}",
        f"{_plural(len(groups), 'suite x machine')}: "
        + "; ".join(
            f"{suite} on {machine} ({_plural(_group_runs(history, (suite, machine), m), 'run')})"
            for (suite, machine), m in groups.items()
        ),
    ]
    dates = _dates(history)
    meta.append(
        f"{_plural(_n_runs(history), 'run')}"
        + (f", from {dates[0]} to {dates[1]}" if dates else "")
    )
    options = _options_text(history)
    if options:
        meta.append(f"options: {options}")
    parts += [f'<p class="meta">{_e(m)}</p>' for m in meta]
    parts += [f'<p class="partial">⚠ skipped: {_e(line)}</p>' for line in history.skipped]
    nav = [("regressions", "Regressions"), ("improvements", "Improvements")]
    nav += [(f"g{k}", f"{suite} on {machine}") for k, (suite, machine) in enumerate(groups)]
    parts.append(
        "<nav>" + "".join(f'<a href="#{a}">{_e(t)}</a>' for a, t in nav) + "</nav></header>"
    )
    parts.append("<main>")
    parts.append(
        f'<section id="regressions"><h2>Regressions <small>({n_reg}, worst first)</small></h2>'
        + (_html_changes(regressions, index) if regressions else "<p>No regression found.</p>")
        + "</section>"
    )
    parts.append(
        f'<section id="improvements"><h2>Improvements <small>({len(improvements)}, largest'
        " first)</small></h2>"
        + (_html_changes(improvements, index) if improvements else "<p>No improvement found.</p>")
        + '<p class="note">before and after are the medians of the per-run values in the'
        " segments on each side of the change; the change is relative to before. run and"
        " commit: the first run after the step.</p></section>"
    )
    for k, ((suite, machine), members) in enumerate(groups.items()):
        parts.append(_group_html(history, k, suite, machine, members, shown))
    parts.append("</main>")
    parts.append(
        f'<footer class="note"><p>Made by benchsuite from {_e(history.root)}.</p></footer>'
        "</body></html>"
    )
    return "\n".join(parts) + "\n"

"""Rendering a :class:`~benchsuite.compare.Comparison`: cells shared by the terminal and
Markdown views, the rich terminal view itself (:func:`print_comparison`) and the JSON
(:func:`comparison_json`). Public through :mod:`benchsuite.report`."""

from __future__ import annotations

import json
from typing import Any

from benchsuite._format import format_p, format_seconds
from benchsuite.compare import Comparison, MetricChange, Verdict
from benchsuite.report._format import widen
from benchsuite.runs import Run

COLUMNS = ("verdict", "case", "metric", "p", "fit time", "p (time)", "predict", "peak RSS", "note")

_STYLE = {
    "failure-introduced": "bold red",
    "worse-metric": "bold red",
    "slower": "yellow",
    "slower-inference": "yellow",
    "more-memory": "yellow",
    "not-comparable": "magenta",
    "missing": "magenta",
    "new": "cyan",
    "failure-fixed": "green",
    "improved": "green",
    "faster": "green",
    "faster-inference": "green",
    "ok": "dim",
}


SINGLE_NOTE = (
    "n=1: one split (or one timing sample) on a side, so no test and no spread: the"
    " tolerance alone decides a metric, and a time beyond the time factor is shown"
    " unconfirmed (it does not gate)"
)


def has_single(c: Comparison) -> bool:
    """Whether some verdict of ``c`` compares a single split or timing sample."""
    return (
        any(m.n_pairs < 2 for v in c.verdicts for m in v.metrics)
        or any(min(t.n_base, t.n_current) < 2 for v in c.verdicts for t in v.times)
        or any(min(i.n_base, i.n_current) < 2 for v in c.verdicts for i in v.inference)
    )


def _worst_metric(v: Verdict) -> MetricChange | None:
    if not v.metrics:
        return None
    return max(v.metrics, key=lambda m: abs(m.badness))


def moved_label(v: Verdict, verdict: str | None = None) -> str:
    """What gave ``verdict`` (default: the case's own), with its ratio, for a table:
    ``"predict ×0.56"``, ``"batch 1 ×1.80"`` (an inference verdict names its batch size);
    ``""`` for a verdict that is not about time."""
    m = v.moved_for(verdict or v.verdict)
    if m is None:
        return ""
    what = f"batch {m.batch_size}" if m.quantity == "inference" else m.quantity
    return f"{what} ×{m.ratio:.2f}"


def unconfirmed_label(v: Verdict, verdict: str | None = None) -> str:
    """``"unconfirmed: 3 vs 3 samples"`` when ``verdict`` (default: the case's own) is a
    timing verdict the samples could not confirm, else ``""``."""
    sizes = v.unconfirmed.get(verdict or v.verdict)
    return f"unconfirmed: {sizes}" if sizes else ""


def verdict_label(v: Verdict, verdict: str | None = None, *, gating: bool = False) -> str:
    """A verdict as a table shows it: ``"slower (fit ×3.00, unconfirmed: 3 vs 3 samples)"``,
    ``"worse-metric (gating)"``, ``"ok"``."""
    verdict = verdict or v.verdict
    bits = [b for b in (moved_label(v, verdict), unconfirmed_label(v, verdict)) if b]
    if gating:
        bits.append("gating")
    return f"{verdict} ({', '.join(bits)})" if bits else verdict


def cells(v: Verdict) -> dict[str, str]:
    """The text of each column (:data:`COLUMNS`) for one verdict.

    A timing verdict names the quantity that gave it (``faster (predict ×0.56)``), and the
    note names every other timing verdict of the case (``slower (fit ×1.78)``), so no ratio
    in the row contradicts its verdict unexplained. A timing verdict the samples could not
    confirm says so in itself: ``slower (fit ×3.00, unconfirmed: 3 vs 3 samples)``.
    """
    out = dict.fromkeys(COLUMNS, "")
    out["verdict"] = verdict_label(v, gating=v.gating)
    out["case"] = v.case_key
    m = _worst_metric(v)
    if m is not None:
        out["metric"] = (
            f"{m.name} {m.base_mean:.4f} → {m.current_mean:.4f} ({m.delta:+.4f})"
            if m.delta != 0
            else f"{m.name} {m.current_mean:.4f} (=)"
        )
        out["p"] = format_p(m.p_value, m.n_pairs)
    fit = v.time("fit")
    if fit is not None:
        out["fit time"] = (
            f"{format_seconds(fit.base_median)} → {format_seconds(fit.current_median)}"
            f" ×{fit.ratio:.2f}"
        )
        out["p (time)"] = format_p(fit.p_value, min(fit.n_base, fit.n_current))
    pred = v.time("predict")
    if pred is not None:
        out["predict"] = f"×{pred.ratio:.2f}" + (
            f" ({format_p(pred.p_value, min(pred.n_base, pred.n_current))})"
            if pred.change != "same"
            else ""
        )
    if v.memory is not None:
        out["peak RSS"] = f"×{v.memory.ratio:.2f}"
    metric_names = {x.name for x in v.metrics}
    notes = [
        r
        for r in v.reasons
        if r.split(" ", 1)[0] not in metric_names and not r.startswith(("fit time", "predict time"))
    ]
    # fit and predict reasons are in their columns; an inference reason is a note already
    notes[:0] = [
        verdict_label(v, x.verdict)
        for x in v.moved
        if x.verdict != v.verdict and x.quantity != "inference"
    ]
    if len(v.metrics) > 1:
        others = [x for x in v.metrics if x is not m and x.change != "same"]
        notes += [f"{x.name} {x.delta:+.4f} (p {format_p(x.p_value, x.n_pairs)})" for x in others]
    out["note"] = "; ".join(dict.fromkeys(notes))
    return out


def header_lines(c: Comparison) -> list[str]:
    """Which runs, what was picked, and what differs in their environments."""

    def side(name: str, s: Run) -> str:
        bits = [f"run {s.run_id}"]
        if s.suite:
            bits.append(f"suite {s.suite}")
        if s.started_at:
            bits.append(f"started {s.started_at}")
        if s.git_sha:
            bits.append(f"git {s.git_sha}")
        bits.append(f"{len(s.records)} records")
        return f"{name}: {s.path} ({', '.join(bits)})"

    lines = [side("base", c.base), side("current", c.current)]
    lines += [f"note: {n}" for n in c.notes]
    if c.environment:
        lines.append("environment differs (timings may move for this reason):")
        lines += [f"  {e.what}: {e.base} -> {e.current}" for e in c.environment]
    return lines


def summary_line(c: Comparison) -> str:
    """Cases per verdict, and whether any gates (with the ``fail_on`` categories)."""
    unconfirmed: dict[str, int] = {}
    for v in c.verdicts:
        if not v.confirmed:
            unconfirmed[v.verdict] = unconfirmed.get(v.verdict, 0) + 1
    counts = ", ".join(
        f"{n} {k}" + (f" ({unconfirmed[k]} unconfirmed)" if k in unconfirmed else "")
        for k, n in c.counts().items()
    )
    fail_on = ", ".join(c.options.get("fail_on") or []) or "none"
    n = len(c.gating)
    verdict = f"{n} gating regression{'s' if n != 1 else ''}" if n else "no gating regression"
    return f"{counts} · {verdict} (fail on: {fail_on})"


def print_comparison(console: Any, c: Comparison, *, show_ok: bool = True) -> None:
    """Header, environment differences, the table (worst first) and the summary line."""
    from rich.table import Table
    from rich.text import Text

    widen(console)
    for line in header_lines(c):
        console.print(
            line,
            markup=False,
            soft_wrap=True,
            style="dim" if line.startswith(("base", "current")) else "yellow",
        )
    table = Table(
        title=f"comparison (metric tolerance {c.options['metric_tolerance']}, time factor "
        f"{c.options['time_factor']}, alpha {c.options['alpha']})",
        title_justify="left",
    )
    for col in COLUMNS:
        table.add_column(
            col,
            justify="right" if col in ("p", "p (time)", "predict", "peak RSS") else "left",
            overflow="fold",
            no_wrap=col in ("verdict",),
        )
    hidden = 0
    for v in c.verdicts:
        if v.verdict == "ok" and not show_ok:
            hidden += 1
            continue
        row = cells(v)
        style = _STYLE.get(v.verdict, "")
        # the quantity on a line of its own keeps the verdict column narrow
        verdict = Text(v.verdict + (" (gating)" if v.gating else ""), style=style)
        label = moved_label(v)
        if label:
            verdict.append("\n" + label, style=style)
        sizes = v.unconfirmed.get(v.verdict)
        if sizes:  # "3 vs 3 samples" -> "unconfirmed: 3 vs 3": the column stays narrow
            verdict.append("\nunconfirmed: " + sizes.removesuffix(" samples"), style=style)
        table.add_row(
            verdict,
            *[Text(str(row[k])) for k in COLUMNS[1:]],  # case keys hold "[k=v]": not markup
            style="dim" if v.verdict == "ok" else None,
        )
    console.print(table)
    if hidden:
        console.print(f"({hidden} ok cases not shown)", style="dim")
    style = "bold red" if c.gating else "bold green"
    console.print(summary_line(c), style=style, markup=False, soft_wrap=True)
    if has_single(c):
        console.print(SINGLE_NOTE, style="dim", markup=False, soft_wrap=True)


def comparison_json(c: Comparison) -> str:
    """The comparison as strict JSON (``Comparison.to_dict``, indented; no NaN)."""
    return json.dumps(c.to_dict(), indent=2, allow_nan=False)

"""GitHub-flavoured Markdown reports (pull-request comments, ``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from benchsuite.compare import Comparison
from benchsuite.report._compare import (
    COLUMNS,
    SINGLE_NOTE,
    cells,
    has_single,
    header_lines,
    summary_line,
)

if TYPE_CHECKING:
    from benchsuite.report._model import Report

__all__ = ["comparison_markdown", "report_markdown"]


def _escape(text: str) -> str:
    """A table cell: pipes escaped, newlines as ``<br>``."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def comparison_markdown(c: Comparison, *, title: str = "benchsuite compare") -> str:
    """The comparison as Markdown: a one-line verdict, the runs, environment differences,
    a table of every case that is not ``ok`` (worst first) and the ``ok`` cases folded in a
    ``<details>`` block.
    """
    n = len(c.gating)
    icon = "❌" if n else "✅"
    head = f"{n} gating regression{'s' if n != 1 else ''}" if n else "no gating regression"
    lines = [f"### {icon} {title}: {head}", ""]
    for line in header_lines(c):
        if line.startswith("  "):
            lines.append(f"  - {_escape(line.strip())}")
        else:
            lines.append(f"- {_escape(line)}")
    lines += ["", f"**{_escape(summary_line(c))}**", ""]
    changed = [v for v in c.verdicts if v.verdict != "ok"]
    ok = [v for v in c.verdicts if v.verdict == "ok"]
    if changed:
        lines.append("| " + " | ".join(COLUMNS) + " |")
        lines.append(
            "|" + "|".join("---:" if col.startswith("p") else "---" for col in COLUMNS) + "|"
        )
        for v in changed:
            row = cells(v)
            row["verdict"] = f"**{row['verdict']}**" if v.gating else row["verdict"]
            row["case"] = f"`{row['case']}`"
            lines.append(
                "| "
                + " | ".join(
                    row[k] if k in ("verdict", "case") else _escape(row[k]) for k in COLUMNS
                )
                + " |"
            )
        lines.append("")
    if ok:
        lines += [f"<details><summary>{len(ok)} unchanged cases</summary>", ""]
        lines.append("| case | metric | p | fit time | p (time) |")
        lines.append("|---|---|---:|---|---:|")
        for v in ok:
            row = cells(v)
            lines.append(
                f"| `{row['case']}` | {_escape(row['metric'])} | {row['p']} |"
                f" {_escape(row['fit time'])} | {row['p (time)']} |"
            )
        lines += ["", "</details>", ""]
    opts = c.options
    lines.append(
        f"<sub>metric: Nadeau-Bengio corrected paired t-test over folds, tolerance"
        f" {opts['metric_tolerance']}; time: ratio of medians > {opts['time_factor']} and"
        f" Mann-Whitney U; alpha {opts['alpha']}."
        + (f" {SINGLE_NOTE}." if has_single(c) else "")
        + "</sub>"
    )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# `benchsuite report --format markdown`
# --------------------------------------------------------------------------------------


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def report_markdown(report: Report) -> str:
    """A :class:`~benchsuite.report.Report` as GitHub-flavoured Markdown.

    The runs (with a warning line for partial runs), the best estimator per dataset and its
    cost, one table per metric (``mean ± std``, or the value alone for a case measured once;
    best per column in bold, average rank), the cost table, the time to target (when a job
    was trained against one), inference latency and throughput with the Pareto front of
    score against batch-1 latency (when a job measured inference) and the failed or skipped
    cases.

    Parameters
    ----------
    report : Report

    Returns
    -------
    str
        The document, ending with a newline.
    """
    from benchsuite.report import _text

    many = len(report.runs) > 1
    lines = [f"## {_escape(report.title)}", ""]
    for text, partial in _text.run_lines(report):
        lines.append(f"> **⚠ {_escape(text)}**" if partial else f"- {_escape(text)}")
        if partial:
            lines.append("")
    lines += [
        "",
        f"### Best per dataset ({_escape(report.metric)}: {_text.best_spread(report)})"
        " and its cost",
        "",
    ]
    columns = _text.best_columns(many)
    lines.append(_row(columns))
    lines.append(_row("---:" if c in _text.NUMERIC_BEST else "---" for c in columns))
    at = columns.index("best")
    for b in report.best:
        row = [_escape(x) for x in _text.best_row(b, many)]
        row[at] = f"**{row[at]}**"
        lines.append(_row(row))
    for table in report.tables.values():
        direction = "higher" if table.greater_is_better else "lower"
        lines += [
            "",
            f"### {_escape(table.metric)} ({_text.table_spread(table)}, {direction} is better)",
            "",
        ]
        head = ["estimator"]
        head += [f"{d} ({r})" if many else d for r, d in table.columns]
        head += [f"avg rank ({r})" if many else "avg rank" for r in table.runs]
        lines.append(_row(_escape(h) for h in head))
        lines.append(_row(["---"] + ["---:"] * (len(head) - 1)))
        for row_name in table.rows:
            out = [_escape(row_name)]
            for run, dataset in table.columns:
                cell = table.cell(row_name, run, dataset)
                text, _ = _text.metric_cell(cell)
                text = _escape(text)
                out.append(f"**{text}**" if cell is not None and cell.best else text)
            for run in table.runs:
                r = table.avg_rank.get((row_name, run))
                out.append("" if r is None else f"{r:.2f}")
            lines.append(_row(out))
    cols, rows = _text.cost_grid(report)
    lines += ["", "### Cost (mean over folds): fit time / predict time / peak RSS", ""]
    lines.append(_row(["estimator"] + [_escape(f"{d} ({r})" if many else d) for r, d in cols]))
    lines.append(_row(["---"] + ["---:"] * len(cols)))
    for name, values in rows:
        lines.append(_row([_escape(name)] + [_escape(" / ".join(v)) for v in values]))
    targets = _text.target_rows(report)
    if targets:
        lines += ["", "### Time to target", ""]
        columns = _text.target_columns(many)
        lines.append(_row(columns))
        lines.append(
            _row("---" if c in ("run", "case", "target", "jobs") else "---:" for c in columns)
        )
        lines += [_row(_escape(x) for x in row) for row in targets]
        lines += ["", f"<sub>{_escape(_text.TARGET_NOTE)}</sub>"]
    if report.inference:
        lines += _inference_markdown(report)
    problems = _text.problem_rows(report)
    if problems:
        lines += ["", "### Failed and skipped cases", ""]
        lines.append(_row(_text.PROBLEM_COLUMNS))
        lines.append(_row("---" for _ in _text.PROBLEM_COLUMNS))
        for p in problems:
            lines.append(_row(_escape(x) for x in p))
    lines.append("")
    lines += [f"<sub>{_escape(n)}</sub><br>" for n in _text.footnotes(report)]
    return "\n".join(lines) + "\n"


def _inference_markdown(report: Report) -> list[str]:
    """The inference table, its notes and the Pareto front per dataset."""
    from benchsuite.report import _inference

    columns = _inference.inference_columns(report)
    lines = ["", "### Inference: latency per call and throughput (median over measured jobs)", ""]
    lines.append(_row(_escape(c) for c in columns))
    lines.append(_row("---:" if _inference.is_numeric_column(c) else "---" for c in columns))
    lines += [_row(_escape(x) for x in row) for row in _inference.inference_rows(report)]
    lines += [""] + [f"<sub>{_escape(n)}</sub><br>" for n in _inference.inference_notes(report)]
    front = _inference.pareto_lines(report)
    if front:
        lines += [
            "",
            "**Pareto front of score against latency** (no other estimator is both faster"
            " and better):",
            "",
        ]
        lines += [f"- **{_escape(where)}**: {_escape(text)}" for where, text in front]
    return lines

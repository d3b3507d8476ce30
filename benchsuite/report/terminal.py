"""Terminal report: a rich table of estimators x datasets."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from benchsuite._format import format_seconds
from benchsuite.report._format import format_stats, single_note, spread_label, widen
from benchsuite.report._inference import InferenceView
from benchsuite.report._model import MetricTable, Report, row_label
from benchsuite.report._summary import CaseSummary

__all__ = ["comparison_table", "print_report", "problems"]


def comparison_table(
    summaries: Sequence[CaseSummary],
    metric: str,
    *,
    greater_is_better: bool = True,
    title: str | None = None,
    caption: bool = True,
) -> Table:
    """Estimators (rows) x datasets (columns): ``mean ± std`` of ``metric`` and fit time.

    The best mean per dataset is bold; a case with failed folds is marked ``*``; skipped and
    errored cases say so. A case measured once shows its value alone, and (unless
    ``caption`` is False: the caller says it once for several tables) a caption under the
    table says what a value without ``±`` is.
    """
    datasets = list(dict.fromkeys(s.dataset for s in summaries))
    rows = list(dict.fromkeys(row_label(s) for s in summaries))
    cells = {(row_label(s), s.dataset): s for s in summaries}
    best: dict[str, float] = {}
    for s in summaries:
        st = s.metrics.get(metric)
        if st is None:
            continue
        cur = best.get(s.dataset)
        if cur is None or (st.mean > cur if greater_is_better else st.mean < cur):
            best[s.dataset] = st.mean

    stats = [s.metrics.get(metric) for s in summaries]
    table = Table(
        title=title or f"{metric} ({spread_label(stats)}) · fit time",
        title_justify="left",
        caption=single_note(stats) if caption else None,
        caption_justify="left",
        show_lines=False,
    )
    table.add_column("estimator", style="cyan", no_wrap=True)
    for d in datasets:
        table.add_column(d, justify="right")
    for row in rows:
        out: list[Text | str] = [Text(row)]  # not markup: "rf[max_depth=3]" is a label
        for d in datasets:
            case = cells.get((row, d))
            out.append(_cell(case, metric, best.get(d)))
        table.add_row(*out)
    return table


def _cell(s: CaseSummary | None, metric: str, best: float | None) -> Text:
    if s is None:
        return Text("")
    if s.n_ok == 0:
        style = "yellow" if s.status == "skipped" else "red"
        return Text(s.status, style=style)
    st = s.metrics.get(metric)
    text = Text()
    if st is None:
        text.append("n/a", style="dim")
    else:
        style = "bold green" if best is not None and st.mean == best else ""
        text.append(format_stats(st), style=style)
    if s.n_ok < s.n_total:
        text.append("*", style="red")
    text.append(f"\n{format_seconds(s.fit_time.mean if s.fit_time else None)}", style="dim")
    return text


def problems(summaries: Sequence[CaseSummary], *, limit: int = 20) -> list[str]:
    """One line per case that was skipped or had a failed fold."""
    out = []
    for s in summaries:
        if s.status != "ok":
            out.append(f"{s.status:>7}  {s.key}: {s.error}")
    if len(out) > limit:
        out = [*out[:limit], f"... and {len(out) - limit} more (see records.jsonl)"]
    return out


# --------------------------------------------------------------------------------------
# `benchsuite report`: the whole report in the terminal
# --------------------------------------------------------------------------------------


def print_report(console: Console, report: Report) -> None:
    """Print a :class:`~benchsuite.report.Report`: the runs (partial ones flagged),
    the best estimator per dataset and its cost, one table per metric (mean ± std, best in
    bold, average rank), a cost table (fit, predict, peak memory), the time to target (when a
    job was trained against one), the inference latency and throughput (when a job measured
    them) and the cases that failed or were skipped.

    Parameters
    ----------
    console : rich.console.Console
    report : Report
    """
    from benchsuite.report import _text

    widen(console)
    console.print(report.title, style="bold", markup=False, soft_wrap=True)
    for line, partial in _text.run_lines(report):
        console.print(line, style="bold yellow" if partial else "dim", markup=False, soft_wrap=True)
    console.print()
    console.print(_best_table(report))
    for table in report.tables.values():
        console.print(_metric_table(table))
    console.print(_cost_table(report))
    targets = _text.target_rows(report)
    if targets:
        t = Table(title="time to target", title_justify="left")
        for col in _text.target_columns(len(report.runs) > 1):
            t.add_column(col, justify="right" if col.startswith(("time", "epoch")) else "left")
        for target_row in targets:
            missed = target_row[-1].startswith("not")
            t.add_row(*map(Text, target_row), style="yellow" if missed else "")
        console.print(t)
        console.print(_text.TARGET_NOTE, style="dim", markup=False, soft_wrap=True)
    if report.inference:
        print_inference(console, report)
    problems = _text.problem_rows(report)
    if problems:
        t = Table(title="failed and skipped cases", title_justify="left")
        for col in _text.PROBLEM_COLUMNS:
            t.add_column(col, overflow="fold")
        for row in problems:
            style = "yellow" if row[2] == "skipped" else "red"
            t.add_row(*map(Text, row), style=style)
        console.print(t)
    for line in _text.footnotes(report):
        console.print(line, style="dim", markup=False, soft_wrap=True)


def _best_table(report: Report) -> Table:
    from benchsuite.report import _text

    many = len(report.runs) > 1
    t = Table(
        title=f"best per dataset ({report.metric}: {_text.best_spread(report)}) and its cost",
        title_justify="left",
    )
    columns = _text.best_columns(many)
    for col in columns:
        t.add_column(col, justify="right" if col in _text.NUMERIC_BEST else "left")
    at = columns.index("best")
    for b in report.best:
        row: list[Text | str] = [Text(str(cell)) for cell in _text.best_row(b, many)]
        row[at] = Text(str(row[at]), style="bold green")
        t.add_row(*row)
    return t


def _metric_table(table: MetricTable) -> Table:
    from benchsuite.report import _text

    many = len(table.runs) > 1
    direction = "higher" if table.greater_is_better else "lower"
    t = Table(
        title=f"{table.metric} ({_text.table_spread(table)}, {direction} is better; best in bold)",
        title_justify="left",
    )
    t.add_column("estimator", style="cyan", no_wrap=True)
    for run, dataset in table.columns:
        t.add_column(f"{dataset}\n{run}" if many else dataset, justify="right")
    for run in table.runs:
        t.add_column(f"avg rank\n{run}" if many else "avg rank", justify="right")
    for row in table.rows:
        out: list[Text | str] = [Text(row)]
        for run, dataset in table.columns:
            cell = table.cell(row, run, dataset)
            text, style = _text.metric_cell(cell)
            out.append(Text(text, style="bold green" if cell and cell.best else style))
        for run in table.runs:
            r = table.avg_rank.get((row, run))
            out.append("" if r is None else f"{r:.2f}")
        t.add_row(*out)
    return t


def _cost_table(report: Report) -> Table:
    from benchsuite.report import _text

    cols, rows = _text.cost_grid(report)
    many = len(report.runs) > 1
    t = Table(
        title="cost (mean over folds): fit time · predict time · peak RSS", title_justify="left"
    )
    t.add_column("estimator", style="cyan", no_wrap=True)
    for run, dataset in cols:
        t.add_column(f"{dataset}\n{run}" if many else dataset, justify="right")
    for row, values in rows:
        t.add_row(Text(row), *("\n".join(v) if v else "" for v in values))
    return t


def print_inference(console: Console, report: Report | InferenceView) -> None:
    """The inference table (latency per call, throughput) and the notes under it."""
    from benchsuite.report import _inference

    console.print(_inference_table(report))
    for line in _inference.inference_notes(report):
        console.print(line, style="dim", markup=False, soft_wrap=True)


def _inference_table(report: Report | InferenceView) -> Table:
    from benchsuite.report import _inference

    t = Table(
        title="inference (median over measured jobs): latency per call · throughput",
        title_justify="left",
    )
    for col in _inference.inference_columns(report):
        numeric = _inference.is_numeric_column(col)
        t.add_column(
            col,
            justify="right" if numeric else "left",
            style="cyan" if col == "estimator" else None,
        )
    for row in _inference.inference_rows(report):
        t.add_row(*(Text(cell) for cell in row))  # not markup: "rf[max_depth=3]" is a label
    return t

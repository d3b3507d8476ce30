"""The tables the command line prints outside ``benchsuite report``: the plan of a run, the
results after it, the stored runs, and the ``list``, ``data list`` and ``env`` views.

Each function takes what the command gathered (a plan, records, registry entries) and
returns a rich renderable or text; none reads files or parses arguments. rich is imported
here, so the CLI imports this module only inside the commands that print a table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from rich.console import Console

    from benchsuite.plan import Plan
    from benchsuite.results import Record

__all__ = [
    "data_status_table",
    "datasets_table",
    "env_lines",
    "estimators_table",
    "metrics_table",
    "plan_line",
    "plan_table",
    "print_run_results",
    "runs_table",
    "suites_table",
]


# --------------------------------------------------------------------------------------
# benchsuite run (--dry-run) and validate
# --------------------------------------------------------------------------------------


def plan_table(plan: Plan) -> Table:
    """One row per case: task, evaluation, number of jobs, and run or why it is skipped.

    Parameters
    ----------
    plan : Plan

    Returns
    -------
    rich.table.Table
    """
    table = Table(title=f"plan of suite '{plan.suite.name}'", title_justify="left")
    table.add_column("case", overflow="fold")
    for col in ("task", "evaluation", "jobs"):
        table.add_column(col)
    table.add_column("status", overflow="fold")
    for c in plan.cases:
        # a reason may hold '[...]' (a shape, a list of names): text, not rich markup
        status = f"skipped: {escape(c.skip_reason)}" if c.skip_reason is not None else "run"
        n = "-" if c.skipped else str(len(c.jobs))
        table.add_row(escape(c.key), c.task, c.evaluation.describe(), n, status)
    return table


def plan_line(plan: Plan) -> str:
    """``"12 cases (2 skipped), 50 fit/predict jobs"``.

    Parameters
    ----------
    plan : Plan

    Returns
    -------
    str
    """
    skipped = sum(c.skipped for c in plan.cases)
    n_jobs = len(plan.runnable_jobs)
    return f"{len(plan.cases)} cases ({skipped} skipped), {n_jobs} fit/predict jobs"


# --------------------------------------------------------------------------------------
# benchsuite run: the results
# --------------------------------------------------------------------------------------


def print_run_results(console: Console, plan: Plan, records: Sequence[Record]) -> None:
    """Print what a run gave: one estimators x datasets table per metric, the note on
    single measurements once, and one line per failed or skipped case.

    Parameters
    ----------
    console : rich.console.Console
    plan : Plan
        The plan that ran; it says which metric applies to which case.
    records : sequence of Record
    """
    from benchsuite.metrics import METRICS
    from benchsuite.report import summarize
    from benchsuite.report._format import single_note
    from benchsuite.report._inference import InferenceView, summarize_inference
    from benchsuite.report.terminal import comparison_table, print_inference, problems

    cases = plan.cases
    summaries = summarize(records)
    metrics_of = {c.key: c.metrics for c in cases}
    metric_names = list(dict.fromkeys(m for c in cases for m in c.metrics))
    for name in metric_names:
        datasets = {c.dataset.name for c in cases if name in c.metrics}
        rows = [s for s in summaries if s.dataset in datasets and name in metrics_of[s.key]]
        if rows:
            console.print(
                comparison_table(
                    rows, name, greater_is_better=METRICS[name].greater_is_better, caption=False
                )
            )
    # once under all the tables, unwrapped: a holdout or official split has no ± to show
    note = single_note(st for s in summaries for st in s.metrics.values())
    if note:
        console.print(note, style="dim", markup=False, soft_wrap=True)
    inference = summarize_inference(records)
    if inference:  # a suite with an inference block: its latency and throughput too
        print_inference(console, InferenceView(inference))
    lines = problems(summaries)
    if lines:
        console.print("\n".join(lines), style="yellow", markup=False, soft_wrap=True)


# --------------------------------------------------------------------------------------
# benchsuite results list
# --------------------------------------------------------------------------------------

_RUN_COLUMNS = (
    "started",
    "suite",
    "run id",
    "git",
    "status",
    "ok",
    "error",
    "timeout",
    "skipped",
    "path",
)


def runs_table(runs: Iterable[Any], folder: str) -> Table:
    """One row per stored run: start, suite, id, git SHA, status, records per status, path.

    Parameters
    ----------
    runs : iterable of Run
        As :func:`benchsuite.runs.find_runs` gives them.
    folder : str
        The folder they were found under (the title).

    Returns
    -------
    rich.table.Table
    """
    table = Table(title=f"runs under {folder}", title_justify="left")
    for col in _RUN_COLUMNS:
        table.add_column(col, overflow="fold")
    for run in runs:
        counts = run.info.counts or {}
        table.add_row(
            (run.started_at or "-")[:19].replace("T", " "),
            run.suite or "-",
            run.run_id,
            run.git_sha or "-",
            str(run.info.status or "-"),
            *(str(counts.get(k, "-")) for k in ("ok", "error", "timeout", "skipped")),
            str(run.path),
        )
    return table


# --------------------------------------------------------------------------------------
# benchsuite list, data list, env
# --------------------------------------------------------------------------------------


def suites_table(suites: Iterable[Any]) -> Table:
    """The bundled suites: name, description, file (:func:`benchsuite._bundled.bundled_suites`)."""
    table = Table(title="suites", title_justify="left")
    for col in ("name", "description", "path"):
        table.add_column(col, overflow="fold")
    for s in suites:
        table.add_row(s.name, s.description, str(s.path))
    table.caption = (
        "run one by name: benchsuite run quickstart; copy one, or 'benchsuite init',"
        " to start your own"
    )
    return table


def datasets_table(sources: Iterable[Any]) -> Table:
    """The dataset sources a suite can name (:func:`benchsuite.datasets.list_sources`)."""
    table = Table(title="datasets", title_justify="left")
    for col in ("name", "kind", "task", "description"):
        table.add_column(col)
    for src in sources:
        table.add_row(src.name, src.kind, src.task or "from data", src.description)
    return table


def estimators_table(aliases: Iterable[Any]) -> Table:
    """The estimator aliases (:func:`benchsuite.estimators.list_aliases`)."""
    table = Table(title="estimators", title_justify="left")
    for col in ("alias", "classifier", "regressor", "preprocessing", "description"):
        table.add_column(col)
    for a in aliases:
        table.add_row(
            a.name, a.classifier or "-", a.regressor or "-", a.preprocessing, a.description
        )
    table.caption = "or any import string 'package.module:Class' of an sklearn estimator"
    return table


def metrics_table(metrics: Iterable[Any]) -> Table:
    """The metrics (the values of :data:`benchsuite.metrics.METRICS`)."""
    table = Table(title="metrics", title_justify="left")
    for col in ("metric", "tasks", "better", "description"):
        table.add_column(col)
    for m in metrics:
        better = "higher" if m.greater_is_better else "lower"
        table.add_row(m.name, ", ".join(sorted(m.tasks)), better, m.description)
    return table


def data_status_table(rows: Iterable[Mapping[str, Any]]) -> Table:
    """Each dataset file, its status (green ok, yellow missing, red otherwise) and path.

    Parameters
    ----------
    rows : iterable of dict
        As :func:`benchsuite.datasets.data_status` gives them.

    Returns
    -------
    rich.table.Table
    """
    table = Table(title="dataset files", title_justify="left")
    for col in ("source", "part", "file", "status", "path"):
        table.add_column(col)
    for row in rows:
        style = {"ok": "green", "missing": "yellow"}.get(row["status"], "red")
        table.add_row(
            row["source"],
            str(row.get("part") or "-"),
            row["file"],
            f"[{style}]{row['status']}[/{style}]",
            str(row["path"]),
        )
    return table


def env_lines(env: Mapping[str, Any]) -> list[str]:
    """``[bold]key[/bold]: value`` per entry of an environment (rich markup): a dict as
    ``k=v, ...``, a list as its items' JSON joined by ``;`` (``-`` when empty).

    Parameters
    ----------
    env : dict
        As :func:`benchsuite.results.capture_environment` gives it.

    Returns
    -------
    list of str
    """
    import json

    lines = []
    for key, value in env.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, list):
            value = "; ".join(json.dumps(v) for v in value) or "-"
        lines.append(f"[bold]{key}[/bold]: {value}")
    return lines

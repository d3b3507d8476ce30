"""Plain-text pieces of a report shared by the terminal, Markdown and HTML views."""

from __future__ import annotations

from benchsuite._stats import Stats
from benchsuite.report._format import (
    format_seconds,
    format_stats,
    format_value,
    single_note,
    spread_label,
)
from benchsuite.report._model import Best, Cell, MetricTable, Report, row_label
from benchsuite.report._summary import CaseSummary

PROBLEM_COLUMNS = ("run", "case", "status", "ok / measured", "reason")
NUMERIC_BEST = ("score", "fit time", "predict time", "peak RSS", "estimators")


def format_mb(mb: float | None) -> str:
    if mb is None:
        return "-"
    return f"{mb / 1024:.2f} GiB" if mb >= 1024 else f"{mb:.0f} MiB"


def metric_cell(cell: Cell | None) -> tuple[str, str]:
    """The text of a metric cell and a rich style (``""``, ``"red"``, ``"yellow"``, ``"dim"``).

    A case with some failed jobs gets a ``*`` (``ok / measured`` is in the problems
    table); one without any ok measurement shows its status.
    """
    if cell is None:
        return "", ""
    s = cell.summary
    if s.n_ok == 0:
        return s.status, ("yellow" if s.status == "skipped" else "red")
    if cell.stats is None:
        return "n/a", "dim"
    return format_stats(cell.stats) + ("*" if s.n_ok < s.n_total else ""), ""


def run_lines(report: Report) -> list[tuple[str, bool]]:
    """One line per run (id, suite, status, start, git, path), and a ``PARTIAL`` line for
    each incomplete run; ``(text, is_partial_warning)``."""
    out = []
    for r in report.runs:
        bits = [f"run {r.label}", f"suite {r.suite}"]
        if r.info.status:
            bits.append(str(r.info.status))
        if r.info.started_at:
            bits.append(f"started {r.info.started_at[:19].replace('T', ' ')} UTC")
        if r.git_sha:
            bits.append(f"git {r.git_sha}")
        cases = ", ".join(f"{n} {k}" for k, n in r.case_counts.items() if n)
        records = ", ".join(f"{n} {k}" for k, n in r.record_counts.items() if n)
        bits.append(f"{len(r.summaries)} cases ({cases}), {len(r.records)} jobs ({records})")
        out.append((" · ".join(bits) + f" · {r.path}", False))
        if r.note:
            out.append((f"note: {r.note}", False))
        if r.partial:
            out.append((f"PARTIAL run {r.label}: {r.partial}; showing what was recorded", True))
    return out


def best_columns(many_runs: bool) -> list[str]:
    cols = ["dataset", "metric", "best", "score", "fit time", "predict time", "peak RSS"]
    cols += ["runner-up", "fastest within 1 std of best", "estimators"]
    return (["run"] if many_runs else []) + cols


def best_row(b: Best, many_runs: bool) -> list[str]:
    """The cells of one line of the best-per-dataset table (see :func:`best_columns`)."""
    first = b.best[0]
    names = ", ".join(row_label(s) for s in b.best)
    if len(b.best) > 1:
        names += " (tie)"
    runner = "-"
    if b.runner_up is not None:
        st = b.runner_up.metrics[b.metric]
        runner = f"{row_label(b.runner_up)} {format_value(st.mean)}"
    # one measurement of the best has no std to be within (see _model._best_of)
    cheap = "the best itself" if b.score.n > 1 else "n/a (n=1, no spread)"
    if b.cheapest_close is not None:
        c = b.cheapest_close
        ratio = ""
        if c.fit_time and first.fit_time and c.fit_time.mean > 0:
            ratio = f", {first.fit_time.mean / c.fit_time.mean:.3g}x faster fit"
        cheap = f"{row_label(c)} {format_value(c.metrics[b.metric].mean)}{ratio}"
    row = [
        b.dataset,
        b.metric,
        names,
        format_stats(b.score),
        format_seconds(first.fit_time.mean if first.fit_time else None),
        format_seconds(first.predict_time.mean if first.predict_time else None),
        format_mb(first.peak_rss_mb),
        runner,
        cheap,
        str(b.n_estimators),
    ]
    return ([b.run] if many_runs else []) + row


def cost_grid(report: Report):
    """Fit time, predict time and peak RSS per estimator and (run, dataset).

    Returns
    -------
    columns : list of (str, str)
    rows : list of (str, list of tuple of str)
        Per estimator, per column: ``(fit, predict, memory)`` texts, or ``()`` when the
        pair was not run or has no ok measurement.
    """
    columns = [(r.label, d) for r in report.runs for d in r.datasets]
    found: dict[tuple[str, str, str], CaseSummary] = {}
    rows: dict[str, None] = {}
    for r in report.runs:
        for s in r.summaries:
            rows[row_label(s)] = None
            found[(row_label(s), r.label, s.dataset)] = s
    out = []
    for row in rows:
        values: list[tuple[str, ...]] = []
        for run, dataset in columns:
            case = found.get((row, run, dataset))
            if case is None or case.n_ok == 0:
                values.append(())
                continue
            mem = format_mb(case.peak_rss_mb)
            values.append(
                (
                    format_seconds(case.fit_time.mean if case.fit_time else None),
                    format_seconds(case.predict_time.mean if case.predict_time else None),
                    mem,
                )
            )
        out.append((row, values))
    return columns, out


TARGET_NOTE = (
    "time to target (DAWNBench's rule): per job, the training time (host-to-device copy"
    " plus training epochs) up to the end of the first epoch whose score on the job's test"
    " fold reaches the target; scoring the test fold after each epoch is outside that clock."
    " Median over the ok jobs (folds x repeats) that reached it; not reached (n of m): n of"
    " the case's m ok jobs never reached it in the epochs they ran."
)


def target_columns(many_runs: bool) -> list[str]:
    cols = ["case", "target", "time to target (median)", "epoch (median)", "jobs"]
    return (["run"] if many_runs else []) + cols


def format_target(target: dict[str, float] | None) -> str:
    """``accuracy ≥ 0.99`` (every target metric is greater-is-better); ``-`` unknown."""
    if not target:
        return "-"
    return ", ".join(f"{m} ≥ {format_value(v)}" for m, v in target.items())


def target_row(s: CaseSummary) -> list[str]:
    """Case, target, median time to target, median epoch and ``all 3 reached`` or
    ``not reached (1 of 3)`` of one case with a target."""
    reached = s.time_to_target
    epoch = s.target_epoch
    if s.n_target_missed:
        jobs = f"not reached ({s.n_target_missed} of {s.n_target_jobs})"
    else:
        jobs = f"all {s.n_target_jobs} reached" if s.n_target_jobs > 1 else "reached"
    return [
        s.key,
        format_target(s.target),
        format_seconds(reached.median) if reached is not None else "not reached",
        f"{epoch.median:g}" if epoch is not None else "-",
        jobs,
    ]


def target_rows(report: Report) -> list[list[str]]:
    """One row per case with a time to target (see :func:`target_columns`)."""
    many = len(report.runs) > 1
    return [([run.label] if many else []) + target_row(s) for run, s in report.targets()]


def problem_rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    """Run, case, status, ``ok / measured`` and reason of every case not fully ok."""
    return [
        (run.label, s.key, s.status, f"{s.n_ok} / {s.n_total}", s.error or "")
        for run, s in report.problems()
    ]


def all_stats(report: Report) -> list[Stats]:
    """Every metric value a report shows (its tables and the best per dataset)."""
    out = [b.score for b in report.best]
    for table in report.tables.values():
        out += [c.stats for c in table.cells.values() if c.stats is not None]
    return out


def table_spread(table: MetricTable) -> str:
    """What the values of ``table`` are: ``mean ± std over folds`` or one measurement each."""
    return spread_label(c.stats for c in table.cells.values())


def best_spread(report: Report) -> str:
    """The same for the best-per-dataset table."""
    return spread_label(b.score for b in report.best)


def footnotes(report: Report) -> list[str]:
    """How to read the tables: ranks, ``*``, the close-to-best rule, values without ``±``
    (single measurements), datasets without the headline metric."""
    notes = [
        "avg rank: mean over the datasets an estimator ran on of its rank there (1 = best,"
        " ties share; an error or timeout ranks last; skipped pairs are left out)."
        " * = some jobs of the case failed (see the failed cases).",
        "fastest within 1 std of best: the estimator with the lowest mean fit time whose mean"
        " score is within one standard deviation (over folds) of the best mean."
        + (
            " A best measured once (n=1) has no standard deviation: there the column says n/a."
            if any(b.score.n == 1 for b in report.best)
            else ""
        ),
    ]
    note = single_note(all_stats(report))
    if note:
        notes.append(note + ".")
    missing = report.datasets_without(report.metric)
    if missing and report.metric_given:
        notes.append(f"datasets without {report.metric}: {', '.join(missing)}")
    return notes

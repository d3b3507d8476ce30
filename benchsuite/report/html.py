"""The HTML report: one self-contained file (inline CSS and SVG plots; no script, no
network), readable in any browser and in a mail client that shows HTML.

Its first screen answers "which model is best on each dataset, and at what cost": the
best-per-dataset table (score, fit and predict time, memory, the fastest close contender),
then the full table of the headline metric. Below: the other metrics, costs, the time to
target (when a job was trained against one), inference latency and throughput with their
plots (when a job measured them), score against fit time with the Pareto front,
per-dataset scores with error bars, training curves, the critical-difference diagram
(Friedman + Nemenyi), failed and skipped cases, and the environment of each run.
"""

from __future__ import annotations

import html
from typing import Any

from benchsuite._format import format_git_sha, p_equation
from benchsuite.report import _text
from benchsuite.report._cd import FriedmanResult, friedman_nemenyi
from benchsuite.report._format import ci_text, single_note
from benchsuite.report._model import MetricTable, Report, ReportRun

__all__ = ["critical_difference", "report_html"]

_CSS = """
:root { color-scheme: light; --fg: #1b1f24; --dim: #59636e; --line: #d1d9e0; --best: #0a6b2e;
  --bad: #b42318; --warn: #9a6700; --bg-warn: #fff8c5; --head: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
  color: var(--fg); margin: 0 auto; padding: 16px 24px 48px; max-width: 1400px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line);
  padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p, li { max-width: 100ch; }
.meta { color: var(--dim); margin: 0; font-size: 13px; }
.partial { background: var(--bg-warn); border: 1px solid #d4a72c; color: #4d2d00;
  padding: 6px 10px; margin: 8px 0; border-radius: 6px; font-weight: 600; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 4px 0 8px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: right;
  white-space: nowrap; }
th { background: var(--head); font-weight: 600; }
th[scope=row], td.l, th.l { text-align: left; }
td.best { font-weight: 700; color: var(--best); }
td.error, td.timeout { color: var(--bad); }
td.skipped { color: var(--warn); }
td.reason { white-space: normal; text-align: left; max-width: 70ch; }
.note { color: var(--dim); font-size: 12.5px; }
figure { margin: 8px 0 16px; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--dim); font-size: 12.5px; max-width: 100ch; }
nav { font-size: 13px; margin: 6px 0; }
nav a { margin-right: 10px; }
.cols { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def critical_difference(table: MetricTable, run: str, *, alpha: float = 0.05):
    """Friedman + Nemenyi over the datasets of ``run`` in ``table``, or why not.

    Only estimators with a value on every dataset take part (Friedman needs complete
    blocks); the others are named in the returned reason or note.

    Returns
    -------
    result : FriedmanResult or None
        None when there are fewer than 3 datasets or 2 complete estimators.
    text : str
        The reason it is absent, or a note on estimators left out ("" if none).
    """
    rows, datasets, scores, left_out = table.complete_block(run)
    out = ""
    if left_out:
        out = "left out (no value on every dataset): " + "; ".join(
            f"{r} (missing on {', '.join(ds)})" for r, ds in left_out.items()
        )
    if len(datasets) < 3 or len(rows) < 2:
        why = (
            f"a critical-difference diagram needs at least 3 datasets and 2 estimators with"
            f" a {table.metric} value on each; run {run} has {len(datasets)} dataset"
            f"{'s' if len(datasets) != 1 else ''} and {len(rows)} such estimator"
            f"{'s' if len(rows) != 1 else ''}"
        )
        return None, why + (f" ({out})" if out else "")
    result = friedman_nemenyi(scores, rows, greater_is_better=table.greater_is_better, alpha=alpha)
    return result, out


def _friedman_text(r: FriedmanResult) -> str:
    p = p_equation(r.p_value)
    verdict = (
        f"the ranks differ: the Friedman test rejects equivalence at α = {r.alpha}"
        if r.significant
        else f"the Friedman test does not reject that all estimators are equivalent at"
        f" α = {r.alpha}, so the groups below are only indicative"
    )
    ff = f"; Iman-Davenport F = {r.iman_davenport:.2f}" if r.iman_davenport is not None else ""
    return (
        f"{r.k} estimators on {r.n_datasets} datasets: Friedman χ² = {r.statistic:.2f},"
        f" p {p}{ff}; {verdict}. Nemenyi critical difference"
        f" CD = q<sub>α</sub>·√(k(k+1)/6N) = {r.q_alpha:.3f}·√({r.k}·{r.k + 1}/(6·{r.n_datasets}))"
        f" = {r.cd:.2f}: estimators joined by a thick bar are not significantly different."
    )


def _table(head: list[str], rows: list[list[str]], *, raw: bool = False) -> str:
    """A plain table; cells are escaped unless ``raw`` (then they are ``<td>`` markup)."""
    out = ["<div class=scroll><table><thead><tr>"]
    out += [
        f'<th scope=col class="{"l" if i == 0 else ""}">{_e(h)}</th>' for i, h in enumerate(head)
    ]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(row if raw else [f"<td>{_e(c)}</td>" for c in row]) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _best_html(report: Report) -> str:
    many = len(report.runs) > 1
    columns = _text.best_columns(many)
    rows = []
    for b in report.best:
        cells = _text.best_row(b, many)
        tds = []
        for col, value in zip(columns, cells, strict=True):
            cls = "best l" if col == "best" else ("l" if col not in _text.NUMERIC_BEST else "")
            title = f' title="{_e(ci_text(b.score))}"' if col == "score" else ""
            tag = "th scope=row" if col == "dataset" else "td"
            tds.append(f'<{tag} class="{cls}"{title}>{_e(value)}</{tag.split()[0]}>')
        rows.append(tds)
    return _table(columns, rows, raw=True)


def _metric_html(table: MetricTable) -> str:
    many = len(table.runs) > 1
    head = ["estimator"] + [f"{d} ({r})" if many else d for r, d in table.columns]
    head += [f"avg rank ({r})" if many else "avg rank" for r in table.runs]
    rows = []
    for name in table.rows:
        tds = [f'<th scope=row class="l">{_e(name)}</th>']
        for run, dataset in table.columns:
            cell = table.cell(name, run, dataset)
            text, _ = _text.metric_cell(cell)
            cls, title = "", ""
            if cell is not None:
                if cell.best:
                    cls = "best"
                elif cell.summary.n_ok == 0:
                    cls = cell.summary.status
                if cell.stats is not None:
                    title = f' title="{_e(ci_text(cell.stats))}"'
                elif cell.summary.error:
                    title = f' title="{_e(cell.summary.error)}"'
            tds.append(f'<td class="{cls}"{title}>{_e(text)}</td>')
        for run in table.runs:
            r = table.avg_rank.get((name, run))
            tds.append(f"<td>{'' if r is None else f'{r:.2f}'}</td>")
        rows.append(tds)
    return _table(head, rows, raw=True)


def _cost_html(report: Report) -> str:
    cols, rows = _text.cost_grid(report)
    many = len(report.runs) > 1
    head = ["estimator"] + [f"{d} ({r})" if many else d for r, d in cols]
    body = []
    for name, values in rows:
        tds = [f'<th scope=row class="l">{_e(name)}</th>']
        tds += [f"<td>{'<br>'.join(_e(v) for v in value)}</td>" for value in values]
        body.append(tds)
    return _table(head, body, raw=True)


def _target_html(report: Report) -> str:
    columns = _text.target_columns(len(report.runs) > 1)
    body = []
    for row in _text.target_rows(report):
        tds = []
        for col, value in zip(columns, row, strict=True):
            if col == "case":
                tds.append(f'<th scope=row class="l">{_e(value)}</th>')
                continue
            cls = "l" if col in ("run", "target", "jobs") else ""
            if value.startswith("not reached"):
                cls += " skipped"
            tds.append(f'<td class="{cls.strip()}">{_e(value)}</td>')
        body.append(tds)
    return _table(columns, body, raw=True) + f'<p class="note">{_e(_text.TARGET_NOTE)}</p>'


def _problems_html(report: Report) -> str:
    rows = _text.problem_rows(report)
    if not rows:
        return "<p>None: every job of every case is ok.</p>"
    body = []
    for run, key, status, counts, reason in rows:
        body.append(
            [
                f'<td class="l">{_e(run)}</td>',
                f'<th scope=row class="l">{_e(key)}</th>',
                f'<td class="l {_e(status)}">{_e(status)}</td>',
                f"<td>{_e(counts)}</td>",
                f'<td class="reason">{_e(reason)}</td>',
            ]
        )
    return _table(list(_text.PROBLEM_COLUMNS), body, raw=True)


def _environment_rows(run: ReportRun) -> dict[str, str]:
    info = run.info
    env = info.environment
    workers = "-" if info.workers is None else info.workers
    cpu = env.get("cpu") or {}
    gpus = env.get("gpus") or []
    out = {
        "run id": run.run_id,
        "suite": f"{run.suite} ({info.suite_file or '-'})",
        "suite sha256": str(info.suite_sha256 or "-")[:16],
        "status": str(info.status or "no run.json"),
        "started / ended (UTC)": f"{info.started_at or '-'} / {info.ended_at or '-'}",
        "command": " ".join(info.command_line) or "-",
        "git": format_git_sha(env.get("git"), full=True) or "-",
        "python": f"{env.get('python', '-')} {env.get('implementation', '')}".strip(),
        "platform": str(env.get("platform") or "-"),
        "CPU": f"{cpu.get('model', '-')}, {cpu.get('logical_cores', '?')} logical cores,"
        f" {cpu.get('usable_cores', '?')} usable",
        "RAM": f"{env['ram_gb']} GB" if env.get("ram_gb") else "-",
        "GPU": "; ".join(", ".join(f"{k} {v}" for k, v in g.items() if v is not None) for g in gpus)
        or "none",
        "executor": f"{info.executor or '-'} (workers {workers},"
        f" threads {info.threads or 'library default'})",
        "thread variables": ", ".join(f"{k}={v}" for k, v in (env.get("env_threads") or {}).items())
        or "-",
        "thread pools": "; ".join(
            f"{p.get('internal_api')} {p.get('version') or ''} x{p.get('num_threads')}".strip()
            for p in info.threadpools or []
        )
        or "-",
        "load average start / end": f"{env.get('load_average') or '-'} /"
        f" {info.load_average_at_end or '-'}",
    }
    for name, version in (env.get("packages") or {}).items():
        out[name] = str(version or "not installed")
    return out


def _environment_html(report: Report) -> str:
    per_run = [_environment_rows(r) for r in report.runs]
    keys = list(dict.fromkeys(k for rows in per_run for k in rows))
    body = []
    for k in keys:
        values = [rows.get(k, "-") for rows in per_run]
        body.append(
            [f'<th scope=row class="l">{_e(k)}</th>']
            + [f'<td class="l reason">{_e(v)}</td>' for v in values]
        )
    head = [""] + [f"run {r.label}" for r in report.runs]
    return _table(head, body, raw=True)


def report_html(report: Report) -> str:
    """Render ``report`` as one self-contained HTML page.

    Parameters
    ----------
    report : Report

    Returns
    -------
    str
        The page; plots are inline SVG made with matplotlib (imported here).
    """
    from benchsuite.report import _plots

    estimators = list(dict.fromkeys(n for t in report.tables.values() for n in t.rows))
    colors = _plots.estimator_colors(estimators)
    many = len(report.runs) > 1
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="benchsuite">',
        f"<title>{_e(report.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>{_e(report.title)}</h1>",
    ]
    for text, partial in _text.run_lines(report):
        parts.append(
            f'<p class="partial">⚠ {_e(text)}</p>' if partial else f'<p class="meta">{_e(text)}</p>'
        )
    sections = [
        ("best", "Best per dataset"),
        ("tables", "Results"),
        ("cost", "Cost"),
        *([("target", "Time to target")] if report.targets() else []),
        *([("inference", "Inference")] if report.inference else []),
        ("pareto", "Score vs fit time"),
        ("scores", "Scores"),
        ("curves", "Training curves"),
        ("cd", "Critical difference"),
        ("problems", "Failed and skipped"),
        ("environment", "Environment"),
    ]
    parts.append(
        "<nav>" + "".join(f'<a href="#{a}">{_e(t)}</a>' for a, t in sections) + "</nav></header>"
    )
    parts.append("<main>")
    parts.append(
        f'<section id="best"><h2>Best per dataset ({_e(report.metric)}) and what it costs'
        f" <small>({_e(_text.best_spread(report))})</small></h2>"
        + _best_html(report)
        + f'<p class="note">{_e(_text.footnotes(report)[1])} Times are means over folds'
        " (fit and predict measured separately; data loading excluded); peak RSS is the"
        " process's peak resident memory during the case. Hover a score for its 95%"
        " confidence interval (n=1 where a case was measured once).</p></section>"
    )
    parts.append('<section id="tables">')
    for i, table in enumerate(report.tables.values()):
        direction = "higher" if table.greater_is_better else "lower"
        tag = "h2" if i == 0 else "h3"
        title = "Results: " if i == 0 else ""
        parts.append(
            f"<{tag}>{title}{_e(table.metric)} <small>({_e(_text.table_spread(table))},"
            f" {direction} is better; best per column in bold)</small></{tag}>"
        )
        parts.append(_metric_html(table))
    parts.append(f'<p class="note">{_e(_text.footnotes(report)[0])}</p>')
    for n in _text.footnotes(report)[2:]:
        parts.append(f'<p class="note">{_e(n)}</p>')
    parts.append("</section>")
    parts.append(
        '<section id="cost"><h2>Cost <small>(mean over folds: fit time, predict time, peak'
        " RSS)</small></h2>" + _cost_html(report) + "</section>"
    )
    if report.targets():
        parts.append(
            '<section id="target"><h2>Time to target <small>(median over the jobs that'
            " reached it)</small></h2>" + _target_html(report) + "</section>"
        )
    if report.inference:
        parts.append(_inference_section(report, colors))
    parts.append(
        '<section id="pareto"><h2>Score against fit time</h2><figure>'
        + _plots.pareto_svg(report, colors)
        + "<figcaption>Each point is an estimator (mean over folds)"
        + (", marker shape = run" if many else "")
        + ". The grey step line is the Pareto front: no other estimator is both faster to fit"
        " and better; the estimators on it are labelled.</figcaption></figure></section>"
    )
    parts.append(
        '<section id="scores"><h2>Scores per dataset</h2><figure>'
        + _plots.scores_svg(report, colors)
        + "<figcaption>Mean over folds; error bars are ± one standard deviation"
        + (
            " (none on a bar measured once, n=1: it has no spread)"
            if single_note(_text.all_stats(report))
            else ""
        )
        + "; the best bar is outlined. The axis is zoomed to the data and does not start at"
        " zero: compare bar ends, not lengths.</figcaption></figure></section>"
    )
    parts.append('<section id="curves"><h2>Training curves</h2>')
    if _plots.has_curves(report):
        parts.append(
            "<figure>"
            + _plots.curves_svg(report, colors)
            + "<figcaption>Training loss after each epoch, mean over folds and repeats; the"
            " band spans the smallest to the largest value.</figcaption></figure>"
        )
    else:
        parts.append(
            "<p>No record has a loss curve (only deep models, such as the torch.* estimators,"
            " record one).</p>"
        )
    parts.append("</section>")
    parts.append(_cd_section(report))
    parts.append(
        '<section id="problems"><h2>Failed and skipped cases</h2>'
        + _problems_html(report)
        + "</section>"
    )
    parts.append(
        '<section id="environment"><h2>Environment</h2>' + _environment_html(report) + "</section>"
    )
    parts.append("</main>")
    sources = ", ".join(str(r.path) for r in report.runs)
    parts.append(
        f'<footer class="note"><p>Made by benchsuite from {_e(sources)}.</p></footer></body></html>'
    )
    return "\n".join(parts) + "\n"


def _inference_html(report: Report) -> str:
    from benchsuite.report import _inference

    columns = _inference.inference_columns(report)
    # text columns left-aligned, header and cells alike; numbers right-aligned
    align = ["" if _inference.is_numeric_column(c) else "l" for c in columns]
    out = ["<div class=scroll><table><thead><tr>"]
    out += [f'<th scope=col class="{a}">{_e(c)}</th>' for c, a in zip(columns, align, strict=True)]
    out.append("</tr></thead><tbody>")
    for row in _inference.inference_rows(report):
        tds = [
            f'<th scope=row class="l">{_e(value)}</th>'
            if col == "estimator"
            else f'<td class="{a}">{_e(value)}</td>'
            for col, a, value in zip(columns, align, row, strict=True)
        ]
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _inference_section(report: Report, colors: dict[str, str]) -> str:
    """The table of latency and throughput, how they were measured, latency against batch
    size and score against batch-1 latency (when some case has a score)."""
    from benchsuite.report import _inference, _plots

    many = len(report.runs) > 1
    out = [
        '<section id="inference"><h2>Inference <small>(median over the measured jobs:'
        " latency per call, throughput)</small></h2>",
        _inference_html(report),
        *(f'<p class="note">{_e(n)}</p>' for n in _inference.inference_notes(report)),
        "<figure>",
        _plots.latency_svg(report, colors),
        "<figcaption>Median latency per call against batch size, both axes logarithmic;"
        " one line per estimator"
        + (", line style = run" if many else "")
        + ", the band reaches up to the p99 latency. A line flatter than the grid means"
        " per-call overhead dominates; throughput is the batch size over this latency."
        "</figcaption></figure>",
    ]
    if _inference.inference_scores(report):
        front = _inference.pareto_lines(report)
        out += [
            "<figure>",
            _plots.inference_pareto_svg(report, colors),
            "<figcaption>Each point is an estimator: its mean score over folds against its"
            " median latency per call at batch 1 (or the smallest batch measured)"
            + (", marker shape = run" if many else "")
            + ". The grey step line is the Pareto front: no other estimator is both faster"
            " to predict and better; the estimators on it are named.</figcaption></figure>",
            "<ul class=note>"
            + "".join(f"<li><b>{_e(where)}</b>: {_e(text)}</li>" for where, text in front)
            + "</ul>",
        ]
    out.append("</section>")
    return "".join(out)


def _cd_section(report: Report) -> str:
    from benchsuite.report import _plots

    table = report.tables[report.metric]
    out = [
        f'<section id="cd"><h2>Critical difference ({_e(report.metric)}, α = 0.05)</h2>',
        "<p class=note>Estimators ranked on each dataset by mean score (1 = best); Friedman"
        " test over the datasets, then the Nemenyi post-hoc test (Demšar 2006).</p>",
    ]
    for run in table.runs:
        result, text = critical_difference(table, run)
        if len(table.runs) > 1:
            out.append(f"<h3>run {_e(run)}</h3>")
        if result is None:
            out.append(f"<p>No diagram: {_e(text)}.</p>")
            continue
        out.append(
            "<figure>"
            + _plots.cd_svg(result, title=f"critical difference diagram, run {run}")
            + f"<figcaption>{_friedman_text(result)}"
            + (f" {_e(text[0].upper() + text[1:])}." if text else "")
            + "</figcaption></figure>"
        )
    for r in report.runs:
        if r.label not in table.runs:
            out.append(f"<p>No diagram for run {_e(r.label)}: no {_e(report.metric)} values.</p>")
    out.append("</section>")
    return "".join(out)

"""``benchsuite report RUN...``: tables, plots and statistics of one or several runs, in the
terminal, as Markdown or as one HTML file."""

from __future__ import annotations

import argparse
from typing import Any

from benchsuite.cli._args import EXIT_OK, output_format


def add_parser(sub: Any) -> None:
    """Add the ``report`` command to ``sub`` (the subparsers of ``benchsuite``)."""
    rep = sub.add_parser(
        "report",
        help="report on runs: tables, plots, statistics (terminal, Markdown or HTML)",
        description="Report on one or several runs (side by side): the best estimator per"
        " dataset and its cost, mean ± std tables with ranks, and in HTML plots (score vs fit"
        " time with the Pareto front, scores with error bars, training curves, a"
        " critical-difference diagram) and the environment.",
    )
    rep.add_argument(
        "runs",
        nargs="+",
        metavar="RUN",
        help="run folder, records.jsonl, or a folder of runs (the latest is used)",
    )
    rep.add_argument(
        "--format",
        choices=["terminal", "markdown", "html"],
        default=None,
        help="output format (default: html when -o ends in .html/.htm, markdown for .md,"
        " else terminal)",
    )
    rep.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    rep.add_argument(
        "--metric",
        metavar="NAME",
        help="headline metric for the best-per-dataset table, plots and the critical"
        " difference; only it is tabled (default: the first metric recorded)",
    )
    rep.set_defaults(func=command)


def report_format(fmt: str | None, output: str | None) -> str:
    """``--format``, else the one ``-o``'s suffix names (``.html``/``.htm``, ``.md``), else
    ``terminal``."""
    return output_format(fmt, output, ("terminal", "markdown", "html"))


def command(args: argparse.Namespace) -> int:
    """Run ``benchsuite report``."""
    from benchsuite.cli._console import console

    write_report(args.runs, report_format(args.format, args.output), args.output, args.metric)
    if args.output is not None:
        console().print(f"report: [bold]{args.output}[/bold]", soft_wrap=True)
    return EXIT_OK


def write_report(runs: list[str], fmt: str, output: str | None, metric: str | None) -> None:
    """Load ``runs``, build the report and write it to ``output`` (stdout if None).

    Parameters
    ----------
    runs : list of str
        Run folders, records files or folders of runs.
    fmt : {"terminal", "markdown", "html"}
    output : str or None
    metric : str or None
        The headline metric; None: the first recorded.

    Raises
    ------
    BenchsuiteError
        ``output`` cannot be written, a run cannot be read, or nothing to report.
    """
    from benchsuite.cli._console import check_writable, emit_rich, emit_text, warn
    from benchsuite.report import build_report, load_report_runs
    from benchsuite.report._format import REPORT_FILE_WIDTH

    if output is not None:
        check_writable(output)
    loaded = load_report_runs(runs, on_warning=warn)
    for run in loaded:
        if run.note:
            warn(run.note)
        if run.partial:
            warn(f"run {run.label} is partial: {run.partial}")
    report = build_report(loaded, metric=metric)
    if fmt == "terminal":
        from benchsuite.report import print_report

        emit_rich(lambda out: print_report(out, report), output, REPORT_FILE_WIDTH)
        return
    if fmt == "markdown":
        from benchsuite.report import report_markdown

        text = report_markdown(report)
    else:
        from benchsuite.report import report_html

        text = report_html(report)
    emit_text(text, output)

"""``benchsuite history DIR``: every run of each suite under DIR as series per case and
quantity, per machine, with the change points found on them."""

from __future__ import annotations

import argparse
from typing import Any

from benchsuite.cli._args import EXIT_OK, add_filter_option, output_format


def _since(text: str) -> Any:
    """argparse type: an ISO date or date and time."""
    from benchsuite.history._series import parse_since

    try:
        return parse_since(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(sub: Any) -> None:
    """Add the ``history`` command to ``sub`` (the subparsers of ``benchsuite``)."""
    hist = sub.add_parser(
        "history",
        help="trends of every run under a folder: series per case, change points, regressions",
        description="Read every run under DIR (through an index file beside them, kept up to"
        " date), group them by suite and machine, order them by start time (or by commit"
        " with --git), and list the step changes found in each case's series: score, fit and"
        " predict time, peak memory, inference latency and throughput.",
    )
    hist.add_argument("dir", metavar="DIR", help="folder holding the runs (e.g. results)")
    add_filter_option(hist)
    hist.add_argument("--machine", metavar="KEY", help="only runs on this machine key")
    hist.add_argument(
        "--since",
        type=_since,
        metavar="DATE",
        help="only runs started at or after DATE (ISO date or date and time; UTC unless it"
        " gives an offset)",
    )
    hist.add_argument(
        "--git",
        metavar="REPO",
        help="order runs by the commit order of REPO's HEAD history instead of start time"
        " (runs of other commits are left out)",
    )
    hist.add_argument(
        "--format",
        choices=["terminal", "markdown", "html", "json"],
        default=None,
        help="output format (default: html when -o ends in .html/.htm, markdown for .md,"
        " json for .json, else terminal)",
    )
    hist.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    hist.set_defaults(func=command)


def history_format(fmt: str | None, output: str | None) -> str:
    """``--format``, else the one ``-o``'s suffix names (``.json`` too), else ``terminal``."""
    return output_format(fmt, output, ("terminal", "markdown", "html", "json"))


def command(args: argparse.Namespace) -> int:
    """Run ``benchsuite history``."""
    from benchsuite.cli._console import check_writable, console, emit_rich, emit_text, warn
    from benchsuite.history import build_history
    from benchsuite.report._format import REPORT_FILE_WIDTH

    fmt = history_format(args.format, args.output)
    if args.output is not None:
        check_writable(args.output)
    history = build_history(
        args.dir,
        pattern=args.filter or None,
        machine=args.machine,
        since=args.since,
        git=args.git,
        on_warning=warn,
    )
    for line in history.skipped:
        warn(f"skipped {line}")
    for line in history.notes:
        warn(line)
    if fmt == "terminal":
        from benchsuite.history._output import print_history

        emit_rich(lambda out: print_history(out, history), args.output, REPORT_FILE_WIDTH)
    elif fmt == "json":
        from benchsuite.history._output import history_json

        emit_text(history_json(history), args.output)
    else:
        from benchsuite.history import _render

        render = _render.history_markdown if fmt == "markdown" else _render.history_html
        emit_text(render(history), args.output)
    if args.output is not None:
        console().print(f"history: [bold]{args.output}[/bold]", soft_wrap=True)
    return EXIT_OK

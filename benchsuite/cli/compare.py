"""``benchsuite compare BASE CURRENT``: a verdict per case, exit 1 on a gating regression.

``benchsuite compare --baseline-from DIR CURRENT`` takes BASE from a history of runs: the
latest completed run of CURRENT's suite on the same machine (and branch).

Its thresholds are options of ``benchsuite run --compare`` too (:func:`add_compare_options`).
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchsuite.compare import Comparison


def add_parser(sub: Any) -> None:
    """Add the ``compare`` command to ``sub`` (the subparsers of ``benchsuite``)."""
    cmp = sub.add_parser(
        "compare",
        help="compare two runs: verdict per case, exit 1 on a gating regression",
        description="Compare CURRENT with BASE case by case, or with the latest completed"
        " run of its suite on its machine under --baseline-from DIR. Exit codes: 0 no gating"
        " regression, 1 gating regression, 2 usage or input error.",
    )
    cmp.add_argument(
        "base",
        metavar="BASE",
        nargs="?",
        help="baseline: run folder, records.jsonl, or a folder of runs (the latest is used);"
        " not with --baseline-from",
    )
    cmp.add_argument("current", metavar="CURRENT", help="the run to judge (same forms)")
    cmp.add_argument(
        "--baseline-from",
        metavar="DIR",
        help="take BASE from a history of runs: the latest completed run of CURRENT's suite"
        " under DIR on CURRENT's machine (see --machine, --branch)",
    )
    cmp.add_argument(
        "--machine",
        metavar="KEY",
        help="with --baseline-from: the baseline's machine key (default: CURRENT's); another"
        " machine's timings and memory do not gate",
    )
    cmp.add_argument(
        "--branch",
        metavar="BRANCH",
        help="with --baseline-from: only runs whose run.json records this git branch",
    )
    add_compare_options(cmp, with_format=True)
    cmp.set_defaults(func=command)


def add_compare_options(parser: argparse.ArgumentParser, *, with_format: bool) -> None:
    """Add the thresholds of a comparison (and, ``with_format``, its output options)."""
    parser.add_argument(
        "--fail-on",
        default="metric,failure",
        metavar="LIST",
        help="comma-separated categories that make the exit code 1: metric, failure, time,"
        " inference, memory, missing, not-comparable, all or none (default: %(default)s)",
    )
    parser.add_argument(
        "--time-factor",
        type=float,
        default=1.10,
        metavar="F",
        help="ratio of median times beyond which a significant change counts (default: 1.10)",
    )
    parser.add_argument(
        "--metric-tolerance",
        action="append",
        default=[],
        metavar="T|NAME=T",
        help="allowed metric change: absolute for scores, relative for errors (default:"
        " 0.005); NAME=T sets one metric's; repeatable",
    )
    parser.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        metavar="A",
        help="significance level of the paired metric test and of Mann-Whitney U (default: 0.05)",
    )
    parser.add_argument(
        "--memory-factor",
        type=float,
        default=1.25,
        metavar="F",
        help="ratio of median peak RSS beyond which memory counts as more (default: 1.25)",
    )
    if with_format:
        parser.add_argument(
            "--format",
            choices=["table", "markdown", "json"],
            default="table",
            help="output format (default: %(default)s)",
        )
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="write the output to FILE instead of stdout"
        )
        parser.add_argument(
            "--hide-ok", action="store_true", help="table: leave out the unchanged cases"
        )


def compare_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of :func:`benchsuite.compare.compare_runs` that the options
    give.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed with :func:`add_compare_options`.

    Returns
    -------
    dict
        ``fail_on``, ``time_factor``, ``metric_tolerance`` (the default),
        ``metric_tolerances`` (per metric), ``alpha``, ``memory_factor``.

    Raises
    ------
    BenchsuiteError
        A ``--metric-tolerance`` that is not ``T`` or ``NAME=T``.
    """
    from benchsuite.compare import DEFAULT_METRIC_TOLERANCE
    from benchsuite.errors import BenchsuiteError

    default, per_metric = DEFAULT_METRIC_TOLERANCE, {}
    for item in args.metric_tolerance:
        name, sep, value = item.rpartition("=")
        try:
            number = float(value)
        except ValueError:
            raise BenchsuiteError(
                f"--metric-tolerance: expected a number or NAME=NUMBER, got {item!r}"
            ) from None
        if sep:
            per_metric[name] = number
        else:
            default = number
    return {
        "fail_on": args.fail_on,
        "time_factor": args.time_factor,
        "metric_tolerance": default,
        "metric_tolerances": per_metric,
        "alpha": args.alpha,
        "memory_factor": args.memory_factor,
    }


@contextlib.contextmanager
def option_wording() -> Iterator[None]:
    """Say a bad compare option by its flag (``--time-factor``), not by the parameter of
    :func:`benchsuite.compare.compare_records` it becomes (``time_factor``)."""
    from benchsuite.compare import OptionError
    from benchsuite.errors import BenchsuiteError

    try:
        yield
    except OptionError as exc:
        raise BenchsuiteError(exc.renamed("--" + exc.parameter.replace("_", "-"))) from None


def command(args: argparse.Namespace) -> int:
    """Run ``benchsuite compare``; the exit code is the comparison's."""
    from benchsuite.cli._console import warn
    from benchsuite.compare import compare_from_history, compare_runs
    from benchsuite.errors import BenchsuiteError

    if args.baseline_from is not None and args.base is not None:
        raise BenchsuiteError(f"give BASE ({args.base}) or --baseline-from DIR, not both")
    if args.baseline_from is None:
        if args.base is None:
            raise BenchsuiteError("no baseline: give BASE CURRENT, or --baseline-from DIR CURRENT")
        for flag, value in (("--machine", args.machine), ("--branch", args.branch)):
            if value is not None:
                raise BenchsuiteError(f"{flag} chooses a baseline in --baseline-from DIR; add it")
    with option_wording():
        if args.baseline_from is not None:
            comparison = compare_from_history(
                args.baseline_from,
                args.current,
                machine=args.machine,
                branch=args.branch,
                on_warning=warn,
                **compare_options(args),
            )
        else:
            comparison = compare_runs(
                args.base, args.current, on_warning=warn, **compare_options(args)
            )
    emit_comparison(comparison, args.format, args.output, hide_ok=args.hide_ok)
    return comparison.exit_code


def emit_comparison(
    comparison: Comparison, fmt: str, output: str | None, *, hide_ok: bool = False
) -> None:
    """Write ``comparison`` as a table, Markdown or JSON to ``output`` (stdout if None)."""
    from benchsuite.cli._console import FILE_WIDTH, emit_rich, emit_text
    from benchsuite.report import comparison_json, print_comparison

    if fmt == "table":
        emit_rich(
            lambda out: print_comparison(out, comparison, show_ok=not hide_ok), output, FILE_WIDTH
        )
        return
    if fmt == "markdown":
        from benchsuite.report import comparison_markdown

        text = comparison_markdown(comparison)
    else:
        text = comparison_json(comparison) + "\n"
    emit_text(text, output)

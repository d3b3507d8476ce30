"""``benchsuite validate SUITE``: check a suite and plan it, without running anything."""

from __future__ import annotations

import argparse
from typing import Any

from benchsuite.cli._args import EXIT_OK, SUITE_HELP


def add_parser(sub: Any) -> None:
    """Add the ``validate`` command to ``sub`` (the subparsers of ``benchsuite``)."""
    val = sub.add_parser("validate", help="check a suite without running it")
    val.add_argument("suite", help=SUITE_HELP)
    val.add_argument(
        "--strict",
        action="store_true",
        help="a pair that would be skipped (no GPU, classifier on regression data) is an error",
    )
    val.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``benchsuite validate``: one line, ``FILE: ok · ...`` (then what inference the
    plan measures, if any, and a warning when its design gives compare's timing test no
    chance), or the first mistake."""
    from pathlib import Path

    from benchsuite.cli._args import suite_path
    from benchsuite.cli._console import console
    from benchsuite.plan import build_plan, inference_lines
    from benchsuite.report._tables import plan_line
    from benchsuite.suite import load_suite

    path = suite_path(args.suite)
    suite = load_suite(path)
    plan = build_plan(suite)
    label = args.suite if path == Path(args.suite) else str(path)  # a bundled suite: its file
    skipped = [c for c in plan.cases if c.skipped]
    if args.strict and skipped:
        from benchsuite.errors import BenchsuiteError

        more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
        raise BenchsuiteError(
            f"{label}: {skipped[0].key} would be skipped: {skipped[0].skip_reason}{more}"
        )
    console().print(
        f"{label}: ok · {len(suite.datasets)} datasets x {len(suite.estimators)}"
        f" estimators · {plan_line(plan)}",
        markup=False,
        soft_wrap=True,
    )
    for line in inference_lines(plan):  # only when the suite asks for inference
        console().print(line, markup=False, soft_wrap=True)
    warn_timing_power(plan)
    return EXIT_OK


def warn_timing_power(plan: Any, alpha: float = 0.05) -> None:
    """One warning line when the plan's folds x repeats leave compare's timing test no
    chance at ``alpha`` (see :func:`benchsuite._compare_stats.timing_power_warning`).

    Parameters
    ----------
    plan : Plan
    alpha : float, default=0.05
    """
    from benchsuite._compare_stats import timing_power_warning
    from benchsuite.cli._console import warn

    line = timing_power_warning(plan, alpha)
    if line is not None:
        warn(line)

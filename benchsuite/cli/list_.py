"""``benchsuite list suites|datasets|estimators|metrics``: what a suite can name.

(``list_``: a module ``list`` would shadow the builtin in the package's namespace.)
"""

from __future__ import annotations

import argparse
from typing import Any

from benchsuite.cli._args import EXIT_OK


def add_parser(sub: Any) -> None:
    """Add the ``list`` command to ``sub`` (the subparsers of ``benchsuite``)."""
    lst = sub.add_parser("list", help="list bundled suites, datasets, estimators or metrics")
    lst.add_argument("what", choices=["suites", "datasets", "estimators", "metrics"])
    lst.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``benchsuite list``: one table of the registry asked for."""
    from benchsuite.cli._console import console
    from benchsuite.report import _tables

    if args.what == "suites":
        from benchsuite._bundled import bundled_suites

        suites = bundled_suites()
        if not suites:  # a package built without its suites/ folder
            console().print("no bundled suites in this installation", markup=False)
            return EXIT_OK
        table = _tables.suites_table(suites)
    elif args.what == "datasets":
        from benchsuite.datasets import list_sources

        table = _tables.datasets_table(list_sources())
    elif args.what == "estimators":
        from benchsuite.estimators import list_aliases

        table = _tables.estimators_table(list_aliases())
    else:
        from benchsuite.metrics import METRICS

        table = _tables.metrics_table(METRICS.values())
    console().print(table)
    return EXIT_OK

"""``benchsuite init [NAME]``: write a commented starter suite to edit."""

from __future__ import annotations

import argparse
from typing import Any

from benchsuite.cli._args import EXIT_OK


def add_parser(sub: Any) -> None:
    """Add the ``init`` command to ``sub`` (the subparsers of ``benchsuite``)."""
    init = sub.add_parser(
        "init",
        help="write a commented starter suite to edit",
        description="Write NAME.yaml (default: my-suite.yaml) in the current folder: a"
        " commented suite that runs as it is and shows the datasets, estimators, grid,"
        " evaluation and metrics options.",
    )
    init.add_argument("name", nargs="?", metavar="NAME", help="suite name or file name")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``benchsuite init``: write the file and say how to check and run it."""
    from benchsuite._bundled import write_starter
    from benchsuite.cli._console import console

    path = write_starter(args.name, force=args.force)
    console().print(
        f"wrote {path}; check it with 'benchsuite validate {path}',"
        f" see its cases with 'benchsuite run {path} --dry-run', run it with"
        f" 'benchsuite run {path}'",
        markup=False,
        soft_wrap=True,
    )
    return EXIT_OK

"""``benchsuite env [--json]``: the environment a run would record."""

from __future__ import annotations

import argparse
from typing import Any

from benchsuite.cli._args import EXIT_OK


def add_parser(sub: Any) -> None:
    """Add the ``env`` command to ``sub`` (the subparsers of ``benchsuite``)."""
    env = sub.add_parser("env", help="show the environment a run would record")
    env.add_argument("--json", action="store_true", help="print JSON")
    env.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``benchsuite env``: one ``key: value`` line per entry, or the JSON."""
    import json

    from benchsuite.environment import capture_environment, thread_info

    env = capture_environment()
    # thread pools are only visible once loaded: load the ones every run uses
    import numpy  # noqa: F401
    import sklearn.ensemble  # noqa: F401

    env["threadpools"] = thread_info()
    if args.json:
        print(json.dumps(env, indent=2))
        return EXIT_OK
    from benchsuite.cli._console import console
    from benchsuite.report._tables import env_lines

    out = console()
    for line in env_lines(env):
        out.print(line)
    return EXIT_OK

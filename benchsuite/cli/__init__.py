"""The ``benchsuite`` command line.

One module per command (``run``, ``validate``, ``list_``, ``init``, ``data``, ``compare``,
``results``, ``report``, ``history``, ``env``), each a thin shim: ``add_parser`` declares
its arguments, ``command`` parses what is left, calls the library and prints; tables are
rendered by :mod:`benchsuite.report._tables`. Shared pieces: :mod:`~benchsuite.cli._args`
(exit codes, argument types), :mod:`~benchsuite.cli._console` (where output goes, warnings),
:mod:`~benchsuite.cli._progress` (the live bar of a run), :mod:`~benchsuite.cli._execution`
(the executor the options ask for).

Heavy libraries are imported inside the commands, so ``benchsuite --help`` stays instant.
Every user error is one line on stderr and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from benchsuite.cli import (
    compare,
    data,
    env,
    history,
    init,
    list_,
    report,
    results,
    run,
    validate,
)
from benchsuite.cli._args import EXIT_INTERRUPTED, EXIT_USAGE, Parser

__all__ = ["build_parser", "main"]

# in the order `benchsuite --help` lists them
_COMMANDS = (run, validate, list_, init, data, compare, results, report, history, env)


def build_parser() -> argparse.ArgumentParser:
    """The ``benchsuite`` argument parser, with every command.

    Returns
    -------
    argparse.ArgumentParser
        Each command's namespace has ``func``, the function that runs it.
    """
    parser = Parser(
        prog="benchsuite",
        description="Cross-validated benchmarks of ML estimators from a YAML suite.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in _COMMANDS:
        command.add_parser(sub)
    return parser


def _version() -> str:
    from benchsuite import __version__

    return f"benchsuite {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``benchsuite``; default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit code: 0 ok, 1 failed (``--strict``, a gating regression), 2 bad input,
        3 an internal error, 130 Ctrl-C.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from benchsuite.errors import BenchsuiteError

    try:
        return args.func(args)
    except BenchsuiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug in benchsuite, not the user's fault
        if os.environ.get("BENCHSUITE_DEBUG"):
            raise
        from benchsuite.errors import one_line

        print(
            f"internal error: {one_line(exc)} (set BENCHSUITE_DEBUG=1 for the traceback"
            " and please report it)",
            file=sys.stderr,
        )
        return 3

"""What every command shares in parsing: exit codes, the parser class, argument types and
the SUITE argument. Standard library only: ``benchsuite --help`` imports this."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

SUITE_HELP = (
    "suite YAML file, or the name of a bundled suite (e.g. quickstart; see"
    " 'benchsuite list suites'); an existing file wins"
)


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:  # one line, exit 2 (argparse prints usage too)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def suite_path(arg: str) -> Path:
    """The file that SUITE means: an existing path, else a bundled suite's file."""
    from pathlib import Path

    from benchsuite._bundled import resolve_suite
    from benchsuite.cli._console import warn

    path = resolve_suite(arg)
    if path != Path(arg):
        local = next((f"{arg}{x}" for x in (".yaml", ".yml") if os.path.isfile(f"{arg}{x}")), None)
        if local is not None:  # e.g. after 'benchsuite init quickstart'
            warn(f"'{arg}' means the bundled suite {path}; for the file here, type {local}")
    return path


FILTER_HELP = (
    "only cases whose key 'dataset/estimator[k=v]' matches this glob or substring; repeatable"
)

# what an output file's suffix says about its format
_SUFFIX_FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".json": "json"}


def add_filter_option(parser: argparse.ArgumentParser) -> None:
    """``-f/--filter PATTERN`` (repeatable), as ``run`` and ``history`` take it."""
    parser.add_argument(
        "-f", "--filter", action="append", default=[], metavar="PATTERN", help=FILTER_HELP
    )


def output_format(fmt: str | None, output: str | None, formats: tuple[str, ...]) -> str:
    """``--format``, else the one ``-o``'s suffix names among ``formats``, else
    ``terminal``."""
    if fmt is not None:
        return fmt
    named = _SUFFIX_FORMATS.get(os.path.splitext(output or "")[1].lower())
    return named if named in formats else "terminal"

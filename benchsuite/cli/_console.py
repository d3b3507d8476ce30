"""Where the CLI's output goes: the rich console and its width, writing rich or plain text
to a file or stdout, warnings on stderr. rich is imported only when a console is made."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

from benchsuite.report._format import FILE_WIDTH


def console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr) for the CLI's output.

    Parameters
    ----------
    stderr : bool, default=False

    Returns
    -------
    rich.console.Console
        No highlighting, no emoji codes; :data:`FILE_WIDTH` columns at least when the
        output is not a terminal and ``COLUMNS`` is unset.
    """
    from rich.console import Console

    # emoji=False: a ':name:' in a path or an error is text, not an emoji (and rich's
    # emoji table is not loaded on every run)
    out = Console(stderr=stderr, highlight=False, emoji=False)
    if not out.is_terminal and "COLUMNS" not in os.environ and out.width < FILE_WIDTH:
        out.width = FILE_WIDTH
    return out


def warn(message: str) -> None:
    """``warning: message`` on stderr."""
    print(f"warning: {message}", file=sys.stderr)


def emit_rich(render: Callable[[Any], None], output: str | None, width: int) -> None:
    """Render rich output to the terminal, or to ``output`` at a fixed width.

    Parameters
    ----------
    render : callable
        Called with the console to print on.
    output : str or None
        A file to write; None: stdout (:func:`console`).
    width : int
        The file's width in columns.

    Raises
    ------
    BenchsuiteError
        ``output`` cannot be written.
    """
    if output is None:
        render(console())
        return
    from rich.console import Console

    from benchsuite.errors import BenchsuiteError

    try:
        with open(output, "w", encoding="utf-8") as fh:
            render(Console(file=fh, width=width))
    except OSError as exc:
        raise BenchsuiteError(f"{output}: cannot write ({exc.strerror or exc})") from None


def emit_text(text: str, output: str | None) -> None:
    """Write ``text`` to stdout, or to ``output``; a failure to write is one line.

    Parameters
    ----------
    text : str
    output : str or None

    Raises
    ------
    BenchsuiteError
        ``output`` cannot be written.
    """
    from benchsuite.errors import BenchsuiteError

    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise BenchsuiteError(f"{output}: cannot write ({exc.strerror or exc})") from None


def check_writable(output: str) -> None:
    """Fail before the work when ``output`` cannot be written (missing folder, a folder,
    no permission).

    Raises
    ------
    BenchsuiteError
    """
    from benchsuite.errors import BenchsuiteError

    folder = os.path.dirname(os.path.abspath(output))
    if os.path.isdir(output):
        raise BenchsuiteError(f"{output}: is a folder; give a file name, e.g. {output}/report.html")
    if not os.path.isdir(folder):
        raise BenchsuiteError(f"{output}: cannot write (no folder {folder})")
    exists = os.path.exists(output)
    if not os.access(folder, os.W_OK) or (exists and not os.access(output, os.W_OK)):
        raise BenchsuiteError(f"{output}: cannot write (permission denied)")


def warn_if_busy() -> None:
    """Say so when other processes already load the CPU: timings would not mean much."""
    from benchsuite.environment import load_average, usable_cores

    load = load_average()
    cores = usable_cores()
    if load and load[0] > 0.75 * cores:
        warn(
            f"load average {load[0]:.1f} on {cores} cores: other processes compete for"
            " the CPU and multi-threaded fits can slow down many times; timings will be"
            " unreliable (run alone, or try --threads 1)"
        )

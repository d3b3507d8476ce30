"""User-facing errors.

Every mistake a user can make (bad YAML, unknown names, missing data, ...) is raised as a
:class:`BenchsuiteError`; the CLI prints its one-line message and exits with code 2.
"""

from __future__ import annotations


class BenchsuiteError(Exception):
    """An error caused by user input; printed as one line, exit code 2."""

    exit_code = 2


class ConfigError(BenchsuiteError):
    """An invalid value inside a suite entry.

    Parameters
    ----------
    message : str
        What is wrong and, where possible, how to fix it (``did you mean ...?``).
    path : tuple of str or int, default=()
        Location of the offending value *relative to the entry being checked*,
        e.g. ``("params", "n_estimator")``. ``suite.py`` prefixes it with the entry's own
        location and turns it into ``file:line: datasets[2].params.n_estimator: ...``.
    """

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = tuple(path)


class DataError(BenchsuiteError):
    """A dataset cannot be found, read or verified."""


def one_line(exc: BaseException, *, with_type: bool = True, limit: int = 500) -> str:
    """An exception as one line (``"ValueError: message"``), shortened past ``limit``.

    Records, warnings and CLI errors hold one line each; library messages often span
    several (sklearn's parameter errors, pandas' parser errors).
    """
    text = " ".join(str(exc).split())
    if with_type or not text:
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."

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

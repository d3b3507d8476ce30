"""Fixtures of the end-to-end tests; the plain helpers (``bench``, ``start_bench``,
``one_error_line``) are in ``e2e_helpers.py``."""

from __future__ import annotations

import subprocess

import pytest
from e2e_helpers import start_bench


@pytest.fixture
def started_bench():
    """``start_bench`` whose processes still running at the end of the test are killed
    (and reaped): a test failing half-way leaves no runner behind."""
    started: list[subprocess.Popen[str]] = []

    def start(*args, **kwargs) -> subprocess.Popen[str]:
        proc = start_bench(*args, **kwargs)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()

"""Helpers shared by the benchmark scripts (run as ``python benchmarks/<script>.py``)."""

from __future__ import annotations

import os

# the variables benchsuite itself pins (standard library only: importing it is cheap)
from benchsuite.environment import THREAD_VARS


def thread_env(threads: int | None) -> dict[str, str]:
    """This process's environment with BLAS/OpenMP threads pinned (None: unchanged)."""
    env = dict(os.environ)
    if threads is not None:
        for var in THREAD_VARS:
            env[var] = str(threads)
    return env

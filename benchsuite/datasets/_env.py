"""What the environment says about dataset files: where raw files and derived caches go
(``BENCHSUITE_DATA_DIR``, ``BENCHSUITE_CACHE_DIR``) and whether downloads are allowed
(``BENCHSUITE_OFFLINE``). Read on every call, so that tests and CLI options can change it.
"""

from __future__ import annotations

import os
from pathlib import Path


def _folder_from_env(variable: str, default: str) -> Path:
    return Path(os.environ.get(variable) or default).expanduser().absolute()


def data_dir() -> Path:
    """Where raw dataset files are found or downloaded to.

    Returns
    -------
    Path
        ``BENCHSUITE_DATA_DIR``, default ``~/.cache/benchsuite/data``, made absolute.
    """
    return _folder_from_env("BENCHSUITE_DATA_DIR", "~/.cache/benchsuite/data")


def cache_dir() -> Path:
    """Where derived caches (parsed arrays, checksum stamps, fallback downloads) go.

    Returns
    -------
    Path
        ``BENCHSUITE_CACHE_DIR``, default ``~/.cache/benchsuite/cache``, made absolute.
    """
    return _folder_from_env("BENCHSUITE_CACHE_DIR", "~/.cache/benchsuite/cache")


def is_offline() -> bool:
    """Whether downloads are forbidden (``BENCHSUITE_OFFLINE`` set to 1, true, yes, on)."""
    return os.environ.get("BENCHSUITE_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}

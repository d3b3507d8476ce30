"""Shared fixtures: seeded RNGs, the canonical data folder, tiny suites."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seed Python, numpy and (when a test module has imported it) torch; point data/cache
    folders at test locations."""
    random.seed(0)
    try:
        import numpy as np

        np.random.seed(0)
    except ImportError:  # pragma: no cover
        pass
    if "torch" in sys.modules:  # never imported here: most tests need no torch
        sys.modules["torch"].manual_seed(0)
    if "BENCHSUITE_DATA_DIR" not in os.environ and SHARED_DATA.is_dir():
        monkeypatch.setenv("BENCHSUITE_DATA_DIR", str(SHARED_DATA))


@pytest.fixture
def write_suite(tmp_path: Path):
    """Write YAML text to ``tmp_path/<name>.yaml`` and return its path."""

    def write(text: str, name: str = "suite") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        return path

    return write

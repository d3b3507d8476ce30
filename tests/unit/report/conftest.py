"""Fixtures of the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_helpers import write_run_folder

from benchsuite.results import Record


@pytest.fixture
def run_folder(tmp_path: Path):
    """``run_folder(name, records, status=..., **run_json)`` -> the folder written."""

    def make(name: str, records: list[Record], **kwargs) -> Path:
        return write_run_folder(tmp_path / name, records, **kwargs)

    return make

"""Shared fixtures: seeded RNGs, the canonical data folder, tiny suites; CUDA hidden from
every test not marked ``gpu``, and ``gpu`` tests skipped on a machine without CUDA.

CUDA and the tests. The torch estimators default to ``device="auto"``: on a GPU host an
unpinned test would train on CUDA, where results are not bit-for-bit reproducible (cuDNN's
backward, TF32), and exact-equality assertions fail. Two layers keep CPU tests on the CPU:

* every test that builds a torch estimator in this process pins ``device="cpu"`` (the
  ``device: cpu`` of the suites they write); ``tests/unit/test_cpu_pinning.py`` checks the
  test sources for it;
* ``_cuda_hidden_unless_gpu`` sets ``CUDA_VISIBLE_DEVICES=""`` for the length of every test
  not marked ``gpu``: the subprocesses those tests start (the CLI of the end-to-end tests,
  executor workers) see no GPU, so the shipped suites they run (``device: auto``, as users
  get them) train on the CPU without the suites being edited.

The variable cannot be trusted to hide CUDA from this process: CUDA reads it once, when
first asked, and the answer stays for the process's life. Hence the explicit pins, and
hence ``pytest_collection_modifyitems`` asks about CUDA (through torch) before any test
runs whenever ``gpu`` tests are selected: the answer then comes from the real environment,
not from a CPU test's hidden one, and the ``gpu`` tests see the GPUs in a mixed run.
"""

from __future__ import annotations

import os
import random
import shutil
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


def cuda_available() -> bool:
    """True if torch sees a CUDA GPU; imports torch only where an NVIDIA driver is installed
    (``nvidia-smi`` on ``PATH``), as ``benchsuite._skips.cuda_available`` does."""
    if shutil.which("nvidia-smi") is None:
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


@pytest.hookimpl(trylast=True)  # after ``-m`` has deselected: ``items`` are the ones to run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the selected ``gpu`` tests where CUDA is not available (asked once, before any
    test runs: see the module docstring)."""
    gpu = [item for item in items if item.get_closest_marker("gpu") is not None]
    if gpu and not cuda_available():
        skip = pytest.mark.skip(reason="needs a CUDA device")
        for item in gpu:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _cuda_hidden_unless_gpu(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """``CUDA_VISIBLE_DEVICES=""`` during every test not marked ``gpu``: what it starts runs
    on the CPU, whatever ``device: auto`` a suite asks for."""
    if request.node.get_closest_marker("gpu") is None:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")


@pytest.fixture
def write_suite(tmp_path: Path):
    """Write YAML text to ``tmp_path/<name>.yaml`` and return its path."""

    def write(text: str, name: str = "suite") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        return path

    return write

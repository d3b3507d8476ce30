"""Shared fixtures: seeded RNGs, the canonical data folder, tiny suites; CUDA hidden from
every test not marked ``gpu``, and ``gpu`` tests skipped on a machine without CUDA.

CUDA and the tests. The torch estimators default to ``device="auto"``: on a GPU host an
unpinned test would train on CUDA, where results are not bit-for-bit reproducible (cuDNN's
backward, TF32), and exact-equality assertions fail. Two layers keep CPU tests on the CPU:

* every test that builds a torch estimator in this process pins ``device="cpu"`` (the
  ``device: cpu`` of the suites they write); ``_cpu_only_unless_gpu`` fails a test not
  marked ``gpu`` (nor ``auto_device``, for the tests of ``"auto"`` itself) that fits one
  with ``device="auto"`` in this process, so a missing pin shows on a CPU machine too;
* the same fixture sets ``CUDA_VISIBLE_DEVICES=""`` for the length of every test not marked
  ``gpu``: the subprocesses those tests start (the CLI of the end-to-end tests, executor
  workers) see no GPU, so the shipped suites they run (``device: auto``, as users get
  them) train on the CPU without the suites being edited.

The variable cannot be trusted to hide CUDA from this process: CUDA reads it once, when
first asked, and the answer stays for the process's life. Hence the explicit pins, and
hence ``pytest_collection_modifyitems`` asks about CUDA (through torch) before any test
runs whenever ``gpu`` tests are selected: the answer then comes from the real environment,
not from a CPU test's hidden one, and the ``gpu`` tests see the GPUs in a mixed run.
"""

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


@pytest.hookimpl(trylast=True)  # after ``-m`` has deselected: ``items`` are the ones to run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the selected ``gpu`` tests where CUDA is not available (asked once, before any
    test runs: see the module docstring)."""
    gpu = [item for item in items if item.get_closest_marker("gpu") is not None]
    if not gpu:
        return
    # benchsuite's own check (torch imported only where an NVIDIA driver is installed);
    # its cached answer is the real environment's, asked before any test hides CUDA
    from benchsuite._skips import cuda_available

    if not cuda_available():
        skip = pytest.mark.skip(reason="needs a CUDA device")
        for item in gpu:
            item.add_marker(skip)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "auto_device: fits a torch model with device='auto' on purpose (the other tests not"
        " marked gpu must pin device='cpu')",
    )


@pytest.fixture(autouse=True)
def _cpu_only_unless_gpu(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """For every test not marked ``gpu``: ``CUDA_VISIBLE_DEVICES=""``, so that what it
    starts runs on the CPU whatever ``device: auto`` a suite asks for; and, where torch is
    loaded, a check that nothing fits a torch model with ``device="auto"`` in this process
    unless the test is marked ``auto_device``: on a GPU host that model would train on CUDA.

    Yields the devices asked for with ``"auto"`` during the test (a list; None where
    nothing is watched); the test fails at teardown if it holds any.
    """
    if request.node.get_closest_marker("gpu") is not None:
        yield None
        return
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    if "torch" not in sys.modules or request.node.get_closest_marker("auto_device"):
        # without torch loaded no torch model fits here (a test that imports torch itself
        # is watched whenever another module loaded it first, as in any full run)
        yield None
        return
    try:
        from benchsuite.estimators.torch import _training
    except ImportError:  # pragma: no cover - a torch the estimators cannot use
        yield None
        return

    asked: list[str] = []
    resolve = _training.resolve_device

    def watched(spec: str):
        if spec == "auto":
            asked.append(spec)
        return resolve(spec)

    monkeypatch.setattr(_training, "resolve_device", watched)
    yield asked
    if asked:
        pytest.fail(
            f"a torch model was fitted with device='auto' ({len(asked)}x): pin device='cpu'"
            " (device: cpu in a suite), or mark the test gpu or auto_device",
            pytrace=False,
        )


@pytest.fixture
def write_suite(tmp_path: Path):
    """Write YAML text to ``tmp_path/<name>.yaml`` and return its path."""

    def write(text: str, name: str = "suite") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        return path

    return write

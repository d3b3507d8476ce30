"""The CLI as a user runs it, for every end-to-end test: ``python -m benchsuite ARGS`` in a
subprocess, and the check of a usage error (one ``error:`` line on stderr, exit 2).

Every subprocess imports this checkout's ``benchsuite`` whatever its working folder: the
checkout goes first on ``PYTHONPATH`` (an installed copy, e.g. another worktree's editable
install, cannot stand in for it). Imported by name (``from e2e_helpers import bench``):
pytest puts this folder on ``sys.path`` for the test modules beside it, as
``tests/unit/report/report_helpers.py`` is imported there; fixtures are in ``conftest.py``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"  # holds faults.py, for runners and their workers


def cli_env(
    env: dict[str, str] | None = None,
    *,
    unset: Iterable[str] = (),
    pythonpath: Iterable[str | Path] = (),
) -> dict[str, str]:
    """This process's environment for a CLI subprocess: ``pythonpath`` folders, then the
    checkout, then any inherited ``PYTHONPATH``; ``env`` on top; ``unset`` names removed."""
    out = {**os.environ, **(env or {})}
    folders = [*map(str, pythonpath), str(ROOT), out.get("PYTHONPATH", "")]
    out["PYTHONPATH"] = os.pathsep.join(filter(None, folders))
    for name in unset:
        out.pop(name, None)
    return out


def bench(
    *args: str | Path,
    cwd: str | Path = ROOT,
    env: dict[str, str] | None = None,
    unset: Iterable[str] = (),
    pythonpath: Iterable[str | Path] = (),
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``python -m benchsuite ARGS`` run to its end in ``cwd`` (the checkout by default),
    with ``cli_env(env, unset=..., pythonpath=...)``; text output captured."""
    return subprocess.run(
        [sys.executable, "-m", "benchsuite", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=cli_env(env, unset=unset, pythonpath=pythonpath),
        timeout=timeout,
    )


def python(
    code: str,
    *,
    cwd: str | Path = ROOT,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``python -c CODE`` run to its end, with the same environment as ``bench``."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=cli_env(env),
        timeout=timeout,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_bench(
    *args: str | Path,
    cwd: str | Path = ROOT,
    env: dict[str, str] | None = None,
    pythonpath: Iterable[str | Path] = (),
    ctrl_c: bool = False,
) -> subprocess.Popen[str]:
    """``python -m benchsuite ARGS`` started (not waited for), stdout and stderr piped.

    ``ctrl_c``: SIGINT back to its default in the child, as a user's Ctrl-C finds it even
    when the tests run in a background job (CI, nohup), which starts children with SIGINT
    ignored, where Python then installs no KeyboardInterrupt handler.
    The ``started_bench`` fixture (conftest.py) also kills what is left at the test's end.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "benchsuite", *map(str, args)],
        cwd=cwd,
        env=cli_env(env, pythonpath=pythonpath),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint if ctrl_c else None,
    )


def one_error_line(
    proc: subprocess.CompletedProcess[str] | subprocess.Popen[str],
    *parts: str,
    match: str | None = None,
    timeout: float = 180,
) -> str:
    """A usage or input error as users see it: exit 2, no traceback, exactly one line on
    stderr, containing each of ``parts`` (and ``re.search``-ing ``match``); that line.

    A started process is waited for (``timeout`` seconds at most)."""
    if isinstance(proc, subprocess.Popen):
        stdout, stderr = proc.communicate(timeout=timeout)
    else:
        stdout, stderr = proc.stdout, proc.stderr
    assert proc.returncode == 2, (proc.returncode, stdout, stderr)
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    for part in parts:
        assert part in lines[0], lines[0]
    if match is not None:
        assert re.search(match, lines[0]), (match, lines[0])
    return lines[0]


def wait_for_lines(path: Path, n: int, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    """Wait until ``path`` has ``n`` lines (records) while ``proc`` still runs; fail if it
    ends first or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and path.read_text().count("\n") >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} records in {path} (runner ended: {proc.poll()})")


def planned_ids(suite_path: str | Path) -> Counter[tuple[str, int, int]]:
    """``(case key, fold, repeat)`` of every job the suite file plans, counted:
    what a complete run's records hold, each exactly once."""
    from benchsuite.plan import build_plan
    from benchsuite.suite import load_suite

    plan = build_plan(load_suite(suite_path))
    return Counter(job.id for job in plan.jobs)


def record_ids(records: Iterable[Any]) -> Counter[tuple[str, int, int]]:
    """``(case key, fold, repeat)`` of each record (``Record``s), counted."""
    return Counter((r.case_key, r.fold, r.repeat) for r in records)

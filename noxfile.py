"""nox sessions: `nox -s lint tests`, `nox -s slow`, `nox -s quickstart`, `nox -s lowest`."""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
DATA = os.environ.get("BENCHSUITE_DATA_DIR", str(ROOT.parent / "shared" / "data"))
# the lowest versions pyproject.toml allows, pinned exactly (tests/unit/test_min_versions.py
# keeps the two in step)
MIN_VERSIONS = "tests/requirements-min.txt"


@nox.session
def lint(session: nox.Session) -> None:
    # the package and its dependencies: mypy reads their types (numpy, matplotlib, ...)
    session.install("-e", ".[test]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")  # [tool.mypy] in pyproject.toml: the benchsuite package


@nox.session
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("pytest", "-q", *session.posargs, env={"BENCHSUITE_DATA_DIR": DATA})


@nox.session
def slow(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("pytest", "-q", "-m", "slow", *session.posargs, env={"BENCHSUITE_DATA_DIR": DATA})


@nox.session
def quickstart(session: nox.Session) -> None:
    session.install("-e", ".")
    session.run("benchsuite", "run", "suites/quickstart.yaml", env={"BENCHSUITE_DATA_DIR": DATA})


@nox.session
def lowest(session: nox.Session) -> None:
    """The tests with every dependency at the lowest version pyproject.toml allows.

    The pins go in as pip constraints: an install that cannot satisfy both them and
    pyproject.toml's requirements fails, so a floor raised in one place and not the other
    cannot pass unnoticed. Not in the default sessions (it installs torch 2.1, a few GB).
    """
    session.install("-c", MIN_VERSIONS, "-e", ".[test,parquet]")
    # what was installed, for the log: the versions these tests passed with
    session.run("python", "-m", "pip", "freeze", "--exclude-editable")
    session.run("pytest", "-q", *session.posargs, env={"BENCHSUITE_DATA_DIR": DATA})

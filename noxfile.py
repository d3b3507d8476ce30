"""nox sessions: `nox -s lint tests`, `nox -s slow`, `nox -s quickstart`."""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
DATA = os.environ.get("BENCHSUITE_DATA_DIR", str(ROOT.parent / "shared" / "data"))


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


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

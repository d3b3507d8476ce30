"""Every suite shipped in suites/ and the benchmark suites validate and plan (no data is
loaded). Benchmark suites whose estimators live in benchmarks/ (import strings that need it
on sys.path) are left to their scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchsuite.plan import build_plan
from benchsuite.suite import load_suite

ROOT = Path(__file__).resolve().parents[2]
BENCHMARK_SUITES = ("overhead", "tabular_goals", "tabular_overhead", "vision_goals")
SUITES = sorted(ROOT.glob("suites/*.yaml")) + [
    ROOT / "benchmarks" / f"{name}.yaml" for name in BENCHMARK_SUITES
]


@pytest.mark.parametrize("path", SUITES, ids=[f"{p.parent.name}/{p.name}" for p in SUITES])
def test_shipped_suite_validates_and_plans(path):
    suite = load_suite(path)
    plan = build_plan(suite)
    assert plan.cases
    runnable = [c for c in plan.cases if c.skip_reason is None]
    assert runnable, f"{path.name}: every case is skipped"


BUNDLED = sorted(ROOT.glob("suites/*.yaml"))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_bundled_suite_runs_by_its_name_from_an_installed_package(path):
    """What 'benchsuite run NAME' and 'benchsuite list suites' rely on: the name typed is
    the suite's name (its results folder), it has a description to list, and it reads no
    file of its own (only the YAML files of suites/ ship in the wheel)."""
    suite = load_suite(path)
    assert suite.name == path.stem
    assert suite.description.strip()
    local = [d.name for d in suite.datasets if d.path is not None]
    assert not local, f"{path.name}: datasets {local} read files that are not installed"

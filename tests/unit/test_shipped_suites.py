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

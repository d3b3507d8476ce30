"""The tables the CLI prints (benchsuite/report/_tables.py), from real plans."""

from __future__ import annotations

import dataclasses
import io

import pytest
from rich.console import Console

from benchsuite.plan import Plan, build_plan
from benchsuite.report import _tables
from benchsuite.suite import load_suite

SUITE = """
name: tiny
seed: 0
defaults: {evaluation: {cv: 3}, repeats: 2, metrics: [accuracy, rmse]}
datasets: [iris, diabetes]
estimators:
  - logreg
  - {name: tree, model: sklearn.tree:DecisionTreeRegressor}
"""


@pytest.fixture
def plan(write_suite) -> Plan:
    # iris/logreg and diabetes/tree run (3 folds x 2 repeats); iris/tree (a regressor on
    # classes) and diabetes/logreg (a classifier on a regression task) are skipped
    return build_plan(load_suite(write_suite(SUITE)))


def _render(renderable, width: int = 200) -> str:
    out = io.StringIO()
    Console(file=out, width=width, highlight=False, emoji=False).print(renderable)
    return out.getvalue()


def test_plan_cases_count_jobs_per_case(plan):
    cases = {c.key: c for c in plan.cases}
    assert list(cases) == ["iris/logreg", "iris/tree", "diabetes/logreg", "diabetes/tree"]
    assert len(cases["iris/logreg"].jobs) == 6 and not cases["iris/logreg"].skipped
    assert cases["diabetes/logreg"].skipped and len(cases["diabetes/logreg"].jobs) == 1
    assert cases["diabetes/tree"].metrics == ("rmse",)
    assert cases["iris/logreg"].dataset.name == "iris"


def test_plan_line_counts_cases_and_jobs(plan):
    assert _tables.plan_line(plan) == "4 cases (2 skipped), 12 fit/predict jobs"


def test_plan_table_shows_jobs_or_why_skipped(plan):
    text = _render(_tables.plan_table(plan))
    assert "plan of suite 'tiny'" in text and "jobs" in text
    row = next(line for line in text.splitlines() if "iris/logreg" in line)
    assert "cv=3" in row and " 6 " in row and "run" in row
    row = next(line for line in text.splitlines() if "diabetes/logreg" in line)
    assert "skipped: " in row and " - " in row


def test_plan_table_prints_a_skip_reason_as_text_not_markup(plan):
    # a reason naming '[bold]' or a list such as '[cnn]' must reach the user as written
    reason = "needs [bold]cuda[/bold] for [cnn] (see [link=x]docs[/link])"
    case = dataclasses.replace(plan.cases[0], skip_reason=reason)
    text = _render(
        _tables.plan_table(Plan(suite=plan.suite, cases=(case,), jobs=case.jobs)), width=300
    )
    assert f"skipped: {reason}" in text


def test_list_tables_have_their_rows_and_captions():
    from benchsuite.estimators import list_aliases
    from benchsuite.metrics import METRICS

    text = _render(_tables.estimators_table(list_aliases()))
    assert text.startswith("estimators") and "lightgbm" in text and "import string" in text
    text = _render(_tables.metrics_table(METRICS.values()))
    assert "roc_auc" in text and "higher" in text and "lower" in text


def test_data_status_table_colours_the_status():
    rows = [
        {"source": "mnist", "part": "train", "file": "a.gz", "status": "ok", "path": "/d/a.gz"},
        {"source": "mnist", "part": None, "file": "b.gz", "status": "missing", "path": "/d/b"},
        {"source": "x", "part": "test", "file": "c", "status": "checksum mismatch", "path": "c"},
    ]
    table = _tables.data_status_table(rows)
    assert list(table.columns[3].cells) == [
        "[green]ok[/green]",
        "[yellow]missing[/yellow]",
        "[red]checksum mismatch[/red]",
    ]
    assert list(table.columns[1].cells) == ["train", "-", "test"]


def test_env_lines_flatten_dicts_and_lists():
    env = {"python": "3.11", "cpu": {"model": "x", "cores": 2}, "gpus": [], "pools": [{"n": 1}]}
    assert _tables.env_lines(env) == [
        "[bold]python[/bold]: 3.11",
        "[bold]cpu[/bold]: model=x, cores=2",
        "[bold]gpus[/bold]: -",
        '[bold]pools[/bold]: {"n": 1}',
    ]

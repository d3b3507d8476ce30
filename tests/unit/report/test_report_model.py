"""Report contents: loading runs, tables, ranks, best per dataset, bad input."""

from __future__ import annotations

import json

import pytest
from report_helpers import THREE_BY_THREE, make_records

from benchsuite.errors import BenchsuiteError
from benchsuite.report._model import build_report, load_report_runs
from benchsuite.report._plots import pareto_front
from benchsuite.report.html import critical_difference


def test_table_means_best_and_ranks(run_folder):
    path = run_folder("r1", make_records(THREE_BY_THREE))
    report = build_report(load_report_runs([path]))
    t = report.tables["accuracy"]
    assert t.columns == [("r1", "d1"), ("r1", "d2"), ("r1", "d3")]
    assert t.rows == ["a", "b", "c"]
    a = t.cell("a", "r1", "d1")
    assert a.stats.mean == pytest.approx(0.92) and a.stats.std == pytest.approx(0.02)
    assert a.best and not t.cell("b", "r1", "d1").best
    assert [t.avg_rank[(r, "r1")] for r in "abc"] == [1.0, 2.0, 3.0]
    assert [b.best[0].estimator for b in report.best] == ["a", "a", "a"]


def test_ties_share_best_and_rank(run_folder):
    scores = {("d1", "a"): [0.9, 0.8], ("d1", "b"): [0.8, 0.9], ("d1", "c"): [0.1, 0.2]}
    report = build_report(load_report_runs([run_folder("r", make_records(scores))]))
    t = report.tables["accuracy"]
    assert t.cell("a", "r1", "d1").best and t.cell("b", "r1", "d1").best
    assert t.cell("a", "r1", "d1").rank == t.cell("b", "r1", "d1").rank == 1.5
    assert [s.estimator for s in report.best[0].best] == ["a", "b"]


def test_lower_is_better_metric(run_folder):
    scores = {("d1", "a"): [50.0, 52.0], ("d1", "b"): [40.0, 41.0]}
    records = make_records(scores, metric="rmse")
    report = build_report(load_report_runs([run_folder("r", records)]))
    assert report.best[0].best[0].estimator == "b"
    assert report.tables["rmse"].cell("b", "r1", "d1").best


def test_failed_cases_rank_last_and_skipped_are_left_out(run_folder):
    records = make_records(
        THREE_BY_THREE,
        failed={("d1", "broken"): "ValueError: n_neighbors must be >= 1"},
        skipped={("d2", "broken"): "classifier on regression data"},
    )
    report = build_report(load_report_runs([run_folder("r", records)]))
    t = report.tables["accuracy"]
    assert t.cell("broken", "r1", "d1").rank == 4.0
    assert t.cell("broken", "r1", "d2").rank is None
    assert t.avg_rank[("broken", "r1")] == 4.0  # d1 only
    problems = [(s.key, s.status, s.error) for _, s in report.problems()]
    assert ("d1/broken", "error", "ValueError: n_neighbors must be >= 1") in problems
    assert ("d2/broken", "skipped", "classifier on regression data") in problems
    rows, datasets, scores, left_out = t.complete_block("r1")
    assert rows == ["a", "b", "c"] and left_out == {"broken": ["d1", "d2", "d3"]}


def test_cheapest_close_to_best(run_folder):
    # b is within one std of a and 10x faster to fit; c is far below
    scores = {("d", "a"): [0.90, 0.96], ("d", "b"): [0.91, 0.93], ("d", "c"): [0.5, 0.5]}
    times = {("d", "a"): 1.0, ("d", "b"): 0.1, ("d", "c"): 0.001}
    report = build_report(load_report_runs([run_folder("r", make_records(scores, fit_time=times))]))
    (b,) = report.best
    assert b.best[0].estimator == "a" and b.cheapest_close.estimator == "b"
    assert b.runner_up.estimator == "b"


def test_metric_choice_and_unknown_metric(run_folder):
    path = run_folder("r", make_records(THREE_BY_THREE))
    runs = load_report_runs([path])
    assert build_report(runs, metric="accuracy").metric_given
    with pytest.raises(BenchsuiteError, match=r"did you mean 'accuracy'.*available: accuracy"):
        build_report(runs, metric="acuracy")


def test_only_failed_records_is_an_error(run_folder):
    path = run_folder("r", make_records({}, failed={("d", "x"): "boom"}))
    with pytest.raises(BenchsuiteError, match="nothing to report.*1 error.*d/x: boom"):
        load_report_runs([path])


def test_empty_records_and_empty_folder_are_errors(tmp_path, run_folder):
    with pytest.raises(BenchsuiteError, match="no records"):
        load_report_runs([run_folder("r", [])])
    (tmp_path / "nothing").mkdir()
    with pytest.raises(BenchsuiteError, match="no run found"):
        load_report_runs([tmp_path / "nothing"])


@pytest.mark.parametrize(
    "status, expected",
    [
        ("completed", None),
        ("interrupted", "the run was interrupted; 27 of 40 jobs recorded"),
        ("running", "still says 'running'"),
        (None, "no run.json"),
    ],
)
@pytest.mark.parametrize("schema", [1, 2])
def test_partial_runs(run_folder, status, expected, schema):
    path = run_folder("r", make_records(THREE_BY_THREE), status=status, n_jobs=40)
    if schema == 1 and status is not None:  # as older benchsuite wrote it
        info = json.loads((path / "run.json").read_text(encoding="utf-8"))
        info["schema_version"], info["n_measurements"] = 1, info.pop("n_jobs")
        (path / "run.json").write_text(json.dumps(info), encoding="utf-8")
    (run,) = load_report_runs([path])
    if expected is None:
        assert run.partial is None
    else:
        assert expected in run.partial


def test_same_run_twice_gets_distinct_labels(run_folder):
    path = run_folder("r", make_records(THREE_BY_THREE))
    runs = load_report_runs([path, path])
    assert [r.label for r in runs] == ["s/r1#1", "s/r1#2"]
    report = build_report(runs)
    assert len(report.tables["accuracy"].columns) == 6 and len(report.best) == 6


def test_critical_difference_needs_three_datasets(run_folder):
    two = {k: v for k, v in THREE_BY_THREE.items() if k[0] != "d3"}
    report = build_report(load_report_runs([run_folder("r", make_records(two))]))
    result, why = critical_difference(report.tables["accuracy"], "r1")
    assert result is None and "at least 3 datasets" in why and "has 2 datasets" in why
    report = build_report(load_report_runs([run_folder("q", make_records(THREE_BY_THREE))]))
    result, note = critical_difference(report.tables["accuracy"], "r1")
    assert result.avg_ranks == (1.0, 2.0, 3.0) and note == ""


def test_pareto_front():
    pts = [(1.0, 0.9), (0.1, 0.8), (2.0, 0.85), (0.05, 0.5), (0.1, 0.7)]
    assert pareto_front(pts) == [3, 1, 0]
    assert pareto_front([(1.0, 5.0), (2.0, 3.0), (3.0, 4.0)], greater_is_better=False) == [0, 1]

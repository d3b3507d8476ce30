"""The terminal form of a History: per suite x machine, runs read, regressions, changes for
the better, series too short."""

from __future__ import annotations

import io

from rich.console import Console

from benchsuite.history._model import Change, History, Point, Series
from benchsuite.history._output import print_history


def _points(values, partial_last=False):
    return [
        Point(f"r{i}", f"2026-01-{i + 1:02d}T10:00:00+00:00", f"{i:040x}", "main", False, v, v, v,
              3, partial_last and i == len(values) - 1)
        for i, v in enumerate(values)
    ]  # fmt: skip


def _render(history: History) -> str:
    out = io.StringIO()
    print_history(Console(file=out, width=200), history)
    return out.getvalue()


def test_regressions_then_improvements_then_short_series():
    slow = Series("ci", "box", "iris/svm", "fit_time_s", "s", False, _points([1, 1, 1, 2, 2, 2]))
    slow.changes = [Change(3, "r3", "3" * 40, 1.0, 2.0, 1.0, True)]
    better = Series(
        "ci", "box", "iris/knn", "metric:accuracy", "", True, _points([0.9, 0.9, 0.95], True)
    )
    better.changes = [Change(2, "r2", None, 0.9, 0.95, 0.0556, False)]
    short = Series("ci", "box", "wine/svm", "fit_time_s", "s", False, _points([1.0]))
    short.status = "not enough history"
    history = History(
        root="results",
        series=[slow, better, short],
        runs={("ci", "box"): [f"r{i}" for i in range(6)]},
    )
    text = _render(history)
    assert "suite ci on machine box: 6 run(s) (1 partial" in text
    assert "2026-01-01 .. 2026-01-06" in text
    assert text.index("regressions (1)") < text.index("changes for the better (1)")
    assert "1 s -> 2 s" in text and "+100.0%" in text and "3333333333 " in text
    assert "+5.6%" in text
    assert "1 series with not enough history" in text


def test_nothing_found_says_so_per_group():
    a = Series("ci", "a", "iris/svm", "fit_time_s", "s", False, _points([1.0] * 6))
    b = Series("ci", "b", "iris/svm", "fit_time_s", "s", False, _points([1.0] * 6))
    history = History(root="r", series=[a, b], runs={("ci", "a"): ["r0"], ("ci", "b"): ["r1"]})
    text = _render(history)
    assert text.count("no regression found") == 2
    assert "machine a" in text and "machine b" in text


def test_a_group_of_short_series_only_says_so():
    short = Series("ci", "a", "iris/svm", "fit_time_s", "s", False, _points([1.0, 1.1]))
    short.status = "not enough history"
    text = _render(History(root="r", series=[short], runs={("ci", "a"): ["r0", "r1"]}))
    assert "no regression found" not in text
    assert "1 series with not enough history (fewer than" in text

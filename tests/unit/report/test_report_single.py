"""A case measured once (holdout, official split, one repeat) shows its value alone.

A standard deviation of one sample does not exist; ``0.967 ± 0.000`` would claim a spread
of zero that was never measured. These tests cover every view: the value formatting, the
run tables, the three report formats, the plots and the close-to-best rule.
"""

from __future__ import annotations

import re

import pytest
from report_helpers import make_records
from rich.console import Console

from benchsuite._stats import Stats
from benchsuite.report import _plots, summarize
from benchsuite.report._format import (
    SINGLE_NOTE,
    ci_text,
    format_stats,
    single_note,
    spread_label,
)
from benchsuite.report._model import build_report, load_report_runs
from benchsuite.report._text import best_row
from benchsuite.report.html import report_html
from benchsuite.report.markdown import report_markdown
from benchsuite.report.terminal import comparison_table, print_report

# one holdout split per case: a > b on both datasets, c fastest
HOLDOUT = {
    ("d1", "a"): [0.967],
    ("d1", "b"): [0.933],
    ("d1", "c"): [0.900],
    ("d2", "a"): [0.812],
    ("d2", "b"): [0.806],
    ("d2", "c"): [0.700],
}
TIMES = {(d, e): t for d in ("d1", "d2") for e, t in (("a", 1.0), ("b", 0.1), ("c", 0.01))}
# d1 cross-validated (3 folds), d2 one split: one report with both kinds of value
MIXED = {
    ("d1", "a"): [0.90, 0.92, 0.94],
    ("d1", "b"): [0.85, 0.86, 0.87],
    ("d2", "a"): [0.80],
    ("d2", "b"): [0.70],
}
FAKE_SPREAD = re.compile(r"± 0\.0+\b")


def test_format_stats_and_ci_of_one_sample():
    one = Stats.of([0.834])
    assert format_stats(one) == "0.834"
    assert format_stats(Stats.of([55.123])) == "55.12"  # large errors keep fewer decimals
    assert format_stats(Stats.of([0.90, 0.92, 0.94])) == "0.920 ± 0.020"
    # a measured spread of zero (two equal folds) is a real value and stays
    assert format_stats(Stats.of([0.5, 0.5])) == "0.500 ± 0.000"
    assert "n=1" in ci_text(one) and "CI [" not in ci_text(one)
    assert ci_text(Stats.of([0.90, 0.92, 0.94])).startswith("95% CI [0.870, 0.970], n=3")


def test_spread_label_and_note():
    one, three = Stats.of([0.8]), Stats.of([0.8, 0.9, 0.7])
    assert spread_label([one, one]) == "one measurement per case"
    assert spread_label([one, three, None]) == "mean ± std over folds"
    assert spread_label([]) == "mean ± std over folds"
    assert single_note([three, None]) is None
    assert single_note([three, one]) == SINGLE_NOTE


def test_run_table_of_a_holdout_run():
    # what `benchsuite run` prints at the end
    table = comparison_table(summarize(make_records(HOLDOUT)), "accuracy")
    console = Console(width=200, record=True)
    console.print(table)
    text = " ".join(console.export_text().split())  # titles and captions wrap at its width
    assert "0.967" in text and "0.806" in text
    assert "±" not in text.replace(SINGLE_NOTE, "")
    assert "accuracy (one measurement per case) · fit time" in text
    assert SINGLE_NOTE in text


def test_run_table_of_a_cross_validated_run_is_unchanged():
    table = comparison_table(summarize(make_records({("d", "a"): [0.9, 0.92, 0.94]})), "accuracy")
    console = Console(width=200, record=True)
    console.print(table)
    text = " ".join(console.export_text().split())
    assert "0.920 ± 0.020" in text and "mean ± std over folds" in text
    assert "single measurement" not in text


@pytest.fixture
def holdout_report(run_folder):
    records = make_records(HOLDOUT, fit_time=TIMES)
    return build_report(load_report_runs([run_folder("r", records)]))


def test_every_report_format_shows_the_value_alone(holdout_report):
    md = report_markdown(holdout_report)
    console = Console(width=220, record=True)
    print_report(console, holdout_report)
    terminal = console.export_text()
    html = report_html(holdout_report)
    for text in (md, terminal, html):
        assert not FAKE_SPREAD.search(text), FAKE_SPREAD.search(text)
        assert "one measurement per case" in text
        assert SINGLE_NOTE in " ".join(text.split())
    assert "| a | **0.967** | **0.812** | 1.00 |" in md
    assert "0.967 ±" not in terminal and "0.967" in terminal
    # HTML hover: n=1 instead of a confidence interval of zero width
    assert 'title="n=1: a single measurement, no spread and no confidence interval"' in html
    assert "95% CI" not in html.split('id="environment"')[0].replace("Hover a score for its", "")
    assert "none on a bar measured once, n=1" in html


def test_close_to_best_rule_is_not_applied_to_one_measurement(holdout_report):
    # b is 0.006 below a on d2 and 10x faster: with one split there is no std to be within
    for b in holdout_report.best:
        assert b.score.n == 1 and b.cheapest_close is None
        row = best_row(b, many_runs=False)
        assert row[3] == f"{b.score.mean:.3f}"  # the score, alone
        assert row[8] == "n/a (n=1, no spread)"
    notes = " ".join(print_footnotes(holdout_report))
    assert "A best measured once (n=1) has no standard deviation" in notes


def print_footnotes(report) -> list[str]:
    from benchsuite.report._text import footnotes

    return footnotes(report)


def test_mixed_report_marks_only_the_single_values(run_folder):
    report = build_report(load_report_runs([run_folder("r", make_records(MIXED))]))
    md = report_markdown(report)
    assert "| a | **0.920 ± 0.020** | **0.800** | 1.00 |" in md
    assert "### accuracy (mean ± std over folds, higher is better)" in md
    assert SINGLE_NOTE in md
    best = {b.dataset: b for b in report.best}
    assert best_row(best["d1"], False)[3] == "0.920 ± 0.020"
    assert best_row(best["d2"], False)[3] == "0.800"
    html = report_html(report)
    assert 'title="95% CI [' in html and 'title="n=1: a single measurement' in html


def test_score_plot_draws_no_error_bar_for_one_measurement(run_folder, monkeypatch):
    report = build_report(load_report_runs([run_folder("r", make_records(MIXED))]))
    figures = []
    real = _plots.to_svg
    monkeypatch.setattr(
        _plots, "to_svg", lambda fig, **kw: (figures.append(fig), real(fig, **kw))[1]
    )
    _plots.scores_svg(report, _plots.estimator_colors(["a", "b"]))
    (fig,) = figures
    d1, d2 = (ax for ax in fig.axes if ax.get_visible())
    assert d1.get_title() == "d1" and d2.get_title() == "d2"

    def error_bars(ax) -> int:
        # each error bar is one segment of an errorbar's LineCollection
        return sum(len(c.get_segments()) for c in ax.collections if hasattr(c, "get_segments"))

    assert error_bars(d1) == 2  # two cross-validated bars
    assert error_bars(d2) == 0  # not even a zero-length bar with its caps

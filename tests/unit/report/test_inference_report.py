"""Inference latency and throughput in reports: the per-case summary, the table in every
format, the HTML plots, the Pareto front of score against batch-1 latency, and reports of
runs without inference left exactly as they were."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from report_helpers import THREE_BY_THREE, golden_records, make_records, render_all
from rich.console import Console

from benchsuite._format import format_rate
from benchsuite.report import _plots
from benchsuite.report._inference import (
    INFERENCE_NOTE,
    REPLACEMENT_NOTE,
    inference_columns,
    inference_rows,
    pareto_indices,
    pareto_lines,
    summarize_inference,
)
from benchsuite.report._model import build_report, load_report_runs
from benchsuite.report.html import report_html
from benchsuite.report.markdown import report_markdown
from benchsuite.report.terminal import print_report
from benchsuite.results import Record

GOLDEN = Path(__file__).parent / "golden"


def entry(
    batch_size: int,
    median_s: float,
    *,
    p99_s: float | None = None,
    throughput: float | None = None,
    device: str = "cpu",
    method: str = "predict",
    replacement: bool = False,
    **extra,
) -> dict:
    """One ``Record.inference`` entry as the measuring code writes it."""
    p99 = p99_s if p99_s is not None else 2 * median_s
    return {
        "batch_size": batch_size,
        "method": method,
        "n_calls": 100,
        "median_s": median_s,
        "p90_s": (median_s + p99) / 2,
        "p99_s": p99,
        "iqr_s": median_s / 10,
        "min_s": median_s / 2,
        "throughput_per_s": throughput if throughput is not None else batch_size / median_s,
        "device": device,
        "replacement": replacement,
        "sample_s": [median_s] * 8,
        **extra,
    }


# batch-1 latency per estimator: c fastest and worst, a slowest and best (THREE_BY_THREE)
LATENCY = {"a": 2e-3, "b": 5e-5, "c": 1e-5}


def with_inference(records: list[Record], latency=LATENCY, sizes=(1, 32, 1024)) -> list[Record]:
    """Inference entries on the first job (fold 0) of each case, as ``folds: first``."""
    for r in records:
        if r.status == "ok" and r.fold == 0 and r.estimator in latency:
            base = latency[r.estimator]
            r.inference = [entry(b, base * (1 + b / 32)) for b in sizes]
    return records


def _report(run_folder, records, name="r", **kwargs):
    return build_report(load_report_runs([run_folder(name, records)]), **kwargs)


# --------------------------------------------------------------------------------------
# the summary
# --------------------------------------------------------------------------------------


def test_summary_is_the_median_over_the_measured_jobs():
    records = make_records({("d1", "a"): [0.9, 0.8, 0.7], ("d1", "b"): [0.5, 0.6, 0.7]})
    a = [r for r in records if r.estimator == "a"]
    # folds: all; entries listed largest batch first: the summary sorts them
    a[0].inference = [entry(64, 0.010, throughput=6400.0), entry(1, 1e-4, p99_s=9e-4)]
    a[1].inference = [
        entry(64, 0.030, throughput=2100.0, device="cuda:0"),
        entry(1, 3e-4, p99_s=1e-4),
    ]
    a[2].inference = [entry(64, 0.020, throughput=3200.0, replacement=True)]  # no batch 1
    (case,) = summarize_inference(records, run="r1")  # b measured nothing: left out
    assert (case.run, case.key, case.dataset, case.estimator) == ("r1", "d1/a", "d1", "a")
    assert [b.batch_size for b in case.batches] == [1, 64]
    one, big = case.batches
    assert one.n_jobs == 2 and big.n_jobs == 3 and case.n_jobs == 3
    assert one.median_s == pytest.approx(2e-4)  # median of two: their mean
    assert one.p99_s == pytest.approx(5e-4)  # each job's p99, then the median
    assert big.median_s == pytest.approx(0.020)
    assert big.throughput_per_s == pytest.approx(3200.0)  # median, not batch / median latency
    assert big.replacement and not one.replacement
    assert big.device == "cpu, cuda:0" and one.device == "cpu"
    assert case.smallest is one and case.largest is big and one.method == "predict"


def test_summary_ignores_failed_jobs_and_records_without_inference():
    records = make_records({("d1", "a"): [0.9, 0.8]}, failed={("d1", "z"): "boom"})
    assert summarize_inference(records) == []
    records[0].inference = []
    records[-1].inference = [entry(1, 1.0)]  # a failed job's entries are not a measurement
    assert summarize_inference(records) == []


def test_build_report_collects_inference_per_run(run_folder):
    report = _report(run_folder, with_inference(make_records(THREE_BY_THREE)))
    assert [c.key for c in report.inference] == [
        f"{d}/{e}" for d in ["d1", "d2", "d3"] for e in "abc"
    ]
    assert all(c.run == "r1" and c.n_jobs == 1 for c in report.inference)
    plain = _report(run_folder, make_records(THREE_BY_THREE), name="plain")
    assert plain.inference == []


# --------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------


def test_format_rate_units():
    assert format_rate(0.5) == "0.5 rows/s"
    assert format_rate(950) == "950 rows/s"
    assert format_rate(12_345) == "12.3k rows/s"
    assert format_rate(999_960) == "1M rows/s"  # not "1e+03k"
    assert format_rate(2.5e6) == "2.5M rows/s"
    assert format_rate(3.2e9) == "3.2G rows/s"
    assert format_rate(None) == format_rate(float("nan")) == "-"


def test_table_units_and_labels(run_folder):
    latency = {"a": 2.5, "b": 2e-3, "c": 4e-6}  # s, ms and µs at batch 1
    report = _report(run_folder, with_inference(make_records(THREE_BY_THREE), latency))
    assert inference_columns(report) == [
        "dataset",
        "estimator",
        "method",
        "device",
        "p50 latency (batch 1)",
        "p99 latency (batch 1)",
        "throughput (batch 1,024)",
        "jobs",
    ]
    rows = {(r[0], r[1]): r for r in inference_rows(report)}
    assert len(rows) == 9
    # batch 1: base * (1 + 1/32); p99 twice that; batch 1024: 1024 / (base * 33)
    assert rows[("d1", "a")][4:] == ["2.58 s", "5.16 s", "12.4 rows/s", "1"]
    assert rows[("d1", "b")][4:] == ["2.06 ms", "4.12 ms", "15.5k rows/s", "1"]
    assert rows[("d1", "c")][4:] == ["4.12 µs", "8.25 µs", "7.76M rows/s", "1"]
    assert rows[("d1", "c")][2:4] == ["predict", "cpu"]
    assert [r[0] for r in inference_rows(report)] == ["d1"] * 3 + ["d2"] * 3 + ["d3"] * 3


def test_table_names_the_batch_size_when_cases_differ(run_folder):
    records = make_records({("d1", "a"): [0.9], ("d1", "b"): [0.8]})
    records[0].inference = [entry(1, 1e-3), entry(256, 2e-3)]
    records[1].inference = [
        entry(32, 1e-4, replacement=True, device="cuda:0", device_resident=True),
        entry(4096, 1e-2, method="predict_proba"),
    ]
    report = _report(run_folder, records)
    cols = inference_columns(report)
    assert cols[4:7] == [
        "p50 latency (smallest batch)",
        "p99 latency (smallest batch)",
        "throughput (largest batch)",
    ]
    a, b = inference_rows(report)
    assert a[4:7] == ["1 ms (batch 1)", "2 ms (batch 1)", "128k rows/s (batch 256)"]
    assert b[4:7] == ["100 µs (batch 32) †", "200 µs (batch 32) †", "410k rows/s (batch 4,096)"]
    assert b[2:4] == ["predict, predict_proba", "cuda:0 (resident), cpu"]
    md = report_markdown(report)
    assert REPLACEMENT_NOTE in md and INFERENCE_NOTE in md


def test_batch_sizes_are_written_alike_in_headers_cells_and_the_front(run_folder):
    # the throughput header and the cells wrote "batch 4,096"; the latency headers and the
    # Pareto line wrote "batch 2048" for the same kind of number
    records = with_inference(make_records(THREE_BY_THREE), sizes=(2048, 4096))
    report = _report(run_folder, records)
    assert inference_columns(report)[4:7] == [
        "p50 latency (batch 2,048)",
        "p99 latency (batch 2,048)",
        "throughput (batch 4,096)",
    ]
    assert all(" at batch 2,048: " in text for _, text in pareto_lines(report))


# --------------------------------------------------------------------------------------
# every format
# --------------------------------------------------------------------------------------


def _md_tables(markdown: str) -> list[list[str]]:
    blocks, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks + ([current] if current else [])


def test_markdown_has_the_table_and_the_pareto_front(run_folder):
    records = with_inference(make_records(THREE_BY_THREE))
    for r in records:  # on d1, b is slower than a at batch 1 (and worse): off the front
        if r.dataset == "d1" and r.estimator == "b" and r.inference:
            r.inference = [entry(s, 5e-3 * s) for s in (1, 32, 1024)]
    md = report_markdown(_report(run_folder, records))
    tables = _md_tables(md)
    assert len(tables) == 4  # best, accuracy, cost, inference
    inference = tables[3]
    assert inference[0].startswith(
        "| dataset | estimator | method | device | p50 latency (batch 1)"
    )
    assert re.fullmatch(r"\|( ?-{3,}:? ?\|)+", inference[1].replace(" ", ""))
    assert len(inference) == 2 + 9
    assert "### Inference: latency per call and throughput" in md
    assert f"<sub>{INFERENCE_NOTE}</sub>" in md
    assert REPLACEMENT_NOTE not in md  # no batch drawn with replacement
    front = [line for line in md.splitlines() if line.startswith("- **d")]
    assert front == [
        "- **d1**: accuracy vs p50 latency at batch 1: c (0.710, 10.3 µs), a (0.920, 2.06 ms)",
        "- **d2**: accuracy vs p50 latency at batch 1: c (0.620, 10.3 µs), b (0.720, 51.6 µs),"
        " a (0.800, 2.06 ms)",
        "- **d3**: accuracy vs p50 latency at batch 1: c (0.550, 10.3 µs), b (0.960, 51.6 µs),"
        " a (0.980, 2.06 ms)",
    ]


def test_pareto_uses_the_report_metric_and_its_direction(run_folder):
    # rmse: lower is better; b is both faster and better than a: a is off the front
    records = make_records({("d1", "a"): [3.0, 3.2], ("d1", "b"): [1.0, 1.2]}, metric="rmse")
    records = with_inference(records, {"a": 1e-3, "b": 1e-4})
    report = _report(run_folder, records)
    assert pareto_lines(report) == [("d1", "rmse vs p50 latency at batch 1: b (1.100, 103 µs)")]


def test_terminal_prints_grid_point_labels_as_they_are():
    # rich read "rf[max_depth=3]" as markup: the row said "rf"
    from benchsuite.report._inference import BatchInference, CaseInference, InferenceView
    from benchsuite.report.terminal import print_inference

    batch = BatchInference(1, "predict", "cpu", 1, 1e-3, 2e-3, 1000.0)
    case = CaseInference("", "iris/rf[max_depth=3]", "iris", "rf[max_depth=3]", [batch])
    console = Console(width=220, record=True)
    print_inference(console, InferenceView([case]))
    assert "rf[max_depth=3]" in console.export_text()


def test_terminal_shows_the_table_and_how_it_was_measured(run_folder):
    report = _report(run_folder, with_inference(make_records(THREE_BY_THREE)))
    console = Console(width=220, record=True)
    print_report(console, report)
    text = console.export_text()
    assert "inference (median over measured jobs): latency per call · throughput" in text
    assert "p50 latency (batch 1)" in text and "throughput (batch 1,024)" in text
    assert "2.06 ms" in text and "rows/s" in text
    assert " ".join(INFERENCE_NOTE.split()) in " ".join(text.split())
    # after the cost table, before the notes of the whole report
    assert (
        text.index("cost (mean over folds)") < text.index("inference (") < text.index("avg rank:")
    )


def test_html_has_the_section_table_and_two_plots(run_folder):
    report = _report(run_folder, with_inference(make_records(THREE_BY_THREE)))
    html = report_html(report)
    assert '<a href="#inference">Inference</a>' in html
    section = html[html.index('<section id="inference">') :]
    section = section[: section.index("</section>")]
    assert "<th scope=col" in section and "p50 latency (batch 1)" in section
    assert section.count("<tr>") == 1 + 9
    assert section.count("<svg") == 2
    assert 'aria-label="inference latency against batch size per dataset"' in section
    assert 'aria-label="score against batch-1 inference latency per dataset' in section
    assert "<li><b>d1</b>: accuracy vs p50 latency at batch 1: c (0.710" in section
    # still self-contained: no script, no external resource
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert html.count("<svg") == 3 + 2  # pareto, scores, CD (no loss curve) + the two above
    assert report_html(report) == html  # deterministic: the same records, the same page


def test_several_runs_one_without_inference(run_folder):
    a = run_folder("a", make_records(THREE_BY_THREE, run_id="base"))
    b = run_folder("b", with_inference(make_records(THREE_BY_THREE, run_id="new")))
    report = build_report(load_report_runs([a, b]))
    assert inference_columns(report)[0] == "run"
    assert {row[0] for row in inference_rows(report)} == {"new"}
    md = report_markdown(report)
    assert "- **d1 (run new)**: accuracy vs p50 latency at batch 1" in md
    assert "(run base)" not in md


# --------------------------------------------------------------------------------------
# the plots
# --------------------------------------------------------------------------------------


def test_latency_plot_is_log_log_with_one_line_per_estimator(run_folder):
    records = with_inference(make_records(THREE_BY_THREE), {"a": 1e-3, "b": 1e-4})  # c: none
    report = _report(run_folder, records)
    colors = _plots.estimator_colors(["a", "b", "c"])
    fig = _plots.latency_figure(report, colors)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["d1", "d2", "d3"]
    for ax in axes:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        lines = ax.get_lines()
        assert [ln.get_label() for ln in lines] == ["a", "b"]
        assert list(lines[0].get_xdata()) == [1, 32, 1024]
        assert lines[0].get_color() == colors["a"]  # the estimator's color in every plot
        assert len(ax.collections) == 2  # a p99 band per line
    svg = _plots.latency_svg(report, colors)
    assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")


def test_score_latency_plot_draws_and_names_the_front(run_folder):
    records = with_inference(make_records(THREE_BY_THREE))
    for r in records:  # on d1, b is slower than a (and worse): not named
        if r.dataset == "d1" and r.estimator == "b" and r.inference:
            r.inference = [entry(s, 5e-3 * s) for s in (1, 32, 1024)]
    report = _report(run_folder, records)
    fig = _plots.inference_pareto_figure(report, _plots.estimator_colors(["a", "b", "c"]))
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["d1", "d2", "d3"]
    names = [sorted(t.get_text() for t in ax.texts) for ax in axes]
    assert names == [["a", "c"], ["a", "b", "c"], ["a", "b", "c"]]
    for ax in axes:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
        assert ax.get_xlabel() == "p50 latency at batch 1 (s, log)"
        assert ax.get_ylabel() == "accuracy (higher is better)"
        assert len(ax.collections) == 3  # one point per estimator
    (step,) = axes[0].get_lines()  # the front: c then a
    assert list(step.get_xdata()) == pytest.approx([1e-5 * 33 / 32, 2e-3 * 33 / 32])


# --------------------------------------------------------------------------------------
# the Pareto front
# --------------------------------------------------------------------------------------


def _dominated(i: int, points, greater: bool) -> bool:
    sign = 1 if greater else -1
    ci, si = points[i][0], sign * points[i][1]
    return any(
        c <= ci and sign * s >= si and (c < ci or sign * s > si)
        for j, (c, s) in enumerate(points)
        if j != i
    )


@pytest.mark.parametrize(
    ("points", "greater", "front"),
    [
        ([], True, []),
        ([(5.0, 0.1)], True, [0]),  # a single point is its own front
        ([(1.0, 0.5), (2.0, 0.7), (3.0, 0.6), (0.5, 0.4)], True, [3, 0, 1]),
        ([(1.0, 0.5), (1.0, 0.7)], True, [1]),  # same latency: the better score
        ([(1.0, 0.7), (2.0, 0.7)], True, [0]),  # same score: the faster
        ([(1.0, 0.7), (1.0, 0.7), (2.0, 0.9)], True, [0, 1, 2]),  # equal points: both
        ([(1.0, 0.9), (2.0, 0.5), (2.0, 0.5)], True, [0]),  # equal but dominated: neither
        ([(1.0, 10.0), (2.0, 5.0), (3.0, 7.0)], False, [0, 1]),  # lower is better (rmse)
    ],
)
def test_pareto_front_by_hand(points, greater, front):
    assert pareto_indices(points, greater_is_better=greater) == front


def test_pareto_front_is_exactly_the_non_dominated_points():
    rng = random.Random(0)
    for _ in range(300):
        # few distinct values: ties on latency, on score and on both are common
        points = [(rng.choice([1, 2, 3, 4]), rng.choice([0.1, 0.2, 0.3])) for _ in range(6)]
        for greater in (True, False):
            front = pareto_indices(points, greater_is_better=greater)
            expected = [i for i in range(len(points)) if not _dominated(i, points, greater)]
            assert sorted(front) == expected, points
            assert [points[i][0] for i in front] == sorted(points[i][0] for i in front)


# --------------------------------------------------------------------------------------
# runs without inference: nothing changes
# --------------------------------------------------------------------------------------


def _no_svg(html: str) -> str:
    # the plots' SVG depends on the matplotlib version; everything around it must not
    return re.sub(r"<svg .*?</svg>", "<svg/>", html, flags=re.S)


@pytest.mark.parametrize("empty", [None, []])
def test_reports_without_inference_are_unchanged(run_folder, empty):
    """The three reports of a run without inference equal, byte for byte, what the code
    before inference reporting made of the same records (``golden/no_inference.*``,
    written by it; the plots' SVG elements stand as ``<svg/>``)."""
    records = golden_records()
    for r in records:
        r.inference = empty
    out = render_all(run_folder("r", records))
    for ext in ("txt", "md", "html"):
        golden = (GOLDEN / f"no_inference.{ext}").read_text(encoding="utf-8")
        got = _no_svg(out[ext]) if ext == "html" else out[ext]
        assert got == golden, ext
    assert out["html"].count("<svg") == 4

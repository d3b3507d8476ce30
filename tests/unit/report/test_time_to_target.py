"""Time to target in reports: median over the jobs that reached it, "not reached (n of m)"."""

from __future__ import annotations

import dataclasses
import io

import pytest
from report_helpers import make_records
from rich.console import Console

from benchsuite.report._model import build_report, load_report_runs
from benchsuite.report._summary import summarize
from benchsuite.report.html import report_html
from benchsuite.report.markdown import report_markdown
from benchsuite.report.terminal import print_report
from benchsuite.results import Record

TARGET = {"accuracy": 0.9}


def _records() -> list[Record]:
    """d/mlp: 3 jobs with a target, 2 reached (4 s at epoch 2, 6 s at epoch 3), 1 not;
    d/knn: no target."""
    recs = make_records({("d", "mlp"): [0.95, 0.93, 0.85], ("d", "knn"): [0.9, 0.9, 0.9]})
    for rec, (tts, epoch) in zip(recs[:3], [(4.0, 2), (6.0, 3), (None, None)], strict=True):
        rec.target, rec.time_to_target_s, rec.target_epoch = dict(TARGET), tts, epoch
    return recs


def test_summary_takes_the_median_of_the_jobs_that_reached_and_counts_the_others():
    mlp, knn = summarize(_records())
    assert mlp.target == TARGET
    assert mlp.time_to_target is not None and mlp.time_to_target.median == 5.0
    assert mlp.target_epoch is not None and mlp.target_epoch.median == 2.5
    assert (mlp.n_target_reached, mlp.n_target_jobs, mlp.n_target_missed) == (2, 3, 1)
    assert knn.target is None and knn.time_to_target is None and knn.n_target_jobs == 0


def test_summary_reads_older_records_by_their_warning():
    """Records written before the ``target`` field: a miss is known by its warning."""
    recs = _records()[:3]
    for rec in recs:
        rec.target = None
    recs[2].warnings = ["target accuracy 0.9 not reached in 4 epochs"]
    (mlp,) = summarize(Record.from_dict(dataclasses.asdict(r)) for r in recs)
    assert (mlp.n_target_reached, mlp.n_target_jobs) == (2, 3)
    assert mlp.target == TARGET


def test_markdown_report_shows_the_median_and_not_reached(run_folder):
    report = build_report(load_report_runs([run_folder("r", _records())]))
    md = report_markdown(report)
    assert "### Time to target" in md
    assert "| d/mlp | accuracy ≥ 0.900 | 5 s | 2.5 | not reached (1 of 3) |" in md
    assert "d/knn" not in md.split("### Time to target")[1].split("<sub>")[0]
    assert "outside that clock" in md  # what the clock holds is said under the table


def test_every_format_shows_it_and_none_without_a_target(run_folder):
    report = build_report(load_report_runs([run_folder("r", _records())]))
    html = report_html(report)
    assert 'id="target"' in html and "not reached (1 of 3)" in html
    out = io.StringIO()
    print_report(Console(file=out, width=200), report)
    assert "time to target" in out.getvalue() and "not reached (1 of 3)" in out.getvalue()

    plain = build_report(load_report_runs([run_folder("p", make_records({("d", "knn"): [0.9]}))]))
    assert "Time to target" not in report_markdown(plain)
    assert 'id="target"' not in report_html(plain)


@pytest.mark.parametrize(
    ("times", "row"),
    [
        ([2.0, 3.0], "| d/mlp | accuracy ≥ 0.900 | 2.5 s | 2 | all 2 reached |"),
        (
            [None, None, None],
            "| d/mlp | accuracy ≥ 0.900 | not reached | - | not reached (3 of 3) |",
        ),
    ],
)
def test_all_reached_or_none_reached(run_folder, times, row):
    recs = make_records({("d", "mlp"): [0.9] * len(times)})
    for rec, tts in zip(recs, times, strict=True):
        rec.target, rec.time_to_target_s = dict(TARGET), tts
        rec.target_epoch = None if tts is None else 2
    md = report_markdown(build_report(load_report_runs([run_folder("r", recs)])))
    assert row in md


def test_a_tiny_torch_suite_records_and_reports_reached_and_not_reached(tmp_path):
    """iris x torch.mlp on the CPU, 3 folds of 2 epochs: accuracy 0.0 is reached at the
    first epoch by every job; 1.01 by none, and its records say so (target set, no time)."""
    from benchsuite.executors import run_plan
    from benchsuite.plan import build_plan
    from benchsuite.suite import parse_suite

    text = (
        "name: ttt\nseed: 1\ndefaults: {evaluation: {cv: 3}, target: {accuracy: TARGET},"
        " device: cpu}\ndatasets: [iris]\n"
        "estimators: [{name: mlp, model: torch.mlp, params: {epochs: 2, threads: 1}}, knn]\n"
    )
    folders = []
    for target, run_id in (("0.0", "reached"), ("1.01", "missed")):
        suite = parse_suite(text.replace("TARGET", target), source="t.yaml", base_dir=tmp_path)
        result = run_plan(build_plan(suite), output=tmp_path, run_id=run_id)
        mlp = [r for r in result.records if r.estimator == "mlp"]
        knn = [r for r in result.records if r.estimator == "knn"]
        assert len(mlp) == 3 and all(r.status == "ok" for r in result.records)
        for r in mlp:
            assert r.target == {"accuracy": float(target)}
            assert r.epochs_run == 2 and r.first_epoch_s > 0 and r.time_per_epoch_s > 0
            if run_id == "reached":
                assert r.target_epoch == 1 and 0 < r.time_to_target_s <= r.fit_time_s
            else:
                assert r.time_to_target_s is None and r.target_epoch is None
        assert all(r.target is None for r in knn)  # not a deep model: never watched
        folders.append(result.path)
    md = report_markdown(build_report(load_report_runs(folders)))
    rows = [line for line in md.splitlines() if line.startswith("| reached |")]
    rows += [line for line in md.splitlines() if line.startswith("| missed |")]
    target_rows = [line for line in rows if "accuracy ≥" in line]
    assert len(target_rows) == 2  # the mlp of each run; knn has no row
    assert target_rows[0].endswith("| 1 | all 3 reached |")
    assert target_rows[1].endswith("| not reached | - | not reached (3 of 3) |")

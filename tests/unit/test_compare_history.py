"""compare from history (``--baseline-from``) and power said out loud (issue 16): which run
is taken as the baseline, another machine's timings not gating, every bad input, the
``unconfirmed`` timing verdicts, and the suite-design warning of ``validate`` and ``run``."""

from __future__ import annotations

import json

import pytest
from scipy import stats

from benchsuite._compare_stats import mwu_min_p
from benchsuite.cli import main
from benchsuite.compare import compare_records
from benchsuite.report import comparison_markdown, print_comparison
from benchsuite.report._compare import cells
from benchsuite.results import Record
from benchsuite.runs import RunStore

SCORES = [0.96, 0.94, 0.97, 0.95, 0.96]


def records(
    key: str = "iris/svc",
    *,
    folds: int = 5,
    fit: float = 0.010,
    drop: float = 0.0,
    suite: str = "s",
    run_id: str = "r",
) -> list[Record]:
    """One case, one record per fold: ``SCORES`` minus ``drop``, fit times around ``fit``
    (a small spread, so that Mann-Whitney U has no ties)."""
    dataset, estimator = key.split("/", 1)
    return [
        Record(
            run_id=run_id,
            suite=suite,
            dataset=dataset,
            estimator=estimator,
            case_key=key,
            status="ok",
            config_hash="h1",
            dataset_fingerprint="fp",
            fold=fold,
            n_folds=folds,
            repeat=0,
            n_train=120,
            n_test=30,
            metrics={"accuracy": SCORES[fold % 5] - drop},
            fit_time_s=fit * (1 + 0.01 * fold),
            predict_time_s=0.001,
            peak_rss_mb=100.0,
        )
        for fold in range(folds)
    ]


def write_run(
    root,
    run_id: str,
    started: str,
    *,
    suite: str = "s",
    machine: str = "m1",
    branch: str | None = "main",
    status: str = "completed",
    **kw,
):
    """A run folder written by hand: ``run.json`` (machine, git sha and branch, start time,
    status) and ``records.jsonl``."""
    git = {"sha": f"{run_id}0000000000", "dirty": False}
    if branch is not None:
        git["branch"] = branch
    store = RunStore(root, suite, run_id).open({"machine": machine, "environment": {"git": git}})
    store.info["started_at"] = started
    for r in records(suite=suite, run_id=run_id, **kw):
        store.append(r)
    store.close(status)
    return store.path


@pytest.fixture
def history(tmp_path):
    """A history of suite ``s``; ``r2`` is the baseline of ``cur`` on m1 and branch main."""
    h = tmp_path / "history"
    write_run(h, "r1", "2024-01-01T00:00:00")
    write_run(h, "r2", "2024-03-01T00:00:00")
    write_run(h, "r3", "2024-04-01T00:00:00", status="interrupted")  # never a baseline
    write_run(h, "r4", "2024-05-01T00:00:00", machine="m2", fit=0.005)
    write_run(h, "r5", "2024-06-01T00:00:00", branch="dev")
    write_run(h, "r6", "2024-07-01T00:00:00", suite="other")
    # the current run lies in the history too (CI writes it there): never its own baseline
    cur = write_run(h, "cur", "2024-08-01T00:00:00", branch="main", status="completed")
    return h, cur


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------------------
# which baseline
# --------------------------------------------------------------------------------------


def test_baseline_from_takes_the_latest_completed_run_of_the_suite_machine_and_branch(
    history, capsys
):
    h, cur = history
    code, out, err = run_cli(
        capsys, "compare", "--baseline-from", h, "--branch", "main", cur, "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    # r3 is later but interrupted, r4 another machine, r5 another branch, r6 another suite
    assert data["base"]["run_id"] == "r2" and data["current"]["run_id"] == "cur"
    chosen = data["baseline_from"]
    assert chosen["path"] == str(h / "s" / "r2") and chosen["run_id"] == "r2"
    assert chosen["machine"] == "m1" and chosen["branch"] == "main"
    assert chosen["cross_machine"] is False and err == ""
    assert data["options"]["fail_on"] == ["metric", "failure"]

    # without --branch the latest completed run on m1 is dev's r5; the table names it in one
    # line before the table: path, run id, start time, commit
    code, out, _ = run_cli(capsys, "compare", "--baseline-from", h, cur)
    assert code == 0
    line = next(x for x in out.splitlines() if "baseline from history" in x)
    assert str(h / "s" / "r5") in line and "run r5" in line
    assert "started 2024-06-01T00:00:00" in line and "git r500000000" in line
    assert "machine 'm1'" in line
    assert out.index("baseline from history") < out.index("comparison (")

    # Markdown carries it too
    code, out, _ = run_cli(capsys, "compare", "--baseline-from", h, cur, "--format", "markdown")
    assert "baseline from history: the latest completed run of suite 's' on machine 'm1'" in out
    assert str(h / "s" / "r5") in out


def test_a_metric_drop_against_the_history_gates(history, capsys):
    h, _ = history
    worse = write_run(h, "c2", "2024-09-01T00:00:00", drop=0.03)
    code, out, _ = run_cli(capsys, "compare", "--baseline-from", h, worse)
    assert code == 1 and "worse-metric" in out and "run cur" in out  # cur is now the latest


def test_another_machine_warns_once_and_does_not_gate_on_time_or_memory(history, capsys):
    h, _ = history
    # twice as slow as m2's r4 on 5 vs 5 folds, and 3 points of accuracy lost
    slow = write_run(h, "c3", "2024-09-01T00:00:00", fit=0.010, drop=0.03)
    code, out, err = run_cli(
        capsys, "compare", "--baseline-from", h, "--machine", "m2", slow,
        "--fail-on", "metric,failure,time,memory", "--format", "json",
    )  # fmt: skip
    assert err.count("\n") == 1 and err.startswith("warning: baseline measured on machine 'm2'")
    assert "not comparable across machines" in err and "do not gate" in err
    data = json.loads(out)
    assert data["base"]["run_id"] == "r4" and data["baseline_from"]["cross_machine"] is True
    assert data["options"]["fail_on"] == ["metric", "failure"]
    v = data["verdicts"][0]
    assert set(v["flags"]) == {"worse-metric", "slower"}  # still reported
    assert code == 1  # the metric still gates

    # the same slowdown without the metric drop: reported, not gating
    slow_only = write_run(h, "c4", "2024-09-02T00:00:00", fit=0.010)
    code, out, err = run_cli(
        capsys, "compare", "--baseline-from", h, "--machine", "m2", slow_only, "--fail-on", "time"
    )
    assert code == 0 and "slower" in out and "no gating regression" in out
    assert "warning:" in err
    # on the same machine a confirmed slowdown gates with --fail-on time
    fast = write_run(h, "c5", "2024-09-03T00:00:00", machine="m2", fit=0.005)
    code, _, err = run_cli(capsys, "compare", "--baseline-from", h, slow_only, "--fail-on", "time")
    assert code == 0 and err == ""  # m1's latest (cur) has the same fit times
    code, _, err = run_cli(
        capsys, "compare", "--baseline-from", h, "--machine", "m2", fast, "--fail-on", "time"
    )
    assert code == 0 and err == ""  # m2 is fast's own machine: no warning


def test_a_confirmed_slowdown_on_the_same_machine_gates_with_fail_on_time(history, capsys):
    h, _ = history
    slow = write_run(h, "c6", "2024-09-01T00:00:00", fit=0.030)
    code, out, err = run_cli(capsys, "compare", "--baseline-from", h, slow, "--fail-on", "time")
    assert code == 1 and err == ""
    assert "slower (gating)" in out and "unconfirmed" not in out


# --------------------------------------------------------------------------------------
# bad input: one line, exit 2, nothing written
# --------------------------------------------------------------------------------------


def _one_error(capsys, *args, expect: str) -> str:
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and out == "", err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    assert expect in err, err
    return err


def test_bad_input_is_one_line_exit_2_and_writes_nothing(history, tmp_path, capsys):
    h, cur = history
    target = tmp_path / "out.json"
    target.write_text("keep")
    o = ("-o", target, "--format", "json")
    _one_error(capsys, "compare", "--baseline-from", tmp_path / "nope", cur, *o,
               expect="no such folder")  # fmt: skip
    (tmp_path / "empty").mkdir()
    _one_error(capsys, "compare", "--baseline-from", tmp_path / "empty", cur, *o,
               expect="no run found")  # fmt: skip
    err = _one_error(
        capsys, "compare", "--baseline-from", h, "--machine", "m9", cur, *o,
        expect="no completed run of suite 's' on machine 'm9'",
    )  # fmt: skip
    assert "machines with completed runs of it: m1 (3 runs), m2 (1 run)" in err
    err = _one_error(
        capsys, "compare", "--baseline-from", h, "--branch", "release", cur, *o,
        expect="on machine 'm1' on branch 'release'",
    )  # fmt: skip
    assert "m1 on branches dev, main; m2 on branch main" in err  # and their branches
    # only interrupted runs, or only the current run itself
    lone = tmp_path / "lone"
    write_run(lone, "x1", "2024-01-01T00:00:00", status="interrupted")
    only = write_run(lone, "x2", "2024-02-01T00:00:00")
    _one_error(capsys, "compare", "--baseline-from", lone, only, *o,
               expect="no completed run of suite 's' other than the current run")  # fmt: skip
    _one_error(capsys, "compare", "--baseline-from", h, h / "s" / "r1", cur, *o,
               expect="not both")  # fmt: skip
    _one_error(capsys, "compare", cur, *o, expect="no baseline")
    _one_error(capsys, "compare", "--machine", "m1", h / "s" / "r1", cur, *o,
               expect="--machine chooses a baseline in --baseline-from")  # fmt: skip
    assert target.read_text() == "keep"


# --------------------------------------------------------------------------------------
# power, said out loud
# --------------------------------------------------------------------------------------


def test_smallest_p_value_is_that_of_the_exact_test():
    for n1, n2 in ((2, 2), (3, 3), (3, 4), (4, 4), (5, 5), (2, 8)):
        apart = stats.mannwhitneyu(
            list(range(n1)), list(range(100, 100 + n2)), method="exact"
        ).pvalue
        assert mwu_min_p(n1, n2) == pytest.approx(apart)
    assert mwu_min_p(3, 3) == pytest.approx(0.1) and mwu_min_p(1, 1) == 1.0
    assert mwu_min_p(4, 4) < 0.05 <= mwu_min_p(3, 4)
    assert mwu_min_p(1, 5) == 1.0  # one sample on a side: no test at all


def test_a_tripled_fit_time_on_three_folds_is_unconfirmed_slower_never_ok():
    c = compare_records(records(folds=3), records(folds=3, fit=0.030), fail_on="time")
    v = c.verdicts[0]
    t = v.time("fit")
    assert t.p_value == pytest.approx(0.1) and t.min_p_value == pytest.approx(0.1)
    assert v.verdict == "slower" and t.change == "slower" and not t.confirmed
    assert not v.confirmed and v.unconfirmed == {"slower": "3 vs 3 samples"}
    # unconfirmed never gates, even with --fail-on time
    assert not v.gating and c.exit_code == 0
    row = cells(v)
    assert row["verdict"] == "slower (fit ×3.00, unconfirmed: 3 vs 3 samples)"
    assert "unconfirmed: 3 vs 3 samples" in " ".join(v.reasons)
    md = comparison_markdown(c)
    assert "| slower (fit ×3.00, unconfirmed: 3 vs 3 samples) | `iris/svc` |" in md
    assert "1 slower (1 unconfirmed)" in md and "no gating regression" in md
    assert "1 case has unconfirmed timing verdicts: with 3 vs 3 samples Mann-Whitney U" in md
    assert "cannot go below p = 0.10 (alpha 0.05)" in md and "do not gate" in md
    data = json.loads(json.dumps(c.to_dict(), allow_nan=False))["verdicts"][0]
    assert data["verdict"] == "slower" and data["confirmed"] is False  # the name is unchanged
    assert data["times"][0]["confirmed"] is False and data["gating"] is False

    from rich.console import Console

    console = Console(record=True, width=200)
    print_comparison(console, c)
    text = console.export_text()
    assert "unconfirmed: 3 vs 3" in text and "1 slower (1 unconfirmed)" in text

    # a faster one is unconfirmed too; within the factor it stays ok
    v = compare_records(records(folds=3, fit=0.030), records(folds=3)).verdicts[0]
    assert v.verdict == "faster" and v.unconfirmed == {"faster": "3 vs 3 samples"}
    v = compare_records(records(folds=3), records(folds=3, fit=0.0105)).verdicts[0]
    assert v.verdict == "ok" and v.confirmed and not v.unconfirmed


def test_a_big_change_on_five_folds_is_confirmed_and_gates_with_fail_on_time():
    c = compare_records(records(), records(fit=0.030), fail_on="time")
    v = c.verdicts[0]
    assert v.verdict == "slower" and v.confirmed and v.time("fit").confirmed
    assert v.time("fit").p_value < 0.05 and v.gating and c.exit_code == 1
    assert cells(v)["verdict"] == "slower (fit ×3.00, gating)"
    assert "unconfirmed" not in comparison_markdown(c)
    # four folds a side reach p = 0.029 < 0.05: a confirmed verdict
    v = compare_records(records(folds=4), records(folds=4, fit=0.030)).verdicts[0]
    assert v.verdict == "slower" and v.confirmed


def test_a_holdout_is_one_sample_a_side_unconfirmed_while_the_metric_tolerance_decides():
    c = compare_records(
        records(folds=1), records(folds=1, fit=0.030, drop=0.02), fail_on="metric,time"
    )
    v = c.verdicts[0]
    assert v.verdict == "worse-metric" and v.gating  # no test: the tolerance alone, as before
    assert set(v.flags) == {"worse-metric", "slower"} and v.unconfirmed == {
        "slower": "1 vs 1 samples"
    }
    row = cells(v)
    assert row["p (time)"] == "n=1"
    assert row["note"].startswith("slower (fit ×3.00, unconfirmed: 1 vs 1 samples)")
    assert "with 1 vs 1 samples there is no test" in comparison_markdown(c)
    # the slowdown alone: unconfirmed, not gating
    c = compare_records(records(folds=1), records(folds=1, fit=0.030), fail_on="time")
    assert c.verdicts[0].verdict == "slower" and c.exit_code == 0


# --------------------------------------------------------------------------------------
# validate and run warn when the design gives the timing test no chance
# --------------------------------------------------------------------------------------

SUITE = """
name: tiny
seed: 0
defaults: {{evaluation: {evaluation}, metrics: [accuracy]{more}}}
datasets: [iris]
estimators: [logreg, knn]
"""


@pytest.mark.parametrize(
    ("evaluation", "more", "warning"),
    [
        (
            "{cv: 3}",
            "",
            "warning: with cv: 3 and repeats: 1, compare cannot confirm a timing change"
            " (3 vs 3 samples: smallest p = 0.10 >= alpha 0.05); use cv >= 4, repeats >= 2,"
            " or benchsuite history\n",
        ),
        (
            "{holdout: 0.2}",
            "",
            "warning: with holdout: 0.2 and repeats: 1, compare cannot confirm a timing change"
            " (1 vs 1 sample: no test possible); use cv, repeats >= 4, or benchsuite history\n",
        ),
        ("{cv: 5}", "", ""),
        ("{cv: 4}", "", ""),
        ("{cv: 3}", ", repeats: 2", ""),
    ],
)
def test_validate_warns_once_when_the_design_cannot_confirm_a_timing_change(
    write_suite, capsys, evaluation, more, warning
):
    path = write_suite(SUITE.format(evaluation=evaluation, more=more))
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: ok") and err == warning


def test_validate_names_the_weakest_design_of_a_mixed_suite(write_suite, capsys):
    path = write_suite(
        "name: mixed\ndefaults: {evaluation: {cv: 5}}\n"
        "datasets: [iris, {name: wine, evaluation: {cv: 2}}]\nestimators: [logreg]\n"
    )
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("warning: with cv: 2 and repeats: 1 (1 of 2 cases),") and "2 vs 2" in err


def test_run_warns_too_unless_quiet(write_suite, tmp_path, capsys):
    path = write_suite(SUITE.format(evaluation="{holdout: 0.2}", more=""))
    assert main(["run", str(path), "-o", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "compare cannot confirm a timing change (1 vs 1 sample" in err
    assert main(["run", str(path), "-o", str(tmp_path / "b"), "-q"]) == 0
    assert "cannot confirm" not in capsys.readouterr().err
    five = write_suite(SUITE.format(evaluation="{cv: 5}", more=""), name="five")
    assert main(["run", str(five), "-o", str(tmp_path / "c")]) == 0
    assert "cannot confirm" not in capsys.readouterr().err


def test_run_baseline_from_bad_input_fails_before_running(write_suite, history, tmp_path, capsys):
    h, _ = history
    path = write_suite(SUITE.format(evaluation="{cv: 5}", more=""))
    out = tmp_path / "out"
    for args, expect in (
        (["--compare", str(h), "--baseline-from", str(h)], "not both"),
        (["--baseline-branch", "main"], "--baseline-branch chooses a baseline in --baseline-from"),
        (
            ["--baseline-from", str(h)],
            "no completed run of suite 'tiny'; it holds runs of suites other, s",
        ),
        (["--baseline-from", str(h / "nope")], "no such folder"),
    ):
        assert main(["run", str(path), "-o", str(out), "-q", *args]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and expect in err, err
    assert not out.exists()


def test_one_sample_on_a_side_has_no_test_however_many_on_the_other():
    # 1 vs 40: no Mann-Whitney U runs (p None), so the test cannot confirm anything and a
    # tripled fit time is an unconfirmed "slower", not "ok"
    assert mwu_min_p(1, 40) == 1.0 and mwu_min_p(40, 1) == 1.0
    v = compare_records(records(folds=1), records(folds=40, fit=0.030)).verdicts[0]
    assert v.time("fit").p_value is None
    assert v.verdict == "slower" and v.unconfirmed == {"slower": "1 vs 40 samples"}


def test_a_significant_test_with_ties_is_confirmed_even_below_the_exact_bound():
    # constant times on each side: ties, so the normal approximation runs, and it reaches
    # p = 0.047 on 3 vs 3 where the exact test cannot: the test confirmed the change
    base, cur = records(folds=3), records(folds=3)
    for r in base:
        r.fit_time_s = 0.010
    for r in cur:
        r.fit_time_s = 0.030
    c = compare_records(base, cur, fail_on="time")
    v = c.verdicts[0]
    assert v.time("fit").p_value < 0.05
    assert v.verdict == "slower" and v.confirmed and not v.unconfirmed
    assert v.gating and c.exit_code == 1

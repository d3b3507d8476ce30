"""compare: verdicts, their statistics, rendering, and finding runs on disk."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest
from scipy import stats

from benchsuite.compare import (
    VERDICTS,
    OptionError,
    compare_records,
    compare_runs,
    nadeau_bengio_ttest,
    parse_fail_on,
)
from benchsuite.environment import environment_differences
from benchsuite.errors import BenchsuiteError
from benchsuite.report import comparison_markdown, print_comparison
from benchsuite.results import Record, export_records, read_records
from benchsuite.runs import RunInfo, RunStore, find_runs, load_run, resolve_run

BASE_ACC = [0.96, 0.94, 0.97, 0.95, 0.96]


def case(
    key="iris/svc",
    *,
    scores=BASE_ACC,
    metric="accuracy",
    times=None,
    repeats=1,
    status="ok",
    config_hash="h1",
    fingerprint="fp",
    rss=100.0,
    n_train=120,
    n_test=30,
    run_id="r",
    suite="s",
) -> list[Record]:
    """Records of one case: one per (fold, repeat), ``scores[fold]`` as the metric."""
    dataset, estimator = key.split("/", 1)
    out = []
    times = times if times is not None else [0.010] * (len(scores) * repeats)
    for fold, score in enumerate(scores):
        for rep in range(repeats):
            i = fold * repeats + rep
            st = status[i] if isinstance(status, list) else status
            out.append(
                Record(
                    run_id=run_id,
                    suite=suite,
                    dataset=dataset,
                    estimator=estimator,
                    case_key=key,
                    status=st,
                    error=None if st == "ok" else "ValueError: boom",
                    config_hash=config_hash,
                    dataset_fingerprint=fingerprint,
                    fold=fold,
                    n_folds=len(scores),
                    repeat=rep,
                    n_train=n_train,
                    n_test=n_test,
                    metrics={metric: score} if st == "ok" else {},
                    fit_time_s=times[i] if st == "ok" else None,
                    predict_time_s=0.001 if st == "ok" else None,
                    peak_rss_mb=rss if st == "ok" else None,
                )
            )
    return out


def verdict_of(base, current, **kw):
    comparison = compare_records(base, current, **kw)
    assert len(comparison.verdicts) >= 1
    return comparison, comparison.verdicts[0]


# --------------------------------------------------------------------------------------
# the paired test
# --------------------------------------------------------------------------------------


def test_nadeau_bengio_equals_paired_t_test_without_correction():
    d = [0.01, -0.02, 0.005, 0.03, -0.01]
    t, p = nadeau_bengio_ttest(d, 0.0)
    ref = stats.ttest_rel(np.array(d), np.zeros(5))
    assert t == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue)


def test_nadeau_bengio_correction_widens_the_variance():
    d = [-0.03, -0.01, -0.02, -0.04, 0.0]
    ratio = 30 / 120
    t, p = nadeau_bengio_ttest(d, ratio)
    mean, var = np.mean(d), np.var(d, ddof=1)
    expected_t = mean / math.sqrt((1 / 5 + ratio) * var)
    assert t == pytest.approx(expected_t)
    assert p == pytest.approx(2 * stats.t.sf(abs(expected_t), 4))
    assert p > nadeau_bengio_ttest(d, 0.0)[1]  # more conservative than the naive test


def test_nadeau_bengio_edge_cases():
    assert nadeau_bengio_ttest([0.02], 0.25) == (0.0, None)
    assert nadeau_bengio_ttest([], 0.25) == (0.0, None)
    assert nadeau_bengio_ttest([0.0] * 5, 0.25) == (0.0, 1.0)
    t, p = nadeau_bengio_ttest([-0.02] * 5, 0.25)
    assert t == -math.inf and p == 0.0
    # float noise in "equal" differences is not spread
    noisy = [0.96 - 0.94, 0.97 - 0.95, 0.93 - 0.91, 0.99 - 0.97, 0.95 - 0.93]
    assert nadeau_bengio_ttest(noisy, 0.25)[1] == 0.0


# --------------------------------------------------------------------------------------
# metric verdicts
# --------------------------------------------------------------------------------------


def test_identical_runs_are_ok_and_exit_0():
    c, v = verdict_of(case(), case())
    assert v.verdict == "ok" and not v.gating and c.exit_code == 0
    assert v.metrics[0].delta == 0 and v.metrics[0].p_value == 1.0


def test_a_small_wobble_is_not_a_regression():
    wobble = [-0.004, +0.002, -0.003, 0.0, -0.005]  # mean -0.2 points
    current = [b + w for b, w in zip(BASE_ACC, wobble, strict=True)]
    c, v = verdict_of(case(), case(scores=current))
    assert v.verdict == "ok" and c.exit_code == 0


def test_a_real_two_point_drop_is_a_gating_regression():
    current = [b - 0.02 for b in BASE_ACC]
    c, v = verdict_of(case(), case(scores=current))
    assert v.verdict == "worse-metric" and v.gating and c.exit_code == 1
    m = v.metric("accuracy")
    assert m.delta == pytest.approx(-0.02) and m.p_value < 0.05 and m.change == "worse"


def test_a_noisy_two_point_drop_is_caught_by_the_corrected_test():
    drops = [-0.025, -0.015, -0.02, -0.03, -0.012]
    current = [b + d for b, d in zip(BASE_ACC, drops, strict=True)]
    _, v = verdict_of(case(), case(scores=current))
    assert v.verdict == "worse-metric"
    assert 0.001 < v.metric("accuracy").p_value < 0.05


def test_a_drop_on_one_fold_only_is_not_significant():
    # mean change -2 points, but all of it on one fold: within cross-validation noise
    current = [*BASE_ACC[:4], BASE_ACC[4] - 0.10]
    _, v = verdict_of(case(), case(scores=current))
    m = v.metric("accuracy")
    assert m.delta == pytest.approx(-0.02) and m.p_value > 0.05
    assert v.verdict == "ok"


def test_tolerance_and_alpha_are_honoured():
    current = [b - 0.02 for b in BASE_ACC]
    _, v = verdict_of(case(), case(scores=current), metric_tolerance=0.03)
    assert v.verdict == "ok"
    _, v = verdict_of(case(), case(scores=current), metric_tolerances={"accuracy": 0.03})
    assert v.verdict == "ok"
    drops = [-0.03, -0.01, -0.02, -0.04, 0.0]  # p about 0.13 with the correction
    noisy = [b + d for b, d in zip(BASE_ACC, drops, strict=True)]
    assert verdict_of(case(), case(scores=noisy))[1].verdict == "ok"
    assert verdict_of(case(), case(scores=noisy), alpha=0.2)[1].verdict == "worse-metric"


def test_improvement_is_reported_not_gating():
    current = [b + 0.02 for b in BASE_ACC]
    c, v = verdict_of(case(), case(scores=current))
    assert v.verdict == "improved" and not v.gating and c.exit_code == 0


def test_error_metrics_use_a_relative_tolerance_and_lower_is_better():
    base = [50.0, 52.0, 55.0, 49.0, 51.0]
    up = [x * 1.05 for x in base]  # 5% worse RMSE
    _, v = verdict_of(case(scores=base, metric="rmse"), case(scores=up, metric="rmse"))
    assert v.verdict == "worse-metric"
    assert v.metric("rmse").tolerance == pytest.approx(0.005 * np.mean(base))
    down = [x * 0.95 for x in base]
    _, v = verdict_of(case(scores=base, metric="rmse"), case(scores=down, metric="rmse"))
    assert v.verdict == "improved"
    tiny = [x * 1.002 for x in base]  # 0.2%: within the relative tolerance
    _, v = verdict_of(case(scores=base, metric="rmse"), case(scores=tiny, metric="rmse"))
    assert v.verdict == "ok"


def test_one_split_falls_back_to_the_tolerance():
    _, v = verdict_of(case(scores=[0.95]), case(scores=[0.93]))
    m = v.metric("accuracy")
    assert m.p_value is None and m.test.startswith("none") and v.verdict == "worse-metric"
    _, v = verdict_of(case(scores=[0.95]), case(scores=[0.948]))
    assert v.verdict == "ok"


def test_repeats_are_averaged_per_fold():
    base = case(repeats=2)
    cur = case(repeats=2, scores=[b - 0.02 for b in BASE_ACC])
    _, v = verdict_of(base, cur)
    assert v.metric("accuracy").n_pairs == 5 and v.verdict == "worse-metric"


# --------------------------------------------------------------------------------------
# time and memory
# --------------------------------------------------------------------------------------


def _times(scale, n=10, seed=0):
    rng = np.random.default_rng(seed)
    return list(0.010 * scale * (1 + 0.03 * rng.standard_normal(n)))


def test_a_significant_slowdown_is_slower_and_gates_only_with_fail_on_time():
    base = case(repeats=2, times=_times(1.0))
    cur = case(repeats=2, times=_times(1.5, seed=1))
    c, v = verdict_of(base, cur)
    t = v.time("fit")
    assert v.verdict == "slower" and not v.gating and c.exit_code == 0
    assert t.ratio == pytest.approx(1.5, rel=0.1) and t.p_value < 0.001
    assert t.p_value == pytest.approx(stats.mannwhitneyu(_times(1.0), _times(1.5, seed=1)).pvalue)
    c, v = verdict_of(base, cur, fail_on="metric,failure,time")
    assert v.gating and c.exit_code == 1
    c, v = verdict_of(cur, base)
    assert v.verdict == "faster"


def test_timing_noise_within_the_factor_is_ok():
    base = case(repeats=2, times=_times(1.0))
    cur = case(repeats=2, times=_times(1.05, seed=1))
    assert verdict_of(base, cur)[1].verdict == "ok"
    assert verdict_of(base, cur, time_factor=1.01)[1].verdict == "slower"


def test_a_large_ratio_without_significance_is_not_slower():
    # one slow outlier among ten samples moves the mean, not the median, and is not significant
    times = _times(1.0, seed=2)
    base = case(repeats=2, times=_times(1.0))
    cur = case(repeats=2, times=[*times[:9], 1.0])
    _, v = verdict_of(base, cur)
    assert v.verdict == "ok"
    # two samples per side can never reach p < 0.05 with Mann-Whitney U: a tripled fit time
    # is not "ok" but an unconfirmed "slower" (issue 16), which does not gate
    c, v = verdict_of(
        case(scores=[0.9, 0.9], times=[0.01, 0.011]),
        case(scores=[0.9, 0.9], times=[0.03, 0.031]),
        fail_on="time",
    )
    assert v.time("fit").p_value > 0.05 and v.verdict == "slower"
    assert not v.confirmed and v.unconfirmed == {"slower": "2 vs 2 samples"}
    assert not v.gating and c.exit_code == 0


def test_more_memory():
    c, v = verdict_of(case(rss=100.0), case(rss=200.0))
    assert v.verdict == "more-memory" and not v.gating
    c, v = verdict_of(case(rss=100.0), case(rss=200.0), fail_on=["memory"])
    assert c.exit_code == 1
    assert verdict_of(case(rss=10.0), case(rss=15.0))[1].verdict == "ok"  # < 10 MiB more


# --------------------------------------------------------------------------------------
# failures, new, missing, not comparable
# --------------------------------------------------------------------------------------


def test_failure_introduced_and_fixed():
    broken = case(status=["ok", "ok", "error", "ok", "ok"])
    c, v = verdict_of(case(), broken)
    assert v.verdict == "failure-introduced" and v.gating and c.exit_code == 1
    assert "1/5 jobs error" in v.reasons[0] and v.error == "ValueError: boom"
    c, v = verdict_of(broken, case())
    assert v.verdict == "failure-fixed" and not v.gating
    c, v = verdict_of(broken, broken)
    assert v.verdict == "ok" and "fails in both runs" in v.reasons[0]
    c, _ = verdict_of(case(), broken, fail_on="metric")
    assert c.exit_code == 0


def test_new_missing_and_not_comparable():
    base = case("iris/svc") + case("iris/knn") + case("iris/rf")
    cur = case("iris/svc") + case("iris/knn", config_hash="h2") + case("wine/svc")
    c = compare_records(base, cur)
    by = {v.case_key: v.verdict for v in c.verdicts}
    assert by == {
        "iris/svc": "ok",
        "iris/knn": "not-comparable",
        "iris/rf": "missing",
        "wine/svc": "new",
    }
    assert c.exit_code == 0
    assert compare_records(base, cur, fail_on="missing").exit_code == 1
    assert compare_records(base, cur, fail_on="all").exit_code == 1
    assert compare_records(base, cur, fail_on="none").exit_code == 0


def test_changed_dataset_content_is_not_comparable():
    _, v = verdict_of(case(), case(fingerprint="other"))
    assert v.verdict == "not-comparable" and "dataset" in v.reasons[0]


def test_skipped_cases():
    assert verdict_of(case(status="skipped"), case(status="skipped"))[1].verdict == "ok"
    assert verdict_of(case(), case(status="skipped"))[1].verdict == "not-comparable"
    assert verdict_of(case(status="skipped"), case())[1].verdict == "new"


def test_verdicts_are_sorted_worst_first():
    base = case("a/drop") + case("b/slow", times=_times(1.0, 5)) + case("c/same") + case("d/boom")
    cur = (
        case("a/drop", scores=[b - 0.03 for b in BASE_ACC])
        + case("b/slow", times=_times(2.0, 5))
        + case("c/same")
        + case("d/boom", status="error")
    )
    order = [v.verdict for v in compare_records(base, cur).verdicts]
    assert order == ["failure-introduced", "worse-metric", "slower", "ok"]
    assert all(v in VERDICTS for v in order)


# --------------------------------------------------------------------------------------
# input errors
# --------------------------------------------------------------------------------------


def test_nothing_in_common_is_an_error():
    with pytest.raises(BenchsuiteError, match="no case in common"):
        compare_records(case("iris/svc"), case("wine/knn"))


def test_empty_and_bad_options_are_errors():
    with pytest.raises(BenchsuiteError, match="no records"):
        compare_records([], case())
    with pytest.raises(BenchsuiteError, match="unknown category 'speed'"):
        compare_records(case(), case(), fail_on="metric,speed")
    with pytest.raises(BenchsuiteError, match="time_factor must be a number >= 1"):
        compare_records(case(), case(), time_factor=0.5)
    with pytest.raises(BenchsuiteError, match="alpha"):
        compare_records(case(), case(), alpha=1.5)


def test_option_errors_name_the_parameter_and_can_be_renamed():
    with pytest.raises(OptionError) as err:
        compare_records(case(), case(), memory_factor=0.9)
    assert err.value.parameter == "memory_factor"
    assert str(err.value) == "memory_factor must be a number >= 1, got 0.9"
    # how the CLI words it with its own flag
    assert err.value.renamed("--memory-factor") == "--memory-factor must be a number >= 1, got 0.9"
    with pytest.raises(OptionError) as err:
        parse_fail_on("metric,speed")
    assert err.value.parameter == "fail_on"
    assert err.value.renamed("--fail-on").startswith("--fail-on: unknown category 'speed'")
    assert parse_fail_on("failure, metric,failure") == ("failure", "metric")
    assert parse_fail_on(["all"]) == tuple(parse_fail_on("all")) and parse_fail_on("none") == ()


# --------------------------------------------------------------------------------------
# environment, rendering
# --------------------------------------------------------------------------------------


def _info(cpu="AMD EPYC", numpy="2.0", threads=None, omp=None):
    return {
        "suite": "s",
        "run_id": "r",
        "threads": threads,
        "environment": {
            "cpu": {"model": cpu, "logical_cores": 2, "usable_cores": 2},
            "gpus": [],
            "packages": {"numpy": numpy, "torch": "2.1"},
            "env_threads": {"OMP_NUM_THREADS": omp} if omp else {},
            "python": "3.11",
        },
    }


def test_environment_differences():
    def diff(base, current):
        return environment_differences(RunInfo.from_dict(base), RunInfo.from_dict(current))

    diffs = diff(_info(), _info(cpu="Intel Xeon", numpy="2.1", threads=1))
    assert {d.what: (d.base, d.current) for d in diffs} == {
        "cpu": ("AMD EPYC", "Intel Xeon"),
        "numpy": ("2.0", "2.1"),
        "--threads": ("None", "1"),
    }
    assert diff(_info(), _info()) == []
    assert diff({}, _info()) == []  # no run.json: nothing known to differ
    # what compare_records reports, given run.json dicts
    c = compare_records(case(), case(), base_info={}, current_info=_info(threads=1))
    assert c.environment == []
    c = compare_records(case(), case(), base_info=_info(), current_info=_info(threads=1))
    assert [(e.what, e.base, e.current) for e in c.environment] == [("--threads", "None", "1")]


def test_renderings():
    base = case("iris/svc") + case("iris/knn")
    cur = case("iris/svc", scores=[b - 0.02 for b in BASE_ACC]) + case("iris/knn")
    c = compare_records(
        base, cur, base_info=_info(), current_info=_info(cpu="Intel Xeon"), base_label="B"
    )
    md = comparison_markdown(c)
    assert md.startswith("### ❌ benchsuite compare: 1 gating regression")
    assert "| **worse-metric (gating)** | `iris/svc` | accuracy 0.9560 → 0.9360 (-0.0200)" in md
    assert "cpu: AMD EPYC -> Intel Xeon" in md
    assert "<details><summary>1 unchanged cases</summary>" in md and "`iris/knn`" in md
    data = json.loads(json.dumps(c.to_dict(), allow_nan=False))
    assert data["exit_code"] == 1 and data["gating"] == ["iris/svc"]
    assert data["verdicts"][0]["metrics"][0]["p_value"] == 0.0
    assert data["environment"] == [{"what": "cpu", "base": "AMD EPYC", "current": "Intel Xeon"}]

    from rich.console import Console

    console = Console(record=True, width=200)
    print_comparison(console, c)
    text = console.export_text()
    assert text.index("worse-metric") < text.index("iris/knn")
    assert "environment differs" in text and "1 gating regression" in text


def test_a_timing_row_names_the_time_that_moved():
    # fit unchanged, predict twice as slow on every fold: the row must say predict, since
    # its fit time column reads x1.00
    base = case(repeats=2, times=_times(1.0))
    cur = case(repeats=2, times=_times(1.0))
    for r in cur:
        r.predict_time_s = 0.002
    c = compare_records(base, cur)
    v = c.verdicts[0]
    assert v.verdict == "slower" and v.time("fit").change == "same"
    assert [(m.verdict, m.quantity, m.label) for m in v.moved] == [
        ("slower", "predict", "predict x2.00")
    ]
    assert "| slower (predict ×2.00) | `iris/svc` |" in comparison_markdown(c)
    from rich.console import Console

    console = Console(record=True, width=200)
    print_comparison(console, c)
    assert "predict ×2.00" in console.export_text()
    moved = c.to_dict()["verdicts"][0]["moved"]
    assert moved[0]["quantity"] == "predict" and moved[0]["ratio"] == pytest.approx(2.0)


# --------------------------------------------------------------------------------------
# runs on disk
# --------------------------------------------------------------------------------------


def _store(root, suite, run_id, records, started):
    store = RunStore(root, suite, run_id).open({})
    store.info["started_at"] = started
    for r in records:
        store.append(r)
    store.close()
    return store.path


def test_latest_run_of_a_folder_and_suite_preference(tmp_path):
    _store(tmp_path, "s", "20240101T000000-aaaa", case(), "2024-01-01T00:00:00")
    _store(tmp_path, "s", "20240301T000000-bbbb", case(), "2024-03-01T00:00:00")
    _store(tmp_path, "other", "20250101T000000-cccc", case(suite="other"), "2025-01-01")
    assert [r.run_id for r in find_runs(tmp_path)][-1] == "20250101T000000-cccc"
    run, note = resolve_run(tmp_path, suite="s")
    assert run.run_id == "20240301T000000-bbbb" and "using the latest" in note
    run, note = resolve_run(tmp_path / "s" / "20240101T000000-aaaa")
    assert run.run_id == "20240101T000000-aaaa" and note is None
    run, _ = resolve_run(tmp_path / "s" / "20240101T000000-aaaa" / "records.jsonl")
    assert run.run_id == "20240101T000000-aaaa"
    c = compare_runs(tmp_path, tmp_path / "s" / "20240101T000000-aaaa")
    assert c.base.run_id == "20240301T000000-bbbb" and "using the latest" in c.notes[0]


def test_loading_errors(tmp_path):
    with pytest.raises(BenchsuiteError, match="no such file"):
        load_run(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BenchsuiteError, match="no run found"):
        load_run(tmp_path / "empty")
    (tmp_path / "empty" / "records.jsonl").write_text("")
    with pytest.raises(BenchsuiteError, match="no records"):
        load_run(tmp_path / "empty")
    (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(BenchsuiteError, match="not UTF-8"):
        load_run(tmp_path / "bin.jsonl")
    (tmp_path / "list.jsonl").write_text("[1, 2]\n{}\n")
    with pytest.raises(BenchsuiteError, match="list.jsonl:1: not a valid record"):
        load_run(tmp_path / "list.jsonl")


def test_truncated_last_line_is_skipped_with_a_warning(tmp_path):
    path = tmp_path / "records.jsonl"
    lines = [json.dumps(r.to_dict()) for r in case()]
    path.write_text("\n".join(lines) + "\n" + lines[0][:40])
    seen = []
    assert len(read_records(path, on_warning=seen.append)) == 5
    assert len(seen) == 1 and "truncated last line" in seen[0] and ":6:" in seen[0]
    with pytest.warns(UserWarning, match="truncated"):
        read_records(path)


def test_export_csv_and_parquet_without_pyarrow(tmp_path, monkeypatch):
    recs = case()
    (written,) = export_records(recs, csv=tmp_path / "r.csv")
    import pandas as pd

    frame = pd.read_csv(written)
    assert len(frame) == 5 and list(frame["metrics.accuracy"]) == BASE_ACC
    assert frame["case_key"].tolist() == ["iris/svc"] * 5
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(BenchsuiteError, match=r"pip install 'benchsuite\[parquet\]'"):
        export_records(recs, parquet=tmp_path / "r.parquet")


def test_export_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    import pandas as pd

    (written,) = export_records(case(), parquet=tmp_path / "r.parquet")
    frame = pd.read_parquet(written)
    assert list(frame["metrics.accuracy"]) == BASE_ACC


def test_batched_tests_give_the_p_values_of_direct_scipy_calls():
    rng = np.random.default_rng(3)
    base, cur, expected = [], [], {}
    for i, (n, ties) in enumerate([(5, False), (5, True), (10, False), (3, False)] * 3):
        tb = np.round(rng.random(n), 2 if ties else 9) + 0.01
        tc = np.round(rng.random(n) * 1.3, 2 if ties else 9) + 0.01
        sb = list(0.9 + 0.02 * rng.standard_normal(n))
        sc = list(0.9 + 0.02 * rng.standard_normal(n))
        key = f"d{i}/e"
        base += case(key, scores=sb, times=list(tb))
        cur += case(key, scores=sc, times=list(tc))
        expected[key] = (
            stats.mannwhitneyu(tb, tc).pvalue,
            nadeau_bengio_ttest(np.subtract(sc, sb), 30 / 120)[1],
        )
    for v in compare_records(base, cur).verdicts:
        mwu, nb = expected[v.case_key]
        assert v.time("fit").p_value == pytest.approx(mwu, rel=1e-9)
        assert v.metric("accuracy").p_value == pytest.approx(nb, rel=1e-9)


def test_one_split_shows_n1_not_a_p_value_or_a_spread():
    # a holdout or official split: one fold and one timing sample per side
    base = case("d/a", scores=[0.95], times=[0.010]) + case("d/b", scores=[0.90], times=[0.010])
    cur = case("d/a", scores=[0.93], times=[0.030]) + case("d/b", scores=[0.90], times=[0.010])
    c = compare_records(base, cur)
    from benchsuite.report._compare import SINGLE_NOTE, cells

    worse = next(v for v in c.verdicts if v.case_key == "d/a")
    row = cells(worse)
    assert row["p"] == "n=1" and row["p (time)"] == "n=1"
    assert "n=1, no test" in " ".join(worse.reasons)  # no test ran, and the text says why
    md = comparison_markdown(c)
    assert "| accuracy 0.9500 → 0.9300 (-0.0200) | n=1 |" in md
    assert SINGLE_NOTE in md and "±" not in md

    from rich.console import Console

    console = Console(record=True, width=200)
    print_comparison(console, c)
    text = console.export_text()
    assert SINGLE_NOTE in text and "±" not in text
    data = c.to_dict()["verdicts"]
    metric = next(v for v in data if v["case_key"] == "d/a")["metrics"][0]
    assert metric["p_value"] is None and metric["n_pairs"] == 1

    # cross-validated cases keep their p-values and no n=1 note
    cv = compare_records(case(), case(scores=[b - 0.02 for b in BASE_ACC]))
    assert cells(cv.verdicts[0])["p"] != "n=1"
    assert SINGLE_NOTE not in comparison_markdown(cv)


def test_one_format_for_p_values_seconds_and_commits():
    from benchsuite._format import format_git_sha, format_p, format_seconds, p_clause, p_equation

    assert [format_p(p) for p in (0.0123, 0.0004, None)] == ["0.012", "<0.001", "-"]
    assert format_p(None, 1) == "n=1" and format_p(None, 5) == "-"
    assert [p_clause(p) for p in (0.0123, 0.0004, None)] == ["p=0.012", "p<0.001", "n=1, no test"]
    assert [p_equation(p) for p in (0.05, 0.0004)] == ["= 0.050", "< 0.001"]
    assert [format_seconds(s) for s in (2.5, 0.0123, 4e-6, None)] == [
        "2.5 s",
        "12.3 ms",
        "4 µs",
        "-",
    ]
    git = {"sha": "0123456789abcdef", "dirty": True}
    assert format_git_sha(git) == "0123456789+dirty"
    assert format_git_sha(git, full=True) == "0123456789abcdef (dirty)"
    assert format_git_sha(None) is None and format_git_sha({"sha": None}) is None

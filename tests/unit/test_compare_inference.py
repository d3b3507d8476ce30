"""compare: inference latency verdicts, and timing verdicts that name what moved.

Records are built by hand with an ``inference`` list as the measuring code writes it: one
entry per batch size, ``sample_s`` a sorted subsample of the per-call times.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from benchsuite.cli import main
from benchsuite.compare import (
    DEFAULT_FAIL_ON,
    FAIL_ON,
    VERDICTS,
    compare_records,
    parse_fail_on,
)
from benchsuite.report import comparison_json, comparison_markdown, print_comparison
from benchsuite.report._compare import cells
from benchsuite.results import Record
from benchsuite.runs import RunStore

SCORES = [0.96, 0.94, 0.97, 0.95, 0.96]


def calls(median: float, n: int = 64, seed: int = 0) -> list[float]:
    """``n`` per-call times around ``median`` (sorted, as records keep them)."""
    rng = np.random.default_rng(seed)
    return sorted(float(t) for t in median * (1 + 0.05 * rng.standard_normal(n)))


def entry(batch_size: int, median: float, *, seed: int = 0, method: str = "predict", **kw):
    """One ``Record.inference`` entry at ``batch_size`` with this median latency."""
    samples = calls(median, seed=seed)
    out = {
        "batch_size": batch_size,
        "method": method,
        "n_calls": 500,
        "median_s": median,
        "p90_s": samples[int(0.9 * len(samples))],
        "p99_s": samples[-1],
        "iqr_s": float(np.subtract(*np.percentile(samples, [75, 25]))),
        "min_s": samples[0],
        "throughput_per_s": batch_size / median,
        "device": "cpu",
        "replacement": False,
        "sample_s": samples,
    }
    out.update(kw)
    return out


def case(
    key: str = "breast_cancer/logreg",
    *,
    inference=None,
    fit=None,
    predict=None,
    folds: str = "first",
    run_id: str = "r",
) -> list[Record]:
    """Records of one 5-fold case.

    ``inference(fold) -> list of entries`` gives each measured job's inference; with
    ``folds="first"`` only fold 0 measures it (the default of an inference block).
    ``fit`` / ``predict``: per-fold times (default 10 ms and 1 ms on every fold).
    """
    dataset, estimator = key.split("/", 1)
    fit = fit or [0.010] * len(SCORES)
    predict = predict or [0.001] * len(SCORES)
    out = []
    for fold, score in enumerate(SCORES):
        measured = inference is not None and (folds == "all" or fold == 0)
        out.append(
            Record(
                run_id=run_id,
                suite="s",
                dataset=dataset,
                estimator=estimator,
                case_key=key,
                status="ok",
                config_hash="h1",
                dataset_fingerprint="fp",
                fold=fold,
                n_folds=len(SCORES),
                n_train=455,
                n_test=114,
                metrics={"accuracy": score},
                fit_time_s=fit[fold],
                predict_time_s=predict[fold],
                peak_rss_mb=100.0,
                inference=inference(fold) if measured else None,
            )
        )
    return out


def at(*batches: tuple[int, float], seed: int = 0, **kw):
    """``inference=`` for :func:`case`: the same entries on every measured fold, a small
    per-fold wobble on the medians (none on fold 0) so per-job medians are not all equal;
    ``seed`` draws other per-call samples."""

    def make(fold: int):
        jitter = 1 + 0.02 * np.sin(fold)
        return [entry(bs, m * jitter, seed=seed * 10 + fold, **kw) for bs, m in batches]

    return make


def only(comparison):
    assert len(comparison.verdicts) == 1
    return comparison.verdicts[0]


# --------------------------------------------------------------------------------------
# the verdict set
# --------------------------------------------------------------------------------------


def test_inference_verdicts_are_listed_and_gate_only_when_asked():
    assert VERDICTS.index("slower") < VERDICTS.index("slower-inference")
    assert VERDICTS.index("slower-inference") < VERDICTS.index("more-memory")
    assert VERDICTS.index("faster") < VERDICTS.index("faster-inference") < VERDICTS.index("ok")
    assert FAIL_ON["inference"] == ("slower-inference",)
    assert DEFAULT_FAIL_ON == ("metric", "failure")
    assert "inference" in parse_fail_on("all")
    assert parse_fail_on("metric,inference") == ("metric", "inference")


# --------------------------------------------------------------------------------------
# pooled per-call samples: one job with inference on each side (folds: first)
# --------------------------------------------------------------------------------------


def test_slower_inference_from_pooled_calls_names_the_batch_and_does_not_gate():
    base = case(inference=at((1, 0.001), (32, 0.002)))
    cur = case(inference=at((1, 0.0018), (32, 0.0021), seed=1))
    c = compare_records(base, cur)
    v = only(c)
    assert v.verdict == "slower-inference" and not v.gating and c.exit_code == 0
    one = v.inference_at(1)
    assert one.samples == "calls" and one.n_base == one.n_current == 64
    assert one.ratio == pytest.approx(1.8) and one.change == "slower"
    expected = stats.mannwhitneyu(base[0].inference[0]["sample_s"], cur[0].inference[0]["sample_s"])
    assert one.p_value == pytest.approx(expected.pvalue, rel=1e-9) and one.p_value < 0.001
    assert one.throughput_ratio == pytest.approx(1 / 1.8)
    assert one.base_throughput == pytest.approx(1 / 0.001)
    assert v.inference_at(32).change == "same"  # x1.05: inside the time factor
    (reason,) = [r for r in v.reasons if r.startswith("inference")]
    assert reason.startswith("inference latency x1.80 at batch 1 (")
    assert "throughput x0.56" in reason and "p<0.001 over pooled calls" in reason
    moved = v.moved_for("slower-inference")
    assert (moved.quantity, moved.batch_size) == ("inference", 1)

    # gates with --fail-on inference, and with all; not with time
    assert compare_records(base, cur, fail_on="metric,failure,inference").exit_code == 1
    assert compare_records(base, cur, fail_on="all").exit_code == 1
    assert compare_records(base, cur, fail_on="metric,failure,time").exit_code == 0


def test_faster_inference_and_the_worst_batch_size_decides():
    base = case(inference=at((1, 0.002), (32, 0.004), (1024, 0.05)))
    # batch 1 much faster, batch 32 a bit faster, batch 1024 slower
    cur = case(inference=at((1, 0.001), (32, 0.003), (1024, 0.08), seed=1))
    v = only(compare_records(base, cur))
    assert "faster-inference" in v.flags and "slower-inference" in v.flags
    assert v.verdict == "slower-inference"  # the worse direction is the case's verdict
    assert v.moved_for("slower-inference").batch_size == 1024
    fast = v.moved_for("faster-inference")
    assert fast.batch_size == 1 and fast.ratio == pytest.approx(0.5)
    reason = next(r for r in v.reasons if "at batch 1 (" in r)
    assert (
        reason.startswith("inference latency x0.50 at batch 1")
        and "also faster at batch 32" in reason
    )

    v = only(compare_records(cur, base))
    assert v.verdict == "slower-inference" and v.moved_for("slower-inference").batch_size == 1
    v = only(
        compare_records(case(inference=at((1, 0.002))), case(inference=at((1, 0.001), seed=1)))
    )
    assert v.verdict == "faster-inference" and not v.gating


def test_no_verdict_inside_the_time_factor():
    base = case(inference=at((1, 0.001)))
    cur = case(inference=at((1, 0.00105), seed=1))
    v = only(compare_records(base, cur))
    assert v.verdict == "ok" and v.inference_at(1).change == "same"
    # the same data beyond a tighter factor is a verdict
    assert only(compare_records(base, cur, time_factor=1.01)).verdict == "slower-inference"


def test_a_ratio_beyond_the_factor_without_significance_is_no_verdict():
    # the same per-call spread on both sides, the median moved by the factor's worth only
    # through a different subsample: Mann-Whitney U does not confirm it
    noisy = calls(0.001, n=64, seed=5)
    b = case(inference=lambda f: [entry(1, 0.001, sample_s=noisy)])
    c = case(inference=lambda f: [entry(1, 0.00115, sample_s=noisy)])
    v = only(compare_records(b, c))
    assert v.inference_at(1).ratio > 1.1 and v.inference_at(1).p_value == 1.0
    assert v.verdict == "ok"


# --------------------------------------------------------------------------------------
# per-job medians: every fold measured (folds: all)
# --------------------------------------------------------------------------------------


def test_slower_inference_over_folds_uses_per_job_medians():
    base = case(inference=at((1, 0.001)), folds="all")
    cur = case(inference=at((1, 0.0015), seed=1), folds="all")
    v = only(compare_records(base, cur))
    one = v.inference_at(1)
    assert one.samples == "jobs" and one.n_base == one.n_current == 5
    xs = [r.inference[0]["median_s"] for r in base]
    ys = [r.inference[0]["median_s"] for r in cur]
    assert one.p_value == pytest.approx(stats.mannwhitneyu(xs, ys).pvalue)
    assert one.base_median == pytest.approx(np.median(xs))
    assert v.verdict == "slower-inference" and "over jobs" in " ".join(v.reasons)

    # three folds a side cannot reach p < 0.05 (as for fit time): the ratio alone decides,
    # unconfirmed, and it does not gate even when inference gates (issue 16)
    b3 = [r for r in base if r.fold < 3]
    c3 = [r for r in cur if r.fold < 3]
    c = compare_records(b3, c3, fail_on="inference")
    v = only(c)
    assert v.inference_at(1).p_value > 0.05 and v.verdict == "slower-inference"
    assert not v.inference_at(1).confirmed and not v.gating and c.exit_code == 0
    assert cells(v)["verdict"] == "slower-inference (batch 1 ×1.50, unconfirmed: 3 vs 3 samples)"


def test_one_job_against_several_pools_the_calls():
    base = case(inference=at((1, 0.001)), folds="all")
    cur = case(inference=at((1, 0.002), seed=1))
    one = only(compare_records(base, cur)).inference_at(1)
    assert one.samples == "calls" and one.n_base == 5 * 64 and one.n_current == 64


def test_without_kept_samples_the_ratio_alone_decides():
    b = case(inference=lambda f: [entry(1, 0.001, sample_s=None)])
    c = case(inference=lambda f: [entry(1, 0.002, sample_s=None)])
    v = only(compare_records(b, c))
    one = v.inference_at(1)
    assert one.p_value is None and one.n_base == 1 and v.verdict == "slower-inference"
    # one median a side is 1 vs 1 samples: unconfirmed (issue 16)
    assert (
        "(1 ms -> 2 ms, throughput x0.50, n=1, no test, unconfirmed: 1 vs 1 samples)"
        in (v.reasons[0])
    )
    assert cells(v)["verdict"] == "slower-inference (batch 1 ×2.00, unconfirmed: 1 vs 1 samples)"


# --------------------------------------------------------------------------------------
# what is not compared
# --------------------------------------------------------------------------------------


def test_batch_sizes_on_one_side_or_another_method_get_a_note_not_a_verdict():
    base = case(inference=at((1, 0.001), (32, 0.002)))
    cur = case(inference=at((1, 0.001), (1024, 0.05), seed=1))
    v = only(compare_records(base, cur))
    assert v.verdict == "ok" and [i.batch_size for i in v.inference] == [1]
    assert "inference at batch 32: in the baseline only, not compared" in v.reasons
    assert "inference at batch 1024: in the current run only, not compared" in v.reasons
    assert "in the baseline only" in cells(v)["note"]

    base = case(inference=at((1, 0.001)))
    cur = case(inference=at((1, 0.01), seed=1, method="predict_proba"))
    v = only(compare_records(base, cur))
    assert v.verdict == "ok" and v.inference == []
    assert v.reasons == ["inference at batch 1: method predict -> predict_proba, not compared"]

    cur = case(inference=at((1, 0.01), seed=1, device="cuda:0"))
    v = only(compare_records(base, cur))
    assert v.verdict == "ok" and v.reasons == [
        "inference at batch 1: device cpu -> cuda:0, not compared"
    ]

    v = only(compare_records(case(), cur))
    assert v.verdict == "ok" and v.reasons == [
        "inference measured in the current run only, not compared"
    ]

    # the model alone on the device is another quantity than host to host
    resident = case(inference=at((1, 0.01), seed=1, device="cuda:0"))
    for r in resident:
        for e in r.inference or ():
            e["device_resident"] = True
    v = only(compare_records(cur, resident))
    assert v.verdict == "ok" and v.reasons == [
        "inference at batch 1: device cuda:0 -> cuda:0 (resident), not compared"
    ]


def test_runs_without_inference_compare_exactly_as_before():
    base = case("iris/svc") + case("iris/knn")
    cur = case("iris/svc", fit=[0.02] * 5) + case("iris/knn")
    c = compare_records(base, cur)
    svc = next(v for v in c.verdicts if v.case_key == "iris/svc")
    assert svc.inference == [] and not any("inference" in r for r in svc.reasons)
    assert svc.verdict == "slower" and svc.flags == ["slower"]
    assert all(v.verdict in ("slower", "ok") for v in c.verdicts)
    assert not any("inference" in k for k in c.counts())
    assert "inference" not in comparison_markdown(c)


# --------------------------------------------------------------------------------------
# every timing verdict names the quantity that moved
# --------------------------------------------------------------------------------------

# breast_cancer/logreg, sequential vs Dask: fit x1.78 but not significant, predict x0.56 on
# every fold
FIT_BASE = [0.010, 0.011, 0.030, 0.009, 0.012]
FIT_CUR = [0.0196, 0.010, 0.012, 0.0196, 0.031]  # median 0.0196: x1.78 of 0.011
PRED_BASE = [0.00100, 0.00101, 0.00099, 0.00102, 0.00098]
PRED_CUR = [p * 0.56 for p in PRED_BASE]
FIT_STEADY = [0.0100, 0.0102, 0.0098, 0.0101, 0.0099]


def test_faster_by_predict_says_predict_beside_a_slower_looking_fit():
    c = compare_records(case(fit=FIT_BASE, predict=PRED_BASE), case(fit=FIT_CUR, predict=PRED_CUR))
    v = only(c)
    fit, pred = v.time("fit"), v.time("predict")
    assert fit.ratio == pytest.approx(1.78, abs=0.01) and fit.change == "same"
    assert pred.ratio == pytest.approx(0.56) and pred.change == "faster"
    assert v.verdict == "faster"
    moved = v.moved_for("faster")
    assert (moved.quantity, moved.label) == ("predict", "predict x0.56")

    row = cells(v)
    assert row["verdict"] == "faster (predict ×0.56)"
    assert "×1.78" in row["fit time"]
    md = comparison_markdown(c)
    assert "| faster (predict ×0.56) | `breast_cancer/logreg` |" in md

    from rich.console import Console

    console = Console(record=True, width=200)
    print_comparison(console, c)
    text = console.export_text()
    assert "predict ×0.56" in text and "×1.78" in text

    data = json.loads(comparison_json(c))["verdicts"][0]
    assert data["verdict"] == "faster"  # the name scripts parse is unchanged
    assert data["moved"] == [
        {"verdict": "faster", "quantity": "predict", "ratio": pytest.approx(0.56),
         "p_value": pytest.approx(pred.p_value), "batch_size": None}
    ]  # fmt: skip


def test_slower_fit_and_faster_predict_name_both():
    fit_cur = [t * 1.78 for t in FIT_STEADY]
    c = compare_records(
        case(fit=FIT_STEADY, predict=PRED_BASE), case(fit=fit_cur, predict=PRED_CUR)
    )
    v = only(c)
    assert v.verdict == "slower" and set(v.flags) == {"slower", "faster"}
    row = cells(v)
    assert row["verdict"] == "slower (fit ×1.78)"
    assert row["note"].startswith("faster (predict ×0.56)")
    gated = only(compare_records(case(fit=FIT_STEADY), case(fit=fit_cur), fail_on="time"))
    assert cells(gated)["verdict"] == "slower (fit ×1.78, gating)"
    assert "| **slower (fit ×1.78, gating)** |" in comparison_markdown(
        compare_records(case(fit=FIT_STEADY), case(fit=fit_cur), fail_on="time")
    )


def test_a_metric_verdict_keeps_its_cell_and_notes_the_timing_one():
    worse = case(fit=[t * 2 for t in FIT_STEADY])
    for r in worse:
        r.metrics["accuracy"] -= 0.02
    v = only(compare_records(case(fit=FIT_STEADY), worse))
    row = cells(v)
    assert v.verdict == "worse-metric" and row["verdict"] == "worse-metric (gating)"
    assert row["note"] == "slower (fit ×2.00)"


# --------------------------------------------------------------------------------------
# rendering and JSON of inference verdicts
# --------------------------------------------------------------------------------------


def test_inference_verdicts_render_in_every_format():
    base = case("adult/lgbm", inference=at((1, 0.001), (1024, 0.02))) + case("adult/rf")
    cur = case("adult/lgbm", inference=at((1, 0.0018), (1024, 0.02), seed=1)) + case("adult/rf")
    c = compare_records(base, cur, fail_on="inference")
    assert c.counts() == {"slower-inference": 1, "ok": 1} and c.exit_code == 1
    v = c.verdicts[0]
    row = cells(v)
    assert row["verdict"] == "slower-inference (batch 1 ×1.80, gating)"
    assert "inference latency x1.80 at batch 1" in row["note"] and "throughput x0.56" in row["note"]

    md = comparison_markdown(c)
    assert "| **slower-inference (batch 1 ×1.80, gating)** | `adult/lgbm` |" in md
    assert "1 slower-inference, 1 ok" in md and "fail on: inference" in md

    from rich.console import Console

    console = Console(record=True, width=200)
    print_comparison(console, c)
    text = console.export_text()
    assert "slower-inference (gating)" in text and "batch 1 ×1.80" in text
    assert "1 slower-inference, 1 ok · 1 gating regression (fail on: inference)" in text

    data = json.loads(comparison_json(c))
    assert data["counts"] == {"slower-inference": 1, "ok": 1}
    assert data["gating"] == ["adult/lgbm"] and data["options"]["fail_on"] == ["inference"]
    lgbm = data["verdicts"][0]
    assert lgbm["verdict"] == "slower-inference" and lgbm["flags"] == ["slower-inference"]
    one, big = lgbm["inference"]
    assert one["batch_size"] == 1 and one["method"] == "predict" and one["device"] == "cpu"
    assert one["change"] == "slower" and one["samples"] == "calls"
    assert one["ratio"] == pytest.approx(1.8) and one["throughput_ratio"] == pytest.approx(1 / 1.8)
    assert one["base_throughput"] == pytest.approx(1000) and one["n_base"] == 64
    assert 0 < one["p_value"] < 0.001
    assert big["batch_size"] == 1024 and big["change"] == "same"
    assert lgbm["moved"][0]["quantity"] == "inference" and lgbm["moved"][0]["batch_size"] == 1
    rf = data["verdicts"][1]
    assert rf["inference"] == [] and rf["moved"] == []


# --------------------------------------------------------------------------------------
# the CLI, on two run folders written by hand
# --------------------------------------------------------------------------------------


def _store(root, run_id, records):
    store = RunStore(root, "s", run_id).open({})
    for r in records:
        store.append(r)
    store.close()
    return store.path


def test_cli_reports_inference_and_gates_only_with_fail_on_inference(tmp_path, capsys):
    base = _store(tmp_path, "b1", case(inference=at((1, 0.001)), run_id="b1"))
    cur = _store(tmp_path, "c1", case(inference=at((1, 0.002), seed=1), run_id="c1"))

    assert main(["compare", str(base), str(cur)]) == 0
    out = capsys.readouterr().out
    assert "slower-inference" in out and "no gating regression" in out

    assert main(["compare", str(base), str(cur), "--fail-on", "metric,inference"]) == 1
    assert "1 gating regression" in capsys.readouterr().out
    assert main(["compare", str(base), str(cur), "--fail-on", "all"]) == 1
    capsys.readouterr()
    assert main(["compare", str(base), str(cur), "--fail-on", "time"]) == 0
    capsys.readouterr()

    assert main(["compare", str(base), str(cur), "--format", "json", "--fail-on", "inference"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["verdicts"][0]["inference"][0]["ratio"] == pytest.approx(2.0)
    assert data["verdicts"][0]["gating"] is True

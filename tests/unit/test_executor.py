"""The sequential executor: records per fold, errors and skips are records, runs go on."""

from __future__ import annotations

import json

import pytest

from benchsuite.executors import SequentialExecutor, run_plan
from benchsuite.plan import build_plan
from benchsuite.results import read_records
from benchsuite.suite import parse_suite


def _plan(text, tmp_path, filters=()):
    return build_plan(parse_suite(text, source="t.yaml", base_dir=tmp_path), filters=filters)


def test_crashing_estimator_becomes_error_record_and_the_run_goes_on(tmp_path):
    plan = _plan(
        """
name: crash
defaults: {evaluation: {cv: 3}}
datasets: [iris]
estimators:
  # each value is allowed (validate passes), the pair is not: fit fails
  - {name: bad, model: rf, params: {bootstrap: false, max_samples: 0.5}}
  - {name: good, model: knn}
""",
        tmp_path,
    )
    result = run_plan(plan, output=tmp_path)
    assert result.status == "completed"
    by_est = {}
    for rec in read_records(result.path):
        by_est.setdefault(rec.estimator, []).append(rec)
    assert [r.status for r in by_est["bad"]] == ["error"] * 3
    err = by_est["bad"][0].error
    assert "max_sample" in err and "\n" not in err
    assert [r.status for r in by_est["good"]] == ["ok"] * 3
    assert result.counts == {"ok": 3, "error": 3, "timeout": 0, "skipped": 0}


def test_impossible_pair_is_one_skipped_record_with_reason(tmp_path):
    plan = _plan(
        """
name: skip
defaults: {evaluation: {cv: 2}}
datasets: [diabetes, iris]
estimators: [svc, ridge]
""",
        tmp_path,
    )
    skipped = {c.key: c.skip_reason for c in plan.cases if c.skipped}
    assert set(skipped) == {"diabetes/svc"}
    assert "regression" in skipped["diabetes/svc"]
    result = run_plan(plan, output=tmp_path)
    recs = [r for r in result.records if r.case_key == "diabetes/svc"]
    assert len(recs) == 1 and recs[0].status == "skipped"
    assert recs[0].error == skipped["diabetes/svc"]
    # ridge is both: RidgeClassifier on iris, Ridge on diabetes
    models = {r.case_key: r.model for r in result.records}
    assert models["iris/ridge"].endswith(":RidgeClassifier")
    assert models["diabetes/ridge"].endswith(":Ridge")


def test_dataset_that_fails_to_load_errors_its_cases_only(tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n")
    plan = _plan(
        """
name: loadfail
defaults: {evaluation: {cv: 2}}
datasets: [{name: mine, path: d.csv, target: label}, iris]
estimators: [knn]
""",
        tmp_path,
    )
    # the file breaks after validation (e.g. replaced mid-run)
    csv.write_bytes(b'a,b,label\n\x00\x00"unterminated\n')
    result = run_plan(plan, output=tmp_path)
    by_ds = {r.dataset: r for r in result.records}
    assert by_ds["mine"].status == "error"
    assert by_ds["mine"].error.startswith(("loading dataset", "splitting dataset"))
    assert by_ds["iris"].status == "ok"


def test_records_are_flushed_as_they_finish_and_interrupt_keeps_them(tmp_path):
    plan = _plan(
        """
name: interrupt
defaults: {evaluation: {cv: 3}}
datasets: [iris]
estimators: [knn, logreg]
""",
        tmp_path,
    )
    seen = []

    def on_record(rec):
        # each record is on disk before the next job starts
        lines = (tmp_path / "interrupt" / rec.run_id / "records.jsonl").read_text().splitlines()
        seen.append(len(lines))
        if len(seen) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_plan(plan, output=tmp_path, run_id="r1", on_record=on_record)
    assert seen == [1, 2, 3, 4]
    run_dir = tmp_path / "interrupt" / "r1"
    assert len(read_records(run_dir)) == 4
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "interrupted" and info["ended_at"]


def test_injected_clock_gives_exact_times(tmp_path):
    plan = _plan(
        "name: clock\ndefaults: {evaluation: {cv: 2}}\ndatasets: [iris]\nestimators: [knn]\n",
        tmp_path,
    )
    ticks = iter(range(100))
    executor = SequentialExecutor(clock=lambda: float(next(ticks)), sample_memory=False)
    result = run_plan(plan, output=tmp_path, executor=executor)
    assert [(r.fit_time_s, r.predict_time_s) for r in result.records] == [(1.0, 1.0)] * 2
    assert all(r.peak_rss_mb is None for r in result.records)


def test_run_json_describes_the_run(tmp_path):
    plan = _plan(
        "name: env\ndefaults: {evaluation: {cv: 2}}\ndatasets: [iris]\nestimators: [knn]\n",
        tmp_path,
    )
    result = run_plan(plan, output=tmp_path, command_line=["benchsuite", "run", "x.yaml"])
    info = json.loads((result.path / "run.json").read_text())
    assert info["status"] == "completed"
    assert info["command_line"] == ["benchsuite", "run", "x.yaml"]
    assert info["suite_sha256"] == plan.suite.file_hash and len(info["suite_sha256"]) == 64
    env = info["environment"]
    assert env["packages"]["scikit-learn"] and env["cpu"]["logical_cores"] >= 1
    assert env["python"] and env["ram_gb"] > 0
    assert info["counts"]["ok"] == 2
    assert (info["n_cases"], info["n_jobs"]) == (1, 2)  # one case, a job per fold
    assert any(p["user_api"] in ("blas", "openmp") for p in info["threadpools"])
    rec = result.records[0]
    for field in (
        "run_id",
        "suite",
        "dataset",
        "estimator",
        "params",
        "case_key",
        "fold",
        "repeat",
        "n_train",
        "n_test",
        "status",
        "error",
        "metrics",
        "fit_time_s",
        "predict_time_s",
        "peak_rss_mb",
        "started_at",
        "dataset_fingerprint",
    ):
        assert field in rec.to_dict()
    assert rec.peak_rss_mb > 0 and rec.fit_time_s > 0


class ThreadProbe:
    """A classifier that records the BLAS/OpenMP thread counts it sees while fitting."""

    seen: list = []

    def __init__(self):
        pass

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self

    def fit(self, X, y):
        from threadpoolctl import threadpool_info

        ThreadProbe.seen.append({p["num_threads"] for p in threadpool_info()})
        self.classes_ = sorted(set(y))
        return self

    def predict(self, X):
        return [self.classes_[0]] * len(X)


def test_threads_pins_thread_pools_inside_the_job(tmp_path):
    import sklearn.ensemble  # noqa: F401 - loads an OpenMP runtime before the run

    plan = _plan(
        "name: th\ndefaults: {evaluation: {cv: 2}}\ndatasets: [iris]\n"
        "estimators: [{name: probe, model: 'test_executor:ThreadProbe'}]\n",
        tmp_path,
    )
    ThreadProbe.seen.clear()
    result = run_plan(plan, output=tmp_path, executor=SequentialExecutor(threads=1))
    assert [r.status for r in result.records] == ["ok", "ok"], result.records[0].error
    assert ThreadProbe.seen == [{1}, {1}]
    info = json.loads((result.path / "run.json").read_text())
    assert info["threads"] == 1 and info["timeout_enforced"] is False


@pytest.mark.parametrize(
    ("module", "cls", "options"),
    [
        ("benchsuite.executors.sequential", "SequentialExecutor", {}),
        ("benchsuite.executors.process", "ProcessExecutor", {"n_workers": 2, "timeout": 3}),
        ("benchsuite.executors.dask", "DaskExecutor", {"memory_limit": 2**30}),
    ],
)
def test_every_executor_is_an_executor(module, cls, options):
    # run_plan reads only the protocol's attributes; building an executor starts nothing
    import importlib

    from benchsuite.executors import Executor

    executor = getattr(importlib.import_module(module), cls)(**options)
    assert isinstance(executor, Executor)
    assert executor.n_workers == options.get("n_workers", 1)
    assert executor.timeout == options.get("timeout")
    assert executor.enforces_timeout is (cls != "SequentialExecutor")
    assert executor.memory_label == ("1GiB" if "memory_limit" in options else "")
    assert executor.run_info() == {}


def _cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def test_torch_model_records_epochs_loss_curve_and_input_shape(tmp_path):
    plan = _plan(
        "name: dl\ndefaults: {evaluation: {holdout: 0.25}, device: cpu}\n"
        "datasets: [{name: seq, source: synthetic_sequences,"
        " params: {n_samples: 200, n_steps: 12, n_features: 3}}]\n"
        "estimators: [{name: gru, model: torch.gru, params: {epochs: 2, threads: 1}}]\n",
        tmp_path,
    )
    (rec,) = run_plan(plan, output=tmp_path).records
    assert rec.status == "ok", rec.error
    assert rec.device == "cpu" and rec.epochs_run == 2 and len(rec.loss_curve) == 2
    assert rec.params["input_shape"] == [12, 3]  # the dataset's sample shape, passed on
    assert rec.time_per_epoch_s > 0 and rec.h2d_time_s >= 0
    assert rec.peak_gpu_mb is None


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda(), reason="needs a CUDA GPU")
def test_cuda_case_is_synchronized_and_reports_gpu_memory(tmp_path):
    plan = _plan(
        "name: gpu\ndefaults: {evaluation: {holdout: 0.25}, device: cuda}\n"
        "datasets: [digits]\n"
        "estimators: [{name: cnn, model: torch.cnn, params: {epochs: 2}}]\n",
        tmp_path,
    )
    (rec,) = run_plan(plan, output=tmp_path).records
    assert rec.status == "ok", rec.error
    assert rec.device.startswith("cuda") and rec.peak_gpu_mb > 0
    info = json.loads((tmp_path / "gpu" / rec.run_id / "run.json").read_text())
    assert info["environment"]["gpus"][0]["cuda"]


def test_time_to_accuracy_target(tmp_path):
    text = (
        "name: tta\nseed: 3\ndefaults: {evaluation: {holdout: 0.3}, target: {accuracy: TARGET},"
        " device: cpu}\ndatasets: [digits]\n"
        "estimators: [{name: mlp, model: torch.mlp, params: {epochs: 4, threads: 1}}, knn]\n"
    )
    result = run_plan(_plan(text.replace("TARGET", "0.5"), tmp_path), output=tmp_path)
    mlp, knn = result.records
    assert mlp.status == "ok" and knn.status == "ok"
    assert knn.time_to_target_s is None  # not a deep model: nothing to watch
    assert 1 <= mlp.target_epoch <= 4
    # copy + epochs up to the target, never more than the whole fit
    assert mlp.h2d_time_s < mlp.time_to_target_s <= mlp.fit_time_s
    assert mlp.metrics["accuracy"] >= 0.5 or mlp.target_epoch < 4

    result = run_plan(_plan(text.replace("TARGET", "1.0"), tmp_path), output=tmp_path)
    mlp = result.records[0]
    assert mlp.time_to_target_s is None and mlp.target_epoch is None
    assert "target accuracy 1.0 not reached in 4 epochs" in mlp.warnings


def test_run_warns_when_other_processes_load_the_cpu(tmp_path, write_suite, monkeypatch, capsys):
    import benchsuite.environment
    from benchsuite.cli import main

    suite = write_suite(
        "name: w\ndefaults: {evaluation: {cv: 2}}\ndatasets: [iris]\nestimators: [knn]\n"
    )
    monkeypatch.setattr(benchsuite.environment, "load_average", lambda: [64.0, 64.0, 64.0])
    assert main(["run", str(suite), "-o", str(tmp_path)]) == 0
    assert "warning: load average 64.0" in capsys.readouterr().err
    assert main(["run", str(suite), "-o", str(tmp_path), "-q"]) == 0  # quiet: no warning
    assert "warning" not in capsys.readouterr().err
    run = json.loads(next((tmp_path / "w").glob("*/run.json")).read_text())
    assert run["environment"]["load_average"] == [64.0, 64.0, 64.0]


def test_the_python_api_records_rows_dropped_for_having_no_target(tmp_path):
    # run.json says it whether the run comes from the CLI or from run_plan directly
    rows = [f"{i % 7},{(i * 3) % 5},{'ab'[i % 2]}" for i in range(40)]
    rows[5] = "1,2,"  # no target
    (tmp_path / "t.csv").write_text("x1,x2,label\n" + "\n".join(rows) + "\n")
    plan = _plan(
        "name: t\ndefaults: {evaluation: {cv: 2}}\n"
        "datasets: [{name: tiny, path: t.csv, target: label}]\nestimators: [dummy]\n",
        tmp_path,
    )
    result = run_plan(plan, output=tmp_path / "out", executor=SequentialExecutor())
    info = json.loads((result.path / "run.json").read_text())
    assert info["rows_without_target"] == {"tiny": 1}

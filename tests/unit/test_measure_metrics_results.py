"""Measurement, metrics, statistics and record storage."""

from __future__ import annotations

import contextlib
import json

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from benchsuite._stats import Stats
from benchsuite.errors import BenchsuiteError
from benchsuite.measure import measure_fold
from benchsuite.metrics import compute_metrics
from benchsuite.results import Record, read_records
from benchsuite.runs import RUN_SCHEMA_VERSION, RunStore


class _Fake:
    """An estimator whose fit and predict take a known number of clock ticks."""

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros(len(X))


def test_measure_fold_times_fit_and_predict_separately():
    ticks = iter([10.0, 12.5, 13.0])
    m = measure_fold(_Fake(), [[0]], [0], [[0], [1]], clock=lambda: next(ticks))
    assert (m.fit_time_s, m.predict_time_s) == (2.5, 0.5)
    assert m.y_pred.tolist() == [0.0, 0.0]
    # peak memory: tests/unit/test_peak_memory.py


def test_metrics_that_cannot_be_computed_become_warnings():
    X, y = load_breast_cancer(return_X_y=True)
    est = LinearSVC(dual="auto", max_iter=50).fit(X[:400], y[:400])
    values, warnings = compute_metrics(
        ["accuracy", "roc_auc", "log_loss", "r2"],
        task="binary",
        estimator=est,
        X_test=X[400:],
        y_test=y[400:],
        y_pred=est.predict(X[400:]),
    )
    assert set(values) == {"accuracy", "roc_auc"}  # roc_auc via decision_function
    assert warnings == ["log_loss not computed: estimator has no predict_proba"]


def test_multiclass_roc_auc_uses_predict_proba_ovr():
    from sklearn.metrics import get_scorer

    X, y = load_iris(return_X_y=True)
    est = LogisticRegression(max_iter=500).fit(X[::2], y[::2])
    values, _ = compute_metrics(
        ["roc_auc"],
        task="multiclass",
        estimator=est,
        X_test=X[1::2],
        y_test=y[1::2],
        y_pred=est.predict(X[1::2]),
    )
    assert values["roc_auc"] == get_scorer("roc_auc_ovr")(est, X[1::2], y[1::2])


def test_stats_edge_cases():
    assert Stats.of([]) is None
    one = Stats.of([0.5])
    assert (one.n, one.mean, one.std, one.ci95_low, one.ci95_high) == (1, 0.5, 0.0, 0.5, 0.5)
    s = Stats.of([1.0, 2.0, 3.0, 4.0])
    assert s.mean == 2.5 and s.median == 2.5
    assert s.std == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    # t(3) 97.5% quantile = 3.182446
    assert s.ci95_high - s.mean == pytest.approx(3.182446 * s.std / 2, rel=1e-5)


def _rec(**kw):
    base = dict(run_id="r", suite="s", dataset="d", estimator="e", case_key="d/e", status="ok")
    return Record(**{**base, **kw})


def test_store_appends_and_reads_back(tmp_path):
    store = RunStore(tmp_path, "s", "run1").open({"x": 1})
    store.append(_rec(metrics={"accuracy": np.float64(0.5)}, params={"a": np.int64(3)}))
    store.append(_rec(status="error", error="ValueError: boom"))
    store.close()
    recs = read_records(tmp_path / "s" / "run1")
    assert [r.status for r in recs] == ["ok", "error"]
    assert recs[0].metrics == {"accuracy": 0.5} and recs[0].params == {"a": 3}
    info = json.loads((tmp_path / "s" / "run1" / "run.json").read_text())
    assert info["counts"]["error"] == 1 and info["x"] == 1
    assert info["schema_version"] == RUN_SCHEMA_VERSION == 2
    with pytest.raises(BenchsuiteError, match="already exists"):
        RunStore(tmp_path, "s", "run1").open({})


def test_truncated_last_line_is_ignored_but_corruption_is_an_error(tmp_path):
    path = tmp_path / "records.jsonl"
    good = json.dumps(_rec().to_dict())
    path.write_text(good + "\n" + good[:20])
    assert len(read_records(path)) == 1
    path.write_text(good[:20] + "\n" + good + "\n")
    with pytest.raises(BenchsuiteError, match="records.jsonl:1"):
        read_records(path)


def test_newer_schema_is_refused():
    with pytest.raises(BenchsuiteError, match="newer"):
        Record.from_dict({**_rec().to_dict(), "schema_version": 99})


def test_garbage_collector_is_off_inside_the_clock_and_restored():
    import gc

    seen = []

    class _Probe(_Fake):
        def fit(self, X, y):
            seen.append(gc.isenabled())
            return self

    assert gc.isenabled()
    measure_fold(_Probe(), [[0]], [0], [[0]])
    assert seen == [False] and gc.isenabled()
    measure_fold(_Probe(), [[0]], [0], [[0]], disable_gc=False)
    assert seen == [False, True]


def test_gpus_are_read_from_nvidia_smi_without_importing_torch(tmp_path, monkeypatch):
    import sys

    from benchsuite.environment import capture_environment

    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'NVIDIA H100 80GB HBM3, 81559, 550.54.15'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    env = capture_environment(cwd=tmp_path)
    assert env["gpus"] == [
        {"name": "NVIDIA H100 80GB HBM3", "memory_gb": 79.65, "driver": "550.54.15"}
    ]
    assert "torch" not in sys.modules
    assert env["git"] is None  # tmp_path is no repository


class _FakeCuda:
    """Stands in for torch.cuda (one GPU): logs calls, as if a GPU ran the model."""

    def __init__(self, log):
        self.log = log

    def current_device(self):
        return 0

    def device_count(self):
        return 1

    def caching_allocator_alloc(self, size, device=None):
        return 1

    def caching_allocator_delete(self, ptr):
        pass

    @contextlib.contextmanager
    def device(self, index):
        yield

    def empty_cache(self):
        pass

    def synchronize(self, device=None):
        self.log.append(f"sync {device}")

    def reset_peak_memory_stats(self, device=None):
        self.log.append(f"reset {device}")

    def max_memory_allocated(self, device=None):
        return 300 * 2**20

    def max_memory_reserved(self, device=None):
        return 400 * 2**20


def test_cuda_is_synchronized_before_every_clock_read_and_peak_memory_read():
    log = []

    def clock():
        log.append("clock")
        return float(len(log))

    class _Model(_Fake):
        device = "cuda"  # the current GPU

        def fit(self, X, y):
            log.append("fit")
            return self

        def predict(self, X):
            log.append("predict")
            return np.zeros(len(X))

    m = measure_fold(_Model(), [[0]], [0], [[0]], clock=clock, cuda=_FakeCuda(log))
    assert log == [
        "sync 0",  # warm-up
        "reset 0",
        *["sync 0", "clock", "fit", "sync 0", "clock", "predict", "sync 0", "clock"],
    ]
    assert m.peak_gpu_mb == 300.0 and m.peak_gpu_reserved_mb == 400.0
    assert measure_fold(_Fake(), [[0]], [0], [[0]], cuda=None).peak_gpu_mb is None


def test_greater_is_better_for_known_and_unknown_metrics():
    from benchsuite.metrics import METRICS, greater_is_better

    for name, metric in METRICS.items():
        assert greater_is_better(name) is metric.greater_is_better
    # names of other versions' metrics: an error or a loss is lower-is-better
    assert not greater_is_better("mse") and not greater_is_better("hinge_loss")
    assert not greater_is_better("max_error") and greater_is_better("precision_macro")

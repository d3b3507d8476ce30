"""Inference timing (issue 15): the timed loop, its statistics, the batches, CUDA, the job.

Every timing here runs on an injected clock (no sleeps, no timed assertions); ``FakeCuda``
stands in for ``torch.cuda`` and logs each call with the device it names.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.svm import SVC

import benchsuite.inference
from benchsuite.datasets import load_dataset
from benchsuite.executors import run_plan
from benchsuite.executors._job import run_job
from benchsuite.executors._splits import make_splits
from benchsuite.inference import (
    ENTRY_FIELDS,
    INFERENCE_FIELDS,
    SAMPLE_SIZE,
    InferenceSpec,
    InferenceUnavailable,
    measure_inference,
)
from benchsuite.plan import Plan, build_plan
from benchsuite.results import read_records
from benchsuite.suite import parse_suite

# --------------------------------------------------------------------------------------
# stand-ins


class StepClock:
    """A clock that moves ``step`` seconds per read and logs each read."""

    def __init__(self, log, step=0.125):
        self.log, self.step, self.now = log, step, 0.0

    def __call__(self):
        self.now += self.step
        self.log.append(("clock", None))
        return self.now


class ListClock:
    """A clock that returns the given readings in order."""

    def __init__(self, readings):
        self.readings = iter(readings)
        self.reads = 0

    def __call__(self):
        self.reads += 1
        return next(self.readings)


class Logged(BaseEstimator, ClassifierMixin):
    """A fitted model that logs its calls (and keeps the batches it was given)."""

    def __init__(self, log=None, device="cpu"):
        self.log = log
        self.device = device
        self.device_ = device
        self.batches = []

    def predict(self, X):
        self.log.append(("predict", None))
        self.batches.append(X)
        return np.zeros(X.shape[0] if hasattr(X, "shape") else len(X))  # sparse: no len


class FakeEvent:
    def __init__(self, log, ms, enable_timing=False):
        assert enable_timing
        self.log, self.ms = log, ms

    def record(self, stream=None):
        self.log.append(("event.record", None))

    def elapsed_time(self, end):
        return self.ms


class FakeCuda:
    """``torch.cuda`` of a machine with two GPUs, current one 0; events read ``event_ms``."""

    def __init__(self, log, event_ms=2.0):
        self.log, self.event_ms, self.current = log, event_ms, 0

    def is_available(self):
        return True

    def current_device(self):
        return self.current

    def device_count(self):
        return 2

    def synchronize(self, device=None):
        self.log.append(("synchronize", device))

    def Event(self, enable_timing=False):  # noqa: N802 (torch.cuda's name)
        return FakeEvent(self.log, self.event_ms, enable_timing=enable_timing)

    @contextlib.contextmanager
    def device(self, index):
        previous, self.current = self.current, index
        self.log.append(("device", index))
        try:
            yield
        finally:
            self.current = previous


def _rows(n=50, d=3):
    return np.arange(n * d, dtype=float).reshape(n, d)


# --------------------------------------------------------------------------------------
# the timed loop


def test_timed_calls_stop_once_min_time_s_has_passed():
    log = []
    spec = InferenceSpec(batch_sizes=(1,), min_time_s=1.0, warmup=0, max_calls=1000)
    (entry,) = measure_inference(Logged(log), _rows(), spec, seed=0, clock=StepClock(log))
    assert entry["n_calls"] == 8  # 8 calls of 0.125 s make 1.0 s
    assert entry["median_s"] == 0.125 and entry["min_s"] == 0.125
    assert entry["throughput_per_s"] == 8.0


def test_timed_calls_stop_at_max_calls():
    log = []
    spec = InferenceSpec(batch_sizes=(1,), min_time_s=100.0, warmup=0, max_calls=5)
    (entry,) = measure_inference(Logged(log), _rows(), spec, seed=0, clock=StepClock(log))
    assert entry["n_calls"] == 5
    assert [name for name, _ in log].count("predict") == 5


def test_warmup_calls_are_untimed_and_the_clock_is_read_once_per_call():
    log = []
    spec = InferenceSpec(batch_sizes=(4, 2), min_time_s=0.5, warmup=3, max_calls=1000)
    entries = measure_inference(Logged(log), _rows(), spec, seed=0, clock=StepClock(log))
    names = [name for name, _ in log]
    n = entries[0]["n_calls"]
    assert n == 4
    # batch size 4: three untimed calls, one read, then a call and a read per timed call
    first = ["predict"] * 3 + ["clock"] + ["predict", "clock"] * n
    assert names[: len(first)] == first
    rest = names[len(first) :]
    assert rest == ["predict"] * 3 + ["clock"] + ["predict", "clock"] * entries[1]["n_calls"]


def test_quantiles_are_numpys_over_every_timed_call():
    rng = np.random.default_rng(7)
    durations = rng.lognormal(-7, 0.5, size=300)
    readings = np.concatenate([[10.0], 10.0 + np.cumsum(durations)])
    clock = ListClock(readings.tolist())
    spec = InferenceSpec(batch_sizes=(3,), min_time_s=1e9, warmup=2, max_calls=300)
    (entry,) = measure_inference(Logged([]), _rows(), spec, seed=1, clock=clock)
    times = np.diff(readings)  # what a call took, as the clock saw it
    assert entry["n_calls"] == 300 and clock.reads == 301
    assert entry["median_s"] == pytest.approx(np.median(times), rel=1e-12)
    assert entry["p90_s"] == pytest.approx(np.percentile(times, 90), rel=1e-12)
    assert entry["p99_s"] == pytest.approx(np.percentile(times, 99), rel=1e-12)
    iqr = np.percentile(times, 75) - np.percentile(times, 25)
    assert entry["iqr_s"] == pytest.approx(iqr, rel=1e-9)
    assert entry["min_s"] == pytest.approx(times.min(), rel=1e-12)
    assert entry["throughput_per_s"] == pytest.approx(3 / np.median(times), rel=1e-12)
    sample = np.asarray(entry["sample_s"])
    assert len(sample) == SAMPLE_SIZE and list(sample) == sorted(sample)
    assert np.isin(np.round(sample, 15), np.round(times, 15)).all()


def test_entry_keys_and_types():
    log = []
    spec = InferenceSpec(batch_sizes=(1, 8), min_time_s=0.25, warmup=0)
    entries = measure_inference(Logged(log), _rows(), spec, seed=0, clock=StepClock(log))
    assert ENTRY_FIELDS[: len(INFERENCE_FIELDS)] == INFERENCE_FIELDS
    for entry, size in zip(entries, (1, 8), strict=True):
        assert tuple(entry) == ENTRY_FIELDS
        assert entry["batch_size"] == size and entry["method"] == "predict"
        assert entry["device"] == "cpu" and entry["replacement"] is False
        # few calls: the sample is all of them
        assert entry["sample_s"] == [0.125, 0.125]
        assert all(type(entry[k]) is float for k in ("median_s", "p90_s", "p99_s", "min_s"))


def test_a_real_clock_gives_positive_times_for_logistic_regression():
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    spec = InferenceSpec(batch_sizes=(1, 16), min_time_s=0.005, max_calls=50)
    entries = measure_inference(model, X[:30], spec, seed=0)
    for entry in entries:
        assert 1 <= entry["n_calls"] <= 50
        assert 0 < entry["min_s"] <= entry["median_s"] <= entry["p90_s"] <= entry["p99_s"]


def test_warnings_of_the_timed_calls_are_not_collected():
    import warnings

    class Noisy(Logged):
        def predict(self, X):
            warnings.warn("every call", UserWarning, stacklevel=1)
            return super().predict(X)

    log = []
    spec = InferenceSpec(batch_sizes=(1,), min_time_s=2.0, warmup=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (entry,) = measure_inference(Noisy(log), _rows(), spec, seed=0, clock=StepClock(log))
    assert entry["n_calls"] == 16
    assert len(caught) == 3  # the warm-up's: what a record's warnings show


# --------------------------------------------------------------------------------------
# the batches


class LoggedArray(np.ndarray):
    """An array that logs every indexing (to see when batches are built)."""

    log: list

    def __getitem__(self, item):
        LoggedArray.log.append(("index", None))
        return super().__getitem__(item)


def test_batches_are_built_before_the_first_clock_read():
    log = []
    LoggedArray.log = log
    X = _rows(40).view(LoggedArray)
    spec = InferenceSpec(batch_sizes=(4,), min_time_s=2.0, warmup=1)
    (entry,) = measure_inference(Logged(log), X, spec, seed=0, clock=StepClock(log))
    names = [name for name, _ in log]
    assert "index" in names
    assert "index" not in names[names.index("clock") :]
    assert entry["n_calls"] == 16


def test_rows_without_replacement_when_the_fold_has_enough():
    log = []
    model = Logged(log)
    X = np.arange(20, dtype=float).reshape(-1, 1)
    spec = InferenceSpec(batch_sizes=(4,), min_time_s=2.0, warmup=0)
    (entry,) = measure_inference(model, X, spec, seed=3, clock=StepClock(log))
    assert entry["replacement"] is False
    rows = [tuple(b[:, 0]) for b in model.batches]
    assert all(len(set(r)) == 4 for r in rows)  # no row twice in a batch
    distinct = {r for r in rows}
    assert len(distinct) == 5  # 20 rows make 5 disjoint batches, cycled through
    assert len(set().union(*distinct)) == 20


def test_rows_with_replacement_when_the_fold_is_smaller_than_the_batch():
    log = []
    model = Logged(log)
    X = np.arange(5, dtype=float).reshape(-1, 1)
    spec = InferenceSpec(batch_sizes=(2, 32), min_time_s=0.25, warmup=0)
    small, large = measure_inference(model, X, spec, seed=0, clock=StepClock(log))
    assert small["replacement"] is False and large["replacement"] is True
    big = [b for b in model.batches if len(b) == 32]
    assert big and all(set(b[:, 0]) <= set(range(5)) for b in big)
    assert len(set(big[0][:, 0])) < 32


def test_the_same_seed_draws_the_same_batches_and_sample():
    def run(seed):
        log = []
        model = Logged(log)
        spec = InferenceSpec(batch_sizes=(3,), min_time_s=1.0, warmup=0)
        (entry,) = measure_inference(model, _rows(30), spec, seed=seed, clock=StepClock(log))
        return [b.tolist() for b in model.batches], entry

    assert run(5) == run(5)
    assert run(5)[0] != run(6)[0]


def test_dataframe_batches_are_dataframes_with_the_folds_rows():
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    log = []
    spy = Logged(log)
    spec = InferenceSpec(batch_sizes=(1, 8), min_time_s=0.25, warmup=1)
    fold = X.iloc[100:130]
    measure_inference(spy, fold, spec, seed=0, clock=StepClock(log))
    assert {type(b) for b in spy.batches} == {pd.DataFrame}
    assert {len(b) for b in spy.batches} == {1, 8}
    assert all(set(b.index) <= set(fold.index) for b in spy.batches)
    # a model fitted on a frame predicts them without a feature-name warning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        entries = measure_inference(model, fold, spec, seed=0, clock=StepClock([]))
    assert [e["batch_size"] for e in entries] == [1, 8]


def test_a_plain_list_of_rows_is_an_array_like_too():
    # "array-like" as scikit-learn takes it: a list of rows (or of documents) used to fail
    # with "only integer scalar arrays can be converted to a scalar index"
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    rows = X[100:130].tolist()
    log = []
    spy = Logged(log)
    spec = InferenceSpec(batch_sizes=(1, 8, 64), min_time_s=0.25, warmup=1)
    entries = measure_inference(spy, rows, spec, seed=0, clock=StepClock(log))
    assert [e["replacement"] for e in entries] == [False, False, True]
    assert {type(b) for b in spy.batches} == {list}
    assert {len(b) for b in spy.batches} == {1, 8, 64}
    assert all(row in rows for b in spy.batches for row in b)
    entries = measure_inference(model, rows, spec, seed=0, clock=StepClock([]))
    assert [e["batch_size"] for e in entries] == [1, 8, 64]


@pytest.mark.parametrize("fmt", ["csr", "coo", "dia", "bsr"])
def test_sparse_folds_of_any_format_give_sparse_batches(fmt):
    # coo, dia and bsr have no row indexing: they used to fail ("not subscriptable")
    import scipy.sparse as sp

    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=1000).fit(sp.csr_matrix(X), y)
    fold = sp.csr_matrix(X[100:130]).asformat(fmt)
    spec = InferenceSpec(batch_sizes=(1, 8, 64), min_time_s=0.25, warmup=1)
    log = []
    spy = Logged(log)
    measure_inference(spy, fold, spec, seed=0, clock=StepClock(log))
    assert all(sp.issparse(b) for b in spy.batches)
    assert {b.shape for b in spy.batches} == {(1, 4), (8, 4), (64, 4)}
    entries = measure_inference(model, fold, spec, seed=0, clock=StepClock([]))
    assert [e["replacement"] for e in entries] == [False, False, True]


def test_predict_proba_is_timed_when_asked():
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    calls = []
    real = model.predict_proba
    model.predict_proba = lambda X: calls.append(len(X)) or real(X)
    spec = InferenceSpec(batch_sizes=(2,), method="predict_proba", min_time_s=0.5, warmup=1)
    (entry,) = measure_inference(model, X, spec, seed=0, clock=StepClock([]))
    assert entry["method"] == "predict_proba"
    assert calls == [2] * (1 + entry["n_calls"])


@pytest.mark.parametrize("model", [SVC(), Ridge()], ids=["svc", "ridge"])
def test_no_predict_proba_raises_before_any_call(model):
    X, y = load_iris(return_X_y=True)
    model.fit(X, y)
    spec = InferenceSpec(method="predict_proba")
    clock = ListClock([])
    with pytest.raises(InferenceUnavailable, match=f"{type(model).__name__} has no predict_proba"):
        measure_inference(model, X, spec, seed=0, clock=clock)
    assert clock.reads == 0


def test_device_resident_asked_of_a_classic_model_is_unavailable():
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    with pytest.raises(InferenceUnavailable, match="device_resident"):
        measure_inference(model, X, InferenceSpec(device_resident=True), seed=0)


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"batch_sizes": ()}, "batch_sizes"),
        ({"batch_sizes": (1, 0)}, "batch size"),
        ({"batch_sizes": (4, 4)}, "twice"),
        ({"min_time_s": 0.0}, "min_time_s"),
        ({"warmup": -1}, "warmup"),
        ({"max_calls": 0}, "max_calls"),
        ({"folds": "second"}, "folds"),
        ({"method": "transform"}, "method"),
    ],
)
def test_an_invalid_spec_is_refused_when_built_not_deep_in_the_timing(settings, match):
    # InferenceSpec is public API: a batch size of 0 used to end in a ZeroDivisionError
    # while drawing batches, an empty batch_sizes in no entries at all, max_calls=0 only
    # after the warm-up calls had run
    with pytest.raises(ValueError, match=match):
        InferenceSpec(**settings)


def test_a_spec_takes_batch_sizes_as_a_list_and_keeps_a_tuple():
    spec = InferenceSpec(batch_sizes=[1, 32])
    assert spec.batch_sizes == (1, 32)
    numpy_sizes = InferenceSpec(batch_sizes=np.array([1, 32])).batch_sizes
    assert numpy_sizes == (1, 32) and {type(size) for size in numpy_sizes} == {int}
    for bad in (True, 1.0, "1"):
        with pytest.raises(ValueError, match="must be an integer"):
            InferenceSpec(batch_sizes=(bad,))
    hash(spec)  # frozen, hence usable as a key (plan.inference_lines groups by it)


# --------------------------------------------------------------------------------------
# CUDA, with a stand-in


def test_cuda_model_syncs_its_own_device_before_every_clock_read():
    log = []
    cuda = FakeCuda(log)
    model = Logged(log, device="cuda:1")
    spec = InferenceSpec(batch_sizes=(2,), min_time_s=1.0, warmup=2)
    (entry,) = measure_inference(model, _rows(), spec, seed=0, clock=StepClock(log), cuda=cuda)
    assert entry["device"] == "cuda:1" and entry["n_calls"] == 8
    syncs = [dev for name, dev in log if name == "synchronize"]
    assert syncs == [1] * (entry["n_calls"] + 1)  # one per clock read, all on cuda:1
    names = [name for name, _ in log]
    assert names[:5] == ["predict", "predict", "synchronize", "clock", "predict"]
    for i, name in enumerate(names):
        if name == "clock":
            assert names[i - 1] == "synchronize"


def test_cpu_model_never_touches_cuda():
    log = []
    spec = InferenceSpec(batch_sizes=(1,), min_time_s=0.5)
    (entry,) = measure_inference(
        Logged(log), _rows(), spec, seed=0, clock=StepClock(log), cuda=FakeCuda(log)
    )
    assert entry["device"] == "cpu"
    assert {name for name, _ in log} == {"predict", "clock"}


@pytest.fixture(scope="module")
def torch_mlp():
    pytest.importorskip("torch")
    from benchsuite.estimators.torch import TorchMLPClassifier

    X, y = load_iris(return_X_y=True)
    X = X.astype("float32")
    model = TorchMLPClassifier(epochs=1, hidden_layer_sizes=(8,), threads=1, random_state=0)
    return model.fit(X, y), X


def test_device_resident_on_cuda_times_the_forward_pass_with_events(torch_mlp):
    model, X = torch_mlp
    log = []
    cuda = FakeCuda(log, event_ms=2.0)
    forwards = []
    handle = model.module_.register_forward_hook(lambda *a: forwards.append(1))
    try:
        spec = InferenceSpec(batch_sizes=(4,), min_time_s=0.02, warmup=2, device_resident=True)
        clock = ListClock([])  # events time the calls: the host clock is never read
        (entry,) = measure_inference(
            model, X, spec, seed=0, device="cuda:1", clock=clock, cuda=cuda
        )
    finally:
        handle.remove()
    assert clock.reads == 0
    assert entry["n_calls"] == 10  # 10 x 2 ms make 0.02 s
    assert entry["median_s"] == pytest.approx(0.002) and entry["device"] == "cuda:1"
    assert len(forwards) == 2 + 10
    names = [name for name, _ in log]
    assert names.count("event.record") == 2 * 10
    assert [dev for name, dev in log if name == "synchronize"] == [1] * (1 + 10)
    assert ("device", 1) in log and log.index(("device", 1)) < names.index("event.record")
    assert not model.module_.training  # eval mode


def test_warnings_of_event_timed_calls_are_not_collected_either(torch_mlp):
    # the host-clock loop ignored the timed calls' warnings; the CUDA-event loop let each
    # one reach the caller's filters (a job records them all, inside the timed calls)
    import warnings

    model, X = torch_mlp
    cuda = FakeCuda([], event_ms=2.0)

    def noisy(*args):
        warnings.warn("every forward", UserWarning, stacklevel=1)

    handle = model.module_.register_forward_hook(noisy)
    try:
        spec = InferenceSpec(batch_sizes=(4,), min_time_s=0.02, warmup=2, device_resident=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            (entry,) = measure_inference(model, X, spec, seed=0, device="cuda:1", cuda=cuda)
    finally:
        handle.remove()
    assert entry["n_calls"] == 10
    assert [str(w.message) for w in caught] == ["every forward"] * 2  # the warm-up's


def test_device_resident_on_cpu_times_the_forward_pass_not_predict(torch_mlp, monkeypatch):
    model, X = torch_mlp
    monkeypatch.setattr(type(model), "predict", lambda self, X: pytest.fail("predict called"))
    log = []
    spec = InferenceSpec(batch_sizes=(1, 8), min_time_s=0.5, warmup=1, device_resident=True)
    entries = measure_inference(model, X, spec, seed=0, clock=StepClock(log))
    assert [e["n_calls"] for e in entries] == [4, 4]
    assert all(e["device"] == "cpu" for e in entries)


def test_torch_model_host_path_predicts_on_the_cpu(torch_mlp):
    model, X = torch_mlp
    spec = InferenceSpec(batch_sizes=(1, 4), method="predict_proba", min_time_s=0.5, warmup=1)
    entries = measure_inference(model, X, spec, seed=0, clock=StepClock([]))
    assert [(e["batch_size"], e["n_calls"], e["device"]) for e in entries] == [
        (1, 4, "cpu"),
        (4, 4, "cpu"),
    ]


# --------------------------------------------------------------------------------------
# in a job

SUITE = """
name: inf
defaults: {{evaluation: {{cv: 3}}, repeats: {repeats}, metrics: [accuracy]}}
datasets: [iris]
estimators: [{estimator}]
"""


def _job_setup(tmp_path, spec, *, estimator="logreg", repeats=1):
    suite = parse_suite(
        SUITE.format(estimator=estimator, repeats=repeats), source="t.yaml", base_dir=tmp_path
    )
    plan = build_plan(suite)
    (case,) = plan.cases
    case = dataclasses.replace(case, inference=spec)
    dataset = load_dataset(suite.datasets[0], base_dir=tmp_path, seed=suite.seed)
    splits = make_splits(dataset, case.evaluation, suite.seed)
    return plan, case, dataset, splits


def _run(job, dataset, splits, clock=None):
    kwargs = {"clock": clock} if clock is not None else {}
    return run_job(job, dataset, splits, run_id="r", suite="inf", sample_memory=False, **kwargs)


def test_first_fold_only_by_default_with_real_timings(tmp_path):
    spec = InferenceSpec(batch_sizes=(1, 8, 100), min_time_s=0.005, warmup=1, max_calls=40)
    _, case, dataset, splits = _job_setup(tmp_path, spec, repeats=2)
    records = [_run(job, dataset, splits) for job in case.jobs]
    assert [r.status for r in records] == ["ok"] * 6
    measured = [(r.fold, r.repeat) for r in records if r.inference is not None]
    assert measured == [(0, 0)]
    (rec,) = [r for r in records if r.inference is not None]
    assert [e["batch_size"] for e in rec.inference] == [1, 8, 100]
    assert [e["replacement"] for e in rec.inference] == [False, False, True]  # 50 test rows
    for entry in rec.inference:
        assert tuple(entry) == ENTRY_FIELDS
        assert 1 <= entry["n_calls"] <= 40 and entry["median_s"] > 0 and entry["min_s"] > 0
        assert entry["device"] == "cpu" and entry["method"] == "predict"
    assert rec.metrics["accuracy"] > 0.8


def test_every_job_with_folds_all_and_the_seed_is_the_jobs(tmp_path, monkeypatch):
    spec = InferenceSpec(batch_sizes=(1,), min_time_s=0.5, warmup=0, folds="all")
    _, case, dataset, splits = _job_setup(tmp_path, spec)
    seeds = []
    real = benchsuite.inference.measure_inference

    def spy(*args, seed, **kwargs):
        seeds.append(seed)
        return real(*args, seed=seed, **kwargs)

    monkeypatch.setattr(benchsuite.inference, "measure_inference", spy)
    records = [_run(job, dataset, splits, clock=StepClock([])) for job in case.jobs]
    assert all(r.inference is not None and r.inference[0]["n_calls"] == 4 for r in records)
    assert seeds == [job.random_state for job in case.jobs]


def test_fit_and_predict_times_do_not_include_the_inference(tmp_path):
    spec = InferenceSpec(batch_sizes=(1, 32), min_time_s=1.0, warmup=2)
    _, case, dataset, splits = _job_setup(tmp_path, spec)
    job = case.jobs[0]
    with_inference = _run(job, dataset, splits, clock=StepClock([]))
    plain_job = dataclasses.replace(job, case=dataclasses.replace(case, inference=None))
    without = _run(plain_job, dataset, splits, clock=StepClock([]))
    assert without.inference is None and with_inference.inference is not None
    # one clock step each: the inference's many clock reads all came after predict
    assert with_inference.fit_time_s == without.fit_time_s == 0.125
    assert with_inference.predict_time_s == without.predict_time_s == 0.125
    assert with_inference.metrics == without.metrics


def test_a_model_without_predict_proba_keeps_its_record_with_a_warning(tmp_path):
    spec = InferenceSpec(batch_sizes=(1,), method="predict_proba", min_time_s=0.01)
    _, case, dataset, splits = _job_setup(tmp_path, spec, estimator="svc")
    rec = _run(case.jobs[0], dataset, splits)
    assert rec.status == "ok" and rec.inference is None and rec.fit_time_s > 0
    assert rec.metrics["accuracy"] > 0.8
    assert any("inference" in w and "no predict_proba" in w for w in rec.warnings)


def test_a_reason_the_plan_gave_reaches_the_record_as_the_job_would_say_it(tmp_path):
    # the plan already knows svc (probability=False) has no predict_proba: it drops the
    # case's inference; the run's records used to say nothing about why none was measured
    text = """
name: inf
defaults:
  evaluation: {cv: 3}
  metrics: [accuracy]
  inference: {batch_sizes: [1], method: predict_proba, min_time_s: 0.005}
datasets: [iris]
estimators: [svc]
"""
    suite = parse_suite(text, source="t.yaml", base_dir=tmp_path)
    (case,) = build_plan(suite).cases
    assert case.inference is None and case.inference_skip_reason is not None
    dataset = load_dataset(suite.datasets[0], base_dir=tmp_path, seed=suite.seed)
    splits = make_splits(dataset, case.evaluation, suite.seed)
    records = [_run(job, dataset, splits) for job in case.jobs]
    assert all(r.status == "ok" and r.inference is None for r in records)
    said = [[w for w in r.warnings if w.startswith("inference")] for r in records]
    # the job that would have measured (the first) says it, in the words of the job's own
    # InferenceUnavailable warning; the others measure nothing in any case
    assert said == [[f"inference: {case.inference_skip_reason}; not measured"], [], []]


def test_a_failing_inference_keeps_the_fit(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("out of\nmemory")

    monkeypatch.setattr(benchsuite.inference, "measure_inference", broken)
    _, case, dataset, splits = _job_setup(tmp_path, InferenceSpec())
    rec = _run(case.jobs[0], dataset, splits)
    assert rec.status == "ok" and rec.error is None and rec.inference is None
    assert rec.fit_time_s > 0 and rec.metrics["accuracy"] > 0.8
    assert any("inference" in w and "RuntimeError: out of memory" in w for w in rec.warnings)


def test_no_inference_block_measures_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(benchsuite.inference, "measure_inference", lambda *a, **k: pytest.fail())
    _, case, dataset, splits = _job_setup(tmp_path, None)
    assert _run(case.jobs[0], dataset, splits).inference is None


def test_inference_entries_reach_records_jsonl(tmp_path):
    spec = InferenceSpec(batch_sizes=(1, 4), min_time_s=0.002, warmup=1, max_calls=20)
    plan, case, _, _ = _job_setup(tmp_path, spec)
    plan = Plan(plan.suite, (case,), case.jobs)
    result = run_plan(plan, output=tmp_path / "out")
    records = sorted(read_records(result.path), key=lambda r: r.fold)
    assert [r.inference is not None for r in records] == [True, False, False]
    (first, *_) = records
    assert [e["batch_size"] for e in first.inference] == [1, 4]
    assert all(tuple(e) == ENTRY_FIELDS and e["median_s"] > 0 for e in first.inference)


def test_export_spreads_inference_into_columns_and_keeps_csv_json(tmp_path):
    import pandas as pd

    from benchsuite.results import Record, export_records

    entries = [
        {"batch_size": b, "method": "predict", "n_calls": 10 * b, "median_s": 1e-4 * b,
         "p90_s": 2e-4 * b, "p99_s": 3e-4 * b, "iqr_s": 1e-5, "min_s": 5e-5 * b,
         "throughput_per_s": 1e4, "device": "cpu", "replacement": False,
         "sample_s": [1e-4 * b, 2e-4 * b]}
        for b in (1, 1024)
    ]  # fmt: skip
    recs = [
        Record(run_id="r", suite="s", dataset="iris", estimator="lr", case_key="iris/lr",
               status="ok", fold=f, inference=entries if f == 0 else None)
        for f in range(2)
    ]  # fmt: skip
    (csv,) = export_records(recs, csv=tmp_path / "r.csv")
    frame = pd.read_csv(csv)
    assert frame["inference.b1.median_s"].tolist()[0] == pytest.approx(1e-4)
    assert frame["inference.b1024.p99_s"].tolist()[0] == pytest.approx(3e-4 * 1024)
    assert frame["inference.b1024.n_calls"].tolist()[0] == 10240
    assert frame["inference.b1.median_s"].isna().tolist() == [False, True]
    # the whole list survives as JSON (not Python's repr) in a CSV cell
    assert json.loads(frame["inference"][0]) == entries


@pytest.mark.gpu
def test_torch_inference_on_a_real_gpu_host_to_host_and_resident():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    from sklearn.datasets import load_digits

    from benchsuite.estimators.torch import TorchMLPClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype("float32")
    model = TorchMLPClassifier(epochs=1, device="cuda", random_state=0).fit(X[:1000], y[:1000])
    for resident in (False, True):
        spec = InferenceSpec(batch_sizes=(1, 256), min_time_s=0.05, device_resident=resident)
        entries = measure_inference(model, X[1000:], spec, seed=0)
        assert [e["batch_size"] for e in entries] == [1, 256]
        for e in entries:
            assert e["device"].startswith("cuda") and e["device_resident"] is resident
            assert 0 < e["min_s"] <= e["median_s"] <= e["p99_s"] and e["n_calls"] >= 1

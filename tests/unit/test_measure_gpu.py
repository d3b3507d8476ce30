"""GPU measurement acts on the job's own device, and GPU memory belongs to the job.

``FakeCuda`` stands in for ``torch.cuda``: it logs every call with the device it was given,
so these tests need no GPU. The test marked ``gpu`` checks the same on a real one.
"""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

import benchsuite.measure
from benchsuite.measure import measure_fold, warm_up_device
from benchsuite.results import Record, records_frame


class FakeCuda:
    """``torch.cuda`` of a machine with ``count`` GPUs, current one ``current``."""

    def __init__(self, log=None, *, current=0, count=2, allocated_mb=300, reserved_mb=512):
        self.log = [] if log is None else log
        self.current, self.count = current, count
        self.allocated_mb, self.reserved_mb = allocated_mb, reserved_mb

    def is_available(self):
        return True

    def is_initialized(self):
        return True

    def current_device(self):
        return self.current

    def device_count(self):
        return self.count

    def synchronize(self, device=None):
        self.log.append(("synchronize", device))

    def reset_peak_memory_stats(self, device=None):
        self.log.append(("reset_peak_memory_stats", device))

    def max_memory_allocated(self, device=None):
        self.log.append(("max_memory_allocated", device))
        return self.allocated_mb * 2**20

    def max_memory_reserved(self, device=None):
        self.log.append(("max_memory_reserved", device))
        return self.reserved_mb * 2**20

    def empty_cache(self):
        self.log.append(("empty_cache", self.current))

    def caching_allocator_alloc(self, size, device=None, stream=None):
        self.log.append(("caching_allocator_alloc", device))
        return 1234

    def caching_allocator_delete(self, ptr):
        self.log.append(("caching_allocator_delete", None))

    @contextlib.contextmanager
    def device(self, index):
        previous, self.current = self.current, index
        self.log.append(("device", index))
        try:
            yield
        finally:
            self.current = previous


class Model(BaseEstimator, ClassifierMixin):
    """A model with a ``device`` param that reports where it ran (``device_``), as torch's."""

    def __init__(self, device="cpu", log=None):
        self.device = device
        self.log = log

    def fit(self, X, y):
        if self.log is not None:
            self.log.append(("fit", None))
        self.device_ = "cpu" if self.device == "cpu" else self.device
        return self

    def predict(self, X):
        if self.log is not None:
            self.log.append(("predict", None))
        return np.zeros(len(X))


class CpuModel(BaseEstimator):
    """A classic model: no device at all."""

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros(len(X))


def _devices(log):
    """The devices the CUDA calls in ``log`` named (free of a pointer names none)."""
    skip = ("fit", "predict", "clock", "caching_allocator_delete")
    return {dev for name, dev in log if name not in skip}


def test_cuda_1_job_syncs_resets_and_reads_memory_on_device_1():
    log = []
    cuda = FakeCuda(log)

    def clock():
        log.append(("clock", None))
        return float(len(log))

    m = measure_fold(
        Model("cuda:1", log), [[0]], [0], [[0]], clock=clock, cuda=cuda, sample_memory=False
    )
    # device 1 only: never the current device (0), never None (= the current device)
    assert _devices(log) == {1}
    names = [name for name, _ in log]
    for name in ("reset_peak_memory_stats", "max_memory_allocated", "max_memory_reserved"):
        assert name in names
    clocks = [i for i, (name, _) in enumerate(log) if name == "clock"]
    assert len(clocks) == 3
    for i in clocks:
        assert log[i - 1] == ("synchronize", 1)  # queued kernels finish before each read
    assert names.index("reset_peak_memory_stats") < clocks[0]
    assert names.index("max_memory_allocated") > clocks[-1]
    assert m.peak_gpu_mb == 300.0


@pytest.mark.parametrize("spec", ["cuda", "auto"])
def test_plain_cuda_and_auto_mean_the_current_device(spec):
    cuda = FakeCuda(current=1)
    measure_fold(Model(spec), [[0]], [0], [[0]], cuda=cuda, sample_memory=False)
    assert _devices(cuda.log) == {1}


def test_cpu_job_after_a_cuda_job_has_no_gpu_memory():
    cuda = FakeCuda()  # "initialized" for the rest of the process, as after a CUDA job
    gpu = measure_fold(Model("cuda:0"), [[0]], [0], [[0]], cuda=cuda, sample_memory=False)
    assert gpu.peak_gpu_mb == 300.0 and gpu.peak_gpu_reserved_mb == 512.0
    cuda.log.clear()
    for model in (CpuModel(), Model("cpu")):
        m = measure_fold(model, [[0]], [0], [[0]], cuda=cuda, sample_memory=False)
        assert m.peak_gpu_mb is None and m.peak_gpu_reserved_mb is None
    assert cuda.log == []  # a CPU job makes no CUDA call at all


def test_reserved_memory_is_recorded():
    cuda = FakeCuda(allocated_mb=100, reserved_mb=256)
    m = measure_fold(Model("cuda:1"), [[0]], [0], [[0]], cuda=cuda, sample_memory=False)
    assert m.peak_gpu_mb == 100.0 and m.peak_gpu_reserved_mb == 256.0
    # earlier jobs' cached blocks are released first, with device 1 current: the job's own
    names = [name for name, _ in cuda.log]
    assert ("empty_cache", 1) in cuda.log
    assert names.index("empty_cache") < names.index("reset_peak_memory_stats")


def test_model_that_ran_elsewhere_than_planned_records_no_gpu_memory():
    class Fallback(Model):
        def fit(self, X, y):
            self.device_ = "cpu"  # e.g. a model that fell back to the CPU
            return self

    m = measure_fold(Fallback("cuda:1"), [[0]], [0], [[0]], cuda=FakeCuda(), sample_memory=False)
    assert m.peak_gpu_mb is None and m.peak_gpu_reserved_mb is None


def test_warm_up_on_cuda_1_touches_device_1_only():
    cuda = FakeCuda()
    warm_up_device("cuda:1", cuda=cuda)
    assert _devices(cuda.log) == {1}
    assert ("caching_allocator_alloc", 1) in cuda.log and ("synchronize", 1) in cuda.log


@pytest.mark.parametrize("spec", [None, "cpu", "mps", "cuda:7"])
def test_warm_up_leaves_cuda_alone_for_other_devices(spec):
    cuda = FakeCuda()  # 2 GPUs: cuda:7 does not exist, the model's fit reports it
    warm_up_device(spec, cuda=cuda)
    assert cuda.log == []


def test_warm_up_and_measure_without_torch_or_gpu_make_no_cuda_call():
    warm_up_device("cuda:1", cuda=None)
    m = measure_fold(Model("cuda:1"), [[0]], [0], [[0]], cuda=None, sample_memory=False)
    assert m.peak_gpu_mb is None and m.peak_gpu_reserved_mb is None


def _plan(text, tmp_path):
    from benchsuite.plan import build_plan
    from benchsuite.suite import parse_suite

    return build_plan(parse_suite(text, source="t.yaml", base_dir=tmp_path))


def test_record_of_cpu_job_after_a_cuda_job_in_the_same_process(tmp_path, monkeypatch):
    from benchsuite.executors import run_plan

    # torch loaded and CUDA initialized by an earlier job of this process
    monkeypatch.setattr(benchsuite.measure, "active_cuda", lambda: FakeCuda())
    plan = _plan(
        "name: cpu\ndefaults: {evaluation: {holdout: 0.3}}\ndatasets: [iris]\n"
        "estimators: [knn, logreg]\n",
        tmp_path,
    )
    for rec in run_plan(plan, output=tmp_path).records:
        assert rec.status == "ok", rec.error
        assert rec.peak_gpu_mb is None and rec.peak_gpu_reserved_mb is None


def test_record_field_is_optional_in_old_records_and_exported():
    rec = Record(run_id="r", suite="s", dataset="d", estimator="e", case_key="d/e", status="ok")
    old = rec.to_dict()
    del old["peak_gpu_reserved_mb"]  # a record written before the field existed
    assert Record.from_dict(old).peak_gpu_reserved_mb is None
    new = dataclasses.replace(rec, peak_gpu_mb=1.5, peak_gpu_reserved_mb=2.0)
    assert Record.from_dict(new.to_dict()).peak_gpu_reserved_mb == 2.0
    frame = records_frame([rec, new])
    assert list(frame["peak_gpu_reserved_mb"])[1] == 2.0


@pytest.mark.gpu
def test_real_cuda_job_on_the_last_gpu(tmp_path):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    from benchsuite.estimators.torch import TorchMLPClassifier

    last = torch.cuda.device_count() - 1
    X = np.random.default_rng(0).normal(size=(256, 8)).astype("float32")
    y = (X[:, 0] > 0).astype("int64")
    model = TorchMLPClassifier(epochs=2, device=f"cuda:{last}", random_state=0)
    m = measure_fold(model, X, y, X)
    assert model.device_ == f"cuda:{last}"
    assert m.peak_gpu_mb > 0 and m.peak_gpu_reserved_mb >= m.peak_gpu_mb
    cpu = measure_fold(CpuModel(), X, y, X)
    assert cpu.peak_gpu_mb is None and cpu.peak_gpu_reserved_mb is None


class GpuLibraryClassifier(ClassifierMixin, BaseEstimator):
    """A non-torch model on a GPU (as xgboost with device='cuda'): no ``device_``."""

    def __init__(self, device="cuda:1"):
        self.device = device

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_gpu_job_of_another_library_records_null_not_torch_memory(tmp_path, monkeypatch):
    from benchsuite.executors import run_plan

    cuda = FakeCuda()
    monkeypatch.setattr(benchsuite.measure, "active_cuda", lambda: cuda)
    plan = _plan(
        "name: lib\ndefaults: {evaluation: {holdout: 0.3}}\ndatasets: [iris]\n"
        "estimators: [{name: lib, model: 'test_measure_gpu:GpuLibraryClassifier',"
        " params: {device: 'cuda:1'}}]\n",
        tmp_path,
    )
    (rec,) = run_plan(plan, output=tmp_path).records
    assert rec.status == "ok", rec.error
    assert _devices(cuda.log) == {1}  # synchronized on its own GPU all the same
    assert rec.peak_gpu_mb is None and rec.peak_gpu_reserved_mb is None

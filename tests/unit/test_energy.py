"""Energy per job (NVML for the GPU, RAPL for the CPU) and NVML's GPU details in run.json.

``FakeNvml`` stands in for ``pynvml`` (put in ``sys.modules``), a tree under ``tmp_path``
for ``/sys/class/powercap``: no GPU, no root needed. The test marked ``gpu`` reads a real
GPU's counter.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import types
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from test_measure_gpu import FakeCuda

import benchsuite.measure
from benchsuite import _energy
from benchsuite.environment import gpu_info
from benchsuite.measure import measure_fold
from benchsuite.results import Record, records_frame


class NVMLError(Exception):
    pass


def fake_nvml(*, step_mj=(1500, 2500), fail_init=False, fail_energy=False, log=None):
    """A ``pynvml`` whose energy counter of device i advances by ``step_mj[i]`` per read."""
    mod = types.ModuleType("pynvml")
    log = [] if log is None else log
    counters = {i: 10_000_000 * (i + 1) for i in range(len(step_mj))}
    mod.NVMLError = NVMLError
    mod.NVML_CLOCK_SM, mod.NVML_CLOCK_MEM = 1, 2

    def init():
        log.append(("init", None))
        if fail_init:
            raise NVMLError("Driver Not Loaded")

    def handle(i):
        if not 0 <= i < len(step_mj):
            raise NVMLError("Invalid Argument")
        return ("handle", i)

    def energy(h):
        log.append(("energy", h[1]))
        if fail_energy:
            raise NVMLError("Not Supported")
        counters[h[1]] += step_mj[h[1]]
        return counters[h[1]]

    def mig_mode(h):
        if h[1] == 1:
            raise NVMLError("Not Supported")
        return (1, 1)

    mod.nvmlInit = init
    mod.nvmlDeviceGetCount = lambda: len(step_mj)
    mod.nvmlDeviceGetHandleByIndex = handle
    mod.nvmlDeviceGetTotalEnergyConsumption = energy
    mod.nvmlDeviceGetName = lambda h: f"Fake H{h[1]}00"
    mod.nvmlDeviceGetMemoryInfo = lambda h: types.SimpleNamespace(total=80 * 2**30)
    mod.nvmlSystemGetDriverVersion = lambda: b"550.54.15"
    mod.nvmlSystemGetCudaDriverVersion_v2 = lambda: 12040
    mod.nvmlDeviceGetMigMode = mig_mode
    mod.nvmlDeviceGetClockInfo = lambda h, kind: {1: 1980, 2: 2619}[kind]
    mod.nvmlDeviceGetMaxClockInfo = lambda h, kind: {1: 1980, 2: 2619}[kind] + 10
    return mod


def write_rapl(root, packages):
    """``packages``: (energy_uj, max_energy_range_uj) of each ``intel-rapl:N``."""
    for n, (uj, max_range) in enumerate(packages):
        pkg = root / f"intel-rapl:{n}"
        pkg.mkdir(parents=True, exist_ok=True)
        (pkg / "energy_uj").write_text(f"{uj}\n")
        (pkg / "max_energy_range_uj").write_text(f"{max_range}\n")
        # its core subdomain, listed beside it as in /sys/class/powercap: part of the
        # package, not added
        sub = root / f"intel-rapl:{n}:0"
        sub.mkdir(exist_ok=True)
        (sub / "energy_uj").write_text(f"{uj // 2}\n")  # moves with its package
        (sub / "max_energy_range_uj").write_text(f"{max_range}\n")


@pytest.fixture(autouse=True)
def _clean(request, monkeypatch, tmp_path):
    # every test starts with NVML not yet asked, no pynvml, an empty powercap and all GPUs
    monkeypatch.setattr(_energy, "_NVML", None)
    if request.node.get_closest_marker("gpu"):
        return  # the real pynvml and sysfs
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import pynvml -> ImportError
    monkeypatch.setattr(_energy, "POWERCAP_ROOT", tmp_path / "powercap")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)


class Model(BaseEstimator, ClassifierMixin):
    """Fits and predicts by advancing the fake RAPL counters (as a CPU would)."""

    def __init__(self, device="cpu", rapl=None):
        self.device = device
        self.rapl = rapl

    def _burn(self, uj):
        if self.rapl is not None:
            for pkg in self.rapl.glob("intel-rapl:?"):
                f = pkg / "energy_uj"
                f.write_text(str(int(f.read_text()) + uj))

    def fit(self, X, y):
        self._burn(1_000_000)
        self.classes_ = np.unique(y)
        self.device_ = self.device
        return self

    def predict(self, X):
        self._burn(500_000)
        return np.full(len(X), self.classes_[0])


# --------------------------------------------------------------------------------------
# NVML
# --------------------------------------------------------------------------------------


def test_gpu_energy_is_the_counter_difference_on_the_jobs_device(monkeypatch):
    log = []
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(log=log))
    meter = _energy.EnergyMeter(1)
    meter.start()
    energy_j, cpu_j = meter.stop()
    assert energy_j == 2.5  # device 1's step (2500 mJ), not device 0's
    assert cpu_j is None  # no RAPL here
    assert [dev for name, dev in log if name == "energy"] == [1, 1]
    with _energy.EnergyMeter(0) as m0:
        pass
    assert m0.energy_j == 1.5
    assert [name for name, _ in log].count("init") == 1  # once per process


def test_cuda_visible_devices_maps_the_cuda_index_to_nvmls(monkeypatch):
    log = []
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(log=log))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1,0")
    assert _energy.EnergyMeter(0).stop() == (None, None)  # not started: nothing read
    with _energy.EnergyMeter(0) as meter:  # cuda:0 of this process is NVML's GPU 1
        pass
    assert meter.energy_j == 2.5
    assert _energy.nvml_index(1) == 0
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "GPU-abc,MIG-xyz")
    assert _energy.nvml_index(0) == "GPU-abc"
    assert _energy.nvml_index(1) is None  # a MIG instance has no counter of its own
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert _energy.nvml_index(0) is None


def test_job_off_the_gpu_reads_no_nvml(monkeypatch):
    log = []
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(log=log))
    with _energy.EnergyMeter(None) as meter:
        pass
    assert meter.energy_j is None and log == []


@pytest.mark.parametrize(
    "nvml",
    [
        None,  # nvidia-ml-py not installed
        {"fail_init": True},  # no driver
        {"fail_energy": True},  # a GPU without the counter
    ],
)
def test_nvml_missing_or_failing_gives_null_without_exception_or_warning(monkeypatch, caplog, nvml):
    log = []
    if nvml is not None:
        monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(log=log, **nvml))
    caplog.set_level(logging.DEBUG, logger="benchsuite")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(5):  # five jobs
            with _energy.EnergyMeter(0) as meter:
                pass
            assert meter.energy_j is None
    assert [name for name, _ in log].count("init") <= 1  # a failed init is not retried
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 0
    assert len(caplog.records) <= 1  # at most one debug line per process


# --------------------------------------------------------------------------------------
# RAPL
# --------------------------------------------------------------------------------------


def test_rapl_sums_packages_and_corrects_a_wrap_around(tmp_path):
    root = tmp_path / "powercap"
    write_rapl(root, [(1_000_000, 2_000_000), (262_000_000, 262_143_328_850)])
    meter = _energy.EnergyMeter(None)
    meter.start()
    # package 0 wrapped: 1.0 J -> 2.0 J (max) -> 0.25 J = 1.25 J; package 1: +3 J
    write_rapl(root, [(250_000, 2_000_000), (265_000_000, 262_143_328_850)])
    energy_j, cpu_j = meter.stop()
    assert energy_j is None
    assert cpu_j == pytest.approx(4.25)


def test_rapl_unreadable_or_absent_gives_null(tmp_path):
    root = tmp_path / "powercap"
    with _energy.EnergyMeter(None) as meter:  # no powercap at all
        pass
    assert meter.cpu_energy_j is None
    write_rapl(root, [(1_000_000, 2_000_000), (5, 10)])
    # what a non-root user sees since Linux 5.10: the file exists, reading it fails
    (root / "intel-rapl:1" / "energy_uj").unlink()
    (root / "intel-rapl:1" / "energy_uj").mkdir()  # read_text -> IsADirectoryError
    with _energy.EnergyMeter(None) as meter:
        pass
    assert meter.cpu_energy_j is None


def test_rapl_unreadable_by_permission_gives_null(tmp_path, monkeypatch):
    root = tmp_path / "powercap"
    write_rapl(root, [(1_000_000, 2_000_000)])
    real = _energy._read_int

    def denied(path):
        if path.name == "energy_uj":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(_energy, "_read_int", denied)
    with _energy.EnergyMeter(None) as meter:
        pass
    assert meter.cpu_energy_j is None


# --------------------------------------------------------------------------------------
# measure_fold and the record
# --------------------------------------------------------------------------------------


def test_measure_fold_fills_both_energies_with_the_fakes(tmp_path, monkeypatch):
    root = tmp_path / "powercap"
    write_rapl(root, [(0, 10**12), (0, 10**12)])
    log = []
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(log=log))
    m = measure_fold(
        Model("cuda:1", rapl=root), [[0]], [0], [[0]], cuda=FakeCuda(), sample_memory=False
    )
    assert m.energy_j == 2.5  # one read before fit, one after predict, on GPU 1
    assert [dev for name, dev in log if name == "energy"] == [1, 1]
    assert m.cpu_energy_j == pytest.approx(3.0)  # 2 packages x (1 J fit + 0.5 J predict)


def test_cpu_only_machine_without_nvml_or_rapl_gives_null():
    m = measure_fold(Model("cpu"), [[0]], [0], [[0]], cuda=None, sample_memory=False)
    assert m.energy_j is None and m.cpu_energy_j is None


def test_cpu_job_reads_cpu_energy_but_no_gpu_energy(tmp_path, monkeypatch):
    root = tmp_path / "powercap"
    write_rapl(root, [(0, 10**12)])
    log = []
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(log=log))
    m = measure_fold(
        Model("cpu", rapl=root), [[0]], [0], [[0]], cuda=FakeCuda(), sample_memory=False
    )
    assert m.energy_j is None and log == []
    assert m.cpu_energy_j == pytest.approx(1.5)


def test_model_that_ran_elsewhere_gets_no_gpu_energy(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml())

    class Fallback(Model):
        def fit(self, X, y):
            super().fit(X, y)
            self.device_ = "cpu"
            return self

    m = measure_fold(Fallback("cuda:1"), [[0]], [0], [[0]], cuda=FakeCuda(), sample_memory=False)
    assert m.energy_j is None


def _plan(text, tmp_path):
    from benchsuite.plan import build_plan
    from benchsuite.suite import parse_suite

    return build_plan(parse_suite(text, source="t.yaml", base_dir=tmp_path))


def test_records_carry_the_energy_of_their_job(tmp_path, monkeypatch):
    from benchsuite.executors import run_plan

    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml())
    monkeypatch.setattr(benchsuite.measure, "active_cuda", lambda: FakeCuda())
    plan = _plan(
        "name: e\ndefaults: {evaluation: {holdout: 0.3}}\ndatasets: [iris]\n"
        "estimators: [{name: m, model: 'test_energy:Model', params: {device: 'cuda:1'}}]\n",
        tmp_path,
    )
    (rec,) = run_plan(plan, output=tmp_path / "out").records
    assert rec.status == "ok", rec.error
    assert rec.energy_j == 2.5 and rec.cpu_energy_j is None


def test_energy_fields_are_optional_in_old_records_and_exported():
    rec = Record(run_id="r", suite="s", dataset="d", estimator="e", case_key="d/e", status="ok")
    old = rec.to_dict()
    del old["energy_j"], old["cpu_energy_j"]  # a record written before the fields existed
    assert Record.from_dict(old).energy_j is None
    assert Record.from_dict(old).cpu_energy_j is None
    new = dataclasses.replace(rec, energy_j=12.5, cpu_energy_j=3.25)
    back = Record.from_dict(new.to_dict())
    assert (back.energy_j, back.cpu_energy_j) == (12.5, 3.25)
    frame = records_frame([rec, new])
    assert list(frame["energy_j"])[1] == 12.5


# --------------------------------------------------------------------------------------
# run.json: gpu_info
# --------------------------------------------------------------------------------------

NEW_KEYS = {
    "cuda_driver",
    "mig_mode",
    "sm_clock_mhz",
    "mem_clock_mhz",
    "sm_clock_max_mhz",
    "mem_clock_max_mhz",
}


def test_gpu_info_adds_what_nvml_says(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml())
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    smi = [
        {"name": "Fake H000", "memory_gb": 79.6, "driver": "550.54.15"},
        {"name": "Fake H100", "memory_gb": 79.6, "driver": "550.54.15"},
    ]
    gpus = gpu_info(smi)
    assert len(gpus) == 2
    assert set(gpus[0]) >= NEW_KEYS
    assert gpus[0]["memory_gb"] == 79.6  # what nvidia-smi said is kept
    assert gpus[0]["cuda_driver"] == "12.4"
    assert gpus[0]["mig_mode"] is True and gpus[1]["mig_mode"] is None  # no MIG on GPU 1
    assert gpus[0]["sm_clock_mhz"] == 1980 and gpus[0]["sm_clock_max_mhz"] == 1990
    assert gpus[0]["mem_clock_mhz"] == 2619 and gpus[0]["mem_clock_max_mhz"] == 2629
    # no nvidia-smi on PATH: NVML alone describes the GPUs
    alone = gpu_info([])
    assert [g["name"] for g in alone] == ["Fake H000", "Fake H100"]
    assert alone[1]["memory_gb"] == 80.0 and alone[1]["driver"] == "550.54.15"


def test_gpu_info_with_torch_loaded_maps_cuda_to_nvml_and_has_cudnn(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml())
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    cuda = types.SimpleNamespace(
        is_available=lambda: True,
        device_count=lambda: 1,
        get_device_name=lambda i: "Torch name",
        get_device_properties=lambda i: types.SimpleNamespace(total_memory=2**30),
        get_device_capability=lambda i: (9, 0),
    )
    cudnn = types.SimpleNamespace(is_available=lambda: True, version=lambda: 90100)
    torch = types.SimpleNamespace(
        cuda=cuda,
        backends=types.SimpleNamespace(cudnn=cudnn),
        version=types.SimpleNamespace(cuda="12.1"),
    )
    monkeypatch.setitem(sys.modules, "torch", torch)
    (gpu,) = gpu_info([])
    assert gpu["name"] == "Torch name" and gpu["cudnn"] == 90100 and gpu["cuda"] == "12.1"
    assert gpu["driver"] == "550.54.15"  # nvidia-smi gave none: NVML's
    assert gpu["mig_mode"] is None  # NVML's GPU 1 (CUDA_VISIBLE_DEVICES=1), without MIG


def test_gpu_info_without_nvml_is_unchanged(monkeypatch):
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    smi = [{"name": "A", "memory_gb": 1.0, "driver": "1"}]
    assert gpu_info(smi) == smi
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(fail_init=True))
    monkeypatch.setattr(_energy, "_NVML", None)
    assert gpu_info(smi) == smi
    assert gpu_info([]) == []


# --------------------------------------------------------------------------------------
# a real GPU
# --------------------------------------------------------------------------------------


@pytest.mark.gpu
def test_real_gpu_energy_counter_advances():
    pytest.importorskip("pynvml")
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    import time

    x = torch.randn(4096, 4096, device="cuda:0")
    with _energy.EnergyMeter(0) as meter:
        end = time.perf_counter() + 1.0  # longer than NVML's counter update interval
        while time.perf_counter() < end:
            x = x @ x
            x = x / x.norm()
            torch.cuda.synchronize(0)
    assert meter.energy_j is not None and meter.energy_j > 0
    (gpu, *_) = gpu_info()
    assert gpu["cuda_driver"] and gpu["sm_clock_max_mhz"]

"""One reading of ``CUDA_VISIBLE_DEVICES`` for the plan, the executors and the energy meter."""

from __future__ import annotations

from benchsuite import _energy
from benchsuite._gpus import cuda_visible_devices, past_the_gpus, visible_gpus


def test_cuda_visible_devices_reads_the_variable_as_cuda_does(monkeypatch):
    assert cuda_visible_devices("0,1") == ["0", "1"]
    assert cuda_visible_devices(" 2 , GPU-abc ") == ["2", "GPU-abc"]
    # CUDA stops at the first entry that is not a device
    assert cuda_visible_devices("0,-1,1") == ["0"]
    assert cuda_visible_devices("") == [] and cuda_visible_devices("-1") == []
    assert cuda_visible_devices(None) is None
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert cuda_visible_devices() is None
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1,-1,0")
    assert cuda_visible_devices() == ["1"]


def test_the_executors_and_the_energy_meter_agree(monkeypatch):
    # before: the executors dropped "-1" and kept what followed, the energy meter kept "-1"
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,-1,1")
    assert visible_gpus() == ["3"]
    assert _energy.nvml_index(0) == 3
    assert _energy.nvml_index(1) is None


def test_one_wording_for_a_device_past_the_gpus():
    assert past_the_gpus("cuda:7", 1, "counted by torch") == (
        "device 'cuda:7' requested but this run sees 1 GPU (cuda:0 to cuda:0; counted by torch)"
    )
    assert (
        past_the_gpus("cuda:1", 0, "x") == "device 'cuda:1' requested but this run sees 0 GPUs (x)"
    )


def test_nvidia_smi_is_asked_once_per_process(tmp_path, monkeypatch):
    from benchsuite import environment

    calls = tmp_path / "calls"
    fake = tmp_path / "bin" / "nvidia-smi"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\necho x >> {calls}\necho 'Fake GPU, 81559, 550.54'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{environment.os.environ['PATH']}")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    first = environment._nvidia_smi_gpus()
    assert first == [{"name": "Fake GPU", "memory_gb": 79.65, "driver": "550.54"}]
    first[0]["name"] = "changed by a caller"  # callers get copies
    assert visible_gpus() == ["0"]
    assert environment._nvidia_smi_gpus()[0]["name"] == "Fake GPU"
    assert calls.read_text().count("x") == 1

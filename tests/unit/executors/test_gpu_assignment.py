"""Process workers and GPUs: a job that names ``cuda:N`` runs on GPU N of the run, however
many GPUs there are and whichever worker would otherwise take it (issue 14, defect 6).

No GPU is needed: ``CUDA_VISIBLE_DEVICES`` is only a variable, which the probe below reads
in its worker, and the GPU list is faked (``gpus=``, or ``nvidia-smi`` patched out).
"""

from __future__ import annotations

import os
import warnings
from collections import deque

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

import benchsuite.environment as environment
from benchsuite._gpus import visible_gpus
from benchsuite.executors._limits import worker_environment
from benchsuite.executors.process import ProcessExecutor, _next_job
from benchsuite.plan import build_plan
from benchsuite.suite import parse_suite


class DeviceProbe(ClassifierMixin, BaseEstimator):
    """Reports, as a warning of its record, the GPU its worker sees and the device it was
    given; exposes ``device_`` as torch models do (the device it "ran" on)."""

    def __init__(self, device="cpu"):
        self.device = device

    def fit(self, X, y):
        seen = os.environ.get("CUDA_VISIBLE_DEVICES", "-")
        warnings.warn(f"probe CUDA_VISIBLE_DEVICES={seen} device={self.device}", stacklevel=1)
        self.classes_ = np.unique(y)
        self.device_ = self.device
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def _suite(tmp_path, *devices):
    estimators = ", ".join(
        f'{{name: p{i}, model: "test_gpu_assignment:DeviceProbe", params: {{device: "{d}"}}}}'
        for i, d in enumerate(devices)
    )
    text = (
        "name: gpus\ndefaults: {evaluation: {cv: 3}}\ndatasets: [iris]\n"
        f"estimators: [{estimators}]\n"
    )
    return build_plan(parse_suite(text, source="t.yaml", base_dir=tmp_path))


def _run(plan, executor):
    records = []
    executor.run(plan, run_id="t", emit=records.append)
    return records


def _seen(record):
    """(CUDA_VISIBLE_DEVICES, device param) the probe saw in its worker."""
    (line,) = [w for w in record.warnings if "probe " in w]
    fields = dict(part.split("=", 1) for part in line.split()[2:])
    return fields["CUDA_VISIBLE_DEVICES"], fields["device"]


@pytest.fixture(autouse=True)
def _no_gpu_variable(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)


@pytest.mark.parametrize("n_workers", [1, 2])
def test_cuda_1_runs_on_gpu_1_whichever_worker_is_free(tmp_path, n_workers):
    # two GPUs: before, worker 0 was pinned to GPU 0 and took cuda:1 jobs too (torch there
    # fails: one device visible); with -j 1 the only worker was pinned to GPU 0
    plan = _suite(tmp_path, "cuda:1", "cpu")
    records = _run(plan, ProcessExecutor(n_workers=n_workers, threads=1, gpus=["0", "1"]))
    assert len(records) == len(plan.jobs) == 6
    for r in records:
        assert r.status == "ok", r.error
        if r.case_key == "iris/p0":
            # the worker sees physical GPU 1 only, as its cuda:0
            assert _seen(r) == ("1", "cuda:0")
            # the record says what the suite asked for, and where it ran: GPU 1 of the run
            assert r.device == "cuda:1" and r.params["device"] == "cuda:1"
        else:
            assert _seen(r)[1] == "cpu" and r.device == "cpu"


def test_gpus_from_nvidia_smi_and_a_device_past_them(tmp_path, monkeypatch):
    # no CUDA_VISIBLE_DEVICES: the GPUs are those nvidia-smi lists
    monkeypatch.setattr(environment, "_nvidia_smi_gpus", lambda: [{"name": "a"}, {"name": "b"}])
    plan = _suite(tmp_path, "cuda:0", "cuda:1", "cuda:2")
    records = _run(plan, ProcessExecutor(n_workers=2, threads=1))
    by_case = {}
    for r in records:
        by_case.setdefault(r.case_key, []).append(r)
    for key, gpu in (("iris/p0", "0"), ("iris/p1", "1")):
        assert all(r.status == "ok" for r in by_case[key])
        assert {_seen(r) for r in by_case[key]} == {(gpu, "cuda:0")}
        assert {r.device for r in by_case[key]} == {f"cuda:{gpu}"}
    # cuda:2 with two GPUs: never run, an error that says why
    assert len(by_case["iris/p2"]) == 3
    for r in by_case["iris/p2"]:
        assert r.status == "error" and r.device == "cuda:2"
        assert r.error == (
            "device 'cuda:2' requested but this run sees 2 GPUs (cuda:0 to cuda:1;"
            " CUDA_VISIBLE_DEVICES, else nvidia-smi)"
        )


def test_one_gpu_pins_nothing_and_cuda_0_runs(tmp_path):
    plan = _suite(tmp_path, "cuda:0")
    records = _run(plan, ProcessExecutor(n_workers=2, threads=1, gpus=["0"]))
    assert [r.status for r in records] == ["ok"] * 3
    # the variable is left as it is (unset here); the device is passed as the suite says
    assert {_seen(r) for r in records} == {("-", "cuda:0")}
    assert {r.device for r in records} == {"cuda:0"}


# --- the pure parts -------------------------------------------------------------------


def test_assignment_gives_every_named_gpu_a_worker():
    from benchsuite._gpus import gpu_assignment

    # nothing named: round robin, as before
    assert gpu_assignment(3, ["0", "1"]) == [0, 1, 0]
    # fewer than two GPUs: nothing to divide
    assert gpu_assignment(2, ["0"], [0]) == [None, None]
    assert gpu_assignment(2, [], ()) == [None, None]
    # -j 1 and cuda:1 only: the one worker sees GPU 1 (before: GPU 0)
    assert gpu_assignment(1, ["0", "1"], [1], any_gpu=False) == [1]
    # cuda:1 jobs and others: GPU 1 first, then the rest
    assert gpu_assignment(3, ["0", "1", "2"], [1], any_gpu=True) == [1, 0, 2]
    # only named GPUs get workers when every job names one
    assert gpu_assignment(4, ["0", "1", "2"], [2, 0], any_gpu=False) == [0, 2, 0, 2]
    # more named GPUs than workers: nobody is pinned, each worker sees every GPU
    assert gpu_assignment(1, ["0", "1"], [0, 1], any_gpu=False) == [None]


def test_cuda_n_means_the_nth_visible_gpu(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,5")
    gpus = visible_gpus()
    assert gpus == ["3", "5"]
    from benchsuite._gpus import gpu_assignment

    (k,) = gpu_assignment(1, gpus, [1], any_gpu=False)
    assert worker_environment(1, gpus[k])["CUDA_VISIBLE_DEVICES"] == "5"


def test_a_worker_takes_only_jobs_for_its_gpu(tmp_path):
    plan = _suite(tmp_path, "cuda:1", "cpu", "cuda")
    pending = deque(plan.jobs)
    # pinned to GPU 0: the cuda:1 jobs are not for it
    taken = [_next_job(pending, "iris", 0) for _ in range(6)]
    assert {j.case.params["device"] for j in taken} == {"cpu", "cuda"}
    assert _next_job(pending, "iris", 0) is None
    assert _next_job(pending, "iris", 1).case.params["device"] == "cuda:1"
    # not pinned: anything
    assert _next_job(pending, None).case.params["device"] == "cuda:1"


def test_device_rewritten_in_the_worker_and_back_in_the_record(tmp_path):
    from benchsuite._gpus import job_on_worker, record_as_run
    from benchsuite.executors._records import base_record

    plan = _suite(tmp_path, "cuda:1", "cuda", "cpu")
    asks_1, asks_any, cpu = (c.jobs[0] for c in plan.cases)
    local = job_on_worker(asks_1, 1)
    assert local.case.params["device"] == "cuda:0"
    assert asks_1.case.params["device"] == "cuda:1"  # the plan's job is untouched
    assert local.case.key == asks_1.case.key and local.id == asks_1.id
    assert job_on_worker(asks_1, None) is asks_1  # not pinned: as the suite says
    assert job_on_worker(asks_any, 1) is asks_any and job_on_worker(cpu, 1) is cpu

    record = base_record(local, run_id="t", suite="gpus")
    record.device = "cuda:0"  # what the model reports after fit in that worker
    record_as_run(record, asks_1, 1)
    assert record.device == "cuda:1" and record.params["device"] == "cuda:1"
    # plain "cuda" on the worker that sees GPU 1 ran on GPU 1 of the run
    record = base_record(asks_any, run_id="t", suite="gpus")
    record_as_run(record, asks_any, 1)
    assert record.device == "cuda:1" and record.params["device"] == "cuda"
    record = base_record(cpu, run_id="t", suite="gpus")
    record_as_run(record, cpu, 1)
    assert record.device == "cpu"

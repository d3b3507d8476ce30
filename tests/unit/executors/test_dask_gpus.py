"""The Dask executor and GPUs (issue 14, defect 6): one worker per GPU with dask-cuda's
``LocalCUDACluster`` when it is installed, a one-line hint when it is not, and a job that
names ``cuda:N`` run by the worker that sees GPU N first, on any cluster whose workers set
``CUDA_VISIBLE_DEVICES`` (``LocalCUDACluster``, ``dask cuda worker``).

No GPU is needed: ``CUDA_VISIBLE_DEVICES`` is only a variable, which the probe estimator
reads in its worker. dask-cuda is replaced by a stand-in that starts its workers the way
dask-cuda's ``LocalCUDACluster.new_worker_spec`` does (worker i sees the GPU list rotated
to start at GPU i).
"""

from __future__ import annotations

import copy
import logging
import sys
import types

import pytest

pytest.importorskip("distributed")

from test_gpu_assignment import _run, _seen, _suite  # noqa: E402

from benchsuite.executors import dask as dask_executor  # noqa: E402
from benchsuite.executors.dask import DaskExecutor, may_use_gpu, worker_gpu  # noqa: E402


def _fake_dask_cuda(started: list[dict]) -> types.ModuleType:
    from distributed import LocalCluster

    class LocalCUDACluster(LocalCluster):
        """dask-cuda's cluster, as far as benchsuite relies on it: one worker process per
        GPU of ``CUDA_VISIBLE_DEVICES``, worker i seeing the list rotated to GPU i."""

        def __init__(self, CUDA_VISIBLE_DEVICES, n_workers=None, **kwargs):
            self.devices = CUDA_VISIBLE_DEVICES.split(",")
            started.append({"CUDA_VISIBLE_DEVICES": CUDA_VISIBLE_DEVICES, **kwargs})
            kwargs.pop("env", None)  # dask-cuda sets the workers' environment itself
            super().__init__(n_workers=0, processes=True, **kwargs)
            self.scale(n_workers or len(self.devices))
            self.sync(self._correct_state)

        def new_worker_spec(self):
            name = min(set(self.devices) - set(self.worker_spec))
            i = self.devices.index(name)
            spec = copy.deepcopy(self.new_spec)
            rotated = self.devices[i:] + self.devices[:i]
            spec["options"].update({"env": {"CUDA_VISIBLE_DEVICES": ",".join(rotated)}})
            return {name: spec}

    module = types.ModuleType("dask_cuda")
    module.LocalCUDACluster = LocalCUDACluster  # type: ignore[attr-defined]
    return module


@pytest.fixture
def dask_cuda(monkeypatch):
    started: list[dict] = []
    monkeypatch.setitem(sys.modules, "dask_cuda", _fake_dask_cuda(started))
    return started


def test_a_gpu_run_starts_one_worker_per_gpu_and_routes_cuda_n(tmp_path, dask_cuda):
    plan = _suite(tmp_path, "cuda:1", "cuda", "cpu")
    warnings: list[str] = []
    # -j 3 asks for three workers; a GPU run gets one per GPU
    executor = DaskExecutor(n_workers=3, threads=1, gpus=["0", "1"], on_warning=warnings.append)
    records = _run(plan, executor)
    assert warnings == []
    assert [c["CUDA_VISIBLE_DEVICES"] for c in dask_cuda] == ["0,1"]
    assert len(records) == len(plan.jobs) == 9
    by_case: dict[str, list] = {}
    for r in records:
        assert r.status == "ok", r.error
        by_case.setdefault(r.case_key, []).append(r)
    # cuda:1 ran on the worker that sees GPU 1 first, as its cuda:0; its record says
    # what the suite asked for and the GPU of the run it ran on
    for r in by_case["iris/p0"]:
        assert _seen(r) == ("1,0", "cuda:0")
        assert r.params["device"] == "cuda:1" and r.device == "cuda:1"
    # cuda (the current device) ran on either worker: its record names that worker's GPU
    for r in by_case["iris/p1"]:
        seen, device = _seen(r)
        assert device == "cuda" and r.device == f"cuda:{seen[0]}"
    assert {_seen(r)[1] for r in by_case["iris/p2"]} == {"cpu"}
    info = executor.run_info()
    assert info["cluster"] == "LocalCUDACluster" and info["workers"] == 2
    assert sorted(info["worker_gpus"].values()) in (["cuda:0", "cuda:1"], ["cuda:1"])


def test_a_device_past_the_gpus_is_an_error_record(tmp_path, dask_cuda):
    plan = _suite(tmp_path, "cuda:2", "cpu")
    records = _run(plan, DaskExecutor(n_workers=1, threads=1, gpus=["0", "1"]))
    errors = [r for r in records if r.case_key == "iris/p0"]
    assert len(errors) == 3
    assert {r.status for r in errors} == {"error"}
    assert errors[0].error == (
        "device 'cuda:2' requested but this run sees 2 GPUs (cuda:0 to cuda:1;"
        " CUDA_VISIBLE_DEVICES, else nvidia-smi)"
    )
    assert {r.status for r in records if r.case_key == "iris/p1"} == {"ok"}


def test_cpu_only_plans_keep_the_local_cluster(tmp_path, dask_cuda):
    plan = _suite(tmp_path, "cpu")
    executor = DaskExecutor(n_workers=1, threads=1, gpus=["0", "1"])
    assert {r.status for r in _run(plan, executor)} == {"ok"}
    assert dask_cuda == [] and executor.run_info()["cluster"] == "LocalCluster"


def test_without_dask_cuda_a_one_line_hint_and_a_local_cluster(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask_cuda", None)  # import fails
    plan = _suite(tmp_path, "cuda:0")
    warnings: list[str] = []
    executor = DaskExecutor(n_workers=1, threads=1, gpus=["0", "1"], on_warning=warnings.append)
    records = _run(plan, executor)
    assert warnings == [
        "2 GPU(s) visible but dask-cuda is not installed: the LocalCluster's workers all see"
        " every GPU; pip install dask-cuda for one worker per GPU"
    ]
    # the workers see every GPU (the variable as the runner has it): cuda:0 is left alone
    assert {_seen(r)[1] for r in records} == {"cuda:0"} and {r.device for r in records} == {
        "cuda:0"
    }
    assert executor.run_info()["cluster"] == "LocalCluster"


@pytest.fixture(scope="module")
def cuda_workers_client():
    """A cluster started by someone else whose workers each see a GPU first (as
    ``dask cuda worker`` starts them): GPUs 0 and 1 of their machine."""
    import dask
    from distributed import Client

    cluster_class = _fake_dask_cuda([]).LocalCUDACluster
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = cluster_class(
            CUDA_VISIBLE_DEVICES="0,1",
            threads_per_worker=1,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
        client = Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


def test_a_remote_cluster_of_gpu_workers_gets_cuda_n_on_gpu_n(tmp_path, cuda_workers_client):
    plan = _suite(tmp_path, "cuda:0", "cuda:1")
    records = _run(plan, DaskExecutor(client=cuda_workers_client, threads=1))
    for r in records:
        assert r.status == "ok", r.error
        gpu = r.params["device"][-1]
        assert _seen(r)[0].split(",")[0] == gpu and _seen(r)[1] == "cuda:0"
        assert r.device == f"cuda:{gpu}"


def test_a_gpu_no_worker_sees_first_is_an_error_after_a_wait(
    tmp_path, cuda_workers_client, monkeypatch
):
    monkeypatch.setattr(dask_executor, "UNPLACED_TIMEOUT_S", 0.5)
    plan = _suite(tmp_path, "cuda:5", "cpu")
    records = _run(plan, DaskExecutor(client=cuda_workers_client, threads=1))
    lost = [r for r in records if r.case_key == "iris/p0"]
    assert len(lost) == 3 and {r.status for r in lost} == {"error"}
    assert lost[0].error == (
        "device 'cuda:5' requested but no Dask worker sees that GPU first"
        " (workers' GPUs: cuda:0, cuda:1)"
    )
    assert {r.status for r in records if r.case_key == "iris/p1"} == {"ok"}


# --- the pure parts -------------------------------------------------------------------


def test_worker_gpu_reads_the_first_visible_device():
    # a cluster started here: an index into the run's GPUs (ids or UUIDs)
    assert worker_gpu("1,0", ["0", "1"]) == 1
    assert worker_gpu("GPU-b,GPU-a", ["GPU-a", "GPU-b"]) == 1
    assert worker_gpu("3", ["0", "1"]) is None  # not a GPU of the run
    # someone else's cluster: the device number on the worker's machine
    assert worker_gpu("3,0,1,2", None) == 3
    assert worker_gpu("GPU-abc", None) is None
    # no variable, or every GPU hidden: not pinned
    assert worker_gpu(None, None) is None
    assert worker_gpu("", ["0"]) is None and worker_gpu("-1", None) is None


def test_which_jobs_may_use_a_gpu(tmp_path):
    plan = _suite(tmp_path, "cuda:1", "cuda", "auto", "cpu")
    assert [may_use_gpu(c.jobs[0]) for c in plan.cases] == [True, True, True, False]


def test_no_workers_is_refused_by_every_isolating_executor():
    from benchsuite.errors import BenchsuiteError
    from benchsuite.executors.process import ProcessExecutor

    # before, a Dask LocalCluster of 0 workers waited two minutes for one
    for executor in (DaskExecutor, ProcessExecutor):
        with pytest.raises(BenchsuiteError, match="-j must be at least 1, got 0"):
            executor(n_workers=0)


def test_a_worker_whose_gpu_is_not_known_yet_gets_no_job(tmp_path, cuda_workers_client):
    # asking the workers which GPU they see can fail (a worker leaving, or one restarted
    # after a timeout, at a new address, not up yet): until a worker has answered it is
    # given no job, else a cuda:N job would run on whatever GPU that worker sees first
    class FlakyClient:
        def __init__(self, client):
            self._client, self.failures = client, 2

        def __getattr__(self, name):
            return getattr(self._client, name)

        def run(self, function, *args, **kwargs):
            if function is dask_executor.worker_visible_devices and self.failures:
                self.failures -= 1
                raise OSError("worker left")
            return self._client.run(function, *args, **kwargs)

    plan = _suite(tmp_path, "cuda:0", "cuda:1")
    records = _run(plan, DaskExecutor(client=FlakyClient(cuda_workers_client), threads=1))
    for r in records:
        assert r.status == "ok", r.error
        gpu = r.params["device"][-1]
        assert _seen(r)[0].split(",")[0] == gpu and _seen(r)[1] == "cuda:0"
        assert r.device == f"cuda:{gpu}"

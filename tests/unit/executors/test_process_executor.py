"""The process executor with real worker processes: faults become records, results equal
the sequential executor's, workers get their threads, GPU and memory limit."""

from __future__ import annotations

import multiprocessing
import re

import pytest

from benchsuite.errors import BenchsuiteError
from benchsuite.executors import SequentialExecutor
from benchsuite.executors._splits import DataSlot
from benchsuite.executors.process import (
    ProcessExecutor,
    _next_job,
    death_cause,
    memory_error_message,
)
from benchsuite.plan import build_plan
from benchsuite.suite import parse_suite


def _plan(text, tmp_path, filters=()):
    return build_plan(parse_suite(text, source="t.yaml", base_dir=tmp_path), filters=filters)


def _run(plan, executor):
    records = []
    executor.run(plan, run_id="t", emit=records.append)
    return records


FAULTS = """
name: faults
defaults: {evaluation: {holdout: 0.3}}
datasets: [iris]
estimators:
  - {name: sleeper, model: "faults:Sleeper", params: {seconds: 60}}
  - {name: segfault, model: "faults:Segfault"}
  - {name: hog, model: "faults:Hog", params: {gb: 8}}
  - {name: bad_predict, model: "faults:BadPredict"}
  - {name: knn, model: knn}
"""


def test_faults_become_records_and_the_run_goes_on(tmp_path):
    plan = _plan(FAULTS, tmp_path)
    executor = ProcessExecutor(n_workers=2, timeout=1.5, memory_limit="1500MB")
    records = {r.case_key: r for r in _run(plan, executor)}
    assert set(records) == {c.key for c in plan.cases}

    sleeper = records["iris/sleeper"]
    assert sleeper.status == "timeout"
    assert "1.5 s timeout" in sleeper.error and "killed" in sleeper.error

    segfault = records["iris/segfault"]
    assert segfault.status == "error"
    assert segfault.error.startswith("worker killed by signal SIGSEGV")

    hog = records["iris/hog"]
    assert hog.status == "error"
    assert hog.error.startswith("MemoryError: ") and hog.error.endswith("(memory limit 1500MB)")

    bad = records["iris/bad_predict"]
    assert bad.status == "error" and bad.error == "ValueError: boom in predict"

    knn = records["iris/knn"]
    assert knn.status == "ok" and knn.metrics["accuracy"] > 0.8
    # hung and crashed workers were replaced; the others went on
    assert executor.restarts >= 2
    assert all(r.worker.startswith("process ") for r in records.values())
    assert not multiprocessing.active_children()  # every worker was stopped


SMALL = """
name: same
seed: 3
defaults: {evaluation: {cv: 3}}
datasets: [iris, wine]
estimators:
  - logreg
  - {name: forest, model: rf, params: {n_estimators: 10}}
  - knn
  # more neighbours than training rows: a value only the data can refute (predict fails)
  - {name: broken, model: knn, params: {n_neighbors: 5000}}
"""


def _by_job(records):
    return {
        (r.case_key, r.fold, r.repeat): (r.status, r.metrics, r.random_state, r.error)
        for r in records
    }


def test_per_fold_scores_equal_the_sequential_executor(tmp_path):
    plan = _plan(SMALL, tmp_path)
    sequential = _by_job(_run(plan, SequentialExecutor(threads=1)))
    parallel_records = _run(plan, ProcessExecutor(n_workers=2, threads=1))
    assert len(parallel_records) == len(plan.jobs)
    assert _by_job(parallel_records) == sequential
    # both workers took part, each recorded with its thread pin
    assert len({r.worker for r in parallel_records}) == 2
    assert {r.threads for r in parallel_records} == {1}


def test_workers_get_their_threads_gpu_and_memory_limit(tmp_path):
    plan = _plan(
        """
name: probe
defaults: {evaluation: {cv: 4}}
datasets: [iris]
estimators: [{name: probe, model: "faults:EnvProbe"}]
""",
        tmp_path,
    )
    # two fake GPUs: one per worker through CUDA_VISIBLE_DEVICES
    executor = ProcessExecutor(n_workers=2, threads=3, memory_limit="2GiB", gpus=["0", "1"])
    records = _run(plan, executor)
    seen = {}
    for r in records:
        fields = dict(re.findall(r"(\w+)=(\S+)", r.error))
        assert fields["OMP_NUM_THREADS"] == fields["OPENBLAS_NUM_THREADS"] == "3"
        assert int(fields["blas"]) == 3  # pinned by threadpoolctl around the job
        assert int(fields["rlimit_as"]) == 2 * 2**30
        assert r.threads == 3
        seen[fields["pid"]] = fields["CUDA_VISIBLE_DEVICES"]
    assert sorted(seen.values()) == ["0", "1"]


def test_default_threads_divide_the_cores(monkeypatch):
    import benchsuite.executors._limits as limits

    monkeypatch.setattr(limits, "usable_cores", lambda: 8)
    assert ProcessExecutor(n_workers=3).threads == 2
    assert ProcessExecutor(n_workers=16).threads == 1
    assert ProcessExecutor(n_workers=1, threads=5).threads == 5


def test_memory_limit_too_small_to_start_is_one_clear_error(tmp_path):
    plan = _plan(SMALL, tmp_path, filters=("iris/knn",))
    with pytest.raises(BenchsuiteError, match="could not start: .*memory limit 80MB"):
        _run(plan, ProcessExecutor(memory_limit="80MB", startup_timeout=60))
    assert not multiprocessing.active_children()


def test_a_dataset_is_loaded_once_per_slot(tmp_path, monkeypatch):
    import benchsuite.datasets as datasets

    plan = _plan(SMALL, tmp_path)
    calls = []
    real = datasets.load_dataset

    def counting(entry, **kw):
        calls.append(entry.name)
        return real(entry, **kw)

    monkeypatch.setattr(datasets, "load_dataset", counting)
    slot = DataSlot()
    for job in plan.jobs:
        dataset, splits, failure = slot.get(job.case, base_dir=tmp_path, seed=3)
        assert failure is None and len(splits) == 3
    assert calls == ["iris", "wine"]


def test_workers_prefer_jobs_of_the_dataset_they_hold(tmp_path):
    from collections import deque

    plan = _plan(SMALL, tmp_path)
    pending = deque(plan.jobs)
    first = _next_job(pending, None)
    assert first.case.dataset.name == "iris"
    assert _next_job(pending, "wine").case.dataset.name == "wine"
    assert _next_job(pending, "iris").case.dataset.name == "iris"
    assert len(pending) == len(plan.jobs) - 3


def test_messages_name_the_cause():
    assert death_cause(-11) == "worker killed by signal SIGSEGV (a crash in native code)"
    assert "out-of-memory" in death_cause(-9, "4GB") and "4GB" in death_cause(-9, "4GB")
    assert death_cause(3) == "worker exited with code 3 during the job"
    message = "_ArrayMemoryError: Unable to allocate 8.00 GiB for an array"
    assert (
        memory_error_message(message, "4GB")
        == "MemoryError: Unable to allocate 8.00 GiB for an array (memory limit 4GB)"
    )
    assert memory_error_message("ValueError: x", "4GB") == "ValueError: x"
    assert memory_error_message(message, "") == message


def test_lightgbm_gets_the_thread_count_it_would_otherwise_ignore():
    pytest.importorskip("lightgbm")
    from benchsuite.estimators import build_estimator
    from benchsuite.estimators._introspect import final_step
    from benchsuite.executors._limits import pin_native_threads

    est = build_estimator("lightgbm", {}, task="binary", random_state=0)
    pin_native_threads(est, 1)
    assert final_step(est).get_params()["n_jobs"] == 1
    est = build_estimator("lightgbm", {"n_jobs": 3}, task="binary", random_state=0)
    pin_native_threads(est, 1)  # the suite's own setting wins
    assert final_step(est).get_params()["n_jobs"] == 3
    est = build_estimator("rf", {}, task="binary", random_state=0)
    pin_native_threads(est, 1)
    assert final_step(est).get_params()["n_jobs"] is None


def test_library_import_is_not_counted_against_the_timeout(tmp_path, monkeypatch):
    # `faults` sleeps 1.5 s when imported, as `import torch` takes seconds: a 1 s timeout
    # must time the job, not the first import in a fresh worker
    import faults  # noqa: F401  (validation imports it here; the slow import is the worker's)

    monkeypatch.setenv("BENCHSUITE_TEST_SLOW_IMPORT", "1.5")
    text = """
name: slow-import
defaults: {evaluation: {holdout: 0.3}, repeats: 2}
datasets: [iris]
estimators: [{name: quick, model: "faults:Quick"}]
"""
    records = _run(_plan(text, tmp_path), ProcessExecutor(n_workers=1, timeout=1.0))
    assert [r.status for r in records] == ["ok", "ok"], [r.error for r in records]

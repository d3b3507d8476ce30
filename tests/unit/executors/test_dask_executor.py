"""The Dask executor on a real LocalCluster (one per module: it takes seconds to start)."""

from __future__ import annotations

import json
import logging
import sys

import pytest

pytest.importorskip("distributed")

from benchsuite.errors import BenchsuiteError  # noqa: E402
from benchsuite.executors import SequentialExecutor  # noqa: E402
from benchsuite.executors.dask import DaskExecutor  # noqa: E402
from benchsuite.plan import build_plan  # noqa: E402
from benchsuite.results import read_records  # noqa: E402
from benchsuite.suite import parse_suite  # noqa: E402


@pytest.fixture(scope="module")
def client():
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
        client = Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


def _plan(text, tmp_path, filters=()):
    return build_plan(parse_suite(text, source="t.yaml", base_dir=tmp_path), filters=filters)


def _run(plan, executor):
    records = []
    executor.run(plan, run_id="t", emit=records.append)
    return records


SMALL = """
name: same
seed: 5
defaults: {evaluation: {cv: 3}}
datasets: [iris, wine, diabetes]
estimators:
  - logreg
  - {name: forest, model: rf, params: {n_estimators: 10}}
  - knn
"""


def test_per_fold_scores_equal_sequential_and_each_dataset_is_scattered_once(
    tmp_path, client, monkeypatch
):
    plan = _plan(SMALL, tmp_path)
    sequential = {
        (r.case_key, r.fold): (r.status, r.metrics, r.random_state)
        for r in _run(plan, SequentialExecutor(threads=1))
    }
    scattered = []
    real_scatter = client.scatter

    def scatter(data, **kw):
        scattered.append(kw)
        return real_scatter(data, **kw)

    monkeypatch.setattr(client, "scatter", scatter)
    records = _run(plan, DaskExecutor(client=client, threads=1))
    assert {(r.case_key, r.fold): (r.status, r.metrics, r.random_state) for r in records} == (
        sequential
    )
    assert len(scattered) == 3 and all(kw["broadcast"] is False for kw in scattered)
    ran = [r for r in records if r.status == "ok"]
    assert all(r.worker.startswith("tcp://") and r.threads == 1 for r in ran)


FAULTS = """
name: faults
defaults: {evaluation: {holdout: 0.3}}
datasets: [iris]
estimators:
  - {name: sleeper, model: "faults:Sleeper", params: {seconds: 60}}
  - {name: segfault, model: "faults:Segfault"}
  - {name: bad_predict, model: "faults:BadPredict"}
  - knn
"""


def test_faults_become_records_and_the_cluster_recovers(tmp_path, client):
    plan = _plan(FAULTS, tmp_path)
    # 5 s, not less: a worker restarted after the sleeper's timeout imports its libraries
    # again within the next job's time, which takes seconds on a loaded 2-core machine
    records = {r.case_key: r for r in _run(plan, DaskExecutor(client=client, timeout=5))}
    assert records["iris/sleeper"].status == "timeout"
    assert "5 s timeout" in records["iris/sleeper"].error
    assert records["iris/segfault"].status == "error"
    assert records["iris/segfault"].error.startswith("worker died while running the job")
    assert records["iris/bad_predict"].error == "ValueError: boom in predict"
    assert records["iris/knn"].status == "ok"
    # the restarted workers come back and take new work
    client.wait_for_workers(2, timeout=60)
    again = _run(_plan(FAULTS, tmp_path, filters=("iris/knn",)), DaskExecutor(client=client))
    assert [r.status for r in again] == ["ok"]


def test_cli_runs_on_an_existing_scheduler(tmp_path, client, write_suite, capsys):
    from benchsuite.cli import main

    suite = write_suite(SMALL)
    address = client.scheduler.address
    code = main(
        ["run", str(suite), "--scheduler", address, "-o", str(tmp_path), "--run-id", "d", "-q"]
    )
    assert code == 0, capsys.readouterr().err
    records = read_records(tmp_path / "same" / "d")
    assert len(records) == len(_plan(SMALL, tmp_path).jobs) == 25  # diabetes/logreg skipped
    assert {r.status for r in records} == {"ok", "skipped"}
    workers = {r.worker for r in records if r.status == "ok"}
    assert workers <= set(client.scheduler_info()["workers"])
    run = json.loads((tmp_path / "same" / "d" / "run.json").read_text())
    assert run["executor"] == "dask" and run["timeout_enforced"] is True


def test_without_dask_installed_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    plan = _plan(SMALL, tmp_path, filters=("iris/knn",))
    with pytest.raises(BenchsuiteError, match=r"pip install 'benchsuite\[dask\]'"):
        _run(plan, DaskExecutor(n_workers=1))


def test_models_are_imported_on_the_workers_before_timed_jobs(client, tmp_path):
    text = """
name: preload
defaults: {evaluation: {holdout: 0.3}, timeout: 30}
datasets: [iris]
estimators: [{name: nb, model: "sklearn.naive_bayes:GaussianNB"}]
"""
    # no other test here uses naive_bayes, and nothing else imports it
    records = _run(_plan(text, tmp_path), DaskExecutor(client=client))
    assert [r.status for r in records] == ["ok"]
    loaded = client.run(lambda: "sklearn.naive_bayes" in sys.modules)
    assert len(loaded) == 2 and all(loaded.values())  # both workers, not only the one used


def test_a_worker_with_two_threads_runs_one_job_at_a_time_with_both(tmp_path):
    # threadpoolctl's BLAS limits and torch's thread count are process-wide: two jobs in
    # one worker process would pin (and on exit unpin) each other's pools
    import dask
    from distributed import Client, LocalCluster

    text = """
name: two
defaults: {evaluation: {cv: 3}, metrics: [accuracy]}
datasets: [iris]
estimators: [{name: probe, model: "thread_probe:PoolProbe", params: {seconds: 1.0}}]
"""
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        records = _run(_plan(text, tmp_path), DaskExecutor(client=client))
    assert [r.status for r in records] == ["ok"] * 3
    assert [r.threads for r in records] == [2, 2, 2]
    for r in records:
        assert "UserWarning: concurrent: 1" in r.warnings
        assert any(w.startswith("UserWarning: pools: ") and "openmp=2" in w for w in r.warnings)


def test_each_job_has_its_own_resubmission_budget(tmp_path):
    # a job cancelled by the cluster (its data lost with a dying worker) is submitted again
    # up to MAX_RESUBMITS times; the other jobs of its case keep their full budget
    from collections import deque

    from benchsuite.executors.dask import MAX_RESUBMITS, _DaskRun

    plan = _plan("name: r\ndatasets: [iris]\nestimators: [logreg]\n", tmp_path)
    first, second = plan.jobs[0], plan.jobs[1]
    assert first.case is second.case
    run = _DaskRun(None, None, plan, "r", None, None, deque())
    assert all(run._resubmit(first) for _ in range(MAX_RESUBMITS))
    assert not run._resubmit(first)
    assert run._resubmit(second)
    assert list(run.pending)[:2] == [second, first]

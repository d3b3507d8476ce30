"""Peak memory as the records report it: a job that holds 200 MiB more than another records
a peak, and a growth over its start, at least 150 MiB higher, whichever executor ran it.

Every executor measures a job with ``measure_fold``, which samples the RSS of the process
that fits (the runner's, or a worker's) every few milliseconds: the allocation here is freed
before ``fit`` returns, so only the sampling, not a reading at the end, can see it.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchsuite.executors import SequentialExecutor, run_plan
from benchsuite.executors.process import ProcessExecutor
from benchsuite.measure import RssSampler
from benchsuite.plan import build_plan
from benchsuite.suite import parse_suite

MIB = 2**20

HOG_MODULE = '''
import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class Hog(ClassifierMixin, BaseEstimator):
    """Majority class; fit holds ``mb`` MiB of written (resident) memory for ``hold_s``
    seconds, many sampling periods, and frees it before it returns."""

    def __init__(self, mb=0, hold_s=0.3):
        self.mb = mb
        self.hold_s = hold_s

    def fit(self, X, y):
        block = np.ones(int(self.mb * 2**20) // 8)  # np.ones writes every page
        time.sleep(self.hold_s)
        values, counts = np.unique(y, return_counts=True)
        self.classes_, self.majority_ = values, values[counts.argmax()]
        del block  # a large block goes back to the system at once
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)
'''

# one job per case (a holdout split); the lean job first, then the one that holds 200 MiB
SUITE = """
name: memory
defaults: {evaluation: {holdout: 0.3}, metrics: [accuracy]}
datasets: [iris]
estimators:
  - {name: lean, model: "peak_memory_hog:Hog", params: {mb: 0}}
  - {name: hog, model: "peak_memory_hog:Hog", params: {mb: 200}}
"""


@pytest.fixture(scope="module")
def hog_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hog")
    (folder / "peak_memory_hog.py").write_text(HOG_MODULE)
    return folder


def test_rss_sampler_sees_an_allocation_freed_inside_the_block():
    with RssSampler(interval_s=0.001) as sampler:
        block = np.ones(200 * MIB // 8)  # 200 MiB, written
        block += 1
        del block
    assert 150 <= sampler.delta_mb <= 300, sampler.delta_mb
    assert sampler.peak_mb - sampler.start_mb == pytest.approx(sampler.delta_mb)


@pytest.mark.parametrize("executor", ["sequential", "process"])
def test_a_job_holding_200_mib_more_records_a_peak_150_mib_higher(
    executor, hog_folder, tmp_path, monkeypatch
):
    # the runner imports the estimator; a spawned worker gets this sys.path too
    monkeypatch.syspath_prepend(str(hog_folder))
    plan = build_plan(parse_suite(SUITE, source="memory.yaml", base_dir=tmp_path))
    runner = SequentialExecutor() if executor == "sequential" else ProcessExecutor(n_workers=1)
    result = run_plan(plan, output=tmp_path, run_id="m", executor=runner)
    by_case = {r.case_key: r for r in result.records}
    assert set(by_case) == {"iris/lean", "iris/hog"}
    lean, hog = by_case["iris/lean"], by_case["iris/hog"]
    assert lean.status == hog.status == "ok", (lean.error, hog.error)
    # the growth over the job's start: what the estimator itself added
    assert hog.rss_delta_mb >= 150, hog.rss_delta_mb
    assert hog.rss_delta_mb <= 300, hog.rss_delta_mb  # counted once, not twice
    assert lean.rss_delta_mb < 50, lean.rss_delta_mb
    # the peak of the process: the same process, before and while holding the block
    assert hog.peak_rss_mb - lean.peak_rss_mb >= 150, (hog.peak_rss_mb, lean.peak_rss_mb)

"""An estimator that reports the thread pools in effect while it fits, for the thread
budget tests of the executors.

Named in suites as ``thread_probe:PoolProbe``. Dask workers that a test starts import it
by name: the test puts this folder on their ``PYTHONPATH`` (pytest puts it on the
runner's ``sys.path``, as the folder of the test modules).
"""

from __future__ import annotations

import sys
import threading
import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

# jobs fitting in this process right now: process-wide thread pools (BLAS, torch) and
# peak memory belong to one job at a time
_running = 0
_lock = threading.Lock()


def pools_in_effect() -> str:
    """``openmp=1 openblas=1 torch=1``: the threads each loaded pool would use now, as
    seen from the calling thread (OpenMP's count is per calling thread)."""
    from threadpoolctl import threadpool_info

    found: dict[str, set[int]] = {}
    for pool in threadpool_info():
        found.setdefault(pool["internal_api"], set()).add(int(pool["num_threads"]))
    torch = sys.modules.get("torch")
    if torch is not None:
        found["torch"] = {torch.get_num_threads()}
    return " ".join(f"{api}={','.join(map(str, sorted(n)))}" for api, n in sorted(found.items()))


class PoolProbe(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; ``fit`` warns ``pools: ...`` and ``concurrent: N``.

    Parameters
    ----------
    seconds : float, default=0.0
        How long ``fit`` lasts, so that jobs sent to one worker together would overlap.
    """

    def __init__(self, seconds: float = 0.0):
        self.seconds = seconds

    def fit(self, X, y):
        global _running
        with _lock:
            _running += 1
            peak = _running
        try:
            deadline = time.monotonic() + self.seconds
            while time.monotonic() < deadline:
                time.sleep(0.05)
                with _lock:
                    peak = max(peak, _running)
            warnings.warn(f"pools: {pools_in_effect()}", UserWarning, stacklevel=1)
            warnings.warn(f"concurrent: {peak}", UserWarning, stacklevel=1)
        finally:
            with _lock:
                _running -= 1
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)

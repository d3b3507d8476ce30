"""Estimators that misbehave on purpose, for the executor fault tests.

Named in suites as ``faults:Sleeper`` etc. Worker processes import this module by name:
the tests directory is on ``sys.path`` in pytest (rootdir conftest) and in spawned workers
(multiprocessing passes ``sys.path`` on); CLI subprocesses get it through ``PYTHONPATH``.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class _Base(ClassifierMixin, BaseEstimator):
    def _fit(self, X, y):
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


class Sleeper(_Base):
    """Sleeps ``seconds`` in fit (a hanging estimator when past the timeout)."""

    def __init__(self, seconds=60.0):
        self.seconds = seconds

    def fit(self, X, y):
        time.sleep(self.seconds)
        return self._fit(X, y)


class Segfault(_Base):
    """Dereferences a null pointer in fit: the process dies by SIGSEGV."""

    def __init__(self, how="null"):
        self.how = how

    def fit(self, X, y):
        if self.how == "signal":
            os.kill(os.getpid(), signal.SIGSEGV)
        ctypes.string_at(0)
        return self._fit(X, y)


class Hog(_Base):
    """Allocates ``gb`` gigabytes (and touches them) in fit."""

    def __init__(self, gb=8.0):
        self.gb = gb

    def fit(self, X, y):
        block = np.ones(int(self.gb * 2**30) // 8)
        self.total_ = float(block[-1])
        return self._fit(X, y)


class BadPredict(_Base):
    """Fits fine, raises in predict."""

    def __init__(self, message="boom in predict"):
        self.message = message

    def fit(self, X, y):
        return self._fit(X, y)

    def predict(self, X):
        raise ValueError(self.message)


class Slow(_Base):
    """Sleeps ``seconds`` in fit, then fits: slow but well behaved (resume tests)."""

    def __init__(self, seconds=0.2):
        self.seconds = seconds

    def fit(self, X, y):
        time.sleep(self.seconds)
        return self._fit(X, y)


class EnvProbe(_Base):
    """Fails on purpose with a message that reports the worker's environment and limits:
    the one way to observe a worker process from its record."""

    def fit(self, X, y):
        import resource

        from threadpoolctl import threadpool_info

        names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "CUDA_VISIBLE_DEVICES")
        env = " ".join(f"{k}={os.environ.get(k, '-')}" for k in names)
        blas = min((p["num_threads"] for p in threadpool_info()), default=-1)
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        raise RuntimeError(f"{env} blas={blas} rlimit_as={soft} pid={os.getpid()}")


# a library whose import is slow (as ``import torch`` is): the import must not count against
# a case's timeout, or a fresh worker would time out on it again and again
if os.environ.get("BENCHSUITE_TEST_SLOW_IMPORT"):
    time.sleep(float(os.environ["BENCHSUITE_TEST_SLOW_IMPORT"]))


class Quick(_Base):
    """Fits at once."""

    def fit(self, X, y):
        return self._fit(X, y)

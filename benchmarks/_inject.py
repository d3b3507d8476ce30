"""A wrapper estimator that injects regressions, for ``compare_noise.py``.

``Injected`` wraps a classifier (built from an import string, scaled first) and behaves
exactly like it, unless environment variables ask it to misbehave. The suite definition,
hence ``case_key`` and ``config_hash``, stays the same, so a run with the variables set
compares with one without, case by case, like a code change that broke something:

- ``BENCHSUITE_INJECT_DROP=0.02``: after ``predict``, a random 2% of the predictions (seeded
  by ``random_state`` and ``BENCHSUITE_INJECT_SEED``) are replaced by another class. Each
  changed prediction that was right becomes wrong, so accuracy drops by about 2 points x the
  accuracy, varying from fold to fold as a real drop does.
- ``BENCHSUITE_INJECT_SLOWDOWN=0.5``: after ``fit``, sleep 0.5x the time ``fit`` took, so
  fit time is 1.5x (the sleep is inside benchsuite's clock, like slower code would be).
"""

from __future__ import annotations

import importlib
import os
import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


class Injected(ClassifierMixin, BaseEstimator):
    """``StandardScaler() + <base>(**base_params)``, with regressions on demand."""

    def __init__(self, base="sklearn.linear_model:LogisticRegression", max_iter=1000,
                 random_state=None):  # fmt: skip
        self.base = base
        self.max_iter = max_iter
        self.random_state = random_state

    def _make(self):
        module, _, name = self.base.partition(":")
        cls = getattr(importlib.import_module(module), name)
        params = cls().get_params()
        kwargs = {k: v for k, v in (("max_iter", self.max_iter),
                                   ("random_state", self.random_state)) if k in params}  # fmt: skip
        return make_pipeline(StandardScaler(), cls(**kwargs))

    def fit(self, X, y):
        start = time.perf_counter()
        self.model_ = clone(self._make()).fit(X, y)
        self.classes_ = self.model_.classes_
        slowdown = float(os.environ.get("BENCHSUITE_INJECT_SLOWDOWN", "0"))
        if slowdown > 0:
            time.sleep(slowdown * (time.perf_counter() - start))
        return self

    def predict(self, X):
        pred = self.model_.predict(X)
        drop = float(os.environ.get("BENCHSUITE_INJECT_DROP", "0"))
        if drop > 0 and len(self.classes_) > 1:
            seed = int(os.environ.get("BENCHSUITE_INJECT_SEED", "0"))
            rng = np.random.default_rng([seed, self.random_state or 0])
            n = int(round(drop * len(pred)))
            idx = rng.choice(len(pred), size=n, replace=False)
            pos = np.searchsorted(self.classes_, pred[idx])
            shift = rng.integers(1, len(self.classes_), size=n)
            pred = pred.copy()
            pred[idx] = self.classes_[(pos + shift) % len(self.classes_)]
        return pred

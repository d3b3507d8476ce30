"""Summary statistics of raw samples (fold scores, fit times)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Stats:
    """Mean, spread and a 95% confidence interval of the mean.

    ``std`` is the sample standard deviation (n - 1); with one sample it is 0 and the
    interval collapses to the value. ``ci95`` uses Student's t with n - 1 degrees of freedom.
    """

    n: int
    mean: float
    std: float
    median: float
    min: float
    max: float
    ci95_low: float
    ci95_high: float

    @classmethod
    def of(cls, samples: Sequence[float | None]) -> Stats | None:
        """Statistics of ``samples`` (None and NaN left out), or None when there are none."""
        xs = [float(x) for x in samples if x is not None and not math.isnan(float(x))]
        if not xs:
            return None
        n = len(xs)
        mean = statistics.fmean(xs)
        std = statistics.stdev(xs) if n > 1 else 0.0
        half = _t975(n - 1) * std / math.sqrt(n) if n > 1 else 0.0
        return cls(n, mean, std, statistics.median(xs), min(xs), max(xs), mean - half, mean + half)


def _t975(df: int) -> float:
    """97.5% quantile of Student's t (two-sided 95%)."""
    try:
        from scipy.stats import t
    except ImportError:  # scipy comes with scikit-learn; keep a fallback anyway
        return 1.959963984540054
    return float(t.ppf(0.975, df))

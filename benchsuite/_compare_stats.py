"""The significance tests behind compare's verdicts.

:func:`nadeau_bengio_ttest` (metrics, paired over folds) and the Mann-Whitney U test (times,
via scipy); :class:`PendingTests` queues both while cases are compared and computes them in
a few vectorised scipy calls. scipy is imported only when a p-value needs it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

__all__ = ["PendingTests", "nadeau_bengio_ttest"]


def _nb_statistic(differences: Sequence[float], ratio: float) -> tuple[float, float | None]:
    """``(t, p)``; ``p`` is None without a test, nan when scipy must compute it."""
    n = len(differences)
    if n < 2:
        return (0.0, None)
    mean = statistics.fmean(differences)
    var = statistics.variance(differences)
    # floating-point noise in equal differences must not count as spread
    if var <= (1e-12 * max(abs(mean), 1e-12)) ** 2:
        if abs(mean) < 1e-12:
            return (0.0, 1.0)
        return (math.copysign(math.inf, mean), 0.0)
    return (mean / math.sqrt((1.0 / n + ratio) * var), math.nan)


def nadeau_bengio_ttest(
    differences: Sequence[float], test_train_ratio: float
) -> tuple[float, float | None]:
    """Nadeau-Bengio corrected resampled t-test on per-fold differences.

    Parameters
    ----------
    differences : sequence of float
        ``current - base`` per fold (``J`` values).
    test_train_ratio : float
        ``n_test / n_train`` of the folds (``1/(k-1)`` for k-fold CV); 0 gives the plain
        paired t-test.

    Returns
    -------
    t : float
        The statistic (``±inf`` when all differences are equal and non-zero, 0 when all are 0).
    p_value : float or None
        Two-sided, ``J - 1`` degrees of freedom; None with fewer than two differences.
    """
    t, p = _nb_statistic(differences, test_train_ratio)
    if p is not None and math.isnan(p):
        from scipy.stats import t as student_t

        p = float(2.0 * student_t.sf(abs(t), len(differences) - 1))
    return (t, p)


class PendingTests:
    """Significance tests queued while cases are compared, then computed in batches.

    scipy's tests cost about 0.3 ms a call in overhead; one vectorised call per sample
    shape keeps comparing thousands of cases well under a second. The Mann-Whitney method
    is chosen per test exactly as ``method="auto"`` would (exact for a sample of at most 8
    without ties, else the normal approximation), so the p-values are the ones a direct
    ``mannwhitneyu(x, y)`` call gives.
    """

    def __init__(self) -> None:
        self.student: list[tuple[Any, float, int]] = []
        self.mwu: dict[tuple[int, int, str], list[tuple[Any, list[float], list[float]]]] = {}

    def t_test(self, target: Any, differences: Sequence[float], ratio: float) -> None:
        """Set ``target.p_value`` to the Nadeau-Bengio p-value (now, or at :meth:`run`)."""
        t, p = _nb_statistic(differences, ratio)
        target.p_value = p
        if p is not None and math.isnan(p):
            self.student.append((target, t, len(differences) - 1))

    def mann_whitney(self, target: Any, xs: list[float], ys: list[float]) -> None:
        """Set ``target.p_value`` to the two-sided Mann-Whitney U p-value of ``xs`` vs
        ``ys`` (now when no test is possible or needed, else at :meth:`run`)."""
        if len(xs) < 2 or len(ys) < 2:
            target.p_value = None
            return
        values = set(xs) | set(ys)
        if len(values) == 1:
            target.p_value = 1.0  # identical constant samples (scipy would give nan)
            return
        ties = len(values) < len(xs) + len(ys)
        method = "asymptotic" if (len(xs) > 8 and len(ys) > 8) or ties else "exact"
        self.mwu.setdefault((len(xs), len(ys), method), []).append((target, xs, ys))

    def run(self) -> None:
        """Compute every queued test, a few vectorised scipy calls in all."""
        if self.student:
            import numpy as np
            from scipy.stats import t as student_t

            ts = np.abs([t for _, t, _ in self.student])
            dfs = np.array([df for _, _, df in self.student])
            for (target, _, _), p in zip(self.student, 2.0 * student_t.sf(ts, dfs), strict=True):
                target.p_value = float(p)
        if self.mwu:
            import numpy as np
            from scipy.stats import mannwhitneyu

            for (_, _, method), items in self.mwu.items():
                x = np.array([i[1] for i in items], dtype=float)
                y = np.array([i[2] for i in items], dtype=float)
                res = mannwhitneyu(x, y, alternative="two-sided", method=method, axis=1)
                for (target, _, _), p in zip(items, np.atleast_1d(res.pvalue), strict=True):
                    target.p_value = 1.0 if math.isnan(p) else float(p)

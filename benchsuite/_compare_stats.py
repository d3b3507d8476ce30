"""The significance tests behind compare's verdicts.

:func:`nadeau_bengio_ttest` (metrics, paired over folds) and the Mann-Whitney U test (times,
via scipy); :class:`PendingTests` queues both while cases are compared and computes them in
a few vectorised scipy calls. scipy is imported only when a p-value needs it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchsuite.plan import Plan

__all__ = ["PendingTests", "mwu_min_p", "nadeau_bengio_ttest", "timing_power_warning"]


def mwu_min_p(n1: int, n2: int) -> float:
    """The smallest two-sided p-value the Mann-Whitney U test can give for ``n1`` vs ``n2``
    samples: ``2 / C(n1 + n2, n1)`` (exact test, no ties: the two samples entirely apart).

    With 3 vs 3 samples it is 0.10, with 4 vs 4 0.029, with 5 vs 5 0.0079; with one sample
    on a side (no test, however many on the other) it is 1. Where it is not below alpha, no
    timing change can be significant, however large: compare calls such a change
    *unconfirmed* (unless the normal approximation, which runs on ties, reached alpha).

    Parameters
    ----------
    n1, n2 : int
        Samples on each side.

    Returns
    -------
    float
        In ``(0, 1]``.
    """
    if n1 < 2 or n2 < 2:  # no test runs (compare's p-value is None), whatever the other side
        return 1.0
    return min(1.0, 2.0 / math.comb(n1 + n2, n1))


def _design(case: Any) -> str:
    """``"cv: 3"``, ``"holdout: 0.2"``, ``"split: official"``: how a case is split."""
    ev = case.evaluation
    if ev.method == "cv":
        return f"cv: {case.n_folds}"
    if ev.method == "holdout":
        return f"holdout: {ev.holdout}"
    if ev.method == "official":
        return "split: official"
    return f"{ev.method} split ({case.n_folds} fold{'s' if case.n_folds != 1 else ''})"


def timing_power_warning(plan: Plan, alpha: float = 0.05) -> str | None:
    """One line when the plan's design leaves compare's timing test no chance.

    A case gives ``n_folds x repeats`` timing samples per run; when Mann-Whitney U on that
    many against as many cannot go below ``alpha`` (:func:`mwu_min_p`), no fit or predict
    time change of its cases can ever be confirmed. The line names the weakest design among
    the cases that run (one line per suite, not per case) and what would give the test a
    chance.

    Parameters
    ----------
    plan : Plan
    alpha : float, default=0.05
        The significance level compare will use.

    Returns
    -------
    str or None
        ``"with cv: 3 and repeats: 1, compare cannot confirm a timing change (3 vs 3
        samples: smallest p = 0.10 >= alpha 0.05); use cv >= 4, repeats >= 2, or benchsuite
        history"``; None when every case can reach ``alpha``.
    """
    if not 0 < alpha < 1:
        return None  # compare refuses such an alpha itself
    weak = [
        c for c in plan.cases if not c.skipped and mwu_min_p(*[c.n_folds * c.repeats] * 2) >= alpha
    ]
    if not weak:
        return None
    case = min(weak, key=lambda c: c.n_folds * c.repeats)
    n, folds, repeats = case.n_folds * case.repeats, case.n_folds, case.repeats
    p = mwu_min_p(n, n)
    why = (
        "1 vs 1 sample: no test possible"
        if n == 1
        else f"{n} vs {n} samples: smallest p = {p:.2f} >= alpha {alpha:g}"
    )
    # the least change of each knob that would give the test a chance
    more_folds = next(k for k in range(2, 10_000) if mwu_min_p(k * repeats, k * repeats) < alpha)
    more_repeats = next(r for r in range(2, 10_000) if mwu_min_p(folds * r, folds * r) < alpha)
    fixes = [f"cv >= {more_folds}"] if case.evaluation.method == "cv" else ["cv"]
    fixes.append(f"repeats >= {more_repeats}")
    runnable = sum(1 for c in plan.cases if not c.skipped)
    some = f" ({len(weak)} of {runnable} cases)" if len(weak) < runnable else ""
    return (
        f"with {_design(case)} and repeats: {repeats}{some}, compare cannot confirm a timing"
        f" change ({why}); use {', '.join(fixes)}, or benchsuite history"
    )


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

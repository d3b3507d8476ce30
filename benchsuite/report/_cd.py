"""Comparing several estimators over several datasets: Friedman test, Nemenyi post-hoc
and the critical difference (Demšar 2006, "Statistical comparisons of classifiers over
multiple data sets", JMLR 7:1-30).

Each dataset is a block: the ``k`` estimators are ranked on it (1 = best, ties share the
mean rank), and the average ranks over the ``N`` datasets are compared. The Friedman test
asks whether they differ at all; the Nemenyi test calls two estimators different when their
average ranks differ by at least the critical difference
``CD = q_alpha * sqrt(k (k + 1) / (6 N))``, where ``q_alpha`` is the studentized range
quantile (infinite degrees of freedom) divided by ``sqrt(2)``.

scipy is imported inside the functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = [
    "FriedmanResult",
    "friedman_from_ranks",
    "friedman_nemenyi",
    "nemenyi_q",
    "rank_blocks",
]


def rank_blocks(scores: ArrayLike, *, greater_is_better: bool = True):
    """Rank the estimators within each dataset.

    Parameters
    ----------
    scores : array-like of shape (n_datasets, n_estimators)
        One row per dataset (block), one column per estimator.
    greater_is_better : bool, default=True
        Whether a larger score is better (accuracy) or worse (rmse).

    Returns
    -------
    ndarray of shape (n_datasets, n_estimators)
        Rank 1 is the best estimator of the row; tied scores share their mean rank.
    """
    import numpy as np
    from scipy.stats import rankdata

    x = np.asarray(scores, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"scores must be 2-D (datasets x estimators), got shape {x.shape}")
    return rankdata(-x if greater_is_better else x, axis=1)


def nemenyi_q(k: int, alpha: float = 0.05) -> float:
    """Critical value ``q_alpha`` of the Nemenyi test for ``k`` estimators.

    The upper ``alpha`` quantile of the studentized range with ``k`` groups and infinite
    degrees of freedom, divided by ``sqrt(2)`` (Demšar 2006, Table 5a: 1.960, 2.343, 2.569,
    2.728, ... for k = 2, 3, 4, 5 at alpha = 0.05).

    Parameters
    ----------
    k : int
        Number of estimators compared (at least 2).
    alpha : float, default=0.05

    Returns
    -------
    float
    """
    if k < 2:
        raise ValueError(f"the Nemenyi test compares at least 2 estimators, got {k}")
    from scipy.stats import studentized_range

    return float(studentized_range.ppf(1 - alpha, k, math.inf)) / math.sqrt(2)


def friedman_from_ranks(avg_ranks: Sequence[float], n_datasets: int) -> tuple[float, float]:
    """Demšar's (2006) formulas from the average ranks alone (no tie correction).

    Parameters
    ----------
    avg_ranks : sequence of float
        Average rank ``R_j`` of each of the ``k`` estimators.
    n_datasets : int
        ``N``.

    Returns
    -------
    chi2 : float
        ``12 N / (k (k+1)) * (sum R_j^2 - k (k+1)^2 / 4)``.
    f : float
        Iman and Davenport's ``(N-1) chi2 / (N (k-1) - chi2)``.
    """
    k, n = len(avg_ranks), n_datasets
    chi2 = 12 * n / (k * (k + 1)) * (sum(r * r for r in avg_ranks) - k * (k + 1) ** 2 / 4)
    return chi2, (n - 1) * chi2 / (n * (k - 1) - chi2)


@dataclass(frozen=True)
class FriedmanResult:
    """Friedman test and Nemenyi critical difference over ``n_datasets`` blocks.

    Attributes
    ----------
    names : tuple of str
        The estimators, in the order of ``avg_ranks``.
    avg_ranks : tuple of float
        Mean rank of each estimator over the datasets (1 = best).
    n_datasets, k : int
        ``N`` and ``k`` of Demšar's formulas.
    statistic : float
        Friedman's chi-square statistic (with scipy's correction for ties).
    p_value : float
        Its p-value (chi-square with ``k - 1`` degrees of freedom).
    iman_davenport : float or None
        Iman and Davenport's F statistic, ``(N-1) chi2 / (N (k-1) - chi2)`` (None when the
        ranks are the same on every dataset: the statistic is infinite).
    iman_davenport_p : float or None
        Its p-value (F with ``k-1`` and ``(k-1)(N-1)`` degrees of freedom).
    alpha : float
    q_alpha : float
        Nemenyi critical value (:func:`nemenyi_q`).
    cd : float
        Critical difference of average ranks.
    groups : tuple of tuple of int
        Maximal sets of estimators (indices into ``names``, best first) whose average ranks
        lie within ``cd`` of each other: the bars of the diagram. Singletons are left out.
    """

    names: tuple[str, ...]
    avg_ranks: tuple[float, ...]
    n_datasets: int
    k: int
    statistic: float
    p_value: float
    iman_davenport: float | None
    iman_davenport_p: float | None
    alpha: float
    q_alpha: float
    cd: float
    groups: tuple[tuple[int, ...], ...]

    @property
    def significant(self) -> bool:
        """Whether the Friedman test rejects "all estimators are equivalent" at ``alpha``."""
        return self.p_value < self.alpha

    def differs(self, i: int, j: int) -> bool:
        """Whether the Nemenyi test tells estimators ``i`` and ``j`` apart."""
        return abs(self.avg_ranks[i] - self.avg_ranks[j]) >= self.cd


def friedman_nemenyi(
    scores: Sequence[Sequence[float]],
    names: Sequence[str],
    *,
    greater_is_better: bool = True,
    alpha: float = 0.05,
) -> FriedmanResult:
    """Friedman test and Nemenyi post-hoc on a complete datasets x estimators table.

    Parameters
    ----------
    scores : array-like of shape (n_datasets, n_estimators)
        Mean score of each estimator on each dataset; no missing values.
    names : sequence of str
        Estimator names, one per column.
    greater_is_better : bool, default=True
    alpha : float, default=0.05

    Returns
    -------
    FriedmanResult

    Raises
    ------
    ValueError
        Fewer than 2 estimators or 2 datasets, a name count that does not match, or a
        missing (NaN) score.
    """
    import numpy as np
    from scipy.stats import f, friedmanchisquare

    x = np.asarray(scores, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(names):
        raise ValueError(f"scores of shape {x.shape} do not match {len(names)} names")
    n, k = x.shape
    if k < 2 or n < 2:
        raise ValueError(f"need at least 2 estimators and 2 datasets, got {k} and {n}")
    if np.isnan(x).any():
        raise ValueError("scores must be complete (no NaN)")
    ranks = rank_blocks(x, greater_is_better=greater_is_better)
    avg = ranks.mean(axis=0)
    if (x == x[:, :1]).all():  # every dataset ties every estimator (scipy: 0 / 0)
        statistic, p_value = 0.0, 1.0
    elif k >= 3:
        statistic, p_value = friedmanchisquare(*x.T)
        statistic, p_value = float(statistic), float(p_value)
    else:  # scipy wants 3 groups; the same formula (with its tie correction) for k = 2
        statistic, p_value = _friedman_chi2(ranks)
    denominator = n * (k - 1) - statistic
    if denominator > 0:
        ff = (n - 1) * statistic / denominator
        ff_p = float(f.sf(ff, k - 1, (k - 1) * (n - 1)))
    else:
        ff, ff_p = None, None
    q = nemenyi_q(k, alpha)
    cd = q * math.sqrt(k * (k + 1) / (6 * n))
    return FriedmanResult(
        names=tuple(names),
        avg_ranks=tuple(float(r) for r in avg),
        n_datasets=n,
        k=k,
        statistic=statistic,
        p_value=p_value,
        iman_davenport=ff,
        iman_davenport_p=ff_p,
        alpha=alpha,
        q_alpha=q,
        cd=cd,
        groups=_groups(avg, cd),
    )


def _friedman_chi2(ranks) -> tuple[float, float]:
    """Friedman's statistic from a ranks table, with the tie correction scipy applies."""
    import numpy as np
    from scipy.stats import chi2

    n, k = ranks.shape
    sums = ranks.sum(axis=0)
    ssbn = float((sums**2).sum())
    ties = 0.0
    for row in ranks:
        _, counts = np.unique(row, return_counts=True)
        ties += float((counts**3 - counts).sum())
    c = 1 - ties / (k * (k * k - 1) * n)
    if c == 0:
        return 0.0, 1.0
    statistic = (12.0 / (k * n * (k + 1)) * ssbn - 3 * n * (k + 1)) / c
    return statistic, float(chi2.sf(statistic, k - 1))


def _groups(avg, cd: float) -> tuple[tuple[int, ...], ...]:
    """Maximal runs of estimators, in rank order, spanning less than ``cd``."""
    order = sorted(range(len(avg)), key=lambda i: avg[i])
    groups: list[tuple[int, ...]] = []
    for start in range(len(order)):
        end = start
        while end + 1 < len(order) and avg[order[end + 1]] - avg[order[start]] < cd:
            end += 1
        if end > start and not (groups and set(order[start : end + 1]) <= set(groups[-1])):
            groups.append(tuple(order[start : end + 1]))
    return tuple(groups)

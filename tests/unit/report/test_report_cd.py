"""Friedman test, Nemenyi critical difference and groups, against published and
hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import friedmanchisquare

from benchsuite.report._cd import (
    _friedman_chi2,
    _groups,
    friedman_from_ranks,
    friedman_nemenyi,
    nemenyi_q,
    rank_blocks,
)

# Demšar (2006), Table 5(a): critical values of the two-tailed Nemenyi test, alpha = 0.05
# and 0.10, for k = 2..10 (printed to 3 decimals, not always rounded: 2.3437 is "2.343")
DEMSAR_Q05 = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]
DEMSAR_Q10 = [1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920]


@pytest.mark.parametrize("k", range(2, 11))
def test_nemenyi_q_matches_demsar_table(k):
    assert nemenyi_q(k, 0.05) == pytest.approx(DEMSAR_Q05[k - 2], abs=1e-3)
    assert nemenyi_q(k, 0.10) == pytest.approx(DEMSAR_Q10[k - 2], abs=1e-3)


def test_nemenyi_q_rejects_one_estimator():
    with pytest.raises(ValueError):
        nemenyi_q(1)


def test_demsar_worked_example():
    # Section 3.2.2: four C4.5 variants on 14 datasets, average ranks 3.143, 2.000, 2.893,
    # 1.964 -> chi2_F = 9.28, F_F = 3.69; Nemenyi CD = 2.569 sqrt(4*5 / (6*14)) = 1.25
    ranks = [3.143, 2.000, 2.893, 1.964]
    chi2, ff = friedman_from_ranks(ranks, 14)
    assert chi2 == pytest.approx(9.28, abs=0.01)
    assert ff == pytest.approx(3.69, abs=0.01)
    cd = nemenyi_q(4) * math.sqrt(4 * 5 / (6 * 14))
    assert cd == pytest.approx(1.25, abs=0.005)
    # the best and the worst differ by 1.179 < CD: Nemenyi finds no difference at 0.05 ...
    assert _groups(ranks, cd) == ((3, 1, 2, 0),)
    # ... but at 0.10 (CD = 2.291 * 0.488 = 1.12) C4.5+m+cf beats C4.5
    cd10 = nemenyi_q(4, 0.10) * math.sqrt(4 * 5 / (6 * 14))
    assert cd10 == pytest.approx(1.12, abs=0.005)
    assert _groups(ranks, cd10) == ((3, 1, 2), (2, 0))


def test_hand_computed_example():
    # 3 estimators, 4 datasets; ranks per dataset (1 = best, higher scores better):
    #   d1: a1 b2 c3   d2: a1 b3 c2   d3: a2 b1 c3   d4: a1 b2 c3
    # average ranks a 1.25, b 2.0, c 2.75; sum of squares 1.5625 + 4 + 7.5625 = 13.125
    # chi2 = 12*4/(3*4) * (13.125 - 3*16/4) = 4 * 1.125 = 4.5, df 2: p = exp(-4.5/2)
    scores = [[0.9, 0.8, 0.7], [0.9, 0.6, 0.7], [0.8, 0.9, 0.1], [0.5, 0.4, 0.3]]
    r = friedman_nemenyi(scores, ["a", "b", "c"])
    assert r.avg_ranks == pytest.approx((1.25, 2.0, 2.75))
    assert r.statistic == pytest.approx(4.5)
    assert r.p_value == pytest.approx(math.exp(-4.5 / 2))
    assert r.iman_davenport == pytest.approx(3 * 4.5 / (4 * 2 - 4.5))
    assert r.cd == pytest.approx(2.343 * math.sqrt(3 * 4 / (6 * 4)), abs=1e-3)
    assert not r.significant  # p = 0.105
    assert r.groups == ((0, 1, 2),)  # 2.75 - 1.25 = 1.5 < CD 1.657
    assert not r.differs(0, 2)


def test_lower_is_better_reverses_ranks():
    errors = [[1.0, 2.0, 3.0], [1.5, 2.5, 3.5], [0.1, 0.2, 0.3]]
    r = friedman_nemenyi(errors, ["a", "b", "c"], greater_is_better=False)
    assert r.avg_ranks == (1.0, 2.0, 3.0)
    r = friedman_nemenyi(errors, ["a", "b", "c"])
    assert r.avg_ranks == (3.0, 2.0, 1.0)


def test_ties_share_the_mean_rank():
    assert rank_blocks([[0.9, 0.9, 0.5, 0.9]]).tolist() == [[2.0, 2.0, 4.0, 2.0]]


def test_own_statistic_equals_scipy_with_ties():
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.integers(0, 4, size=(8, 4)).astype(float)  # many ties
        if (x == x[:, :1]).all():
            continue
        expected = friedmanchisquare(*x.T)
        got = _friedman_chi2(rank_blocks(x))
        assert got[0] == pytest.approx(expected.statistic)
        assert got[1] == pytest.approx(expected.pvalue)


def test_two_estimators_use_the_same_formula():
    # k = 2 (scipy refuses it): b wins on 5 of 6 datasets
    scores = [[0.1, 0.2]] * 5 + [[0.3, 0.2]]
    r = friedman_nemenyi(scores, ["a", "b"])
    # ranks a: 2,2,2,2,2,1 -> 11/6; chi2 = 12*6/(2*3) * ((11/6)^2 + (7/6)^2 - 2*9/4)
    assert r.statistic == pytest.approx(12 * ((11 / 6) ** 2 + (7 / 6) ** 2 - 4.5))
    assert r.q_alpha == pytest.approx(1.960, abs=1e-3)


def test_all_tied_is_not_significant():
    r = friedman_nemenyi([[0.5, 0.5, 0.5]] * 4, ["a", "b", "c"])
    assert r.p_value == 1.0 and r.statistic == 0.0
    assert r.groups == ((0, 1, 2),)


def test_perfect_separation_gives_no_iman_davenport_division_by_zero():
    # every dataset ranks a > b > c: chi2 = N (k - 1), the F statistic is infinite
    r = friedman_nemenyi([[3.0, 2.0, 1.0]] * 10, ["a", "b", "c"])
    assert r.statistic == pytest.approx(20.0)
    assert r.iman_davenport is None
    assert r.significant and r.differs(0, 2)
    assert r.groups == ((0, 1), (1, 2))  # neighbours 1 rank apart, CD = 1.05


@pytest.mark.parametrize(
    "scores, names",
    [([[0.1, 0.2]], ["a", "b"]), ([[0.1], [0.2]], ["a"]), ([[0.1, float("nan")]] * 3, ["a", "b"])],
)
def test_bad_tables_are_rejected(scores, names):
    with pytest.raises(ValueError):
        friedman_nemenyi(scores, names)

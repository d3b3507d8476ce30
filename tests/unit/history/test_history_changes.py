"""Change points on synthetic series with known steps (benchsuite.history._changes)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchsuite.history._changes import MIN_POINTS, binseg_l1, detect_changes, noise_scale
from benchsuite.history._model import Point


def _points(values) -> list[Point]:
    return [
        Point(
            run_id=f"run{i:03d}",
            started_at=f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z",
            commit=f"sha{i:03d}",
            branch="main",
            dirty=False,
            value=float(v),
            low=float(v) * 0.95,
            high=float(v) * 1.05,
            n=10,
        )
        for i, v in enumerate(values)
    ]


def _lognormal(n: int, seed: int, sigma: float = 0.03, level: float = 0.1) -> np.ndarray:
    return level * np.exp(np.random.default_rng(seed).normal(0.0, sigma, n))


@pytest.mark.parametrize("seed", range(5))
def test_a_20_percent_step_in_lognormal_noise_is_found_where_it_is(seed):
    values = _lognormal(24, seed)
    values[11:] *= 1.2
    changes = detect_changes(_points(values), higher_is_better=False)
    assert len(changes) == 1
    (c,) = changes
    assert abs(c.index - 11) <= 1
    assert c.run_id == f"run{c.index:03d}" and c.commit == f"sha{c.index:03d}"
    assert c.before == pytest.approx(0.1, rel=0.05)
    assert c.after == pytest.approx(0.12, rel=0.05)
    assert c.relative == pytest.approx((c.after - c.before) / c.before)
    assert c.relative == pytest.approx(0.2, abs=0.05)
    assert c.regression  # slower


def test_exact_before_after_and_relative_are_the_segment_medians():
    values = [1.0, 1.02, 0.98, 1.01, 0.99, 1.0, 1.5, 1.52, 1.48, 1.5, 1.49, 1.51]
    (c,) = detect_changes(_points(values), higher_is_better=False)
    assert c.index == 6
    assert c.before == pytest.approx(np.median(values[:6]))
    assert c.after == pytest.approx(np.median(values[6:]))
    assert c.relative == pytest.approx((c.after - c.before) / c.before)


def test_a_step_down_is_an_improvement_for_times_and_a_regression_for_scores():
    values = _lognormal(20, 7)
    values[10:] /= 1.2
    (as_time,) = detect_changes(_points(values), higher_is_better=False)
    (as_score,) = detect_changes(_points(values), higher_is_better=True)
    assert as_time.relative < 0 and as_score.relative < 0
    assert not as_time.regression
    assert as_score.regression


def test_higher_is_better_flips_the_regression_flag_of_a_step_up():
    values = _lognormal(20, 8)
    values[10:] *= 1.3
    (time_step,) = detect_changes(_points(values), higher_is_better=False)
    (score_step,) = detect_changes(_points(values), higher_is_better=True)
    assert time_step.index == score_step.index
    assert time_step.regression and not score_step.regression


def test_a_one_point_drop_on_a_deterministic_score_is_found_exactly():
    values = [0.9533333333333334] * 9 + [0.9433333333333334] * 6
    (c,) = detect_changes(_points(values), higher_is_better=True)
    assert c.index == 9
    assert c.before == values[0] and c.after == values[-1]
    assert c.relative == pytest.approx(-0.01 / values[0])
    assert c.regression


def test_a_drop_in_the_last_two_runs_of_a_deterministic_series_is_found():
    values = [0.9] * 10 + [0.89] * 2
    (c,) = detect_changes(_points(values), higher_is_better=True)
    assert c.index == 10 and c.regression


def test_identical_values_never_yield_a_change():
    for value in (0.0, 1.0, 0.95, 1e-4, -0.3):
        assert detect_changes(_points([value] * 30), higher_is_better=True) == []


@pytest.mark.parametrize("where", [0, 5, 11, 19])
def test_one_outlier_is_not_a_change(where):
    noisy = _lognormal(20, 3)
    noisy[where] *= 3.0  # one slow run on a busy machine
    assert detect_changes(_points(noisy), higher_is_better=False) == []
    flat = np.full(20, 0.97)
    flat[where] = 0.90
    assert detect_changes(_points(flat), higher_is_better=True) == []


def test_pure_noise_gives_no_change():
    found = [
        detect_changes(_points(_lognormal(30, seed, sigma=0.05)), higher_is_better=False)
        for seed in range(20)
    ]
    assert sum(len(f) for f in found) == 0


def test_bimodal_noise_of_a_shared_machine_rarely_gives_a_change():
    # a third of the runs share the CPU and come out 1.4x slower, at random: no step
    found = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        slow = np.where(rng.random(30) < 0.35, 1.4, 1.0)
        values = _lognormal(30, 1000 + seed, sigma=0.01) * slow
        found += len(detect_changes(_points(values), higher_is_better=False))
    assert found <= 5  # of 600 series-runs (a noise scale from the median difference: 11)


def test_fewer_than_min_points_is_never_a_change():
    values = [1.0] * (MIN_POINTS // 2) + [5.0] * (MIN_POINTS - 1 - MIN_POINTS // 2)
    assert len(values) == MIN_POINTS - 1
    assert detect_changes(_points(values), higher_is_better=False) == []
    assert detect_changes([], higher_is_better=False) == []


def test_min_points_points_are_enough():
    half = MIN_POINTS // 2
    values = [0.9] * half + [0.8] * (MIN_POINTS - half)
    (c,) = detect_changes(_points(values), higher_is_better=True)
    assert c.index == half and c.regression


def test_two_steps_give_two_changes():
    values = _lognormal(30, 11)
    values[10:] *= 1.3
    values[20:] /= 1.3 * 1.3  # back down, below the start
    changes = detect_changes(_points(values), higher_is_better=False)
    assert len(changes) == 2
    first, second = changes
    assert abs(first.index - 10) <= 1 and abs(second.index - 20) <= 1
    assert first.regression and not second.regression
    assert first.after == pytest.approx(second.before)


def test_a_step_below_min_relative_is_not_reported_on_a_noisy_series():
    values = 0.1 * np.exp(np.random.default_rng(4).normal(0.0, 0.002, 30))
    values[15:] *= 1.02  # real (10 noise scales) but small
    assert detect_changes(_points(values), higher_is_better=False) == []
    (c,) = detect_changes(_points(values), higher_is_better=False, min_relative=0.01)
    assert c.index == 15 and c.relative == pytest.approx(0.02, abs=0.005)


def test_scores_at_or_below_zero_are_handled_on_their_own_scale():
    values = [0.2, 0.0, -0.1, 0.1, 0.05, 0.15, -0.05, 0.1, -0.9, -1.0, -0.95, -1.05, -0.9, -1.0]
    (c,) = detect_changes(_points(values), higher_is_better=True)
    assert c.index == 8 and c.regression and c.relative < 0
    assert math.isfinite(c.relative)


def test_missing_values_are_skipped_and_indices_point_into_the_series():
    values = [1.0] * 8 + [1.5] * 8
    values[3] = math.nan
    (c,) = detect_changes(_points(values), higher_is_better=False)
    assert c.index == 8 and c.run_id == "run008"


def test_noise_scale_ignores_a_step_and_is_zero_for_a_deterministic_series():
    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, 1.0, 400)
    assert noise_scale(noise) == pytest.approx(1.0, rel=0.15)
    stepped = noise.copy()
    stepped[200:] += 50.0
    assert noise_scale(stepped) == pytest.approx(noise_scale(noise), rel=0.05)
    assert noise_scale(np.array([0.9] * 10 + [0.89] * 10)) == 0.0


def _l1(z) -> float:
    return float(np.abs(z - np.median(z)).sum()) if len(z) else 0.0


@pytest.mark.parametrize("seed", range(20))
def test_binseg_first_split_is_the_best_single_split(seed):
    rng = np.random.default_rng(seed)
    y = rng.standard_t(3, size=int(rng.integers(6, 40)))
    y[int(rng.integers(2, len(y) - 2)) :] += rng.normal(0.0, 3.0)
    gains = {k: _l1(y) - _l1(y[:k]) - _l1(y[k:]) for k in range(2, len(y) - 1)}
    best = max(gains.values())
    cuts = binseg_l1(y, pen=best - 1e-9)
    assert any(gains[c] == pytest.approx(best) for c in cuts)
    assert binseg_l1(y, pen=best + 1e-9) == []


def test_binseg_matches_ruptures():
    rpt = pytest.importorskip("ruptures")
    rng = np.random.default_rng(0)
    for _ in range(30):
        n = int(rng.integers(6, 60))
        y = rng.normal(0.0, 0.1, n)
        for _ in range(int(rng.integers(0, 3))):
            y[int(rng.integers(0, n)) :] += rng.normal(0.0, 0.5)
        pen = float(rng.uniform(0.2, 2.0))
        expected = rpt.Binseg(model="l1", min_size=2, jump=1).fit(y).predict(pen=pen)[:-1]
        assert binseg_l1(y, pen) == [int(b) for b in expected]

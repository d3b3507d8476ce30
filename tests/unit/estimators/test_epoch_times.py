"""fit_details: first epoch apart, the steady epoch time as a median, the target watched."""

from __future__ import annotations

import pytest

from benchsuite.estimators._introspect import fit_details


class _Trained:
    """What a fitted deep model exposes (``device_``, ``history_``, ``h2d_time_s_``)."""

    def __init__(self, times, scores=None, h2d=0.5):
        self.device_ = "cpu"
        self.h2d_time_s_ = h2d
        self.history_ = [
            {"epoch": i + 1, "train_loss": 1.0 / (i + 1), "time_s": t}
            | ({} if scores is None else {"eval_score": scores[i]})
            for i, t in enumerate(times)
        ]


def test_first_epoch_is_recorded_apart_and_the_others_give_a_median():
    out = fit_details(_Trained([5.0, 1.0, 1.2, 0.9]))
    assert out["first_epoch_s"] == 5.0
    # the median of 1.0, 1.2, 0.9; the old mean of all four was 2.025
    assert out["time_per_epoch_s"] == pytest.approx(1.0)
    assert out["epochs_run"] == 4


def test_a_single_epoch_is_both_the_first_and_the_epoch_time():
    out = fit_details(_Trained([3.0]))
    assert out["first_epoch_s"] == out["time_per_epoch_s"] == 3.0


def test_a_watched_target_is_recorded_reached_or_not():
    model = _Trained([5.0, 1.0, 1.2, 0.9], scores=[0.5, 0.8, 0.95, 0.97])
    reached = fit_details(model, {"accuracy": 0.9})
    assert reached["target"] == {"accuracy": 0.9}
    assert reached["target_epoch"] == 3
    # copy + epochs 1..3, the per-epoch scoring outside the clock
    assert reached["time_to_target_s"] == pytest.approx(0.5 + 5.0 + 1.0 + 1.2)

    missed = fit_details(model, {"accuracy": 0.99})
    assert missed["target"] == {"accuracy": 0.99}  # "had a target" stays visible
    assert "time_to_target_s" not in missed and "target_epoch" not in missed


def test_no_target_without_a_suite_target_or_a_watched_test_fold():
    assert "target" not in fit_details(_Trained([1.0, 1.0]))  # no suite target
    # a target, but the model never scored the test fold (no eval_score)
    assert "target" not in fit_details(_Trained([1.0, 1.0]), {"accuracy": 0.5})

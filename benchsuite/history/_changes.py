"""Change points on a series of per-run values (interface; implementation in progress)."""

from __future__ import annotations

from collections.abc import Sequence

from benchsuite.history._model import Change, Point

# fewer points than this: "not enough history", never a change
MIN_POINTS = 6


def detect_changes(points: Sequence[Point], *, higher_is_better: bool) -> list[Change]:
    """The steps in ``points`` (per-run medians with their job spread), oldest first.

    Parameters
    ----------
    points : sequence of Point
        In run order.
    higher_is_better : bool
        Whether a step up is an improvement (scores, throughput) or a regression (times,
        memory, losses).

    Returns
    -------
    list of Change
        Empty for fewer than :data:`MIN_POINTS` points.
    """
    raise NotImplementedError

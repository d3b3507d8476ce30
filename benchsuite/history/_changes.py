"""Change points on a series of per-run values.

Method
------
Binary segmentation with a least-absolute-deviation (L1) cost, from ``ruptures``
(``Binseg(model="l1")``), on the logs of the per-run medians, stopped by a penalty
proportional to the series' own noise:

- **Logs.** Times, memory and throughput vary multiplicatively (a busy machine slows
  every fit by a factor), so a step is a shift of the log; a +10% step is the same
  shift on a 5 ms fit and on a 5 s one. A series with a value <= 0 (an R2) is used
  as it is.
- **L1, not L2.** A segment's cost is the sum of absolute deviations from its median,
  as in asv's ``step_detect``: one slow run on a busy machine moves a least-squares fit
  by its full excess, a median fit not at all. With segments of at least
  :data:`MIN_SEGMENT` (2) runs, isolating a single outlier gains exactly nothing (a
  2-point segment's L1 cost is the distance between its points, the same as the
  outlier's distance to the level), so one slow run never becomes two change points.
  The price: a step in the last run alone is not reported until the next run
  confirms it (a single deviating last point cannot be told from an outlier).
- **Penalty from the series' noise.** ``sigma`` is a robust scale of the run-to-run
  noise: ``1.4826 * median(|diff(log values)|) / sqrt(2)`` (the median absolute
  consecutive difference, as asv estimates it), which a few steps or outliers barely
  move. A split is kept while it lowers the L1 cost by more than
  ``sigma * (PENALTY + SMALL_N / n)`` (6 + 60 / n: 16 for 6 runs, 9 for 20, 6.4 for
  150). On simulated pure noise (Gaussian and Student t(3), 3,000 series of each length
  from 6 to 20 runs, 600 of 50) that leaves at most 0.44 false change points per 1,000
  series-runs; short series need the larger term because their ``sigma`` comes from few
  differences. Real timing noise on a shared machine is heavier: bimodal, when some runs
  share the CPU and others do not (``benchmarks/history_detect.py`` measures the rate on
  real reruns). A penalty of 5 finds about 5% more +10% steps at 1.2-1.5 times the false
  change points; 7 the reverse.
- **Deterministic series.** A seeded score is often bit-identical from run to run: most
  consecutive differences are 0, so ``sigma`` is 0 and any step lasting
  :data:`MIN_SEGMENT` runs is found, whatever its size (a 1-point accuracy drop on a
  flat series); a series of identical values has no split that gains anything and
  never yields a change.
- **Minimal size.** On a noisy series (``sigma > 0``) a step smaller than
  ``min_relative`` (default 5%, below ``compare``'s 1.10 timing ratio: a step the
  history confirms over many runs may be smaller than what one pair of runs can show)
  is merged back into its neighbours, so that a long, quiet history does not report
  statistically real but irrelevant 1% drifts. Deterministic series have no minimum.
  Pass ``min_relative=0`` for noisy scores where a 1-point change matters.

Why not the fold spread: ``Point.low``/``high`` are the spread of folds x repeats
within one run; for a score they are fold-to-fold differences (different test data),
not noise of the run's median, and for a time they miss what makes medians move
between runs (the machine's load during the whole run). The run-to-run scatter of the
medians themselves is what a step has to stand out from.

Why binary segmentation rather than PELT: the same penalised L1 fit, with ruptures'
PELT taking about 0.14 s for 100 points and 1.2 s for 300 (pure Python, a median per
candidate segment), binary segmentation 7 ms and 22 ms (0.1 s for 1,000 runs); with
steps that last a few runs both find the same ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from benchsuite.errors import BenchsuiteError
from benchsuite.history._model import Change, Point

if TYPE_CHECKING:
    import numpy as np

# fewer points than this: "not enough history", never a change
MIN_POINTS = 6
# runs on each side of a step, at least: one deviating run is an outlier, not a step
MIN_SEGMENT = 2
# the penalty, in units of the series' noise scale: PENALTY + SMALL_N / n
PENALTY = 6.0
SMALL_N = 60.0
# steps smaller than this (relative) are not reported on a noisy series
MIN_RELATIVE = 0.05

_MAD_TO_SIGMA = 1.4826  # median absolute deviation -> standard deviation (Gaussian)


def _ruptures() -> Any:
    try:
        import ruptures
    except ImportError:
        raise BenchsuiteError(
            "change-point detection needs the ruptures package: pip install 'benchsuite[history]'"
        ) from None
    return ruptures


def noise_scale(values: np.ndarray) -> float:
    """A robust scale of the point-to-point noise of ``values`` (0 for a deterministic series).

    Parameters
    ----------
    values : ndarray
        The series (already on the scale detection works on, e.g. logs).

    Returns
    -------
    float
        ``1.4826 * median(|diff(values)|) / sqrt(2)``: the standard deviation of
        Gaussian noise around a constant level; a step or an outlier changes one or
        two differences of many, so it barely moves this estimate.
    """
    import numpy as np

    if len(values) < 2:
        return 0.0
    return float(_MAD_TO_SIGMA * np.median(np.abs(np.diff(values))) / math.sqrt(2.0))


def _relative(before: float, after: float) -> float:
    if before == 0:
        return 0.0 if after == 0 else math.copysign(math.inf, after)
    return (after - before) / abs(before)


def detect_changes(
    points: Sequence[Point],
    *,
    higher_is_better: bool,
    min_relative: float = MIN_RELATIVE,
    penalty: float = PENALTY,
) -> list[Change]:
    """The steps in ``points`` (per-run medians with their job spread), oldest first.

    Parameters
    ----------
    points : sequence of Point
        In run order.
    higher_is_better : bool
        Whether a step up is an improvement (scores, throughput) or a regression (times,
        memory, losses).
    min_relative : float, default=0.05
        On a noisy series, steps with ``|relative|`` below this are not reported (the
        segments on either side are merged); a deterministic series (most consecutive
        values identical) reports every step.
    penalty : float, default=6.0
        The split penalty in units of the series' noise scale (plus ``60 / n``): higher
        finds fewer and larger steps.

    Returns
    -------
    list of Change
        Empty for fewer than :data:`MIN_POINTS` points (finite values).

    Raises
    ------
    BenchsuiteError
        ``ruptures`` is not installed.
    """
    import numpy as np

    # a missing value (NaN) is no evidence either way: detect on the others, report
    # indices into ``points``
    keep = [i for i, p in enumerate(points) if math.isfinite(p.value)]
    if len(keep) < MIN_POINTS:
        return []
    values = np.array([points[i].value for i in keep], dtype=float)
    if np.all(values == values[0]):
        return []
    y = np.log(values) if np.all(values > 0) else values
    n = len(y)
    sigma = noise_scale(y)
    # a floor for deterministic series: any real step gains far more than this, while
    # splits that gain nothing (identical values, a lone outlier) are never taken
    floor = 1e-9 * max(1.0, float(np.median(np.abs(y))))
    pen = max(sigma, floor) * (penalty + SMALL_N / n)
    algo = _ruptures().Binseg(model="l1", min_size=MIN_SEGMENT, jump=1).fit(y)
    bounds = [int(b) for b in algo.predict(pen=pen)[:-1]]

    def medians(cuts: list[int]) -> list[float]:
        edges = [0, *cuts, n]
        return [float(np.median(values[a:b])) for a, b in zip(edges[:-1], edges[1:], strict=True)]

    # merge the smallest step below the minimum (or of size 0: equal medians on both
    # sides), then measure its neighbours again
    threshold = min_relative if sigma > 0 else 0.0
    while bounds:
        meds = medians(bounds)
        sizes = [abs(_relative(meds[i], meds[i + 1])) for i in range(len(bounds))]
        smallest = int(np.argmin(sizes))
        if sizes[smallest] > 0 and sizes[smallest] >= threshold:
            break
        del bounds[smallest]

    meds = medians(bounds)
    changes = []
    for i, b in enumerate(bounds):
        before, after = meds[i], meds[i + 1]
        point = points[keep[b]]
        changes.append(
            Change(
                index=keep[b],
                run_id=point.run_id,
                commit=point.commit,
                before=before,
                after=after,
                relative=_relative(before, after),
                regression=(after < before) if higher_is_better else (after > before),
            )
        )
    return changes

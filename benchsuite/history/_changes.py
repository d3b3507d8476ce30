"""Change points on a series of per-run values.

Method
------
Binary segmentation with a least-absolute-deviation (L1) cost on the logs of the
per-run medians (asv's ``step_detect`` fits the same L1 cost, by dynamic programming),
stopped by a penalty proportional to the series' own noise:

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
  noise from the consecutive differences of the logs, which a step changes one of and an
  outlier two: ``q75(|diff|) / 1.6268`` (the Gaussian standard deviation whose
  differences have that 75th percentile). asv takes the median absolute difference
  instead; on real reruns that underestimates the noise badly when it is bimodal (some
  runs share the CPU and others do not): fewer than half the differences then span the
  two modes, the median sits among the small ones, and a few consecutive slow runs
  became steps (0.4-1.7 false change points per 1,000 series-runs on three sets of 5
  reruns at a penalty of 6, against 0.02-0.08 with the 75th percentile at 5, which also
  found more of the injected steps). A split is kept while it lowers the
  L1 cost by more than ``sigma * (PENALTY + SMALL_N / n)`` (5 + 60 / n: 15 for 6 runs,
  8 for 20, 5.4 for 150). On simulated pure noise (Gaussian and Student t(3); 3,000
  series of each length from 6 to 20 runs, 600 of 50, 400 of 100, 150 of 300) that
  leaves at most 0.33 false change points per 1,000 series-runs; short series need the
  larger term because their ``sigma`` comes from few differences.
- **Deterministic series.** A seeded score is often bit-identical from run to run: three
  quarters or more of the consecutive differences are 0, so ``sigma`` is 0 and any step
  lasting :data:`MIN_SEGMENT` runs is found, whatever its size (a 1-point accuracy drop
  on a flat series); a series of identical values has no split that gains anything and
  never yields a change.
- **Minimal size.** On a noisy series (``sigma > 0``) a step smaller than
  ``min_relative`` (default 3%) is merged back into its neighbours, so that a long,
  quiet history does not report statistically real but irrelevant 1% drifts. 3%, not
  ``compare``'s 1.10 timing ratio: a history confirms a step over many runs, where one
  pair of runs cannot, and a +5% step should be reported wherever the noise lets it be
  found (at 5% half of them fell just under the minimum and were dropped). Deterministic
  series have no minimum. Pass ``min_relative=0`` for noisy scores where a 1-point
  change matters.

Why not the fold spread: ``Point.low``/``high`` are the spread of folds x repeats
within one run; for a score they are fold-to-fold differences (different test data),
not noise of the run's median, and for a time they miss what makes medians move
between runs (the machine's load during the whole run). The run-to-run scatter of the
medians themselves is what a step has to stand out from.

Why binary segmentation, and why written here: ``ruptures`` has the same fit
(``Binseg(model="l1", min_size=2, jump=1)``; :func:`binseg_l1` gives its split points,
up to float noise between tied splits) and PELT, but importing it takes about 1.2 s
(SciPy), and its L1 cost takes a median per candidate segment: 0.26 s for a 1,000-run
series with binary segmentation, 1.2 s for a 300-run one with PELT, where ``benchsuite
history`` over 1,000 runs x 50 cases has 2 s in all. A running median with two heaps gives
every prefix's and suffix's L1 cost in O(n log n): under 10 ms for a 1,000-run series,
standard library only. (A least-squares fit on outlier-clipped logs, tried on the same
reruns, found about as many steps with twice the false change points.)
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from benchsuite.history._model import Change, Point

if TYPE_CHECKING:
    import numpy as np

# fewer points than this: "not enough history", never a change
MIN_POINTS = 6
# runs on each side of a step, at least: one deviating run is an outlier, not a step
MIN_SEGMENT = 2
# the penalty, in units of the series' noise scale: PENALTY + SMALL_N / n
PENALTY = 5.0
SMALL_N = 60.0
# steps smaller than this (relative) are not reported on a noisy series
MIN_RELATIVE = 0.03

# the 75th percentile of |x - y| for x, y independent N(0, 1): sqrt(2) * Phi^-1(0.875)
_Q75_ABS_DIFF = 1.6268


def _prefix_l1(z: Sequence[float]) -> list[float]:
    """``out[k]``: the L1 cost of ``z[:k]`` (sum of absolute deviations from its median).

    A running median with two heaps, O(m log m): the cost of ``z[:k]`` is the sum of its
    upper half minus the sum of its lower half (plus the median when ``k`` is odd).
    """
    low: list[float] = []  # the lower half, negated (a max-heap); holds the median
    high: list[float] = []
    sum_low = sum_high = 0.0
    out = [0.0]
    for x in z:
        if not low or x <= -low[0]:
            heapq.heappush(low, -x)
            sum_low += x
        else:
            heapq.heappush(high, x)
            sum_high += x
        if len(low) > len(high) + 1:
            v = -heapq.heappop(low)
            sum_low -= v
            heapq.heappush(high, v)
            sum_high += v
        elif len(high) > len(low):
            v = heapq.heappop(high)
            sum_high -= v
            heapq.heappush(low, -v)
            sum_low += v
        out.append(sum_high - sum_low + (len(low) - len(high)) * -low[0])
    return out


def binseg_l1(y: Sequence[float], pen: float, min_size: int = MIN_SEGMENT) -> list[int]:
    """Binary segmentation of ``y`` with an L1 cost: the split points, ascending.

    The same fit as ``ruptures.Binseg(model="l1", min_size=min_size, jump=1)
    .fit(y).predict(pen=pen)[:-1]``: split the segment whose best split lowers the
    summed L1 cost most, while that gain exceeds ``pen``.

    Parameters
    ----------
    y : sequence of float
    pen : float
        A split is kept only if it lowers the cost by more than this.
    min_size : int, default=2
        Points in a segment, at least.

    Returns
    -------
    list of int
        Each the index of the first point of a new segment.
    """
    values = [float(v) for v in y]
    best: dict[tuple[int, int], tuple[int, float]] = {}

    def best_split(start: int, end: int) -> tuple[int, float]:
        if (start, end) not in best:
            z = values[start:end]
            m = len(z)
            split, gain = -1, -math.inf
            if m >= 2 * min_size:
                prefix, suffix = _prefix_l1(z), _prefix_l1(z[::-1])
                for k in range(min_size, m - min_size + 1):
                    g = prefix[m] - prefix[k] - suffix[m - k]
                    if g >= gain:  # ties: the last split, as ruptures
                        split, gain = start + k, g
            best[(start, end)] = (split, gain)
        return best[(start, end)]

    cuts: list[int] = []
    while True:
        edges = [0, *cuts, len(values)]
        split, gain = max(
            (best_split(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)),
            key=lambda c: c[1],
        )
        if split < 0 or not gain > pen:
            return cuts
        cuts = sorted([*cuts, split])


def noise_scale(values: np.ndarray) -> float:
    """A robust scale of the point-to-point noise of ``values`` (0 for a deterministic series).

    Parameters
    ----------
    values : ndarray
        The series (already on the scale detection works on, e.g. logs).

    Returns
    -------
    float
        ``q75(|diff(values)|) / 1.6268``: the standard deviation of Gaussian noise
        around a constant level with those differences. A step changes one difference
        and an outlier two, so neither moves it much; 0 when three quarters of the
        consecutive values are identical.
    """
    import numpy as np

    if len(values) < 2:
        return 0.0
    return float(np.quantile(np.abs(np.diff(values)), 0.75) / _Q75_ABS_DIFF)


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
    min_relative : float, default=0.03
        On a noisy series, steps with ``|relative|`` below this are not reported (the
        segments on either side are merged); a deterministic series (three quarters of
        its consecutive values identical) reports every step.
    penalty : float, default=5.0
        The split penalty in units of the series' noise scale (plus ``60 / n``): higher
        finds fewer and larger steps.

    Returns
    -------
    list of Change
        Empty for fewer than :data:`MIN_POINTS` points (finite values).
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
    bounds = binseg_l1(y.tolist(), pen, MIN_SEGMENT)

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

"""Baseline vs current run: one verdict per case, with the statistics that explain it.

:func:`compare_records` is pure (records in, :class:`Comparison` out; nothing printed);
:func:`compare_runs` loads two runs from disk first. Rendering lives in ``benchsuite.report``.

Method
------
Cases are matched by ``case_key``. A case whose ``config_hash`` (dataset entry, model,
params, evaluation, seed, metric set) or dataset content (``dataset_fingerprint``) differs
is ``not-comparable``: its numbers measure something else.

*Metrics* are compared fold by fold. For each fold present (``ok``) in both runs, the
difference ``d_j = current_j - base_j`` is taken (averaged over repeats of that fold). Their
mean is the change; it must be beyond the tolerance **and** significant:

* Nadeau & Bengio's corrected resampled t-test (Machine Learning 52, 2003): the folds of a
  cross-validation share training data, so their differences are correlated and the plain
  paired t-test is far too confident. The corrected variance is
  ``(1/J + n_test/n_train) * s^2`` for ``J`` folds with sample variance ``s^2``, and
  ``t = mean(d) / sqrt(that)`` has ``J - 1`` degrees of freedom (two-sided p-value).
* With identical differences on every fold (``s = 0``) the p-value is 0 if they are not
  zero (every fold moved by exactly the same amount) and 1 otherwise.
* With fewer than two paired folds (a holdout split) no test is possible: the tolerance
  alone decides, and the verdict says so.

The tolerance is absolute for scores where greater is better (accuracy, F1, ROC AUC, R2:
``0.005`` = half a point) and relative to the baseline for errors (RMSE, MAE, log loss:
``0.005`` = 0.5%).

*Times* (fit and predict separately) follow asv: the ratio of the medians of the raw samples
(folds x repeats) must be beyond ``time_factor`` **and** the Mann-Whitney U test on those
samples must be significant (``scipy.stats.mannwhitneyu``, two-sided). The test's power is
said out loud: the smallest two-sided p-value it can give for ``n1`` vs ``n2`` samples is
``2 / C(n1 + n2, n1)`` (0.0079 for 5 vs 5, 0.10 for 3 vs 3, 1 for 1 vs 1, where no test
runs at all). Where that is not below ``alpha``, no change could ever be significant, so the
ratio alone decides (as asv does with one sample) and the verdict is *unconfirmed*: still
``slower`` or ``faster`` (``confirmed: false``; rendered ``slower (fit ×3.00, unconfirmed:
3 vs 3 samples)``), never ``ok`` while the ratio is beyond the factor, and never gating,
even with ``fail_on="time"``. Where the samples can reach ``alpha`` and the test is not
significant, the change is ``same`` as before.

*Inference* (records with an ``inference`` block): per-call latency at each batch size
measured on both sides with the same method and device, by the rule of times: the ratio of
the medians of the jobs' ``median_s`` beyond ``time_factor`` **and** a significant Mann-Whitney
U test (unconfirmed, as for times, where the samples cannot reach ``alpha``). With at least
two jobs on each side (``folds: all``) the test's samples are the per-job ``median_s``
values, as for fit time. With one job on a side (``folds: first``, the
default) they are the pooled ``sample_s`` per-call times of each side: the calls of one process
are not independent (they share its caches, clock and neighbours), so that test is weaker
evidence than one over folds. Throughput (``batch_size / latency``) is the same verdict, shown
as a ratio, not judged again. The case's verdict is its worst batch size's; a batch size
measured on one side only, or with another method or device, gets a note and no verdict.

A metric needs no such rule: the t-test on ``J >= 2`` folds has ``J - 1 >= 1`` degrees of
freedom, and its p-value goes to 0 as ``|t|`` grows, so any ``alpha`` is within reach; one
split (``J = 1``) has no test, and the tolerance alone decides, as before.

*Memory*: the median ``peak_rss_mb`` must grow by more than ``memory_factor`` and by more than
``memory_min_mb`` (tiny processes have noisy RSS).

*Failures*: a case whose jobs were all ``ok`` in the baseline and not all ``ok`` now
is ``failure-introduced``; the reverse is ``failure-fixed``.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from benchsuite._compare_stats import PendingTests, mwu_min_p, nadeau_bengio_ttest
from benchsuite._format import format_seconds, p_clause
from benchsuite.environment import EnvironmentDifference, environment_differences
from benchsuite.errors import BenchsuiteError
from benchsuite.metrics import greater_is_better
from benchsuite.results import Record, group_by_case
from benchsuite.runs import Run, RunInfo, load_run

__all__ = [
    "DEFAULT_FAIL_ON",
    "FAIL_ON",
    "VERDICTS",
    "Comparison",
    "EnvironmentDifference",
    "InferenceChange",
    "MemoryChange",
    "MetricChange",
    "Moved",
    "OptionError",
    "TimeChange",
    "Verdict",
    "compare_from_history",
    "compare_records",
    "compare_runs",
    "find_baseline",
    "environment_differences",
    "nadeau_bengio_ttest",
    "parse_fail_on",
]

#: Every verdict, worst first (the order of the table).
VERDICTS = (
    "failure-introduced",
    "worse-metric",
    "slower",
    "slower-inference",
    "more-memory",
    "not-comparable",
    "missing",
    "new",
    "failure-fixed",
    "improved",
    "faster",
    "faster-inference",
    "ok",
)

#: ``fail_on`` categories and the verdicts each one makes gate.
FAIL_ON: dict[str, tuple[str, ...]] = {
    "metric": ("worse-metric",),
    "failure": ("failure-introduced",),
    "time": ("slower",),
    "inference": ("slower-inference",),
    "memory": ("more-memory",),
    "missing": ("missing",),
    "not-comparable": ("not-comparable",),
}
DEFAULT_FAIL_ON = ("metric", "failure")
# absolute for scores, relative for errors (see the module docstring)
DEFAULT_METRIC_TOLERANCE = 0.005

_RANK = {v: i for i, v in enumerate(VERDICTS)}


# --------------------------------------------------------------------------------------
# Value objects
# --------------------------------------------------------------------------------------


@dataclass
class MetricChange:
    """One metric of one case, base vs current, over the folds ok in both runs.

    Attributes
    ----------
    name : str
    greater_is_better : bool
    base_mean, current_mean : float
        Means over the paired folds.
    delta : float
        ``current_mean - base_mean`` (in the metric's units; its sign is not adjusted).
    n_pairs : int
        Folds paired (each averaged over its repeats).
    p_value : float or None
        Two-sided p-value of the Nadeau-Bengio corrected t-test; None when ``n_pairs < 2``.
    test : str
        ``"nadeau-bengio"`` or ``"none (1 split: tolerance only)"``.
    tolerance : float
        The absolute tolerance applied, in the metric's units.
    change : {"worse", "better", "same"}
    """

    name: str
    greater_is_better: bool
    base_mean: float
    current_mean: float
    delta: float
    n_pairs: int
    p_value: float | None
    test: str
    tolerance: float
    change: str = "same"

    @property
    def badness(self) -> float:
        """How far the change goes the wrong way, in tolerances (negative: better)."""
        worse = -self.delta if self.greater_is_better else self.delta
        return worse / self.tolerance if self.tolerance > 0 else worse * 1e9


@dataclass
class TimeChange:
    """Fit or predict time of one case: medians of the raw samples and Mann-Whitney U.

    Attributes
    ----------
    what : {"fit", "predict"}
    base_median, current_median : float
        Seconds.
    ratio : float
        ``current_median / base_median`` (inf if the base median is 0).
    p_value : float or None
        Two-sided Mann-Whitney U p-value; None with fewer than two samples on a side.
    n_base, n_current : int
    change : {"slower", "faster", "same"}
    min_p_value : float
        The smallest p-value the test can give with ``n_base`` vs ``n_current`` samples
        (:func:`benchsuite._compare_stats.mwu_min_p`); 1 with a single sample on a side.
    confirmed : bool
        False when ``change`` is not ``"same"`` but ``min_p_value`` is not below alpha and
        the test did not reach it either (``p_value`` can, on ties): the ratio alone
        decided, the test could not have confirmed it (such a change never gates).
    """

    what: str
    base_median: float
    current_median: float
    ratio: float
    p_value: float | None
    n_base: int
    n_current: int
    change: str = "same"
    min_p_value: float = 1.0
    confirmed: bool = True


@dataclass
class InferenceChange:
    """Per-call latency of one case at one batch size, base vs current.

    Attributes
    ----------
    batch_size : int
    method : {"predict", "predict_proba"}
    device : str
    base_median, current_median : float
        Seconds per call: the median of the jobs' ``median_s`` (one job: its own).
    ratio : float
        ``current_median / base_median``: above 1 is slower.
    base_throughput, current_throughput : float
        Rows per second, ``batch_size / median`` (inf for a median of 0).
    throughput_ratio : float
        ``current_throughput / base_throughput`` (``1 / ratio``).
    samples : {"jobs", "calls"}
        What the Mann-Whitney U test compared: the per-job ``median_s`` values (two or more
        jobs on each side) or the pooled per-call ``sample_s`` times (a side with one job).
    p_value : float or None
        Two-sided Mann-Whitney U p-value; None with fewer than two samples on a side.
    n_base, n_current : int
        Samples per side (jobs or calls, as ``samples`` says).
    change : {"slower", "faster", "same"}
    min_p_value : float
        As in :class:`TimeChange`.
    confirmed : bool
        As in :class:`TimeChange`.
    """

    batch_size: int
    method: str
    device: str
    base_median: float
    current_median: float
    ratio: float
    base_throughput: float
    current_throughput: float
    throughput_ratio: float
    samples: str
    p_value: float | None
    n_base: int
    n_current: int
    change: str = "same"
    min_p_value: float = 1.0
    confirmed: bool = True


@dataclass
class Moved:
    """The quantity behind a timing verdict: what moved, and by how much.

    A case is ``faster`` when any of its times is: ``Moved`` says which one, so a row that
    reads ``faster`` next to a fit time of x1.78 also says ``predict x0.56``.

    Attributes
    ----------
    verdict : {"slower", "faster", "slower-inference", "faster-inference"}
    quantity : {"fit", "predict", "inference"}
    ratio : float
        ``current / base`` of the quantity (the most extreme one of that verdict, when
        several moved the same way).
    p_value : float or None
    batch_size : int or None
        The batch size, for ``inference``.
    """

    verdict: str
    quantity: str
    ratio: float
    p_value: float | None = None
    batch_size: int | None = None

    @property
    def label(self) -> str:
        """``"predict x0.56"``, ``"inference at batch 1 x1.80"``."""
        what = self.quantity
        if self.batch_size is not None:
            what += f" at batch {self.batch_size}"
        return f"{what} x{self.ratio:.2f}"


@dataclass
class MemoryChange:
    """Median peak RSS (MiB) of one case in both runs.

    Attributes
    ----------
    base_mb, current_mb : float
    ratio : float
    change : {"more", "less", "same"}
    """

    base_mb: float
    current_mb: float
    ratio: float
    change: str = "same"


@dataclass
class Verdict:
    """The verdict of one case.

    Attributes
    ----------
    case_key : str
    verdict : str
        The worst of ``flags`` (one of :data:`VERDICTS`).
    flags : list of str
        Every verdict that applies (a case can be both ``worse-metric`` and ``slower``).
    gating : bool
        Whether one of ``flags`` is in the ``fail_on`` set (an unconfirmed one never gates).
    confirmed : bool
        False when ``verdict`` is a timing verdict that the samples could not confirm (see
        ``unconfirmed``); True otherwise.
    unconfirmed : dict of str to str
        The timing verdicts in ``flags`` given by the ratio alone because the test could not
        reach alpha, each with its samples: ``{"slower": "3 vs 3 samples"}``.
    reasons : list of str
        One line per finding, e.g. ``"accuracy -0.0200 (p=0.001)"``.
    dataset, estimator : str
    base_ok, base_total, current_ok, current_total : int
        Measurements ``ok`` / all, per run (0 when the case is absent).
    metrics : list of MetricChange
    times : list of TimeChange
    inference : list of InferenceChange
        One per batch size measured on both sides alike (empty without inference records).
    moved : list of Moved
        One per timing verdict in ``flags``: the quantity that gave it.
    memory : MemoryChange or None
    error : str or None
        The first error of the current run (or of the base, for ``failure-fixed``).
    """

    case_key: str
    verdict: str = "ok"
    flags: list[str] = field(default_factory=list)
    gating: bool = False
    confirmed: bool = True
    unconfirmed: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    dataset: str = ""
    estimator: str = ""
    base_ok: int = 0
    base_total: int = 0
    current_ok: int = 0
    current_total: int = 0
    metrics: list[MetricChange] = field(default_factory=list)
    times: list[TimeChange] = field(default_factory=list)
    inference: list[InferenceChange] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    memory: MemoryChange | None = None
    error: str | None = None

    def flag(self, verdict: str, reason: str | None = None) -> None:
        if verdict not in self.flags:
            self.flags.append(verdict)
        if reason:
            self.reasons.append(reason)

    @property
    def badness(self) -> float:
        """Magnitude used to order cases of the same verdict (larger is worse)."""
        if self.verdict in ("worse-metric", "improved"):
            return max((m.badness for m in self.metrics), default=0.0)
        if self.verdict in ("slower", "faster"):
            return max((t.ratio for t in self.times), default=0.0)
        if self.verdict in ("slower-inference", "faster-inference"):
            change = self.verdict.split("-", 1)[0]
            return max((i.ratio for i in self.inference if i.change == change), default=0.0)
        if self.verdict == "more-memory" and self.memory is not None:
            return self.memory.ratio
        return 0.0

    def metric(self, name: str) -> MetricChange | None:
        return next((m for m in self.metrics if m.name == name), None)

    def time(self, what: str) -> TimeChange | None:
        return next((t for t in self.times if t.what == what), None)

    def inference_at(self, batch_size: int) -> InferenceChange | None:
        """The inference change at ``batch_size``, if both runs measured it alike."""
        return next((i for i in self.inference if i.batch_size == batch_size), None)

    def moved_for(self, verdict: str) -> Moved | None:
        """What gave ``verdict`` (a timing verdict in ``flags``), else None."""
        return next((m for m in self.moved if m.verdict == verdict), None)


@dataclass
class Comparison:
    """The result of comparing two runs.

    Attributes
    ----------
    verdicts : list of Verdict
        Worst first: gating ones, then by :data:`VERDICTS` order, then by magnitude.
    base, current : Run
        The two sides: path (or label), ``run.json`` and records.
    environment : list of EnvironmentDifference
    notes : list of str
        Things the reader should know (a run picked among several, a changed suite file).
    options : dict
        ``fail_on``, ``time_factor``, ``metric_tolerance``, ``alpha``, ... as used.
    baseline_from : dict or None
        Set when the baseline was taken from a history folder (:func:`find_baseline`):
        ``dir``, ``machine`` and ``branch`` asked for, ``path``, ``run_id``,
        ``started_at``, ``git_sha`` of the run taken, and ``cross_machine`` (the current
        run's machine is another one, so time and memory verdicts do not gate).
    """

    verdicts: list[Verdict]
    base: Run
    current: Run
    environment: list[EnvironmentDifference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    baseline_from: dict[str, Any] | None = None

    @property
    def gating(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.gating]

    @property
    def exit_code(self) -> int:
        """1 if any verdict gates, else 0."""
        return 1 if self.gating else 0

    def counts(self) -> dict[str, int]:
        """Cases per verdict, in :data:`VERDICTS` order, zero counts left out."""
        out = dict.fromkeys(VERDICTS, 0)
        for v in self.verdicts:
            out[v.verdict] += 1
        return {k: n for k, n in out.items() if n}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (what ``--format json`` prints)."""
        return {
            "schema_version": 1,
            "exit_code": self.exit_code,
            "counts": self.counts(),
            "gating": [v.case_key for v in self.gating],
            "options": self.options,
            "base": _side(self.base),
            "current": _side(self.current),
            "environment": [asdict(e) for e in self.environment],
            "notes": list(self.notes),
            "baseline_from": self.baseline_from,
            "verdicts": [_clean(asdict(v)) for v in self.verdicts],
        }


def _side(run: Run) -> dict[str, Any]:
    """Which run a side of the comparison is, for the JSON."""
    return {
        "path": str(run.path),
        "run_id": run.run_id,
        "suite": run.suite,
        "started_at": run.started_at,
        "git_sha": run.git_sha,
        "machine": run.info.machine_key() if run.has_run_json else None,
        "n_records": len(run.records),
        "note": run.note,
    }


def _clean(value: Any) -> Any:
    """inf/nan -> None so the JSON is strict."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


# --------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------


class OptionError(BenchsuiteError):
    """An invalid option of :func:`compare_records`, named by its parameter.

    The message reads ``"time_factor must be a number >= 1, got 0.5"``; a front end that
    spells its options otherwise (the CLI's ``--time-factor``) words it with
    :meth:`renamed`.

    Attributes
    ----------
    parameter : str
        The parameter's name (``"time_factor"``).
    problem : str
        The rest of the message, after the name.
    """

    def __init__(self, parameter: str, problem: str) -> None:
        self.parameter = parameter
        self.problem = problem
        super().__init__(parameter + problem)

    def renamed(self, name: str) -> str:
        """The message with the parameter called ``name`` (``"--time-factor"``)."""
        return name + self.problem


def parse_fail_on(fail_on: str | Iterable[str]) -> tuple[str, ...]:
    """The :data:`FAIL_ON` categories a ``fail_on`` value names, in order, without repeats.

    Parameters
    ----------
    fail_on : str or iterable of str
        Categories, or one comma-separated string; ``"all"`` and ``"none"`` allowed.

    Returns
    -------
    tuple of str

    Raises
    ------
    OptionError
        An unknown category (the message lists the known ones).
    """
    items = fail_on.split(",") if isinstance(fail_on, str) else list(fail_on)
    out: list[str] = []
    for raw in items:
        item = raw.strip()
        if not item or item == "none":
            continue
        if item == "all":
            out.extend(FAIL_ON)
            continue
        if item not in FAIL_ON:
            known = ", ".join([*FAIL_ON, "all", "none"])
            raise OptionError("fail_on", f": unknown category {item!r} (choose from {known})")
        out.append(item)
    return tuple(dict.fromkeys(out))


def _check_options(
    *, time_factor: float, memory_factor: float, metric_tolerance: float, alpha: float
) -> None:
    for name, factor in (("time_factor", time_factor), ("memory_factor", memory_factor)):
        if not (factor >= 1.0 and math.isfinite(factor)):
            raise OptionError(name, f" must be a number >= 1, got {factor}")
    if not (metric_tolerance >= 0 and math.isfinite(metric_tolerance)):
        raise OptionError("metric_tolerance", f" must be >= 0, got {metric_tolerance}")
    if not 0 < alpha < 1:
        raise OptionError("alpha", f" must be between 0 and 1, got {alpha}")


# --------------------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------------------


def _compare_metrics(
    base: list[Record],
    cur: list[Record],
    *,
    tolerance: float,
    tolerances: dict[str, float],
    tests: PendingTests,
) -> list[MetricChange]:
    def by_fold(recs: list[Record]) -> dict[int, dict[str, list[float]]]:
        out: dict[int, dict[str, list[float]]] = {}
        for r in recs:
            for name, value in r.metrics.items():
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    continue
                out.setdefault(r.fold, {}).setdefault(name, []).append(float(value))
        return out

    b, c = by_fold(base), by_fold(cur)
    folds = sorted(set(b) & set(c))
    names = list(dict.fromkeys(n for f in folds for n in b[f] if n in c[f]))
    ratios = [r.n_test / r.n_train for r in base if r.n_train and r.n_test]
    ratio = statistics.fmean(ratios) if ratios else 0.0
    out = []
    for name in names:
        pairs = [
            (statistics.fmean(b[f][name]), statistics.fmean(c[f][name]))
            for f in folds
            if name in b[f] and name in c[f]
        ]
        base_mean = statistics.fmean(p[0] for p in pairs)
        cur_mean = statistics.fmean(p[1] for p in pairs)
        diffs = [p[1] - p[0] for p in pairs]
        delta = statistics.fmean(diffs)
        gib = greater_is_better(name)
        tol = tolerances.get(name, tolerance)
        abs_tol = tol if gib else tol * abs(base_mean)
        test = "nadeau-bengio" if len(pairs) > 1 else "none (1 split: tolerance only)"
        mc = MetricChange(name, gib, base_mean, cur_mean, delta, len(pairs), None, test, abs_tol)
        tests.t_test(mc, diffs, ratio)
        out.append(mc)
    return out


def _compare_times(
    base: list[Record], cur: list[Record], *, tests: PendingTests
) -> list[TimeChange]:
    out = []
    for what, attr in (("fit", "fit_time_s"), ("predict", "predict_time_s")):
        xs = [getattr(r, attr) for r in base if getattr(r, attr) is not None]
        ys = [getattr(r, attr) for r in cur if getattr(r, attr) is not None]
        if not xs or not ys:
            continue
        bm, cm = statistics.median(xs), statistics.median(ys)
        ratio = _time_ratio(bm, cm)
        tc = TimeChange(
            what, bm, cm, ratio, None, len(xs), len(ys), min_p_value=mwu_min_p(len(xs), len(ys))
        )
        tests.mann_whitney(tc, xs, ys)
        out.append(tc)
    return out


def _time_ratio(base: float, current: float) -> float:
    """``current / base`` of two median times: inf from 0 to more, 1 from 0 to 0."""
    return current / base if base > 0 else (math.inf if current > 0 else 1.0)


def _inference_entries(
    records: list[Record],
) -> tuple[int, dict[int, list[dict[str, Any]]]]:
    """``(jobs with inference, {batch_size: entries})`` of one side's ok records."""
    jobs = 0
    out: dict[int, list[dict[str, Any]]] = {}
    for r in records:
        if not r.inference:
            continue
        jobs += 1
        for entry in r.inference:
            if entry.get("median_s") is not None and entry.get("batch_size") is not None:
                out.setdefault(int(entry["batch_size"]), []).append(entry)
    return jobs, out


def _one_value(entries: list[dict[str, Any]], key: str, default: str) -> str:
    """The entries' ``key`` ("predict", "cpu"), or all of them joined if they differ; a
    device whose model was timed alone, the batch already there, reads "cuda:0 (resident)"
    (another quantity than host to host)."""

    def value(e: dict[str, Any]) -> str:
        resident = key == "device" and e.get("device_resident")
        return str(e.get(key) or default) + (" (resident)" if resident else "")

    return "/".join(sorted({value(e) for e in entries}))


def _compare_inference(
    base: list[Record], cur: list[Record], *, tests: PendingTests
) -> tuple[list[InferenceChange], list[str]]:
    """Latency changes per batch size measured alike on both sides, and notes on the rest."""
    b_jobs, b = _inference_entries(base)
    c_jobs, c = _inference_entries(cur)
    if not b and not c:
        return [], []
    if not b or not c:
        side = "current run" if c else "baseline"
        return [], [f"inference measured in the {side} only, not compared"]
    # per-job medians are independent samples, like fit times over folds; with one job on
    # a side only the pooled per-call times are left, and calls timed within one process are
    # not independent (shared caches, clock, neighbours): a weaker test than over folds
    per_job = b_jobs >= 2 and c_jobs >= 2
    out, notes = [], []
    for bs in sorted(set(b) | set(c)):
        if bs not in c or bs not in b:
            side = "baseline" if bs in b else "current run"
            notes.append(f"inference at batch {bs}: in the {side} only, not compared")
            continue
        xs_e, ys_e = b[bs], c[bs]
        differs = False
        for key, default in (("method", "predict"), ("device", "cpu")):
            bv, cv = _one_value(xs_e, key, default), _one_value(ys_e, key, default)
            if bv != cv:
                notes.append(f"inference at batch {bs}: {key} {bv} -> {cv}, not compared")
                differs = True
        if differs:
            continue
        bm = statistics.median(float(e["median_s"]) for e in xs_e)
        cm = statistics.median(float(e["median_s"]) for e in ys_e)
        ratio = _time_ratio(bm, cm)
        xs = [float(t) for e in xs_e for t in e.get("sample_s") or ()]
        ys = [float(t) for e in ys_e for t in e.get("sample_s") or ()]
        pooled = not per_job and bool(xs) and bool(ys)
        if not pooled:  # over jobs; or no per-call samples kept: one median a side, no test
            xs = [float(e["median_s"]) for e in xs_e]
            ys = [float(e["median_s"]) for e in ys_e]
        b_tp = bs / bm if bm > 0 else math.inf
        c_tp = bs / cm if cm > 0 else math.inf
        ic = InferenceChange(
            batch_size=bs,
            method=_one_value(xs_e, "method", "predict"),
            device=_one_value(xs_e, "device", "cpu"),
            base_median=bm,
            current_median=cm,
            ratio=ratio,
            base_throughput=b_tp,
            current_throughput=c_tp,
            throughput_ratio=1.0 / ratio if ratio > 0 else math.inf,
            samples="calls" if pooled else "jobs",
            p_value=None,
            n_base=len(xs),
            n_current=len(ys),
            min_p_value=mwu_min_p(len(xs), len(ys)),
        )
        tests.mann_whitney(ic, xs, ys)
        out.append(ic)
    return out, notes


def _compare_memory(
    base: list[Record], cur: list[Record], *, factor: float, min_mb: float
) -> MemoryChange | None:
    xs = [r.peak_rss_mb for r in base if r.peak_rss_mb is not None]
    ys = [r.peak_rss_mb for r in cur if r.peak_rss_mb is not None]
    if not xs or not ys:
        return None
    bm, cm = statistics.median(xs), statistics.median(ys)
    ratio = cm / bm if bm > 0 else 1.0
    mc = MemoryChange(bm, cm, ratio)
    if ratio > factor and cm - bm > min_mb:
        mc.change = "more"
    elif ratio < 1.0 / factor and bm - cm > min_mb:
        mc.change = "less"
    return mc


def _compare_case(
    key: str, base: list[Record], cur: list[Record], opts: dict[str, Any], tests: PendingTests
) -> Verdict:
    some = (cur or base)[0]
    v = Verdict(key, dataset=some.dataset, estimator=some.estimator)
    b_ok = [r for r in base if r.status == "ok"]
    c_ok = [r for r in cur if r.status == "ok"]
    v.base_ok, v.base_total, v.current_ok, v.current_total = (
        len(b_ok),
        len(base),
        len(c_ok),
        len(cur),
    )
    if not base:
        v.flag("new", f"new case ({len(c_ok)}/{len(cur)} ok)")
        v.error = next((r.error for r in cur if r.status != "ok"), None)
        return v
    if not cur:
        v.flag("missing", "not in the current run")
        return v
    b_hash = {r.config_hash for r in base}
    c_hash = {r.config_hash for r in cur}
    if b_hash != c_hash:
        v.flag("not-comparable", "definition changed (config_hash differs)")
        return v
    b_fp = {r.dataset_fingerprint for r in b_ok if r.dataset_fingerprint}
    c_fp = {r.dataset_fingerprint for r in c_ok if r.dataset_fingerprint}
    if b_fp and c_fp and b_fp != c_fp:
        v.flag("not-comparable", "dataset content changed (dataset_fingerprint differs)")
        return v

    b_bad = [r for r in base if r.status not in ("ok", "skipped")]
    c_bad = [r for r in cur if r.status not in ("ok", "skipped")]
    b_skip = all(r.status == "skipped" for r in base)
    c_skip = all(r.status == "skipped" for r in cur)
    if b_skip and c_skip:
        v.reasons.append("skipped in both runs")
        return v
    if c_skip and not b_skip:
        v.flag("not-comparable", f"skipped now: {cur[0].error}")
        return v
    if b_skip and not c_skip:
        v.flag("new", f"skipped in the baseline: {base[0].error}")
        v.error = c_bad[0].error if c_bad else None
        if not c_bad:
            return v
    if c_bad and not b_bad:
        v.error = c_bad[0].error
        v.flag(
            "failure-introduced",
            f"{len(c_bad)}/{len(cur)} jobs {c_bad[0].status}: {c_bad[0].error}",
        )
    elif b_bad and not c_bad:
        v.error = b_bad[0].error
        v.flag("failure-fixed", f"{len(b_bad)}/{len(base)} failed in the baseline, none now")
    elif b_bad and c_bad:
        v.error = c_bad[0].error
        v.reasons.append(
            f"fails in both runs ({len(b_bad)}/{len(base)} -> {len(c_bad)}/{len(cur)}):"
            f" {c_bad[0].error}"
        )
    if b_skip or not b_ok or not c_ok:
        return v

    v.metrics = _compare_metrics(
        b_ok,
        c_ok,
        tolerance=opts["metric_tolerance"],
        tolerances=opts["metric_tolerances"],
        tests=tests,
    )
    v.times = _compare_times(b_ok, c_ok, tests=tests)
    v.inference, notes = _compare_inference(b_ok, c_ok, tests=tests)
    v.reasons += notes
    v.memory = _compare_memory(
        b_ok, c_ok, factor=opts["memory_factor"], min_mb=opts["memory_min_mb"]
    )
    return v


def _time_change(change: TimeChange | InferenceChange, factor: float, alpha: float) -> None:
    """Set ``change.change`` (``"slower"``, ``"faster"`` or ``"same"``: beyond the factor
    *and* significant) and ``change.confirmed``.

    Where the samples cannot reach ``alpha`` (one on a side, or 3 vs 3) the ratio alone
    decides and the change is unconfirmed: a test that can never be significant must not
    turn a tripled fit time into ``ok``.
    """
    # a test that reached alpha confirms the change, even below the exact test's bound
    # (with ties the normal approximation runs: 3 vs 3 constant samples give p = 0.047)
    tested = change.p_value is not None and change.p_value < alpha
    significant = tested or change.min_p_value >= alpha
    change.change = "same"
    if significant and change.ratio > factor:
        change.change = "slower"
    elif significant and change.ratio < 1.0 / factor:
        change.change = "faster"
    change.confirmed = tested or change.change == "same"


def samples_text(n_base: int, n_current: int) -> str:
    """``"3 vs 3 samples"``: the sizes an unconfirmed timing verdict is written with."""
    return f"{n_base} vs {n_current} samples"


def _unconfirmed_clause(change: TimeChange | InferenceChange) -> str:
    return (
        ""
        if change.confirmed
        else f", unconfirmed: {samples_text(change.n_base, change.n_current)}"
    )


def _pick(moved: list[Any], change: str) -> Any:
    """The change that names a timing verdict: a confirmed one first, then the most extreme."""
    return max(moved, key=lambda x: (x.confirmed, x.ratio if change == "slower" else -x.ratio))


def _decide(v: Verdict, opts: dict[str, Any]) -> None:
    """Once the p-values are known: the metric, time and memory findings of a case.

    A change counts only when it is beyond its threshold *and* significant (or when no
    test was possible: one split, one timing sample).
    """
    alpha, factor = opts["alpha"], opts["time_factor"]
    for m in v.metrics:
        significant = m.p_value is None or m.p_value < alpha
        if abs(m.delta) > m.tolerance + 1e-12 and significant:
            worse = m.delta < 0 if m.greater_is_better else m.delta > 0
            m.change = "worse" if worse else "better"
            v.flag(
                "worse-metric" if worse else "improved",
                f"{m.name} {m.base_mean:.4g} -> {m.current_mean:.4g}"
                f" ({m.delta:+.4f}, tolerance {m.tolerance:.2g}, {p_clause(m.p_value)})",
            )
    for t in v.times:
        _time_change(t, factor, alpha)
        if t.change != "same":
            v.flag(
                t.change,
                f"{t.what} time x{t.ratio:.2f} ({format_seconds(t.base_median)} -> "
                f"{format_seconds(t.current_median)}, {p_clause(t.p_value)}"
                f"{_unconfirmed_clause(t)})",
            )
    for change in ("slower", "faster"):
        moved_t = [t for t in v.times if t.change == change]
        if moved_t:
            # a confirmed quantity names the verdict before an unconfirmed one, then the
            # most extreme of those that moved this way
            t = _pick(moved_t, change)
            v.moved.append(Moved(change, t.what, t.ratio, t.p_value))
            if not t.confirmed:
                v.unconfirmed[change] = samples_text(t.n_base, t.n_current)
    for i in v.inference:
        _time_change(i, factor, alpha)
    for change in ("slower", "faster"):
        moved_i = [i for i in v.inference if i.change == change]
        if not moved_i:
            continue
        # the case's inference verdict is its worst batch size's; its reason names it
        i = _pick(moved_i, change)
        others = ", ".join(f"batch {x.batch_size} x{x.ratio:.2f}" for x in moved_i if x is not i)
        over = {"jobs": " over jobs", "calls": " over pooled calls"}[i.samples]
        v.flag(
            f"{change}-inference",
            f"inference latency x{i.ratio:.2f} at batch {i.batch_size}"
            f" ({format_seconds(i.base_median)} -> {format_seconds(i.current_median)},"
            f" throughput x{i.throughput_ratio:.2f}, {p_clause(i.p_value)}"
            f"{over if i.p_value is not None else ''}{_unconfirmed_clause(i)})"
            + (f"; also {change} at {others}" if others else ""),
        )
        v.moved.append(Moved(f"{change}-inference", "inference", i.ratio, i.p_value, i.batch_size))
        if not i.confirmed:
            v.unconfirmed[f"{change}-inference"] = samples_text(i.n_base, i.n_current)
    if v.memory is not None and v.memory.change == "more":
        v.flag(
            "more-memory",
            f"peak RSS x{v.memory.ratio:.2f} ({v.memory.base_mb:.0f} -> "
            f"{v.memory.current_mb:.0f} MiB)",
        )


def unconfirmed_note(verdicts: Sequence[Verdict], alpha: float) -> str:
    """One line on the unconfirmed timing verdicts among ``verdicts``: how many, why, and
    that they do not gate.

    Parameters
    ----------
    verdicts : sequence of Verdict
    alpha : float

    Returns
    -------
    str
        ``"2 cases have unconfirmed timing verdicts: with 3 vs 3 samples Mann-Whitney U
        cannot go below p = 0.10 (alpha 0.05), so the time ratio alone decided; they do not
        gate, even with --fail-on time or inference; more folds or repeats, or benchsuite
        history, can confirm them"``.
    """
    cases = [v for v in verdicts if v.unconfirmed]
    changes: list[TimeChange | InferenceChange] = []
    for v in cases:
        changes += v.times
        changes += v.inference
    sizes = {(x.n_base, x.n_current) for x in changes if x.change != "same" and not x.confirmed}
    n1, n2 = min(sizes, key=sum) if sizes else (1, 1)
    p = mwu_min_p(n1, n2)
    why = (
        f"with {n1} vs {n2} samples"
        + (
            " there is no test"
            if min(n1, n2) < 2
            else f" Mann-Whitney U cannot go below p = {p:.2f}"
        )
        + f" (alpha {alpha:g})"
    )
    n = len(cases)
    return (
        f"{n} case{'s have' if n != 1 else ' has'} unconfirmed timing verdicts: {why}, so the"
        " time ratio alone decided; they do not gate, even with --fail-on time or inference;"
        " more folds or repeats, or benchsuite history, can confirm them"
    )


def _as_info(info: RunInfo | dict[str, Any] | None) -> RunInfo | None:
    if isinstance(info, dict):
        return RunInfo.from_dict(info) if info else None
    return info


def compare_records(
    base: Sequence[Record],
    current: Sequence[Record],
    *,
    base_info: RunInfo | dict[str, Any] | None = None,
    current_info: RunInfo | dict[str, Any] | None = None,
    fail_on: str | Iterable[str] = DEFAULT_FAIL_ON,
    time_factor: float = 1.10,
    metric_tolerance: float = DEFAULT_METRIC_TOLERANCE,
    metric_tolerances: dict[str, float] | None = None,
    alpha: float = 0.05,
    memory_factor: float = 1.25,
    memory_min_mb: float = 10.0,
    base_label: str = "base",
    current_label: str = "current",
) -> Comparison:
    """Compare two runs' records case by case (pure: nothing read, nothing printed).

    Parameters
    ----------
    base, current : sequence of Record
    base_info, current_info : RunInfo or dict, optional
        The runs' ``run.json`` (for environment differences and headers); a dict is read
        with :meth:`RunInfo.from_dict`, an empty one as no ``run.json``.
    fail_on : str or iterable of str, default=("metric", "failure")
        Categories of :data:`FAIL_ON` whose verdicts gate (``"all"``, ``"none"`` allowed).
    time_factor : float, default=1.10
        Ratio of medians beyond which a significant timing change counts (fit, predict
        and inference latency alike).
    metric_tolerance : float, default=0.005
        Absolute for greater-is-better scores, relative to the baseline for errors.
    metric_tolerances : dict of str to float, optional
        Per-metric tolerances overriding ``metric_tolerance``.
    alpha : float, default=0.05
        Significance level of both tests.
    memory_factor : float, default=1.25
    memory_min_mb : float, default=10.0
        A memory growth must also exceed this many MiB.
    base_label, current_label : str
        Shown as the runs' paths.

    Returns
    -------
    Comparison

    Raises
    ------
    OptionError
        An invalid option (the message names its parameter).
    BenchsuiteError
        An empty side or no case in common.
    """
    fail = parse_fail_on(fail_on)
    _check_options(
        time_factor=time_factor,
        memory_factor=memory_factor,
        metric_tolerance=metric_tolerance,
        alpha=alpha,
    )
    if not base:
        raise BenchsuiteError(f"{base_label}: no records")
    if not current:
        raise BenchsuiteError(f"{current_label}: no records")
    b_groups, c_groups = group_by_case(base), group_by_case(current)
    common = set(b_groups) & set(c_groups)
    if not common:
        b_suite = base[0].suite
        c_suite = current[0].suite
        raise BenchsuiteError(
            f"{base_label} (suite '{b_suite}', {len(b_groups)} cases) and {current_label}"
            f" (suite '{c_suite}', {len(c_groups)} cases) have no case in common;"
            " compare two runs of the same suite"
        )
    opts = {
        "fail_on": list(fail),
        "time_factor": time_factor,
        "metric_tolerance": metric_tolerance,
        "metric_tolerances": dict(metric_tolerances or {}),
        "alpha": alpha,
        "memory_factor": memory_factor,
        "memory_min_mb": memory_min_mb,
    }
    gate = {v for cat in fail for v in FAIL_ON[cat]}
    tests = PendingTests()
    verdicts = [
        _compare_case(key, b_groups.get(key, []), c_groups.get(key, []), opts, tests)
        for key in list(b_groups) + [k for k in c_groups if k not in b_groups]
    ]
    tests.run()
    for v in verdicts:
        _decide(v, opts)
        if not v.flags:
            v.flags.append("ok")
        v.verdict = min(v.flags, key=_RANK.__getitem__)
        v.confirmed = v.verdict not in v.unconfirmed
        # a change the test could never have confirmed does not fail a build
        v.gating = any(f in gate and f not in v.unconfirmed for f in v.flags)
    verdicts.sort(
        key=lambda v: (not v.gating, _RANK[v.verdict], not v.confirmed, -v.badness, v.case_key)
    )

    b_run = Run(base_label, _as_info(base_info), records=list(base))
    c_run = Run(current_label, _as_info(current_info), records=list(current))
    notes = []
    b_sha, c_sha = b_run.info.suite_sha256, c_run.info.suite_sha256
    if b_sha and c_sha and b_sha != c_sha:
        notes.append("the suite file differs between the runs (suite_sha256)")
    if any(v.unconfirmed for v in verdicts):
        notes.append(unconfirmed_note(verdicts, alpha))
    return Comparison(
        verdicts=verdicts,
        base=b_run,
        current=c_run,
        environment=environment_differences(b_run.info, c_run.info),
        notes=notes,
        options=opts,
    )


def compare_runs(
    base: str | os.PathLike[str],
    current: str | os.PathLike[str],
    *,
    on_warning: Callable[[str], None] | None = None,
    **options: Any,
) -> Comparison:
    """Load two runs from disk and compare them (see :func:`compare_records`).

    Parameters
    ----------
    base, current : path-like
        A run folder, its ``records.jsonl``, or a folder of runs (the latest run of the
        current run's suite is used, and a note says so).
    on_warning : callable, optional
        Receives one-line warnings (a truncated last line skipped).
    **options
        Passed to :func:`compare_records` (``fail_on``, ``time_factor``, ...).

    Returns
    -------
    Comparison
    """
    parse_fail_on(options.get("fail_on", DEFAULT_FAIL_ON))  # bad options before reading
    cur = load_run(current, on_warning=on_warning)
    bas = load_run(base, suite=cur.suite, on_warning=on_warning)
    comparison = compare_records(
        bas.records,
        cur.records,
        base_info=bas.info if bas.has_run_json else None,
        current_info=cur.info if cur.has_run_json else None,
        base_label=str(bas.path),
        current_label=str(cur.path),
        **options,
    )
    comparison.base.note, comparison.current.note = bas.note, cur.note
    comparison.notes[:0] = [n for n in (bas.note, cur.note) if n]
    return comparison


# --------------------------------------------------------------------------------------
# The baseline from a history of runs
# --------------------------------------------------------------------------------------

#: ``fail_on`` categories that a baseline from another machine cannot gate on: its times and
#: memory measure that machine, not the change.
MACHINE_BOUND = ("time", "inference", "memory")


def _branch_of(run: Run) -> str | None:
    branch = run.info.git.get("branch")
    return str(branch) if branch else None


def find_baseline(
    root: str | os.PathLike[str],
    *,
    suite: str | None,
    machine: str | None,
    branch: str | None = None,
    exclude: Run | None = None,
) -> Run:
    """The latest completed run (by start time) of ``suite`` on ``machine`` under ``root``.

    Parameters
    ----------
    root : path-like
        A folder of runs (``history/``, ``results/``): every run folder up to three levels
        below it is considered.
    suite : str or None
        The suite's name (the current run's).
    machine : str or None
        A machine key (:meth:`benchsuite.runs.RunInfo.machine_key`); None: any machine
        (``run --baseline-from`` checks the history so before its run).
    branch : str, optional
        Only runs whose ``run.json`` records this git branch.
    exclude : Run, optional
        The current run: never its own baseline, even when it lies under ``root`` (same
        folder, or a copy with the same suite and run id).

    Returns
    -------
    Run
        Its ``run.json`` read, its records not yet.

    Raises
    ------
    BenchsuiteError
        ``root`` is missing or holds no run, or no completed run of ``suite`` is on
        ``machine`` (and ``branch``): the message lists the machines (and branches) that
        have some.
    """
    from pathlib import Path

    from benchsuite.runs import find_runs

    where = f"--baseline-from {root}"
    if not Path(root).is_dir():
        raise BenchsuiteError(f"{where}: no such folder")
    runs = find_runs(root)
    if not runs:
        raise BenchsuiteError(
            f"{where}: no run found (expected run folders such as {root}/<suite>/<run-id>/)"
        )
    own = exclude.path.resolve() if exclude is not None else None

    def is_current(run: Run) -> bool:
        if exclude is None:
            return False
        same_id = run.has_run_json and run.run_id == exclude.run_id and run.suite == suite
        return run.path.resolve() == own or same_id

    done = [
        r
        for r in runs
        if r.has_run_json
        and r.info.status == "completed"
        and r.suite == suite
        and not is_current(r)
    ]
    if not done:
        suites = sorted({str(r.suite) for r in runs if r.suite and r.suite != suite})
        other = f"; it holds runs of suites {', '.join(suites)}" if suites else ""
        but = " other than the current run" if exclude is not None else ""
        raise BenchsuiteError(f"{where}: no completed run of suite '{suite}'{but}{other}")
    pool = [
        r
        for r in done
        if machine in (None, r.info.machine_key()) and (branch is None or _branch_of(r) == branch)
    ]
    if pool:
        return pool[-1]  # find_runs sorts by start time, latest last
    machines: dict[str, list[Run]] = {}
    for r in done:
        machines.setdefault(r.info.machine_key(), []).append(r)
    if branch is None:
        have = ", ".join(
            f"{key} ({len(rs)} run{'s' if len(rs) != 1 else ''})" for key, rs in machines.items()
        )
    else:
        have = "; ".join(
            f"{key} on branch{'es' if len(bs) != 1 else ''} {', '.join(bs)}"
            for key, rs in machines.items()
            for bs in [sorted({_branch_of(r) or "(none recorded)" for r in rs})]
        )
    on_branch = f" on branch '{branch}'" if branch is not None else ""
    on_machine = f" on machine '{machine}'" if machine is not None else ""
    raise BenchsuiteError(
        f"{where}: no completed run of suite '{suite}'{on_machine}{on_branch};"
        f" machines with completed runs of it: {have} (choose with --machine"
        + (", --branch" if branch is not None else "")
        + ")"
    )


def compare_from_history(
    root: str | os.PathLike[str],
    current: str | os.PathLike[str],
    *,
    machine: str | None = None,
    branch: str | None = None,
    on_warning: Callable[[str], None] | None = None,
    **options: Any,
) -> Comparison:
    """Compare ``current`` with the latest completed run of its suite under ``root``.

    The baseline is the latest completed run (by start time) of the current run's suite
    on the same machine key (``machine`` overrides it) and, with ``branch``, on that git
    branch (:func:`find_baseline`). A note, first in :attr:`Comparison.notes`, names it.
    Against another machine than the current run's, a warning says that times and memory
    are not comparable, and ``time``, ``inference`` and ``memory`` are dropped from
    ``fail_on`` (metric and failure verdicts still gate).

    Parameters
    ----------
    root : path-like
        The folder of runs (the history).
    current : path-like
        The run to judge: a run folder or its ``records.jsonl``.
    machine : str, optional
        The machine key of the baseline; default: the current run's.
    branch : str, optional
        Only baselines measured on this git branch.
    on_warning : callable, optional
        Receives one-line warnings (another machine, a truncated last line).
    **options
        Passed to :func:`compare_records` (``fail_on``, ``time_factor``, ...).

    Returns
    -------
    Comparison
        With :attr:`Comparison.baseline_from` set.

    Raises
    ------
    BenchsuiteError
        See :func:`find_baseline`; also a current run without ``run.json`` (its machine is
        unknown) and no ``machine`` given.
    """
    fail = parse_fail_on(options.pop("fail_on", DEFAULT_FAIL_ON))  # bad options before reading
    cur = load_run(current, on_warning=on_warning)
    own = cur.info.machine_key() if cur.has_run_json else None
    if machine is None and own is None:
        raise BenchsuiteError(
            f"{cur.path}: no run.json, so the run's machine is unknown; name the baseline's"
            " with --machine KEY"
        )
    want = machine or str(own)
    chosen = find_baseline(root, suite=cur.suite, machine=want, branch=branch, exclude=cur)
    bas = load_run(chosen.path, on_warning=on_warning)
    cross = own is not None and want != own
    notes = []
    bits = [f"run {bas.run_id}", f"started {bas.started_at or '?'}"]
    if bas.git_sha:
        bits.append(f"git {bas.git_sha}")
    on_branch = f" on branch '{branch}'" if branch is not None else ""
    notes.append(
        f"baseline from history: the latest completed run of suite '{cur.suite}' on machine"
        f" '{want}'{on_branch} under {root}: {bas.path} ({', '.join(bits)})"
    )
    if cross:
        dropped = [c for c in fail if c in MACHINE_BOUND]
        fail = tuple(c for c in fail if c not in MACHINE_BOUND)
        warning = (
            f"baseline measured on machine '{want}', this run on '{own}': timings and memory"
            " are not comparable across machines, so time, inference and memory verdicts do"
            " not gate (metric and failure verdicts still do)"
            + (f"; dropped from --fail-on: {', '.join(dropped)}" if dropped else "")
        )
        notes.append(warning)
        if on_warning is not None:
            on_warning(warning)
    comparison = compare_records(
        bas.records,
        cur.records,
        base_info=bas.info if bas.has_run_json else None,
        current_info=cur.info if cur.has_run_json else None,
        base_label=str(bas.path),
        current_label=str(cur.path),
        fail_on=fail,
        **options,
    )
    comparison.notes[:0] = notes
    comparison.baseline_from = {
        "dir": str(root),
        "machine": want,
        "branch": branch,
        "path": str(bas.path),
        "run_id": bas.run_id,
        "started_at": bas.started_at,
        "git_sha": bas.git_sha,
        "current_machine": own,
        "cross_machine": cross,
    }
    return comparison

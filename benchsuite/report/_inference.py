"""Inference in reports: latency and throughput per case, computed once for every format.

Records of jobs that measured inference carry ``Record.inference``: one entry per batch
size (see :mod:`benchsuite.inference`). Usually only the first job of a case has it; with
``folds: all`` every job does. :func:`summarize_inference` reduces a case's entries to one
:class:`BatchInference` per batch size (medians over the jobs that measured it);
:func:`inference_rows` gives the table every view shows, :func:`pareto_indices` the
estimators no other beats on both batch-1 latency and score. Standard library only: the
plots (``_plots.py``) are the only part that needs matplotlib.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from benchsuite._format import format_rate, format_seconds
from benchsuite.report._format import format_value
from benchsuite.results import Record, group_by_case

if TYPE_CHECKING:
    from benchsuite.report._model import Report

__all__ = [
    "INFERENCE_NOTE",
    "REPLACEMENT_NOTE",
    "BatchInference",
    "CaseInference",
    "ScoredInference",
    "InferenceView",
    "inference_columns",
    "inference_notes",
    "inference_rows",
    "inference_scores",
    "is_numeric_column",
    "pareto_indices",
    "pareto_lines",
    "summarize_inference",
]

INFERENCE_NOTE = (
    "How it was measured: after the fit, per batch size, a few untimed warm-up calls, then"
    " timed calls with one clock read per call until a time budget or a call limit ran out."
    " p50 and p99 are the median and 99th percentile of one job's per-call latency; each"
    " value is the median over the case's measured jobs (jobs column), and throughput is"
    " rows per second (batch size / median latency). Latency is host to host (the batch"
    " starts in host memory and the answer ends there; CUDA synchronized per call) unless"
    " the device says 'resident' (model time alone, batch already on the device)."
)
REPLACEMENT_NOTE = (
    "† rows drawn with replacement: the test fold had fewer rows than the batch, so a batch"
    " repeats rows."
)


@dataclass
class BatchInference:
    """Inference of one case at one batch size, over the jobs that measured it.

    Attributes
    ----------
    batch_size : int
    method : str
        ``predict`` or ``predict_proba`` (several joined by ``", "`` if jobs differ).
    device : str
        Where the model ran (``cpu``, ``cuda:0``; several joined by ``", "``).
    n_jobs : int
        Jobs with an entry at this batch size.
    median_s, p99_s : float
        Median over the jobs of each job's median and 99th-percentile latency per call.
    throughput_per_s : float
        Median over the jobs of rows per second.
    replacement : bool
        Whether any job drew this batch's rows with replacement (a test fold smaller than
        the batch).
    device_resident : bool
        Whether any job timed the model alone with the batch already on the device.
    """

    batch_size: int
    method: str
    device: str
    n_jobs: int
    median_s: float
    p99_s: float
    throughput_per_s: float
    replacement: bool = False
    device_resident: bool = False


@dataclass
class CaseInference:
    """The inference of one case of one run.

    Attributes
    ----------
    run : str
        The run's label in the report ("" outside a report).
    key, dataset, estimator : str
        ``estimator`` is the row label of the case (``svm[C=1]`` for a grid point).
    batches : list of BatchInference
        One per batch size, smallest first.
    """

    run: str
    key: str
    dataset: str
    estimator: str
    batches: list[BatchInference] = field(default_factory=list)

    @property
    def smallest(self) -> BatchInference:
        """The smallest batch size measured (batch 1, the online case, when measured)."""
        return self.batches[0]

    @property
    def largest(self) -> BatchInference:
        """The largest batch size measured (where throughput is reported)."""
        return self.batches[-1]

    @property
    def n_jobs(self) -> int:
        """Jobs that measured inference at some batch size."""
        return max(b.n_jobs for b in self.batches)


@dataclass
class InferenceView:
    """What the inference table needs of a :class:`Report`: the per-case summaries and
    the runs (one run: no run column). ``benchsuite run`` prints it for the run it made."""

    inference: list[CaseInference]
    runs: Sequence[Any] = ("",)


def _joined(values: Iterable[Any]) -> str:
    return ", ".join(dict.fromkeys(str(v) for v in values if v is not None)) or "-"


def _median(values: Iterable[Any]) -> float:
    xs = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    return statistics.median(xs) if xs else math.nan


def summarize_inference(records: Iterable[Record], *, run: str = "") -> list[CaseInference]:
    """One :class:`CaseInference` per case with inference entries on an ok job.

    Parameters
    ----------
    records : iterable of Record
    run : str, optional
        The run label to put on each summary.

    Returns
    -------
    list of CaseInference
        Cases in record order; empty when no record measured inference.
    """
    out = []
    for key, recs in group_by_case(records).items():
        per_batch: dict[int, list[dict[str, Any]]] = {}
        for r in recs:
            if r.status != "ok" or not r.inference:
                continue
            for entry in r.inference:
                per_batch.setdefault(int(entry["batch_size"]), []).append(entry)
        if not per_batch:
            continue
        batches = [
            BatchInference(
                batch_size=size,
                method=_joined(e.get("method") for e in entries),
                device=_joined(e.get("device") for e in entries),
                n_jobs=len(entries),
                median_s=_median(e.get("median_s") for e in entries),
                p99_s=_median(e.get("p99_s") for e in entries),
                throughput_per_s=_median(e.get("throughput_per_s") for e in entries),
                replacement=any(bool(e.get("replacement")) for e in entries),
                device_resident=any(bool(e.get("device_resident")) for e in entries),
            )
            for size, entries in sorted(per_batch.items())
        ]
        name = key.split("/", 1)[1] if "/" in key else key  # as report._model.row_label
        out.append(CaseInference(run, key, recs[0].dataset, name, batches))
    return out


# --------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------


def _common(sizes: Iterable[int]) -> int | None:
    distinct = set(sizes)
    return distinct.pop() if len(distinct) == 1 else None


def _common_sizes(cases: Sequence[CaseInference]) -> tuple[int | None, int | None]:
    """The smallest and the largest batch size when every case shares it, else None."""
    return _common(c.smallest.batch_size for c in cases), _common(
        c.largest.batch_size for c in cases
    )


def is_numeric_column(column: str) -> bool:
    """Whether a column of :func:`inference_columns` holds numbers (latency, throughput,
    jobs): right-aligned in every view."""
    return column.startswith(("p50", "p99", "throughput", "jobs"))


def inference_columns(report: Report | InferenceView) -> list[str]:
    """The header of the inference table.

    The latency columns name the batch size when every case measured the same smallest
    one (``p50 latency (batch 1)``), the throughput column when every case measured the
    same largest one; otherwise they say ``smallest batch`` / ``largest batch`` and each
    cell names its own size.
    """
    cases = report.inference
    small, large = _common_sizes(cases)
    at_small = f"batch {small:,}" if small is not None else "smallest batch"
    at_large = f"batch {large:,}" if large is not None else "largest batch"
    cols = [
        "dataset",
        "estimator",
        "method",
        "device",
        f"p50 latency ({at_small})",
        f"p99 latency ({at_small})",
        f"throughput ({at_large})",
        "jobs",
    ]
    return (["run"] if len(report.runs) > 1 else []) + cols


def _device(b: BatchInference) -> str:
    return b.device + (" (resident)" if b.device_resident else "")


def inference_rows(report: Report | InferenceView) -> list[list[str]]:
    """One row per case with inference (see :func:`inference_columns`), grouped by run
    and then dataset; latencies as ``12.3 µs``, throughput as ``45.6k rows/s``; a cell
    names its batch size when the column does not, and ends in ``†`` when its rows were
    drawn with replacement (:data:`REPLACEMENT_NOTE`)."""
    cases = report.inference
    small, large = _common_sizes(cases)
    many = len(report.runs) > 1
    rows = []
    for case in _grouped(cases):
        lo, hi = case.smallest, case.largest
        mark_lo = " †" if lo.replacement else ""
        mark_hi = " †" if hi.replacement else ""
        at_lo = "" if small is not None else f" (batch {lo.batch_size:,})"
        at_hi = "" if large is not None else f" (batch {hi.batch_size:,})"
        row = [
            case.dataset,
            case.estimator,
            _joined(b.method for b in case.batches),
            _joined(_device(b) for b in case.batches),
            format_seconds(lo.median_s) + at_lo + mark_lo,
            format_seconds(lo.p99_s) + at_lo + mark_lo,
            format_rate(hi.throughput_per_s) + at_hi + mark_hi,
            str(case.n_jobs),
        ]
        rows.append(([case.run] if many else []) + row)
    return rows


def _grouped(cases: Sequence[CaseInference]) -> list[CaseInference]:
    """Cases grouped by run, then by dataset (in first-seen order), estimators in order."""
    order: dict[tuple[str, str], int] = {}
    for c in cases:
        order.setdefault((c.run, c.dataset), len(order))
    return sorted(cases, key=lambda c: order[(c.run, c.dataset)])  # stable: keeps estimators


def inference_notes(report: Report | InferenceView) -> list[str]:
    """The notes under the table: how it was measured, and † when some batch repeats rows."""
    notes = [INFERENCE_NOTE]
    if any(b.replacement for c in report.inference for b in (c.smallest, c.largest)):
        notes.append(REPLACEMENT_NOTE)
    return notes


# --------------------------------------------------------------------------------------
# score against batch-1 latency, and its Pareto front
# --------------------------------------------------------------------------------------


def pareto_indices(
    points: Sequence[tuple[float, float]], *, greater_is_better: bool = True
) -> list[int]:
    """Indices of the points that no other point dominates.

    A point dominates another when its cost is lower or equal, its score better or equal,
    and at least one of the two strictly so. Points equal on both stay on the front together
    (neither beats the other); of points with the same cost only the best score can be on
    it, of points with the same score only the lowest cost.

    Parameters
    ----------
    points : sequence of (cost, score)
        Cost: lower is better (a latency).
    greater_is_better : bool, default=True
        Whether a higher score is better.

    Returns
    -------
    list of int
        The front, by increasing cost (then original order).
    """
    sign = 1.0 if greater_is_better else -1.0
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -sign * points[i][1], i))
    front: list[int] = []
    best = -math.inf
    for i in order:
        score = sign * points[i][1]
        if score > best:
            front.append(i)
            best = score
        elif front and score == best and points[front[-1]] == points[i]:
            front.append(i)  # an exact duplicate of the last point on the front
    return front


@dataclass
class ScoredInference:
    """One estimator's point on the score-against-latency plot.

    Attributes
    ----------
    case : CaseInference
    score : float
        Mean of the dataset's report metric over folds.
    latency_s : float
        Median latency per call at the case's smallest batch size.
    """

    case: CaseInference
    score: float
    latency_s: float


def inference_scores(report: Report) -> list[tuple[str, str, str, bool, list[ScoredInference]]]:
    """Per (run, dataset) with inference and a score: ``(run, dataset, metric,
    greater_is_better, points)``, the metric being the one the report's best-per-dataset
    table and score plots use for that dataset."""
    out = []
    for b in report.best:
        run = report.run(b.run)
        by_key = {s.key: s for s in run.summaries}
        points = []
        for case in report.inference:
            if case.run != b.run or case.dataset != b.dataset:
                continue
            summary = by_key.get(case.key)
            st = summary.metrics.get(b.metric) if summary is not None else None
            if st is None or not case.smallest.median_s > 0:
                continue
            points.append(ScoredInference(case, st.mean, case.smallest.median_s))
        if points:
            out.append((b.run, b.dataset, b.metric, b.greater_is_better, points))
    return out


def pareto_lines(report: Report) -> list[tuple[str, str]]:
    """Per (run, dataset): the estimators on the front of score against batch-1 latency,
    fastest first.

    Returns
    -------
    list of (str, str)
        ``("d1", "accuracy vs p50 latency at batch 1: a (0.920, 12.3 µs), b (0.950,
        1.20 ms)")``; the first part names the run too when the report has several.
    """
    many = len(report.runs) > 1
    lines = []
    for run, dataset, metric, greater, points in inference_scores(report):
        front = pareto_indices([(p.latency_s, p.score) for p in points], greater_is_better=greater)
        sizes = {points[i].case.smallest.batch_size for i in front}
        at = f"batch {sizes.pop():,}" if len(sizes) == 1 else "smallest batch"
        names = ", ".join(
            f"{points[i].case.estimator} ({format_value(points[i].score)},"
            f" {format_seconds(points[i].latency_s)})"
            for i in front
        )
        where = f"{dataset} (run {run})" if many else dataset
        lines.append((where, f"{metric} vs p50 latency at {at}: {names}"))
    return lines

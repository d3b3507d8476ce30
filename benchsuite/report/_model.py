"""What a report says, computed once for every format (terminal, Markdown, HTML).

:func:`load_report_runs` reads run folders (or records files) and checks they can be
reported on; :func:`build_report` turns them into a :class:`Report`: one
:class:`MetricTable` (estimators x datasets, per run) per metric, the best estimator of each
dataset and what it costs, status counts and problems, and the inference latency of the
cases that measured it (``_inference.py``). Rendering lives in ``terminal.py``,
``markdown.py`` and ``html.py``.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from benchsuite._stats import Stats
from benchsuite.errors import BenchsuiteError
from benchsuite.metrics import greater_is_better
from benchsuite.report._inference import CaseInference, summarize_inference
from benchsuite.report._summary import CaseSummary, summarize
from benchsuite.results import STATUSES
from benchsuite.runs import Run, load_run

__all__ = [
    "Best",
    "Cell",
    "MetricTable",
    "Report",
    "ReportRun",
    "build_report",
    "load_report_runs",
    "row_label",
]


def row_label(summary: CaseSummary) -> str:
    """The estimator part of a case key: ``"iris/svm[C=1]"`` -> ``"svm[C=1]"``."""
    return summary.key.split("/", 1)[1] if "/" in summary.key else summary.key


class ReportRun(Run):
    """One run, loaded for a report: a :class:`~benchsuite.runs.Run` with its label, case
    summaries and whether it is complete.

    Parameters
    ----------
    run : Run
        The loaded run (records read).
    label : str, optional
        Default: its run id.

    Attributes
    ----------
    label : str
        How the report names the run: its run id (made unique among the runs reported).
    summaries : list of CaseSummary
        One per case key, in record order.
    partial : str or None
        Why the run is incomplete (interrupted, killed, no ``run.json``), else None.
    """

    def __init__(self, run: Run, *, label: str | None = None) -> None:
        super().__init__(
            run.path,
            run.info if run.has_run_json else None,
            records=run.records,
            records_path=run.records_path,
            note=run.note,
        )
        self.label = label if label is not None else self.run_id
        self.summaries: list[CaseSummary] = summarize(self.records)
        self.partial = _partial_reason(self)

    @property
    def suite(self) -> str:
        """As :attr:`Run.suite <benchsuite.runs.Run.suite>`, never None here: a report run
        has records, and a record names its suite."""
        suite = super().suite
        assert suite is not None, self.path  # load_report_runs keeps runs with a record
        return suite

    @property
    def record_counts(self) -> dict[str, int]:
        """Measurements (records) per status, every status listed."""
        counts = Counter(r.status for r in self.records)
        return {s: counts.get(s, 0) for s in STATUSES} | {
            s: n for s, n in counts.items() if s not in STATUSES
        }

    @property
    def case_counts(self) -> dict[str, int]:
        """Cases per status (a case is ``ok`` when every job of it is)."""
        counts = Counter(s.status for s in self.summaries)
        return {s: counts.get(s, 0) for s in STATUSES}

    @property
    def metrics(self) -> list[str]:
        """Metric names of the ok records, in the order first seen."""
        return list(dict.fromkeys(m for r in self.records if r.status == "ok" for m in r.metrics))

    @property
    def datasets(self) -> list[str]:
        return list(dict.fromkeys(s.dataset for s in self.summaries))


def _partial_reason(run: Run) -> str | None:
    if not run.has_run_json:
        return "no run.json beside the records: the run may not have finished"
    status = run.info.status
    if status == "completed":
        return None
    expected = run.info.n_jobs
    of = f"; {len(run.records)} of {expected} jobs recorded" if expected else ""
    why = {
        "interrupted": "the run was interrupted",
        "running": "run.json still says 'running': the run was killed or is not over",
        "failed": "the run stopped on an error",
    }.get(str(status), f"run status '{status}'")
    return why + of


def load_report_runs(
    paths: Sequence[str | os.PathLike[str]],
    *,
    on_warning: Callable[[str], None] | None = None,
) -> list[ReportRun]:
    """Load the runs to report on.

    Parameters
    ----------
    paths : sequence of path-like
        Run folders, ``records.jsonl`` files, or folders of runs (the latest is used).
    on_warning : callable, optional
        Receives one-line warnings (a truncated last record line).

    Returns
    -------
    list of ReportRun
        In the order given; labels are the run ids, prefixed with the suite (and then
        numbered) when two runs share an id.

    Raises
    ------
    BenchsuiteError
        A path with no run, an unreadable or empty records file, or a run without a single
        successful measurement.
    """
    if not paths:
        raise BenchsuiteError("report: give at least one run folder")
    runs: list[ReportRun] = []
    for path in paths:
        run = load_run(path, on_warning=on_warning)
        ok = [r for r in run.records if r.status == "ok"]
        if not ok:
            counts = Counter(r.status for r in run.records)
            first = next((r for r in run.records if r.error), None)
            why = f"; first: {first.case_key}: {first.error}" if first is not None else ""
            raise BenchsuiteError(
                f"{run.path}: nothing to report, no successful measurement ("
                + ", ".join(f"{n} {s}" for s, n in counts.items())
                + f"){why}"
            )
        runs.append(ReportRun(run))
    labels = Counter(r.label for r in runs)
    for r in runs:
        if labels[r.label] > 1:
            r.label = f"{r.suite}/{r.label}"
    labels = Counter(r.label for r in runs)
    seen: Counter[str] = Counter()
    for r in runs:
        if labels[r.label] > 1:  # the same run given twice
            seen[r.label] += 1
            r.label = f"{r.label}#{seen[r.label]}"
    return runs


@dataclass
class Cell:
    """One estimator on one dataset of one run, for one metric.

    Attributes
    ----------
    summary : CaseSummary
    stats : Stats or None
        The metric over folds x repeats; None when no ok measurement has it.
    best : bool
        Best mean of its column (ties are all best).
    rank : float or None
        Rank in its column (1 = best); errors and timeouts share the last ranks; None for a
        skipped case.
    """

    summary: CaseSummary
    stats: Stats | None
    best: bool = False
    rank: float | None = None


@dataclass
class MetricTable:
    """Estimators (rows) x (run, dataset) columns for one metric.

    Attributes
    ----------
    metric : str
    greater_is_better : bool
    columns : list of (str, str)
        ``(run label, dataset)``, runs in the order given, datasets in record order.
    rows : list of str
        Estimator labels (``svm[C=1]`` for grid points).
    cells : dict
        ``(row, run label, dataset) -> Cell``; absent where the pair was not planned.
    avg_rank : dict
        ``(row, run label) -> float``: mean rank over the datasets where the row ran.
    """

    metric: str
    greater_is_better: bool
    columns: list[tuple[str, str]]
    rows: list[str]
    cells: dict[tuple[str, str, str], Cell]
    avg_rank: dict[tuple[str, str], float]

    @property
    def runs(self) -> list[str]:
        return list(dict.fromkeys(run for run, _ in self.columns))

    def datasets(self, run: str) -> list[str]:
        return [d for r, d in self.columns if r == run]

    def cell(self, row: str, run: str, dataset: str) -> Cell | None:
        return self.cells.get((row, run, dataset))

    def complete_block(self, run: str) -> tuple[list[str], list[str], list[list[float]], dict]:
        """The rows with a value on every dataset of ``run`` (for the Friedman test).

        Returns
        -------
        rows : list of str
        datasets : list of str
        scores : list of list of float
            ``scores[i][j]``: mean of rows[j] on datasets[i].
        left_out : dict of str to list of str
            Rows left out, with the datasets they have no value on.
        """
        datasets = self.datasets(run)
        rows, left_out = [], {}
        for row in self.rows:
            present = [self.cell(row, run, d) for d in datasets]
            if not any(c is not None for c in present):
                continue
            missing = [
                d for d, c in zip(datasets, present, strict=True) if c is None or c.stats is None
            ]
            if missing:
                left_out[row] = missing
            else:
                rows.append(row)

        def mean(row: str, dataset: str) -> float:
            stats = self.cells[(row, run, dataset)].stats
            assert stats is not None  # rows holds the rows with stats on every dataset
            return stats.mean

        scores = [[mean(row, d) for row in rows] for d in datasets]
        return rows, datasets, scores, left_out


@dataclass
class Best:
    """The best estimator of one dataset of one run, and what it costs.

    Attributes
    ----------
    run, dataset, metric : str
    greater_is_better : bool
    best : list of CaseSummary
        The best mean (several when tied).
    score : Stats
    runner_up : CaseSummary or None
        The next best mean.
    cheapest_close : CaseSummary or None
        The estimator with the lowest mean fit time among those whose mean is within one
        standard deviation of the best (over folds); None when that is the best itself, or
        when the best has a single measurement (``score.n == 1``: no standard deviation).
    n_estimators : int
    """

    run: str
    dataset: str
    metric: str
    greater_is_better: bool
    best: list[CaseSummary]
    score: Stats
    runner_up: CaseSummary | None
    cheapest_close: CaseSummary | None
    n_estimators: int


@dataclass
class Report:
    """Everything a report shows, for every format.

    Attributes
    ----------
    runs : list of ReportRun
    metric : str
        The headline metric (``--metric``, else the first metric recorded).
    metric_given : bool
        Whether the user chose it (then only that metric is tabled).
    tables : dict of str to MetricTable
        One per metric shown, headline metric first.
    best : list of Best
        Per (run, dataset): the headline metric, or the dataset's first metric when it has
        no headline metric and none was chosen.
    inference : list of CaseInference
        Per run, the cases whose jobs measured inference latency (empty when none did:
        then no view shows an inference section).
    """

    runs: list[ReportRun]
    metric: str
    metric_given: bool
    tables: dict[str, MetricTable] = field(default_factory=dict)
    best: list[Best] = field(default_factory=list)
    inference: list[CaseInference] = field(default_factory=list)

    @property
    def title(self) -> str:
        suites = list(dict.fromkeys(r.suite for r in self.runs))
        ids = ", ".join(r.label for r in self.runs)
        return f"benchsuite report: {' + '.join(suites)} ({ids})"

    def run(self, label: str) -> ReportRun:
        return next(r for r in self.runs if r.label == label)

    def problems(self) -> list[tuple[ReportRun, CaseSummary]]:
        """Cases with a job that is not ok (errors, timeouts, skips), per run."""
        return [(r, s) for r in self.runs for s in r.summaries if s.status != "ok"]

    def targets(self) -> list[tuple[ReportRun, CaseSummary]]:
        """Cases with an ok job trained against a target (time to target), per run."""
        return [(r, s) for r in self.runs for s in r.summaries if s.n_target_jobs]

    def datasets_without(self, metric: str) -> list[str]:
        """Datasets (of any run) with no ``metric`` value."""
        have = {d for _, d in self.tables[metric].columns} if metric in self.tables else set()
        every = dict.fromkeys(d for r in self.runs for d in r.datasets)
        return [d for d in every if d not in have]


def _ranks(values: dict[str, float], failed: list[str], greater: bool) -> dict[str, float]:
    """Rank 1 = best, ties share the mean rank; ``failed`` rows share the last ranks."""
    ordered = sorted(values.items(), key=lambda kv: -kv[1] if greater else kv[1])
    ranks: dict[str, float] = {}
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1][1] == ordered[i][1]:
            j += 1
        for name, _ in ordered[i : j + 1]:
            ranks[name] = (i + j) / 2 + 1
        i = j + 1
    if failed:
        last = (len(ordered) + 1 + len(ordered) + len(failed)) / 2
        ranks.update(dict.fromkeys(failed, last))
    return ranks


def metric_table(runs: Sequence[ReportRun], metric: str) -> MetricTable:
    """Build the estimators x datasets table of ``metric`` over ``runs``."""
    greater = greater_is_better(metric)
    columns: list[tuple[str, str]] = []
    rows: dict[str, None] = {}
    cells: dict[tuple[str, str, str], Cell] = {}
    avg_rank: dict[tuple[str, str], float] = {}
    for run in runs:
        has_metric = {s.dataset for s in run.summaries if metric in s.metrics}
        per_dataset: dict[str, list[CaseSummary]] = {}
        for s in run.summaries:
            if s.dataset in has_metric:
                per_dataset.setdefault(s.dataset, []).append(s)
        rank_sums: dict[str, list[float]] = {}
        for dataset, summaries in per_dataset.items():
            columns.append((run.label, dataset))
            values: dict[str, float] = {}
            failed: list[str] = []
            for s in summaries:
                row = row_label(s)
                rows[row] = None
                st = s.metrics.get(metric)
                cells[(row, run.label, dataset)] = Cell(s, st)
                if st is not None:
                    values[row] = st.mean
                elif s.status in ("error", "timeout"):
                    failed.append(row)
            if values:
                top = max(values.values()) if greater else min(values.values())
                for row, v in values.items():
                    cells[(row, run.label, dataset)].best = v == top
            for row, rank in _ranks(values, failed, greater).items():
                cells[(row, run.label, dataset)].rank = rank
                rank_sums.setdefault(row, []).append(rank)
        for row, ranks in rank_sums.items():
            avg_rank[(row, run.label)] = sum(ranks) / len(ranks)
    return MetricTable(metric, greater, columns, list(rows), cells, avg_rank)


def _best_of(run: ReportRun, dataset: str, metric: str) -> Best | None:
    greater = greater_is_better(metric)
    scored = [
        (s, s.metrics[metric])
        for s in run.summaries
        if s.dataset == dataset and metric in s.metrics
    ]
    if not scored:
        return None
    scored.sort(key=lambda x: -x[1].mean if greater else x[1].mean)
    top = scored[0][1]
    best = [s for s, st in scored if st.mean == top.mean]
    others = [s for s, st in scored if st.mean != top.mean]

    def fit(s: CaseSummary) -> float:
        return s.fit_time.mean if s.fit_time is not None else math.inf

    cheapest = None
    # one measurement of the best (a holdout, an official split) has no standard deviation:
    # "within one std" would shrink to exact ties, so the rule is not applied at all and
    # the views say n/a rather than pretend the best is also the fastest close contender
    if top.n > 1:
        close = [s for s, st in scored if abs(st.mean - top.mean) <= top.std]
        cheapest = min(close, key=fit)
        if cheapest in best:
            cheapest = None
    n = len({row_label(s) for s in run.summaries if s.dataset == dataset})
    return Best(
        run.label, dataset, metric, greater, best, top, others[0] if others else None, cheapest, n
    )


def build_report(runs: Sequence[ReportRun], *, metric: str | None = None) -> Report:
    """Compute the tables and the best-per-dataset summary of ``runs``.

    Parameters
    ----------
    runs : sequence of ReportRun
        From :func:`load_report_runs`.
    metric : str, optional
        The headline metric; by default the first metric recorded. Only this metric is
        tabled when given.

    Returns
    -------
    Report

    Raises
    ------
    BenchsuiteError
        ``metric`` is not in any record (the message lists those that are).
    """
    available = list(dict.fromkeys(m for r in runs for m in r.metrics))
    if metric is not None and metric not in available:
        from benchsuite._suggest import did_you_mean

        raise BenchsuiteError(
            f"--metric {metric}: no record has this metric{did_you_mean(metric, available)};"
            f" available: {', '.join(available)}"
        )
    headline = metric or available[0]
    shown = [headline] if metric is not None else [headline, *available[1:]]
    report = Report(list(runs), headline, metric is not None)
    report.tables = {m: metric_table(runs, m) for m in shown}
    report.inference = [c for r in runs for c in summarize_inference(r.records, run=r.label)]
    for run in runs:
        run_metrics = run.metrics
        for dataset in run.datasets:
            have = {m for s in run.summaries if s.dataset == dataset for m in s.metrics}
            chosen: str | None
            if headline in have:
                chosen = headline
            elif metric is None:
                chosen = next((m for m in run_metrics if m in have), None)
            else:
                chosen = None
            best = _best_of(run, dataset, chosen) if chosen else None
            if best is not None:
                report.best.append(best)
    return report

"""The history's data: points of a series, the series, the change points, the whole.

Plain dataclasses: the index and series building fill them, change-point detection adds
:class:`Change` entries, the renderers (terminal, Markdown, HTML, JSON) only read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Point:
    """One run's value of one case x quantity.

    Attributes
    ----------
    run_id : str
    started_at : str
        ISO 8601 UTC start time of the run.
    commit : str or None
        The git SHA the run measured (``environment.git.sha``), None outside a repository.
    branch : str or None
    dirty : bool
        The working tree had uncommitted changes.
    value : float
        The per-run median over the case's ok jobs (folds x repeats) of the quantity.
    low, high : float
        The spread of the jobs around it (min and max over the jobs; equal to ``value``
        for one job): the band the dashboard draws.
    n : int
        Jobs the value is the median of.
    partial : bool
        The run did not complete (interrupted, failed, killed): the value is over the jobs
        it finished.
    """

    run_id: str
    started_at: str
    commit: str | None
    branch: str | None
    dirty: bool
    value: float
    low: float
    high: float
    n: int
    partial: bool = False


@dataclass
class Change:
    """A step found in a series between two consecutive points.

    Attributes
    ----------
    index : int
        Index in ``Series.points`` of the first point after the step.
    run_id : str
    commit : str or None
        Of the first point after the step.
    before, after : float
        Median of the series' values on each side of the step (within the segments the
        detection found).
    relative : float
        ``(after - before) / |before|`` (``inf`` when ``before`` is 0 and ``after`` is not).
    regression : bool
        The step is for the worse: a slower time, more memory, a lower score (a higher
        loss), a lower throughput.
    """

    index: int
    run_id: str
    commit: str | None
    before: float
    after: float
    relative: float
    regression: bool


@dataclass
class Series:
    """One case x quantity of one suite on one machine, across runs.

    Attributes
    ----------
    suite : str
    machine : str
        The runs' machine key (:meth:`benchsuite.runs.RunInfo.machine_key`).
    case_key : str
    quantity : str
        ``metric:<name>`` (e.g. ``metric:accuracy``), ``fit_time_s``, ``predict_time_s``,
        ``peak_rss_mb``, ``inference:<batch>:median_s``, ``inference:<batch>:throughput_per_s``.
    unit : str
        ``s``, ``MiB``, ``rows/s``, or ``""`` for a score.
    higher_is_better : bool
    points : list of Point
        In run order (start time, or commit order with ``--git``).
    changes : list of Change
    status : {"ok", "not enough history"}
        Too few points for detection: no change is ever reported on such a series.
    """

    suite: str
    machine: str
    case_key: str
    quantity: str
    unit: str
    higher_is_better: bool
    points: list[Point] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    status: str = "ok"

    @property
    def regressions(self) -> list[Change]:
        return [c for c in self.changes if c.regression]


@dataclass
class History:
    """Every series of the runs read, and what was read.

    Attributes
    ----------
    root : str
        The folder the runs were read from.
    series : list of Series
        Grouped by suite, then machine, then case, then quantity.
    runs : dict
        ``{(suite, machine): [run_id, ...]}`` in run order.
    skipped : list of str
        One line per run folder that could not be read (corrupt, truncated), each named.
    options : dict
        What the history was built with (``machine``, ``since``, ``git``, ...).
    notes : list of str
        One line per thing tolerated while reading that the reader should know (a truncated
        last record line skipped, runs left out for a commit outside ``--git``'s history).
    """

    root: str
    series: list[Series] = field(default_factory=list)
    runs: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[tuple[Series, Change]]:
        """Every regression found, worst (largest relative step) first."""
        found = [(s, c) for s in self.series for c in s.regressions]
        return sorted(found, key=lambda sc: -abs(sc[1].relative))

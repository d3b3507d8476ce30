"""Records -> one summary per case (folds x repeats aggregated)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from benchsuite._stats import Stats
from benchsuite.results import Record, group_by_case


@dataclass
class CaseSummary:
    """Aggregate of every record of one case key.

    Attributes
    ----------
    key, dataset, estimator : str
    status : str
        ``ok`` if every job is ok, else the first non-ok status seen.
    error : str or None
        The first error or skip reason.
    metrics : dict of str to Stats
    fit_time, predict_time : Stats or None
    peak_rss_mb : float or None
        Largest peak over the case's jobs.
    n_ok, n_total : int
    """

    key: str
    dataset: str
    estimator: str
    status: str = "ok"
    error: str | None = None
    metrics: dict[str, Stats] = field(default_factory=dict)
    fit_time: Stats | None = None
    predict_time: Stats | None = None
    peak_rss_mb: float | None = None
    n_ok: int = 0
    n_total: int = 0


def summarize(records: Iterable[Record]) -> list[CaseSummary]:
    """Group records by ``case_key`` (first-seen order) and compute statistics."""
    out = []
    for key, recs in group_by_case(records).items():
        ok = [r for r in recs if r.status == "ok"]
        bad = [r for r in recs if r.status != "ok"]
        s = CaseSummary(key=key, dataset=recs[0].dataset, estimator=recs[0].estimator)
        s.n_ok, s.n_total = len(ok), len(recs)
        if bad:
            s.status, s.error = bad[0].status, bad[0].error
        names = list(dict.fromkeys(m for r in ok for m in r.metrics))
        s.metrics = {
            m: st for m in names if (st := Stats.of([r.metrics.get(m) for r in ok])) is not None
        }
        s.fit_time = Stats.of([r.fit_time_s for r in ok])
        s.predict_time = Stats.of([r.predict_time_s for r in ok])
        peaks = [r.peak_rss_mb for r in ok if r.peak_rss_mb is not None]
        s.peak_rss_mb = max(peaks) if peaks else None
        out.append(s)
    return out

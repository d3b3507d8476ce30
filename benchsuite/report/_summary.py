"""Records -> one summary per case (folds x repeats aggregated)."""

from __future__ import annotations

import re
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
    target : dict of str to float or None
        ``{metric: threshold}`` of the case's time to target (its first ok job with one);
        None when no ok job was trained against a target.
    time_to_target : Stats or None
        ``time_to_target_s`` over the ok jobs that reached the target (its median is what
        reports show); None when none did.
    target_epoch : Stats or None
        ``target_epoch`` over the same jobs.
    n_target_reached, n_target_jobs : int
        Ok jobs that reached the target, and ok jobs trained against one (0 without a
        target): ``n_target_jobs - n_target_reached`` never reached it.
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
    target: dict[str, float] | None = None
    time_to_target: Stats | None = None
    target_epoch: Stats | None = None
    n_target_reached: int = 0
    n_target_jobs: int = 0

    @property
    def n_target_missed(self) -> int:
        """Ok jobs trained against a target that never reached it."""
        return self.n_target_jobs - self.n_target_reached


_MISSED = re.compile(r"^target (\S+) (\S+) not reached in ")


def _target_of(rec: Record) -> dict[str, float] | None:
    """The target a job was trained against, or None.

    ``rec.target`` says it; records written before that field existed still say it by a
    time to target (reached) or by their ``target <metric> <threshold> not reached in N
    epochs`` warning (missed).
    """
    if rec.target:
        return rec.target
    for w in rec.warnings:
        if m := _MISSED.match(w):
            try:
                return {m.group(1): float(m.group(2))}
            except ValueError:
                continue
    if rec.time_to_target_s is not None:
        return {}  # reached an unnamed target (an older record)
    return None


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
        targeted = [(r, t) for r in ok if (t := _target_of(r)) is not None]
        if targeted:
            reached = [r for r, _ in targeted if r.time_to_target_s is not None]
            s.target = next((t for _, t in targeted if t), None)
            s.n_target_jobs, s.n_target_reached = len(targeted), len(reached)
            s.time_to_target = Stats.of([r.time_to_target_s for r in reached])
            s.target_epoch = Stats.of([r.target_epoch for r in reached])
        out.append(s)
    return out

"""The live display of ``benchsuite run``: one progress bar for the whole run, and a status
line per case as its last job ends. rich is imported when the bar starts."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress

    from benchsuite.plan import Plan
    from benchsuite.results import Record


class RunProgress:
    """One live bar for the whole run, and a status line per case as its last job ends.

    Works the same for every executor: it only sees records as they are stored (in the
    order they finish, which parallel executors interleave).

    Parameters
    ----------
    title : str
        The bar's label (the suite's name).
    """

    def __init__(self, title: str) -> None:
        self.title = title
        self.bar: Progress | None = None
        self.task: Any = None
        self.expected: dict[str, int] = {}
        self.seen: dict[str, list[Record]] = {}

    def start(self, plan: Plan, kept: Sequence[Record]) -> None:
        """Start the bar for the jobs ``plan`` holds (``run_plan``'s ``on_plan``)."""
        # a resumed plan holds only the jobs left to run: count those, not the cases' jobs
        self.expected = dict(Counter(job.case.key for job in plan.jobs))
        total = sum(self.expected.values())
        if not total:
            return
        self.bar = _bar()
        self.bar.start()
        title = self.title + (f" (resumed, {len(kept)} kept)" if kept else "")
        self.task = self.bar.add_task(title, total=total, last="")

    def record(self, rec: Record) -> None:
        """Advance the bar by one stored record (``run_plan``'s ``on_record``)."""
        if self.bar is None:
            return
        label = f"{rec.case_key} [{rec.status}]" if rec.status != "ok" else rec.case_key
        self.bar.update(self.task, advance=1, last=label)
        done = self.seen.setdefault(rec.case_key, [])
        done.append(rec)
        if len(done) == self.expected.get(rec.case_key, 0):
            self.bar.console.print(case_line(rec.case_key, done), markup=False, soft_wrap=True)

    def stop(self) -> None:
        """Take the bar off the screen (what was printed above it stays)."""
        if self.bar is not None:
            self.bar.stop()


def case_line(key: str, records: Sequence[Record]) -> str:
    """``ok      iris/svc  5 ok  accuracy 0.953  fit 1.2 ms``, or the first error.

    Parameters
    ----------
    key : str
        The case key.
    records : sequence of Record
        Every record of the case.

    Returns
    -------
    str
    """
    statuses: dict[str, int] = {}
    for r in records:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    ok = [r for r in records if r.status == "ok"]
    worst = next((s for s in ("error", "timeout", "skipped") if s in statuses), "ok")
    parts = [f"{worst:<8}", key]
    if len(statuses) > 1 or worst != "skipped":
        parts.append(", ".join(f"{n} {s}" for s, n in statuses.items()))
    if ok:
        metric = next(iter(ok[0].metrics), None)
        if metric is not None:
            values = [r.metrics[metric] for r in ok if metric in r.metrics]
            parts.append(f"{metric} {statistics.fmean(values):.3g}")
        fits = [r.fit_time_s for r in ok if r.fit_time_s is not None]
        if fits:
            from benchsuite._format import format_seconds

            parts.append(f"fit {format_seconds(statistics.median(fits))}")
    error = next((r.error for r in records if r.status != "ok" and r.error), None)
    if error is not None:
        parts.append(f"- {error if len(error) <= 120 else error[:117] + '...'}")
    return "  ".join(parts)


def _bar() -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from benchsuite.cli._console import console

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[last]}", style="dim"),
        console=console(stderr=True),
        transient=True,
    )

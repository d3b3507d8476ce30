"""The history dashboard for 200 cases: its size and how long headless Chromium takes to
render it (issue 16: <= 5 MB, <= 2 s).

    python benchmarks/history_render.py                       # 200 cases x 3 quantities x 50 runs
    python benchmarks/history_render.py --cases 1000 --runs 100
    python benchmarks/history_render.py --out /tmp/history.html --chromium /path/to/chromium

A synthetic :class:`~benchsuite.history.History` (seeded noise; every 25th case's fit time
steps up 20% at run 30, every 50th case's accuracy drops a point at run 40, every 40th
case's predict time halves at run 20) is rendered by ``history_html`` and
``history_markdown``; it prints the time that took, the page's size, and, when Chromium is
found (``chromium`` or ``chromium-browser`` on PATH, or ``--chromium``), the wall time of
``chromium --headless --dump-dom`` and ``--screenshot`` on the page and on a blank page (the
browser's own start-up), medians of ``--rounds``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchsuite.history._model import Change, History, Point, Series  # noqa: E402
from benchsuite.history._render import history_html, history_markdown, plotted  # noqa: E402

QUANTITIES = (
    ("metric:accuracy", "", True),
    ("fit_time_s", "s", False),
    ("predict_time_s", "s", False),
)


def _series(
    rng: random.Random,
    case: str,
    quantity: str,
    unit: str,
    higher: bool,
    runs: int,
    base: float,
    step_at: int | None,
    factor: float,
    noise: float,
) -> Series:
    points = []
    for i in range(runs):
        level = base * (factor if step_at is not None and i >= step_at else 1.0)
        folds = [level * (1 + rng.gauss(0, noise)) for _ in range(5)]
        points.append(
            Point(
                run_id=f"2026{1 + i // 28:02d}{1 + i % 28:02d}T1000-{i:03d}",
                started_at=f"2026-{1 + i // 28:02d}-{1 + i % 28:02d}T10:00:00Z",
                commit=f"{rng.getrandbits(160):040x}",
                branch="main",
                dirty=False,
                value=statistics.median(folds),
                low=min(folds),
                high=max(folds),
                n=len(folds),
            )
        )
    s = Series("ci", "a1b2c3d4", case, quantity, unit, higher, points)
    if step_at is not None:
        before = statistics.median(p.value for p in points[:step_at])
        after = statistics.median(p.value for p in points[step_at:])
        worse = after < before if higher else after > before
        s.changes.append(
            Change(
                step_at,
                points[step_at].run_id,
                points[step_at].commit,
                before,
                after,
                (after - before) / abs(before),
                worse,
            )
        )
    return s


def build(cases: int, runs: int, seed: int = 0) -> History:
    """``cases`` x 3 quantities x ``runs`` points, with the steps the module docstring names."""
    rng = random.Random(seed)
    series = []
    for c in range(cases):
        case = f"dataset{c % 20}/estimator{c // 20}[C={c}]"
        fit = 0.01 * (1 + c % 30)
        steps = {
            "metric:accuracy": (40, 0.99) if c % 50 == 7 and runs > 40 else (None, 1.0),
            "fit_time_s": (30, 1.2) if c % 25 == 0 and runs > 30 else (None, 1.0),
            "predict_time_s": (20, 0.5) if c % 40 == 3 and runs > 20 else (None, 1.0),
        }
        bases = {
            "metric:accuracy": 0.8 + 0.15 * rng.random(),
            "fit_time_s": fit,
            "predict_time_s": fit / 10,
        }
        noise = {"metric:accuracy": 0.004, "fit_time_s": 0.03, "predict_time_s": 0.05}
        for quantity, unit, higher in QUANTITIES:
            at, factor = steps[quantity]
            series.append(
                _series(
                    rng,
                    case,
                    quantity,
                    unit,
                    higher,
                    runs,
                    bases[quantity],
                    at,
                    factor,
                    noise[quantity],
                )
            )
    run_ids = [p.run_id for p in series[0].points]
    return History(
        root="results/ci",
        series=series,
        runs={("ci", "a1b2c3d4"): run_ids},
        options={"machine": None},
    )


def _chromium(binary: str, profile: Path, *args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [
            binary,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"chromium failed ({proc.returncode}): {proc.stderr[-500:]}")
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=5, help="browser rounds (median)")
    ap.add_argument("--out", type=Path, help="write the page here (default: a temporary folder)")
    ap.add_argument("--chromium", help="the browser binary (default: chromium on PATH)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    history = build(args.cases, args.runs)
    t1 = time.perf_counter()
    page = history_html(history)
    t2 = time.perf_counter()
    markdown = history_markdown(history)
    t3 = time.perf_counter()
    size = len(page.encode())
    n_series = len(history.series)
    print(
        f"history: {args.cases} cases x {len(QUANTITIES)} quantities x {args.runs} runs"
        f" = {n_series} series, {len(history.regressions)} regressions; built in {t1 - t0:.2f} s"
    )
    print(
        f"history_html: {t2 - t1:.3f} s, {size:,} bytes ({size / 1e6:.2f} MB; goal <= 5 MB:"
        f" {'met' if size <= 5e6 else 'NOT met'}), {len(plotted(history))} plots,"
        f" {size / max(len(plotted(history)), 1):,.0f} bytes per plot with its share of the page"
    )
    print(f"history_markdown: {t3 - t2:.3f} s, {len(markdown.encode()):,} bytes")

    tmp = Path(tempfile.mkdtemp(prefix="history-render-"))
    out = args.out or tmp / "history.html"
    out.write_text(page, encoding="utf-8")
    print(f"page: {out}")
    binary = (
        args.chromium
        or os.environ.get("CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not binary:
        print("chromium: not found (install it, or pass --chromium PATH): no render time")
        return 0
    blank = tmp / "blank.html"
    blank.write_text("<!DOCTYPE html><title>blank</title><p>blank</p>\n", encoding="utf-8")
    profile = tmp / "profile"
    _chromium(binary, profile, "--dump-dom", blank.as_uri())  # first start: profile, caches
    times: dict[str, list[float]] = {
        k: [] for k in ("blank dom", "page dom", "blank png", "page png")
    }
    for _ in range(args.rounds):
        # interleaved, so that drift in machine load hits the page and the blank page alike
        times["blank dom"].append(_chromium(binary, profile, "--dump-dom", blank.as_uri()))
        times["page dom"].append(_chromium(binary, profile, "--dump-dom", out.as_uri()))
        times["blank png"].append(
            _chromium(
                binary,
                profile,
                f"--screenshot={tmp / 'b.png'}",
                "--window-size=1280,900",
                blank.as_uri(),
            )
        )
        times["page png"].append(
            _chromium(
                binary,
                profile,
                f"--screenshot={tmp / 'p.png'}",
                "--window-size=1280,900",
                out.as_uri(),
            )
        )
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"chromium ({binary}), median of {args.rounds} rounds, load average"
        f" {os.getloadavg()[0]:.2f}:"
    )
    for what, flag in (("dom", "--dump-dom"), ("png", "--screenshot")):
        page_s, blank_s = med[f"page {what}"], med[f"blank {what}"]
        print(
            f"  {flag:13s} page {page_s:.2f} s, blank page {blank_s:.2f} s,"
            f" difference {page_s - blank_s:.2f} s"
            f" (rounds: {', '.join(f'{t:.2f}' for t in times[f'page {what}'])})"
        )
    worst = max(med["page dom"], med["page png"])
    print(
        f"goal: rendered in <= 2 s (whole browser process, start-up included): {worst:.2f} s,"
        f" {'met' if worst <= 2 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

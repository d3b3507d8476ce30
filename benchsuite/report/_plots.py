"""Plots of a report as inline SVG (matplotlib, imported here and only here).

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot, no global
backend), text is kept as SVG text (small files, selectable in the browser) and the SVG is
deterministic (fixed id salt, no date), so the same records give the same report.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence

from benchsuite.report._cd import FriedmanResult
from benchsuite.report._format import has_spread
from benchsuite.report._model import Report, row_label

_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_LINESTYLES = ("-", "--", ":", "-.")


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def to_svg(fig, *, label: str) -> str:
    """The figure as an ``<svg>`` element to inline in HTML (no XML prolog or DOCTYPE),
    with ``role="img"`` and an ``aria-label``."""
    import matplotlib

    buf = io.StringIO()
    # the settings written here, not in a module constant: a dict literal is checked
    # against matplotlib's own type of rc keys, a dict[str, object] does not match it
    with matplotlib.rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "benchsuite",
            "font.family": "sans-serif",
            "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "sans-serif"],
            "font.size": 9,
            "axes.titlesize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    ):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def estimator_colors(names: Sequence[str]) -> dict[str, str]:
    """One color per estimator, the same in every plot (tab10, then tab20)."""
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if len(names) <= 10 else "tab20"]
    return {name: matplotlib.colors.to_hex(cmap(i % cmap.N)) for i, name in enumerate(names)}


def _grid(n: int, *, max_cols: int = 3) -> tuple[int, int]:
    cols = min(max_cols, n)
    return math.ceil(n / cols), cols


def _datasets(report: Report) -> list[str]:
    return list(dict.fromkeys(b.dataset for b in report.best))


def _panels(report: Report, dataset: str):
    """``(run, metric, greater, [(summary, stats), ...])`` for each run with the dataset."""
    out = []
    for b in report.best:
        if b.dataset != dataset:
            continue
        run = report.run(b.run)
        scored = [
            (s, s.metrics[b.metric])
            for s in run.summaries
            if s.dataset == dataset and b.metric in s.metrics
        ]
        out.append((b.run, b.metric, b.greater_is_better, scored))
    return out


def pareto_front(points: Sequence[tuple[float, float]], *, greater_is_better: bool = True):
    """Indices of the points no other point beats on both cost (lower) and score.

    Parameters
    ----------
    points : sequence of (cost, score)
    greater_is_better : bool, default=True

    Returns
    -------
    list of int
        The front, in increasing cost.
    """
    sign = 1 if greater_is_better else -1
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -sign * points[i][1]))
    front, best = [], -math.inf
    for i in order:
        score = sign * points[i][1]
        if score > best:
            front.append(i)
            best = score
    return front


def pareto_svg(report: Report, colors: dict[str, str]) -> str:
    """Score (headline metric) against mean fit time, one panel per dataset, the Pareto
    front drawn as a step line per run and its estimators labelled."""
    datasets = _datasets(report)
    nrows, ncols = _grid(len(datasets))
    fig = _figure(3.6 * ncols, 2.9 * nrows + 0.5)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    runs = [r.label for r in report.runs]
    for ax, dataset in zip(axes, datasets, strict=False):
        metric, greater = "", True
        for run, m, g, scored in _panels(report, dataset):
            metric, greater = m, g
            marker = _MARKERS[runs.index(run) % len(_MARKERS)]
            pts = [(s.fit_time.mean, st.mean, s, st) for s, st in scored if s.fit_time is not None]
            for x, y, s, _ in pts:
                ax.scatter(x, y, color=colors[row_label(s)], marker=marker, s=30, zorder=3)
            front = pareto_front([(x, y) for x, y, *_ in pts], greater_is_better=greater)
            fx = [pts[i][0] for i in front]
            fy = [pts[i][1] for i in front]
            ax.step(fx, fy, where="post", color="0.35", lw=1, ls=_LINESTYLES[runs.index(run) % 4])
            for i in front:
                x, y, s, _ = pts[i]
                ax.annotate(
                    row_label(s), (x, y), xytext=(4, 3), textcoords="offset points", fontsize=7
                )
        ax.set_xscale("log")
        ax.set_title(dataset)
        ax.set_xlabel("mean fit time (s, log)")
        ax.set_ylabel(f"{metric} ({'higher' if greater else 'lower'} is better)")
        ax.grid(True, which="major", lw=0.4, alpha=0.5)
    for ax in axes[len(datasets) :]:
        ax.set_visible(False)
    _legend(fig, colors, runs)
    return to_svg(fig, label="score against fit time per dataset, with the Pareto front")


def _legend(fig, colors: dict[str, str], runs: Sequence[str], *, lines: bool = False) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=c, marker=None if lines else "o", ls="-" if lines else "", label=n)
        for n, c in colors.items()
    ]
    if len(runs) > 1:
        handles += [
            Line2D(
                [],
                [],
                color="0.3",
                marker=None if lines else _MARKERS[i % len(_MARKERS)],
                ls=_LINESTYLES[i % 4] if lines else "",
                label=f"run {r}",
            )
            for i, r in enumerate(runs)
        ]
    fig.legend(
        handles=handles, loc="outside upper center", ncols=min(len(handles), 8), frameon=False
    )


def scores_svg(report: Report, colors: dict[str, str]) -> str:
    """Mean score per estimator with ± one standard deviation (over folds) as error bars,
    one panel per dataset; the best bar is outlined. The axis is zoomed to the data."""
    return to_svg(
        scores_figure(report, colors),
        label="mean score per estimator and dataset with error bars",
    )


def scores_figure(report: Report, colors: dict[str, str]):
    """The figure of :func:`scores_svg`. A bar measured once (n=1) gets no error bar at all:
    a zero-length one would draw its caps and read as a measured spread of zero."""
    datasets = _datasets(report)
    nrows, ncols = _grid(len(datasets))
    runs = [r.label for r in report.runs]
    n_rows_max = max((sum(len(p[3]) for p in _panels(report, d)) for d in datasets), default=1)
    fig = _figure(3.6 * ncols, (0.22 * n_rows_max + 0.9) * nrows + 0.4)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, dataset in zip(axes, datasets, strict=False):
        labels, means, errs, cols, edges = [], [], [], [], []
        metric, greater = "", True
        for run, m, g, scored in _panels(report, dataset):
            metric, greater = m, g
            top = max(st.mean for _, st in scored) if greater else min(st.mean for _, st in scored)
            for s, st in scored:
                labels.append(row_label(s) + (f" ({run})" if len(runs) > 1 else ""))
                means.append(st.mean)
                errs.append(st.std if has_spread(st) else None)
                cols.append(colors[row_label(s)])
                edges.append("black" if st.mean == top else "none")
        ys = list(range(len(labels)))[::-1]
        ax.barh(ys, means, color=cols, edgecolor=edges, height=0.7)
        spread = [(y, m, e) for y, m, e in zip(ys, means, errs, strict=True) if e is not None]
        if spread:
            ax.errorbar(
                [m for _, m, _ in spread],
                [y for y, _, _ in spread],
                xerr=[e for _, _, e in spread],
                fmt="none",
                ecolor="black",
                lw=0.8,
                capsize=2,
            )
        ax.set_yticks(ys, labels, fontsize=7)
        lo = min(m - (e or 0.0) for m, e in zip(means, errs, strict=True))
        hi = max(m + (e or 0.0) for m, e in zip(means, errs, strict=True))
        pad = (hi - lo) * 0.08 or 0.01
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_title(dataset)
        ax.set_xlabel(f"{metric} ({'higher' if greater else 'lower'} is better)")
        ax.grid(True, axis="x", lw=0.4, alpha=0.5)
    for ax in axes[len(datasets) :]:
        ax.set_visible(False)
    return fig


def has_curves(report: Report) -> bool:
    return any(r.loss_curve for run in report.runs for r in run.records if r.status == "ok")


def curves_svg(report: Report, colors: dict[str, str]) -> str:
    """Training loss per epoch (mean over folds and repeats; the band spans min to max),
    one panel per dataset, one line per estimator (and line style per run)."""
    curves: dict[str, dict[tuple[str, str], list[list[float]]]] = {}
    for run in report.runs:
        for r in run.records:
            if r.status == "ok" and r.loss_curve:
                key = (r.case_key.split("/", 1)[-1], run.label)
                curves.setdefault(r.dataset, {}).setdefault(key, []).append(r.loss_curve)
    datasets = list(curves)
    runs = [r.label for r in report.runs]
    nrows, ncols = _grid(len(datasets))
    fig = _figure(3.6 * ncols, 2.6 * nrows + 0.5)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    used: dict[str, str] = {}
    for ax, dataset in zip(axes, datasets, strict=False):
        for (name, run_label), folds in curves[dataset].items():
            n = max(len(c) for c in folds)
            mean, lo, hi = [], [], []
            for e in range(n):
                vals = [c[e] for c in folds if len(c) > e and c[e] is not None]
                mean.append(sum(vals) / len(vals))
                lo.append(min(vals))
                hi.append(max(vals))
            epochs = list(range(1, n + 1))
            color = colors.get(name, "0.3")
            used[name] = color
            ax.plot(
                epochs, mean, color=color, ls=_LINESTYLES[runs.index(run_label) % 4], marker="."
            )
            if len(folds) > 1:  # one curve has no band to show
                ax.fill_between(epochs, lo, hi, color=color, alpha=0.15, lw=0)
        ax.set_title(dataset)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss")
        ax.grid(True, lw=0.4, alpha=0.5)
    for ax in axes[len(datasets) :]:
        ax.set_visible(False)
    _legend(fig, used, runs, lines=True)
    return to_svg(fig, label="training loss per epoch")


def cd_svg(result: FriedmanResult, *, title: str = "") -> str:
    """Critical-difference diagram (Demšar 2006, Fig. 1): the average-rank axis (1 = best,
    on the left), each estimator hung from its rank, the CD interval, and a thick bar
    joining each group of estimators the Nemenyi test does not tell apart."""
    k = result.k
    order = sorted(range(k), key=lambda i: result.avg_ranks[i])
    half = math.ceil(k / 2)
    left, right = order[:half], order[half:]
    n_groups = len(result.groups)
    # y in text-line units, growing downwards: CD interval, rank axis, group bars, names
    cd_y, axis_y = -1.5, 0.0
    bar_y0 = axis_y + 0.5
    name_y0 = bar_y0 + 0.45 * n_groups + 0.6
    bottom = name_y0 + (max(len(left), len(right)) - 1) * 0.9 + 0.6
    span = bottom - (cd_y - 1.0)
    fig = _figure(7.0, 0.19 * span)
    fig.set_layout_engine(None)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    margin = max(1.6, 0.22 * k + 0.9)  # room for the names, in rank units
    ax.set_xlim(1 - margin, k + margin)
    ax.set_ylim(bottom, cd_y - 1.0)
    ax.plot([1, k], [axis_y, axis_y], color="black", lw=1)
    for t in range(1, k + 1):
        ax.plot([t, t], [axis_y, axis_y - 0.3], color="black", lw=1)
        ax.text(t, axis_y - 0.4, str(t), ha="center", va="bottom", fontsize=8)
    for t in range(1, k):
        ax.plot([t + 0.5, t + 0.5], [axis_y, axis_y - 0.15], color="black", lw=0.6)
    ax.plot([1, 1 + result.cd], [cd_y, cd_y], color="black", lw=1.2)
    for x in (1, 1 + result.cd):
        ax.plot([x, x], [cd_y - 0.15, cd_y + 0.15], color="black", lw=1.2)
    ax.text(
        1 + result.cd / 2, cd_y - 0.2, f"CD = {result.cd:.2f}", ha="center", va="bottom", fontsize=8
    )
    for g, members in enumerate(result.groups):
        ranks = [result.avg_ranks[i] for i in members]
        y = bar_y0 + 0.45 * g
        ax.plot(
            [min(ranks) - 0.03, max(ranks) + 0.03],
            [y, y],
            color="black",
            lw=3.5,
            solid_capstyle="round",
        )
    for j, i in enumerate(left):
        r, y = result.avg_ranks[i], name_y0 + j * 0.9
        ax.plot([r, r, 1 - 0.2], [axis_y, y, y], color="0.2", lw=0.8)
        ax.text(1 - 0.3, y, f"{result.names[i]}  {r:.2f}", ha="right", va="center", fontsize=8)
    for j, i in enumerate(reversed(right)):
        r, y = result.avg_ranks[i], name_y0 + j * 0.9
        ax.plot([r, r, k + 0.2], [axis_y, y, y], color="0.2", lw=0.8)
        ax.text(k + 0.3, y, f"{r:.2f}  {result.names[i]}", ha="left", va="center", fontsize=8)
    return to_svg(fig, label=title or "critical difference diagram")


# --------------------------------------------------------------------------------------
# inference
# --------------------------------------------------------------------------------------


def latency_svg(report: Report, colors: dict[str, str]) -> str:
    """Median latency per call against batch size, log-log, one panel per dataset and one
    line per estimator; the band reaches up to the p99 latency."""
    return to_svg(
        latency_figure(report, colors), label="inference latency against batch size per dataset"
    )


def latency_figure(report: Report, colors: dict[str, str]):
    """The figure of :func:`latency_svg` (one axes per dataset, one line per estimator and
    run, in the order of ``report.inference``)."""
    datasets = list(dict.fromkeys(c.dataset for c in report.inference))
    runs = [r.label for r in report.runs]
    nrows, ncols = _grid(len(datasets))
    fig = _figure(3.6 * ncols, 2.8 * nrows + 0.5)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    used: dict[str, str] = {}
    for ax, dataset in zip(axes, datasets, strict=False):
        for case in report.inference:
            if case.dataset != dataset:
                continue
            sizes = [b.batch_size for b in case.batches]
            median = [b.median_s for b in case.batches]
            color = colors.get(case.estimator, "0.3")
            used[case.estimator] = color
            ax.plot(
                sizes,
                median,
                color=color,
                ls=_LINESTYLES[runs.index(case.run) % 4],
                marker="o",
                ms=3,
                label=case.estimator,
            )
            if len(sizes) > 1:  # one batch size has no band to draw
                p99 = [b.p99_s for b in case.batches]
                ax.fill_between(sizes, median, p99, color=color, alpha=0.12, lw=0)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(dataset)
        ax.set_xlabel("batch size (rows, log)")
        ax.set_ylabel("latency per call (s, log)")
        ax.grid(True, which="major", lw=0.4, alpha=0.5)
    for ax in axes[len(datasets) :]:
        ax.set_visible(False)
    _legend(fig, used, runs, lines=True)
    return fig


def inference_pareto_svg(report: Report, colors: dict[str, str]) -> str:
    """Score against batch-1 latency, one panel per dataset, the Pareto front drawn as a
    step line per run and its estimators named."""
    return to_svg(
        inference_pareto_figure(report, colors),
        label="score against batch-1 inference latency per dataset, with the Pareto front",
    )


def inference_pareto_figure(report: Report, colors: dict[str, str]):
    """The figure of :func:`inference_pareto_svg`: x is the median latency per call at the
    case's smallest batch size (batch 1 when measured), y the dataset's report metric."""
    from benchsuite.report._inference import inference_scores, pareto_indices

    groups = inference_scores(report)
    datasets = list(dict.fromkeys(dataset for _, dataset, *_ in groups))
    runs = [r.label for r in report.runs]
    nrows, ncols = _grid(max(len(datasets), 1))
    fig = _figure(3.6 * ncols, 2.9 * nrows + 0.5)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    used: dict[str, str] = {}
    for ax, dataset in zip(axes, datasets, strict=False):
        metric, greater, sizes = "", True, set()
        for run, d, m, g, points in groups:
            if d != dataset:
                continue
            metric, greater = m, g
            marker = _MARKERS[runs.index(run) % len(_MARKERS)]
            for p in points:
                color = colors.get(p.case.estimator, "0.3")
                used[p.case.estimator] = color
                sizes.add(p.case.smallest.batch_size)
                ax.scatter(p.latency_s, p.score, color=color, marker=marker, s=30, zorder=3)
            front = pareto_indices([(p.latency_s, p.score) for p in points], greater_is_better=g)
            ax.step(
                [points[i].latency_s for i in front],
                [points[i].score for i in front],
                where="post",
                color="0.35",
                lw=1,
                ls=_LINESTYLES[runs.index(run) % 4],
            )
            for i in front:
                ax.annotate(
                    points[i].case.estimator,
                    (points[i].latency_s, points[i].score),
                    xytext=(4, 3),
                    textcoords="offset points",
                    fontsize=7,
                )
        at = f"batch {sizes.pop():,}" if len(sizes) == 1 else "smallest batch"
        ax.set_xscale("log")
        ax.set_title(dataset)
        ax.set_xlabel(f"p50 latency at {at} (s, log)")
        ax.set_ylabel(f"{metric} ({'higher' if greater else 'lower'} is better)")
        ax.grid(True, which="major", lw=0.4, alpha=0.5)
    for ax in axes[len(datasets) :]:
        ax.set_visible(False)
    _legend(fig, used, runs)
    return fig

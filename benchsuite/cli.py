"""The ``benchsuite`` command line.

Each subcommand is a thin function: parse arguments, call the library, render. Heavy
libraries are imported inside the subcommands, so ``benchsuite --help`` stays instant.
Every user error is one line on stderr and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="benchsuite",
        description="Cross-validated benchmarks of ML estimators from a YAML suite.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", help="run a suite and print the comparison table")
    run.add_argument("suite", help=_SUITE_HELP)
    run.add_argument(
        "-o", "--output", default="results", help="output folder (default: %(default)s)"
    )
    run.add_argument(
        "-f",
        "--filter",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only cases whose key 'dataset/estimator[k=v]' matches this glob or substring;"
        " repeatable",
    )
    run.add_argument("--dry-run", action="store_true", help="show the plan, run nothing")
    run.add_argument(
        "--strict", action="store_true", help="exit 1 if any measurement ended in error"
    )
    run.add_argument("--run-id", help="name of the run folder (default: time-stamped)")
    run.add_argument(
        "--threads",
        type=_positive_int,
        metavar="N",
        help="pin BLAS/OpenMP/torch threads to N (default: libraries' own choice)",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    _add_executor_options(run)
    run.add_argument(
        "--compare",
        metavar="BASELINE",
        help="after the run, compare it with BASELINE (a run, or a folder of runs such as"
        " results/baseline) and exit with the comparison's code",
    )
    _add_compare_options(run, with_format=False)
    run.add_argument(
        "--report",
        choices=["html", "markdown"],
        help="at the end, write report.html (or report.md) into the run folder and print its path",
    )
    run.set_defaults(func=cmd_run)

    val = sub.add_parser("validate", help="check a suite without running it")
    val.add_argument("suite", help=_SUITE_HELP)
    val.add_argument(
        "--strict",
        action="store_true",
        help="a pair that would be skipped (no GPU, classifier on regression data) is an error",
    )
    val.set_defaults(func=cmd_validate)

    lst = sub.add_parser("list", help="list bundled suites, datasets, estimators or metrics")
    lst.add_argument("what", choices=["suites", "datasets", "estimators", "metrics"])
    lst.set_defaults(func=cmd_list)

    init = sub.add_parser(
        "init",
        help="write a commented starter suite to edit",
        description="Write NAME.yaml (default: my-suite.yaml) in the current folder: a"
        " commented suite that runs as it is and shows the datasets, estimators, grid,"
        " evaluation and metrics options.",
    )
    init.add_argument("name", nargs="?", metavar="NAME", help="suite name or file name")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(func=cmd_init)

    data = sub.add_parser("data", help="list or download the datasets' files")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION", parser_class=_Parser)
    data_sub.required = True
    data_sub.add_parser("list", help="where each dataset file is, or would be downloaded to")
    fetch = data_sub.add_parser("fetch", help="download and verify a dataset's files")
    fetch.add_argument("name", nargs="+", help="dataset source, e.g. mnist, fashion_mnist, cifar10")
    fetch.add_argument(
        "--part", choices=["train", "test", "all"], default="all", help="official part to fetch"
    )
    data.set_defaults(func=cmd_data)

    cmp = sub.add_parser(
        "compare",
        help="compare two runs: verdict per case, exit 1 on a gating regression",
        description="Compare CURRENT with BASE case by case. Exit codes: 0 no gating"
        " regression, 1 gating regression, 2 usage or input error.",
    )
    cmp.add_argument(
        "base",
        metavar="BASE",
        help="baseline: run folder, records.jsonl, or a folder of runs (the latest is used)",
    )
    cmp.add_argument("current", metavar="CURRENT", help="the run to judge (same forms)")
    _add_compare_options(cmp, with_format=True)
    cmp.set_defaults(func=cmd_compare)

    res = sub.add_parser("results", help="list stored runs or export one")
    res_sub = res.add_subparsers(dest="results_command", metavar="ACTION", parser_class=_Parser)
    res_sub.required = True
    rlist = res_sub.add_parser("list", help="runs below a folder: date, suite, git SHA, counts")
    rlist.add_argument("dir", nargs="?", default="results", help="(default: %(default)s)")
    rexp = res_sub.add_parser("export", help="write a run's records as Parquet or CSV")
    rexp.add_argument("run", metavar="RUN", help="run folder or records.jsonl")
    rexp.add_argument("--parquet", metavar="FILE", help="Parquet file (needs benchsuite[parquet])")
    rexp.add_argument("--csv", metavar="FILE", help="CSV file")
    res.set_defaults(func=cmd_results)

    rep = sub.add_parser(
        "report",
        help="report on runs: tables, plots, statistics (terminal, Markdown or HTML)",
        description="Report on one or several runs (side by side): the best estimator per"
        " dataset and its cost, mean ± std tables with ranks, and in HTML plots (score vs fit"
        " time with the Pareto front, scores with error bars, training curves, a"
        " critical-difference diagram) and the environment.",
    )
    rep.add_argument(
        "runs",
        nargs="+",
        metavar="RUN",
        help="run folder, records.jsonl, or a folder of runs (the latest is used)",
    )
    rep.add_argument(
        "--format",
        choices=["terminal", "markdown", "html"],
        default=None,
        help="output format (default: html when -o ends in .html/.htm, markdown for .md,"
        " else terminal)",
    )
    rep.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    rep.add_argument(
        "--metric",
        metavar="NAME",
        help="headline metric for the best-per-dataset table, plots and the critical"
        " difference; only it is tabled (default: the first metric recorded)",
    )
    rep.set_defaults(func=cmd_report)

    env = sub.add_parser("env", help="show the environment a run would record")
    env.add_argument("--json", action="store_true", help="print JSON")
    env.set_defaults(func=cmd_env)
    return parser


_SUITE_HELP = (
    "suite YAML file, or the name of a bundled suite (e.g. quickstart; see"
    " 'benchsuite list suites'); an existing file wins"
)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _add_executor_options(run: argparse.ArgumentParser) -> None:
    group = run.add_argument_group("execution (isolation, parallelism, resume)")
    group.add_argument(
        "--executor",
        choices=["sequential", "process", "dask"],
        help="sequential: in this process (the default); process: isolated worker"
        " processes with hard timeouts and memory limits; dask: a Dask cluster (default:"
        " process when -j, --timeout or --memory-limit is given, dask with --scheduler)",
    )
    group.add_argument(
        "-j",
        "--jobs",
        type=_positive_int,
        metavar="N",
        help="parallel workers (process: default 1; dask LocalCluster: default one per core);"
        " each gets cores/N BLAS/OpenMP threads unless --threads is given",
    )
    group.add_argument(
        "--timeout",
        type=_positive_float,
        metavar="S",
        help="seconds per case (one fold and repeat) before its worker is killed and the case"
        " recorded as timeout (default: the suite's defaults.timeout)",
    )
    group.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="memory limit of each worker, e.g. 4GB or 512MiB (process: the OS caps the"
        " worker's address space; dask: the nanny's limit); past it the case is an error",
    )
    group.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler to use, e.g. tcp://host:8786"
    )
    group.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="continue the run in RUN_DIR: measure only what has no ok (or skipped) record"
        " there, appending to its records.jsonl; error and timeout records are re-measured",
    )


def _make_executor(args: argparse.Namespace):
    """The executor the run options ask for; a contradiction is a one-line error."""
    from benchsuite.errors import BenchsuiteError
    from benchsuite.executors import get_executor

    name = args.executor
    if name is None:
        if args.scheduler is not None:
            name = "dask"
        elif args.jobs is not None or args.timeout is not None or args.memory_limit is not None:
            name = "process"
        else:
            name = "sequential"
    if args.scheduler is not None and name != "dask":
        raise BenchsuiteError("--scheduler is an option of --executor dask")
    if name == "sequential":
        for flag, value in (
            ("--timeout", args.timeout),
            ("--memory-limit", args.memory_limit),
            ("-j", args.jobs if args.jobs != 1 else None),
        ):
            if value is not None:
                raise BenchsuiteError(
                    f"{flag} needs --executor process or dask (the sequential executor runs"
                    " every fit in this process, where it cannot be limited or interrupted)"
                )
        return get_executor("sequential", threads=args.threads)
    options = {"timeout": args.timeout, "memory_limit": args.memory_limit, "threads": args.threads}
    if name == "process":
        if args.memory_limit is not None:
            from benchsuite.executors._limits import check_memory_limit_supported

            check_memory_limit_supported()
        return get_executor("process", n_workers=args.jobs or 1, **options)
    from benchsuite.executors._limits import usable_cores

    return get_executor(
        "dask", n_workers=args.jobs or usable_cores(), scheduler=args.scheduler, **options
    )


def _resume_command(args: argparse.Namespace, run_dir: str) -> str:
    """The command that continues an interrupted run with the same execution options."""
    import shlex

    words = ["benchsuite", "run", args.suite]
    for pattern in args.filter:
        words += ["-f", pattern]
    for flag, value in (
        ("--executor", args.executor),
        ("-j", args.jobs),
        ("--threads", args.threads),
        ("--timeout", args.timeout),
        ("--memory-limit", args.memory_limit),
        ("--scheduler", args.scheduler),
    ):
        if value is not None:
            words += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    return shlex.join([*words, "--resume", run_dir])


_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _version() -> str:
    from benchsuite import __version__

    return f"benchsuite {__version__}"


def _console(stderr: bool = False):
    from rich.console import Console

    # emoji=False: a ':name:' in a path or an error is text, not an emoji (and rich's
    # emoji table is not loaded on every run)
    console = Console(stderr=stderr, highlight=False, emoji=False)
    if not console.is_terminal and "COLUMNS" not in os.environ and console.width < 160:
        console.width = 160  # a file, a pipe or a CI log: tables need not wrap at 80 columns
    return console


# --------------------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    if args.threads is not None:
        # before any numerical library loads: their pools size themselves at start-up
        for var in _THREAD_VARS:
            os.environ[var] = str(args.threads)

    from benchsuite.errors import BenchsuiteError
    from benchsuite.plan import build_plan
    from benchsuite.suite import load_suite

    suite_file = _suite_path(args.suite)
    if not args.dry_run and args.resume is None:
        from benchsuite.results import prefetch_environment

        # git and nvidia-smi answer while scikit-learn loads (what run.json records, sooner)
        prefetch_environment(os.path.dirname(suite_file) or ".")
    suite = load_suite(suite_file)
    plan = build_plan(suite, filters=args.filter)
    if not plan.cases:
        raise BenchsuiteError(
            f"no case of suite '{suite.name}' matches --filter {' '.join(args.filter)!s};"
            f" keys look like '{suite.datasets[0].name}/{suite.estimators[0].name}'"
        )
    out = _console()
    if args.dry_run:
        out.print(_plan_table(plan))
        out.print(_plan_line(plan))
        return EXIT_OK

    from benchsuite.executors import run_plan

    if args.resume is not None and args.run_id is not None:
        raise BenchsuiteError("--resume continues RUN_DIR under its own run id; drop --run-id")
    executor = _make_executor(args)

    baseline = None
    if args.compare is not None:  # a bad baseline or option fails before the run, not after
        from benchsuite._runs import load_run
        from benchsuite.compare import _parse_fail_on

        compare_options = _compare_options(args)
        _parse_fail_on(compare_options["fail_on"])
        baseline = load_run(args.compare, suite=suite.name, on_warning=_warn)

    store_path: list[str] = []
    _warn_rows_without_target(plan)  # run_plan records the counts in run.json

    def started(store) -> None:
        store_path.append(str(store.path))

    if not args.quiet:
        _warn_if_busy()
    progress = None if args.quiet else _RunProgress(suite.name)
    try:
        result = run_plan(
            plan,
            output=args.output,
            run_id=args.run_id,
            executor=executor,
            on_start=started,
            on_record=progress.record if progress is not None else None,
            on_plan=progress.start if progress is not None else None,
            command_line=["benchsuite", *sys.argv[1:]],
            resume=args.resume,
            on_warning=_warn,
        )
    except KeyboardInterrupt:
        if progress is not None:
            progress.stop()
        if store_path:
            print(
                f"interrupted: records measured so far are kept in {store_path[0]}; continue"
                f" with: {_resume_command(args, store_path[0])}",
                file=sys.stderr,
            )
        else:
            print(f"interrupted: nothing was measured ({args.output})", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        if progress is not None:
            progress.stop()
        if not store_path:
            raise BenchsuiteError(
                f"cannot write results ({exc.strerror or exc}) in {args.output}"
            ) from None
        raise BenchsuiteError(
            f"cannot write results ({exc.strerror or exc}); records written so far are in"
            f" {store_path[0]}; once there is room, continue with:"
            f" {_resume_command(args, store_path[0])}"
        ) from None
    finally:
        if progress is not None:
            progress.stop()

    _print_results(out, plan, result.records)
    counts = ", ".join(f"{n} {k}" for k, n in result.counts.items() if n)
    if args.resume is not None:
        counts += (
            f" (resumed: {result.resumed} kept, {len(result.records) - result.resumed}"
            f" measured now, {result.superseded} error/timeout records re-measured)"
        )
    out.print(f"\n{counts} · results in [bold]{result.path}[/bold]", soft_wrap=True)
    if args.report is not None:
        _report_after_run(out, result.path, args.report)
    failed = args.strict and result.counts.get("error", 0) + result.counts.get("timeout", 0)
    if baseline is not None:
        code = _compare_after_run(out, baseline, result, compare_options)
        return EXIT_FAILED if failed else code
    if failed:
        return EXIT_FAILED
    return EXIT_OK


def _warn_rows_without_target(plan) -> None:
    """Warn, one line per file dataset, about the rows loading will drop for having no
    target value."""
    for name, (n_rows, n_missing) in plan.rows_without_target().items():
        ds = next(c.dataset for c in plan.runnable if c.dataset.name == name)
        _warn(
            f"dataset '{name}': {n_missing} row{'s' if n_missing > 1 else ''} without a"
            f" target dropped (no value in column '{ds.target}'; {n_rows - n_missing} of"
            f" {n_rows} rows of {ds.path} used)"
        )


def _compare_after_run(out, baseline, result, options: dict) -> int:
    """Compare a finished run with its baseline; the comparison is also written into the
    run folder (``compare.md``, ``compare.json``) so that it travels with the artifact."""
    import json

    from benchsuite.compare import compare_records
    from benchsuite.report._compare import comparison_json, print_comparison
    from benchsuite.report.markdown import comparison_markdown
    from benchsuite.results import read_records

    current_info = json.loads((result.path / "run.json").read_text(encoding="utf-8"))
    comparison = compare_records(
        baseline.records,
        read_records(result.path, on_warning=_warn),
        base_info=baseline.info,
        current_info=current_info,
        base_label=str(baseline.path),
        current_label=str(result.path),
        **options,
    )
    if baseline.note:
        comparison.notes.insert(0, baseline.note)
    out.print()
    print_comparison(out, comparison, show_ok=False)
    (result.path / "compare.md").write_text(comparison_markdown(comparison), encoding="utf-8")
    (result.path / "compare.json").write_text(comparison_json(comparison) + "\n", encoding="utf-8")
    return comparison.exit_code


def _report_after_run(out, run_path, fmt: str) -> None:
    """Write ``report.html`` / ``report.md`` into the finished run's folder; a run that
    cannot be reported on (nothing succeeded) gets a warning, not a new exit code."""
    from benchsuite.errors import BenchsuiteError

    target = run_path / ("report.html" if fmt == "html" else "report.md")
    try:
        _write_report([str(run_path)], fmt, str(target), None)
    except BenchsuiteError as exc:
        _warn(f"no report: {exc}")
        return
    out.print(f"report: [bold]{target}[/bold]", soft_wrap=True)


def _warn_if_busy() -> None:
    """Say so when other processes already load the CPU: timings would not mean much."""
    from benchsuite.results import load_average

    load = load_average()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if load and cores and load[0] > 0.75 * cores:
        print(
            f"warning: load average {load[0]:.1f} on {cores} cores: other processes compete for"
            " the CPU and multi-threaded fits can slow down many times; timings will be"
            " unreliable (run alone, or try --threads 1)",
            file=sys.stderr,
        )


class _RunProgress:
    """One live bar for the whole run, and a status line per case as its last fold ends.

    Works the same for every executor: it only sees records as they are stored (in the
    order they finish, which parallel executors interleave).
    """

    def __init__(self, title: str) -> None:
        self.title = title
        self.bar = None
        self.task = None
        self.expected: dict[str, int] = {}
        self.seen: dict[str, list] = {}

    def start(self, plan, kept) -> None:
        self.expected = {}
        for case in plan.cases:
            self.expected[case.key] = self.expected.get(case.key, 0) + 1
        if not plan.cases:
            return
        self.bar = _progress(len(plan.cases))
        self.bar.start()
        title = self.title + (f" (resumed, {len(kept)} kept)" if kept else "")
        self.task = self.bar.add_task(title, total=len(plan.cases), last="")

    def record(self, rec) -> None:
        if self.bar is None:
            return
        label = f"{rec.case_key} [{rec.status}]" if rec.status != "ok" else rec.case_key
        self.bar.update(self.task, advance=1, last=label)
        done = self.seen.setdefault(rec.case_key, [])
        done.append(rec)
        if len(done) == self.expected.get(rec.case_key, 0):
            self.bar.console.print(_case_line(rec.case_key, done), markup=False, soft_wrap=True)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _case_line(key: str, records: list) -> str:
    """``ok      iris/svc  5 folds  accuracy 0.953  fit 1.2 ms`` or the first error."""
    import statistics

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
            parts.append(f"fit {_seconds(statistics.median(fits))}")
    failed = next((r for r in records if r.status != "ok" and r.error), None)
    if failed is not None:
        error = failed.error if len(failed.error) <= 120 else failed.error[:117] + "..."
        parts.append(f"- {error}")
    return "  ".join(parts)


def _seconds(s: float) -> str:
    return f"{s * 1000:.3g} ms" if s < 1 else f"{s:.3g} s"


def _progress(total: int):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[last]}", style="dim"),
        console=_console(stderr=True),
        transient=True,
    )


def _print_results(out, plan, records) -> None:
    from benchsuite.metrics import METRICS
    from benchsuite.report import summarize
    from benchsuite.report._format import single_note
    from benchsuite.report.terminal import comparison_table, problems

    summaries = summarize(records)
    metrics_of = {c.key: c.metrics for c in plan.cases}
    metric_names = list(dict.fromkeys(m for c in plan.cases for m in c.metrics))
    for name in metric_names:
        datasets = {c.dataset.name for c in plan.cases if name in c.metrics}
        rows = [s for s in summaries if s.dataset in datasets and name in metrics_of[s.key]]
        if rows:
            out.print(
                comparison_table(
                    rows, name, greater_is_better=METRICS[name].greater_is_better, caption=False
                )
            )
    # once under all the tables, unwrapped: a holdout or official split has no ± to show
    note = single_note(st for s in summaries for st in s.metrics.values())
    if note:
        out.print(note, style="dim", markup=False, soft_wrap=True)
    lines = problems(summaries)
    if lines:
        out.print("\n".join(lines), style="yellow", markup=False, soft_wrap=True)


def _plan_table(plan):
    from rich.table import Table

    table = Table(title=f"plan of suite '{plan.suite.name}'", title_justify="left")
    table.add_column("case", overflow="fold")
    for col in ("task", "evaluation", "measurements"):
        table.add_column(col)
    table.add_column("status", overflow="fold")
    per_key: dict[str, list] = {}
    for c in plan.cases:
        per_key.setdefault(c.key, []).append(c)
    for key, cases in per_key.items():
        c = cases[0]
        status = f"skipped: {c.skip_reason}" if c.skipped else "run"
        n = "-" if c.skipped else str(len(cases))
        table.add_row(key, c.task, c.evaluation.describe(), n, status)
    return table


def _plan_line(plan) -> str:
    n_keys = len(plan.keys)
    skipped = len({c.key for c in plan.cases if c.skipped})
    return f"{n_keys} cases ({skipped} skipped), {len(plan.runnable)} fit/predict measurements"


# --------------------------------------------------------------------------------------
# compare, results
# --------------------------------------------------------------------------------------


def _add_compare_options(parser: argparse.ArgumentParser, *, with_format: bool) -> None:
    parser.add_argument(
        "--fail-on",
        default="metric,failure",
        metavar="LIST",
        help="comma-separated categories that make the exit code 1: metric, failure, time,"
        " memory, missing, not-comparable, all or none (default: %(default)s)",
    )
    parser.add_argument(
        "--time-factor",
        type=float,
        default=1.10,
        metavar="F",
        help="ratio of median times beyond which a significant change counts (default: 1.10)",
    )
    parser.add_argument(
        "--metric-tolerance",
        action="append",
        default=[],
        metavar="T|NAME=T",
        help="allowed metric change: absolute for scores, relative for errors (default:"
        " 0.005); NAME=T sets one metric's; repeatable",
    )
    parser.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        metavar="A",
        help="significance level of the paired metric test and of Mann-Whitney U (default: 0.05)",
    )
    parser.add_argument(
        "--memory-factor",
        type=float,
        default=1.25,
        metavar="F",
        help="ratio of median peak RSS beyond which memory counts as more (default: 1.25)",
    )
    if with_format:
        parser.add_argument(
            "--format",
            choices=["table", "markdown", "json"],
            default="table",
            help="output format (default: %(default)s)",
        )
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="write the output to FILE instead of stdout"
        )
        parser.add_argument(
            "--hide-ok", action="store_true", help="table: leave out the unchanged cases"
        )


def _compare_options(args: argparse.Namespace) -> dict:
    from benchsuite.errors import BenchsuiteError

    default, per_metric = 0.005, {}
    for item in args.metric_tolerance:
        name, sep, value = item.rpartition("=")
        try:
            number = float(value)
        except ValueError:
            raise BenchsuiteError(
                f"--metric-tolerance: expected a number or NAME=NUMBER, got {item!r}"
            ) from None
        if sep:
            per_metric[name] = number
        else:
            default = number
    return {
        "fail_on": args.fail_on,
        "time_factor": args.time_factor,
        "metric_tolerance": default,
        "metric_tolerances": per_metric,
        "alpha": args.alpha,
        "memory_factor": args.memory_factor,
    }


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def cmd_compare(args: argparse.Namespace) -> int:
    from benchsuite.compare import compare_runs

    comparison = compare_runs(args.base, args.current, on_warning=_warn, **_compare_options(args))
    _emit_comparison(comparison, args.format, args.output, hide_ok=args.hide_ok)
    return comparison.exit_code


def _emit_comparison(comparison, fmt: str, output: str | None, *, hide_ok: bool = False) -> None:
    from benchsuite.report._compare import comparison_json, print_comparison

    if fmt == "table":
        _emit_rich(lambda out: print_comparison(out, comparison, show_ok=not hide_ok), output, 160)
        return
    if fmt == "markdown":
        from benchsuite.report.markdown import comparison_markdown

        text = comparison_markdown(comparison)
    else:
        text = comparison_json(comparison) + "\n"
    _emit_text(text, output)


def _emit_rich(render: Callable[[Any], None], output: str | None, width: int) -> None:
    """Render rich output to the terminal, or to ``output`` at a fixed width."""
    if output is None:
        render(_console())
        return
    from rich.console import Console

    from benchsuite.errors import BenchsuiteError

    try:
        with open(output, "w", encoding="utf-8") as fh:
            render(Console(file=fh, width=width))
    except OSError as exc:
        raise BenchsuiteError(f"{output}: cannot write ({exc.strerror or exc})") from None


def _emit_text(text: str, output: str | None) -> None:
    """Write ``text`` to stdout, or to ``output``; a failure to write is one line."""
    from benchsuite.errors import BenchsuiteError

    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise BenchsuiteError(f"{output}: cannot write ({exc.strerror or exc})") from None


def cmd_report(args: argparse.Namespace) -> int:
    fmt = args.format
    if fmt is None:
        suffix = os.path.splitext(args.output or "")[1].lower()
        fmt = {".html": "html", ".htm": "html", ".md": "markdown"}.get(suffix, "terminal")
    _write_report(args.runs, fmt, args.output, args.metric)
    if args.output is not None:
        _console().print(f"report: [bold]{args.output}[/bold]", soft_wrap=True)
    return EXIT_OK


def _write_report(runs: list[str], fmt: str, output: str | None, metric: str | None) -> None:
    """Load ``runs``, build the report and write it to ``output`` (stdout if None)."""
    from benchsuite.report._model import build_report, load_report_runs

    if output is not None:
        _check_writable(output)
    loaded = load_report_runs(runs, on_warning=_warn)
    for run in loaded:
        if run.note:
            _warn(run.note)
        if run.partial:
            _warn(f"run {run.label} is partial: {run.partial}")
    report = build_report(loaded, metric=metric)
    if fmt == "terminal":
        from benchsuite.report.terminal import print_report

        _emit_rich(lambda out: print_report(out, report), output, 200)
        return
    if fmt == "markdown":
        from benchsuite.report.markdown import report_markdown

        text = report_markdown(report)
    else:
        from benchsuite.report.html import report_html

        text = report_html(report)
    _emit_text(text, output)


def _check_writable(output: str) -> None:
    """Fail before the work when ``output`` cannot be written (missing folder, a folder,
    no permission)."""
    from benchsuite.errors import BenchsuiteError

    folder = os.path.dirname(os.path.abspath(output))
    if os.path.isdir(output):
        raise BenchsuiteError(f"{output}: is a folder; give a file name, e.g. {output}/report.html")
    if not os.path.isdir(folder):
        raise BenchsuiteError(f"{output}: cannot write (no folder {folder})")
    exists = os.path.exists(output)
    if not os.access(folder, os.W_OK) or (exists and not os.access(output, os.W_OK)):
        raise BenchsuiteError(f"{output}: cannot write (permission denied)")


def cmd_results(args: argparse.Namespace) -> int:
    from benchsuite._runs import export_records, find_runs, load_run

    out = _console()
    if args.results_command == "list":
        from rich.table import Table

        runs = find_runs(args.dir)
        if not runs:
            out.print(f"no runs under {args.dir}", markup=False)
            return EXIT_OK
        table = Table(title=f"runs under {args.dir}", title_justify="left")
        for col in (
            "started",
            "suite",
            "run id",
            "git",
            "status",
            "ok",
            "error",
            "timeout",
            "skipped",
            "path",
        ):
            table.add_column(col, overflow="fold")
        for run in runs:
            counts = run.info.get("counts") or {}
            table.add_row(
                (run.started_at or "-")[:19].replace("T", " "),
                run.suite or "-",
                run.run_id,
                run.git_sha or "-",
                str(run.info.get("status") or "-"),
                *(str(counts.get(k, "-")) for k in ("ok", "error", "timeout", "skipped")),
                str(run.path),
            )
        out.print(table)
        return EXIT_OK
    if args.parquet is None and args.csv is None:
        from benchsuite.errors import BenchsuiteError

        raise BenchsuiteError("results export: give --parquet FILE and/or --csv FILE")
    run = load_run(args.run, on_warning=_warn)
    if run.note:
        _warn(run.note)
    for path in export_records(run.records, parquet=args.parquet, csv=args.csv):
        out.print(f"{len(run.records)} records -> {path}", markup=False, soft_wrap=True)
    return EXIT_OK


# --------------------------------------------------------------------------------------
# validate, list, env
# --------------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from benchsuite.plan import build_plan
    from benchsuite.suite import load_suite

    path = _suite_path(args.suite)
    suite = load_suite(path)
    plan = build_plan(suite)
    label = args.suite if path == Path(args.suite) else str(path)  # a bundled suite: its file
    skipped = [c for c in plan.cases if c.skipped]
    if args.strict and skipped:
        from benchsuite.errors import BenchsuiteError

        more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
        raise BenchsuiteError(
            f"{label}: {skipped[0].key} would be skipped: {skipped[0].skip_reason}{more}"
        )
    _console().print(
        f"{label}: ok · {len(suite.datasets)} datasets x {len(suite.estimators)}"
        f" estimators · {_plan_line(plan)}",
        markup=False,
        soft_wrap=True,
    )
    return EXIT_OK


def _suite_path(arg: str) -> Path:
    """The file that SUITE means: an existing path, else a bundled suite's file."""
    from pathlib import Path

    from benchsuite._bundled import resolve_suite

    path = resolve_suite(arg)
    if path != Path(arg):
        local = next((f"{arg}{x}" for x in (".yaml", ".yml") if os.path.isfile(f"{arg}{x}")), None)
        if local is not None:  # e.g. after 'benchsuite init quickstart'
            _warn(f"'{arg}' means the bundled suite {path}; for the file here, type {local}")
    return path


def cmd_list(args: argparse.Namespace) -> int:
    from rich.table import Table

    table = Table(title=f"{args.what}", title_justify="left")
    if args.what == "suites":
        from benchsuite._bundled import bundled_suites

        suites = bundled_suites()
        if not suites:  # a package built without its suites/ folder
            _console().print("no bundled suites in this installation", markup=False)
            return EXIT_OK
        for col in ("name", "description", "path"):
            table.add_column(col, overflow="fold")
        for s in suites:
            table.add_row(s.name, s.description, str(s.path))
        table.caption = (
            "run one by name: benchsuite run quickstart; copy one, or 'benchsuite init',"
            " to start your own"
        )
    elif args.what == "datasets":
        from benchsuite.datasets import list_sources

        for col in ("name", "kind", "task", "description"):
            table.add_column(col)
        for src in list_sources():
            table.add_row(src.name, src.kind, src.task or "from data", src.description)
    elif args.what == "estimators":
        from benchsuite.estimators import list_aliases

        for col in ("alias", "classifier", "regressor", "preprocessing", "description"):
            table.add_column(col)
        for a in list_aliases():
            table.add_row(
                a.name, a.classifier or "-", a.regressor or "-", a.preprocessing, a.description
            )
        table.caption = "or any import string 'package.module:Class' of an sklearn estimator"
    else:
        from benchsuite.metrics import METRICS

        for col in ("metric", "tasks", "better", "description"):
            table.add_column(col)
        for m in METRICS.values():
            better = "higher" if m.greater_is_better else "lower"
            table.add_row(m.name, ", ".join(sorted(m.tasks)), better, m.description)
    _console().print(table)
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from benchsuite._bundled import write_starter

    path = write_starter(args.name, force=args.force)
    _console().print(
        f"wrote {path}; check it with 'benchsuite validate {path}',"
        f" see its cases with 'benchsuite run {path} --dry-run', run it with"
        f" 'benchsuite run {path}'",
        markup=False,
        soft_wrap=True,
    )
    return EXIT_OK


def cmd_data(args: argparse.Namespace) -> int:
    from benchsuite.datasets import data_status, fetch_dataset

    out = _console()
    if args.data_command == "list":
        from rich.table import Table

        table = Table(title="dataset files", title_justify="left")
        for col in ("source", "part", "file", "status", "path"):
            table.add_column(col)
        for row in data_status():
            style = {"ok": "green", "missing": "yellow"}.get(row["status"], "red")
            table.add_row(
                row["source"],
                str(row.get("part") or "-"),
                row["file"],
                f"[{style}]{row['status']}[/{style}]",
                str(row["path"]),
            )
        out.print(table)
        return EXIT_OK
    parts = None if args.part == "all" else (args.part,)
    for name in args.name:

        def progress(file: str, done: int, total: int) -> None:
            if total and done >= total:
                out.print(f"  {file}: {done / 2**20:.1f} MiB", markup=False)

        paths = fetch_dataset(name, parts=parts, progress=progress)
        for path in paths:
            out.print(f"{name}: {path} ok", markup=False, soft_wrap=True)
    return EXIT_OK


def cmd_env(args: argparse.Namespace) -> int:
    import json

    from benchsuite.results import capture_environment, thread_info

    env = capture_environment()
    # thread pools are only visible once loaded: load the ones every run uses
    import numpy  # noqa: F401
    import sklearn.ensemble  # noqa: F401

    env["threadpools"] = thread_info()
    if args.json:
        print(json.dumps(env, indent=2))
        return EXIT_OK
    out = _console()
    for key, value in env.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, list):
            value = "; ".join(json.dumps(v) for v in value) or "-"
        out.print(f"[bold]{key}[/bold]: {value}")
    return EXIT_OK


# --------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 failed/strict, 2 bad input, 130 Ctrl-C)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from benchsuite.errors import BenchsuiteError

    try:
        return args.func(args)
    except BenchsuiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug in benchsuite, not the user's fault
        if os.environ.get("BENCHSUITE_DEBUG"):
            raise
        from benchsuite.errors import one_line

        print(
            f"internal error: {one_line(exc)} (set BENCHSUITE_DEBUG=1 for the traceback"
            " and please report it)",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

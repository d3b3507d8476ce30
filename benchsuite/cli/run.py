"""``benchsuite run SUITE``: plan the suite, run its jobs with the chosen executor, print
the results; optionally compare with a baseline and write a report into the run folder."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from benchsuite.cli._args import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    SUITE_HELP,
    add_filter_option,
    positive_int,
)
from benchsuite.cli._execution import THREADS_HELP, add_execution_options
from benchsuite.cli.compare import add_compare_options
from benchsuite.cli.validate import warn_timing_power

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from benchsuite.executors import RunResult
    from benchsuite.plan import Plan


def add_parser(sub: Any) -> None:
    """Add the ``run`` command to ``sub`` (the subparsers of ``benchsuite``)."""
    run = sub.add_parser("run", help="run a suite and print the comparison table")
    run.add_argument("suite", help=SUITE_HELP)
    run.add_argument(
        "-o", "--output", default="results", help="output folder (default: %(default)s)"
    )
    add_filter_option(run)
    run.add_argument("--dry-run", action="store_true", help="show the plan, run nothing")
    run.add_argument(
        "--strict", action="store_true", help="exit 1 if any job ended in error or timeout"
    )
    run.add_argument("--run-id", help="name of the run folder (default: time-stamped)")
    run.add_argument(
        "--machine",
        metavar="NAME",
        help="the machine's name in run.json, which history and compare --baseline-from"
        " group runs by (default: BENCHSUITE_MACHINE, else a hash of the CPU model, cores,"
        " RAM and GPU models; never the hostname)",
    )
    run.add_argument("--threads", type=positive_int, metavar="N", help=THREADS_HELP)
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_execution_options(run)
    run.add_argument(
        "--compare",
        metavar="BASELINE",
        help="after the run, compare it with BASELINE (a run, or a folder of runs such as"
        " results/baseline) and exit with the comparison's code",
    )
    run.add_argument(
        "--baseline-from",
        metavar="DIR",
        help="after the run, compare it with the latest completed run of the suite on this"
        " run's machine under DIR (as compare --baseline-from does) and exit with the"
        " comparison's code; not with --compare",
    )
    run.add_argument(
        "--baseline-branch",
        metavar="BRANCH",
        help="with --baseline-from: only baselines whose run.json records this git branch",
    )
    add_compare_options(run, with_format=False)
    run.add_argument(
        "--report",
        choices=["html", "markdown"],
        help="at the end, write report.html (or report.md) into the run folder and print its path",
    )
    run.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``benchsuite run``.

    Returns
    -------
    int
        0; 1 with ``--strict`` and a failed job, or the comparison's code with
        ``--compare``; 130 on Ctrl-C.
    """
    if args.threads is not None:
        from benchsuite.environment import THREAD_VARS

        # before any numerical library loads: their pools size themselves at start-up
        for var in THREAD_VARS:
            os.environ[var] = str(args.threads)

    from benchsuite.cli._args import suite_path
    from benchsuite.cli._console import console, warn, warn_if_busy
    from benchsuite.cli._execution import make_executor, resume_command
    from benchsuite.errors import BenchsuiteError
    from benchsuite.plan import build_plan, inference_lines
    from benchsuite.report._tables import plan_line, plan_table
    from benchsuite.suite import load_suite

    suite_file = suite_path(args.suite)
    if args.resume is not None and args.machine is not None:
        raise BenchsuiteError("--resume continues RUN_DIR on its recorded machine; drop --machine")
    from benchsuite.environment import resolve_machine

    machine = resolve_machine(args.machine)  # a bad name: one line before anything loads
    if not args.dry_run and args.resume is None:
        from benchsuite.environment import prefetch_environment

        # git and nvidia-smi answer while scikit-learn loads (what run.json records, sooner)
        prefetch_environment(os.path.dirname(suite_file) or ".")
    suite = load_suite(suite_file)
    plan = build_plan(suite, filters=args.filter)
    if not plan.cases:
        raise BenchsuiteError(
            f"no case of suite '{suite.name}' matches --filter {' '.join(args.filter)!s};"
            f" keys look like '{suite.datasets[0].name}/{suite.estimators[0].name}'"
        )
    out = console()
    if args.dry_run:
        out.print(plan_table(plan))
        out.print(plan_line(plan))
        for line in inference_lines(plan):
            out.print(line, markup=False, soft_wrap=True)
        return EXIT_OK

    from benchsuite.executors import run_plan

    if args.resume is not None and args.run_id is not None:
        raise BenchsuiteError("--resume continues RUN_DIR under its own run id; drop --run-id")
    executor = make_executor(args)

    baseline = None
    if args.compare is not None and args.baseline_from is not None:
        raise BenchsuiteError("give --compare BASELINE or --baseline-from DIR, not both")
    if args.baseline_branch is not None and args.baseline_from is None:
        raise BenchsuiteError("--baseline-branch chooses a baseline in --baseline-from DIR; add it")
    if args.compare is not None or args.baseline_from is not None:
        # a bad baseline or option fails before the run, not after
        from benchsuite.cli.compare import compare_options, option_wording
        from benchsuite.compare import parse_fail_on
        from benchsuite.runs import load_run

        options = compare_options(args)
        with option_wording():
            parse_fail_on(options["fail_on"])
        if args.compare is not None:
            baseline = load_run(args.compare, suite=suite.name, on_warning=warn)
        else:
            from benchsuite.compare import find_baseline

            # the run's own hardware key is known once it has run: a named machine is
            # checked now, any other at least has a completed run of the suite there
            find_baseline(
                args.baseline_from, suite=suite.name, machine=machine, branch=args.baseline_branch
            )

    store_path: list[str] = []
    warn_rows_without_target(plan)  # run_plan records the counts in run.json

    def started(store) -> None:
        store_path.append(str(store.path))

    progress = None
    if not args.quiet:
        from benchsuite.cli._progress import RunProgress

        warn_if_busy()
        # like the load warning, a design warning that -q leaves out
        warn_timing_power(plan, args.alpha if 0 < args.alpha < 1 else 0.05)
        progress = RunProgress(suite.name)
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
            on_warning=warn,
            machine=machine,
        )
    except KeyboardInterrupt:
        if progress is not None:
            progress.stop()
        if store_path:
            print(
                f"interrupted: records measured so far are kept in {store_path[0]}; continue"
                f" with: {resume_command(args, store_path[0])}",
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
            f" {resume_command(args, store_path[0])}"
        ) from None
    finally:
        if progress is not None:
            progress.stop()

    from benchsuite.report._tables import print_run_results

    print_run_results(out, plan, result.records)
    out.print(f"\n{counts_line(result, resumed=args.resume is not None)}", soft_wrap=True)
    if args.report is not None:
        report_after_run(out, result.path, args.report)
    failed = args.strict and result.counts.get("error", 0) + result.counts.get("timeout", 0)
    if baseline is not None or args.baseline_from is not None:
        code = compare_after_run(
            out,
            baseline,
            result,
            options,
            history=args.baseline_from,
            branch=args.baseline_branch,
        )
        return EXIT_FAILED if failed else code
    if failed:
        return EXIT_FAILED
    return EXIT_OK


def counts_line(result: RunResult, *, resumed: bool) -> str:
    """``4 ok, 1 error · results in [bold]PATH[/bold]`` (rich markup), with what a resume
    kept and re-measured.

    Parameters
    ----------
    result : RunResult
    resumed : bool
        The run continued an earlier one (``--resume``).

    Returns
    -------
    str
    """
    counts = ", ".join(f"{n} {k}" for k, n in result.counts.items() if n)
    if resumed:
        counts += (
            f" (resumed: {result.resumed} kept, {len(result.records) - result.resumed}"
            f" measured now, {result.superseded} error/timeout records re-measured)"
        )
    return f"{counts} · results in [bold]{result.path}[/bold]"


def warn_rows_without_target(plan: Plan) -> None:
    """Warn, one line per file dataset, about the rows loading will drop for having no
    target value.

    Parameters
    ----------
    plan : Plan
    """
    from benchsuite.cli._console import warn

    for name, (n_rows, n_missing) in plan.rows_without_target().items():
        ds = next(c.dataset for c in plan.cases if not c.skipped and c.dataset.name == name)
        warn(
            f"dataset '{name}': {n_missing} row{'s' if n_missing > 1 else ''} without a"
            f" target dropped (no value in column '{ds.target}'; {n_rows - n_missing} of"
            f" {n_rows} rows of {ds.path} used)"
        )


def compare_after_run(
    out: Console,
    baseline: Any,
    result: RunResult,
    options: dict[str, Any],
    *,
    history: str | None = None,
    branch: str | None = None,
) -> int:
    """Compare a finished run with its baseline; the comparison is also written into the
    run folder (``compare.md``, ``compare.json``) so that it travels with the artifact.

    Parameters
    ----------
    out : rich.console.Console
    baseline : Run or None
        As :func:`benchsuite.runs.load_run` loaded it; None with ``history``.
    result : RunResult
    options : dict
        :func:`benchsuite.cli.compare.compare_options`.
    history : str, optional
        ``--baseline-from DIR``: the baseline is the latest completed run of the suite on
        this run's machine there (:func:`benchsuite.compare.compare_from_history`).
    branch : str, optional
        ``--baseline-branch``: only baselines of this git branch.

    Returns
    -------
    int
        The comparison's exit code.
    """
    from benchsuite.cli._console import warn
    from benchsuite.cli.compare import option_wording
    from benchsuite.compare import compare_records
    from benchsuite.report import comparison_json, comparison_markdown, print_comparison
    from benchsuite.runs import load_run

    if history is not None:
        from benchsuite.compare import compare_from_history

        with option_wording():
            comparison = compare_from_history(
                history, result.path, branch=branch, on_warning=warn, **options
            )
    else:
        current = load_run(result.path, on_warning=warn)
        with option_wording():
            comparison = compare_records(
                baseline.records,
                current.records,
                base_info=baseline.info,
                current_info=current.info,
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


def report_after_run(out: Console, run_path: Path, fmt: str) -> None:
    """Write ``report.html`` / ``report.md`` into the finished run's folder; a run that
    cannot be reported on (nothing succeeded) gets a warning, not a new exit code.

    Parameters
    ----------
    out : rich.console.Console
    run_path : Path
        The run folder.
    fmt : {"html", "markdown"}
    """
    from benchsuite.cli._console import warn
    from benchsuite.cli.report import write_report
    from benchsuite.errors import BenchsuiteError

    target = run_path / ("report.html" if fmt == "html" else "report.md")
    try:
        write_report([str(run_path)], fmt, str(target), None)
    except BenchsuiteError as exc:
        warn(f"no report: {exc}")
        return
    out.print(f"report: [bold]{target}[/bold]", soft_wrap=True)

"""How ``benchsuite run`` executes: the execution options, the executor they ask for, and
the command that resumes an interrupted run with the same options."""

from __future__ import annotations

import argparse
from typing import Any

from benchsuite.cli._args import positive_float, positive_int

# --threads (an option of run itself, listed before the execution group); the defaults
# are the executors': see ProcessExecutor and DaskExecutor
THREADS_HELP = (
    "pin BLAS/OpenMP/torch threads of each job to N (default: sequential, the libraries'"
    " own choice; process, cores/N with -j N workers; dask, each worker's nthreads, which is"
    " cores/N on a local cluster of -j N workers)"
)


def add_execution_options(run: argparse.ArgumentParser) -> None:
    """Add the execution group: executor, workers, limits, resume."""
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
        type=positive_int,
        metavar="N",
        help="parallel workers (process: default 1; dask LocalCluster: default one per core;"
        " a GPU run with dask-cuda: one per GPU); each gets cores/N BLAS/OpenMP threads"
        " unless --threads is given",
    )
    group.add_argument(
        "--timeout",
        type=positive_float,
        metavar="S",
        help="seconds per job (one fit/predict on one fold and repeat) before its worker is"
        " killed and the job recorded as timeout (default: the suite's defaults.timeout)",
    )
    group.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="memory limit of each worker, e.g. 4GB or 512MiB (process: the OS caps the"
        " worker's address space; dask: the nanny's limit); past it the job is an error",
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


def executor_name(args: argparse.Namespace) -> str:
    """The executor the options ask for: ``--executor``, else dask with ``--scheduler``,
    process with ``-j``, ``--timeout`` or ``--memory-limit``, else sequential."""
    if args.executor is not None:
        return args.executor
    if args.scheduler is not None:
        return "dask"
    if args.jobs is not None or args.timeout is not None or args.memory_limit is not None:
        return "process"
    return "sequential"


def make_executor(args: argparse.Namespace) -> Any:
    """The executor the run options ask for.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``run`` options.

    Returns
    -------
    executor
        As :func:`benchsuite.executors.get_executor` builds it.

    Raises
    ------
    BenchsuiteError
        The options contradict each other (``--scheduler`` without dask, a limit for the
        sequential executor), or a memory limit the OS cannot enforce.
    """
    from benchsuite.errors import BenchsuiteError
    from benchsuite.executors import get_executor

    name = executor_name(args)
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
    from benchsuite.cli._console import warn
    from benchsuite.environment import usable_cores

    return get_executor(
        "dask",
        n_workers=args.jobs or usable_cores(),
        scheduler=args.scheduler,
        on_warning=warn,
        **options,
    )


def resume_command(args: argparse.Namespace, run_dir: str) -> str:
    """The command that continues an interrupted run with the same execution options.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``run`` options.
    run_dir : str
        The interrupted run's folder.

    Returns
    -------
    str
        A shell-quoted ``benchsuite run ... --resume RUN_DIR``.
    """
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

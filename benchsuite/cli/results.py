"""``benchsuite results list|export``: the stored runs below a folder, or one run's records
as Parquet or CSV."""

from __future__ import annotations

import argparse
from typing import Any

from benchsuite.cli._args import EXIT_OK, Parser


def add_parser(sub: Any) -> None:
    """Add the ``results`` command to ``sub`` (the subparsers of ``benchsuite``)."""
    res = sub.add_parser("results", help="list stored runs or export one")
    res_sub = res.add_subparsers(dest="results_command", metavar="ACTION", parser_class=Parser)
    res_sub.required = True
    rlist = res_sub.add_parser("list", help="runs below a folder: date, suite, git SHA, counts")
    rlist.add_argument("dir", nargs="?", default="results", help="(default: %(default)s)")
    rexp = res_sub.add_parser("export", help="write a run's records as Parquet or CSV")
    rexp.add_argument("run", metavar="RUN", help="run folder or records.jsonl")
    rexp.add_argument("--parquet", metavar="FILE", help="Parquet file (needs benchsuite[parquet])")
    rexp.add_argument("--csv", metavar="FILE", help="CSV file")
    res.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``benchsuite results list`` or ``benchsuite results export``."""
    from benchsuite.cli._console import console, warn
    from benchsuite.results import export_records
    from benchsuite.runs import find_runs, load_run

    out = console()
    if args.results_command == "list":
        from benchsuite.report._tables import runs_table

        runs = find_runs(args.dir)
        if not runs:
            out.print(f"no runs under {args.dir}", markup=False)
            return EXIT_OK
        out.print(runs_table(runs, args.dir))
        return EXIT_OK
    if args.parquet is None and args.csv is None:
        from benchsuite.errors import BenchsuiteError

        raise BenchsuiteError("results export: give --parquet FILE and/or --csv FILE")
    run = load_run(args.run, on_warning=warn)
    if run.note:
        warn(run.note)
    for path in export_records(run.records, parquet=args.parquet, csv=args.csv):
        out.print(f"{len(run.records)} records -> {path}", markup=False, soft_wrap=True)
    return EXIT_OK

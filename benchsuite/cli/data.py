"""``benchsuite data list|fetch``: where each dataset file is, and downloading them."""

from __future__ import annotations

import argparse
from typing import Any

from benchsuite.cli._args import EXIT_OK, Parser


def add_parser(sub: Any) -> None:
    """Add the ``data`` command to ``sub`` (the subparsers of ``benchsuite``)."""
    data = sub.add_parser("data", help="list or download the datasets' files")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION", parser_class=Parser)
    data_sub.required = True
    data_sub.add_parser("list", help="where each dataset file is, or would be downloaded to")
    fetch = data_sub.add_parser("fetch", help="download and verify a dataset's files")
    fetch.add_argument("name", nargs="+", help="dataset source, e.g. mnist, fashion_mnist, cifar10")
    fetch.add_argument(
        "--part", choices=["train", "test", "all"], default="all", help="official part to fetch"
    )
    data.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``benchsuite data list`` (a table) or ``benchsuite data fetch`` (a line per file)."""
    from benchsuite.cli._console import console
    from benchsuite.datasets import data_status, fetch_dataset

    out = console()
    if args.data_command == "list":
        from benchsuite.report._tables import data_status_table

        out.print(data_status_table(data_status()))
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

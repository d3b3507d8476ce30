"""The CLI's pure helpers: argument types, executor choice, resume command, compare and
report options, the progress lines."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchsuite.cli import build_parser
from benchsuite.cli._args import positive_float, positive_int
from benchsuite.cli._execution import executor_name, resume_command
from benchsuite.cli._progress import case_line
from benchsuite.cli.compare import compare_options
from benchsuite.cli.report import report_format
from benchsuite.cli.run import counts_line
from benchsuite.errors import BenchsuiteError


def _run_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["run", "s.yaml", *argv])


def test_argument_types():
    assert positive_int("3") == 3 and positive_float("0.5") == 0.5
    for bad, kind in (("0", positive_int), ("x", positive_int), ("0", positive_float)):
        with pytest.raises(argparse.ArgumentTypeError):
            kind(bad)


@pytest.mark.parametrize(
    "argv, name",
    [
        ((), "sequential"),
        (("-j", "2"), "process"),
        (("--timeout", "5"), "process"),
        (("--memory-limit", "1GB"), "process"),
        (("--scheduler", "tcp://h:1"), "dask"),
        (("--executor", "dask", "-j", "2"), "dask"),
        (("--executor", "sequential"), "sequential"),
    ],
)
def test_executor_name_follows_the_options(argv, name):
    assert executor_name(_run_args(*argv)) == name


def test_resume_command_repeats_the_execution_options():
    args = _run_args("-f", "iris/*", "-j", "2", "--timeout", "2.5", "--threads", "1")
    assert resume_command(args, "out/s/r 1") == (
        "benchsuite run s.yaml -f 'iris/*' -j 2 --threads 1 --timeout 2.5 --resume 'out/s/r 1'"
    )


def test_compare_options_split_default_and_per_metric_tolerances():
    args = _run_args("--metric-tolerance", "0.01", "--metric-tolerance", "rmse=0.1")
    options = compare_options(args)
    assert options["metric_tolerance"] == 0.01
    assert options["metric_tolerances"] == {"rmse": 0.1}
    assert options["fail_on"] == "metric,failure" and options["time_factor"] == 1.10
    with pytest.raises(BenchsuiteError, match="--metric-tolerance: expected a number"):
        compare_options(_run_args("--metric-tolerance", "rmse=x"))


@pytest.mark.parametrize(
    "fmt, output, expected",
    [
        (None, None, "terminal"),
        (None, "r.HTML", "html"),
        (None, "r.htm", "html"),
        (None, "r.md", "markdown"),
        (None, "r.txt", "terminal"),
        ("markdown", "r.html", "markdown"),
    ],
)
def test_report_format_from_option_or_suffix(fmt, output, expected):
    assert report_format(fmt, output) == expected


def test_counts_line_says_what_a_resume_kept():
    result = SimpleNamespace(
        counts={"ok": 4, "error": 1, "timeout": 0, "skipped": 0},
        path=Path("out/s/r"),
        records=[None] * 5,
        resumed=3,
        superseded=1,
    )
    assert counts_line(result, resumed=False) == "4 ok, 1 error · results in [bold]out/s/r[/bold]"
    assert counts_line(result, resumed=True) == (
        "4 ok, 1 error (resumed: 3 kept, 2 measured now, 1 error/timeout records re-measured)"
        " · results in [bold]out/s/r[/bold]"
    )


def _rec(status="ok", metrics=None, fit=None, error=None):
    return SimpleNamespace(status=status, metrics=metrics or {}, fit_time_s=fit, error=error)


def test_case_line_ok_error_and_skipped():
    ok = [_rec(metrics={"accuracy": 0.9}, fit=0.002), _rec(metrics={"accuracy": 1.0}, fit=0.004)]
    assert case_line("iris/svc", ok) == "ok        iris/svc  2 ok  accuracy 0.95  fit 3 ms"
    mixed = [*ok, _rec("error", error="ValueError: " + "x" * 200)]
    line = case_line("iris/svc", mixed)
    assert line.startswith("error     iris/svc  2 ok, 1 error  accuracy 0.95  fit 3 ms  - ValueE")
    assert line.endswith("...") and len(line.split("  - ", 1)[1]) == 120  # error cut to 120
    skipped = [_rec("skipped", error="a classifier only")]
    assert case_line("d/logreg", skipped) == "skipped   d/logreg  - a classifier only"

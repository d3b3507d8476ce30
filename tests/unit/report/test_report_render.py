"""Rendering: terminal, GitHub-flavoured Markdown and self-contained HTML."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_helpers import THREE_BY_THREE, make_records
from rich.console import Console

from benchsuite.report._model import build_report, load_report_runs
from benchsuite.report.html import report_html
from benchsuite.report.markdown import report_markdown
from benchsuite.report.terminal import print_report


@pytest.fixture
def report(run_folder):
    records = make_records(
        THREE_BY_THREE,
        failed={("d1", "broken|pipe"): "ValueError: bad <value> | here"},
        loss_curves={("d1", "a"): [1.0, 0.5, 0.25]},
    )
    return build_report(load_report_runs([run_folder("r", records)]))


def _tables(markdown: str) -> list[list[str]]:
    blocks, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks + ([current] if current else [])


def _cells(line: str) -> list[str]:
    # split on pipes not escaped with a backslash
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def test_markdown_tables_are_valid_gfm(report):
    md = report_markdown(report)
    tables = _tables(md)
    assert len(tables) == 4  # best, accuracy, cost, failed cases
    for table in tables:
        width = len(_cells(table[0]))
        assert re.fullmatch(r"\|( ?-{3,}:? ?\|)+", table[1].replace(" ", "")), table[1]
        assert all(len(_cells(line)) == width for line in table), table
    assert "| a | **0.920 ± 0.020** |" in md  # best per column in bold
    assert "broken\\|pipe" in md  # a pipe in a name does not break the table


def test_partial_run_is_flagged_everywhere(run_folder):
    path = run_folder("r", make_records(THREE_BY_THREE), status="interrupted")
    report = build_report(load_report_runs([path]))
    assert "PARTIAL run r1: the run was interrupted" in report_markdown(report)
    html = report_html(report)
    assert '<p class="partial">⚠ PARTIAL run r1: the run was interrupted' in html
    console = Console(width=200, record=True)
    print_report(console, report)
    assert "PARTIAL run r1" in console.export_text()


def test_terminal_report(report):
    console = Console(width=220, record=True)
    print_report(console, report)
    text = console.export_text()
    for piece in ("best per dataset", "0.920 ± 0.020", "avg rank", "cost", "broken|pipe", "bad"):
        assert piece in text


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_is_self_contained_and_complete(report):
    html = report_html(report)
    parser = _Collect()
    parser.feed(html)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags and "link" not in tags and "img" not in tags
    # no network: the only URLs are SVG/XLink namespaces, never fetched
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    assert "<title>benchsuite report: s (r1)</title>" in html
    # pareto, scores, training curves and the critical-difference diagram
    assert tags.count("svg") == 4
    ids = {a.get("id") for _, a in parser.tags}
    assert {"best", "tables", "cost", "pareto", "scores", "curves", "cd", "problems"} <= ids
    assert "&lt;value&gt;" in html and "<value>" not in html  # escaped
    assert "Friedman χ²" in html and "CD = q" in html
    assert "Test CPU" in html and "Test GPU" in html and "0123456789abcdef" in html


def test_html_without_curves_or_enough_datasets_says_why(run_folder):
    two = {k: v for k, v in THREE_BY_THREE.items() if k[0] != "d3"}
    report = build_report(load_report_runs([run_folder("r", make_records(two))]))
    html = report_html(report)
    assert "No record has a loss curve" in html
    assert "No diagram: a critical-difference diagram needs at least 3 datasets" in html
    assert html.count("<svg") == 2


def test_several_runs_side_by_side(run_folder):
    a = run_folder("a", make_records(THREE_BY_THREE, run_id="base"))
    b = run_folder("b", make_records(THREE_BY_THREE, run_id="new"))
    report = build_report(load_report_runs([a, b]))
    md = report_markdown(report)
    assert "| estimator | d1 (base) | d2 (base) | d3 (base) | d1 (new) |" in md
    assert "avg rank (base) | avg rank (new) |" in md
    html = report_html(report)
    assert "<h3>run base</h3>" in html and "<h3>run new</h3>" in html
    assert html.count("<svg") == 4  # pareto, scores, one CD diagram per run


def test_html_is_deterministic(report, tmp_path):
    """The same run folder renders to the same bytes in separate processes: different
    string-hash seeds (set and dict ordering of strings), different ``id()``s and clock
    readings (over a second apart) change nothing in the page. The modules are the ones
    this file imports, wherever they live."""
    folder = tmp_path / "r"  # where the report fixture's run_folder("r", ...) wrote the run
    assert (folder / "records.jsonl").is_file()
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        f"from {load_report_runs.__module__} import load_report_runs\n"
        f"from {build_report.__module__} import build_report\n"
        f"from {report_html.__module__} import report_html\n"
        "html = report_html(build_report(load_report_runs([Path(sys.argv[1])])))\n"
        "sys.stdout.buffer.write(html.encode('utf-8'))\n"
    )
    root = Path(__file__).resolve().parents[3]  # this checkout's benchsuite, from anywhere
    pages = []
    for seed in ("0", "4242"):
        if pages:
            time.sleep(1.1)  # a timestamp with one-second resolution differs too
        env = {**os.environ, "PYTHONHASHSEED": seed}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
        proc = subprocess.run(
            [sys.executable, "-c", code, str(folder)],
            capture_output=True,
            cwd=tmp_path,
            env=env,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")
        pages.append(proc.stdout)
    assert pages[0].startswith(b"<!DOCTYPE html>")
    assert pages[0] == pages[1]
    assert report_html(report).encode("utf-8") == pages[0]  # this process's hash seed too


def test_importing_the_report_package_does_not_import_matplotlib():
    code = (
        "import sys, benchsuite.report, benchsuite.report.html, benchsuite.report._model\n"
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr

"""``benchmarks/gpu_check.py`` (issue 14): its one line without CUDA, its table in a CPU dry
run, and the helpers that read pytest's summary and draw the table.

The script's GPU figures need a GPU; here ``--cpu-dry-run`` exercises every code path on
the CPU with tiny sizes. The subprocesses see no GPU: tests/conftest.py sets
``CUDA_VISIBLE_DEVICES=""`` for every test not marked ``gpu``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "gpu_check.py"
CHECKS = [
    "gpu tests (pytest -m gpu)",
    "cnn repeat 0 / median(1-2)",
    "cnn fit / plain loop",
    "train loop vs DataLoader",
    "energy fields",
    "total time",
]


@pytest.fixture(scope="module")
def gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_check"] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["gpu_check"]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", **(env or {})}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_without_cuda_it_says_so_in_one_line_and_exits_0():
    proc = _run()
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(
        r"gpu_check: no CUDA device here \(torch \d+\.\d+, CUDA build: (yes|no)\); "
        r"nothing to check\n",
        proc.stdout,
    ), proc.stdout


def test_cpu_dry_run_prints_every_row_and_exits_0(tmp_path):
    data = Path(os.environ.get("BENCHSUITE_DATA_DIR", ""))
    if not (data / "fashion-mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("the canonical data folder (../shared/data) is not here")
    out = tmp_path / "gpu_check.json"
    proc = _run(
        "--cpu-dry-run",
        "--json",
        str(out),
        # one file of gpu tests (skipped here) instead of collecting the whole tree
        "--pytest-args",
        "tests/unit/test_measure_gpu.py",
        env={"BENCHSUITE_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("gpu_check: CPU DRY RUN")
    header = [cell.strip() for cell in lines[1].split("|")]
    assert header == ["check", "value", "goal", "ok/not"]
    rows = [[cell.strip() for cell in line.split("|")] for line in lines[3 : 3 + len(CHECKS)]]
    assert [row[0] for row in rows] == CHECKS
    assert all(len(row) == 4 and row[3] in ("ok", "not") for row in rows), rows
    # every figure was computed: no step fell over
    assert not any(row[1].startswith("error") for row in rows)
    assert re.fullmatch(r"0 passed, 0 failed, \d+ skipped", rows[0][1])  # no GPU: all skipped
    assert re.fullmatch(r"\d+\.\d+x \(r0 .+ s; r1 .+, r2 .+ s\)", rows[1][1])
    assert re.fullmatch(r"\d+\.\d+x \(fit .+ s, plain .+ s\)", rows[2][1])
    assert re.fullmatch(r"\d+\.\d+x \(.+ vs .+ samples/s\)", rows[3][1])
    assert "records' device: cpu" in proc.stdout
    assert "repeat 2: fit" in proc.stdout and "epochs alone" in proc.stdout

    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["dry_run"] is True
    assert [row["check"] for row in report["rows"]] == CHECKS
    figures = report["figures"]
    assert len(figures["fit_times_s"]) == 3
    assert len(figures["fit_breakdown"]) == 3
    for name in ("repeat0_ratio", "plain_ratio", "dataloader_ratio", "epochs_only_ratio"):
        assert figures[name] > 0
    assert figures["gpu_tests"]["counts"]["skipped"] > 0


def test_parse_pytest_summary(gpu_check):
    parse = gpu_check.parse_pytest_summary
    assert parse("....\n3 passed, 1 skipped, 1297 deselected in 2.10s\n") == {
        "passed": 3,
        "skipped": 1,
        "deselected": 1297,
    }
    text = "F.\nFAILED tests/x.py::t - boom\n1 failed, 1 passed, 1 error, 2 warnings in 0.5s"
    assert parse(text) == {"failed": 1, "passed": 1, "errors": 1, "warnings": 2}
    # the last summary wins over counts quoted earlier in the output
    assert parse("1 passed in 1s\nlater\n2 failed in 3.0s") == {"failed": 2}
    assert parse("====== 7 skipped, 5 deselected in 10.80s ======") == {
        "skipped": 7,
        "deselected": 5,
    }
    assert parse("no tests ran in 0.01s") == {}
    assert parse("ImportError while loading conftest") is None


def test_table_has_fixed_width_columns(gpu_check):
    rows = [
        gpu_check.Row("gpu tests (pytest -m gpu)", "3 passed", "0 failed", "ok"),
        gpu_check.Row("energy fields", "energy_j 0/3", "energy_j in every record", "not"),
    ]
    lines = gpu_check.format_table(rows).splitlines()
    assert len(lines) == 4
    bars = {tuple(m.start() for m in re.finditer(r"\|", line)) for line in (lines[0], *lines[2:])}
    assert len(bars) == 1  # the separators line up
    assert [line.split("|")[-1].strip() for line in lines[2:]] == ["ok", "not"]


def test_no_cuda_line(gpu_check):
    def fake(available, cuda):
        return SimpleNamespace(
            __version__="2.5.1+cu124",
            version=SimpleNamespace(cuda=cuda),
            cuda=SimpleNamespace(is_available=lambda: available),
        )

    assert gpu_check._no_cuda_line(fake(True, "12.4")) is None
    line = "gpu_check: no CUDA device here (torch 2.5, CUDA build: {}); nothing to check"
    assert gpu_check._no_cuda_line(fake(False, "12.4")) == line.format("yes")
    assert gpu_check._no_cuda_line(fake(False, None)) == line.format("no")
    assert "torch not importable" in gpu_check._no_cuda_line(None)

    def broken():
        raise RuntimeError("driver too old")

    torch = fake(True, "12.4")
    torch.cuda.is_available = broken
    assert gpu_check._no_cuda_line(torch) == line.format("yes")


def test_energy_row_reads_the_fields_if_records_have_them(gpu_check):
    report = gpu_check.Report()
    gpu_check.check_energy(report, [SimpleNamespace(fit_time_s=1.0)] * 2)
    assert report.rows[-1].status == "not" and "no energy_j field" in report.rows[-1].value
    records = [SimpleNamespace(energy_j=10.0, cpu_energy_j=None)] * 3
    gpu_check.check_energy(report, records)
    assert report.rows[-1].status == "ok"
    assert report.rows[-1].value.startswith("energy_j 3/3, cpu_energy_j 0/3")
    gpu_check.check_energy(report, [SimpleNamespace(energy_j=None, cpu_energy_j=None)])
    assert report.rows[-1].status == "not"

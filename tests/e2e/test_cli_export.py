"""``benchsuite results export RUN --parquet F --csv F`` end to end: the files hold the run's
records.jsonl, row for row and value for value, as pandas reads them back.

pyarrow is in the ``test`` extra (and the ``parquet`` one): no skip without it, a failure."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from e2e_helpers import bench

# iris x logreg, and a case that fails at predict: error records have no metrics and null
# times, so the files must carry nulls as well as values
SUITE = """
name: exported
seed: 0
defaults: {evaluation: {cv: 3}, metrics: [accuracy, f1_macro]}
datasets: [iris]
estimators:
  - logreg
  - {name: broken, model: knn, params: {n_neighbors: 5000}}
"""
JSON_COLUMNS = ("params",)  # a JSON string in both files
LIST_COLUMNS = ("loss_curve", "warnings")  # lists in Parquet, JSON strings in CSV


def _plain(value):
    """A value read back by pandas as the JSON reader gives it: nulls None, numpy scalars
    and arrays Python ones."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _expected_rows(records: list[dict]) -> tuple[list[str], list[dict]]:
    """The columns and rows an export of ``records`` holds: every record field but
    ``metrics``, and one ``metrics.<name>`` column per metric any record has."""
    names = sorted({name for rec in records for name in rec["metrics"]})
    columns = [k for k in records[0] if k != "metrics"] + [f"metrics.{n}" for n in names]
    rows = []
    for rec in records:
        row = {k: v for k, v in rec.items() if k != "metrics"}
        row.update({f"metrics.{n}": rec["metrics"].get(n) for n in names})
        rows.append(row)
    return columns, rows


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("export")
    (tmp / "exported.yaml").write_text(SUITE)
    proc = bench("run", tmp / "exported.yaml", "-o", tmp / "out", "--run-id", "e1", "-q")
    assert proc.returncode == 0, proc.stderr
    run_dir = tmp / "out" / "exported" / "e1"
    parquet, csv = tmp / "f.parquet", tmp / "f.csv"
    proc = bench("results", "export", run_dir, "--parquet", parquet, "--csv", csv)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = (run_dir / "records.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines], parquet, csv, proc.stdout


def test_export_reports_what_it_wrote(exported):
    records, parquet, csv, stdout = exported
    assert parquet.is_file() and csv.is_file()
    text = " ".join(stdout.split())
    assert f"{len(records)} records -> {parquet}" in text
    assert f"{len(records)} records -> {csv}" in text


def test_parquet_holds_the_records_row_for_row(exported):
    records, parquet, _, _ = exported
    assert len(records) == 6
    assert {r["status"] for r in records} == {"ok", "error"}
    frame = pd.read_parquet(parquet)
    columns, rows = _expected_rows(records)
    assert len(frame) == len(records)
    assert list(frame.columns) == columns
    for key in ("run_id", "case_key", "fold", "metrics.accuracy", "metrics.f1_macro"):
        assert key in frame.columns
    for i, (expected, got) in enumerate(zip(rows, frame.to_dict("records"), strict=True)):
        got = {k: _plain(v) for k, v in got.items()}
        for column in JSON_COLUMNS:
            got[column] = json.loads(got[column])
        assert got == expected, i  # floats bit for bit: Parquet stores float64 as is


def test_csv_agrees_with_the_records_and_the_parquet(exported):
    records, parquet, csv, _ = exported
    frame = pd.read_csv(csv)
    columns, rows = _expected_rows(records)
    assert list(frame.columns) == columns == list(pd.read_parquet(parquet).columns)
    assert len(frame) == len(records)
    for i, (expected, got) in enumerate(zip(rows, frame.to_dict("records"), strict=True)):
        got = {k: _plain(v) for k, v in got.items()}
        for column in (*JSON_COLUMNS, *LIST_COLUMNS):
            got[column] = json.loads(got[column])
        # CSV has no types: an integer column with nulls reads back as floats, and a float
        # as the nearest double the parser finds (pandas < 3: within an ulp or so)
        assert got.keys() == expected.keys()
        for column, value in expected.items():
            if isinstance(value, float):
                assert got[column] == pytest.approx(value, rel=1e-15, abs=0), (i, column)
            else:
                assert got[column] == value, (i, column, got[column], value)


def test_csv_keeps_separators_and_quotes_inside_values(exported):
    # the error text holds commas: the CSV quotes it, the column count stays right
    records, _, csv, _ = exported
    errors = [r["error"] for r in records if r["status"] == "error"]
    assert errors and all("," in e for e in errors)
    frame = pd.read_csv(csv)
    assert frame.loc[frame["status"] == "error", "error"].tolist() == errors


def test_parquet_files_need_no_benchsuite_to_read(exported):
    # the file is plain Parquet: pyarrow alone reads it, with the same row count
    records, parquet, _, _ = exported
    table = pq.read_table(Path(parquet))
    assert table.num_rows == len(records)
    assert table.column("case_key").to_pylist() == [r["case_key"] for r in records]

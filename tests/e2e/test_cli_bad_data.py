"""Bad tabular data through the real CLI: suite-level problems are one located line and
exit 2 from ``validate``; data problems found at load time become that dataset's ``error``
records while the rest of the suite runs."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from e2e_helpers import ROOT, bench

SHARED = Path(os.environ.get("BENCHSUITE_DATA_DIR") or ROOT.parent / "shared" / "data")


@pytest.mark.parametrize(
    ("csv", "entry", "message"),
    [
        ("a,b,c\n1,2,0\n3,4,1\n", "target: label", "target: no column 'label' in"),
        ("a,b,label\n1,2,x\n3,4,x\n", "target: label", "has a single class ('x')"),
        ("", "target: label", "empty"),
        ("a,b,label\n1,2,0\n", "target: a, source: parquet", "path:"),
    ],
    ids=["missing-target-column", "one-class", "empty-file", "not-parquet"],
)
def test_validate_rejects_bad_csv(tmp_path, csv, entry, message):
    (tmp_path / "t.csv").write_text(csv)
    suite = tmp_path / "s.yaml"
    suite.write_text(
        f"name: s\ndatasets:\n  - {{name: t, path: t.csv, {entry}}}\nestimators: [logreg]\n"
    )
    proc = bench("validate", suite)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith(f"error: {suite}:3: datasets[0].")
    assert message in lines[0], lines[0]


def test_data_problem_at_load_time_fails_only_that_dataset(tmp_path):
    if not (SHARED / "uci" / "spambase").is_dir():
        pytest.skip("the canonical data folder (../shared/data) is not here")
    data = tmp_path / "data"
    shutil.copytree(SHARED / "uci" / "spambase", data / "uci" / "spambase")
    bad = data / "uci" / "banknote" / "data_banknote_authentication.txt"
    bad.parent.mkdir(parents=True)
    rows = (SHARED / "uci" / "banknote" / bad.name).read_text().splitlines()
    rows[10] = "3.1,oops,-2.8,-0.4,0"  # a non-numeric value in a numeric column
    bad.write_text("\n".join(rows) + "\n")
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "name: s\ndefaults: {evaluation: {cv: 2}, metrics: [accuracy]}\n"
        "datasets: [banknote, spambase]\nestimators: [logreg]\n"
    )
    env = {"BENCHSUITE_DATA_DIR": str(data), "BENCHSUITE_CACHE_DIR": str(tmp_path / "cache")}
    assert bench("validate", suite, env=env).returncode == 0  # files are read at run time
    proc = bench("run", suite, "-o", tmp_path / "out", "-q", env=env)
    assert "Traceback" not in proc.stderr
    (records,) = (tmp_path / "out").rglob("records.jsonl")
    by = {}
    for line in records.read_text().splitlines():
        rec = json.loads(line)
        by.setdefault(rec["dataset"], []).append(rec)
    assert [r["status"] for r in by["spambase"]] == ["ok", "ok"]
    assert {r["status"] for r in by["banknote"]} == {"error"}
    assert "banknote" in by["banknote"][0]["error"]
    assert "\n" not in by["banknote"][0]["error"]


def _cities(path: Path, encoding: str, *, empty_target_row: int | None = None) -> None:
    """A real Latin-1 (or other) table: 60 rows, Zürich in a feature column."""
    rows = ["city,size,label"]
    for i in range(60):
        label = "" if i == empty_target_row else str(i % 2)
        rows.append(f"{'Zürich' if i % 4 == 1 else 'Basel'},{i * 0.5 + (i % 2)},{label}")
    path.write_bytes(("\n".join(rows) + "\n").encode(encoding))


def test_latin1_csv_fails_at_validate_and_runs_with_its_encoding(tmp_path):
    _cities(tmp_path / "cities.csv", "latin-1")
    suite = tmp_path / "s.yaml"
    text = (
        "name: s\ndefaults: {evaluation: {cv: 2}, metrics: [accuracy]}\n"
        "datasets:\n  - {name: cities, path: cities.csv, target: label%s}\n"
        "estimators: [logreg]\n"
    )
    suite.write_text(text % "")
    # run fails before any job, not once per job
    for command in (["validate"], ["run", "-o", tmp_path / "out", "-q"]):
        proc = bench(command[0], suite, *command[1:])
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.splitlines() == [
            f"error: {suite}:4: datasets[0].path: {tmp_path / 'cities.csv'} is not UTF-8"
            " (byte 0xfc on line 3); set `encoding:` on this dataset, e.g. encoding: latin-1"
        ]
    assert not (tmp_path / "out").exists()

    suite.write_text(text % ", encoding: latin-1")
    assert bench("validate", suite).returncode == 0
    proc = bench("run", suite, "-o", tmp_path / "out", "-q")
    assert proc.returncode == 0, proc.stderr
    (records,) = (tmp_path / "out").rglob("records.jsonl")
    recs = [json.loads(line) for line in records.read_text().splitlines()]
    assert [r["status"] for r in recs] == ["ok", "ok"], [r["error"] for r in recs]


def test_rows_without_a_target_are_dropped_with_a_warning(tmp_path):
    _cities(tmp_path / "cities.csv", "utf-8", empty_target_row=7)
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "name: s\ndefaults: {evaluation: {cv: 2}, metrics: [accuracy]}\n"
        "datasets:\n  - {name: cities, path: cities.csv, target: label}\n  - iris\n"
        "estimators: [logreg]\n"
    )
    proc = bench("run", suite, "-o", tmp_path / "out", "-q")
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: dataset 'cities': 1 row without a target dropped (no value in column"
        " 'label'; 59 of 60 rows of cities.csv used)"
    ]
    (run_json,) = (tmp_path / "out").rglob("run.json")
    assert json.loads(run_json.read_text())["rows_without_target"] == {"cities": 1}
    (records,) = (tmp_path / "out").rglob("records.jsonl")
    recs = [json.loads(line) for line in records.read_text().splitlines()]
    cities = [r for r in recs if r["dataset"] == "cities"]
    assert [r["status"] for r in cities] == ["ok", "ok"]
    assert {r["n_train"] + r["n_test"] for r in cities} == {59}

    from benchsuite.runs import find_runs

    (run,) = find_runs(tmp_path / "out")
    assert run.info.rows_without_target == {"cities": 1}

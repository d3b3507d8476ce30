"""The history index: built from the run folders, re-read only where they changed, rebuilt
when it is of another version or damaged, written atomically."""

from __future__ import annotations

import json
import os

import pytest
from history_helpers import record, stamp, write_run

from benchsuite.history import _index
from benchsuite.history._index import INDEX_FILE, INDEX_VERSION, aggregate_records, load_index


@pytest.fixture
def reads(monkeypatch):
    """The run folders whose records file the index read, in order."""
    seen: list[str] = []
    real = _index.read_record_dicts

    def counting(path, **kwargs):
        seen.append(os.path.basename(os.path.dirname(path)))
        return real(path, **kwargs)

    monkeypatch.setattr(_index, "read_record_dicts", counting)
    return seen


def _three_runs(root):
    for i in range(3):
        write_run(root, "s", f"r{i}", started_at=stamp(i), fit={"iris/svm": 1.0 + i})


def test_aggregates_are_median_min_max_over_ok_jobs_only():
    recs = [
        (record("r", "s", "iris/svm", 0, fit_time_s=1.0)),
        (record("r", "s", "iris/svm", 1, fit_time_s=3.0)),
        (record("r", "s", "iris/svm", 2, fit_time_s=2.5)),
        (record("r", "s", "iris/svm", 3, status="error", fit_time_s=99.0, metrics={})),
        (
            record(
                "r",
                "s",
                "iris/cnn",
                0,
                inference=[{"batch_size": 1, "median_s": 0.002, "throughput_per_s": 500.0}],
                peak_rss_mb=None,
            )
        ),
    ]
    got = {(c, q): (v, lo, hi, n) for c, q, v, lo, hi, n in aggregate_records(recs)}
    assert got["iris/svm", "fit_time_s"] == (2.5, 1.0, 3.0, 3)  # the error job not counted
    assert got["iris/svm", "metric:accuracy"] == (0.9, 0.9, 0.9, 3)
    assert got["iris/cnn", "inference:1:median_s"] == (0.002, 0.002, 0.002, 1)
    assert got["iris/cnn", "inference:1:throughput_per_s"] == (500.0, 500.0, 500.0, 1)
    assert ("iris/cnn", "peak_rss_mb") not in got  # no number, no quantity


def test_only_changed_new_folders_are_reread_and_deleted_ones_dropped(tmp_path, reads):
    _three_runs(tmp_path)
    index = load_index(tmp_path)
    assert sorted(reads) == ["r0", "r1", "r2"] and index.written
    assert (tmp_path / INDEX_FILE).is_file()

    reads.clear()
    index = load_index(tmp_path)
    assert reads == [] and not index.written  # warm: nothing re-read, nothing rewritten
    assert [r.run_id for r in index.runs] == ["r0", "r1", "r2"]
    assert ("iris/svm", "fit_time_s", 3.0, 3.0, 3.0, 3) in index.aggregates[2]

    write_run(tmp_path, "s", "r3", started_at=stamp(3), fit={"iris/svm": 9.0})
    index = load_index(tmp_path)
    assert reads == ["r3"] and index.written
    assert [r.run_id for r in index.runs] == ["r0", "r1", "r2", "r3"]

    reads.clear()
    import shutil

    shutil.rmtree(tmp_path / "s" / "r1")
    index = load_index(tmp_path)
    assert reads == [] and index.written
    assert [r.run_id for r in index.runs] == ["r0", "r2", "r3"]
    assert [r.run_id for r in load_index(tmp_path).runs] == ["r0", "r2", "r3"]

    # a run resumed (records.jsonl rewritten): read again, with what it holds now
    path = tmp_path / "s" / "r2" / "records.jsonl"
    path.write_text(
        "".join(
            json.dumps(record("r2", "s", "iris/svm", f, fit_time_s=7.0)) + "\n" for f in range(2)
        )
    )
    reads.clear()
    index = load_index(tmp_path)
    assert reads == ["r2"]
    fit = [a for a in index.aggregates[1] if a[1] == "fit_time_s"]
    assert fit == [("iris/svm", "fit_time_s", 7.0, 7.0, 7.0, 2)]


def _rewrite_version(path, version):
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    data = json.loads(meta[b"benchsuite-history"])
    data["version"] = version
    meta[b"benchsuite-history"] = json.dumps(data).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


def _drop_listed_runs(path):
    """The index's run list cut to its first run, its rows of the others kept."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    data = json.loads(meta[b"benchsuite-history"])
    data["runs"] = data["runs"][:1]
    meta[b"benchsuite-history"] = json.dumps(data).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


@pytest.mark.parametrize("damage", ["older version", "garbage", "empty", "rows of unlisted runs"])
def test_an_index_of_another_version_or_damaged_is_rebuilt(tmp_path, reads, damage):
    pytest.importorskip("pyarrow")
    _three_runs(tmp_path)
    load_index(tmp_path)
    path = tmp_path / INDEX_FILE
    if damage == "older version":
        _rewrite_version(path, INDEX_VERSION - 1)
    elif damage == "garbage":
        path.write_bytes(b"PAR1 this is not parquet")
    elif damage == "rows of unlisted runs":
        _drop_listed_runs(path)
    else:
        path.write_bytes(b"")
    reads.clear()
    index = load_index(tmp_path)
    assert sorted(reads) == ["r0", "r1", "r2"] and index.rebuilt and index.written
    reads.clear()
    assert load_index(tmp_path).rebuilt is None and reads == []  # the new file is good


def test_corrupt_folders_are_named_and_the_rest_is_read(tmp_path, reads):
    _three_runs(tmp_path)
    (tmp_path / "s" / "r0" / "run.json").write_text("{not json")
    bad = tmp_path / "s" / "r1" / "records.jsonl"
    bad.write_text("garbage\n" + bad.read_text())
    trunc = tmp_path / "s" / "r2" / "records.jsonl"
    trunc.write_text(trunc.read_text() + '{"run_id": "r2", "sui')
    odd = write_run(tmp_path, "s", "r3", started_at=stamp(3), fit={"iris/svm": 1.0})
    (odd / "run.json").write_text(json.dumps({"suite": "s", "environment": "not a dict"}))
    index = load_index(tmp_path)
    errors = {r.folder: r.error for r in index.runs}
    assert "r0" in errors[os.path.join("s", "r0")] and "run.json" in errors[os.path.join("s", "r0")]
    assert "records.jsonl:1" in errors[os.path.join("s", "r1")]
    assert errors[os.path.join("s", "r2")] is None  # a truncated last line is tolerated
    assert "truncated" in index.runs[2].notes[0]
    assert "not a valid run.json" in errors[os.path.join("s", "r3")]
    assert index.aggregates[2] and not index.aggregates[0] and not index.aggregates[1]
    # the errors are kept in the index: named again on a warm call, without re-reading
    reads.clear()
    again = load_index(tmp_path)
    assert reads == [] and [r.error for r in again.runs] == [r.error for r in index.runs]


def test_written_atomically_and_not_without_runs(tmp_path):
    _three_runs(tmp_path)
    load_index(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [INDEX_FILE, "s"]  # no temp file
    empty = tmp_path / "empty"
    empty.mkdir()
    assert load_index(empty).runs == [] and list(empty.iterdir()) == []


def test_read_only_folder_is_read_without_an_index(tmp_path):
    _three_runs(tmp_path)
    tmp_path.chmod(0o555)
    try:
        if os.access(tmp_path, os.W_OK):
            pytest.skip("running as root: permissions are not enforced")
        index = load_index(tmp_path)
        assert len(index.runs) == 3 and not index.written
        assert not (tmp_path / INDEX_FILE).exists()
    finally:
        tmp_path.chmod(0o755)


def test_without_pyarrow_every_run_is_read_and_the_user_told_once(tmp_path, reads, monkeypatch):
    _three_runs(tmp_path)
    monkeypatch.setattr(_index, "_have_pyarrow", lambda: False)
    told: list[str] = []
    index = load_index(tmp_path, on_warning=told.append)
    assert len(told) == 1 and "pyarrow" in told[0]
    assert sorted(reads) == ["r0", "r1", "r2"] and not (tmp_path / INDEX_FILE).exists()
    assert len(index.runs) == 3


def test_missing_or_not_a_folder(tmp_path):
    from benchsuite.errors import BenchsuiteError

    with pytest.raises(BenchsuiteError, match="no such folder"):
        load_index(tmp_path / "nope")
    (tmp_path / "f").write_text("x")
    with pytest.raises(BenchsuiteError, match="not a folder"):
        load_index(tmp_path / "f")


def test_stale_temporary_files_of_killed_writers_are_removed(tmp_path):
    _three_runs(tmp_path)
    stale = tmp_path / f"{INDEX_FILE}.123-abcdef.tmp"
    fresh = tmp_path / f"{INDEX_FILE}.456-abcdef.tmp"  # perhaps another writer, right now
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    two_hours_ago = os.stat(stale).st_mtime - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    assert load_index(tmp_path).written
    assert not stale.exists() and fresh.exists()


def test_a_records_file_replaced_with_one_of_the_same_size_and_mtime_is_read_again(tmp_path, reads):
    # a resume rewrites records.jsonl atomically (a new file moved into place); on a file
    # system with coarse timestamps it can keep the size and the mtime of the old one
    _three_runs(tmp_path)
    load_index(tmp_path)
    path = tmp_path / "s" / "r1" / "records.jsonl"
    old = path.stat()
    text = path.read_text().replace('"fit_time_s": 2.0', '"fit_time_s": 8.0')
    assert len(text) == old.st_size
    tmp = path.with_name("records.jsonl.tmp")
    tmp.write_text(text)
    os.utime(tmp, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(tmp, path)
    reads.clear()
    index = load_index(tmp_path)
    assert reads == ["r1"]
    fit = [a for a in index.aggregates[1] if a[1] == "fit_time_s"]
    assert fit == [("iris/svm", "fit_time_s", 8.0, 8.0, 8.0, 3)]

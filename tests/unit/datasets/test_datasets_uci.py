"""Tests of the UCI table sources: the canonical files (adult, bank_marketing, banknote,
spambase, letter), covertype downloaded from a local server, schema errors and the
``.npz`` cache."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from benchsuite.datasets import (
    DATASET_SOURCES,
    Dataset,
    _tables,
    check_dataset_entry,
    clear_cache,
    dataset_task,
    load_dataset,
)
from benchsuite.datasets._remote import COVERTYPE_FEATURES
from benchsuite.errors import ConfigError, DataError


def entry(source: str, **fields) -> SimpleNamespace:
    values = {"name": source, "source": source, "params": {}, "path": None, "target": None}
    values.update(task=None, subsample=None, part=None)
    values.update(fields)
    return SimpleNamespace(**values)


def load(e: SimpleNamespace, seed: int = 0) -> Dataset:
    return load_dataset(e, base_dir=Path("."), seed=seed)


def register(monkeypatch, build, name: str, files: dict[str, bytes], **spec_changes):
    """Register ``name`` with checksums of test-made ``files`` (never pinned in the code)."""
    source = DATASET_SOURCES[name]
    spec = source.remote
    remote_files = tuple(
        dataclasses.replace(
            f, md5=build.md5(files[f.name]), file_sha256=None, urls=(), size=len(files[f.name])
        )
        if f.name in files
        else f
        for f in spec.files
    )
    patched = dataclasses.replace(
        source, remote=dataclasses.replace(spec, files=remote_files, **spec_changes)
    )
    monkeypatch.setitem(DATASET_SOURCES, name, patched)
    return patched


# -- the canonical files -------------------------------------------------------------------


def test_adult_all_parts(shared_data):
    ds = load(entry("adult"))
    assert ds.X.shape == (48842, 14)
    assert ds.task == "binary"
    assert ds.classes == ["<=50K", ">50K"]
    train, test = ds.official_split
    assert (len(train), len(test)) == (32561, 16281)
    np.testing.assert_array_equal(test, np.arange(32561, 48842))
    kinds = ds.X.dtypes
    assert sum(isinstance(d, pd.CategoricalDtype) for d in kinds) == 8
    assert sum(d == np.int64 for d in kinds) == 6
    assert ds.feature_names[:3] == ["age", "workclass", "fnlwgt"]
    assert "income" not in ds.X.columns
    # "?" is missing, not a category; leading spaces are gone
    assert "?" not in ds.X["workclass"].cat.categories
    assert ds.X["workclass"].isna().sum() == 1836 + 963
    assert "State-gov" in ds.X["workclass"].cat.categories
    # test labels lose their "."; about a quarter earn >50K in both parts
    assert 0.2 < ds.y[test].mean() < 0.3 and 0.2 < ds.y[train].mean() < 0.3
    # the first row of adult.data and of adult.test
    assert ds.X.iloc[0]["age"] == 39 and ds.X.iloc[32561]["age"] == 25
    assert ds.y[32561] == 0


def test_adult_one_part_and_subsample(shared_data):
    test = load(entry("adult", part="test"))
    assert test.X.shape == (16281, 14) and test.official_split is None
    assert test.classes == ["<=50K", ">50K"]
    small = load(entry("adult", subsample=1000), seed=1)
    train, test = small.official_split
    assert small.X.shape == (1000, 14) and len(train) + len(test) == 1000
    assert abs(len(train) - 667) <= 1


@pytest.mark.parametrize(
    ("params", "shape", "n_categorical"),
    [
        ({}, (45211, 16), 9),
        ({"variant": "full"}, (45211, 16), 9),
        ({"variant": "additional"}, (41188, 20), 10),
    ],
)
def test_bank_marketing(shared_data, params, shape, n_categorical):
    ds = load(entry("bank_marketing", params=params))
    assert ds.X.shape == shape
    assert ds.classes == ["no", "yes"] and ds.task == "binary"
    assert sum(isinstance(d, pd.CategoricalDtype) for d in ds.X.dtypes) == n_categorical
    assert ds.X["job"].iloc[0] in ("management", "housemaid")
    assert ds.official_split is None


@pytest.mark.parametrize(
    ("source", "shape", "classes"),
    [
        ("banknote", (1372, 4), [0, 1]),
        ("spambase", (4601, 57), [0, 1]),
        ("letter", (20000, 16), [chr(c) for c in range(ord("A"), ord("Z") + 1)]),
    ],
)
def test_numeric_tables(shared_data, source, shape, classes):
    ds = load(entry(source))
    assert ds.X.shape == shape
    assert ds.classes == classes
    assert all(d.kind in "if" for d in ds.X.dtypes)
    assert ds.task == ("multiclass" if len(classes) > 2 else "binary")
    assert len(ds.feature_names) == shape[1]


def test_spambase_is_the_canonical_file(shared_data):
    ds = load(entry("spambase"))
    # row 4, column 10 (1-based) is 0.63 in the canonical file (0.62 in a bad copy)
    assert ds.X.iloc[3, 9] == pytest.approx(0.63)
    assert "char_freq_%5B" in ds.feature_names  # "[" would break XGBoost


def test_second_load_reads_the_cache(shared_data, monkeypatch):
    first = load(entry("adult"))
    clear_cache()

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed again instead of reading the cache")

    monkeypatch.setattr(_tables, "read_table", no_parse)
    read = _tables.read_frame_cache
    cache_hits: list[bool] = []

    def counting_read(path, names=None):
        frame = read(path, names)
        cache_hits.append(frame is not None)
        return frame

    monkeypatch.setattr(_tables, "read_frame_cache", counting_read)
    second = load(entry("adult"))
    # adult's two raw files (train, test): each one read from the .npz cache
    assert cache_hits == [True, True]
    assert second.fingerprint == first.fingerprint
    pd.testing.assert_frame_equal(second.X, first.X)


def test_static_task_and_variant_check(shared_data):
    assert dataset_task(entry("letter"), base_dir=Path(".")) == "multiclass"
    assert dataset_task(entry("covertype"), base_dir=Path(".")) == "multiclass"
    check_dataset_entry(entry("bank_marketing", params={"variant": "additional"}), base_dir=".")
    with pytest.raises(ConfigError, match="unknown variant 'aditional'.*additional"):
        check_dataset_entry(entry("bank_marketing", params={"variant": "aditional"}), base_dir=".")
    with pytest.raises(ConfigError, match="unknown parameter 'sep'"):
        check_dataset_entry(entry("bank_marketing", params={"sep": ","}), base_dir=".")
    with pytest.raises(ConfigError, match="takes no parameters"):
        check_dataset_entry(entry("adult", params={"variant": "full"}), base_dir=".")
    with pytest.raises(ConfigError, match="no official parts"):
        check_dataset_entry(entry("spambase", part="test"), base_dir=".")


# -- bad input -----------------------------------------------------------------------------


def one_line_error(e: SimpleNamespace) -> str:
    with pytest.raises(DataError) as info:
        load(e)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    # request shared_data before this fixture where a test needs the canonical files
    folder = tmp_path / "data"
    monkeypatch.setenv("BENCHSUITE_DATA_DIR", str(folder))
    return folder


def test_different_header(shared_data, data_dir, monkeypatch, build):
    bad = b'"age";"job";"marital"\n30;"x";"y"\n'
    build.put(data_dir / "uci" / "bank-marketing", {"bank-full.csv": bad})
    register(monkeypatch, build, "bank_marketing", {"bank-full.csv": bad})
    message = one_line_error(entry("bank_marketing"))
    assert "bank_marketing" in message and "bank-full.csv" in message
    assert "has 3 columns" in message and "expected 17" in message


def test_wrong_column_name_and_field_count(shared_data, data_dir, monkeypatch, build):
    real = (shared_data / "uci" / "bank-marketing" / "bank-full.csv").read_bytes()
    renamed = real.replace(b'"balance"', b'"saldo"', 1)
    build.put(data_dir / "uci" / "bank-marketing", {"bank-full.csv": renamed})
    register(monkeypatch, build, "bank_marketing", {"bank-full.csv": renamed})
    assert "column 'saldo' where 'balance' is declared" in one_line_error(entry("bank_marketing"))
    five = b"1,2,3,4,5\n"
    build.put(data_dir / "uci" / "spambase", {"spambase.data": five})
    register(monkeypatch, build, "spambase", {"spambase.data": five})
    assert "5 fields per row, expected 58" in one_line_error(entry("spambase"))


def test_non_numeric_and_empty(data_dir, monkeypatch, build):
    text = b"1.0,2.0,3.0,4.0,0\n1.0,abc,3.0,4.0,1\n"
    build.put(data_dir / "uci" / "banknote", {"data_banknote_authentication.txt": text})
    register(monkeypatch, build, "banknote", {"data_banknote_authentication.txt": text})
    message = one_line_error(entry("banknote"))
    assert "non-numeric value 'abc' in numeric column 'skewness' (data row 2)" in message
    clear_cache()
    build.put(data_dir / "uci" / "banknote", {"data_banknote_authentication.txt": b""})
    register(monkeypatch, build, "banknote", {"data_banknote_authentication.txt": b""})
    assert "is empty" in one_line_error(entry("banknote"))


def test_checksum_mismatch(data_dir, build):
    build.put(data_dir / "uci" / "banknote", {"data_banknote_authentication.txt": b"1,2,3,4,0\n"})
    assert "checksum mismatch" in one_line_error(entry("banknote"))


def test_bank_marketing_missing_says_where_to_get_it(data_dir, monkeypatch):
    message = one_line_error(entry("bank_marketing", params={"variant": "additional"}))
    assert "bank-additional-full.csv" in message and "bank+marketing.zip" in message
    monkeypatch.setenv("BENCHSUITE_OFFLINE", "0")
    message = one_line_error(entry("bank_marketing"))
    assert "bank-full.csv" in message and "bank+marketing.zip" in message


# -- covertype, downloaded from a local server ---------------------------------------------


def tiny_covertype(n: int = 70, seed: int = 0) -> tuple[np.ndarray, bytes]:
    """Rows in covtype.data's format: 10 measurements, 4 + 40 one-hot flags, class 1..7."""
    rng = np.random.default_rng(seed)
    table = np.zeros((n, 55), dtype=np.int64)
    table[:, :10] = rng.integers(0, 4000, size=(n, 10))
    table[np.arange(n), 10 + rng.integers(0, 4, size=n)] = 1
    table[np.arange(n), 14 + rng.integers(0, 40, size=n)] = 1
    table[:, 54] = np.arange(n) % 7 + 1
    text = "\n".join(",".join(map(str, row)) for row in table) + "\n"
    return table, text.encode()


def test_covertype_download(data_dir, monkeypatch, build, server):
    table, text = tiny_covertype()
    archive = build.gz(text, filename="covtype.data")
    mirror = server.serve("covtype", {"covtype.data.gz": archive})
    register(monkeypatch, build, "covertype", {"covtype.data.gz": archive}, mirrors=(mirror,))
    monkeypatch.setenv("BENCHSUITE_OFFLINE", "0")
    ds = load(entry("covertype"))
    assert server.requests == ["/covtype/covtype.data.gz"]
    assert (data_dir / "uci" / "covertype" / "covtype.data.gz").read_bytes() == archive
    assert ds.X.shape == (70, 54) and ds.feature_names == COVERTYPE_FEATURES
    assert ds.classes == list(range(1, 8)) and ds.task == "multiclass"
    np.testing.assert_array_equal(ds.X.to_numpy(), table[:, :54])
    np.testing.assert_array_equal(ds.y, table[:, 54] - 1)


def test_covertype_offline_and_bad_download(data_dir, monkeypatch, build, server):
    message = one_line_error(entry("covertype"))
    assert "covtype.data.gz" in message and "archive.ics.uci.edu" in message
    _, text = tiny_covertype()
    archive = build.gz(text)
    mirror = server.serve("covtype", {"covtype.data.gz": archive[:-20]})  # truncated
    register(monkeypatch, build, "covertype", {"covtype.data.gz": archive}, mirrors=(mirror,))
    monkeypatch.setenv("BENCHSUITE_OFFLINE", "0")
    assert "checksum mismatch" in one_line_error(entry("covertype"))
    assert not (data_dir / "uci" / "covertype" / "covtype.data.gz").exists()


def test_covertype_accepts_sklearn_sha256(data_dir, monkeypatch, build):
    # a copy pinned only by the SHA-256 of the file itself (scikit-learn's figshare copy)
    _, text = tiny_covertype(14)
    archive = build.gz(text)
    build.put(data_dir / "uci" / "covertype", {"covtype.data.gz": archive})
    source = DATASET_SOURCES["covertype"]
    spec = source.remote
    file = dataclasses.replace(spec.files[0], md5="0" * 32, file_sha256=build.sha256(archive))
    patched = dataclasses.replace(source, remote=dataclasses.replace(spec, files=(file,)))
    monkeypatch.setitem(DATASET_SOURCES, "covertype", patched)
    assert load(entry("covertype")).X.shape == (14, 54)


def test_data_status_on_the_canonical_folder(shared_data):
    from benchsuite.datasets import data_status

    rows = {(r["source"], r["file"]): r for r in data_status()}
    for source, file in [
        ("adult", "adult.data"),
        ("adult", "adult.test"),
        ("bank_marketing", "bank-full.csv"),
        ("bank_marketing", "bank-additional-full.csv"),
        ("banknote", "data_banknote_authentication.txt"),
        ("spambase", "spambase.data"),
        ("letter", "letter-recognition.data"),
    ]:
        assert rows[source, file]["status"] == "ok", (source, file)
    assert rows["adult", "adult.test"]["part"] == "test"
    assert rows["covertype", "covtype.data.gz"]["status"] == "missing"

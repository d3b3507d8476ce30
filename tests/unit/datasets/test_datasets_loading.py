"""Tests of load_dataset: builtin, synthetic and file sources, subsampling, fingerprints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets as skdatasets
from sklearn.model_selection import train_test_split

from benchsuite.datasets import Dataset, clear_cache, load_dataset
from benchsuite.errors import ConfigError, DataError


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def entry(source: str, **fields) -> SimpleNamespace:
    values = {"name": source, "source": source, "params": {}, "path": None, "target": None}
    values.update(task=None, subsample=None)
    values.update(fields)
    return SimpleNamespace(**values)


def load(e: SimpleNamespace, base_dir: Path = Path("."), seed: int = 0) -> Dataset:
    return load_dataset(e, base_dir=base_dir, seed=seed)


# -- builtin -------------------------------------------------------------------------------


def test_iris():
    ds = load(entry("iris"))
    reference = skdatasets.load_iris()
    assert (ds.name, ds.source, ds.task) == ("iris", "iris", "multiclass")
    assert (ds.n_samples, ds.n_features) == (150, 4)
    assert ds.classes == [0, 1, 2]
    assert all(type(c) is int for c in ds.classes)
    np.testing.assert_array_equal(ds.X, reference.data)
    np.testing.assert_array_equal(ds.y, reference.target)
    assert ds.X.dtype == np.float64 and ds.y.dtype == np.int64
    assert ds.feature_names == list(reference.feature_names)
    assert "n_samples=150" in repr(ds)


def test_diabetes_is_regression_with_float_target():
    ds = load(entry("diabetes"))
    assert ds.task == "regression"
    assert ds.y.dtype == np.float64
    assert ds.classes is None
    np.testing.assert_array_equal(ds.y, skdatasets.load_diabetes().target)


def test_breast_cancer_is_binary():
    ds = load(entry("breast_cancer"))
    assert (ds.task, ds.classes, ds.n_features) == ("binary", [0, 1], 30)


def test_task_override_on_a_builtin():
    ds = load(entry("iris", task="regression"))
    assert ds.task == "regression" and ds.y.dtype == np.float64 and ds.classes is None


# -- synthetic -----------------------------------------------------------------------------


def make_classification(**params) -> SimpleNamespace:
    return entry("make_classification", name="blobs", params=params)


def test_make_classification_params_are_honoured():
    params = {"n_samples": 60, "n_features": 5, "n_informative": 3, "n_classes": 3}
    ds = load(make_classification(**params), seed=7)
    X, y = skdatasets.make_classification(**params, random_state=7)
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.y, y)
    assert (ds.name, ds.source, ds.task, ds.classes) == (
        "blobs",
        "make_classification",
        "multiclass",
        [0, 1, 2],
    )
    assert ds.feature_names == ["x0", "x1", "x2", "x3", "x4"]


def test_random_state_defaults_from_the_seed():
    e = make_classification(n_samples=40)
    first = load(e, seed=1)
    clear_cache()
    again = load(e, seed=1)
    other = load(e, seed=2)
    np.testing.assert_array_equal(first.X, again.X)
    assert first.fingerprint == again.fingerprint
    assert not np.array_equal(first.X, other.X)
    assert first.fingerprint != other.fingerprint


def test_explicit_random_state_beats_the_seed():
    e = make_classification(n_samples=40, random_state=5)
    np.testing.assert_array_equal(load(e, seed=1).X, load(e, seed=2).X)


def test_make_regression():
    ds = load(entry("make_regression", params={"n_samples": 30, "n_features": 4}))
    assert (ds.task, ds.n_samples, ds.n_features, ds.y.dtype) == (
        "regression",
        30,
        4,
        np.float64,
    )


def test_impossible_generator_params_raise_data_error():
    # sklearn refuses 3 classes x 2 clusters with 2 informative features
    with pytest.raises(DataError, match="make_classification"):
        load(make_classification(n_classes=3, n_informative=2))


def test_invalid_entry_raises_config_error_on_load():
    with pytest.raises(ConfigError) as info:
        load(make_classification(n_sample=10))
    assert info.value.path == ("params", "n_sample")


# -- cache and fingerprint -----------------------------------------------------------------


def test_loads_are_cached_but_keep_each_entry_name():
    first = load(entry("iris"))
    assert load(entry("iris")) is first
    renamed = load(entry("iris", name="flowers"))
    assert renamed.name == "flowers" and renamed.X is first.X


def test_fingerprints_differ_across_datasets():
    fingerprints = {load(entry(name)).fingerprint for name in ("iris", "wine", "diabetes")}
    assert len(fingerprints) == 3
    assert all(len(f) == 16 and int(f, 16) >= 0 for f in fingerprints)


def test_fingerprint_is_stable_across_processes(tmp_path):
    # text columns are hashed; Python's str hash is salted per process, ours must not be
    (tmp_path / "d.csv").write_text("colour,size,label\nred,1,a\nblue,2,b\n")
    code = (
        "from pathlib import Path; from types import SimpleNamespace as E\n"
        "from benchsuite.datasets import load_dataset\n"
        "e = E(name='d', source='csv', path='d.csv', target='label', params={},"
        " task=None, subsample=None)\n"
        f"print(load_dataset(e, base_dir=Path({str(tmp_path)!r}), seed=0).fingerprint)\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            check=True,
            capture_output=True,
            text=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


# -- files ---------------------------------------------------------------------------------


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


def test_csv_round_trip_with_string_labels(tmp_path):
    frame = pd.DataFrame(
        {
            "sepal": [1.0, 2.0, 3.0, 4.0, 5.0],
            "colour": ["red", "blue", "red", "green", "blue"],
            "species": ["virginica", "setosa", "versicolor", "setosa", "virginica"],
        }
    )
    write_csv(tmp_path / "data" / "flowers.csv", frame)
    ds = load(entry("csv", name="flowers", path="data/flowers.csv", target="species"), tmp_path)
    assert ds.task == "multiclass"
    assert ds.classes == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(ds.y, [2, 0, 1, 0, 2])
    assert ds.y.dtype == np.int64
    assert [ds.classes[code] for code in ds.y] == frame["species"].tolist()
    assert isinstance(ds.X, pd.DataFrame)
    assert ds.feature_names == ["sepal", "colour"] == list(ds.X.columns)
    pd.testing.assert_frame_equal(ds.X, frame[["sepal", "colour"]], check_dtype=False)


def test_csv_rows_without_target_are_dropped(tmp_path):
    (tmp_path / "d.csv").write_text("a,y\n1,1\n2,\n3,0\n4,1\n")
    ds = load(entry("csv", path="d.csv", target="y"), tmp_path)
    assert ds.task == "binary"
    assert ds.classes == [0, 1] and all(type(c) is int for c in ds.classes)
    assert ds.X["a"].tolist() == [1, 3, 4]
    np.testing.assert_array_equal(ds.y, [1, 0, 1])


def test_csv_regression_target(tmp_path):
    (tmp_path / "d.csv").write_text("a,y\n1,0.5\n2,1.5\n3,2.25\n")
    ds = load(entry("csv", path="d.csv", target="y"), tmp_path)
    assert ds.task == "regression" and ds.classes is None
    np.testing.assert_array_equal(ds.y, [0.5, 1.5, 2.25])


def test_singleton_class_loads(tmp_path):
    (tmp_path / "d.csv").write_text("a,y\n1,a\n2,a\n3,b\n4,c\n")
    ds = load(entry("csv", path="d.csv", target="y", subsample=3), tmp_path)
    assert ds.n_samples == 3


def test_unreadable_csv_raises_one_line_data_error(tmp_path):
    (tmp_path / "bad.csv").write_text("a,y\n1,2\n3,4,5,6\n")
    with pytest.raises(DataError) as info:
        load(entry("csv", path="bad.csv", target="y"), tmp_path)
    message = str(info.value)
    assert str(tmp_path / "bad.csv") in message and "\n" not in message


def test_regression_override_on_text_target(tmp_path):
    (tmp_path / "d.csv").write_text("a,y\n1,x\n2,z\n")
    with pytest.raises(DataError, match="not numeric"):
        load(entry("csv", path="d.csv", target="y", task="regression"), tmp_path)


def test_binary_override_with_three_classes(tmp_path):
    (tmp_path / "d.csv").write_text("a,y\n1,x\n2,z\n3,w\n")
    with pytest.raises(DataError, match="3 classes"):
        load(entry("csv", path="d.csv", target="y", task="binary"), tmp_path)


def test_parquet_round_trip(tmp_path):
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "label": ["x", "y", "x"]})
    frame.to_parquet(tmp_path / "d.parquet")
    ds = load(entry("parquet", path="d.parquet", target="label"), tmp_path)
    assert (ds.task, ds.classes, ds.feature_names) == ("binary", ["x", "y"], ["a"])
    np.testing.assert_array_equal(ds.y, [0, 1, 0])


def test_parquet_without_pyarrow_says_how_to_install(tmp_path, monkeypatch):
    (tmp_path / "d.parquet").write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes `import pyarrow` fail
    with pytest.raises(DataError, match=r"pip install"):
        load(entry("parquet", path="d.parquet", target="label"), tmp_path)


# -- text encodings ------------------------------------------------------------------------


def write_cities(path: Path, encoding: str, n: int = 30) -> None:
    """A real table in ``encoding``: Zürich (0xfc in Latin-1) first appears on line 3."""
    rows = ["city,size,label"]
    for i in range(n):
        city = "Zürich" if i % 3 == 1 else "Basel"
        rows.append(f"{city},{i * 1.5},{i % 2}")
    path.write_bytes(("\n".join(rows) + "\n").encode(encoding))


def check(e: SimpleNamespace, base_dir: Path) -> None:
    from benchsuite.datasets import check_dataset_entry

    check_dataset_entry(e, base_dir=base_dir)


def test_latin1_csv_fails_validation_with_the_fix(tmp_path):
    write_cities(tmp_path / "cities.csv", "latin-1")
    e = entry("csv", path="cities.csv", target="label")
    with pytest.raises(ConfigError) as info:
        check(e, tmp_path)
    assert info.value.path == ("path",)
    assert info.value.message == (
        f"{tmp_path / 'cities.csv'} is not UTF-8 (byte 0xfc on line 3); set `encoding:` on "
        "this dataset, e.g. encoding: latin-1"
    )


def test_latin1_csv_loads_with_its_encoding(tmp_path):
    write_cities(tmp_path / "cities.csv", "latin-1")
    e = entry("csv", path="cities.csv", target="label", encoding="latin-1")
    check(e, tmp_path)
    ds = load(e, tmp_path)
    assert ds.n_samples == 30 and ds.task == "binary"
    assert set(ds.X["city"]) == {"Zürich", "Basel"}
    # the encoding is part of what was loaded: another one reads (and caches) anew
    cp1252 = load(entry("csv", path="cities.csv", target="label", encoding="cp1252"), tmp_path)
    assert cp1252 is not ds and set(cp1252.X["city"]) == {"Zürich", "Basel"}


def test_utf8_with_bom_and_utf16_files(tmp_path):
    write_cities(tmp_path / "bom.csv", "utf-8-sig")
    check(entry("csv", path="bom.csv", target="label"), tmp_path)  # a BOM is fine
    write_cities(tmp_path / "wide.csv", "utf-16")
    with pytest.raises(ConfigError, match=r"byte 0xff on line 1\).*e\.g\. encoding: utf-16"):
        check(entry("csv", path="wide.csv", target="label"), tmp_path)
    ds = load(entry("csv", path="wide.csv", target="label", encoding="utf-16"), tmp_path)
    assert "Zürich" in set(ds.X["city"])


def test_a_given_encoding_that_does_not_fit_is_located_at_the_key(tmp_path):
    write_cities(tmp_path / "cities.csv", "latin-1")
    with pytest.raises(ConfigError) as info:
        check(entry("csv", path="cities.csv", target="label", encoding="ascii"), tmp_path)
    assert info.value.path == ("encoding",)
    assert "is not valid ascii (byte 0xfc on line 3)" in info.value.message


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"source": "csv", "encoding": "latin-9x"}, "unknown text encoding 'latin-9x'"),
        ({"source": "csv", "encoding": "base64"}, "unknown text encoding 'base64'"),
        ({"source": "iris", "encoding": "latin-1"}, "'encoding' is only for csv files"),
        ({"source": "parquet", "encoding": "latin-1"}, "Parquet stores its text as UTF-8"),
    ],
)
def test_bad_encoding_key(tmp_path, fields, message):
    (tmp_path / "d.csv").write_text("a,label\n1,0\n2,1\n")
    e = entry(fields.pop("source"), path="d.csv", target="label", **fields)
    with pytest.raises(ConfigError, match=message) as info:
        check(e, tmp_path)
    assert info.value.path == ("encoding",)


def test_bad_byte_is_found_across_read_chunks(tmp_path, monkeypatch):
    from benchsuite.datasets import _files

    # multi-byte characters cut by every chunk border, then a Latin-1 byte on line 4
    text = "a,b\nüü€,1\nß€€ü,2\n".encode() + b"x\xe9,3\n"
    (tmp_path / "d.csv").write_bytes(text)
    for size in (1, 2, 3, 5, 7, 64):
        monkeypatch.setattr(_files, "_DECODE_CHUNK", size)
        problem = _files.decoding_problem(tmp_path / "d.csv", None)
        assert problem is not None and "(byte 0xe9 on line 4)" in problem, size
    assert _files.decoding_problem(tmp_path / "d.csv", "latin-1") is None


def test_rows_without_target_are_counted(tmp_path):
    from benchsuite.datasets import rows_without_target

    rows = ["a,b,label"] + [f"{i},{i % 7},{i % 2}" for i in range(200)]
    rows[57] = "56,0,"  # an empty target cell
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    e = entry("csv", path="d.csv", target="label")
    assert rows_without_target(e, base_dir=tmp_path) == (200, 1)
    assert load(e, tmp_path).n_samples == 199  # still dropped, now counted
    assert rows_without_target(entry("iris"), base_dir=tmp_path) is None


# -- subsample -----------------------------------------------------------------------------


def imbalanced(subsample: int | None) -> SimpleNamespace:
    params = {"n_samples": 1000, "weights": [0.8, 0.2], "flip_y": 0}
    return entry("make_classification", params=params, subsample=subsample)


def test_subsample_keeps_class_proportions():
    full = load(imbalanced(None), seed=3)
    part = load(imbalanced(100), seed=3)
    assert part.n_samples == 100
    assert np.bincount(part.y).tolist() == [80, 20]
    # exactly the train part of sklearn's stratified split
    expected, _ = train_test_split(full.X, train_size=100, stratify=full.y, random_state=3)
    np.testing.assert_array_equal(part.X, expected)


def test_subsample_is_seeded():
    a = load(imbalanced(100), seed=3)
    b = load(imbalanced(100), seed=3)
    clear_cache()
    c = load(imbalanced(100), seed=3)
    d = load(imbalanced(100), seed=4)
    np.testing.assert_array_equal(a.X, c.X)
    assert a.fingerprint == b.fingerprint == c.fingerprint != d.fingerprint


def test_subsample_larger_than_data_keeps_all_rows_in_order():
    np.testing.assert_array_equal(load(entry("iris", subsample=500)).X, skdatasets.load_iris().data)


def test_regression_subsample_is_a_seeded_ordered_subset():
    full = load(entry("diabetes"))
    part = load(entry("diabetes", subsample=50), seed=1)
    assert part.n_samples == 50
    rows = [int(np.flatnonzero((row == full.X).all(axis=1))[0]) for row in part.X]
    assert rows == sorted(rows)
    assert load(entry("diabetes", subsample=50), seed=2).fingerprint != part.fingerprint


def test_subsample_keeps_class_codes_contiguous(tmp_path):
    # 'a' has one member, so stratifying is impossible and a class may be left out
    rows = "\n".join(["1,a"] + [f"{i},b" for i in range(10)] + [f"{i},c" for i in range(10)])
    (tmp_path / "d.csv").write_text(f"x,y\n{rows}\n")
    for seed in range(5):
        ds = load(entry("csv", path="d.csv", target="y", subsample=3), tmp_path, seed=seed)
        assert sorted(set(ds.y.tolist())) == list(range(len(ds.classes)))
        assert set(ds.classes) <= {"a", "b", "c"}

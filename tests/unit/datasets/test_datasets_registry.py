"""Tests of the dataset registry: validation, task inference and the light import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchsuite.datasets import (
    DATASET_SOURCES,
    DatasetSource,
    check_dataset_entry,
    clear_cache,
    dataset_task,
    list_sources,
)
from benchsuite.errors import ConfigError


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


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# -- registry ------------------------------------------------------------------------------


def test_registry_holds_the_documented_sources():
    kinds = {name: source.kind for name, source in DATASET_SOURCES.items()}
    assert kinds == {
        "iris": "builtin",
        "wine": "builtin",
        "breast_cancer": "builtin",
        "digits": "builtin",
        "diabetes": "builtin",
        "mnist": "download",
        "fashion_mnist": "download",
        "cifar10": "download",
        "adult": "download",
        "bank_marketing": "download",
        "banknote": "download",
        "spambase": "download",
        "letter": "download",
        "covertype": "download",
        "make_classification": "synthetic",
        "make_regression": "synthetic",
        "synthetic_sequences": "synthetic",
        "openml": "openml",
        "csv": "file",
        "parquet": "file",
    }
    assert all(isinstance(s, DatasetSource) and s.description for s in list_sources())
    assert [s.name for s in list_sources()] == list(DATASET_SOURCES)


def test_every_loader_resolves():
    for source in list_sources():
        assert callable(source.resolve_loader())


def test_import_is_light():
    code = (
        "import sys, benchsuite.datasets\n"
        "heavy = [m for m in ('sklearn', 'pandas', 'numpy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- check_dataset_entry: valid entries ----------------------------------------------------


def test_valid_entries_pass(tmp_path):
    write_csv(tmp_path / "d.csv", "a,b,label\n1,2,x\n")
    check_dataset_entry(entry("iris"), base_dir=tmp_path)
    check_dataset_entry(entry("iris", task="regression", subsample=10), base_dir=tmp_path)
    check_dataset_entry(
        entry("make_classification", params={"n_samples": 50, "random_state": 3}),
        base_dir=tmp_path,
    )
    check_dataset_entry(entry("csv", path="d.csv", target="label"), base_dir=tmp_path)


def test_check_reads_only_the_header(tmp_path):
    # line 3 is malformed: reading it would fail, so passing proves only the header is read
    write_csv(tmp_path / "d.csv", "a,b,label\n1,2,x\n1,2,3,4,5\n")
    check_dataset_entry(entry("csv", path="d.csv", target="label"), base_dir=tmp_path)


# -- check_dataset_entry: errors -----------------------------------------------------------


def check_error(e: SimpleNamespace, base_dir: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        check_dataset_entry(e, base_dir=base_dir)
    return info.value


def test_unknown_source_suggests_the_closest(tmp_path):
    error = check_error(entry("irs"), tmp_path)
    assert error.message == "unknown dataset 'irs' (did you mean 'iris'?)"
    assert error.path == ("source",)


def test_unknown_source_without_close_match(tmp_path):
    error = check_error(entry("zzzzzz"), tmp_path)
    assert error.message == "unknown dataset 'zzzzzz'"


def test_params_for_a_source_without_params(tmp_path):
    error = check_error(entry("iris", params={"n_samples": 10}), tmp_path)
    assert error.path == ("params",)
    assert "takes no parameters" in error.message


def test_unknown_generator_parameter(tmp_path):
    error = check_error(entry("make_classification", params={"n_sample": 10}), tmp_path)
    assert error.message == (
        "unknown parameter 'n_sample' for make_classification (did you mean 'n_samples'?)"
    )
    assert error.path == ("params", "n_sample")


@pytest.mark.parametrize(
    ("source", "name"), [("make_regression", "coef"), ("make_classification", "return_X_y")]
)
def test_generator_output_parameters_are_refused(tmp_path, source, name):
    error = check_error(entry(source, params={name: True}), tmp_path)
    assert error.path == ("params", name)


def test_file_source_needs_path_and_target(tmp_path):
    assert check_error(entry("csv", target="y"), tmp_path).path == ("path",)
    write_csv(tmp_path / "d.csv", "a,y\n1,2\n")
    assert check_error(entry("csv", path="d.csv"), tmp_path).path == ("target",)


def test_missing_file_names_the_absolute_path(tmp_path):
    error = check_error(entry("csv", path="sub/none.csv", target="y"), tmp_path)
    assert error.path == ("path",)
    assert str((tmp_path / "sub" / "none.csv").resolve()) in error.message


def test_unknown_target_column_suggests_the_closest(tmp_path):
    write_csv(tmp_path / "d.csv", "sepal,petal,label\n1,2,x\n")
    error = check_error(entry("csv", path="d.csv", target="lable"), tmp_path)
    assert error.path == ("target",)
    assert "(did you mean 'label'?)" in error.message


def test_target_without_feature_columns(tmp_path):
    write_csv(tmp_path / "d.csv", "label\nx\n")
    assert check_error(entry("csv", path="d.csv", target="label"), tmp_path).path == ("target",)


@pytest.mark.parametrize("key", ["path", "target"])
def test_file_keys_on_a_non_file_source(tmp_path, key):
    error = check_error(entry("iris", **{key: "x"}), tmp_path)
    assert error.path == (key,)


def test_bad_task(tmp_path):
    error = check_error(entry("iris", task="multiclas"), tmp_path)
    assert error.path == ("task",)
    assert "(did you mean 'multiclass'?)" in error.message


def test_binary_task_on_a_multiclass_source(tmp_path):
    assert check_error(entry("iris", task="binary"), tmp_path).path == ("task",)


@pytest.mark.parametrize("subsample", [0, -5])
def test_subsample_below_one(tmp_path, subsample):
    assert check_error(entry("iris", subsample=subsample), tmp_path).path == ("subsample",)


# -- dataset_task --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "params", "task"),
    [
        ("iris", {}, "multiclass"),
        ("wine", {}, "multiclass"),
        ("digits", {}, "multiclass"),
        ("breast_cancer", {}, "binary"),
        ("diabetes", {}, "regression"),
        ("make_classification", {}, "binary"),
        ("make_classification", {"n_classes": 2}, "binary"),
        ("make_classification", {"n_classes": 4, "n_informative": 3}, "multiclass"),
        ("make_regression", {}, "regression"),
    ],
)
def test_static_tasks(tmp_path, source, params, task):
    assert dataset_task(entry(source, params=params), base_dir=tmp_path) == task


def test_task_override_wins(tmp_path):
    assert dataset_task(entry("iris", task="regression"), base_dir=tmp_path) == "regression"
    write_csv(tmp_path / "d.csv", "a,y\n1,0.5\n2,1.5\n")
    csv = entry("csv", path="d.csv", target="y", task="multiclass")
    assert dataset_task(csv, base_dir=tmp_path) == "multiclass"


@pytest.mark.parametrize(
    ("column", "task"),
    [
        (["yes", "no", "yes", "no"], "binary"),
        (["a", "b", "c", "a"], "multiclass"),
        (["True", "False", "True", "True"], "binary"),
        ([0, 1, 1, 0], "binary"),
        ([0, 1, 2, 3], "multiclass"),
        ([1, 0, "", 1], "binary"),  # an int column with a gap is read as float
        ([0.5, 1.25, 2.0, 3.0], "regression"),
        (list(range(25)), "regression"),  # too many distinct integers for classes
    ],
)
def test_task_inferred_from_a_csv_target(tmp_path, column, task):
    rows = "\n".join(f"{i},{value}" for i, value in enumerate(column))
    write_csv(tmp_path / "d.csv", f"a,y\n{rows}\n")
    assert dataset_task(entry("csv", path="d.csv", target="y"), base_dir=tmp_path) == task


def test_task_follows_a_changed_file(tmp_path):
    csv = entry("csv", path="d.csv", target="y")
    write_csv(tmp_path / "d.csv", "a,y\n1,a\n2,b\n")
    assert dataset_task(csv, base_dir=tmp_path) == "binary"
    write_csv(tmp_path / "d.csv", "a,y\n1,a\n2,b\n3,c\n")
    assert dataset_task(csv, base_dir=tmp_path) == "multiclass"


def test_task_of_an_invalid_entry_raises_config_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        dataset_task(entry("csv", path="none.csv", target="y"), base_dir=tmp_path)
    assert info.value.path == ("path",)


def test_parquet_entry_is_checked_from_the_schema(tmp_path):
    pytest.importorskip("pyarrow")
    import pandas as pd

    pd.DataFrame({"a": [1.0, 2.0], "label": ["x", "y"]}).to_parquet(tmp_path / "d.parquet")
    good = entry("parquet", path="d.parquet", target="label")
    check_dataset_entry(good, base_dir=tmp_path)
    assert dataset_task(good, base_dir=tmp_path) == "binary"
    error = check_error(entry("parquet", path="d.parquet", target="lbl"), tmp_path)
    assert error.path == ("target",) and "(did you mean 'label'?)" in error.message

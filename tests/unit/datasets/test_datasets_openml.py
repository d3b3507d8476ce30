"""OpenML datasets and tasks, served from 127.0.0.1: real recorded responses for the
datasets (tests/data/openml), task descriptions and fold files built here in OpenML's
formats. Never the network."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import KFold, cross_validate, train_test_split
from sklearn.neighbors import KNeighborsClassifier

from benchsuite.datasets import check_dataset_entry, clear_cache, dataset_task, load_dataset
from benchsuite.datasets._openml import openml_home, parse_shorthand
from benchsuite.errors import ConfigError, DataError
from benchsuite.executors import run_plan
from benchsuite.plan import build_plan
from benchsuite.suite import SuiteError, parse_suite

RECORDED = Path(__file__).resolve().parents[2] / "data" / "openml"
GZIP = {"Content-Encoding": "gzip", "Content-Type": "application/json"}


def entry(**fields) -> SimpleNamespace:
    values = {"name": "ds", "source": "openml", "params": {}, "path": None, "target": None}
    values.update(task=None, subsample=None, part=None)
    values.update(fields)
    return SimpleNamespace(**values)


def load(e: SimpleNamespace, seed: int = 0):
    return load_dataset(e, base_dir=Path("."), seed=seed)


class OpenML:
    """A local OpenML: recorded dataset responses and tasks built on demand."""

    def __init__(self, server) -> None:
        self.server = server
        for folder in RECORDED.glob("id_*"):
            data_id = folder.name.removeprefix("id_")
            for kind, path in (("jd", ""), ("jdf", "features/"), ("jdq", "qualities/")):
                body = (folder / f"api-v1-{kind}-{data_id}.json.gz").read_bytes()
                self.route(f"api/v1/json/data/{path}{data_id}", body, GZIP)
            description = json.loads(gzip.decompress(self.body(f"api/v1/json/data/{data_id}")))
            url = description["data_set_description"]["url"]
            data = next(folder.glob("data-v1-dl-*.arff.gz")).read_bytes()
            self.route(url.split("://", 1)[1].split("/", 1)[1], data, {"Content-Encoding": "gzip"})

    def route(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.server.routes[f"/{path}"] = (200, headers or {}, body)

    def body(self, path: str) -> bytes:
        return self.server.routes[f"/{path}"][2]

    def unknown(self, path: str, code: str, message: str) -> None:
        # what OpenML answers for an id it does not know: 412 and a JSON error
        body = json.dumps({"error": {"code": code, "message": message}}).encode()
        self.server.routes[f"/{path}"] = (412, {"Content-Type": "application/json"}, body)

    def task(
        self,
        task_id: int,
        data_id: int,
        target: str,
        n_rows: int,
        *,
        procedure: str = "crossvalidation",
        repeats: int = 1,
        folds: int = 10,
        task_type: str = "1",
        gzipped: bool = False,
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Publish a task in OpenML's JSON + ARFF formats; return its splits in order."""
        splits = []
        for repeat in range(repeats):
            if procedure == "holdout":
                rows = np.arange(n_rows)
                train, test = train_test_split(rows, test_size=0.33, random_state=repeat)
                splits.append((np.sort(train), np.sort(test)))
            else:
                kfold = KFold(folds, shuffle=True, random_state=repeat)
                splits.extend(kfold.split(np.zeros(n_rows)))
        lines = [
            f"@RELATION Task_{task_id}_splits",
            "",
            "@ATTRIBUTE type {TRAIN,TEST}",
            "@ATTRIBUTE rowid INTEGER",
            "@ATTRIBUTE repeat INTEGER",
            "@ATTRIBUTE fold INTEGER",
            "",
            "@DATA",
        ]
        n_folds = 1 if procedure == "holdout" else folds
        for index, (train, test) in enumerate(splits):
            repeat, fold = divmod(index, n_folds)
            lines += [f"TRAIN,{r},{repeat},{fold}" for r in train]
            lines += [f"TEST,{r},{repeat},{fold}" for r in test]
        splits_path = f"api_splits/get/{task_id}/Task_{task_id}_splits.arff"
        arff = ("\n".join(lines) + "\n").encode()
        self.route(splits_path, gzip.compress(arff) if gzipped else arff)
        if gzipped:
            self.server.routes[f"/{splits_path}"][1]["Content-Encoding"] = "gzip"
        doc = {
            "task": {
                "task_id": str(task_id),
                "task_name": f"Task {task_id}",
                "task_type_id": task_type,
                "task_type": {"1": "Supervised Classification", "2": "Supervised Regression"}.get(
                    task_type, "Clustering"
                ),
                "input": [
                    {
                        "name": "source_data",
                        "data_set": {"data_set_id": str(data_id), "target_feature": target},
                    },
                    {
                        "name": "estimation_procedure",
                        "estimation_procedure": {
                            "id": "1",
                            "type": procedure,
                            "data_splits_url": f"https://api.openml.org/{splits_path}",
                            "parameter": [
                                {"name": "number_repeats", "value": str(repeats)},
                                {"name": "number_folds", "value": str(n_folds)},
                                {"name": "percentage"},
                                {"name": "stratified_sampling", "value": "true"},
                            ],
                        },
                    },
                ],
            }
        }
        self.route(f"api/v1/json/task/{task_id}", json.dumps(doc).encode())
        return splits


@pytest.fixture
def openml(server, monkeypatch) -> OpenML:
    monkeypatch.setenv("BENCHSUITE_OPENML_URL", server.url)
    monkeypatch.delenv("BENCHSUITE_OFFLINE")
    clear_cache()
    return OpenML(server)


def test_shorthand():
    assert parse_shorthand("openml:31") == {"data_id": 31}
    assert parse_shorthand("openml:task:59") == {"task_id": 59}
    assert parse_shorthand("openml:") is None
    assert parse_shorthand("openml:x") is None
    assert parse_shorthand("adult") is None


def test_iris_equals_sklearn_and_is_cached(openml, monkeypatch):
    from sklearn.datasets import load_iris

    ds = load(entry(params={"data_id": 61}))
    assert ds.task == "multiclass"
    assert ds.X.shape == (150, 4)
    assert ds.classes == ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]
    assert np.bincount(ds.y).tolist() == [50, 50, 50]
    # the same flowers as scikit-learn's copy (UCI's, two rows corrected there)
    ours = ds.X.to_numpy(dtype=float)
    theirs = load_iris().data
    assert (np.abs(ours - theirs).max(axis=1) < 1e-9).sum() >= 148
    requests = list(openml.server.requests)
    assert "/data/v1/download/61/iris.arff" in requests
    assert (openml_home() / "openml.org" / "api" / "v1" / "json" / "data" / "61.gz").is_file()
    # a new process reads the cache: nothing is requested, even offline
    clear_cache()
    monkeypatch.setenv("BENCHSUITE_OFFLINE", "1")
    again = load(entry(params={"data_id": 61}))
    assert openml.server.requests == requests
    assert again.fingerprint == ds.fingerprint


def test_titanic_categories_missing_values_and_text_dropped(openml):
    ds = load(entry(params={"data_id": 40945}))
    assert ds.task == "binary" and ds.classes == ["0", "1"]
    assert ds.X.shape == (1309, 8)  # 13 features, minus 5 free-text columns
    assert "name" not in ds.X.columns and "ticket" not in ds.X.columns
    assert isinstance(ds.X["sex"].dtype, pd.CategoricalDtype)
    assert isinstance(ds.X["embarked"].dtype, pd.CategoricalDtype)
    assert ds.X["age"].isna().sum() == 263
    assert ds.X["embarked"].isna().sum() == 2


def test_regression_and_target_override(openml):
    e = entry(params={"data_id": 561})
    assert dataset_task(e, base_dir=Path(".")) == "regression"
    ds = load(e)
    assert ds.task == "regression" and ds.y.dtype == np.float64 and ds.X.shape == (209, 7)
    # another column as the target: a numeric one is regression too
    other = entry(name="mmax", params={"data_id": 561}, target="MMAX")
    assert dataset_task(other, base_dir=Path(".")) == "regression"
    assert "MMAX" not in load(other).X.columns


def test_task_folds_are_the_published_ones(openml):
    splits = openml.task(59, 61, "class", 150, repeats=2, folds=5)
    e = entry(params={"task_id": 59})
    assert dataset_task(e, base_dir=Path(".")) == "multiclass"
    ds = load(e)
    assert len(ds.folds) == 10 and ds.official_split is None
    for (train, test), (want_train, want_test) in zip(ds.folds, splits, strict=True):
        np.testing.assert_array_equal(train, np.sort(want_train))
        np.testing.assert_array_equal(test, np.sort(want_test))


def test_split_openml_fold_scores_equal_cross_validate(openml, tmp_path):
    splits = openml.task(59, 61, "class", 150, folds=10, gzipped=True)
    text = """
name: openml-parity
defaults: {evaluation: {split: openml}, metrics: [accuracy, f1_macro]}
datasets: [openml:task:59, {name: iris-cv, source: openml:61, evaluation: {cv: 3}}]
estimators: [{name: knn, model: "sklearn.neighbors:KNeighborsClassifier"}]
"""
    suite = parse_suite(text, source="s.yaml", base_dir=tmp_path)
    assert [d.name for d in suite.datasets] == ["openml-task-59", "iris-cv"]
    plan = build_plan(suite)
    result = run_plan(plan, output=tmp_path / "out", command_line=["test"])
    records = [r for r in result.records if r.dataset == "openml-task-59"]
    assert [r.fold for r in records] == list(range(10))
    assert {r.n_folds for r in records} == {10} and records[0].evaluation == "split=openml"
    ds = load(entry(params={"data_id": 61}))
    want = cross_validate(
        clone(KNeighborsClassifier()),
        ds.X.to_numpy(),
        ds.y,
        cv=[(np.sort(a), np.sort(b)) for a, b in splits],
        scoring=["accuracy", "f1_macro"],
    )
    assert [r.metrics["accuracy"] for r in records] == want["test_accuracy"].tolist()
    assert [r.metrics["f1_macro"] for r in records] == want["test_f1_macro"].tolist()
    assert [r.status for r in result.records if r.dataset == "iris-cv"] == ["ok"] * 3


def test_holdout_task_is_the_official_split(openml, tmp_path):
    splits = openml.task(7, 40945, "survived", 1309, procedure="holdout")
    ds = load(entry(params={"task_id": 7}))
    np.testing.assert_array_equal(ds.official_split[1], splits[0][1])
    text = """
name: holdout
defaults: {evaluation: {split: official}, metrics: [accuracy]}
datasets: [openml:task:7, openml:61]
estimators: [hist_gb]
"""
    plan = build_plan(parse_suite(text, source="s.yaml", base_dir=tmp_path))
    result = run_plan(plan, output=tmp_path / "out", command_line=["test"])
    by = {r.dataset: r for r in result.records}
    assert by["openml-task-7"].status == "ok" and by["openml-task-7"].n_test == len(splits[0][1])
    assert by["openml-61"].status == "skipped"
    assert "no official train/test split" in by["openml-61"].error


def test_split_openml_on_a_dataset_is_skipped_with_the_reason(openml, tmp_path):
    text = """
name: s
defaults: {evaluation: {split: openml}}
datasets: [openml:61]
estimators: [logreg]
"""
    plan = build_plan(parse_suite(text, source="s.yaml", base_dir=tmp_path))
    (case,) = plan.cases
    assert "is not an OpenML task" in case.skip_reason


@pytest.mark.parametrize(
    ("dataset", "message"),
    [
        ("openml:999999", "no OpenML dataset 999999 (OpenML answered 412: Unknown dataset)"),
        ("openml:task:424242", "no OpenML task 424242 (OpenML answered 404"),
        ("{source: openml, params: {data_id: 61, task_id: 59}}", "needs one of params.data_id"),
        ("{source: openml, params: {id: 61}}", "unknown parameter 'id' for openml"),
        ("{source: openml, params: {data_id: -3}}", "data_id must be a positive integer"),
        ("{source: openml:61, target: klass}", "has no column 'klass' (did you mean 'class'?)"),
        ("{source: openml:task:59, target: petallength}", "cannot change it"),
        ("{source: openml:61, path: x.csv}", "'path' is only for file sources"),
        ("{source: openml:task:59, subsample: 50}", "subsample cannot be used with split: openml"),
    ],
)
def test_bad_entries_are_located_one_line_errors(openml, tmp_path, dataset, message):
    openml.task(59, 61, "class", 150)
    openml.unknown("api/v1/json/data/999999", "111", "Unknown dataset")
    text = f"""
name: s
defaults: {{evaluation: {{split: openml}}}}
datasets:
  - {dataset}
estimators: [logreg]
"""
    with pytest.raises(SuiteError) as info:
        parse_suite(text, source="s.yaml", base_dir=tmp_path)
    assert str(info.value).startswith("s.yaml:5: datasets[0]")
    assert message in str(info.value) and "\n" not in str(info.value)


def test_offline_without_cache_says_what_to_do(openml, monkeypatch):
    monkeypatch.setenv("BENCHSUITE_OFFLINE", "1")
    with pytest.raises(DataError, match=r"downloads are off .*benchsuite data fetch"):
        dataset_task(entry(name="iris", params={"data_id": 61}), base_dir=Path("."))


def test_unreachable_server_and_non_supervised_task(openml, monkeypatch):
    openml.task(8, 61, "class", 150, task_type="5")
    with pytest.raises(DataError, match="Clustering task; benchsuite runs supervised"):
        dataset_task(entry(params={"task_id": 8}), base_dir=Path("."))
    monkeypatch.setenv("BENCHSUITE_OPENML_URL", "http://127.0.0.1:9/")
    clear_cache()
    with pytest.raises(DataError, match=r"^ds: cannot download http://127.0.0.1:9/api/v1/json"):
        dataset_task(entry(params={"data_id": 561}), base_dir=Path("."))
    assert not list(openml_home().rglob("*.part"))  # no half-written file left


def test_check_entry_needs_no_network():
    check_dataset_entry(entry(params={"data_id": 61}), base_dir=Path("."))
    with pytest.raises(ConfigError, match="needs one of"):
        check_dataset_entry(entry(params={}), base_dir=Path("."))


def test_cli_fetch_then_run_offline_and_validate_wrong_id(openml, tmp_path, monkeypatch, capsys):
    from benchsuite.cli import main

    openml.task(59, 61, "class", 150, folds=3)
    assert main(["data", "fetch", "openml:task:59"]) == 0
    out = capsys.readouterr().out
    assert "Task_59_splits.arff.gz ok" in out.replace("\n", "")
    # everything is cached: the suite validates and runs with downloads off
    monkeypatch.setenv("BENCHSUITE_OFFLINE", "1")
    clear_cache()
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "name: s\ndefaults: {evaluation: {split: openml}, metrics: [accuracy]}\n"
        "datasets: [openml:task:59]\nestimators: [logreg]\n"
    )
    assert main(["run", str(suite), "-o", str(tmp_path / "out"), "-q"]) == 0
    records = list((tmp_path / "out").rglob("records.jsonl"))[0].read_text().splitlines()
    assert [json.loads(line)["status"] for line in records] == ["ok"] * 3
    # a wrong id: one line on stderr, exit 2, from validate and run alike
    monkeypatch.delenv("BENCHSUITE_OFFLINE")
    openml.unknown("api/v1/json/data/424242", "111", "Unknown dataset")
    suite.write_text("name: s\ndatasets: [openml:424242]\nestimators: [logreg]\n")
    capsys.readouterr()
    for command in (["validate", str(suite)], ["run", str(suite), "-o", str(tmp_path / "o2")]):
        assert main(command) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and "no OpenML dataset 424242" in err, err
        assert "s.yaml:2: datasets[0].source: openml-424242" in err


def test_parsed_data_is_cached_and_a_bad_md5_is_refused(openml, monkeypatch):
    from benchsuite.datasets import _load_openml

    first = load(entry(params={"data_id": 40945}))
    assert list((openml_home() / "parsed").glob("40945-*.npz"))
    clear_cache()

    def no_parse(*args, **kwargs):
        raise AssertionError("the ARFF file was parsed again")

    with monkeypatch.context() as patched:
        patched.setattr(_load_openml, "read_arff", no_parse)
        again = load(entry(params={"data_id": 40945}))
    assert again.fingerprint == first.fingerprint
    pd.testing.assert_frame_equal(again.X, first.X)
    # a data file whose md5 is not the published one is refused, and removed
    description = json.loads(gzip.decompress(openml.body("api/v1/json/data/561")))
    description["data_set_description"]["md5_checksum"] = "0" * 32
    openml.route("api/v1/json/data/561", json.dumps(description).encode())
    with pytest.raises(DataError, match="not the published 000000"):
        load(entry(params={"data_id": 561}))
    assert not list(openml_home().rglob("cpu.arff.gz"))

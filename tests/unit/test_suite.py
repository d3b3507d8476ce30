"""Suite YAML -> Suite: every bad input is one ``file:line: key: message`` SuiteError."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from benchsuite.suite import SuiteError, load_suite, parse_suite

ROOT = Path(__file__).resolve().parents[2]
SRC = "s.yaml"
# the smallest valid body; most cases below add one mistake to it
BODY = "datasets: [iris]\nestimators: [svc]\n"


def y(text: str) -> str:
    """Dedented YAML; line 1 is the first line after the opening quotes."""
    return textwrap.dedent(text).lstrip("\n")


def suite_error(text: str | bytes, **kwargs) -> str:
    with pytest.raises(SuiteError) as info:
        parse_suite(text, source=SRC, **kwargs)
    msg = str(info.value)
    assert "\n" not in msg and "\r" not in msg, msg
    return msg


def assert_error(msg: str, line: int | None, key: str | None, *parts: str) -> None:
    where = f"{SRC}:{line}" if line is not None else SRC
    prefix = f"{where}: {key}: " if key else f"{where}: "
    assert msg.startswith(prefix), f"{msg!r} does not start with {prefix!r}"
    for part in parts:
        assert part in msg, f"{part!r} not in {msg!r}"


def bad(text: str, line: int | None, key: str | None, *parts: str, id: str | None = None):
    """A case: the YAML, the line and key path reported, substrings of the message."""
    return pytest.param(text, line, key, parts, id=id)


BAD = [
    # -- the document itself ------------------------------------------------------------
    bad("- iris\n- svc\n", 1, None, "top level must be a mapping", "got a list", id="list"),
    bad("just a string\n", 1, None, "top level must be a mapping", id="scalar"),
    bad("# a comment\n\n- iris\n", 3, None, "got a list", id="list-after-comment"),
    bad(
        y("""
        name: x
        datasets: [iris
        estimators: [svc]
        """),
        3,
        None,
        "YAML syntax error",
        id="syntax-flow",
    ),
    bad(
        y("""
        name: x
        datasets:
          - iris
         estimators: [svc]
        """),
        4,
        None,
        "YAML syntax error",
        id="syntax-indent",
    ),
    bad("name: x\n\tdatasets: [iris]\n", 2, None, "YAML syntax error", id="tab"),
    bad(
        "name: x\n" + BODY + "---\nname: y\n",
        4,
        None,
        "single document",
        id="two-documents",
    ),
    bad(
        "name: x\ndefaults:\n  evaluation: {cv: ${N}}\n" + BODY,
        3,
        None,
        "YAML syntax error",
        'quote values that use ${VAR}: "${VAR}"',
        id="env-in-flow-mapping",
    ),
    bad(
        "name: x\ndatasets: &a [iris, *a]\nestimators: [svc]\n",
        2,
        "datasets[1]",
        "alias refers to itself",
        id="recursive-alias",
    ),
    bad(
        "name: x\n"
        + "".join(
            f"k{i}: &k{i} [" + ", ".join([f"*k{i - 1}" if i else "x"] * 10) + "]\n"
            for i in range(7)
        ),
        2,  # the anchored list that gets expanded
        None,
        "too many YAML nodes",
        id="billion-laughs",
    ),
    # -- unknown keys, at every level -----------------------------------------------------
    bad("nme: x\n" + BODY, 1, "nme", "unknown key 'nme'", "(did you mean 'name'?)", id="nme"),
    bad(
        y("""
        name: x
        datasets: [iris]
        estimator: [svc]
        """),
        3,
        "estimator",
        "unknown key 'estimator'",
        "(did you mean 'estimators'?)",
        id="estimator",
    ),
    bad("name: x\n1: 2\n" + BODY, 2, "1", "unknown key '1'", "allowed keys: name,", id="int-key"),
    bad(
        y("""
        name: x
        defaults:
          repeat: 2
        datasets: [iris]
        estimators: [svc]
        """),
        3,
        "defaults.repeat",
        "(did you mean 'repeats'?)",
        "allowed keys: evaluation, repeats, metrics, timeout",
        id="defaults",
    ),
    bad(
        y("""
        name: x
        defaults:
          evaluation:
            hodlout: 0.2
        datasets: [iris]
        estimators: [svc]
        """),
        4,
        "defaults.evaluation.hodlout",
        "(did you mean 'holdout'?)",
        "allowed keys: cv, holdout",
        id="defaults.evaluation",
    ),
    bad(
        y("""
        name: x
        datasets:
          - iris
          - {nme: wine}
        estimators: [svc]
        """),
        4,
        "datasets[1].nme",
        "(did you mean 'name'?)",
        id="dataset-nme",
    ),
    bad(
        y("""
        name: x
        datasets:
          - name: iris
            sorce: iris
        estimators: [svc]
        """),
        4,
        "datasets[0].sorce",
        "(did you mean 'source'?)",
        id="dataset-sorce",
    ),
    bad(
        y("""
        name: x
        datasets: [iris]
        estimators:
          - svc
          - name: forest
            model: rf
            parms: {n_estimators: 10}
        """),
        7,
        "estimators[1].parms",
        "(did you mean 'params'?)",
        "allowed keys: name, model, params, grid",
        id="estimator-parms",
    ),
    bad(
        y("""
        name: x
        datasets: [iris]
        estimators: [svc]
        pairs:
          - datasets: [iris]
            estimator: [svc]
        """),
        6,
        "pairs[0].estimator",
        "(did you mean 'estimators'?)",
        id="pairs-entry",
    ),
    bad(
        y("""
        name: x
        datasets: [iris]
        estimators:
          - {name: s, model: svc, params: {1: 2}}
        """),
        4,
        "estimators[0].params",
        "key 1 must be a string",
        id="param-key-not-string",
    ),
    # -- unknown names and parameters -----------------------------------------------------
    bad(
        "name: x\ndatasets: [irs]\nestimators: [svc]\n",
        2,
        "datasets[0].source",
        "unknown dataset 'irs'",
        "(did you mean 'iris'?)",
        id="dataset-irs",
    ),
    bad(
        y("""
        name: x
        datasets: [iris]
        estimators:
          - svm_rbf
        """),
        4,
        "estimators[0].model",
        "unknown estimator 'svm_rbf'",
        "(did you mean 'svc'?)",
        id="estimator-svm_rbf",
    ),
    bad(
        y("""
        name: x
        datasets: [iris]
        estimators:
          - svc
          - name: forest
            model: rf
            params:
              max_depth: 3
              n_estimator: 10
        """),
        9,
        "estimators[1].params.n_estimator",
        "unknown parameter 'n_estimator' for RandomForestClassifier",
        "(did you mean 'n_estimators'?)",
        id="param-n_estimator",
    ),
    bad(
        y("""
        name: x
        datasets: [iris]
        estimators:
          - name: s
            model: svc
            grid:
              C: [1, 10]
              gama: [0.1]
        """),
        8,
        "estimators[0].grid.gama",
        "(did you mean 'gamma'?)",
        id="grid-gama",
    ),
    bad(
        y("""
        name: x
        defaults:
          metrics: [accuracy, acuracy]
        datasets: [iris]
        estimators: [svc]
        """),
        3,
        "defaults.metrics[1]",
        "unknown metric 'acuracy'",
        "(did you mean 'accuracy'?)",
        id="metric",
    ),
    # -- wrong types --------------------------------------------------------------------
    bad(
        "name: x\ndefaults:\n  evaluation: {cv: '5'}\n" + BODY,
        3,
        "defaults.evaluation.cv",
        "valid integer",
        "got a string ('5')",
        id="cv-string",
    ),
    bad(
        "name: x\ndefaults:\n  evaluation: {cv: true}\n" + BODY,
        3,
        "defaults.evaluation.cv",
        "valid integer",
        "got a boolean (true)",
        id="cv-bool",
    ),
    bad("name: x\nseed: 1.5\n" + BODY, 2, "seed", "valid integer", "1.5", id="seed"),
    bad("name: 5\n" + BODY, 1, "name", "valid string", id="name-int"),
    bad(
        "name: x\ndatasets: iris\nestimators: [svc]\n",
        2,
        "datasets",
        "must be a list, got a string",
        id="datasets-not-list",
    ),
    bad(
        "name: x\ndatasets: [iris]\nestimators:\n  - {name: s, model: svc, params: [1, 2]}\n",
        4,
        "estimators[0].params",
        "must be a mapping, got a list",
        id="params-list",
    ),
    bad(
        "name: x\ndatasets: [5]\nestimators: [svc]\n",
        2,
        "datasets[0]",
        "must be a name or a mapping",
        id="dataset-number",
    ),
    bad(
        "name: x\ndefaults:\n  metrics: accuracy\n" + BODY,
        3,
        "defaults.metrics",
        "valid list",
        id="metrics-string",
    ),
    bad(
        "name: x\ndefaults:\n" + BODY,
        2,
        "defaults",
        "must be a mapping, got nothing (null)",
        id="defaults-null",
    ),
    bad(
        "name: x\ndatasets:\n  - {name: iris, task: clasification}\nestimators: [svc]\n",
        3,
        "datasets[0].task",
        "'binary', 'multiclass' or 'regression'",
        "'clasification'",
        id="task",
    ),
    bad(
        "name: x\n" + BODY + "pairs: some\n",
        4,
        "pairs",
        "must be 'all' or a list of {datasets: [...], estimators: [...]}",
        id="pairs-string",
    ),
    bad(
        "name: x\n" + BODY + "pairs: [iris]\n",
        4,
        "pairs[0]",
        "must be a mapping",
        id="pairs-list-of-names",
    ),
    bad("name: x\n" + BODY + "pairs: []\n", 4, "pairs", "at least 1", id="pairs-empty"),
    bad(
        "name: x\ndatasets: []\nestimators: [svc]\n",
        2,
        "datasets",
        "at least one",
        id="datasets-empty",
    ),
    bad(
        "name: x\nestimators: [svc]\n", 1, None, "missing required key 'datasets'", id="no-datasets"
    ),
    # -- out of range -------------------------------------------------------------------
    *(
        bad(
            f"name: x\ndefaults:\n  evaluation: {{{ev}}}\n" + BODY,
            3,
            key,
            text,
            id=ev,
        )
        for ev, key, text in [
            ("cv: 1", "defaults.evaluation.cv", "greater than or equal to 2"),
            ("cv: -3", "defaults.evaluation.cv", "greater than or equal to 2"),
            ("holdout: 0", "defaults.evaluation.holdout", "greater than 0"),
            ("holdout: 1", "defaults.evaluation.holdout", "less than 1"),
            ("holdout: 1.5", "defaults.evaluation.holdout", "less than 1"),
            (
                "cv: 3, holdout: 0.2",
                "defaults.evaluation",
                "give one of 'cv', 'holdout' or 'split', not cv and holdout",
            ),
            (
                "split: official, stratify: false",
                "defaults.evaluation",
                "stratify applies to cv and holdout; split: official uses the published split",
            ),
            ("holdout: 0.2, stratify: 'no'", "defaults.evaluation.stratify", "boolean"),
        ]
    ),
    bad(
        "name: x\ndefaults:\n  target: {f1: 0.9}\n" + BODY,
        3,
        "defaults.target",
        "unknown key 'f1'",
        "'accuracy' or 'r2'",
    ),
    bad(
        "name: x\ndefaults:\n  device: gpu\n" + BODY,
        3,
        "defaults.device",
        "must be one of auto, cpu, cuda, cuda:N, mps",
    ),
    bad(
        "name: x\ndefaults:\n  evaluation: {split: random}\n" + BODY,
        3,
        "defaults.evaluation.split",
        "'official'",
    ),
    bad(
        "name: x\ndatasets: [{name: m, source: mnist, part: val}]\nestimators: [svc]\n",
        2,
        "datasets[0].part",
        "'train', 'test' or 'all'",
    ),
    bad(
        "name: x\ndefaults:\n  repeats: 0\n" + BODY,
        3,
        "defaults.repeats",
        "greater than or equal to 1",
        id="repeats-0",
    ),
    bad(
        "name: x\ndefaults:\n  timeout: 0\n" + BODY,
        3,
        "defaults.timeout",
        "greater than 0",
        id="timeout-0",
    ),
    bad(
        "name: x\ndatasets:\n  - {name: iris, subsample: 0}\nestimators: [svc]\n",
        3,
        "datasets[0].subsample",
        "greater than or equal to 1",
        id="subsample-0",
    ),
    # -- duplicates ---------------------------------------------------------------------
    bad(
        y("""
        name: x
        datasets:
          - iris
          - {name: iris, source: wine}
        estimators: [svc]
        """),
        4,
        "datasets[1].name",
        "duplicate name 'iris' (also datasets[0])",
        id="dup-dataset",
    ),
    bad(
        y("""
        name: x
        datasets: [iris]
        estimators:
          - svc
          - knn
          - svc
        """),
        6,
        "estimators[2].name",
        "duplicate name 'svc' (also estimators[0])",
        id="dup-estimator",
    ),
    bad(
        "name: x\n" + BODY + "name: y\n",
        4,
        "top level",
        "duplicate key 'name' (first at line 1)",
        id="dup-key-top",
    ),
    bad(
        "name: x\ndefaults:\n  repeats: 1\n  repeats: 2\n" + BODY,
        4,
        "defaults",
        "duplicate key 'repeats' (first at line 3)",
        id="dup-key-nested",
    ),
    # -- import strings -----------------------------------------------------------------
    *(
        bad(
            f"name: x\ndatasets: [iris]\nestimators:\n  - svc\n  - model: {model}\n",
            5,
            "estimators[1].model",
            *texts,
            id=model,
        )
        for model, texts in [
            ("nopkg.mod:Cls", ["cannot import 'nopkg.mod'", "No module named 'nopkg'"]),
            ("sklearn.svm:SVX", ["module 'sklearn.svm' has no class 'SVX' (did you mean"]),
            ("collections:OrderedDict", ["'collections:OrderedDict' is not an estimator"]),
            (
                "sklearn.preprocessing:StandardScaler",
                ["'sklearn.preprocessing:StandardScaler' is not an estimator"],
            ),
            ("not an import:string", ["invalid import string"]),
        ]
    ),
    # -- pairs naming what the suite does not have ----------------------------------------
    bad(
        y("""
        name: x
        datasets: [iris]
        estimators: [svc]
        pairs:
          - datasets: [iris, wine]
            estimators: [svc]
        """),
        5,
        "pairs[0].datasets[1]",
        "'wine' is not one of the suite's datasets",
        "they are: iris",
        id="pairs-unknown-dataset",
    ),
    bad(
        y("""
        name: x
        datasets: [iris]
        estimators: [svc, knn]
        pairs:
          - {datasets: [iris], estimators: [knn]}
          - {datasets: [iris], estimators: [svr]}
        """),
        6,
        "pairs[1].estimators[0]",
        "'svr' is not one of the suite's estimators (did you mean 'svc'?)",
        id="pairs-unknown-estimator",
    ),
]


@pytest.mark.parametrize(("text", "line", "key", "parts"), BAD)
def test_bad_suite_is_one_located_line(text, line, key, parts):
    assert_error(suite_error(text), line, key, *parts)


def test_missing_class_suggests_svc():
    msg = suite_error("name: x\ndatasets: [iris]\nestimators:\n  - model: sklearn.svm:SVX\n")
    assert "(did you mean 'SVC'?)" in msg


# -- files ----------------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(SuiteError, match=r"^.*nope\.yaml: no such file$"):
        load_suite(path)


def test_directory(tmp_path):
    with pytest.raises(SuiteError, match="is a directory"):
        load_suite(tmp_path)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        pytest.param(b"", "file is empty", id="empty"),
        pytest.param(b"\n  \n", "file is empty", id="blank"),
        pytest.param(b"# only\n  # comments\n\n", "file is empty", id="comments"),
        pytest.param(b"name: x\x00\x01\x02\n", "not a text file (binary data)", id="nul"),
        pytest.param(b"name: caf\xe9\n", "not a text file (not UTF-8)", id="latin-1"),
        pytest.param(bytes(range(256)), "not a text file", id="binary"),
    ],
)
def test_unreadable_content(tmp_path, data, text):
    path = tmp_path / "bad.yaml"
    path.write_bytes(data)
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert str(info.value) == str(info.value).strip()
    assert str(info.value).startswith(f"{path}: {text}")


def test_load_suite_prefixes_the_path(write_suite):
    path = write_suite("name: x\n" + BODY + "seed: 1.5\n")
    with pytest.raises(SuiteError, match=r"^.*suite\.yaml:4: seed: input should be a valid"):
        load_suite(path)


def test_unreadable_dataset_file_is_located(tmp_path, write_suite):
    (tmp_path / "empty.csv").write_text("")
    path = write_suite("name: x\ndatasets:\n  - {path: empty.csv, target: y}\nestimators: [svc]\n")
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert str(info.value).startswith(f"{path}:3: datasets[0].path: dataset file ")
    assert str(info.value).endswith("empty.csv is empty (no header, no rows)")


# -- Python object tags: rejected, never executed --------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        '!!python/object/apply:subprocess.check_call [["touch", "{marker}"]]',
        '!!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
        "!!python/name:os.system",
        "!!python/module:os",
    ],
)
def test_python_tags_are_rejected_not_executed(tmp_path, write_suite, tag):
    marker = tmp_path / "pwned"
    path = write_suite("name: x\n" + BODY + "seed: " + tag.format(marker=marker) + "\n")
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}:4: ")
    assert "Python object tags are not allowed" in msg
    assert not marker.exists()


# -- ${VAR} interpolation ------------------------------------------------------------


ENV_SUITE = y("""
    name: bench-${BS_TEST_NAME}
    defaults:
      evaluation:
        cv: ${BS_TEST_CV:-4}
    datasets: [iris]
    estimators:
      - name: s
        model: ${BS_TEST_MODEL}
    """)


def test_env_set_and_default(monkeypatch):
    monkeypatch.setenv("BS_TEST_NAME", "ci")
    monkeypatch.setenv("BS_TEST_MODEL", "knn")
    monkeypatch.delenv("BS_TEST_CV", raising=False)
    suite = parse_suite(ENV_SUITE, source=SRC)
    assert suite.name == "bench-ci"
    assert suite.defaults.evaluation.cv == 4  # whole-value references keep YAML typing
    assert suite.estimators[0].model == "knn"
    monkeypatch.setenv("BS_TEST_CV", "3")
    assert parse_suite(ENV_SUITE, source=SRC).defaults.evaluation.cv == 3


def test_env_unset_is_an_error_on_its_line(monkeypatch):
    monkeypatch.setenv("BS_TEST_NAME", "ci")
    monkeypatch.delenv("BS_TEST_MODEL", raising=False)
    msg = suite_error(ENV_SUITE)
    assert_error(msg, 8, "estimators[0].model", "environment variable 'BS_TEST_MODEL' is not set")


def test_env_value_is_validated_on_its_line(monkeypatch):
    monkeypatch.setenv("BS_TEST_NAME", "ci")
    monkeypatch.setenv("BS_TEST_MODEL", "knn")
    monkeypatch.setenv("BS_TEST_CV", "five")
    assert_error(suite_error(ENV_SUITE), 4, "defaults.evaluation.cv", "got a string ('five')")


# -- valid suites ---------------------------------------------------------------------


def test_short_forms_and_defaults():
    suite = parse_suite("name: x\n" + BODY, source=SRC)
    assert [(d.name, d.source) for d in suite.datasets] == [("iris", "iris")]
    assert [(e.name, e.model) for e in suite.estimators] == [("svc", "svc")]
    assert suite.pairs == "all"
    assert suite.defaults.evaluation.n_folds == 5
    assert suite.defaults.repeats == 1


def test_names_default_from_path_and_model(tmp_path, write_suite):
    (tmp_path / "my_data.csv").write_text("a,b,label\n1,2,0\n3,4,1\n")
    path = write_suite(
        y("""
        datasets:
          - {path: my_data.csv, target: label}
        estimators:
          - model: sklearn.ensemble:RandomForestClassifier
          - {model: rf, params: {n_estimators: 5}}
          - name: knn-3
            model: knn
            params: {n_neighbors: 3}
        """),
        name="stem_name",
    )
    suite = load_suite(path)
    assert suite.name == "stem_name"
    assert [(d.name, d.source) for d in suite.datasets] == [("my_data", "csv")]
    assert [e.name for e in suite.estimators] == ["RandomForestClassifier", "rf", "knn-3"]
    assert suite.path == path
    assert suite.base_dir == tmp_path
    assert len(suite.file_hash) == 64


def test_explicit_pairs():
    suite = parse_suite(
        y("""
        name: x
        datasets: [iris, wine]
        estimators: [svc, knn]
        pairs:
          - {datasets: [iris], estimators: [svc, knn]}
          - {datasets: [wine], estimators: [knn]}
          - {datasets: [iris], estimators: [svc]}
        """),
        source=SRC,
    )
    assert [(d.name, e.name) for d, e in suite.selected_pairs()] == [
        ("iris", "svc"),
        ("iris", "knn"),
        ("wine", "knn"),
    ]


def test_yaml_anchors_merge_and_bom():
    text = y("""
        name: x
        datasets: [iris]
        estimators:
          - &base {name: a, model: svc, params: {C: 2}}
          - {<<: *base, name: b}
        """)
    suite = parse_suite("\ufeff" + text, source=SRC)
    assert [(e.name, e.params) for e in suite.estimators] == [("a", {"C": 2}), ("b", {"C": 2})]


def test_quickstart_validates():
    suite = load_suite(ROOT / "suites" / "quickstart.yaml")
    assert suite.name == "quickstart"
    assert len(suite.datasets) == 4
    # 7 classic estimators and the two deep halves of the product: torch.mlp, torch.cnn
    assert len(suite.estimators) == 9
    assert {"torch.mlp", "torch.cnn"} <= {e.model for e in suite.estimators}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("1,2,x\n3,4,x\n5,6,x\n", "has a single class ('x')"),
        ("1,2,\n3,4,\n", "has no values"),
    ],
)
def test_csv_target_that_cannot_be_learnt_is_a_located_error(tmp_path, rows, expected):
    (tmp_path / "d.csv").write_text("a,b,label\n" + rows)
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "name: x\ndatasets:\n  - {name: d, path: d.csv, target: label}\nestimators: [knn]\n"
    )
    with pytest.raises(SuiteError) as err:
        load_suite(suite)
    msg = str(err.value)
    assert msg.startswith(f"{suite}:3: datasets[0].target: ") and expected in msg
    assert "\n" not in msg


def test_csv_encoding_key(tmp_path):
    (tmp_path / "d.csv").write_bytes("city,n,label\nZürich,1,a\nBasel,2,b\n".encode("latin-1"))
    suite = tmp_path / "s.yaml"
    text = "name: x\ndatasets:\n  - {name: d, path: d.csv, target: label%s}\nestimators: [knn]\n"
    suite.write_text(text % "")
    with pytest.raises(SuiteError) as err:
        load_suite(suite)
    assert str(err.value) == (
        f"{suite}:3: datasets[0].path: {tmp_path / 'd.csv'} is not UTF-8 (byte 0xfc on line 2);"
        " set `encoding:` on this dataset, e.g. encoding: latin-1"
    )
    suite.write_text(text % ", encoding: latin-1")
    assert load_suite(suite).datasets[0].encoding == "latin-1"
    suite.write_text(text % ", encoding: 1")
    with pytest.raises(SuiteError, match=r":3: datasets\[0\]\.encoding: .*valid string"):
        load_suite(suite)


def test_unset_encoding_leaves_the_dataset_dump_unchanged():
    # plan.py hashes this dump into each case's config_hash, which compare matches runs
    # on: a suite that does not use the key must hash as it did before the key existed
    suite = parse_suite("name: x\ndatasets: [iris]\nestimators: [svc]\n", source=SRC)
    assert "encoding" not in suite.datasets[0].model_dump()
    assert list(suite.datasets[0].model_dump()) == [
        "name",
        "source",
        "params",
        "path",
        "target",
        "task",
        "subsample",
        "part",
        "evaluation",
    ]

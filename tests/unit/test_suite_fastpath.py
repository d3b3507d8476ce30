"""The suite's fast checker against the pydantic schema (issue 12: start-up cost).

:func:`benchsuite.suite._fast.fast_fields` builds a plainly valid suite's dataclasses without
pydantic; whenever it is unsure it gives up and :mod:`benchsuite.suite._schema` validates.
These tests hold the two to one rule: whenever the fast checker accepts, pydantic accepts too,
with the same dataclasses, down to the types of the values (``900`` and ``900.0`` are equal
in Python but hash differently in a case's config hash). Also: the YAML parsed once with
libyaml gives the same document and line numbers as PyYAML's pure-Python parser.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import datetime
import itertools
import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from benchsuite import suite as suite_mod
from benchsuite.suite import SuiteError, _fast, _model, _schema, _yaml, load_suite, parse_suite

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(
    [
        *(ROOT / "suites").glob("*.yaml"),
        *(ROOT / "benchmarks").glob("*.yaml"),
        ROOT / "benchsuite" / "_starter.yaml",
    ]
)


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _slow(doc: dict[str, Any]) -> _model.SuiteFields | None:
    """The pydantic path's result, None if pydantic rejects the document."""
    try:
        return _schema.validate(copy.deepcopy(doc))
    except ValidationError:
        return None


def _assert_same(fast: Any, slow: Any) -> None:
    # repr tells 900 from 900.0 and True from 1, which == does not; the dumps feed hashes
    assert fast == slow
    assert repr(fast) == repr(slow)
    if isinstance(fast, _model.SuiteFields):
        for a, b in zip(fast.datasets, slow.datasets, strict=True):
            assert json.dumps(a.model_dump(), default=str) == json.dumps(
                b.model_dump(), default=str
            )


class _Spy:
    """Wraps ``_fast.fast_fields``: records each document and what the fast checker made of it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, disable: bool = False) -> None:
        self.calls: list[tuple[dict, _model.SuiteFields | None]] = []
        real = _fast.fast_fields

        def spy(doc: dict[str, Any]) -> _model.SuiteFields | None:
            fast = None if disable else real(doc)
            self.calls.append((copy.deepcopy(doc), fast))
            return fast

        monkeypatch.setattr(_fast, "fast_fields", spy)


def _outcome(parse: Any) -> tuple[str, str]:
    try:
        return "ok", repr(parse())
    except SuiteError as exc:
        return "error", str(exc)


def _both_paths(
    monkeypatch: pytest.MonkeyPatch, parse: Any
) -> tuple[tuple[str, str], tuple[str, str], list]:
    """(outcome with the fast checker, outcome with pydantic alone, the fast calls)."""
    with monkeypatch.context() as m:
        spy = _Spy(m)
        fast = _outcome(parse)
    with monkeypatch.context() as m:
        _Spy(m, disable=True)
        slow = _outcome(parse)
    for doc, result in spy.calls:
        if result is not None:
            _assert_same(result, _slow(doc))
    return fast, slow, spy.calls


# --------------------------------------------------------------------------------------
# (1) every shipped suite and every suite text of the tests: identical through both paths
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_suites_take_the_fast_path_with_identical_results(path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # compare_inject.yaml's _inject
    monkeypatch.setenv("BENCHSUITE_OFFLINE", "1")
    fast, slow, calls = _both_paths(monkeypatch, lambda: load_suite(path))
    assert fast == slow
    assert fast[0] == "ok", fast[1]
    # a shipped suite is plainly valid: pydantic is not needed for it
    assert [result is not None for _, result in calls] == [True]


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments (BODY, TINY, ...)."""
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            value = _evaluate(node.value, names)
            if isinstance(target, ast.Name) and isinstance(value, str):
                names[target.id] = value
    return names


def _evaluate(node: ast.AST, names: dict[str, str]) -> str | None:
    """The text of a string expression made of literals, module constants, ``+``, ``%``
    and the tests' dedent helpers; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        left, right = _evaluate(node.left, names), _evaluate(node.right, names)
        if left is None or right is None:
            return None
        try:
            return left + right if isinstance(node.op, ast.Add) else left % right
        except (TypeError, ValueError):
            return None
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in ("y", "dedent", "_dedent"):
            arg = _evaluate(node.args[0], names)
            return None if arg is None else textwrap.dedent(arg).lstrip("\n")
    return None


def _test_suite_texts() -> list[str]:
    texts: set[str] = set()
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _module_strings(tree)
        for node in ast.walk(tree):
            text = _evaluate(node, names)
            if text and ("datasets" in text or "estimators" in text):
                texts.add(text)
    return sorted(texts)


TEST_TEXTS = _test_suite_texts()


def test_the_tests_suite_texts_were_found():
    # the collector must see the tests' suites, valid and broken, or the next test is empty
    assert len(TEST_TEXTS) > 200
    assert any("n_estimator:" in t for t in TEST_TEXTS)


@pytest.mark.parametrize("chunk", range(8))
def test_suite_texts_of_the_tests_give_the_same_result_both_ways(chunk, monkeypatch, tmp_path):
    monkeypatch.setenv("BENCHSUITE_OFFLINE", "1")
    accepted = 0
    for text in TEST_TEXTS[chunk::8]:
        fast, slow, calls = _both_paths(
            monkeypatch, lambda t=text: parse_suite(t, source="t.yaml", base_dir=tmp_path)
        )
        assert fast == slow, text
        accepted += sum(result is not None for _, result in calls)
    assert accepted > 0  # the fast checker took part


# --------------------------------------------------------------------------------------
# (2) mutated suites: whenever the fast checker accepts, pydantic agrees
# --------------------------------------------------------------------------------------

FULL: dict[str, Any] = {
    "name": "full",
    "description": "every field set",
    "seed": 3,
    "defaults": {
        "evaluation": {"cv": 3, "stratify": False},
        "repeats": 2,
        "metrics": ["accuracy", "f1_macro"],
        "timeout": 60,
        "device": "cpu",
        "target": {"accuracy": 0.9},
        "inference": {
            "batch_sizes": [1, 32],
            "min_time_s": 0.5,
            "warmup": 2,
            "max_calls": 100,
            "folds": "all",
            "method": "predict_proba",
            "device_resident": False,
        },
    },
    "datasets": [
        {
            "name": "iris",
            "source": "iris",
            "params": {"a": 1, "b": [1, 2.5, "x"], "c": {"d": None}},
            "path": "x.csv",
            "target": "y",
            "task": "multiclass",
            "subsample": 100,
            "part": "train",
            "evaluation": {"holdout": 0.25},
            "encoding": "latin-1",
        },
        {"name": "wine", "source": "wine"},
    ],
    "estimators": [
        {
            "name": "svc",
            "model": "svc",
            "params": {"C": 1.5},
            "grid": {"gamma": [0.1, "scale"]},
            "device": "cuda:0",
            "inference": {"batch_sizes": [4], "min_time_s": 1},
        },
        {"name": "knn", "model": "knn", "inference": False},
    ],
    "pairs": [{"datasets": ["iris"], "estimators": ["svc", "knn"]}],
}

VALUES: list[Any] = [
    True,
    False,
    0,
    1,
    2,
    -1,
    100,
    2**53,
    2**63,
    10**30,
    0.0,
    0.5,
    1.0,
    2.0,
    -0.5,
    1e300,
    float("nan"),
    float("inf"),
    "",
    "x",
    "5",
    "all",
    "auto",
    "cuda",
    "cuda:12",
    "cuda:x",
    "cuda:\u0663",  # an Arabic-Indic digit
    "cpu\n",
    "official",
    "openml",
    "train",
    "binary",
    "regression",
    "accuracy",
    None,
    [],
    [1],
    ["a"],
    ["a", 1],
    [None],
    {},
    {"x": 1},
    {1: 2},
    {"cv": 3},
    {"cv": 3, "holdout": 0.2},
    {"split": "official"},
    {"split": "official", "stratify": True},
    {"split": "openml", "stratify": None},
    {"holdout": 0.2, "stratify": False},
    {"accuracy": 1},
    {"r2": True},
    {"datasets": ["iris"], "estimators": ["svc"]},
    [{"datasets": ["iris"], "estimators": ["svc"]}],
    [{"datasets": [], "estimators": ["svc"]}],
    [{"datasets": ["iris"], "estimators": ["svc"], "extra": 1}],
    {"name": "a", "source": "b"},
    {"name": "a", "model": "b"},
    [{"name": "a", "source": "b"}],
    [{"name": "a", "model": "b", "params": {"k": [1, {"z": None}]}}],
    datetime.date(2024, 1, 1),
    b"bytes",
    {1, 2},
    ("tuple",),
    {"nested": {"deeper": {True: 1}}},
]


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    """Every key path in a document (mapping keys and list indices)."""
    out = []
    if isinstance(value, dict):
        for key, item in value.items():
            out.append((*path, key))
            out.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.append((*path, i))
            out.extend(_paths(item, (*path, i)))
    return out


def _mappings(value: Any, path: tuple = ()) -> list[tuple]:
    out = [path] if isinstance(value, dict) else []
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_mappings(item, (*path, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(_mappings(item, (*path, i)))
    return out


def _get(doc: Any, path: tuple) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _mutations(base: dict[str, Any]) -> list[dict[str, Any]]:
    docs = [copy.deepcopy(base)]
    for path in _paths(base):
        for value in VALUES:  # each field, each kind of value
            doc = copy.deepcopy(base)
            _get(doc, path[:-1])[path[-1]] = copy.deepcopy(value)
            docs.append(doc)
        if isinstance(path[-1], str):  # each field left out
            doc = copy.deepcopy(base)
            del _get(doc, path[:-1])[path[-1]]
            docs.append(doc)
    for path in _mappings(base):  # an unknown key, and a non-string one, at every level
        for key in ("extra", "Name", 1, None, True):
            doc = copy.deepcopy(base)
            _get(doc, path)[key] = 1
            docs.append(doc)
    return docs


def test_mutated_suites_the_fast_checker_accepts_pydantic_accepts_alike():
    rng = random.Random(12)
    docs = _mutations(FULL)
    paths = _paths(FULL)
    # and pairs of mutations at once, picked at random
    for _ in range(3000):
        doc = copy.deepcopy(FULL)
        for path in rng.sample(paths, 2):
            # (the first change may have removed the second one's place)
            with contextlib.suppress(KeyError, IndexError, TypeError):
                _get(doc, path[:-1])[path[-1]] = copy.deepcopy(rng.choice(VALUES))
        docs.append(doc)

    fast_yes = fast_no_slow_yes = fast_no_slow_no = 0
    for doc in docs:
        fast = _fast.fast_fields(copy.deepcopy(doc))
        slow = _slow(doc)
        if fast is not None:
            assert slow is not None, f"the fast checker accepts what pydantic rejects: {doc!r}"
            _assert_same(fast, slow)
            fast_yes += 1
        elif slow is not None:
            fast_no_slow_yes += 1
        else:
            fast_no_slow_no += 1
    # both sides are exercised: accepted, rejected by both, left to pydantic and accepted
    assert fast_yes > 300
    assert fast_no_slow_no > 1000
    assert fast_no_slow_yes > 10


def test_fast_checker_refuses_what_strict_pydantic_refuses():
    # the traps of a hand-written check: a bool is an int in Python, not in strict mode;
    # a float field takes an int (as a float) but not a bool; a string is never a number
    base = {"name": "x", "datasets": [{"name": "a", "source": "a"}]}
    base["estimators"] = [{"name": "s", "model": "s"}]
    for defaults in (
        {"repeats": True},
        {"repeats": 1.0},
        {"repeats": "2"},
        {"timeout": True},
        {"timeout": "5"},
        {"evaluation": {"cv": True}},
        {"evaluation": {"holdout": True}},
        {"evaluation": {"stratify": 1}},
        {"target": {"accuracy": True}},
    ):
        doc = {**base, "defaults": defaults}
        assert _fast.fast_fields(copy.deepcopy(doc)) is None, defaults
        assert _slow(doc) is None, defaults
    # and what both accept comes out with the schema's types: 900 -> 900.0
    doc = {**base, "defaults": {"timeout": 900, "target": {"r2": 1}}}
    fast = _fast.fast_fields(copy.deepcopy(doc))
    assert fast is not None
    assert type(fast.defaults.timeout) is float and type(fast.defaults.target["r2"]) is float
    _assert_same(fast, _slow(doc))


# --------------------------------------------------------------------------------------
# YAML: one parse, libyaml where available, the same document and line numbers
# --------------------------------------------------------------------------------------

YAML_EDGES = [
    "a: 1\n",
    "a: [1, 2, {b: c}]\nd: 'x'\ne: \"y\\n\"\n",
    "a: &x {b: 1}\nc: *x\n",
    "a: &x {b: 1}\nc: {<<: *x, d: 2}\n",
    "? a\n: 1\n",
    "a: |\n  text\n  more\nb: >\n  folded\n",
    "a: 1\na: 2\n",
    "a: 1\n---\nb: 2\n",
    "a: b: c\n",
    "a: [1, 2\n",
    "- a\nb: 1\n",
    "a: !!python/object:os.system x\n",
    "a: !!binary aGVsbG8=\nb: 2024-01-01\nc: !!set {x}\n",
    "a: ~\nb: yes\nc: 0x1f\nd: 1_000\ne: .inf\nf: 1e3\ng: 010\n",
    "a: 'it''s'\nb: \"\\u00e9\"\nc: caf\u00e9 \u2014 ok\n",
    "a: x # comment\n# only a comment\nb: [a, # c\n  b]\n",
    "a:\n  - b: 1\n    c: 2\n  -   - d\n      - e\n",
    "{a: 1, b: [x, y]}\n",
    "a: 'unterminated\n",
    "a: {b: 1, b: 2}\n",
    "a: &r [*r]\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: @x\n",
    "a: `x\n",
    "a: ${VAR}\n",
    "a: {b: }\n",
    "[a, b]: 1\n",
    "a: 1\n...\n",
    "",
    # where the two parsers differ, the text must not go to libyaml: tabs (libyaml takes a
    # tab after `a:` or in a flow list; PyYAML refuses both), and the other line breaks
    "a:\t1\nb: [x,\ty]\n",
    "a:\n\t- x\n",
    "a: 'x\ty'\n",
    "a: 1\r\nb:\r\n  - x\r\n",
    "a: 1\rb: 2\n",
    "a: x\x85b: y\n",
    "a: x\u2028\nb: y\n",
    "\ufeffa: 1\n",
    "a: \x01\n",
]


def _both_parsers(text: str) -> tuple[Any, Any]:
    try:
        py = _yaml._parse(text, yaml.SafeLoader)
    except yaml.YAMLError:
        py = None
    return py, _yaml._parse_c(text)


def _lines(node: Any) -> dict[tuple, int] | str:
    lines: dict[tuple, int] = {}
    try:
        _yaml._index_lines(node, (), lines, "s", active=set(), budget=[1000])
    except SuiteError as exc:
        return str(exc)
    return lines


@pytest.mark.skipif(_yaml._C_LOADER is None, reason="PyYAML built without libyaml")
def test_libyaml_gives_the_same_document_and_lines_as_pure_python():
    shipped = [p.read_text(encoding="utf-8") for p in SHIPPED]
    compared = refused = 0
    for text in [*shipped, *TEST_TEXTS, *YAML_EDGES]:
        py, c = _both_parsers(text)
        if not _yaml._C_SAFE_TEXT.fullmatch(text):
            refused += py is None and c is not None  # a difference the guard keeps away
            continue  # the pure-Python parser reads it, as before
        if py is None:
            assert c is None, f"libyaml accepts what PyYAML rejects: {text!r}"
            continue
        if c is None:
            continue  # libyaml refuses: PyYAML reads it again
        assert repr(c[1]) == repr(py[1]), text
        if py[0] is not None:
            assert _lines(c[0]) == _lines(py[0]), text
        compared += 1
    assert compared > 200
    assert refused >= 1


def test_line_numbers_after_one_parse_are_those_of_the_file(tmp_path):
    # a semantic error found after the YAML was parsed once (libyaml where available),
    # with a merge key (parsed twice) and without: the line is the one in the file
    head = "name: x\n# a comment\n\ndatasets: [iris]\nestimators:\n"
    for text, line in (
        (head + "  - svc\n  - {model: rf, params: {n_estimator: 3}}\n", 7),
        (
            head
            + "  - &b {name: a, model: svc}\n  -\n    <<: *b\n    name: b\n    params: {Cc: 1}\n",
            10,
        ),
    ):
        with pytest.raises(SuiteError) as err:
            parse_suite(text, source="t.yaml", base_dir=tmp_path)
        assert str(err.value).startswith(f"t.yaml:{line}: estimators[1].params."), str(err.value)


# --------------------------------------------------------------------------------------
# pydantic stays out of a valid suite's way, and in an invalid one's
# --------------------------------------------------------------------------------------

CHILD = """
import json, sys
from benchsuite.suite import SuiteError, parse_suite
try:
    parse_suite({text!r}, source="s.yaml")
    result = "ok"
except SuiteError as exc:
    result = str(exc)
print(json.dumps({{"result": result, "pydantic": "pydantic" in sys.modules}}))
"""


@pytest.mark.parametrize(
    ("text", "result", "pydantic"),
    [
        ("name: x\ndatasets: [iris]\nestimators: [svc]\n", "ok", False),
        (
            "name: x\ndefaults: {repeats: true}\ndatasets: [iris]\nestimators: [svc]\n",
            "s.yaml:2: defaults.repeats: input should be a valid integer, got a boolean (true)",
            True,
        ),
    ],
)
def test_pydantic_is_imported_only_for_a_suite_the_fast_checker_refuses(text, result, pydantic):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
    }
    proc = subprocess.run(
        [sys.executable, "-c", CHILD.format(text=text)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert json.loads(proc.stdout) == {"result": result, "pydantic": pydantic}


def test_dataclasses_and_schema_have_the_same_fields():
    # the fast checker's key sets come from the dataclasses; the error text's from pydantic
    from dataclasses import fields

    names = ("Evaluation", "Defaults", "InferenceBlock", "DatasetEntry", "EstimatorEntry")
    for name in (*names, "PairSpec"):
        ours = [f.name for f in fields(getattr(suite_mod, name))]
        assert ours == list(getattr(_schema, name).model_fields), name
    assert list(_model.SUITE_KEYS) == list(_schema.SuiteModel.model_fields)
    # a Suite is its validated content plus where it came from
    assert [f.name for f in fields(suite_mod.Suite)] == [
        *_model.SUITE_KEYS,
        "path",
        "base_dir",
        "file_hash",
    ]


def test_all_kinds_of_values_were_tried():
    # guards the mutation test's pool: each trap kind is in it
    kinds = {type(v) for v in VALUES}
    assert {bool, int, float, str, type(None), list, dict, datetime.date, bytes, set} <= kinds
    assert list(itertools.islice(_mutations(FULL), 1)) == [FULL]

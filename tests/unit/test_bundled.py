"""Bundled suites by name, the starter suite, and the packaging that ships them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from benchsuite import _bundled
from benchsuite._bundled import (
    bundled_suite,
    bundled_suites,
    resolve_suite,
    starter_text,
    write_starter,
)
from benchsuite.errors import BenchsuiteError
from benchsuite.plan import build_plan
from benchsuite.suite import load_suite

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(ROOT.glob("suites/*.yaml"))


def test_bundled_suites_are_the_checkouts_suites_folder():
    found = bundled_suites()
    assert [s.name for s in found] == sorted(p.stem for p in SHIPPED)
    for suite in found:
        assert suite.path.resolve() == (ROOT / "suites" / f"{suite.name}.yaml").resolve()
        expected = yaml.safe_load(suite.path.read_text())["description"]
        assert suite.description == expected and expected


def test_bundled_suite_by_name_with_or_without_suffix():
    assert bundled_suite("quickstart").path.name == "quickstart.yaml"
    assert bundled_suite("quickstart.yaml").name == "quickstart"
    assert bundled_suite("nosuch") is None


def test_resolve_bare_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_suite("vision") == bundled_suite("vision").path
    assert resolve_suite("vision.yaml") == bundled_suite("vision").path


def test_existing_file_wins_over_bundled_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("quickstart.yaml").write_text("datasets: [iris]\nestimators: [dummy]\n")
    assert resolve_suite("quickstart.yaml") == Path("quickstart.yaml")
    Path("ci").write_text("datasets: [iris]\nestimators: [dummy]\n")  # no suffix: still a file
    assert resolve_suite("ci") == Path("ci")


def test_unknown_name_lists_the_bundled_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BenchsuiteError) as err:
        resolve_suite("quikstart")
    message = str(err.value)
    assert message.startswith("quikstart: no such file or bundled suite")
    assert "\n" not in message
    for suite in bundled_suites():
        assert suite.name in message


def test_missing_path_to_a_bundled_file_points_at_its_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the README's command, typed outside a clone
    with pytest.raises(BenchsuiteError, match=r"'benchsuite run quickstart'"):
        resolve_suite("suites/quickstart.yaml")
    with pytest.raises(BenchsuiteError, match="no such file or bundled suite"):
        resolve_suite("suites/nosuch.yaml")


def test_folder_is_not_taken_for_a_suite_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vision").mkdir()  # a folder cannot be a suite: the bundled one is meant
    assert resolve_suite("vision") == bundled_suite("vision").path
    (tmp_path / "stuff").mkdir()  # not a bundled name: load_suite's own error follows
    assert resolve_suite("stuff") == Path("stuff")


def test_no_suites_folder_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_bundled, "suites_dir", lambda: None)
    assert bundled_suites() == []
    with pytest.raises(BenchsuiteError, match="no bundled suite was found"):
        resolve_suite("quickstart")


def test_unreadable_suite_is_listed_without_description(tmp_path, monkeypatch):
    (tmp_path / "broken.yaml").write_text("description: [unclosed\n")
    (tmp_path / "plain.yaml").write_text("datasets: [iris]\nestimators: [dummy]\n")
    (tmp_path / "notes.txt").write_text("not a suite")
    monkeypatch.setattr(_bundled, "suites_dir", lambda: tmp_path)
    assert [(s.name, s.description) for s in bundled_suites()] == [("broken", ""), ("plain", "")]


def test_starter_validates_and_plans_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_starter(None)
    assert path == Path("my-suite.yaml")
    suite = load_suite(path)
    assert suite.name == "my-suite"
    plan = build_plan(suite)
    runnable = {c.key for c in plan.cases if not c.skipped}
    assert len(runnable) == len(plan.cases) > 1
    # it shows each kind of option a suite has
    assert {"iris/svc[C=0.1]", "iris/svc[C=10]"} <= runnable  # a grid
    assert suite.defaults.metrics and suite.defaults.evaluation
    assert any(d.source == "make_classification" for d in suite.datasets)
    assert any(":" in e.model for e in suite.estimators)  # an import string


def test_starter_takes_the_name_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert write_starter("tabular-mine") == Path("tabular-mine.yaml")
    assert load_suite("tabular-mine.yaml").name == "tabular-mine"
    assert write_starter("other.yml") == Path("other.yml")
    assert load_suite("other.yml").name == "other"
    text = Path("other.yml").read_text()
    assert "benchsuite validate other.yaml" in text and "my-suite" not in text
    assert text == starter_text("other")


def test_starter_refuses_to_overwrite_unless_forced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("mine.yaml").write_text("# my work\n")
    with pytest.raises(BenchsuiteError, match=r"mine.yaml: already exists.*--force"):
        write_starter("mine")
    assert Path("mine.yaml").read_text() == "# my work\n"
    write_starter("mine", force=True)
    assert load_suite("mine.yaml").name == "mine"


@pytest.mark.parametrize("name", ["my suite", "-x", "a/../", "x:y"])
def test_starter_refuses_names_a_suite_cannot_have(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BenchsuiteError, match="cannot name a suite"):
        write_starter(name)
    assert list(tmp_path.iterdir()) == []


def test_starter_into_missing_folder_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BenchsuiteError, match=r"nofolder/x.yaml: cannot write"):
        write_starter("nofolder/x")


def test_pyproject_lists_every_package_and_ships_the_suites():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "benchsuite").rglob("__init__.py")
    }
    listed = set(config["packages"])
    # packages are listed by hand (see pyproject.toml); a new one must be added there, or
    # installed users would not get it
    assert on_disk <= listed, f"add to pyproject.toml packages: {sorted(on_disk - listed)}"
    assert config["package-dir"]["benchsuite.suites"] == "suites"
    assert "*.yaml" in config["package-data"]["benchsuite.suites"]
    assert "_starter.yaml" in config["package-data"]["benchsuite"]


def test_starters_commented_examples_validate_once_uncommented(tmp_path, monkeypatch):
    """The commented-out entries are there to be uncommented: they must stay valid. The
    OpenML one is left out (validating it reads OpenML's metadata over the network)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    rows = "".join(f"{i},{i % 3},{'xy'[i % 2]}\n" for i in range(20))
    (tmp_path / "data" / "train.csv").write_text("a,b,label\n" + rows)
    lines = []
    for line in starter_text().splitlines():
        if line.startswith("  # - ") and "openml" not in line:
            line = "  - " + line[len("  # - ") :]
        elif line.startswith("pairs: all"):
            line = "# " + line
        elif line.startswith("# pairs:") or line.startswith("#   - {datasets"):
            line = line[2:]
        lines.append(line)
    Path("full.yaml").write_text("\n".join(lines) + "\n")
    suite = load_suite("full.yaml")
    assert {"mine", "small-digits", "fmnist"} <= {d.name for d in suite.datasets}
    assert {"hist_gb", "cnn"} <= {e.name for e in suite.estimators}
    assert suite.pairs != "all"
    assert build_plan(suite).cases

"""Bundled suites by name, ``list suites`` and ``init``, as a user types them; and the
built package: sdist -> wheel -> fresh venv -> ``benchsuite run quickstart --dry-run`` from
an empty folder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml
from e2e_helpers import ROOT, bench, one_error_line, python

from benchsuite import _bundled
from benchsuite.cli import main

SHIPPED = sorted(ROOT.glob("suites/*.yaml"))


def test_list_suites_names_describes_and_locates_each(tmp_path):
    proc = bench("list", "suites", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())  # rich may fold long cells
    for path in SHIPPED:
        assert f"│ {path.stem} " in proc.stdout
        description = yaml.safe_load(path.read_text())["description"]
        assert " ".join(description.split()[:4]) in text
        assert path.name in text


def test_run_bundled_suite_by_name_from_an_empty_folder(tmp_path):
    proc = bench("run", "quickstart", "--dry-run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "plan of suite 'quickstart'" in proc.stdout
    assert "iris/logreg" in proc.stdout and "fit/predict jobs" in proc.stdout
    assert list(tmp_path.iterdir()) == []  # a dry run writes nothing

    proc = bench("validate", "vision.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"{ROOT / 'suites' / 'vision.yaml'}: ok" in proc.stdout


def test_existing_file_wins_and_the_bundled_name_is_flagged(tmp_path):
    (tmp_path / "quickstart.yaml").write_text("datasets: [iris]\nestimators: [dummy]\n")
    proc = bench("run", "quickstart.yaml", "--dry-run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1 cases" in proc.stdout and "iris/dummy" in proc.stdout

    proc = bench("validate", "quickstart", cwd=tmp_path)  # the bundled one, with a warning
    assert proc.returncode == 0, proc.stderr
    assert f"{ROOT / 'suites' / 'quickstart.yaml'}: ok" in proc.stdout
    assert "for the file here, type quickstart.yaml" in proc.stderr


def test_unknown_suite_is_one_line_with_the_bundled_names(tmp_path):
    for command in (["run", "quikstart"], ["run", "quikstart", "--dry-run"], ["validate", "x"]):
        line = one_error_line(bench(*command, cwd=tmp_path))
        assert "no such file or bundled suite" in line
        assert all(p.stem in line for p in SHIPPED), line


def test_readme_path_outside_a_clone_points_at_the_name(tmp_path):
    line = one_error_line(bench("run", "suites/quickstart.yaml", cwd=tmp_path))
    assert line == (
        "error: suites/quickstart.yaml: no such file; the bundled suite 'quickstart' runs"
        " from any folder with 'benchsuite run quickstart'"
    )


def test_no_bundled_suites_is_said_plainly(monkeypatch, capsys):
    monkeypatch.setattr(_bundled, "suites_dir", lambda: None)
    assert main(["list", "suites"]) == 0
    assert capsys.readouterr().out == "no bundled suites in this installation\n"


def test_error_inside_a_bundled_suite_names_its_file(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "bundled"
    folder.mkdir()
    (folder / "broken.yaml").write_text(
        "datasets: [iris]\nestimators:\n  - {name: rf, model: rf, params: {n_estimator: 3}}\n"
    )
    monkeypatch.setattr(_bundled, "suites_dir", lambda: folder)
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "broken"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {folder / 'broken.yaml'}:3: estimators[0].params")
    assert "n_estimators" in err


def test_init_writes_a_starter_that_validates_and_plans(tmp_path):
    proc = bench("init", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "wrote my-suite.yaml" in proc.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["my-suite.yaml"]
    text = (tmp_path / "my-suite.yaml").read_text()
    for option in ("datasets:", "estimators:", "grid:", "evaluation:", "metrics:", "pairs:"):
        assert option in text
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) > 10

    proc = bench("validate", "my-suite.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "my-suite.yaml: ok" in proc.stdout and "(0 skipped)" in proc.stdout
    proc = bench("run", "my-suite.yaml", "--dry-run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "plan of suite 'my-suite'" in proc.stdout and "blobs/svc[C=10]" in proc.stdout

    (tmp_path / "my-suite.yaml").write_text("# edited\n")
    line = one_error_line(bench("init", cwd=tmp_path))
    assert "my-suite.yaml: already exists" in line and "--force" in line
    assert (tmp_path / "my-suite.yaml").read_text() == "# edited\n"
    assert bench("init", "--force", cwd=tmp_path).returncode == 0
    assert (tmp_path / "my-suite.yaml").read_text() == text

    proc = bench("init", "trees", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "name: trees" in (tmp_path / "trees.yaml").read_text()
    assert "cannot name a suite" in one_error_line(bench("init", "my suite", cwd=tmp_path))


# --------------------------------------------------------------------------------------
# the built package
# --------------------------------------------------------------------------------------

# What the build reads: the rest of a clone (tests, results, benchmarks) is not shipped.
BUILD_INPUTS = ("pyproject.toml", "README.md", "benchsuite", "suites")


def _sources(tmp: Path) -> Path:
    """A copy of what the build reads, so that building leaves the checkout untouched."""
    src = tmp / "src"
    src.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, src / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, src / name)
    return src


def _satisfied(requirement: str) -> bool:
    """Whether this environment has ``name`` or ``name>=X.Y`` (other forms: assume not)."""
    from importlib import metadata

    match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*(?:>=\s*([0-9.]+))?\s*", requirement)
    if match is None:
        return False
    try:
        have = metadata.version(match[1])
    except metadata.PackageNotFoundError:
        return False

    def numbers(version: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", version)[:3])

    return match[2] is None or numbers(have) >= numbers(match[2])


def _backend_env(tmp: Path) -> dict[str, str]:
    """The environment to run the build backend in: this one when it meets pyproject's
    build-system.requires (offline, fast), else this one plus a folder where pip installs
    them, as build isolation does (a fresh venv has Python's bundled, older setuptools)."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if all(_satisfied(r) for r in requires):
        return env
    target = tmp / "build-env"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--target", str(target), *requires],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"cannot install {requires}: {proc.stderr[-2000:]}"
    env["PYTHONPATH"] = str(target)
    return env


def _backend(hook: str, src: Path, dist: Path, env: dict[str, str]) -> Path:
    """Call a PEP 517 hook of setuptools, as pip does: in ``src``, output to ``dist``."""
    code = f"from setuptools import build_meta as b; print(b.{hook}({str(dist)!r}))"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=src, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dist / proc.stdout.strip().splitlines()[-1]


def _fresh_venv(tmp: Path, wheel: Path) -> tuple[Path, Path]:
    """A venv holding nothing but ``wheel``; returns its python and site-packages.

    Its dependencies are this environment's, reached through a .pth written after the
    install, so pip neither sees nor touches the benchsuite installed here."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
        + ["--no-index", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    import site

    deps = [*site.getsitepackages(), site.getusersitepackages()]
    (Path(purelib) / "zz_benchsuite_test_deps.pth").write_text("\n".join(deps) + "\n")
    return python, Path(purelib)


def _user(venv_python: Path, cwd: Path):
    """Run the venv's ``benchsuite`` script, or its python, in ``cwd`` as a user would:
    no PYTHONPATH pointing at a checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    script = venv_python.with_name("benchsuite.exe" if os.name == "nt" else "benchsuite")

    def run(*args: str, python: str | None = None) -> subprocess.CompletedProcess:
        argv = [str(venv_python), "-c", python] if python else [str(script), *args]
        return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)

    return run


WHERE = "import benchsuite._bundled as b; print(b.__file__); print(b.bundled_suite('ci').path)"


def _user_in_empty_folder(tmp: Path, venv_python: Path):
    """A user in a new empty folder, and where their Python finds benchsuite and 'ci':
    (folder, run, module file, ci.yaml path)."""
    empty = tmp / "empty"
    empty.mkdir()
    user = _user(venv_python, empty)
    where = user(python=WHERE)
    assert where.returncode == 0, where.stderr
    module, ci = where.stdout.splitlines()
    return empty, user, module, ci


def test_installed_wheel_runs_bundled_suites_from_an_empty_folder(tmp_path):
    pytest.importorskip("setuptools")  # the build backend; pip installs into the venv
    pytest.importorskip("pip")
    src = _sources(tmp_path)
    dist = tmp_path / "dist"
    build_env = _backend_env(tmp_path)
    sdist = _backend("build_sdist", src, dist, build_env)
    with tarfile.open(sdist) as tar:
        in_sdist = {Path(n).relative_to(Path(n).parts[0]).as_posix() for n in tar.getnames()}
        # the wheel is built from the unpacked sdist, as pip does from an index; the
        # "data" filter (no links out, no absolute paths) where this Python has it
        options = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(tmp_path / "unpacked", **options)
    assert {f"suites/{p.name}" for p in SHIPPED} <= in_sdist
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    wheel = _backend("build_wheel", unpacked, dist, build_env)
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    assert {f"benchsuite/suites/{p.name}" for p in SHIPPED} <= in_wheel
    assert "benchsuite/_starter.yaml" in in_wheel
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "benchsuite").rglob("*.py")}
    assert modules <= in_wheel, sorted(modules - in_wheel)

    python, purelib = _fresh_venv(tmp_path, wheel)
    empty, user, module, ci = _user_in_empty_folder(tmp_path, python)
    assert Path(module).is_relative_to(purelib)  # the installed copy, not the checkout
    assert Path(ci) == purelib / "benchsuite" / "suites" / "ci.yaml"

    proc = user("run", "quickstart", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "plan of suite 'quickstart'" in proc.stdout and "iris/logreg" in proc.stdout
    proc = user("list", "suites")
    assert proc.returncode == 0, proc.stderr
    for path in SHIPPED:
        assert f"│ {path.stem} " in proc.stdout
    assert user("init").returncode == 0
    proc = user("validate", "my-suite.yaml")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in empty.iterdir()) == ["my-suite.yaml"]


def test_editable_install_reads_the_clones_suites(tmp_path):
    pytest.importorskip("setuptools")
    pytest.importorskip("pip")
    src = _sources(tmp_path)
    # what 'pip install -e' builds and installs
    wheel = _backend("build_editable", src, tmp_path / "dist", _backend_env(tmp_path))
    python, _ = _fresh_venv(tmp_path, wheel)
    _, user, module, ci = _user_in_empty_folder(tmp_path, python)
    assert Path(module) == src / "benchsuite" / "_bundled.py"
    assert Path(ci) == src / "suites" / "ci.yaml"  # edits to the clone's suites/ count
    (src / "suites" / "mine.yaml").write_text("datasets: [iris]\nestimators: [dummy]\n")
    proc = user("run", "mine", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "iris/dummy" in proc.stdout


def test_list_suites_and_init_stay_light(tmp_path):
    heavy = ("torch", "xgboost", "lightgbm", "matplotlib", "sklearn", "pandas")
    code = (
        "import sys\nfrom benchsuite.cli import main\n"
        "main(['list', 'suites']); main(['init'])\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    proc = python(code, cwd=tmp_path)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr
    assert (tmp_path / "my-suite.yaml").is_file()

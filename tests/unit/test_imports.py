"""What ``benchsuite run`` imports: nothing a plain scikit-learn script would not, beyond
benchsuite itself and what it needs to read and validate a suite (issue 12: start-up cost).

Each side runs in a fresh interpreter and reports its ``sys.modules``: benchsuite running a
one-job scikit-learn suite, and the same work written by hand (as
``benchmarks/_plain_tiny.py`` does it). The difference is benchsuite's import overhead.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TINY = """
name: tiny
seed: 0
defaults: {evaluation: {holdout: 0.2}, metrics: [accuracy]}
datasets: [iris]
estimators: [logreg]
"""

RUN = """
import json, sys
from benchsuite.cli import main
code = main(["run", {suite!r}, "-q", "-o", {out!r}, "--run-id", "r"])
print(json.dumps({{"code": code, "modules": sorted(sys.modules)}}))
"""

PLAIN = """
import json, sys
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y)
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_train, y_train)
accuracy_score(y_test, model.predict(X_test))
print(json.dumps({"modules": sorted(sys.modules)}))
"""

# never needed by a run of scikit-learn estimators on arrays, whatever scikit-learn imports
NEVER = (
    "torch",
    "xgboost",
    "lightgbm",
    "matplotlib",
    "dask",
    "distributed",
    "sklearn.compose",  # only for DataFrames with categorical columns or NaN
    "sklearn.impute",
    "sklearn.neighbors",
    "rich._emoji_codes",  # only when a console renders emoji codes, which ours do not
)

# what benchsuite may add to the plain script's modules: itself, and reading the suite
# (YAML); anything else is start-up cost that needs a reason. Not pydantic: a valid suite is
# validated without it (benchsuite.suite._fast.fast_fields), which saves a run about 0.1 s; only
# a suite with a mistake pays for pydantic, whose models word the error
ALLOWED = (
    "benchsuite",
    "yaml",
    "_yaml",
    "statistics",  # the run's summary (mean, stdev, median); stdlib, a few ms
    "_statistics",
    "shlex",  # the command line quoted into the run lock file; stdlib, tiny
)


# pandas as if it were not installed (scikit-learn copes: it imports pandas only if it
# can); every attempt to import it is logged with the file that asked for it
NO_PANDAS = """
import json, sys, traceback
asked = []
class NoPandas:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in ("pandas", "pyarrow"):
            return None
        frames = [f for f in traceback.extract_stack()[:-1] if not f.filename.startswith("<")]
        asked.append([name, frames[-1].filename if frames else "?"])
        raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, NoPandas())
from benchsuite.cli import main
code = main(["run", {suite!r}, "-q", "-o", {out!r}, "--run-id", "r"])
print(json.dumps({{"code": code, "asked": asked}}))
"""


def _modules(code: str, tmp_path: Path, env: dict[str, str]) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _env_with_fake_gpu(tmp_path: Path) -> dict[str, str]:
    """This environment, with an ``nvidia-smi`` on PATH that reports one GPU: the GPU query
    of a run must read it without importing torch."""
    import os

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'NVIDIA H100 80GB HBM3, 81559, 550.54.15'\n")
    fake.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    # the checkout's benchsuite, whatever the current folder
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def _top(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_run_of_a_sklearn_suite_imports_nothing_heavy(tmp_path):
    suite = tmp_path / "tiny.yaml"
    suite.write_text(TINY)
    out = tmp_path / "out"
    env = _env_with_fake_gpu(tmp_path)
    run = _modules(RUN.format(suite=str(suite), out=str(out)), tmp_path, env)
    plain = _modules(PLAIN, tmp_path, env)
    assert run["code"] == 0
    loaded, baseline = set(run["modules"]), set(plain["modules"])

    assert sorted(m for m in loaded if _top(m, NEVER)) == []
    assert sorted(m for m in loaded if _top(m, ("pydantic", "pydantic_core"))) == []
    # pandas is a table library: a run on arrays loads it only if scikit-learn itself does
    if "pandas" not in baseline:
        assert "pandas" not in loaded
    extra = sorted(m for m in loaded - baseline if not _top(m, ALLOWED))
    assert extra == [], f"benchsuite run imports more than a plain script: {extra}"

    # the environment still travels with the result: the GPU from nvidia-smi, no torch
    info = json.loads((out / "tiny" / "r" / "run.json").read_text(encoding="utf-8"))
    assert info["environment"]["gpus"] == [
        {"name": "NVIDIA H100 80GB HBM3", "memory_gb": 79.65, "driver": "550.54.15"}
    ]
    assert info["environment"]["packages"]["scikit-learn"]
    assert info["threadpools"]


def test_run_on_arrays_does_not_ask_for_pandas(tmp_path):
    # scikit-learn may import pandas on its own (1.9 does, when installed); benchsuite must
    # not, for data that are arrays: with pandas missing the run works and never asks
    suite = tmp_path / "tiny.yaml"
    suite.write_text(TINY)
    out = tmp_path / "out"
    env = _env_with_fake_gpu(tmp_path)
    run = _modules(NO_PANDAS.format(suite=str(suite), out=str(out)), tmp_path, env)
    assert run["code"] == 0
    benchsuite_dir = str(ROOT / "benchsuite")
    assert [a for a in run["asked"] if a[1].startswith(benchsuite_dir)] == []
    records = (out / "tiny" / "r" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["status"] for line in records] == ["ok"]


# what `benchsuite --help` and `benchsuite list` load (issue 13: the CLI is a package of one
# module per command; each imports its libraries inside the command, not at the top)
COMMAND = """
import json, sys
from benchsuite.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print(json.dumps({{"modules": sorted(sys.modules)}}))
"""


def test_help_loads_only_the_cli_package(tmp_path):
    env = _env_with_fake_gpu(tmp_path)
    loaded = _modules(COMMAND.format(argv=["--help"]), tmp_path, env)["modules"]
    ours = [m for m in loaded if _top(m, ("benchsuite",))]
    # the package itself (with its lazy re-export helper) and the CLI's own modules
    own = ("benchsuite", "benchsuite._lazy")
    assert [m for m in ours if m not in own and not _top(m, ("benchsuite.cli",))] == []
    # every command is registered, and none of them loads its libraries to do so
    for command in ("run", "validate", "list_", "init", "data", "compare", "results", "report"):
        assert f"benchsuite.cli.{command}" in ours
    third_party = ("rich", "yaml", "numpy", "pydantic", "sklearn", "pandas", *NEVER)
    assert [m for m in loaded if _top(m, third_party)] == []


def test_list_does_not_load_the_records_module(tmp_path):
    env = _env_with_fake_gpu(tmp_path)
    loaded = _modules(COMMAND.format(argv=["list", "metrics"]), tmp_path, env)["modules"]
    assert "benchsuite.report._tables" in loaded
    assert [m for m in loaded if _top(m, ("benchsuite.results", "importlib.metadata"))] == []


def test_public_names_are_listed_and_resolve():
    import benchsuite

    assert sorted(benchsuite.__all__) == sorted([*benchsuite._EXPORTS, "__version__"])
    for name in benchsuite._EXPORTS:
        assert getattr(benchsuite, name) is not None, name
    assert set(benchsuite.__all__) <= set(dir(benchsuite))

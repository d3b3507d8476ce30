"""Validation stays light: no torch, xgboost or lightgbm unless an estimator is built."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("torch", "xgboost", "lightgbm")


def _imported_after(code: str) -> list[str]:
    script = (
        "import json, sys\n"
        f"{code}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{HEAVY + ('sklearn',)!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return sorted({m.split(".")[0] for m in json.loads(out.strip().splitlines()[-1])})


def test_import_is_light():
    assert _imported_after("import benchsuite.estimators") == []


def test_validating_xgboost_and_lightgbm_aliases_imports_nothing_heavy():
    code = """
import benchsuite.estimators as E
E.check_estimator_entry({"name": "x", "model": "xgboost", "params": {"max_bin": 8},
                         "grid": {"n_estimators": [5, 10]}})
E.check_estimator_entry({"name": "l", "model": "lightgbm", "params": {"num_leaves": 8}})
assert E.ESTIMATOR_ALIASES["xgboost"].known_params
assert E.estimator_kinds("xgboost") == {"classifier", "regressor"}
assert E.skip_reason("lightgbm", "regression") is None
E.resolved_params("xgboost", {"n_estimators": 5}, task="binary", random_state=0)
E.estimator_class_path("lightgbm", "binary")
"""
    assert _imported_after(code) == []


def test_build_imports_only_the_library_it_needs():
    code = """
import benchsuite.estimators as E
E.check_estimator_entry({"model": "svc", "params": {"C": 1}})
E.build_estimator("rf", {}, task="binary", random_state=0)
"""
    assert _imported_after(code) == ["sklearn"]
    code = """
import benchsuite.estimators as E
E.build_estimator("xgboost", {}, task="binary", random_state=0)
"""
    imported = _imported_after(code)
    assert "xgboost" in imported
    assert "lightgbm" not in imported
    assert "torch" not in imported

"""Bad suites through the real CLI: one ``error:`` line on stderr, exit 2, no traceback."""

from __future__ import annotations

import functools
import json
import subprocess

import pytest
from e2e_helpers import bench, one_error_line

# no BENCHSUITE_DEBUG (it turns error lines into tracebacks); BS_E2E_UNSET stays unset
benchsuite = functools.partial(bench, unset=("BENCHSUITE_DEBUG", "BS_E2E_UNSET"), timeout=120)


def assert_one_error_line(proc: subprocess.CompletedProcess[str], start: str, *parts: str):
    line = one_error_line(proc, *parts)
    assert proc.stdout == ""
    assert line.startswith(f"error: {start}"), line


BODY = "datasets: [iris]\nestimators: [svc]\n"


@pytest.mark.parametrize(
    ("command", "text", "where", "parts"),
    [
        pytest.param("validate", None, "", ["no such file"], id="missing-file"),
        pytest.param("validate", b"name: x\x00\n", "", ["not a text file"], id="binary"),
        pytest.param(
            "validate",
            "name: x\ndatasets: [iris\nestimators: [svc]\n",
            ":3: ",
            ["YAML syntax error"],
            id="syntax",
        ),
        pytest.param("validate", "- iris\n- svc\n", ":1: ", ["top level"], id="list"),
        pytest.param(
            "validate",
            "name: x\ndatasets: [iris]\nestimators:\n  - svc\n"
            "  - {name: f, model: rf, params: {n_estimator: 10}}\n",
            ":5: estimators[1].params.n_estimator: ",
            ["RandomForestClassifier", "(did you mean 'n_estimators'?)"],
            id="param",
        ),
        pytest.param(
            "validate",
            "name: x\ndatasets: [iris]\nestimators:\n  - svc\n"
            "  - {name: f, model: rf, params: {n_estimators: -5}}\n",
            ":5: estimators[1].params.n_estimators: ",
            ["must be an int in the range [1, inf) for RandomForestClassifier; got -5"],
            id="param-value",
        ),
        pytest.param(
            "run",
            "name: x\ndatasets: [iris]\nestimators:\n  - model: svc\n"
            "    grid:\n      C: [1, 10,\n          -1]\n",
            ":7: estimators[0].grid.C[2]: ",
            ["must be a float in the range (0.0, inf] for SVC; got -1"],
            id="run-grid-value",
        ),
        pytest.param(
            "validate",
            "name: x\ndatasets: [mnist]\nestimators:\n"
            "  - {name: cnn, model: torch.cnn, params: {epochs: 0}}\n",
            ":4: estimators[0].params.epochs: ",
            ["must be an int in the range [1, inf) for TorchCNNClassifier; got 0"],
            id="torch-param-value",
        ),
        pytest.param(
            "validate",
            "name: x\n" + BODY + "seed: !!python/object/apply:os.system ['touch {marker}']\n",
            ":4: ",
            ["Python object tags are not allowed"],
            id="python-tag",
        ),
        pytest.param(
            "validate",
            "name: x\ndatasets: [iris]\nestimators:\n  - model: ${BS_E2E_UNSET}\n",
            ":4: estimators[0].model: ",
            ["'BS_E2E_UNSET' is not set"],
            id="env-unset",
        ),
        pytest.param(
            "run",
            "name: x\ndatasets: [irs]\nestimators: [svc]\n",
            ":2: datasets[0].source: ",
            ["(did you mean 'iris'?)"],
            id="run-unknown-dataset",
        ),
        pytest.param(
            "validate",
            "name: x\ndatasets: [iris]\nestimators:\n  - model: rf\n"
            "    inference:\n      batch_sizes: []\n",
            ":6: estimators[0].inference.batch_sizes: ",
            ["must list at least one batch size"],
            id="inference-batch-sizes",
        ),
        pytest.param(
            "run",
            "name: x\ndefaults:\n  inference: {device_resident: true}\n"
            "datasets: [iris]\nestimators: [rf]\n",
            ":3: defaults.inference.device_resident: ",
            ["torch models", "estimator 'rf' (rf) is not one"],
            id="run-inference-device-resident",
        ),
    ],
)
def test_bad_suite(tmp_path, command, text, where, parts):
    path = tmp_path / "suite.yaml"
    marker = tmp_path / "pwned"
    if isinstance(text, str):
        path.write_text(text.replace("{marker}", str(marker)))
    elif text is not None:
        path.write_bytes(text)
    extra = ["-o", tmp_path / "out", "-q"] if command == "run" else []
    proc = benchsuite(command, path, *extra)
    assert_one_error_line(proc, f"{path}{where}", *parts)
    assert not marker.exists()
    assert not (tmp_path / "out").exists()


def test_quickstart_validates():
    proc = benchsuite("validate", "suites/quickstart.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith("suites/quickstart.yaml: ok")


def test_fit_failure_is_recorded_not_raised(tmp_path):
    path = tmp_path / "fitfail.yaml"
    path.write_text(
        "name: fitfail\n"
        "defaults:\n"
        "  evaluation: {cv: 2}\n"
        "datasets: [iris]\n"
        "estimators:\n"
        # each value is allowed, the pair is not: only fit can tell (validate passes)
        "  - {name: bad, model: rf, params: {bootstrap: false, max_samples: 0.5}}\n"
        "  - {name: good, model: knn}\n"
    )
    proc = benchsuite("run", path, "-o", tmp_path / "out", "-q")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    (records_file,) = (tmp_path / "out").rglob("records.jsonl")
    records = [json.loads(line) for line in records_file.read_text().splitlines()]
    by_estimator = {e: [r for r in records if r["estimator"] == e] for e in ("bad", "good")}
    assert len(by_estimator["bad"]) == len(by_estimator["good"]) == 2  # one per fold
    for rec in by_estimator["bad"]:
        assert rec["status"] == "error"
        assert "max_sample" in rec["error"]
        assert "\n" not in rec["error"]
    for rec in by_estimator["good"]:
        assert rec["status"] == "ok"
        assert rec["error"] is None
        assert 0.5 < rec["metrics"]["accuracy"] <= 1.0

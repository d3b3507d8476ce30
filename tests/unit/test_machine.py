"""The machine a run measured on: ``--machine``, ``BENCHSUITE_MACHINE``, else a hash of the
hardware (never the hostname); runs older than the key get theirs from their environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchsuite.cli import main
from benchsuite.environment import capture_environment, machine_key
from benchsuite.runs import load_run

ROOT = Path(__file__).resolve().parents[2]
ENV = {
    "hostname": "ci-runner-8f2c",
    "cpu": {"model": "AMD EPYC 7B13", "logical_cores": 2, "usable_cores": 2},
    "ram_gb": 7.76,
    "gpus": [],
    "load_average": [0.5, 0.4, 0.3],
    "packages": {"scikit-learn": "1.5.2"},
}


def test_the_key_follows_the_hardware_not_the_host():
    key = machine_key(ENV)
    assert key.startswith("hw-") and len(key) == 13
    # a new CI host of the same kind, another load, other packages, a few MiB of RAM less
    same = {**ENV, "hostname": "ci-runner-11aa", "load_average": [3.0], "packages": {}}
    assert machine_key({**same, "ram_gb": 7.7}) == key
    assert machine_key({**ENV, "cpu": {**ENV["cpu"], "usable_cores": 1}}) == key
    for other in (
        {**ENV, "cpu": {**ENV["cpu"], "model": "Intel Xeon"}},
        {**ENV, "cpu": {**ENV["cpu"], "logical_cores": 4}},
        {**ENV, "ram_gb": 15.6},
        {**ENV, "gpus": [{"name": "NVIDIA H100"}]},
    ):
        assert machine_key(other) != key
    # GPU order does not matter, nor how many of a model a run saw (CUDA_VISIBLE_DEVICES
    # hides some of them from torch on the same machine)
    two = [{"name": "A"}, {"name": "B"}]
    assert machine_key({**ENV, "gpus": two}) == machine_key({**ENV, "gpus": two[::-1]})
    h100 = {"name": "NVIDIA H100"}
    assert machine_key({**ENV, "gpus": [h100]}) == machine_key({**ENV, "gpus": [h100, h100]})
    assert machine_key({}) == machine_key({"cpu": None, "gpus": None})  # an empty environment


SUITE = "name: tiny\ndefaults: {evaluation: {cv: 2}}\ndatasets: [iris]\nestimators: [dummy]\n"


def _run(tmp_path, *args, monkeypatch=None):
    suite = tmp_path / "tiny.yaml"
    suite.write_text(SUITE)
    code = main(["run", str(suite), "-q", "-o", str(tmp_path / "out"), *args])
    return code, tmp_path / "out" / "tiny"


def test_run_records_the_machine_given_or_the_hardware_key(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("BENCHSUITE_MACHINE", raising=False)
    code, runs = _run(tmp_path, "--run-id", "a")
    assert code == 0
    info = json.loads((runs / "a" / "run.json").read_text())
    assert info["machine"] == machine_key(info["environment"])
    assert info["machine"] == machine_key(capture_environment())

    monkeypatch.setenv("BENCHSUITE_MACHINE", "ci-large")
    assert _run(tmp_path, "--run-id", "b")[0] == 0
    assert json.loads((runs / "b" / "run.json").read_text())["machine"] == "ci-large"
    # --machine wins over the variable
    assert _run(tmp_path, "--run-id", "c", "--machine", "lab-gpu.1")[0] == 0
    assert load_run(runs / "c").info.machine_key() == "lab-gpu.1"


@pytest.mark.parametrize(
    "args, env, where",
    [
        (["--machine", "my laptop"], None, "--machine 'my laptop'"),
        (["--machine", "a/b"], None, "--machine 'a/b'"),
        ([], "-x", "BENCHSUITE_MACHINE '-x'"),
    ],
)
def test_a_bad_machine_name_is_one_line_and_writes_nothing(
    tmp_path, monkeypatch, capsys, args, env, where
):
    if env is None:
        monkeypatch.delenv("BENCHSUITE_MACHINE", raising=False)
    else:
        monkeypatch.setenv("BENCHSUITE_MACHINE", env)
    code, runs = _run(tmp_path, *args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith(f"error: {where}: a machine name is 1-64 letters")
    assert not runs.exists()


def test_an_old_run_gets_the_key_of_its_recorded_environment():
    run = load_run(ROOT / "tests" / "data" / "run_v1_folder" / "v1run")
    assert run.info.machine is None
    assert run.info.machine_key() == machine_key(run.info.environment)
    assert run.info.machine_key().startswith("hw-")

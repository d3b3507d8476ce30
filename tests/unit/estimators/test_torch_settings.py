"""The numeric settings of the torch estimators (issue 14, defects 4 and 5): the new
parameters (``cudnn_benchmark``, ``deterministic``, ``tf32``, ``predict_batch_size``),
``settings_`` after fit, its way into the record, and validation without torch.

Every model here fits with ``device="cpu"``; the CUDA branch of the switches is checked
with a stand-in device and the flags objects replaced (no GPU is needed to set them)."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import numpy as np
import pytest

from benchsuite.suite import SuiteError, parse_suite

FAST = {"epochs": 1, "threads": 1, "random_state": 0, "device": "cpu"}
SRC = "t.yaml"


@pytest.fixture(scope="module")
def T():
    pytest.importorskip("torch")
    import benchsuite.estimators.torch as torch_estimators

    return torch_estimators


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X[:300] / 16).astype(np.float32), y[:300]


# -- settings_ after fit ---------------------------------------------------------------
def test_settings_after_a_cpu_fit_with_defaults(T, digits):
    """Defaults nobody wrote are recorded: channels_last is on for the CNN and off (it is
    ignored) for the MLP; off CUDA, tf32 and cudnn_benchmark are not applicable (None)."""
    X, y = digits
    cnn = T.TorchCNNClassifier(**FAST).fit(X, y)
    assert cnn.settings_ == {
        "amp": "none",
        "channels_last": True,
        "tf32": None,
        "cudnn_benchmark": None,
        "deterministic": False,
        "batch_size": 64,
        "predict_batch_size": 4096,
        "compile": False,
    }
    assert cnn.compile_time_s_ is None
    mlp = T.TorchMLPClassifier(channels_last=True, batch_size=32, **FAST).fit(X, y)
    assert mlp.settings_["channels_last"] is False
    assert mlp.settings_["batch_size"] == 32
    # accepted on CPU, recorded as not applicable
    asked = T.TorchMLPClassifier(tf32=True, cudnn_benchmark=True, **FAST).fit(X, y)
    assert asked.settings_["tf32"] is None and asked.settings_["cudnn_benchmark"] is None


def test_fp16_requested_on_cpu_is_recorded_as_full_precision(T, digits):
    X, y = digits
    with pytest.warns(UserWarning, match="fp16"):
        model = T.TorchMLPClassifier(amp="fp16", **FAST).fit(X, y)
    assert model.get_params()["amp"] == "fp16"  # what was asked
    assert model.settings_["amp"] == "none"  # what ran


# -- predict_batch_size ----------------------------------------------------------------
def test_predict_batch_size_sets_the_number_of_forward_passes(T, digits):
    """10 rows in batches of 3 are 4 forward passes (the old fixed 4096: one), with the
    same predictions and probabilities."""
    X, y = digits
    model = T.TorchMLPClassifier(**FAST).fit(X, y)
    calls = []
    model.module_.register_forward_hook(lambda module, args, out: calls.append(len(args[0])))
    big = model.predict_proba(X[:10])
    assert calls == [10]
    calls.clear()
    model.set_params(predict_batch_size=3)
    small = model.predict_proba(X[:10])
    assert calls == [3, 3, 3, 1]
    np.testing.assert_array_equal(small.argmax(1), big.argmax(1))
    np.testing.assert_allclose(small, big, rtol=1e-5, atol=1e-6)


def test_predict_batch_size_is_checked_and_recorded(T, digits):
    X, y = digits
    model = T.TorchMLPClassifier(predict_batch_size=7, **FAST).fit(X, y)
    assert model.settings_["predict_batch_size"] == 7
    with pytest.raises(ValueError, match="predict_batch_size must be an integer >= 1"):
        T.TorchMLPClassifier(predict_batch_size=0, **FAST).fit(X, y)


# -- deterministic ---------------------------------------------------------------------
def test_deterministic_is_on_during_fit_and_restored_after(T, digits, monkeypatch):
    import torch

    X, y = digits
    seen = []
    real_forward = T.TorchMLPClassifier._build_network

    def build(self, *args):
        seen.append(torch.are_deterministic_algorithms_enabled())
        return real_forward(self, *args)

    monkeypatch.setattr(T.TorchMLPClassifier, "_build_network", build)
    calls = []
    real_use = torch.use_deterministic_algorithms

    def use(mode, *, warn_only=False):
        calls.append(bool(mode))
        real_use(mode, warn_only=warn_only)

    monkeypatch.setattr(torch, "use_deterministic_algorithms", use)
    assert not torch.are_deterministic_algorithms_enabled()
    model = T.TorchMLPClassifier(deterministic=True, **FAST).fit(X, y)
    assert seen == [True]  # in effect while the network is built and trained
    assert calls[0] is True and calls[-1] is False  # set, then restored
    assert not torch.are_deterministic_algorithms_enabled()
    assert model.settings_["deterministic"] is True

    # a caller's own setting (with warn_only) survives a fit
    real_use(True, warn_only=True)
    try:
        T.TorchMLPClassifier(**FAST).fit(X, y)
        assert seen[-1] is False  # deterministic=False: off for that fit
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        real_use(False)


# -- the CUDA branch, with stand-ins ---------------------------------------------------
@pytest.fixture
def fake_flags(monkeypatch):
    """torch.backends.cuda.matmul and torch.backends.cudnn replaced by plain objects."""
    import torch

    matmul = types.SimpleNamespace(allow_tf32=False)
    cudnn = types.SimpleNamespace(allow_tf32=True, benchmark=False, deterministic=False)
    monkeypatch.setattr(torch.backends.cuda, "matmul", matmul)
    monkeypatch.setattr(torch.backends, "cudnn", cudnn)
    return matmul, cudnn


def test_tf32_and_cudnn_switches_on_cuda_are_set_and_restored(T, fake_flags):
    import torch

    from benchsuite.estimators.torch import _training

    matmul, cudnn = fake_flags
    cuda = torch.device("cuda", 0)  # only its type is read
    with _training.numeric_settings(cuda, tf32=True, cudnn_benchmark=True) as settings:
        assert (matmul.allow_tf32, cudnn.allow_tf32, cudnn.benchmark) == (True, True, True)
    assert settings == {
        "tf32": {"matmul": True, "cudnn": True},
        "cudnn_benchmark": True,
        "deterministic": False,
    }
    assert (matmul.allow_tf32, cudnn.allow_tf32, cudnn.benchmark) == (False, True, False)

    with _training.numeric_settings(cuda, tf32=False) as settings:
        assert (matmul.allow_tf32, cudnn.allow_tf32) == (False, False)
    assert settings["tf32"] == {"matmul": False, "cudnn": False}
    assert cudnn.allow_tf32 is True

    # None leaves torch's defaults, and records them: TF32 convolutions without amp
    with _training.numeric_settings(cuda, tf32=None) as settings:
        pass
    assert settings["tf32"] == {"matmul": False, "cudnn": True}


def test_tf32_and_cudnn_switches_are_left_alone_off_cuda(T, fake_flags):
    import torch

    from benchsuite.estimators.torch import _training

    matmul, cudnn = fake_flags
    with _training.numeric_settings(
        torch.device("cpu"), tf32=False, cudnn_benchmark=True
    ) as settings:
        assert (matmul.allow_tf32, cudnn.allow_tf32, cudnn.benchmark) == (False, True, False)
    assert settings["tf32"] is None and settings["cudnn_benchmark"] is None


@pytest.mark.gpu
def test_settings_on_a_real_gpu(T, digits):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    X, y = digits
    before = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    model = T.TorchCNNClassifier(
        epochs=1, random_state=0, device="cuda", tf32=False, cudnn_benchmark=True, amp="fp16"
    ).fit(X, y)
    assert model.settings_["tf32"] == {"matmul": False, "cudnn": False}
    assert model.settings_["cudnn_benchmark"] is True
    assert model.settings_["amp"] == "fp16"
    assert (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32) == before
    assert torch.backends.cudnn.benchmark is False


# -- compile ---------------------------------------------------------------------------
@pytest.fixture
def fake_compile(monkeypatch):
    """torch.compile replaced: records its calls and returns the module unchanged, with
    a hook counting the rows of each forward pass."""
    import torch

    calls = {"modes": [], "rows": []}

    def compile(module, *, mode=None):
        calls["modes"].append(mode)
        module.register_forward_hook(lambda m, args, out: calls["rows"].append(len(args[0])))
        return module

    monkeypatch.setattr(torch, "compile", compile)
    return calls


def test_compile_warms_up_before_the_epochs_and_is_timed_apart(T, digits, fake_compile):
    """compile='max-autotune' calls torch.compile with that mode, then one forward pass
    per training batch shape (300 rows in batches of 64: 64 and the last 44) before the
    first epoch; the warm-up leaves the weights as they were (same model as eager)."""
    X, y = digits
    model = T.TorchMLPClassifier(compile="max-autotune", **FAST).fit(X, y)
    assert fake_compile["modes"] == ["max-autotune"]
    assert fake_compile["rows"][:2] == [64, 44]  # warm-up
    assert sum(fake_compile["rows"][2:]) == 300  # then one epoch
    assert model.settings_["compile"] == "max-autotune"
    assert isinstance(model.compile_time_s_, float) and model.compile_time_s_ >= 0
    eager = T.TorchMLPClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(model.predict_proba(X), eager.predict_proba(X))

    T.TorchMLPClassifier(compile=True, **FAST).fit(X, y)
    assert fake_compile["modes"][-1] == "default"


def test_compile_off_by_default(T, digits, fake_compile):
    X, y = digits
    model = T.TorchMLPClassifier(**FAST).fit(X, y)
    assert fake_compile["modes"] == [] and model.compile_time_s_ is None


def test_where_torch_cannot_compile_fit_raises_naming_it(T, digits, monkeypatch):
    import torch

    def compile(module, *, mode=None):
        raise RuntimeError("Dynamo is not supported on this Python\nmore detail")

    monkeypatch.setattr(torch, "compile", compile)
    X, y = digits
    with pytest.raises(RuntimeError, match=r"^torch.compile \(mode 'default'\) failed on cpu: "):
        T.TorchMLPClassifier(compile=True, **FAST).fit(X, y)


def _run_tiny(tmp_path, params: str):
    from benchsuite.executors import run_plan
    from benchsuite.plan import build_plan

    text = (
        "name: s\ndefaults: {evaluation: {holdout: 0.25}, device: cpu}\ndatasets: [iris]\n"
        f"estimators: [{{name: mlp, model: torch.mlp, params: {params}}}]\n"
    )
    plan = build_plan(parse_suite(text, source=SRC, base_dir=tmp_path))
    (rec,) = run_plan(plan, output=tmp_path).records
    return rec


def test_compile_time_and_compile_failures_reach_the_record(T, tmp_path, monkeypatch):
    import torch

    monkeypatch.setattr(torch, "compile", lambda module, *, mode=None: module)
    rec = _run_tiny(tmp_path / "ok", "{epochs: 1, threads: 1, compile: reduce-overhead}")
    assert rec.status == "ok", rec.error
    assert rec.settings["compile"] == "reduce-overhead" and rec.compile_time_s >= 0

    def compile(module, *, mode=None):
        raise RuntimeError("no C++ compiler found")

    monkeypatch.setattr(torch, "compile", compile)
    rec = _run_tiny(tmp_path / "bad", "{epochs: 1, threads: 1, compile: true}")
    assert rec.status == "error"
    assert "torch.compile (mode 'default') failed on cpu" in rec.error
    assert "no C++ compiler found" in rec.error


@pytest.mark.slow
def test_real_compile_on_cpu(T, digits):
    """torch.compile for real (about half a minute on CPU): same accuracy as eager, and
    the first epoch does not recompile (it is as fast as the second, give or take)."""
    X, y = digits
    model = T.TorchMLPClassifier(compile=True, **{**FAST, "epochs": 2}).fit(X, y)
    eager = T.TorchMLPClassifier(**{**FAST, "epochs": 2}).fit(X, y)
    assert model.compile_time_s_ > 0
    assert abs(model.score(X, y) - eager.score(X, y)) < 0.05
    assert model.history_[0]["time_s"] < max(1.0, 10 * model.history_[1]["time_s"])


# -- validation without torch ----------------------------------------------------------
def _suite(params: str) -> str:
    return f"name: x\ndatasets: [iris]\nestimators:\n  - {{model: torch.mlp, params: {params}}}\n"


def test_new_params_validate():
    suite = parse_suite(
        _suite("{tf32: false, cudnn_benchmark: true, deterministic: true, predict_batch_size: 8}"),
        source=SRC,
    )
    assert suite.estimators[0].params["tf32"] is False
    parse_suite(_suite("{tf32: null}"), source=SRC)
    for mode in ("true", "false", "reduce-overhead", "max-autotune"):
        parse_suite(_suite(f"{{compile: {mode}}}"), source=SRC)


@pytest.mark.parametrize(
    ("params", "key", "message"),
    [
        (
            "{predict_batch_size: 0}",
            "predict_batch_size",
            "must be an int in the range [1, inf) for TorchMLPClassifier; got 0",
        ),
        (
            "{tf32: 'yes'}",
            "tf32",
            "must be an instance of 'bool' or None for TorchMLPClassifier; got 'yes'",
        ),
        (
            "{compile: fast}",
            "compile",
            "must be an instance of 'bool' or a str among {'default', 'max-autotune',"
            " 'max-autotune-no-cudagraphs', 'reduce-overhead'} for TorchMLPClassifier;"
            " got 'fast'",
        ),
        (
            "{deterministic: 1}",
            "deterministic",
            "must be an instance of 'bool' for TorchMLPClassifier; got 1",
        ),
    ],
)
def test_bad_values_are_located_errors(params, key, message):
    with pytest.raises(SuiteError) as info:
        parse_suite(_suite(params), source=SRC)
    msg = str(info.value)
    assert msg.startswith(f"{SRC}:4: estimators[0].params.{key}: "), msg
    assert message in msg, msg


def test_validating_the_new_params_imports_no_torch():
    code = f"""
import json, sys
from benchsuite.suite import SuiteError, parse_suite
try:
    parse_suite({_suite("{predict_batch_size: 0, tf32: false}")!r}, source="t.yaml")
except SuiteError as exc:
    print(json.dumps([str(exc), sorted(m for m in sys.modules if m.split(".")[0] == "torch")]))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    message, torch_modules = json.loads(out.strip().splitlines()[-1])
    assert message.startswith("t.yaml:4: estimators[0].params.predict_batch_size: must be an int")
    assert torch_modules == []


# -- the record ------------------------------------------------------------------------
def test_record_of_a_torch_job_carries_settings(T, tmp_path):
    from benchsuite.executors import run_plan
    from benchsuite.plan import build_plan
    from benchsuite.results import Record, read_records

    text = (
        "name: s\ndefaults: {evaluation: {holdout: 0.25}, device: cpu}\ndatasets: [iris]\n"
        "estimators: [{name: mlp, model: torch.mlp,"
        " params: {epochs: 1, threads: 1, predict_batch_size: 16}}]\n"
    )
    plan = build_plan(parse_suite(text, source=SRC, base_dir=tmp_path))
    result = run_plan(plan, output=tmp_path)
    (rec,) = result.records
    assert rec.status == "ok", rec.error
    expected = {
        "amp": "none",
        "channels_last": False,
        "tf32": None,
        "cudnn_benchmark": None,
        "deterministic": False,
        "batch_size": 64,
        "predict_batch_size": 16,
        "compile": False,
    }
    assert rec.settings == expected
    assert rec.compile_time_s is None
    (stored,) = read_records(result.path / "records.jsonl")
    assert stored.settings == expected
    # exports keep it as one JSON column, as params (Parquet cannot mix its types)
    pytest.importorskip("pandas")
    from benchsuite.results import records_frame

    assert json.loads(records_frame([rec])["settings"][0]) == expected
    # a record written before the field existed still loads, without settings
    old = {k: v for k, v in rec.to_dict().items() if k != "settings"}
    assert Record.from_dict(old).settings is None


def test_fit_details_reads_settings_as_json_types():
    from benchsuite.estimators._introspect import fit_details

    model = types.SimpleNamespace(settings_={"batch_size": np.int64(8), "tf32": None})
    details = fit_details(model)
    assert details["settings"] == {"batch_size": 8, "tf32": None}
    assert type(details["settings"]["batch_size"]) is int
    assert "settings" not in fit_details(types.SimpleNamespace())


@pytest.mark.parametrize(
    ("name", "value", "valid"),
    [
        ("cudnn_benchmark", True, True),
        ("cudnn_benchmark", "no", False),
        ("deterministic", False, True),
        ("deterministic", 0, False),
        ("tf32", None, True),
        ("tf32", True, True),
        ("tf32", 1, False),
        ("predict_batch_size", 1, True),
        ("predict_batch_size", 0, False),
        ("predict_batch_size", 2.0, False),
        ("compile", False, True),
        ("compile", "max-autotune-no-cudagraphs", True),
        ("compile", "fast", False),
        ("compile", 1, False),
    ],
)
def test_table_and_fit_time_checks_agree_on_the_new_params(T, name, value, valid):
    """What `benchsuite validate` accepts (the torch-free table) is what fit accepts."""
    from benchsuite.estimators._constraints import check_value, torch_constraints

    for cls in (T.TorchCNNClassifier, T.TorchMLPRegressor):
        rules = torch_constraints(cls.__name__)
        table_ok = check_value(name, value, rules[name], cls.__name__) is None
        try:
            cls(**{name: value})._train_config()
            fit_ok = True
        except ValueError:
            fit_ok = False
        assert (table_ok, fit_ok) == (valid, valid)

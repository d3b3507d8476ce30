"""The torch.* aliases: registry data, validation without torch, build, accepts_param."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchsuite.errors import ConfigError
from benchsuite.estimators import (
    ESTIMATOR_ALIASES,
    accepts_param,
    build_estimator,
    check_estimator_entry,
    estimator_class_path,
    estimator_kinds,
    resolved_params,
    skip_reason,
)

TORCH_ALIASES = {
    # alias: class-name stem, the network's own parameters
    "torch.mlp": ("MLP", {"hidden_layer_sizes"}),
    "torch.cnn": ("CNN", set()),
    "torch.keras_cnn": ("KerasCNN", {"padding"}),
    "torch.lenet": ("LeNet", {"padding"}),
    "torch.lstm": ("LSTM", {"hidden_size"}),
    "torch.gru": ("GRU", {"hidden_size"}),
    "torch.transformer": ("Transformer", {"d_model", "n_heads", "n_layers"}),
}
COMMON = {
    "epochs",
    "batch_size",
    "lr",
    "optimizer",
    "momentum",
    "weight_decay",
    "dropout",
    "loss",
    "lr_schedule",
    "early_stopping",
    "validation_fraction",
    "n_iter_no_change",
    "device",
    "amp",
    "channels_last",
    "cudnn_benchmark",
    "deterministic",
    "tf32",
    "predict_batch_size",
    "compile",
    "threads",
    "input_shape",
    "random_state",
    "verbose",
}
MODULE = "benchsuite.estimators.torch"


@pytest.mark.parametrize("name", sorted(TORCH_ALIASES))
def test_torch_alias_entries(name):
    stem, own = TORCH_ALIASES[name]
    alias = ESTIMATOR_ALIASES[name]
    assert alias.classifier == f"{MODULE}:Torch{stem}Classifier"
    assert alias.regressor == f"{MODULE}:Torch{stem}Regressor"
    # images come scaled to [0, 1]; only the MLP also reads tables (encoded for it)
    assert alias.preprocessing == ("tables" if name == "torch.mlp" else "none")
    assert not alias.accepts_kwargs
    assert set(alias.known_params) == own | COMMON
    assert len(alias.known_params) == len(set(alias.known_params))
    assert f"Torch{stem}Classifier" in alias.description
    assert "\n" not in alias.description
    assert estimator_kinds(name) == frozenset({"classifier", "regressor"})
    for task in ("binary", "multiclass", "regression"):
        assert skip_reason(name, task) is None
    assert estimator_class_path(name, "regression") == alias.regressor


@pytest.mark.parametrize("name", sorted(TORCH_ALIASES))
def test_known_params_match_the_real_signatures(name):
    pytest.importorskip("torch")
    from benchsuite.estimators._introspect import import_class

    alias = ESTIMATOR_ALIASES[name]
    for path in (alias.classifier, alias.regressor):
        cls = import_class(path)
        assert set(cls._get_param_names()) == set(alias.known_params)
        assert set(cls().get_params()) == set(alias.known_params)


@pytest.mark.parametrize(
    ("model", "params", "message"),
    [
        (
            "torch.cnn",
            {"epoch": 5},
            "unknown parameter 'epoch' for TorchCNNClassifier (did you mean 'epochs'?)",
        ),
        ("torch.mlp", {"hidden_layer_size": [64]}, "(did you mean 'hidden_layer_sizes'?)"),
        ("torch.lstm", {"lr_scheduler": "cosine"}, "(did you mean 'lr_schedule'?)"),
        ("torch.transformer", {"nheads": 2}, "(did you mean 'n_heads'?)"),
        ("torch.gru", {"zzz": 1}, "unknown parameter 'zzz' for TorchGRUClassifier"),
    ],
)
def test_near_miss_params_are_rejected(model, params, message):
    with pytest.raises(ConfigError) as info:
        check_estimator_entry({"model": model, "params": params})
    assert message in info.value.message
    assert info.value.path == ("params", next(iter(params)))


def test_valid_torch_entries():
    check_estimator_entry(
        {
            "model": "torch.cnn",
            "params": {"epochs": 5, "batch_size": 128, "device": "cuda", "amp": "bf16"},
            "grid": {"lr": [0.01, 0.1]},
        }
    )
    check_estimator_entry({"model": "torch.mlp", "params": {"hidden_layer_sizes": [256]}})


@pytest.mark.parametrize(
    ("typed", "alias"),
    [("cnn", "torch.cnn"), ("lstm", "torch.lstm"), ("lenet", "torch.lenet"), ("gru", "torch.gru")],
)
def test_unknown_alias_suggests_torch_alias(typed, alias):
    with pytest.raises(ConfigError, match=f"did you mean '{alias}'"):
        check_estimator_entry({"model": typed})


def test_resolved_params_without_torch():
    assert resolved_params(
        "torch.cnn", {"epochs": 2, "input_shape": (1, 28, 28)}, task="multiclass", random_state=4
    ) == {"epochs": 2, "input_shape": [1, 28, 28], "random_state": 4}
    assert resolved_params(
        "torch.lstm", {"random_state": 1}, task="regression", random_state=4
    ) == {"random_state": 1}


@pytest.mark.parametrize(
    ("model", "name", "expected"),
    [
        ("torch.cnn", "input_shape", True),
        ("torch.mlp", "input_shape", True),
        ("torch.transformer", "device", True),
        ("torch.lstm", "hidden_size", True),
        ("torch.cnn", "hidden_size", False),
        ("svc", "input_shape", False),
        ("svc", "C", True),
        ("gb", "alpha", True),  # regressor-only parameter of an alias
        ("xgboost", "device", True),
        ("xgboost", "input_shape", False),
        ("lightgbm", "input_shape", False),  # takes **kwargs, but does not know this one
        ("sklearn.svm:SVC", "input_shape", False),
        (f"{MODULE}:TorchLSTMClassifier", "input_shape", True),
    ],
)
def test_accepts_param(model, name, expected):
    if model.startswith(MODULE):
        pytest.importorskip("torch")
    assert accepts_param(model, name) is expected


def test_accepts_param_unknown_alias():
    with pytest.raises(ConfigError, match="unknown estimator"):
        accepts_param("torch.cnnn", "input_shape")


@pytest.mark.parametrize(
    ("task", "kind"), [("multiclass", "Classifier"), ("regression", "Regressor")]
)
def test_build_torch_alias(task, kind):
    pytest.importorskip("torch")
    params = {"epochs": 2, "input_shape": [1, 28, 28]}
    estimator = build_estimator("torch.cnn", params, task=task, random_state=7)
    assert type(estimator).__name__ == f"TorchCNN{kind}"
    actual = estimator.get_params()
    assert (actual["epochs"], actual["random_state"], actual["input_shape"]) == (2, 7, [1, 28, 28])
    resolved = resolved_params("torch.cnn", params, task=task, random_state=7)
    json.dumps(resolved)
    assert {k: actual[k] for k in resolved} == resolved


def _imported_after(code: str) -> list[str]:
    script = (
        "import json, sys\n"
        f"{code}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'sklearn'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return sorted({m.split(".")[0] for m in json.loads(out.strip().splitlines()[-1])})


def test_validating_torch_aliases_imports_neither_torch_nor_sklearn():
    code = """
import benchsuite.estimators as E
for name in ("torch.mlp", "torch.cnn", "torch.keras_cnn", "torch.lenet", "torch.lstm",
             "torch.gru", "torch.transformer"):
    E.check_estimator_entry({"name": "x", "model": name, "params": {"epochs": 2},
                             "grid": {"lr": [0.1, 0.01]}})
    assert E.estimator_kinds(name) == {"classifier", "regressor"}
    assert E.skip_reason(name, "regression") is None
    assert E.accepts_param(name, "input_shape") and E.accepts_param(name, "device")
    E.resolved_params(name, {"epochs": 2}, task="multiclass", random_state=0)
    E.estimator_class_path(name, "binary")
from benchsuite.errors import ConfigError
try:
    E.check_estimator_entry({"model": "torch.cnn", "params": {"epoch": 2}})
except ConfigError as exc:
    assert "did you mean 'epochs'" in exc.message
else:
    raise AssertionError("a near-miss parameter passed")
"""
    assert _imported_after(code) == []


def test_building_a_torch_alias_imports_torch():
    pytest.importorskip("torch")
    code = """
import benchsuite.estimators as E
E.build_estimator("torch.mlp", {}, task="binary", random_state=0)
"""
    assert "torch" in _imported_after(code)

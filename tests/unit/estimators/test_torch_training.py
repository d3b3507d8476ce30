"""Training behaviour of the torch estimators on CPU: learning, seeds, stopping, options.

Every model here pins ``device="cpu"`` (``FAST``) but those of the device tests: on a GPU
host ``"auto"`` would train on CUDA, where the exact-equality checks do not hold."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import benchsuite.estimators.torch as T  # noqa: E402

CUDA = torch.cuda.is_available()
FAST = {"threads": 1, "random_state": 0, "device": "cpu"}


@pytest.fixture(scope="module")
def digits():
    """Held-out split of sklearn's 8x8 digits, scaled to [0, 1] like image datasets."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    return train_test_split(X, y, train_size=600, test_size=300, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def tiny(digits):
    X_train, _, y_train, _ = digits
    return X_train[:200], y_train[:200]


# Each network trains a few epochs on 600 digits (well under a second each). The MLP and
# the CNN must clearly learn (chance is 0.1); the others must beat chance by a margin.
# The CNN's tutorial defaults (SGD, lr 0.001) are slow starters: lr 0.05 here.
LEARNERS = [
    ("MLP", {"epochs": 5}, 0.5),
    ("CNN", {"epochs": 5, "lr": 0.05}, 0.5),
    ("KerasCNN", {"epochs": 5, "padding": "same"}, 0.3),
    ("LeNet", {"epochs": 5, "padding": "same", "lr": 0.003}, 0.3),
    ("LSTM", {"epochs": 5, "lr": 0.01}, 0.3),
    ("GRU", {"epochs": 5, "lr": 0.01}, 0.3),
    ("Transformer", {"epochs": 5}, 0.3),
]


@pytest.mark.parametrize(("family", "params", "minimum"), LEARNERS)
def test_every_network_learns_digits(family, params, minimum, digits):
    X_train, X_test, y_train, y_test = digits
    model = getattr(T, f"Torch{family}Classifier")(**FAST, **params).fit(X_train, y_train)
    assert model.score(X_test, y_test) > minimum
    losses = [h["train_loss"] for h in model.history_]
    assert losses[-1] < losses[0]


def test_regressor_learns(digits):
    X_train, X_test, y_train, y_test = digits
    model = T.TorchMLPRegressor(epochs=20, **FAST).fit(X_train, y_train.astype(float))
    assert model.score(X_test, y_test.astype(float)) > 0.5


# -- determinism ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "params"),
    [
        (T.TorchMLPClassifier, {"dropout": 0.2}),
        (T.TorchCNNClassifier, {"dropout": 0.2}),
        (T.TorchLSTMClassifier, {"hidden_size": 16, "dropout": 0.2}),
        (T.TorchTransformerClassifier, {"d_model": 16, "n_heads": 2, "dropout": 0.1}),
    ],
)
def test_same_seed_same_model_other_seed_other_model(cls, params, tiny):
    X, y = tiny

    def proba(seed):
        model = cls(epochs=2, threads=1, random_state=seed, device="cpu", **params)
        return model.fit(X, y).predict_proba(X)

    first = proba(3)
    np.testing.assert_array_equal(proba(3), first)
    assert not np.array_equal(proba(4), first)


def test_fit_leaves_the_global_torch_generator_alone(tiny):
    X, y = tiny
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    T.TorchMLPClassifier(epochs=1, **FAST).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


def test_random_state_none_draws_from_numpy(tiny):
    X, y = tiny

    def proba():
        model = T.TorchMLPClassifier(epochs=1, threads=1, random_state=None, device="cpu")
        return model.fit(X, y).predict_proba(X[:5])

    np.random.seed(5)
    first = proba()
    np.random.seed(5)
    np.testing.assert_array_equal(proba(), first)
    assert not np.array_equal(proba(), first)  # the global stream moved on


# -- early stopping and history ------------------------------------------------------------


def test_early_stopping_stops_on_a_plateau(tiny):
    X, y = tiny
    # lr=0: the validation loss never improves after the first epoch
    model = T.TorchMLPClassifier(
        epochs=20, lr=0.0, early_stopping=True, n_iter_no_change=2, **FAST
    ).fit(X, y)
    assert model.n_epochs_run_ == 3 < 20
    assert len(model.history_) == model.n_epochs_run_
    assert [h["epoch"] for h in model.history_] == [1, 2, 3]
    for record in model.history_:
        assert set(record) == {"epoch", "train_loss", "val_loss", "val_score", "time_s"}
        assert 0 <= record["val_score"] <= 1
    assert len({h["val_loss"] for h in model.history_}) == 1


def test_early_stopping_runs_to_the_end_while_improving(digits):
    X_train, _, y_train, _ = digits
    model = T.TorchMLPClassifier(
        epochs=4, lr=3e-3, early_stopping=True, validation_fraction=0.2, **FAST
    ).fit(X_train, y_train)
    assert model.n_epochs_run_ == 4
    val_losses = [h["val_loss"] for h in model.history_]
    assert val_losses == sorted(val_losses, reverse=True)
    assert model.history_[-1]["val_score"] > 0.5


def test_early_stopping_regressor_reports_r2(tiny):
    X, y = tiny
    model = T.TorchMLPRegressor(epochs=3, early_stopping=True, **FAST).fit(X, y.astype(float))
    assert all(h["val_score"] <= 1 for h in model.history_)


def test_history_without_early_stopping(tiny):
    X, y = tiny
    model = T.TorchMLPClassifier(epochs=3, **FAST).fit(X, y)
    assert model.n_epochs_run_ == 3
    assert [set(h) for h in model.history_] == [{"epoch", "train_loss", "time_s"}] * 3


# -- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize("schedule", ["cosine", "onecycle"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw"])
def test_lr_schedules_and_optimizers(schedule, optimizer, tiny):
    X, y = tiny
    model = T.TorchMLPClassifier(
        epochs=2, optimizer=optimizer, lr_schedule=schedule, weight_decay=1e-4, **FAST
    )
    model.fit(X, y)
    assert model.n_epochs_run_ == 2
    assert np.isfinite([h["train_loss"] for h in model.history_]).all()


def test_each_optimizer_and_schedule_trains_its_own_model(tiny):
    """The options reach the training loop: with the same seed, every (optimizer, schedule)
    pair ends with different weights (and a schedule other than 'none' changes them)."""
    X, y = tiny
    probas = {}
    for optimizer in ("sgd", "adam", "adamw"):
        for schedule in ("none", "cosine", "onecycle"):
            model = T.TorchMLPClassifier(
                epochs=2, optimizer=optimizer, lr_schedule=schedule, weight_decay=1e-2, **FAST
            )
            probas[optimizer, schedule] = model.fit(X, y).predict_proba(X)
    keys = list(probas)
    for i, first in enumerate(keys):
        for second in keys[i + 1 :]:
            assert not np.allclose(probas[first], probas[second]), (first, second)


@pytest.mark.parametrize("cls", [T.TorchMLPClassifier, T.TorchCNNClassifier, T.TorchLSTMClassifier])
def test_bf16_autocast_on_cpu(cls, tiny):
    X, y = tiny
    model = cls(epochs=1, amp="bf16", **FAST).fit(X, y)
    assert model.amp_ == "bf16"
    proba = model.predict_proba(X[:10])
    assert proba.shape == (10, 10) and proba.dtype == np.float64
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X[:10]), model.classes_[proba.argmax(axis=1)])


def test_fp16_without_cuda_falls_back_with_a_warning(tiny):
    # on the CPU (FAST's device), whether the machine has CUDA or not
    X, y = tiny
    with pytest.warns(UserWarning, match="amp='fp16' needs CUDA"):
        model = T.TorchMLPClassifier(epochs=1, amp="fp16", **FAST).fit(X, y)
    assert model.amp_ == "none"


@pytest.mark.parametrize("cls", [T.TorchCNNClassifier, T.TorchLeNetClassifier])
def test_channels_last_gives_the_same_model(cls, tiny):
    X, y = tiny
    params = {"epochs": 1, "padding": "same"} if cls is T.TorchLeNetClassifier else {"epochs": 1}
    nhwc = cls(channels_last=True, **params, **FAST).fit(X, y)
    nchw = cls(channels_last=False, **params, **FAST).fit(X, y)
    weight = next(nhwc.module_.parameters())
    assert weight.is_contiguous(memory_format=torch.channels_last)
    np.testing.assert_allclose(nhwc.predict_proba(X), nchw.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize(
    ("cls", "params"),
    [
        (T.TorchMLPClassifier, {"hidden_layer_sizes": (16,)}),
        (T.TorchLSTMClassifier, {"hidden_size": 8}),
        (T.TorchGRUClassifier, {"hidden_size": 8}),
        (T.TorchTransformerClassifier, {"d_model": 8, "n_heads": 2, "n_layers": 1}),
    ],
)
def test_channels_last_is_ignored_by_non_conv_models(cls, params, tiny):
    """channels_last=True on a model without convolutions trains exactly the model that
    channels_last=False does (same seed): the same weights, bit for bit, in the default
    memory layout, and the same predictions; the parameter itself is kept as given."""
    X, y = tiny
    asked = cls(epochs=1, channels_last=True, **params, **FAST).fit(X, y)
    plain = cls(epochs=1, channels_last=False, **params, **FAST).fit(X, y)
    assert asked.get_params()["channels_last"] is True
    weights, expected = asked.module_.state_dict(), plain.module_.state_dict()
    assert list(weights) == list(expected)
    for name, tensor in weights.items():
        assert tensor.is_contiguous(), name  # row-major, not reordered to NHWC
        torch.testing.assert_close(tensor, expected[name], rtol=0, atol=0, msg=name)
    np.testing.assert_array_equal(asked.predict_proba(X), plain.predict_proba(X))
    np.testing.assert_array_equal(asked.predict(X), plain.predict(X))


def test_threads_are_restored(tiny):
    X, y = tiny
    before = torch.get_num_threads()
    model = T.TorchMLPClassifier(epochs=1, **FAST).fit(X, y)
    model.predict(X)
    assert torch.get_num_threads() == before


def test_verbose_prints_one_line_per_epoch(tiny, capsys):
    X, y = tiny
    T.TorchMLPClassifier(epochs=2, verbose=1, **FAST).fit(X, y)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("[TorchMLPClassifier] epoch=1, train_loss=")


def test_input_shape_as_a_list_from_yaml(tiny):
    X, y = tiny
    model = T.TorchCNNClassifier(epochs=1, input_shape=[1, 8, 8], **FAST).fit(X, y)
    assert model.input_shape_ == (1, 8, 8)
    assert model.get_params()["input_shape"] == [1, 8, 8]  # the parameter is left as given


# -- input shapes ----------------------------------------------------------------------------


def test_input_shape_inference(tiny):
    X, y = tiny
    assert T.TorchCNNClassifier(epochs=1, **FAST).fit(X, y).input_shape_ == (1, 8, 8)
    colour = np.repeat(X, 3, axis=1)  # 192 = 3 * 8 * 8
    model = T.TorchCNNClassifier(epochs=1, **FAST).fit(colour, y)
    assert model.input_shape_ == (3, 8, 8)
    assert model.module_.features[0].in_channels == 3
    with pytest.raises(ValueError, match="cannot infer an image shape from 10 features"):
        T.TorchCNNClassifier(**FAST).fit(X[:, :10], y)


def test_sequence_models_read_rows_as_steps(tiny):
    X, y = tiny
    lstm = T.TorchLSTMClassifier(epochs=1, hidden_size=8, **FAST)
    assert lstm.fit(X, y).module_.rnn.input_size == 8  # (1, 8, 8): 8 steps of 8
    colour = np.repeat(X, 3, axis=1)
    assert lstm.fit(colour, y).module_.rnn.input_size == 24  # (3, 8, 8): 8 steps of 3*8
    lstm.set_params(input_shape=(16, 4))
    assert lstm.fit(X, y).module_.rnn.input_size == 4
    transformer = T.TorchTransformerClassifier(
        epochs=1, d_model=8, n_heads=2, input_shape=(32, 2), **FAST
    ).fit(X, y)
    assert transformer.module_.position.shape == (1, 33, 8)  # 32 steps + the class token


def test_mlp_checks_a_given_input_shape(tiny):
    X, y = tiny
    model = T.TorchMLPClassifier(epochs=1, input_shape=(1, 8, 8), **FAST).fit(X, y)
    assert model.input_shape_ == (1, 8, 8)
    assert model.predict(X).shape == (len(X),)
    with pytest.raises(ValueError, match=r"input_shape \(1, 9, 9\) holds 81 values"):
        T.TorchMLPClassifier(input_shape=(1, 9, 9), **FAST).fit(X, y)


@pytest.mark.parametrize("cls", [T.TorchLeNetClassifier, T.TorchKerasCNNClassifier])
def test_valid_padding_too_small_for_8x8(cls, tiny):
    X, y = tiny
    with pytest.raises(ValueError, match=r"too small .* use padding='same'"):
        cls(**FAST).fit(X, y)


def test_28x28_works_with_the_classic_valid_padding():
    rng = np.random.default_rng(0)
    X = rng.random((32, 784), dtype=np.float32)
    y = np.arange(32) % 3
    for cls in (T.TorchLeNetClassifier, T.TorchKerasCNNClassifier):
        assert cls(epochs=1, **FAST).fit(X, y).predict(X).shape == (32,)


# -- bad parameters: one clear ValueError from fit -----------------------------------------

BAD = [
    ({"optimizer": "nope"}, "optimizer must be one of 'sgd', 'adam', 'adamw'; got 'nope'"),
    ({"amp": "fp8"}, "amp must be one of 'none', 'bf16', 'fp16'; got 'fp8'"),
    ({"loss": "hinge"}, "loss must be one of 'cross_entropy', 'bce', 'mse', 'huber' for a"),
    ({"lr_schedule": "step"}, "lr_schedule must be one of 'none', 'cosine', 'onecycle'"),
    ({"epochs": 0}, "epochs must be an integer >= 1; got 0"),
    ({"batch_size": 1.5}, "batch_size must be an integer >= 1; got 1.5"),
    ({"lr": -1}, r"lr must be a number in \[0.0, inf\); got -1"),
    ({"momentum": 1.0}, "momentum must be a number in"),
    ({"dropout": 1.0}, "dropout must be a number in"),
    ({"validation_fraction": 1.0}, "validation_fraction must be a number in"),
    ({"early_stopping": "yes"}, "early_stopping must be True or False"),
    ({"n_iter_no_change": 0}, "n_iter_no_change must be an integer >= 1"),
    ({"threads": 0}, "threads must be an integer >= 1; got 0"),
    ({"device": "gpu"}, "device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'; got 'gpu'"),
    ({"input_shape": "28x28"}, "input_shape must be a tuple of positive integers"),
    ({"input_shape": (1, 0, 64)}, "input_shape must be a tuple of positive integers"),
    ({"input_shape": (1, 9, 9)}, r"input_shape \(1, 9, 9\) holds 81 values per sample but X"),
    ({"input_shape": (2, 2, 4, 4)}, r"needs input_shape \(C, H, W\) or \(H, W\)"),
    ({"random_state": -1}, "random_state must be in"),
    ({"padding": "full"}, "padding must be one of 'valid', 'same'; got 'full'"),
]


@pytest.mark.parametrize(("params", "message"), BAD, ids=[str(p) for p, _ in BAD])
def test_bad_params_fail_in_fit_with_a_clear_message(params, message, tiny):
    X, y = tiny
    model = T.TorchLeNetClassifier(**{**FAST, **params})  # construction never validates
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)


@pytest.mark.parametrize(
    ("cls", "params", "message"),
    [
        (T.TorchCNNRegressor, {"loss": "cross_entropy"}, "'mse', 'huber' for a regressor"),
        (T.TorchMLPClassifier, {"hidden_layer_sizes": (0,)}, "hidden_layer_sizes must be"),
        (T.TorchLSTMClassifier, {"hidden_size": 0}, "hidden_size must be an integer >= 1"),
        (T.TorchTransformerClassifier, {"n_heads": 3}, r"n_heads \(3\) must divide d_model"),
        (T.TorchLSTMClassifier, {"input_shape": (64,)}, r"\(steps, features\)"),
    ],
)
def test_bad_network_params(cls, params, message, tiny):
    X, y = tiny
    with pytest.raises(ValueError, match=message):
        cls(**FAST, **params).fit(X, y)


def test_divergence_is_an_error():
    rng = np.random.default_rng(0)
    X = rng.random((64, 16), dtype=np.float32) * 100
    with pytest.raises(ValueError, match="training diverged"):
        T.TorchMLPClassifier(optimizer="sgd", lr=1e12, epochs=3, **FAST).fit(X, np.arange(64) % 2)


# -- devices ---------------------------------------------------------------------------------


@pytest.mark.auto_device
def test_auto_device_is_cuda_if_available_else_cpu(tiny):
    # 'auto' as this process sees CUDA (the conftest's CUDA_VISIBLE_DEVICES="" hides it only
    # where torch had not asked yet): either answer is checked, no numbers are compared
    X, y = tiny
    model = T.TorchMLPClassifier(epochs=1, **{**FAST, "device": "auto"}).fit(X, y)
    if torch.cuda.is_available():
        assert model.device_ == f"cuda:{torch.cuda.current_device()}"
    else:
        assert model.device_ == "cpu"


@pytest.mark.skipif(CUDA, reason="this machine has CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:0"])
def test_cuda_requested_without_cuda(device, tiny):
    X, y = tiny
    with pytest.raises(ValueError, match="CUDA requested but not available"):
        T.TorchMLPClassifier(**{**FAST, "device": device}).fit(X, y)


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
@pytest.mark.parametrize("amp", ["none", "bf16", "fp16"])
def test_cuda_training(amp, digits):
    X_train, X_test, y_train, y_test = digits
    model = T.TorchCNNClassifier(epochs=5, lr=0.05, device="cuda", amp=amp, random_state=0)
    model.fit(X_train, y_train)
    assert model.device_.startswith("cuda:")
    assert model.amp_ == amp
    assert next(model.module_.parameters()).is_cuda
    assert model.h2d_time_s_ > 0
    assert model.score(X_test, y_test) > 0.5
    assert model.predict_proba(X_test).shape == (len(X_test), 10)


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
def test_cuda_auto_and_early_stopping(digits):
    X_train, _, y_train, _ = digits
    model = T.TorchLSTMClassifier(epochs=3, early_stopping=True, random_state=0).fit(
        X_train, y_train
    )
    assert model.device_.startswith("cuda:")
    assert len(model.history_) == model.n_epochs_run_


def test_eval_set_scores_every_epoch_without_touching_training():
    import numpy as np
    from sklearn.datasets import load_digits

    from benchsuite.estimators.torch import TorchMLPClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype("float32")
    params = dict(epochs=3, random_state=0, threads=1, device="cpu")
    watched = TorchMLPClassifier(**params).fit(X[:1200], y[:1200], eval_set=(X[1200:], y[1200:]))
    plain = TorchMLPClassifier(**params).fit(X[:1200], y[:1200])
    # watching changes nothing about the model
    np.testing.assert_array_equal(watched.predict_proba(X), plain.predict_proba(X))
    scores = [h["eval_score"] for h in watched.history_]
    assert len(scores) == 3 and all(h["eval_time_s"] >= 0 for h in watched.history_)
    assert scores[-1] == pytest.approx((watched.predict(X[1200:]) == y[1200:]).mean())
    with pytest.raises(ValueError, match="class labels"):
        TorchMLPClassifier(**params).fit(X[:100], y[:100] % 3, eval_set=(X[:10], y[:10] + 5))

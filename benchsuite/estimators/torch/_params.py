"""The constructor parameters every torch estimator takes: their table, their numpydoc,
:func:`make_init` (the constructor built from the table), and the value checks ``fit``
runs (the torch-free table :mod:`benchsuite.estimators._constraints` mirrors them).
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
from sklearn.utils import check_random_state

# (name, default, annotation) of the parameters every torch estimator takes, in signature
# order after the architecture's own. ``loss`` defaults by kind (see make_init).
COMMON_PARAMS: tuple[tuple[str, Any, str], ...] = (
    ("epochs", 5, "int"),
    ("batch_size", 64, "int"),
    ("lr", 1e-3, "float"),
    ("optimizer", "adam", "str"),
    ("momentum", 0.9, "float"),
    ("weight_decay", 0.0, "float"),
    ("dropout", 0.0, "float"),
    ("loss", None, "str"),
    ("lr_schedule", "none", "str"),
    ("early_stopping", False, "bool"),
    ("validation_fraction", 0.1, "float"),
    ("n_iter_no_change", 3, "int"),
    ("device", "auto", "str"),
    ("amp", "none", "str"),
    ("channels_last", False, "bool"),
    ("cudnn_benchmark", False, "bool"),
    ("deterministic", False, "bool"),
    ("tf32", None, "bool | None"),
    ("predict_batch_size", 4096, "int"),
    ("compile", False, "bool | str"),
    ("threads", None, "int | None"),
    ("input_shape", None, "tuple[int, ...] | None"),
    ("random_state", None, "int | None"),
    ("verbose", 0, "int"),
)

COMMON_PARAMS_DOC = """\
    epochs : int, default=5
        Passes over the training set.
    batch_size : int, default=64
        Training mini-batch size (prediction uses ``predict_batch_size``).
    lr : float, default={lr}
        Learning rate (the peak rate with ``lr_schedule='onecycle'``).
    optimizer : {{'sgd', 'adam', 'adamw'}}, default={optimizer!r}
        Fused kernels where torch has them, multi-tensor (``foreach``) otherwise.
    momentum : float, default=0.9
        SGD momentum; ignored by Adam and AdamW.
    weight_decay : float, default={weight_decay}
        L2 penalty (decoupled for AdamW).
    dropout : float, default=0.0
        Dropout probability: after hidden dense layers, between recurrent layers, inside
        encoder layers.
    loss : {{{losses}}}, default={loss!r}
        Training loss.{loss_note}
    lr_schedule : {{'none', 'cosine', 'onecycle'}}, default='none'
        Per-step schedule over ``epochs``: cosine decay to 0, or one cycle peaking at
        ``lr`` (momentum is not cycled).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, stop when its loss has not
        improved for ``n_iter_no_change`` epochs, and keep the best epoch's weights.
    validation_fraction : float, default=0.1
        Share held out for early stopping (stratified for classifiers where possible).
    n_iter_no_change : int, default=3
        Patience of early stopping, in epochs.
    device : {{'auto', 'cpu', 'cuda', 'cuda:N', 'mps'}}, default='auto'
        Where to train and predict; ``'auto'`` is CUDA if available, else CPU.
    amp : {{'none', 'bf16', 'fp16'}}, default='none'
        Mixed precision. fp16 uses a gradient scaler and needs CUDA (elsewhere it falls
        back to full precision with a warning); bf16 works on CPU too.
    channels_last : bool, default={channels_last}
        NHWC memory format for convolutional networks (faster with oneDNN and cuDNN;
        the default for them); ignored by the others.
    cudnn_benchmark : bool, default=False
        ``torch.backends.cudnn.benchmark`` inside fit and predict, restored afterwards:
        cuDNN times several convolution algorithms per input shape and keeps the fastest
        (the first batches of each shape pay for it). CUDA only; ignored elsewhere.
    deterministic : bool, default=False
        ``torch.use_deterministic_algorithms(True)`` (and cuDNN's deterministic mode on
        CUDA) during fit, restored afterwards: operations without a deterministic
        implementation then raise. On CUDA, cuBLAS also needs the environment variable
        ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` set before the process starts.
    tf32 : bool or None, default=None
        TensorFloat-32 for float32 matrix products and convolutions on CUDA
        (``torch.backends.cuda.matmul.allow_tf32`` and ``torch.backends.cudnn.allow_tf32``)
        inside fit and predict, restored afterwards. None leaves torch's defaults (which
        allow TF32 for convolutions, not for matrix products). Ignored off CUDA.
    predict_batch_size : int, default=4096
        Rows per forward pass in predict, predict_proba and the per-epoch scoring of
        early stopping and ``eval_set``.
    compile : bool or str, default=False
        ``torch.compile`` the network, in mode 'default' (True), 'reduce-overhead',
        'max-autotune' or 'max-autotune-no-cudagraphs'. Compilation is paid in fit
        before the first epoch, by one forward and backward pass per training batch shape
        (gradients discarded), and timed apart as ``compile_time_s_``; evaluation and
        prediction graphs compile on their first call. Where torch cannot compile (no
        C++ compiler, an unsupported Python), fit raises a RuntimeError naming
        ``torch.compile``.
    threads : int or None, default=None
        ``torch.set_num_threads`` inside fit and predict, restored afterwards; None
        leaves torch's setting alone.
    input_shape : tuple of int or None, default=None
        Per-sample shape of the flat rows of ``X``: ``(C, H, W)`` or ``(H, W)`` for
        images, ``(steps, features)`` for sequences.{input_shape_note}
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling and the validation split; a
        given seed gives identical results on CPU. None draws a seed from numpy's global
        generator. The global torch generator is restored after ``fit``.
    verbose : int, default=0
        If > 0, print one line per epoch to stderr."""

ATTRIBUTES_DOC = """\
    n_features_in_ : int
        Number of features seen in ``fit``.
    input_shape_ : tuple of int
        The per-sample shape used (``input_shape`` or the inferred one).
    module_ : torch.nn.Module
        The trained network, on ``device_``, in eval mode.
    device_ : str
        The device it was trained on (``'auto'`` resolved).
    amp_ : str
        The mixed precision really used.
    loss_ : str
        The loss trained with.
    n_epochs_run_ : int
        Epochs run (fewer than ``epochs`` when early stopping triggered).
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``time_s`` (device-synchronized wall time),
        plus ``val_loss`` and ``val_score`` with early stopping.
    h2d_time_s_ : float
        Seconds spent moving the training data to the device (once, before epoch 1).
    settings_ : dict
        The numeric settings in effect during fit: ``amp`` (after the fallback off CUDA),
        ``channels_last`` (False where ignored), ``tf32`` (``{'matmul': bool, 'cudnn':
        bool}`` on CUDA, else None), ``cudnn_benchmark`` (None off CUDA),
        ``deterministic``, ``batch_size``, ``predict_batch_size`` and ``compile`` (False
        or the mode).
    compile_time_s_ : float or None
        Seconds spent compiling before the first epoch (inside fit); None without
        ``compile``."""


def make_init(
    kind: str,
    architecture: Sequence[tuple[str, Any, str]] = (),
    **defaults: Any,
) -> Callable[..., None]:
    """Build an ``__init__`` that only stores its keyword arguments, with a real signature.

    Fourteen estimators share nineteen parameters and differ in a few defaults; one
    table (:data:`COMMON_PARAMS`) keeps them consistent, and the signature set here is
    what ``inspect.signature``, ``get_params`` and ``clone`` read.

    Parameters
    ----------
    kind : {"classifier", "regressor"}
        Sets the default ``loss``: ``cross_entropy`` or ``mse``.
    architecture : sequence of (name, default, annotation)
        The network's own parameters, placed first.
    **defaults
        Overrides of common defaults (``optimizer="sgd"``).
    """
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for name, default, annotation in (*architecture, *COMMON_PARAMS):
        if name == "loss":
            default = "cross_entropy" if kind == "classifier" else "mse"
        default = defaults.pop(name, default)
        params.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
            )
        )
    if defaults:
        raise TypeError(f"unknown parameters {sorted(defaults)}")
    signature = inspect.Signature(params, return_annotation="None")

    def __init__(self: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, **kwargs)  # TypeError for unknown names, as usual
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    return __init__


def check_choice(name: str, value: Any, choices: Sequence[str], where: str = "") -> None:
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}{where}; got {value!r}")


def check_int(name: str, value: Any, minimum: int) -> int:
    """``value`` as an int >= ``minimum``, or a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def check_real(name: str, value: Any, low: float, high: float, *, high_open: bool) -> float:
    ok = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        # cast, not float(): mypy cannot compare a float with numbers.Real, Python can,
        # exactly (float() would round an int past 2**53 or a Fraction)
        and low <= cast(float, value)
        and (value < high if high_open else value <= high)
    )
    if not ok:
        bracket = ")" if high_open else "]"
        raise ValueError(f"{name} must be a number in [{low}, {high}{bracket}; got {value!r}")
    return float(value)


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def positive_ints(value: Any) -> bool:
    """Whether ``value`` is a list or tuple of positive integers (bools are not integers)."""
    return isinstance(value, (list, tuple)) and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and int(v) > 0 for v in value
    )


def as_shape(value: Any) -> tuple[int, ...]:
    if not value or not positive_ints(value):
        raise ValueError(
            "input_shape must be a tuple of positive integers such as (1, 28, 28) or "
            f"(steps, features); got {value!r}"
        )
    return tuple(int(v) for v in value)


def seed_of(random_state: Any) -> int:
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if not 0 <= int(random_state) < 2**32:
            raise ValueError(f"random_state must be in [0, 2**32); got {random_state!r}")
        return int(random_state)
    try:
        return int(check_random_state(random_state).randint(0, 2**31 - 1))
    except ValueError:
        raise ValueError(
            f"random_state must be an int, a numpy RandomState or None; got {random_state!r}"
        ) from None

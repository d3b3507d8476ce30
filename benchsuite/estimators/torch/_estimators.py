"""The public estimators: one network family each, in a classifier and a regressor form.

A family mixin says how rows are shaped and builds the network; :class:`TorchClassifier`
or :class:`TorchRegressor` adds the task; :func:`make_init` gives the constructor.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from torch import nn

from benchsuite.estimators._constraints import (
    CLASSIFIER_LOSSES,
    PADDINGS,
    REGRESSOR_LOSSES,
    sklearn_constraints,
    torch_constraints,
)
from benchsuite.estimators.torch._base import TorchClassifier, TorchRegressor
from benchsuite.estimators.torch._modules import (
    FLAT,
    IMAGE,
    MLP,
    SEQUENCE,
    Conv,
    ConvNet,
    Pool,
    RecurrentNet,
    TransformerNet,
    feature_map_size,
    image_shape,
    sequence_shape,
)
from benchsuite.estimators.torch._params import (
    ATTRIBUTES_DOC,
    COMMON_PARAMS_DOC,
    check_choice,
    check_int,
    make_init,
    positive_ints,
)

_INFER_IMAGE = (
    "inferred from the number of features: s*s -> (1, s, s), 3*s*s -> (3, s, s); any "
    "other count is an error."
)
_INFER_SEQUENCE = (
    "inferred as an image (s*s -> (1, s, s), 3*s*s -> (3, s, s)) read as a sequence "
    "of rows; any other count is an error."
)
_IGNORED = "the rows are used as they are (a given shape is only checked against X)."

_T = TypeVar("_T")


def _doc(
    summary: str,
    architecture: str,
    *,
    kind: str,
    input_shape_note: str,
    optimizer: str = "adam",
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    channels_last: bool = False,
) -> str:
    """numpydoc for one estimator: summary, its own parameters, then the common ones."""
    classifier = kind == "classifier"
    losses = CLASSIFIER_LOSSES if classifier else REGRESSOR_LOSSES
    loss_note = (
        "'bce' needs two classes and trains one logit; 'mse' and 'huber' compare "
        "softmax probabilities with one-hot labels."
        if classifier
        else ""
    )

    def paragraph(text: str) -> str:
        return "\n" + textwrap.fill(text, 88, initial_indent=" " * 8, subsequent_indent=" " * 8)

    common = COMMON_PARAMS_DOC.format(
        lr=lr,
        optimizer=optimizer,
        weight_decay=weight_decay,
        channels_last=channels_last,
        losses=", ".join(repr(loss) for loss in losses),
        loss=losses[0],
        loss_note=paragraph(loss_note) if loss_note else "",
        input_shape_note=paragraph("None: " + input_shape_note),
    )
    task = (
        "    classes_ : ndarray of shape (n_classes,)\n        Class labels seen in fit.\n"
        if classifier
        else "    n_outputs_ : int\n        Number of target columns.\n"
    )
    return (
        f"{summary}\n\n    Parameters\n    ----------\n{architecture}{common}\n\n"
        f"    Attributes\n    ----------\n{task}{ATTRIBUTES_DOC}\n"
    )


# training defaults that the docstring shows (the others keep COMMON_PARAMS_DOC's text)
_DOC_DEFAULTS = ("optimizer", "lr", "weight_decay", "channels_last")


@dataclass(frozen=True)
class _Family:
    """What the classifier and regressor of one network family declare."""

    summary: dict[str, str]  # kind -> first paragraph of the docstring
    doc: str  # numpydoc of the family's own parameters
    input_shape_note: str  # what input_shape=None means
    arch: tuple[tuple[str, Any, str], ...] = ()  # (name, default, annotation) for make_init
    defaults: dict[str, Any] = field(default_factory=dict)  # overrides of common defaults


def _kinds(template: str) -> dict[str, str]:
    """A summary template with ``{kind}``, for both kinds."""
    return {kind: template.format(kind=kind) for kind in ("classifier", "regressor")}


def _public(family: _Family) -> Callable[[type[_T]], type[_T]]:
    """Class decorator: the docstring, constructor and scikit-learn parameter constraints
    of one estimator of ``family``; its kind (classifier or regressor) is its task base."""

    def declare(cls: type[_T]) -> type[_T]:
        kind = "classifier" if issubclass(cls, TorchClassifier) else "regressor"
        shown = {k: v for k, v in family.defaults.items() if k in _DOC_DEFAULTS}
        cls.__doc__ = _doc(
            family.summary[kind],
            family.doc,
            kind=kind,
            input_shape_note=family.input_shape_note,
            **shown,
        )
        # each class gets its generated __init__ (explicit parameters, for scikit-learn's
        # get_params); mypy forbids assigning to a method, deliberately done here
        cls.__init__ = make_init(kind, family.arch, **family.defaults)  # type: ignore[method-assign]
        # scikit-learn's _parameter_constraints, from the torch-free table that `benchsuite
        # validate` checks suites with; fit keeps its own checks (they also cover the value
        # pairs a table cannot)
        rules = torch_constraints(cls.__name__)
        assert rules is not None, cls.__name__
        # a changed private API (ImportError, TypeError, ValueError): do without
        with contextlib.suppress(ImportError, TypeError, ValueError):
            cls._parameter_constraints = sklearn_constraints(rules)  # type: ignore[attr-defined]
        return cls

    return declare


# -- MLP -----------------------------------------------------------------------------------
_MLP_ARCH = (("hidden_layer_sizes", (128, 128), "tuple[int, ...]"),)
_MLP_DOC = """\
    hidden_layer_sizes : tuple of int, default=(128, 128)
        Widths of the hidden dense layers (ReLU, then dropout if > 0), as in
        scikit-learn's MLP. The default is the Keras MNIST example's 784-128-128-10.
"""


class _MLPNetwork:
    _layout: ClassVar[str] = FLAT
    hidden_layer_sizes: Any
    dropout: float

    def _hidden_sizes(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = (sizes,)
        if not positive_ints(sizes):
            raise ValueError(
                "hidden_layer_sizes must be a tuple of positive integers such as (128, 128); "
                f"got {self.hidden_layer_sizes!r}"
            )
        return tuple(int(s) for s in sizes)

    def _check_architecture(self) -> None:
        self._hidden_sizes()

    def _build_network(self, input_shape: tuple[int, ...], n_out: int) -> nn.Module:
        return MLP(math.prod(input_shape), self._hidden_sizes(), n_out, self.dropout)


_MLP = _Family(
    {
        "classifier": "Dense network classifier (784-128-128-10 on MNIST by default), Adam.",
        "regressor": "Dense network regressor, Adam.",
    },
    _MLP_DOC,
    _IGNORED,
    _MLP_ARCH,
)


@_public(_MLP)
class TorchMLPClassifier(_MLPNetwork, TorchClassifier):
    pass


@_public(_MLP)
class TorchMLPRegressor(_MLPNetwork, TorchRegressor):
    pass


# -- convolutional networks ----------------------------------------------------------------
_PADDING_ARCH = (("padding", "valid", "str"),)


def _describe(layer: Conv | Pool) -> str:
    if isinstance(layer, Pool):
        return "2x2 max pooling"
    return f"{layer.kernel}x{layer.kernel} convolution, padding {layer.padding}"


class _ConvNetwork:
    _layout: ClassVar[str] = IMAGE
    _is_conv: ClassVar[bool] = True
    _dense: ClassVar[tuple[int, ...]]
    dropout: float

    def _conv_layers(self) -> tuple[Conv | Pool, ...]:
        raise NotImplementedError

    def _too_small_hint(self) -> str:
        return "use larger images"

    def _build_network(self, input_shape: tuple[int, ...], n_out: int) -> nn.Module:
        shape = image_shape(input_shape)
        layers = self._conv_layers()
        _, height, width, failed_at = feature_map_size(layers, shape)
        if failed_at is not None:
            raise ValueError(
                f"input_shape {shape} is too small for {type(self).__name__}: layer "
                f"{failed_at + 1} ({_describe(layers[failed_at])}) leaves a {height}x{width} "
                f"feature map; {self._too_small_hint()}"
            )
        return ConvNet(layers, self._dense, shape, n_out, self.dropout)


class _PaddedConvNetwork(_ConvNetwork):
    padding: str

    def _check_architecture(self) -> None:
        check_choice("padding", self.padding, PADDINGS)

    def _too_small_hint(self) -> str:
        if self.padding == "valid":
            return "use padding='same' or larger images"
        return "use larger images"


class _CNN(_ConvNetwork):
    # PyTorch's CIFAR-10 tutorial network, widened to 32/64 channels
    _dense = (128,)

    def _conv_layers(self) -> tuple[Conv | Pool, ...]:
        return (Conv(32, 3, 1), Pool(), Conv(64, 3, 1), Pool())


_CNN_SUMMARY = (
    "Two-block CNN {kind}: conv3x3(32, pad 1)-ReLU-maxpool-conv3x3(64, pad 1)-ReLU-maxpool-"
    "fc128-ReLU-fc, SGD (lr 0.001, momentum 0.9) as in PyTorch's CIFAR-10 example.\n\n"
    "    The flatten size is computed from the input shape, so the same network runs on\n"
    "    8x8 digits, 28x28 MNIST and 3x32x32 CIFAR-10."
)
# NHWC is what oneDNN (CPU) and cuDNN's tensor-core kernels prefer: 1.1-1.5x faster
# training steps for these networks on CPU than NCHW, same results up to rounding
_CONV_DEFAULTS: dict[str, Any] = {"channels_last": True}
_CNN_DEFAULTS: dict[str, Any] = {"optimizer": "sgd", "lr": 1e-3, "momentum": 0.9, **_CONV_DEFAULTS}


_CNN_FAMILY = _Family(_kinds(_CNN_SUMMARY), "", _INFER_IMAGE, defaults=_CNN_DEFAULTS)


@_public(_CNN_FAMILY)
class TorchCNNClassifier(_CNN, TorchClassifier):
    pass


@_public(_CNN_FAMILY)
class TorchCNNRegressor(_CNN, TorchRegressor):
    pass


class _KerasCNN(_PaddedConvNetwork):
    _dense = (64,)

    def _conv_layers(self) -> tuple[Conv | Pool, ...]:
        pad = 1 if self.padding == "same" else 0
        return (Conv(32, 3, pad), Pool(), Conv(64, 3, pad), Pool(), Conv(64, 3, pad))


_KERAS_SUMMARY = (
    "Keras CIFAR-10 tutorial CNN {kind}: conv3x3(32)-maxpool-conv3x3(64)-maxpool-conv3x3(64)-"
    "dense64-dense, ReLU, Adam."
)
_KERAS_DOC = """\
    padding : {'valid', 'same'}, default='valid'
        Padding of the 3x3 convolutions. 'valid' (the tutorial's) needs images of at least
        18x18; 'same' keeps sizes and runs on images down to 4x4.
"""


_KERAS_FAMILY = _Family(
    _kinds(_KERAS_SUMMARY), _KERAS_DOC, _INFER_IMAGE, _PADDING_ARCH, _CONV_DEFAULTS
)


@_public(_KERAS_FAMILY)
class TorchKerasCNNClassifier(_KerasCNN, TorchClassifier):
    pass


@_public(_KERAS_FAMILY)
class TorchKerasCNNRegressor(_KerasCNN, TorchRegressor):
    pass


class _LeNet(_PaddedConvNetwork):
    _dense = (120, 84)

    def _conv_layers(self) -> tuple[Conv | Pool, ...]:
        pad = 2 if self.padding == "same" else 0
        return (Conv(6, 5, 2), Pool(), Conv(16, 5, pad), Pool())


_LENET_SUMMARY = (
    "LeNet-5 style {kind}: conv5x5(6, pad 2)-maxpool-conv5x5(16)-maxpool-fc120-fc84-fc, ReLU, Adam."
)
_LENET_DOC = """\
    padding : {'valid', 'same'}, default='valid'
        Padding of the second 5x5 convolution (the first always pads by 2, as LeNet on
        28x28 MNIST does). 'valid' needs images of at least 12x12; 'same' runs on 4x4.
"""


_LENET_FAMILY = _Family(
    _kinds(_LENET_SUMMARY), _LENET_DOC, _INFER_IMAGE, _PADDING_ARCH, _CONV_DEFAULTS
)


@_public(_LENET_FAMILY)
class TorchLeNetClassifier(_LeNet, TorchClassifier):
    pass


@_public(_LENET_FAMILY)
class TorchLeNetRegressor(_LeNet, TorchRegressor):
    pass


# -- recurrent networks --------------------------------------------------------------------
_RNN_ARCH = (("hidden_size", 64, "int"),)
_RNN_DOC = """\
    hidden_size : int, default=64
        Units of each of the two recurrent layers.
"""


class _RecurrentNetwork:
    _layout: ClassVar[str] = SEQUENCE
    _cell: ClassVar[str]
    hidden_size: int
    dropout: float

    def _check_architecture(self) -> None:
        check_int("hidden_size", self.hidden_size, 1)

    def _build_network(self, input_shape: tuple[int, ...], n_out: int) -> nn.Module:
        _, n_features = sequence_shape(input_shape)
        return RecurrentNet(self._cell, n_features, self.hidden_size, n_out, self.dropout)


_RNN_SUMMARY = (
    "{cell}(64, return sequences)-{cell}(64)-dense {kind}, Adam.\n\n"
    "    Images are read as sequences of rows: (C, H, W) -> H steps of C*W features."
)


class _LSTM(_RecurrentNetwork):
    _cell = "lstm"


class _GRU(_RecurrentNetwork):
    _cell = "gru"


def _recurrent(cell: str) -> _Family:
    summary = _RNN_SUMMARY.replace("{cell}", cell)
    return _Family(_kinds(summary), _RNN_DOC, _INFER_SEQUENCE, _RNN_ARCH)


_LSTM_FAMILY = _recurrent("LSTM")
_GRU_FAMILY = _recurrent("GRU")


@_public(_LSTM_FAMILY)
class TorchLSTMClassifier(_LSTM, TorchClassifier):
    pass


@_public(_LSTM_FAMILY)
class TorchLSTMRegressor(_LSTM, TorchRegressor):
    pass


@_public(_GRU_FAMILY)
class TorchGRUClassifier(_GRU, TorchClassifier):
    pass


@_public(_GRU_FAMILY)
class TorchGRURegressor(_GRU, TorchRegressor):
    pass


# -- transformer ---------------------------------------------------------------------------
_TRANSFORMER_ARCH = (
    ("d_model", 64, "int"),
    ("n_heads", 4, "int"),
    ("n_layers", 2, "int"),
)
_TRANSFORMER_DOC = """\
    d_model : int, default=64
        Width of the token embeddings.
    n_heads : int, default=4
        Attention heads; must divide ``d_model``.
    n_layers : int, default=2
        Encoder layers (pre-norm, GELU, feed-forward width 2*d_model).
"""
_TRANSFORMER_DEFAULTS: dict[str, Any] = {"optimizer": "adamw", "weight_decay": 0.01}


class _Transformer:
    _layout: ClassVar[str] = SEQUENCE
    d_model: int
    n_heads: int
    n_layers: int
    dropout: float

    def _check_architecture(self) -> None:
        d_model = check_int("d_model", self.d_model, 1)
        n_heads = check_int("n_heads", self.n_heads, 1)
        check_int("n_layers", self.n_layers, 1)
        if d_model % n_heads:
            raise ValueError(f"n_heads ({n_heads}) must divide d_model ({d_model})")

    def _build_network(self, input_shape: tuple[int, ...], n_out: int) -> nn.Module:
        steps, n_features = sequence_shape(input_shape)
        return TransformerNet(
            steps,
            n_features,
            n_out,
            d_model=self.d_model,
            n_heads=self.n_heads,
            n_layers=self.n_layers,
            dropout=self.dropout,
        )


_TRANSFORMER_SUMMARY = (
    "Small transformer encoder {kind} (d_model 64, 2 layers, 4 heads) over image rows or "
    "time steps, with learned positional embeddings and a class token; AdamW.\n\n"
    "    Images are read as sequences of rows: (C, H, W) -> H steps of C*W features."
)


_TRANSFORMER_FAMILY = _Family(
    _kinds(_TRANSFORMER_SUMMARY),
    _TRANSFORMER_DOC,
    _INFER_SEQUENCE,
    _TRANSFORMER_ARCH,
    _TRANSFORMER_DEFAULTS,
)


@_public(_TRANSFORMER_FAMILY)
class TorchTransformerClassifier(_Transformer, TorchClassifier):
    pass


@_public(_TRANSFORMER_FAMILY)
class TorchTransformerRegressor(_Transformer, TorchRegressor):
    pass

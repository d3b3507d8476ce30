"""The networks (``torch.nn.Module``) behind the estimators, and their shape arithmetic.

Each network takes a batch already shaped for it: ``(N, F)`` for the MLP, ``(N, C, H, W)``
for convolutional networks, ``(N, steps, features)`` for recurrent networks and the
transformer. :func:`shape_batch` turns flat rows into those shapes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

# Input layouts: how a flat row of ``n_features`` values is read.
FLAT = "flat"
IMAGE = "image"
SEQUENCE = "sequence"


def infer_input_shape(n_features: int) -> tuple[int, int, int] | None:
    """Guess an image shape from a number of features.

    ``s*s`` -> ``(1, s, s)`` (grey, e.g. MNIST 784 -> 28x28); ``3*s*s`` -> ``(3, s, s)``
    (colour, e.g. CIFAR-10 3072 -> 3x32x32); anything else -> None. The two cases never
    overlap: ``3*s*s`` is never a perfect square.
    """
    side = math.isqrt(n_features)
    if side > 0 and side * side == n_features:
        return (1, side, side)
    if n_features % 3 == 0:
        side = math.isqrt(n_features // 3)
        if side > 0 and 3 * side * side == n_features:
            return (3, side, side)
    return None


def image_shape(input_shape: tuple[int, ...]) -> tuple[int, int, int]:
    """``(H, W)`` -> ``(1, H, W)``; ``(C, H, W)`` unchanged."""
    return (1, *input_shape) if len(input_shape) == 2 else tuple(input_shape)  # type: ignore[return-value]


def sequence_shape(input_shape: tuple[int, ...]) -> tuple[int, int]:
    """``(steps, features)`` unchanged; an image ``(C, H, W)`` -> ``(H, C*W)``: rows as steps."""
    if len(input_shape) == 2:
        return (input_shape[0], input_shape[1])
    channels, height, width = input_shape
    return (height, channels * width)


def shape_batch(
    x: torch.Tensor, layout: str, input_shape: tuple[int, ...], *, channels_last: bool = False
) -> torch.Tensor:
    """Reshape flat rows ``(N, F)`` into what a network of ``layout`` takes.

    Parameters
    ----------
    x : torch.Tensor of shape (N, F)
    layout : {"flat", "image", "sequence"}
    input_shape : tuple of int
        The per-sample shape, already validated against ``F``.
    channels_last : bool, default=False
        For images: return a channels-last (NHWC) strided tensor, which oneDNN and cuDNN
        convolutions run faster on.

    Returns
    -------
    torch.Tensor
    """
    n = x.shape[0]
    if layout == FLAT:
        return x
    if layout == IMAGE:
        images = x.reshape(n, *image_shape(input_shape))
        if channels_last:
            return images.contiguous(memory_format=torch.channels_last)
        return images
    if len(input_shape) == 2:
        return x.reshape(n, *input_shape)
    channels, height, width = input_shape
    # (N, C, H, W) -> (N, H, C, W) -> (N, H, C*W): step t sees row t of every channel
    return x.reshape(n, channels, height, width).permute(0, 2, 1, 3).reshape(n, height, -1)


def dense_layers(n_in: int, sizes: Sequence[int], n_out: int, dropout: float) -> list[nn.Module]:
    """``Linear-ReLU[-Dropout]`` per hidden size, then the output ``Linear``."""
    layers: list[nn.Module] = []
    width = n_in
    for size in sizes:
        layers += [nn.Linear(width, size), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = size
    layers.append(nn.Linear(width, n_out))
    return layers


class MLP(nn.Module):
    """Dense network: ``n_in -> hidden... -> n_out`` with ReLU and optional dropout."""

    def __init__(
        self, n_in: int, hidden_layer_sizes: Sequence[int], n_out: int, dropout: float
    ) -> None:
        super().__init__()
        self.layers = nn.Sequential(*dense_layers(n_in, hidden_layer_sizes, n_out, dropout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


@dataclass(frozen=True)
class Conv:
    """A ``kernel x kernel`` convolution with ``channels`` outputs and ``padding``, then ReLU."""

    channels: int
    kernel: int
    padding: int


@dataclass(frozen=True)
class Pool:
    """2x2 max pooling, stride 2 (floor: an odd row or column is dropped, as in Keras/PyTorch)."""


def feature_map_size(
    layers: Sequence[Conv | Pool], input_shape: tuple[int, int, int]
) -> tuple[int, int, int, int | None]:
    """Output ``(C, H, W)`` of a conv stack, and the index of the first layer that empties it.

    Returns
    -------
    (channels, height, width, failed_at)
        ``failed_at`` is None when every layer's output is at least 1x1.
    """
    channels, height, width = input_shape
    for i, layer in enumerate(layers):
        if isinstance(layer, Conv):
            channels = layer.channels
            height = height + 2 * layer.padding - layer.kernel + 1
            width = width + 2 * layer.padding - layer.kernel + 1
        else:
            height, width = height // 2, width // 2
        if height < 1 or width < 1:
            return channels, height, width, i
    return channels, height, width, None


class ConvNet(nn.Module):
    """Convolutions and pools, then dense layers; the flatten size comes from the input shape.

    The classic PyTorch CIFAR-10 example hard-codes its flatten size; computing it here
    lets one architecture run on 8x8 digits, 28x28 MNIST and 32x32x3 CIFAR-10 alike.
    """

    def __init__(
        self,
        layers: Sequence[Conv | Pool],
        dense: Sequence[int],
        input_shape: tuple[int, int, int],
        n_out: int,
        dropout: float,
    ) -> None:
        super().__init__()
        modules: list[nn.Module] = []
        in_channels = input_shape[0]
        for layer in layers:
            if isinstance(layer, Conv):
                modules += [
                    nn.Conv2d(in_channels, layer.channels, layer.kernel, padding=layer.padding),
                    # in place: the convolution does not keep its output for backward
                    nn.ReLU(inplace=True),
                ]
                in_channels = layer.channels
            else:
                modules.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*modules)
        channels, height, width, failed_at = feature_map_size(layers, input_shape)
        if failed_at is not None:  # callers check first; this guards direct use
            raise ValueError(f"input shape {input_shape} is too small for this network")
        self.head = nn.Sequential(
            nn.Flatten(), *dense_layers(channels * height * width, dense, n_out, dropout)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class RecurrentNet(nn.Module):
    """Two stacked LSTM or GRU layers (the first returns sequences), then a dense head.

    Keras' ``LSTM(64, return_sequences=True) -> LSTM(64) -> Dense``; one two-layer
    ``nn.LSTM`` is the same network and runs as one cuDNN call.
    """

    def __init__(self, cell: str, n_features: int, hidden_size: int, n_out: int, dropout: float):
        super().__init__()
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(n_features, hidden_size, num_layers=2, batch_first=True, dropout=dropout)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs, _ = self.rnn(x)
        return self.head(self.dropout(outputs[:, -1]))


class TransformerNet(nn.Module):
    """A small pre-norm transformer encoder over steps, read out at a class token.

    Each step (an image row, or a time step) is projected to ``d_model``; a learned class
    token is prepended and learned positional embeddings added; the head reads the class
    token's final state.
    """

    def __init__(
        self,
        steps: int,
        n_features: int,
        n_out: int,
        *,
        d_model: int,
        n_heads: int,
        n_layers: int,
        dropout: float,
    ) -> None:
        super().__init__()
        self.embed = nn.Linear(n_features, d_model)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d_model))
        self.position = nn.Parameter(torch.zeros(1, steps + 1, d_model))
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(
            d_model,
            n_heads,
            dim_feedforward=2 * d_model,
            dropout=dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,  # pre-norm trains stably without warm-up
        )
        # nested tensors only help with padding masks, and warn with norm_first
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.embed(x)
        cls = self.cls_token.expand(tokens.shape[0], -1, -1)
        tokens = torch.cat([cls, tokens], dim=1) + self.position
        return self.head(self.norm(self.encoder(tokens)[:, 0]))

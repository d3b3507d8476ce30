"""Inference latency and throughput: timed ``predict`` calls at chosen batch sizes.

A step of the data flow after the fit of a job: for each batch size of the case's
:class:`InferenceSpec`, batches are drawn from the job's test fold, a few untimed calls
warm the model, then timed calls (one clock read per call) run until ``min_time_s`` has
passed or ``max_calls`` is reached, as ``timeit``'s autorange and
``torch.utils.benchmark``'s blocked autorange do. The per-call times feed quantiles
(a fixed-size sample of them is kept, not every call).

This module must stay light: no torch, xgboost or lightgbm at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["INFERENCE_FIELDS", "InferenceSpec"]

# the keys of each entry of ``Record.inference``, in this order
INFERENCE_FIELDS = (
    "batch_size",
    "method",
    "n_calls",
    "median_s",
    "p90_s",
    "p99_s",
    "iqr_s",
    "min_s",
    "throughput_per_s",
    "device",
)


@dataclass(frozen=True)
class InferenceSpec:
    """What a suite's ``inference:`` block asks for (in ``defaults`` or per estimator).

    Attributes
    ----------
    batch_sizes : tuple of int
        Rows per call; each at least 1.
    min_time_s : float
        Timed calls continue until this much time has passed (or ``max_calls``).
    warmup : int
        Untimed calls before the timed ones, per batch size.
    max_calls : int
        At most this many timed calls per batch size.
    folds : {"first", "all"}
        ``first``: only the first job of the case (fold 0, repeat 0) measures inference;
        ``all``: every job.
    method : {"predict", "predict_proba"}
    device_resident : bool
        Torch on CUDA: time the model alone with the batch already on the device (CUDA
        events), instead of host input to host output.
    """

    batch_sizes: tuple[int, ...] = (1, 32, 1024)
    min_time_s: float = 0.2
    warmup: int = 3
    max_calls: int = 10_000
    folds: Literal["first", "all"] = "first"
    method: Literal["predict", "predict_proba"] = "predict"
    device_resident: bool = False

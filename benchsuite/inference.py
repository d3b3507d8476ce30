"""Inference latency and throughput: timed ``predict`` calls at chosen batch sizes.

A step of the data flow after the fit of a job: for each batch size of the case's
:class:`InferenceSpec`, batches are drawn from the job's test fold, a few untimed calls
warm the model, then timed calls (one clock read per call) run until ``min_time_s`` has
passed or ``max_calls`` is reached, as ``timeit``'s autorange and
``torch.utils.benchmark``'s blocked autorange do. The per-call times feed quantiles
(a fixed-size sample of them is kept, not every call).

Each entry of ``Record.inference`` (:func:`measure_inference`) holds the keys of
:data:`ENTRY_FIELDS`: those of :data:`INFERENCE_FIELDS`, then ``replacement``,
``device_resident`` and ``sample_s``:

- ``batch_size``, ``method`` (``predict`` or ``predict_proba``), ``n_calls`` (timed calls);
- ``median_s``, ``p90_s``, ``p99_s``, ``iqr_s`` (p75 - p25), ``min_s``: seconds per call,
  from every timed call (numpy's default, linear quantiles);
- ``throughput_per_s``: ``batch_size / median_s`` rows per second (None if the median is 0);
- ``device``: ``"cpu"``, or the CUDA device used (``"cuda:0"``), as records name devices;
- ``replacement``: whether the batches were drawn with replacement (the test fold has
  fewer rows than the batch) or not;
- ``device_resident``: the model's forward pass alone was timed, the batch already on the
  device (``spec.device_resident``), rather than host input to host output;
- ``sample_s``: a seeded random sample of at most :data:`SAMPLE_SIZE` per-call times,
  sorted: the raw samples ``compare`` tests (Mann-Whitney U).

This module must stay light: no numpy, torch, xgboost or lightgbm at import time.
"""

from __future__ import annotations

import functools
import gc
import itertools
import operator
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "ENTRY_FIELDS",
    "INFERENCE_FIELDS",
    "SAMPLE_SIZE",
    "InferenceSpec",
    "InferenceUnavailable",
    "measure_inference",
]

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

# every key of an entry, in this order: INFERENCE_FIELDS (the summary figures), then how
# the batches were drawn and the per-call sample that ``compare`` tests
ENTRY_FIELDS = INFERENCE_FIELDS + ("replacement", "device_resident", "sample_s")

# per-call times kept per entry (``sample_s``): enough for a rank test, small in a record
SAMPLE_SIZE = 64

# distinct pre-built batches cycled through per batch size, and the memory they may take:
# a few, so that a call does not always see the same rows; bounded, for image batches
MAX_BATCHES = 8
_BATCH_BYTES = 64 * 2**20

# scipy.sparse formats without row indexing (``X[idx]``): converted to CSR before drawing
_UNINDEXABLE_SPARSE = ("coo", "dia", "bsr")


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

    Raises
    ------
    ValueError
        A setting out of its range (no batch size, one below 1 or listed twice,
        ``min_time_s`` <= 0, ``warmup`` < 0, ``max_calls`` < 1, an unknown ``folds`` or
        ``method``), as the suite's validation refuses it. ``batch_sizes`` may be given as
        a list; it is kept as a tuple.
    """

    # MLPerf's two scenarios: one row at a time (latency), a large batch (throughput);
    # 0.1 s per batch size keeps the default block under a quarter of quickstart's time
    batch_sizes: tuple[int, ...] = (1, 1024)
    min_time_s: float = 0.1
    warmup: int = 3
    max_calls: int = 10_000
    folds: Literal["first", "all"] = "first"
    method: Literal["predict", "predict_proba"] = "predict"
    device_resident: bool = False

    def __post_init__(self) -> None:
        # the suite validates its blocks; this guards the Python API (a batch size of 0
        # would otherwise fail deep in the batch drawing, max_calls=0 after the warm-up)
        sizes = tuple(_batch_size(size) for size in self.batch_sizes)
        if not sizes:
            raise ValueError("batch_sizes must list at least one batch size, e.g. (1, 1024)")
        twice = next((size for i, size in enumerate(sizes) if size in sizes[:i]), None)
        if twice is not None:
            raise ValueError(f"batch size {twice} is listed twice")
        object.__setattr__(self, "batch_sizes", sizes)  # frozen: hashable, as a tuple
        if not self.min_time_s > 0:
            raise ValueError(f"min_time_s must be > 0, got {self.min_time_s!r}")
        if self.warmup < 0:
            raise ValueError(f"warmup must be >= 0, got {self.warmup!r}")
        if self.max_calls < 1:
            raise ValueError(f"max_calls must be >= 1, got {self.max_calls!r}")
        if self.folds not in ("first", "all"):
            raise ValueError(f"folds must be 'first' or 'all', got {self.folds!r}")
        if self.method not in ("predict", "predict_proba"):
            raise ValueError(f"method must be 'predict' or 'predict_proba', got {self.method!r}")


def _batch_size(size: Any) -> int:
    # an int, or any integer type (numpy's) as one; not a bool, not a float
    try:
        value = operator.index(size)
    except TypeError:
        value = None
    if isinstance(size, bool) or value is None or value < 1:
        raise ValueError(f"batch size {size!r} must be an integer >= 1")
    return value


class InferenceUnavailable(Exception):
    """The fitted estimator cannot do what the spec asks; nothing was measured.

    Raised by :func:`measure_inference` before any call, for a ``method`` the estimator
    lacks (``predict_proba`` of a regressor, of ``SVC(probability=False)``) and for
    ``device_resident`` with a model other than benchsuite's torch ones. The message
    names the model and what it lacks, e.g. ``"SVC has no predict_proba"``.
    """


def measures_job(spec: InferenceSpec | None, fold: int, repeat: int) -> bool:
    """Whether the job on ``fold`` and ``repeat`` measures inference under ``spec``."""
    if spec is None:
        return False
    return spec.folds == "all" or (fold == 0 and repeat == 0)


def measure_inference(
    estimator: Any,
    X_test: Any,
    spec: InferenceSpec,
    *,
    seed: int,
    device: Any = "estimator",
    clock: Callable[[], float] = time.perf_counter,
    cuda: Any = "auto",
    max_batches: int = MAX_BATCHES,
) -> list[dict[str, Any]]:
    """Time ``spec.method`` of a fitted estimator at each of ``spec.batch_sizes``.

    For each batch size: up to ``max_batches`` batches are drawn from the rows of
    ``X_test`` and built before any timing (rows without replacement when ``X_test`` has
    at least as many rows as the batch, with replacement otherwise); ``spec.warmup``
    untimed calls; then timed calls, cycling through the batches, until the timed calls
    add up to ``spec.min_time_s`` or ``spec.max_calls`` were made. The clock is read once
    before the first timed call and once after each (between two reads: taking the next
    pre-built batch, the call, appending the reading and the deadline test), with Python's
    garbage collector off, as ``timeit`` does. Warnings raised by the timed calls are
    ignored (the warm-up calls raise them under the caller's filters).

    A model on a GPU (``device``) is synchronized (``cuda.synchronize(index)``, the
    job's device) after each call, before the clock read: the input starts on the host
    and the answer ends there, what a server sees. With ``spec.device_resident`` (only
    benchsuite's torch models): the batches are moved to the model's device before
    timing, and the network's forward pass alone is timed, in eval mode under
    ``torch.inference_mode``, with the model's AMP, channels_last, thread and numeric
    settings, as its own ``predict`` runs it; a pipeline's preprocessing steps transform
    the batches before timing. On CUDA each forward pass is timed with CUDA events on
    the job's device (``cuda.Event(enable_timing=True)``), the clock unused; on the CPU
    with ``clock``.

    Parameters
    ----------
    estimator : estimator
        Fitted (a model or a Pipeline).
    X_test : array-like or DataFrame of shape (n_samples, ...)
        The job's test fold (at least one row). DataFrames are indexed with ``.iloc``,
        a list of rows row by row (the batches are lists), anything else with ``X[idx]``
        (a COO, DIA or BSR sparse matrix is converted to CSR first).
    spec : InferenceSpec
    seed : int
        Non-negative; seeds the rows drawn for the batches and ``sample_s`` (each batch
        size from ``(seed, batch_size)``).
    device : str, torch.device or None, default="estimator"
        The job's device: ``"cuda:N"``, ``"cuda"``/``"auto"`` (the current GPU), ``"cpu"``
        ... as :func:`benchsuite.measure.cuda_device_index` reads it. "estimator": where
        the fitted model says it ran (``device_``), else its ``device`` param; a model
        with neither runs on the CPU.
    clock : callable, default=time.perf_counter
        Returns seconds; injectable so tests need no sleeps.
    cuda : module, None or "auto", default="auto"
        ``torch.cuda`` or a stand-in (``synchronize``, ``current_device``,
        ``device_count``, ``device``, ``Event``); "auto" uses
        :func:`benchsuite.measure.active_cuda`, None: no GPU.
    max_batches : int, default=8
        Distinct batches built per batch size (fewer for large rows: they hold at most
        64 MiB together).

    Returns
    -------
    list of dict
        One entry per batch size, in the order of ``spec.batch_sizes``, with the keys of
        :data:`ENTRY_FIELDS` (see the module's documentation).

    Raises
    ------
    InferenceUnavailable
        The estimator has no ``spec.method``, or ``spec.device_resident`` is asked of a
        model other than benchsuite's torch ones. Nothing was called.
    ValueError
        ``X_test`` has no rows.
    """
    import numpy as np

    from benchsuite.measure import (
        _final_step,
        _ran_on,
        _resolve_cuda,
        cuda_device_index,
        estimator_device,
        is_torch_model,
    )

    method = spec.method
    model = _final_step(estimator)
    name = type(model).__name__
    if not hasattr(estimator, method):
        raise InferenceUnavailable(f"{name} has no {method}")
    if spec.device_resident and not is_torch_model(estimator):
        raise InferenceUnavailable(
            f"device_resident needs one of benchsuite's torch models; {name} is not"
        )
    if getattr(X_test, "format", None) in _UNINDEXABLE_SPARSE:
        X_test = X_test.tocsr()  # rows drawn from CSR, as scikit-learn converts them anyway
    n_rows = _n_rows(X_test)
    if n_rows < 1:
        raise ValueError("the test fold has no rows to draw inference batches from")
    cuda = _resolve_cuda(cuda)
    if isinstance(device, str) and device == "estimator":
        device = _ran_on(estimator) or estimator_device(estimator)
    gpu = cuda_device_index(device, cuda)
    device_name = f"cuda:{gpu}" if gpu is not None else _host_device_name(device)

    entries = []
    for batch_size in spec.batch_sizes:
        rng = np.random.default_rng((int(seed), int(batch_size)))
        batches, replacement = _draw_batches(X_test, n_rows, batch_size, rng, max_batches)
        if spec.device_resident:
            times = _time_forward(estimator, batches, spec, gpu=gpu, cuda=cuda, clock=clock)
        else:
            call = getattr(estimator, method)
            sync = None if gpu is None else _synchronizer(cuda, gpu)
            times = _time_calls(call, batches, spec, clock=clock, sync=sync)
        del batches
        entries.append(
            _entry(batch_size, method, times, device_name, replacement, spec.device_resident, rng)
        )
    return entries


# -- batches ------------------------------------------------------------------------------


def _n_rows(X: Any) -> int:
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None else len(X)


def _row_bytes(X: Any, n_rows: int) -> float:
    """About how many bytes one row of ``X`` takes (for the batches' memory bound)."""
    if hasattr(X, "memory_usage"):  # a DataFrame
        return float(X.memory_usage(index=False, deep=False).sum()) / max(n_rows, 1)
    nbytes = getattr(X, "nbytes", None)
    if nbytes is None and hasattr(X, "data"):  # a scipy sparse matrix
        nbytes = getattr(X.data, "nbytes", None)
    return float(nbytes) / max(n_rows, 1) if nbytes is not None else 0.0


def _draw_batches(
    X: Any, n_rows: int, batch_size: int, rng: Any, max_batches: int
) -> tuple[list[Any], bool]:
    """Batches of ``batch_size`` rows of ``X``, built now, and whether rows repeat.

    Without replacement, the batches are consecutive slices of one permutation of the
    rows (no row twice in a batch, nor in two batches while rows last); with
    replacement, each batch draws its rows independently.
    """
    replacement = n_rows < batch_size
    row_bytes = _row_bytes(X, n_rows)
    by_memory = int(_BATCH_BYTES // (row_bytes * batch_size)) if row_bytes > 0 else max_batches
    if replacement:
        k = max(1, min(max_batches, by_memory))
        index = [rng.integers(0, n_rows, size=batch_size) for _ in range(k)]
    else:
        k = max(1, min(max_batches, by_memory, n_rows // batch_size))
        order = rng.permutation(n_rows)
        index = [order[i * batch_size : (i + 1) * batch_size] for i in range(k)]
    return [_take(X, idx) for idx in index], replacement


def _take(X: Any, idx: Any) -> Any:
    """Rows ``idx`` of ``X``, of the type ``X`` is (a DataFrame, an array, a sparse matrix,
    a list of rows or documents: as scikit-learn takes array-likes)."""
    if hasattr(X, "iloc"):
        return X.iloc[idx]
    if isinstance(X, (list, tuple)):
        return [X[i] for i in idx]
    return X[idx]


def _host_device_name(device: Any) -> str:
    # as records name a device: "cpu" unless the model ran on another (mps, a cuda the
    # measurement cannot see)
    if device is None:
        return "cpu"
    text = str(device)
    return "cpu" if text in ("auto", "") else text


def _synchronizer(cuda: Any, gpu: int) -> Callable[[], None]:
    # a partial is called without a Python frame of its own: less between two clock reads
    return functools.partial(cuda.synchronize, gpu)


# -- timing -------------------------------------------------------------------------------


def _cycle(batches: list[Any], n: int) -> Iterator[Any]:
    return itertools.islice(itertools.cycle(batches), n)


def _time_calls(
    call: Callable[[Any], Any],
    batches: list[Any],
    spec: InferenceSpec,
    *,
    clock: Callable[[], float],
    sync: Callable[[], None] | None = None,
) -> list[float]:
    """Per-call seconds of ``call`` over ``batches``: warm-up, then the timed calls."""
    for batch in _cycle(batches, spec.warmup):
        call(batch)
    calls = _cycle(batches, spec.max_calls)
    stamps: list[float] = []
    append = stamps.append
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # the two loops differ by the sync alone: no test between two clock reads
            if sync is None:
                t = clock()
                append(t)
                deadline = t + spec.min_time_s
                for batch in calls:
                    call(batch)
                    t = clock()
                    append(t)
                    if t >= deadline:
                        break
            else:
                sync()  # the warm-up's queued work must not land on the first timed call
                t = clock()
                append(t)
                deadline = t + spec.min_time_s
                for batch in calls:
                    call(batch)
                    sync()
                    t = clock()
                    append(t)
                    if t >= deadline:
                        break
    finally:
        if gc_was_enabled:
            gc.enable()
    return [b - a for a, b in zip(stamps[:-1], stamps[1:], strict=True)]


def _time_forward(
    estimator: Any,
    batches: list[Any],
    spec: InferenceSpec,
    *,
    gpu: int | None,
    cuda: Any,
    clock: Callable[[], float],
) -> list[float]:
    """Per-call seconds of a torch model's forward pass on batches already on its device."""
    import torch

    from benchsuite.estimators.torch import _training
    from benchsuite.estimators.torch._base import _host_array
    from benchsuite.estimators.torch._params import check_bool
    from benchsuite.measure import _final_step

    model = _final_step(estimator)
    steps = getattr(estimator, "steps", None)
    # a pipeline's preprocessing is host work before the model: done before timing
    prep = estimator[:-1] if steps and len(steps) > 1 else None
    target = torch.device(model.device_)
    channels_last = bool(model.channels_last) and model._is_conv
    inputs = []
    for batch in batches:
        X = prep.transform(batch) if prep is not None else batch
        inputs.append(
            model._to_device(_host_array(model._validate(X, fit=False)), target, channels_last)
        )
    module = model.module_
    module.eval()
    with (
        _training.num_threads(model.threads),
        _training.numeric_settings(
            target,
            tf32=model.tf32,
            cudnn_benchmark=check_bool("cudnn_benchmark", model.cudnn_benchmark),
        ),
        torch.inference_mode(),
        _training.autocast(model.amp_, target),
    ):
        if gpu is None:
            return _time_calls(module, inputs, spec, clock=clock)
        return _time_events(module, inputs, spec, gpu=gpu, cuda=cuda)


def _time_events(
    forward: Callable[[Any], Any], inputs: list[Any], spec: InferenceSpec, *, gpu: int, cuda: Any
) -> list[float]:
    """Per-call seconds of ``forward`` by CUDA events on device ``gpu``, synchronized per call.

    The timed calls stop when their event times add up to ``spec.min_time_s`` (or at
    ``spec.max_calls``); their warnings are ignored, as :func:`_time_calls` does.
    """
    times: list[float] = []
    # events record on the current device's stream: make it the job's
    with cuda.device(gpu):
        for x in _cycle(inputs, spec.warmup):
            forward(x)
        cuda.synchronize(gpu)
        start = cuda.Event(enable_timing=True)
        end = cuda.Event(enable_timing=True)
        total = 0.0
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # as _time_calls: the warm-up raised them
                for x in _cycle(inputs, spec.max_calls):
                    start.record()
                    forward(x)
                    end.record()
                    cuda.synchronize(gpu)
                    seconds = start.elapsed_time(end) / 1000.0  # milliseconds
                    times.append(seconds)
                    total += seconds
                    if total >= spec.min_time_s:
                        break
        finally:
            if gc_was_enabled:
                gc.enable()
    return times


# -- the entry ----------------------------------------------------------------------------


def _entry(
    batch_size: int,
    method: str,
    times: list[float],
    device: str,
    replacement: bool,
    device_resident: bool,
    rng: Any,
) -> dict[str, Any]:
    import numpy as np

    if not times:
        raise ValueError("no timed inference calls (max_calls must be at least 1)")
    t = np.asarray(times, dtype=float)
    median, p90, p99, p25, p75 = (float(q) for q in np.quantile(t, [0.5, 0.9, 0.99, 0.25, 0.75]))
    sample = rng.choice(t, size=min(SAMPLE_SIZE, t.size), replace=False)
    entry = {
        "batch_size": int(batch_size),
        "method": method,
        "n_calls": int(t.size),
        "median_s": median,
        "p90_s": p90,
        "p99_s": p99,
        "iqr_s": p75 - p25,
        "min_s": float(t.min()),
        "throughput_per_s": batch_size / median if median > 0 else None,
        "device": device,
        "replacement": bool(replacement),
        "device_resident": bool(device_resident),
        "sample_s": [float(x) for x in np.sort(sample)],
    }
    return entry

"""Timing and memory of one fit + predict (one job), and the warm-up before it.

The clock is ``time.perf_counter`` (monotonic, highest resolution) around ``fit`` and around
``predict`` only: data is already in memory and already split, so loading, splitting and
scoring never count. Peak memory in-process is sampled by a background thread that reads the
resident set size; the thread only sleeps between reads so it does not compete for the GIL.
"""

from __future__ import annotations

import gc
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchsuite._energy import EnergyMeter

Clock = Callable[[], float]

_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20 if hasattr(os, "sysconf") else 4096 / 2**20


def current_rss_mb() -> float:
    """Resident set size of this process in MiB (Linux: /proc; elsewhere: peak RSS)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE_MB
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


class RssSampler:
    """Context manager that tracks the peak RSS (MiB) while its block runs.

    Parameters
    ----------
    interval_s : float, default=0.005
        Seconds between samples. Allocations shorter than this can be missed; the start and
        end of the block are always sampled.
    """

    def __init__(self, interval_s: float = 0.005) -> None:
        self.interval_s = interval_s
        self.start_mb = 0.0
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            rss = current_rss_mb()
            if rss > self.peak_mb:
                self.peak_mb = rss

    def __enter__(self) -> RssSampler:
        self.start_mb = self.peak_mb = current_rss_mb()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="benchsuite-rss", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak_mb = max(self.peak_mb, current_rss_mb())

    @property
    def delta_mb(self) -> float:
        """Growth of RSS over the block's starting point."""
        return max(0.0, self.peak_mb - self.start_mb)


def active_cuda() -> Any:
    """``torch.cuda`` if torch is already imported and sees a GPU, else None.

    Never imports torch: a run of classic estimators must not pay for it, and a model that
    uses CUDA has imported torch before its fit starts.
    """
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        return torch.cuda if torch.cuda.is_available() else None
    except Exception:  # a broken driver must not break CPU measurements
        return None


def cuda_device_index(device: Any, cuda: Any) -> int | None:
    """The CUDA device a job runs on, as an index; None for a job off the GPU.

    Resolves ``device`` as the torch models do: ``"cuda:N"`` is GPU N, ``"cuda"`` and
    ``"auto"`` (on a machine with CUDA) the current device; anything else (None, ``"cpu"``,
    ``"mps"``), or any device without ``cuda`` (torch not loaded, no GPU), is off the GPU.
    A GPU this machine does not have gives None too: the model's fit reports it.

    Parameters
    ----------
    device : str, torch.device or None
        The job's device, e.g. the estimator's ``device`` param.
    cuda : module or None
        ``torch.cuda`` or a stand-in.
    """
    if cuda is None or device is None:
        return None
    spec = str(device)
    try:
        if spec in ("auto", "cuda"):
            return int(cuda.current_device())
        if spec.startswith("cuda:"):
            index = int(spec[len("cuda:") :])
            return index if 0 <= index < cuda.device_count() else None
    except Exception:  # a malformed name or a broken driver: the model's fit says which
        return None
    return None


def _final_step(estimator: Any) -> Any:
    # as benchsuite.estimators._introspect.final_step, without importing the estimators
    # package on the executors' import path
    steps = getattr(estimator, "steps", None)
    return steps[-1][1] if steps else estimator


def estimator_device(estimator: Any) -> Any:
    """The ``device`` param of ``estimator`` (of its last step for a pipeline), or None."""
    return getattr(_final_step(estimator), "device", None)


def _ran_on(estimator: Any) -> Any:
    """Where a fitted model says it ran (``device_``, as the torch models), or None."""
    return getattr(_final_step(estimator), "device_", None)


def _resolve_cuda(cuda: Any) -> Any:
    return active_cuda() if isinstance(cuda, str) and cuda == "auto" else cuda


def warm_up_device(device: Any, *, cuda: Any = "auto") -> None:
    """Create the CUDA context of the job's GPU before the clock starts.

    The first CUDA call on a device costs from half a second to seconds (context,
    allocator); it belongs to no model's fit time. Every call names the job's device, so
    no context is created on any other GPU (the current one in particular). Cheap when the
    context exists already.

    Parameters
    ----------
    device : str, torch.device or None
        The job's device (the estimator's ``device`` param): ``"cuda:N"``, ``"cuda"`` or
        ``"auto"`` warm up a GPU; anything else does nothing.
    cuda : module, None or "auto", default="auto"
        ``torch.cuda`` or a stand-in (``caching_allocator_alloc``/``_delete``,
        ``synchronize``, ``current_device``, ``device_count``); "auto" uses
        :func:`active_cuda`.
    """
    cuda = _resolve_cuda(cuda)
    index = cuda_device_index(device, cuda)
    if index is not None:
        _warm_up_index(index, cuda)


def _warm_up_index(index: int, cuda: Any) -> None:
    try:
        cuda.caching_allocator_delete(cuda.caching_allocator_alloc(1, device=index))
        cuda.synchronize(index)
    except Exception:  # the model's fit reports a device it cannot use as an error record
        pass


_TORCH_MODULE = "benchsuite.estimators.torch"

# params of the warm-up clone's model: one epoch of one batch, nothing that needs more data
# than that (a validation split), nothing one-off that the timed fit records apart (compile)
_WARMUP_PARAMS = {"epochs": 1, "early_stopping": False, "compile": False, "verbose": 0}


def is_torch_model(estimator: Any) -> bool:
    """Whether the model (the last step of a pipeline) is one of benchsuite's torch ones."""
    model = _final_step(estimator)
    return any(
        getattr(klass, "__module__", "").startswith(_TORCH_MODULE) for klass in type(model).__mro__
    )


def _rows(X: Any, idx: Any) -> Any:
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def _warm_up_rows(model: Any, y_train: Any) -> Any:
    """Row indices of one training batch for the warm-up, or a str saying why none.

    The first ``batch_size`` rows (at least 2); for a classifier whose batch holds one
    class, its last row is swapped for the first row of another class.
    """
    import numpy as np

    n = len(y_train)
    batch = getattr(model, "batch_size", 64)
    size = min(n, max(2, batch if isinstance(batch, int) and batch > 0 else 64))
    if size < 2:
        return f"{n} training rows, the warm-up needs 2"
    idx = np.arange(size)
    if getattr(model, "_is_classifier", False):
        y = np.asarray(y_train)
        if y.ndim == 1:
            other = np.flatnonzero(y != y[0])
            if other.size == 0:
                return "the training fold has one class"
            if not (y[:size] != y[0]).any():
                idx[-1] = other[0]
    return idx


def warm_up_model(
    estimator: Any, X_train: Any, y_train: Any, X_test: Any
) -> tuple[float | None, str | None]:
    """Pay a torch model's one-off costs before the clock, on a throwaway clone of it.

    The first fit of a process (of a device) creates the cuBLAS/cuDNN handles, loads
    libraries and kernels lazily and grows the allocator; the first predict loads the
    inference kernels. A clone of ``estimator`` (the whole pipeline) with one epoch (no
    early stopping, no ``compile``, whose time the timed fit records apart) fits one
    training batch of the job's shapes, then predicts up to ``predict_batch_size`` test
    rows. ``estimator`` itself is not touched, and the global random generators (Python,
    numpy, torch) are restored afterwards: the timed fit gives the same numbers as without
    the warm-up. Only benchsuite's torch models are warmed up (:func:`is_torch_model`).

    Returns
    -------
    (seconds, note)
        The warm-up's wall time (None when none ran) and why it was skipped or what it
        raised (None when it ran through). A failing warm-up never raises: the timed fit
        reports the real error.
    """
    if not is_torch_model(estimator):
        return None, None
    import random

    import numpy as np
    from sklearn.base import clone

    model = _final_step(estimator)
    idx = _warm_up_rows(model, y_train)
    if isinstance(idx, str):
        return None, f"warm-up skipped: {idx}"
    torch = sys.modules.get("torch")
    py_state, np_state = random.getstate(), np.random.get_state()
    torch_state = torch.random.get_rng_state() if torch is not None else None
    start = time.perf_counter()
    note = None
    on_cuda = False
    try:
        twin = clone(estimator)
        twin_model = _final_step(twin)
        own = twin_model.get_params(deep=False)
        twin_model.set_params(**{k: v for k, v in _WARMUP_PARAMS.items() if k in own})
        twin.fit(_rows(X_train, idx), _rows(y_train, idx))
        n_pred = min(len(X_test), int(getattr(model, "predict_batch_size", 4096) or 4096))
        if n_pred > 0:
            twin.predict(_rows(X_test, slice(0, n_pred)))
        device = getattr(twin_model, "device_", None)
        if torch is not None and str(device).startswith("cuda"):
            on_cuda = True  # its queued kernels must not run on the job's clock
            torch.cuda.synchronize(torch.device(device))
    except Exception as exc:  # noqa: BLE001 (the timed fit raises it again, or not)
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        note = f"warm-up failed: {type(exc).__name__}: {first}"
    finally:
        twin = twin_model = None
        random.setstate(py_state)
        np.random.set_state(np_state)
        if torch is not None and torch_state is not None:
            torch.random.set_rng_state(torch_state)
    if on_cuda:
        gc.collect()  # the clone's tensors go before the cache is emptied for the job
    return time.perf_counter() - start, note


@dataclass
class Measurement:
    """What one fit + predict cost.

    Attributes
    ----------
    fit_time_s : float
        Wall time of ``estimator.fit(X_train, y_train)``.
    predict_time_s : float
        Wall time of ``estimator.predict(X_test)``.
    peak_rss_mb : float or None
        Peak resident memory of the process during fit and predict (None if not sampled).
    rss_delta_mb : float or None
        ``peak_rss_mb`` minus the RSS just before ``fit``: memory the estimator added.
    y_pred : array
        The predictions (scored by :mod:`benchsuite.metrics`).
    peak_gpu_mb : float or None
        ``torch.cuda.max_memory_allocated`` of the job's GPU over fit and predict (MiB);
        None for a job that did not run on a GPU.
    peak_gpu_reserved_mb : float or None
        ``torch.cuda.max_memory_reserved`` of the job's GPU (MiB): what the caching
        allocator held, tensors plus its cache; None off the GPU.
    gpu_device : int or None
        The CUDA device measured (synchronized, memory read), None for a job off the GPU.
    energy_j : float or None
        Joules the job's GPU used over fit and predict (NVML's energy counter, the whole
        device); None off the GPU or where NVML cannot tell.
    cpu_energy_j : float or None
        Joules the CPU packages used over fit and predict (RAPL, all processes); None
        where the RAPL counters are not readable.
    warmup_s : float or None
        Seconds of the untimed warm-up before the clock (:func:`warm_up_model`); None
        when none ran (a model other than benchsuite's torch ones, or ``warm_up=False``).
    warmup_note : str or None
        Why the warm-up was skipped or what it raised; None when it ran through.
    """

    fit_time_s: float
    predict_time_s: float
    peak_rss_mb: float | None
    rss_delta_mb: float | None
    y_pred: Any
    peak_gpu_mb: float | None = None
    peak_gpu_reserved_mb: float | None = None
    gpu_device: int | None = None
    energy_j: float | None = None
    cpu_energy_j: float | None = None
    warmup_s: float | None = None
    warmup_note: str | None = None


def measure_fold(
    estimator: Any,
    X_train: Any,
    y_train: Any,
    X_test: Any,
    *,
    clock: Clock = time.perf_counter,
    sample_memory: bool = True,
    disable_gc: bool = True,
    cuda: Any = "auto",
    fit_params: dict[str, Any] | None = None,
    device: Any = "estimator",
    warm_up: bool = True,
) -> Measurement:
    """Fit ``estimator`` and predict ``X_test``, timing each step separately.

    Parameters
    ----------
    estimator : estimator
        Unfitted; fitted in place.
    X_train, y_train, X_test : array-like
        Already in memory (and already on the device for torch models).
    clock : callable, default=time.perf_counter
        Returns seconds; injectable so tests need no sleeps.
    sample_memory : bool, default=True
        Sample peak RSS while fitting and predicting.
    disable_gc : bool, default=True
        Keep Python's cyclic garbage collector off inside the clock, as ``timeit`` does:
        a collection of the objects that benchsuite itself holds could otherwise land in
        one short fit and make it look many times slower. Collection resumes after predict.
    cuda : module, None or "auto", default="auto"
        ``torch.cuda`` (or a stand-in with the functions used here) to synchronize the
        job's GPU before every clock read, so that queued GPU kernels count where they ran,
        and to read its peak memory from; "auto" uses :func:`active_cuda`, None disables
        both.
    fit_params : dict, optional
        Keyword arguments for ``fit`` (e.g. ``eval_set`` for time-to-accuracy).
    device : str, torch.device or None, default="estimator"
        Where the estimator runs: ``"cuda:N"``, ``"cuda"``/``"auto"`` (the current GPU),
        ``"cpu"``, ... (see :func:`cuda_device_index`); "estimator" reads the estimator's
        own ``device`` param (:func:`estimator_device`), a model without one runs on the
        CPU. Every CUDA call names this device; a job off the GPU makes none, and its GPU
        memory is None whatever earlier jobs of the process did on a GPU. Before the clock,
        the device is warmed up (:func:`warm_up_device`), the allocator's cache of earlier
        jobs is released and its peak statistics are reset, so that the memory is the
        job's. A model that says after fit that it ran elsewhere (``device_``) gets no GPU
        memory.
    warm_up : bool, default=True
        Before the clock and the memory reset, fit a one-epoch clone of a torch model on
        one batch and predict one batch (:func:`warm_up_model`), so that one-off costs
        (cuBLAS/cuDNN handles, kernel loading) do not land in ``fit_time_s``. False
        benchmarks the harness itself (the first job then pays them).

    Returns
    -------
    Measurement
    """
    cuda = _resolve_cuda(cuda)
    if isinstance(device, str) and device == "estimator":
        device = estimator_device(estimator)
    gpu = cuda_device_index(device, cuda)

    def sync() -> None:
        # kernels are queued asynchronously: wait for the job's GPU before reading the clock
        if gpu is not None:
            cuda.synchronize(gpu)

    if gpu is not None:
        # outside the sampler: a new CUDA context must not count as the model's memory
        _warm_up_index(gpu, cuda)  # the device is resolved once per job, above
    warmup_s = warmup_note = None
    if warm_up:
        warmup_s, warmup_note = warm_up_model(estimator, X_train, y_train, X_test)
    if gpu is not None:
        with cuda.device(gpu):  # empty_cache acts on the current device's allocator too
            cuda.empty_cache()
        cuda.reset_peak_memory_stats(gpu)
    sampler = RssSampler() if sample_memory else None
    gc_was_enabled = gc.isenabled()
    if sampler is not None:
        sampler.__enter__()
    if disable_gc:
        gc.disable()
    meter = EnergyMeter(gpu)
    try:
        sync()
        meter.start()  # outside the clock: reading the counters takes time too
        t0 = clock()
        estimator.fit(X_train, y_train, **(fit_params or {}))
        sync()
        t1 = clock()
        y_pred = estimator.predict(X_test)
        sync()
        t2 = clock()
        meter.stop()
    finally:
        if gc_was_enabled:
            gc.enable()
        if sampler is not None:
            sampler.__exit__(None, None, None)
    peak_gpu = peak_reserved = None
    ran_on = _ran_on(estimator)
    if gpu is not None and ran_on is not None and cuda_device_index(ran_on, cuda) != gpu:
        gpu = None  # the model ran elsewhere than measured: no memory of it to report
        meter.energy_j = None  # nor energy
    if gpu is not None:
        peak_gpu = round(cuda.max_memory_allocated(gpu) / 2**20, 3)
        peak_reserved = round(cuda.max_memory_reserved(gpu) / 2**20, 3)
    return Measurement(
        fit_time_s=t1 - t0,
        predict_time_s=t2 - t1,
        peak_rss_mb=round(sampler.peak_mb, 3) if sampler else None,
        rss_delta_mb=round(sampler.delta_mb, 3) if sampler else None,
        y_pred=y_pred,
        peak_gpu_mb=peak_gpu,
        peak_gpu_reserved_mb=peak_reserved,
        gpu_device=gpu,
        energy_j=meter.energy_j,
        cpu_energy_j=meter.cpu_energy_j,
        warmup_s=warmup_s,
        warmup_note=warmup_note,
    )

"""Timing and memory of one fit + predict (one job), and the CUDA warm-up before it.

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


def warm_up_device(params: dict[str, Any]) -> None:
    """Create the CUDA context before the clock starts, for models that may use CUDA.

    The first CUDA call of a process costs from half a second to seconds (context,
    allocator); it belongs to no model's fit time.

    Parameters
    ----------
    params : dict
        The estimator's params: their ``device`` (default ``auto``) says whether the model
        may use CUDA, and which GPU.
    """
    device = str(params.get("device") or "auto")
    if not (device == "auto" or device.startswith("cuda")):
        return
    cuda = active_cuda()
    if cuda is None or cuda.is_initialized():
        return
    torch = sys.modules["torch"]
    try:
        torch.empty(1, device=device if device.startswith("cuda") else "cuda")
        cuda.synchronize()
    except Exception:  # a bad device id: the model's fit reports it as an error record
        pass


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
        ``torch.cuda.max_memory_allocated`` over fit and predict (None without CUDA).
    """

    fit_time_s: float
    predict_time_s: float
    peak_rss_mb: float | None
    rss_delta_mb: float | None
    y_pred: Any
    peak_gpu_mb: float | None = None


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
        ``torch.cuda`` (or a stand-in with the same four functions) to synchronize before
        every clock read, so that queued GPU kernels count where they ran, and to read peak
        GPU memory from; "auto" uses :func:`active_cuda`, None disables both.
    fit_params : dict, optional
        Keyword arguments for ``fit`` (e.g. ``eval_set`` for time-to-accuracy).

    Returns
    -------
    Measurement
    """
    if cuda == "auto":
        cuda = active_cuda()

    def sync() -> None:
        # kernels are queued asynchronously: wait for them before reading the clock
        if cuda is not None and cuda.is_initialized():
            cuda.synchronize()

    if cuda is not None and cuda.is_initialized():
        cuda.reset_peak_memory_stats()
    sampler = RssSampler() if sample_memory else None
    gc_was_enabled = gc.isenabled()
    if sampler is not None:
        sampler.__enter__()
    if disable_gc:
        gc.disable()
    try:
        sync()
        t0 = clock()
        estimator.fit(X_train, y_train, **(fit_params or {}))
        sync()
        t1 = clock()
        y_pred = estimator.predict(X_test)
        sync()
        t2 = clock()
    finally:
        if gc_was_enabled:
            gc.enable()
        if sampler is not None:
            sampler.__exit__(None, None, None)
    peak_gpu = None
    if cuda is not None and cuda.is_initialized():
        # a model that initialized CUDA inside fit started from zero: the peak is still right
        peak_gpu = round(cuda.max_memory_allocated() / 2**20, 3)
    return Measurement(
        fit_time_s=t1 - t0,
        predict_time_s=t2 - t1,
        peak_rss_mb=round(sampler.peak_mb, 3) if sampler else None,
        rss_delta_mb=round(sampler.delta_mb, 3) if sampler else None,
        y_pred=y_pred,
        peak_gpu_mb=peak_gpu,
    )

"""Resources of jobs and workers: threads and memory limits (GPUs: :mod:`benchsuite._gpus`).

Light to import (no numpy): the CLI parses its options with these functions before
anything heavy loads, worker processes apply them before importing numerical libraries,
and every executor pins a job's thread pools with :func:`thread_limits`.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any

from benchsuite.environment import THREAD_VARS, usable_cores
from benchsuite.errors import BenchsuiteError

_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "kb": 10**3,
    "m": 10**6,
    "mb": 10**6,
    "g": 10**9,
    "gb": 10**9,
    "t": 10**12,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*$")
# below this no worker can even import numpy and scikit-learn
MIN_MEMORY_LIMIT = 64 * 2**20


def parse_memory_limit(text: str | int) -> int:
    """Bytes from ``"4GB"``, ``"512MiB"``, ``"1.5g"`` or a plain number of bytes.

    Parameters
    ----------
    text : str or int
        Decimal units (``KB``, ``MB``, ``GB``, ``TB``, also ``K``/``M``/``G``/``T``) are
        powers of 1000, binary ones (``KiB``, ``MiB``, ``GiB``, ``TiB``) powers of 1024,
        as in Dask's ``--memory-limit``.

    Returns
    -------
    int

    Raises
    ------
    BenchsuiteError
        Not a size, or smaller than 64 MiB.
    """
    if isinstance(text, int):
        value = text
    else:
        match = _SIZE.match(str(text))
        unit = match.group(2).lower() if match else None
        if match is None or unit not in _UNITS:
            raise BenchsuiteError(
                f"--memory-limit: expected a size such as 4GB, 512MB or 2GiB, got {text!r}"
            )
        value = int(float(match.group(1)) * _UNITS[unit])
    if value < MIN_MEMORY_LIMIT:
        raise BenchsuiteError(
            f"--memory-limit {text}: too small for a worker to start (at least 64MiB)"
        )
    return value


def memory_option(limit: int | str | None) -> tuple[int | None, str]:
    """An executor's ``memory_limit`` option as ``(bytes, label)``.

    The label is the limit as the user wrote it (``"4GB"``), or as they would have
    (:func:`format_bytes` of a number of bytes), for messages and ``run.json``; ``(None,
    "")`` without a limit.

    Raises
    ------
    BenchsuiteError
        Not a size, or too small (see :func:`parse_memory_limit`).
    """
    if limit is None:
        return None, ""
    label = limit if isinstance(limit, str) else format_bytes(limit)
    return parse_memory_limit(limit), label


def format_bytes(n: int) -> str:
    """``4000000000`` -> ``"4GB"``, ``2147483648`` -> ``"2GiB"`` (as the user would write it)."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n % size == 0:
            return f"{n // size}{unit}"
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6)):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return f"{n}B"


def threads_per_worker(n_workers: int, cores: int | None = None) -> int:
    """BLAS/OpenMP/torch threads for each of ``n_workers`` so that they fill, not
    oversubscribe, the cores: ``max(1, cores // n_workers)``."""
    cores = usable_cores() if cores is None else cores
    return max(1, cores // max(1, n_workers))


def worker_environment(threads: int, gpu: str | None = None) -> dict[str, str]:
    """Environment variables a worker sets before it imports any numerical library."""
    env = dict.fromkeys(THREAD_VARS, str(threads))
    if gpu is not None:
        env["CUDA_VISIBLE_DEVICES"] = gpu
    return env


def check_memory_limit_supported() -> None:
    """Raise a one-line error where the OS cannot cap a worker's address space."""
    try:
        import resource
    except ImportError:  # Windows
        raise BenchsuiteError(
            "--memory-limit is not supported on this platform (no setrlimit); use"
            " --executor dask, whose nanny enforces its own limit"
        ) from None
    if not hasattr(resource, "RLIMIT_AS"):
        raise BenchsuiteError("--memory-limit is not supported on this platform (no RLIMIT_AS)")
    if sys.platform == "darwin":
        # macOS accepts RLIMIT_AS but does not enforce it for anonymous memory
        raise BenchsuiteError(
            "--memory-limit is not enforced by macOS (RLIMIT_AS is ignored); use"
            " --executor dask, whose nanny enforces its own limit"
        )


def apply_memory_limit(limit: int) -> None:
    """Cap this process's address space at ``limit`` bytes (``RLIMIT_AS``).

    An allocation beyond it fails: numpy and Python raise ``MemoryError``; native code
    that does not check ``malloc`` may crash instead (the worker then dies by a signal).
    Never raises the hard limit (an unprivileged process cannot).
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


@contextlib.contextmanager
def thread_limits(threads: int | None) -> Iterator[None]:
    """Pin BLAS/OpenMP pools (threadpoolctl) and torch to ``threads`` inside the block.

    Entered after the estimator is built, so that a library imported by the build
    (xgboost's, lightgbm's OpenMP) is already loaded and gets pinned too.
    """
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")  # only if something already imported it
    previous = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=threads):
        if torch is not None:
            torch.set_num_threads(threads)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(previous)


def pin_native_threads(estimator: Any, threads: int) -> None:
    """Give models that ignore thread pinning their own thread count.

    LightGBM's ``n_jobs=None`` means "all physical cores", read from the machine: it
    ignores ``OMP_NUM_THREADS`` and threadpoolctl, so two parallel workers would each run
    as many spinning OpenMP threads as there are cores (measured: fits 4-150x slower on
    2 cores). When the suite left ``n_jobs`` unset, it gets ``threads``.
    """
    from benchsuite.estimators._introspect import final_step

    model = final_step(estimator)
    if type(model).__module__.split(".")[0] != "lightgbm":
        return
    try:
        if model.get_params().get("n_jobs") is None:
            model.set_params(n_jobs=threads)
    except Exception:  # not the sklearn API: leave it
        pass

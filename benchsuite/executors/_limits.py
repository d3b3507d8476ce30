"""Resources of isolated workers: threads, GPUs and memory limits.

Pure functions, light to import (no numpy): the CLI parses its options with them before
anything heavy loads, and worker processes apply them before importing numerical libraries.
"""

from __future__ import annotations

import os
import re
import sys

from benchsuite.errors import BenchsuiteError

# read by OpenBLAS, MKL, OpenMP (scikit-learn, xgboost, lightgbm), Apple Accelerate and
# numexpr when their thread pools start: they must be set before those libraries load
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

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


def format_bytes(n: int) -> str:
    """``4000000000`` -> ``"4GB"``, ``2147483648`` -> ``"2GiB"`` (as the user would write it)."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n % size == 0:
            return f"{n // size}{unit}"
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6)):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return f"{n}B"


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def threads_per_worker(n_workers: int, cores: int | None = None) -> int:
    """BLAS/OpenMP/torch threads for each of ``n_workers`` so that they fill, not
    oversubscribe, the cores: ``max(1, cores // n_workers)``."""
    cores = usable_cores() if cores is None else cores
    return max(1, cores // max(1, n_workers))


def gpu_assignment(n_workers: int, gpus: list[str]) -> list[str | None]:
    """The ``CUDA_VISIBLE_DEVICES`` value of each worker: one GPU each, round robin.

    Parameters
    ----------
    n_workers : int
    gpus : list of str
        The GPUs this process may use (ids or UUIDs, as ``CUDA_VISIBLE_DEVICES`` names
        them).

    Returns
    -------
    list of str or None
        With fewer than two GPUs, None for every worker (the variable is left as it is:
        there is nothing to divide); otherwise worker ``i`` gets ``gpus[i % len(gpus)]``
        (more workers than GPUs share them).
    """
    if len(gpus) < 2:
        return [None] * n_workers
    return [gpus[i % len(gpus)] for i in range(n_workers)]


def visible_gpus(count: int | None = None) -> list[str]:
    """The GPUs this process may use, without importing torch.

    Parameters
    ----------
    count : int, optional
        The number of GPUs the machine has (default: ask ``nvidia-smi``); tests pass one.

    Returns
    -------
    list of str
        The entries of ``CUDA_VISIBLE_DEVICES`` when it is set (an empty value hides every
        GPU), else ``"0"`` .. ``str(count - 1)``.
    """
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        return [g.strip() for g in env.split(",") if g.strip() and g.strip() != "-1"]
    if count is None:
        from benchsuite.results import _nvidia_smi_gpus

        count = len(_nvidia_smi_gpus())
    return [str(i) for i in range(count)]


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

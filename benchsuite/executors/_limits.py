"""Resources of jobs and workers: threads, GPUs and memory limits.

Light to import (no numpy): the CLI parses its options with these functions before
anything heavy loads, worker processes apply them before importing numerical libraries,
and every executor pins a job's thread pools with :func:`thread_limits`.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Collection, Iterator
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


_CUDA_N = re.compile(r"^cuda:(\d+)$")


def cuda_index(device: Any) -> int | None:
    """N of an explicit ``"cuda:N"`` device, else None (``cuda``, ``auto``, ``cpu``, None)."""
    match = _CUDA_N.match(device) if isinstance(device, str) else None
    return int(match.group(1)) if match else None


def gpu_assignment(
    n_workers: int, gpus: list[str], named: Collection[int] = (), *, any_gpu: bool = True
) -> list[int | None]:
    """The GPU each worker is pinned to, as an index into ``gpus``, or None (not pinned).

    A pinned worker sees that one GPU only (``CUDA_VISIBLE_DEVICES=gpus[k]``): there it
    is ``cuda:0``, and a job that names ``cuda:k`` runs there with its device rewritten
    (:func:`local_device`). Every named GPU must get a worker of its own.

    Parameters
    ----------
    n_workers : int
    gpus : list of str
        The GPUs this process may use (ids or UUIDs, as ``CUDA_VISIBLE_DEVICES`` names
        them); ``cuda:N`` of a job means ``gpus[N]``, as it would for torch in this process.
    named : collection of int, default=()
        The N of every ``cuda:N`` the jobs name (each below ``len(gpus)``).
    any_gpu : bool, default=True
        Whether some job names no GPU index (``cuda``, ``auto``, a CPU model): it may run
        on any worker, so every GPU is worth a worker; without such jobs, workers are
        pinned to the named GPUs only (the others would have nothing to run).

    Returns
    -------
    list of int or None
        None for every worker (nothing is pinned: each sees every GPU, and ``cuda:N`` is
        ``gpus[N]`` there) with fewer than two GPUs, or with fewer workers than named GPUs
        (a named GPU without a worker would leave its jobs unrun). Otherwise the named
        GPUs first, one worker each, then the others, round robin (more workers than GPUs
        share them).
    """
    wanted = sorted(set(named))
    if len(gpus) < 2 or len(wanted) > n_workers:
        return [None] * n_workers
    order = wanted + ([k for k in range(len(gpus)) if k not in wanted] if any_gpu else [])
    if not order:  # no job names a GPU, and none may use one: any order will do
        order = list(range(len(gpus)))
    return [order[i % len(order)] for i in range(n_workers)]


def local_device(device: Any, gpu: int | None) -> Any:
    """The device a job names, as a worker pinned to GPU index ``gpu`` must call it.

    ``cuda:N`` on the worker pinned to GPU N is ``cuda:0`` there (the one GPU it sees);
    anything else (``cuda``, ``auto``, ``cpu``, or an unpinned worker) is unchanged.
    """
    if gpu is not None and cuda_index(device) == gpu:
        return "cuda:0"
    return device


def run_device(device: str, gpu: int | None) -> str:
    """A device a worker pinned to GPU index ``gpu`` reports (``cuda``, ``cuda:0``), as the
    run names it (``cuda:<gpu>``): records say on which GPU of the run a job ran."""
    if gpu is not None and (device == "cuda" or cuda_index(device) == 0):
        return f"cuda:{gpu}"
    return device


def gpu_count_error(device: Any, gpus: list[str]) -> str | None:
    """Why a job that names ``device`` cannot run with ``gpus`` visible, or None.

    ``cuda:N`` with N at or past the number of GPUs; None when the GPUs are unknown
    (an empty list: the plan already skips CUDA devices on a machine without CUDA).
    """
    index = cuda_index(device)
    if index is None or not gpus or index < len(gpus):
        return None
    return (
        f"device '{device}' requested but this run sees {len(gpus)} GPU(s): cuda:0 to"
        f" cuda:{len(gpus) - 1} (CUDA_VISIBLE_DEVICES, else nvidia-smi)"
    )


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
        from benchsuite.environment import _nvidia_smi_gpus

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

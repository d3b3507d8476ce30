"""GPUs of the run, and which worker runs a job that names one: one parser, one count.

Light to import (no torch, no numpy): the plan, the executors and the energy meter read
``CUDA_VISIBLE_DEVICES`` through :func:`cuda_visible_devices`, and an executor that pins
workers to GPUs maps a job's ``cuda:N`` to the worker that sees GPU N with the helpers here.

``cuda:N`` of a job always means what it means to torch in the runner's process: the N-th
GPU that ``CUDA_VISIBLE_DEVICES`` lists (every GPU of the machine when it is unset). A
worker pinned to that GPU sees it first, as ``cuda:0``: the job's device is rewritten
there (:func:`job_on_worker`) and back in its record (:func:`record_as_run`).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchsuite.plan import Job
    from benchsuite.results import Record

_CUDA_N = re.compile(r"^cuda:(\d+)$")


def cuda_visible_devices(value: str | None | bool = True) -> list[str] | None:
    """The entries of ``CUDA_VISIBLE_DEVICES``, as CUDA reads them; None when it is unset.

    CUDA stops at the first entry that is not a device (``-1``, an empty one): ``"0,-1,1"``
    is GPU 0 only, and ``""`` or ``"-1"`` hide every GPU.

    Parameters
    ----------
    value : str or None, optional
        The variable's value (default: read it from the environment).
    """
    if value is True:
        value = os.environ.get("CUDA_VISIBLE_DEVICES")
    if value is None or value is False:
        return None
    entries = []
    for entry in str(value).split(","):
        entry = entry.strip()
        if not entry or entry.startswith("-"):
            break
        entries.append(entry)
    return entries


def cuda_index(device: Any) -> int | None:
    """N of an explicit ``"cuda:N"`` device, else None (``cuda``, ``auto``, ``cpu``, None)."""
    match = _CUDA_N.match(device) if isinstance(device, str) else None
    return int(match.group(1)) if match else None


def job_gpu(job: Job) -> int | None:
    """N of the ``cuda:N`` device a job names, else None."""
    return cuda_index(job.case.params.get("device"))


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
    entries = cuda_visible_devices()
    if entries is not None:
        return entries
    if count is None:
        from benchsuite.environment import _nvidia_smi_gpus

        count = len(_nvidia_smi_gpus())
    return [str(i) for i in range(count)]


def past_the_gpus(device: str, n: int, counted_by: str) -> str:
    """The one message for a job whose ``cuda:N`` is at or past the ``n`` GPUs there are."""
    gpus = f"{n} GPU{'s' if n != 1 else ''}"
    return (
        f"device '{device}' requested but this run sees {gpus}"
        f" ({f'cuda:0 to cuda:{n - 1}; ' if n else ''}{counted_by})"
    )


def gpu_count_error(device: Any, gpus: list[str]) -> str | None:
    """Why a job that names ``device`` cannot run with ``gpus`` visible, or None.

    ``cuda:N`` with N at or past the number of GPUs; None when the GPUs are unknown
    (an empty list: the plan already skips CUDA devices on a machine without CUDA).
    """
    index = cuda_index(device)
    if index is None or not gpus or index < len(gpus):
        return None
    return past_the_gpus(device, len(gpus), "CUDA_VISIBLE_DEVICES, else nvidia-smi")


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
    if len(gpus) < 2 or len(wanted) > n_workers or not (wanted or any_gpu):
        return [None] * n_workers
    order = wanted + ([k for k in range(len(gpus)) if k not in wanted] if any_gpu else [])
    return [order[i % len(order)] for i in range(n_workers)]


def local_device(device: Any, gpu: int | None) -> Any:
    """The device a job names, as a worker pinned to GPU index ``gpu`` must call it.

    ``cuda:N`` on the worker pinned to GPU N is ``cuda:0`` there (the GPU it sees first);
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


def job_on_worker(job: Job, gpu: int | None) -> Job:
    """``job`` as the worker pinned to GPU index ``gpu`` runs it: ``device: cuda:<gpu>``
    becomes ``cuda:0``, the GPU that worker sees first. Other jobs are returned as they are."""
    params = job.case.params
    device = params.get("device")
    local = local_device(device, gpu)
    if local == device:
        return job
    case = dataclasses.replace(job.case, params={**params, "device": local})
    return dataclasses.replace(job, case=case)


def record_as_run(record: Record, job: Job, gpu: int | None) -> None:
    """Undo :func:`job_on_worker` in ``job``'s record: its params say the device the suite
    asked for, and its device the GPU of the run it ran on (``cuda:<gpu>``, not the
    ``cuda:0`` the pinned worker saw)."""
    if gpu is None:
        return
    if "device" in job.case.params and "device" in record.params:
        record.params["device"] = job.case.params["device"]
    record.device = run_device(record.device, gpu)

"""What a run records about the machine it measures on, and how two machines differ.

:func:`capture_environment` describes the machine and software (versions, CPU, RAM, GPUs,
thread settings, load, git commit) for ``run.json``; :func:`prefetch_environment` starts
its slow parts early. :func:`environment_differences` is the part of ``compare`` that
says which of those properties differ between two runs (timings may move for them).
:data:`THREAD_VARS` and :func:`usable_cores` are the one definition of the thread
variables and of the cores this process may use.

Light to import: the standard library only (torch is asked only if something loaded it).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchsuite.runs import RunInfo

__all__ = [
    "THREAD_VARS",
    "EnvironmentDifference",
    "capture_environment",
    "environment_differences",
    "gpu_info",
    "load_average",
    "prefetch_environment",
    "thread_info",
    "usable_cores",
]

# read by OpenBLAS, MKL, OpenMP (scikit-learn, xgboost, lightgbm), Apple Accelerate and
# numexpr when their thread pools start: they must be set before those libraries load
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
# recorded with them: not a thread count, but OpenBLAS's choice of kernels moves timings
_RECORDED_VARS = (*THREAD_VARS, "OPENBLAS_CORETYPE")


def _affinity_cores() -> int | None:
    """Cores in this process's affinity mask; None where the OS has no such mask."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask), at least 1."""
    cores = _affinity_cores()
    return max(1, cores if cores is not None else (os.cpu_count() or 1))


_PACKAGES = (
    "benchsuite",
    "numpy",
    "scipy",
    "scikit-learn",
    "pandas",
    "xgboost",
    "lightgbm",
    "torch",
    "threadpoolctl",
    "pyyaml",
    "pydantic",
)


def _package_versions() -> dict[str, str | None]:
    return {name: _distribution_version(name) for name in _PACKAGES}


def _distribution_version(name: str) -> str | None:
    """``importlib.metadata.version(name)`` without its cost: the same ``Version`` field.

    ``metadata.version`` parses the whole METADATA file with the ``email`` package (torch's
    is 40 KB): 10-40 ms for the eleven packages a run records, for one header line each.
    The headers end at the first empty line; ``Version`` is never a folded header.
    """
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    # where Distribution.metadata looks, in its order (PKG-INFO: egg-info installs)
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or dist.read_text("")
    for line in (text or "").splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == "version":
            return value.strip()
    return dist.version  # unusual metadata: let importlib parse it


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _total_ram_gb() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 2)
    except (ValueError, OSError, AttributeError):
        return None


def _git_sha(cwd: Path) -> dict[str, Any] | None:
    # one `git status` gives both the commit (branch.oid) and the dirty flag (any entry
    # line; untracked files do not count): one process instead of rev-parse + status
    try:
        proc = subprocess.run(
            ["git", "status", "--porcelain=v2", "--branch", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:  # not a repository, or no git
        return None
    lines = proc.stdout.splitlines()
    sha = next((ln.split()[2] for ln in lines if ln.startswith("# branch.oid ")), None)
    if sha is None or sha == "(initial)":  # a repository without a commit has no HEAD
        return None
    head = next((ln.split(maxsplit=2)[2] for ln in lines if ln.startswith("# branch.head ")), None)
    return {
        "sha": sha,
        "branch": None if head in (None, "(detached)") else head,
        "dirty": any(not ln.startswith("#") for ln in lines if ln.strip()),
    }


MACHINE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def machine_key(environment: dict[str, Any]) -> str:
    """A short, stable name for the hardware a run measured on: ``hw-`` and 10 hex digits
    of a hash of the CPU model, its logical cores, the RAM (whole GiB) and the GPU models
    (each model once).

    Never the hostname: cloud CI gives every job a new one on the same kind of machine, and
    one host can change hardware. Computed from a ``run.json``'s recorded environment, so
    that runs older than the ``machine`` key get one too.

    Parameters
    ----------
    environment : dict
        :func:`capture_environment`'s result (``run.json``'s ``environment``).

    Returns
    -------
    str
    """
    cpu = environment.get("cpu") or {}
    ram = environment.get("ram_gb")
    hardware = {
        "cpu": cpu.get("model"),
        "cores": cpu.get("logical_cores"),
        "ram_gb": round(ram) if isinstance(ram, (int, float)) else None,
        # the models, not the count: a run that hides some GPUs (CUDA_VISIBLE_DEVICES) with
        # torch loaded lists fewer of them, on the same machine
        "gpus": sorted({str(g.get("name")) for g in environment.get("gpus") or []}),
    }
    digest = hashlib.sha256(json.dumps(hardware, sort_keys=True).encode()).hexdigest()
    return f"hw-{digest[:10]}"


def resolve_machine(name: str | None = None) -> str | None:
    """The machine name a run is asked to record: ``name`` (``--machine``), else
    ``BENCHSUITE_MACHINE``; None: the hardware key (:func:`machine_key`) will do.

    Raises
    ------
    BenchsuiteError
        A name that is not 1-64 letters, digits, ``.``, ``_`` or ``-``.
    """
    from benchsuite.errors import BenchsuiteError

    given = name if name is not None else os.environ.get("BENCHSUITE_MACHINE") or None
    if given is not None and not MACHINE_NAME.match(given):
        where = "--machine" if name is not None else "BENCHSUITE_MACHINE"
        raise BenchsuiteError(
            f"{where} {given!r}: a machine name is 1-64 letters, digits, '.', '_' or '-'"
            " (starting with a letter or digit)"
        )
    return given


def gpu_info(smi: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """GPUs of this machine: from torch if something imported it, else from nvidia-smi.

    Where NVML answers (the ``gpu`` extra, ``nvidia-ml-py``), each GPU also gets what it
    says: ``cuda_driver``, ``mig_mode``, current and maximum SM and memory clocks
    (``sm_clock_mhz``, ``mem_clock_mhz``, ``sm_clock_max_mhz``, ``mem_clock_max_mhz``),
    and the name, memory, driver and cuDNN (torch's, if loaded) where missing.
    Never imports torch just for this (seconds of start-up on a classic-only run).

    Parameters
    ----------
    smi : list of dict, optional
        What :func:`_nvidia_smi_gpus` returned, if already asked (default: ask now).
    """
    smi = _nvidia_smi_gpus() if smi is None else smi
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
        gpus = [
            {
                "name": torch.cuda.get_device_name(i),
                "memory_gb": round(torch.cuda.get_device_properties(i).total_memory / 2**30, 2),
                "capability": ".".join(map(str, torch.cuda.get_device_capability(i))),
                "driver": smi[i]["driver"] if i < len(smi) else None,
                "cuda": torch.version.cuda,
                "cudnn": cudnn,
            }
            for i in range(torch.cuda.device_count())
        ]
        return _with_nvml(gpus, by_cuda_index=True)
    return _with_nvml(smi, by_cuda_index=False)


def _with_nvml(gpus: list[dict[str, Any]], *, by_cuda_index: bool) -> list[dict[str, Any]]:
    """``gpus`` with what NVML adds (driver's CUDA version, MIG mode, clocks, ...).

    Without NVML (no ``nvidia-ml-py``, no driver) ``gpus`` is returned as it is. NVML's
    keys fill in only what ``gpus`` lacks. ``by_cuda_index``: ``gpus`` is in CUDA's order
    (torch), mapped to NVML's through ``CUDA_VISIBLE_DEVICES``; else in NVML's (nvidia-smi).
    """
    from benchsuite import _energy  # the standard library only; pynvml is asked lazily

    described = _energy.nvml_gpus()
    if not described:
        return gpus
    if not gpus:
        return described
    out = []
    for i, gpu in enumerate(gpus):
        j = _energy.nvml_index(i) if by_cuda_index else i
        extra = described[j] if isinstance(j, int) and 0 <= j < len(described) else {}
        merged = dict(gpu)
        for key, value in extra.items():
            if merged.get(key) is None:
                merged[key] = value
        out.append(merged)
    return out


def _nvidia_smi_gpus() -> list[dict[str, Any]]:
    """The GPUs ``nvidia-smi`` lists (name, memory, driver); [] without it."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    return [dict(gpu) for gpu in _query_nvidia_smi(exe)]


@functools.lru_cache(maxsize=4)
def _query_nvidia_smi(exe: str) -> tuple[dict[str, Any], ...]:
    # once per process and executable: the run's environment, the executors' GPU count
    # and the end-of-run GPU details each asked it (100+ ms a call on some machines)
    try:
        proc = subprocess.run(
            [exe, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    gpus = []
    for line in proc.stdout.splitlines() if proc.returncode == 0 else []:
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 3:
            continue
        name, memory_mib, driver = parts
        try:
            memory_gb: float | None = round(float(memory_mib) / 1024, 2)
        except ValueError:
            memory_gb = None
        gpus.append({"name": name, "memory_gb": memory_gb, "driver": driver})
    return tuple(gpus)


def thread_info() -> list[dict[str, Any]]:
    """BLAS/OpenMP thread pools loaded in this process (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [
        {k: p.get(k) for k in ("user_api", "internal_api", "num_threads", "version")}
        for p in threadpool_info()
    ]


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def capture_environment(*, cwd: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Describe the machine and software a run measures on.

    Returns
    -------
    dict
        ``python``, ``platform``, ``packages`` (versions, without importing them), ``cpu``
        (model, logical cores, cores usable by this process), ``ram_gb``, ``env_threads``
        (the :data:`THREAD_VARS` that are set, and ``OPENBLAS_CORETYPE``), ``gpus`` (if
        torch is loaded and sees CUDA),
        ``git`` (sha and dirty flag of ``cwd``'s repository, if any), ``hostname``,
        ``load_average`` (other processes competing for the CPU distort timings).
    """
    cwd = Path(cwd) if cwd is not None else Path.cwd()
    waited = _prefetched(cwd)
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "hostname": platform.node(),
        "packages": _package_versions(),
        "cpu": {
            "model": _cpu_model(),
            "logical_cores": os.cpu_count(),
            "usable_cores": _affinity_cores(),
        },
        "ram_gb": _total_ram_gb(),
        "env_threads": {k: os.environ[k] for k in _RECORDED_VARS if k in os.environ},
        "gpus": gpu_info(waited.get("smi")),
        "load_average": load_average(),
        "git": waited["git"] if "git" in waited else _git_sha(cwd),
    }


# the parts of capture_environment that wait for other programs, started early by
# prefetch_environment: (resolved cwd, thread, results)
_PREFETCH: list[tuple[Path, threading.Thread, dict[str, Any]]] = []


def prefetch_environment(cwd: str | os.PathLike[str] | None = None) -> None:
    """Start the slow parts of :func:`capture_environment` in a background thread.

    Three of them wait on other programs: ``git status`` (the commit of ``cwd``),
    ``nvidia-smi`` (the GPUs; slow where it has to load the driver's library first) and
    ``uname -p``, which :func:`platform.platform` runs once per process. A
    thread waiting on a child process holds no GIL, so the command line starts them
    before it imports scikit-learn and validates the suite, and the run's start no longer
    waits for them. :func:`capture_environment` with the same ``cwd`` joins the thread and
    uses its answers; what the run records is the same.

    Parameters
    ----------
    cwd : path-like, optional
        The folder whose git commit a run records (the suite file's folder).
    """
    where = Path(cwd) if cwd is not None else Path.cwd()
    results: dict[str, Any] = {}

    def work() -> None:
        try:
            platform.platform()  # cached by the platform module; capture reads it there
            results["git"] = _git_sha(where)
            results["smi"] = _nvidia_smi_gpus()
        except Exception:  # noqa: BLE001 - capture_environment asks again for what is missing
            pass

    thread = threading.Thread(target=work, name="benchsuite-environment", daemon=True)
    thread.start()
    _PREFETCH.append((where.resolve(), thread, results))


def _prefetched(cwd: Path) -> dict[str, Any]:
    """The results of :func:`prefetch_environment` for ``cwd`` (waiting for them), or {}."""
    try:
        key = cwd.resolve()
    except OSError:
        return {}
    for i, (where, thread, results) in enumerate(_PREFETCH):
        if where == key:
            del _PREFETCH[i]  # used once: a later capture asks again
            thread.join(timeout=30)
            return dict(results) if not thread.is_alive() else {}
    return {}


# --------------------------------------------------------------------------------------
# Differences between two runs' environments (for compare)
# --------------------------------------------------------------------------------------


@dataclass
class EnvironmentDifference:
    """One environment property that differs between the runs (``cpu``, ``numpy``, ...)."""

    what: str
    base: str
    current: str


def _env_view(info: RunInfo) -> dict[str, str]:
    """The environment properties that explain timings, flattened to strings."""
    env = info.environment
    out: dict[str, str] = {}
    cpu = env.get("cpu") or {}
    if cpu:
        out["cpu"] = str(cpu.get("model"))
        out["cpu cores"] = f"{cpu.get('logical_cores')} (usable {cpu.get('usable_cores')})"
    if env.get("ram_gb") is not None:
        out["ram_gb"] = str(env.get("ram_gb"))
    if "gpus" in env:
        out["gpus"] = ", ".join(str(g.get("name")) for g in env.get("gpus") or []) or "none"
    for key in ("python", "platform"):
        if env.get(key):
            out[key] = str(env[key])
    for name, version in (env.get("packages") or {}).items():
        out[name] = str(version)
    # a run.json that captured the environment also says how threads were set (None:
    # the libraries' own choice); a run without one knows neither
    if env:
        out["thread variables"] = (
            ", ".join(f"{k}={v}" for k, v in sorted((env.get("env_threads") or {}).items()))
            or "unset"
        )
        out["--threads"] = str(info.threads)
    if env.get("torch_threads") is not None:
        out["torch threads"] = str(env["torch_threads"])
    if info.threadpools:
        out["BLAS/OpenMP pools"] = ", ".join(
            sorted({f"{p.get('internal_api')}:{p.get('num_threads')}" for p in info.threadpools})
        )
    if info.executor:
        out["executor"] = str(info.executor)
    return out


def environment_differences(base: RunInfo, current: RunInfo) -> list[EnvironmentDifference]:
    """Properties of two runs' ``run.json`` that differ: CPU, GPUs, package versions,
    thread settings, executor.

    Parameters
    ----------
    base, current : RunInfo

    Returns
    -------
    list of EnvironmentDifference
        Only properties known on both sides are compared.
    """
    b, c = _env_view(base), _env_view(current)
    return [EnvironmentDifference(k, b[k], c[k]) for k in b if k in c and b[k] != c[k]]

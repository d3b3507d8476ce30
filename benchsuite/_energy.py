"""Energy a job used: its GPU's (NVML) and the CPU packages' (RAPL), where readable.

:class:`EnergyMeter` reads two counters before and after the measured code:

- GPU: NVML's total-energy counter of the job's GPU (``nvmlDeviceGetTotalEnergyConsumption``,
  millijoules since the driver loaded; Volta and newer), through ``pynvml`` from the
  optional ``gpu`` extra (``nvidia-ml-py``). NVML is initialised once per process; when
  it is missing or fails, that answer is kept and every job's ``energy_j`` is None, with
  one debug log line per process, no warning per job.
- CPU: the Linux powercap RAPL counters of the CPU packages
  (``/sys/class/powercap/intel-rapl:N/energy_uj``, microjoules, also on AMD), summed
  over packages, a wrap-around of a counter corrected with its ``max_energy_range_uj``.
  Since Linux 5.10 these files are readable by root only: then ``cpu_energy_j`` is None.

Both counters are of the whole device: other processes using the GPU or the CPU at the
same time count too. Light to import: the standard library only (pynvml is imported on
first use).
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path
from typing import Any

__all__ = ["EnergyMeter", "cpu_energy_uj", "nvml", "nvml_index", "read_gpu_energy_mj"]

log = logging.getLogger(__name__)

# the powercap tree; tests point it at a fake one
POWERCAP_ROOT = Path("/sys/class/powercap")

# NVML state of this process: None until first asked, then the pynvml module or False
_NVML: Any = None


def nvml() -> Any:
    """The initialised ``pynvml`` module, or None where NVML is missing or fails.

    Initialised once per process; a failure is remembered (and logged once, at debug
    level), so later calls cost nothing and say nothing.
    """
    global _NVML
    if _NVML is None:
        try:
            import pynvml

            pynvml.nvmlInit()
            _NVML = pynvml
        except Exception as exc:  # noqa: BLE001 - ImportError, NVMLError, a broken driver
            log.debug("NVML unavailable, no GPU energy or details: %s", exc)
            _NVML = False
    return _NVML or None


def nvml_index(cuda_index: int) -> int | str | None:
    """The NVML device of CUDA device ``cuda_index``: an index, a UUID, or None if unknown.

    CUDA numbers the devices that ``CUDA_VISIBLE_DEVICES`` lists, in its order; NVML
    numbers all of the machine's. Without the variable both agree; a MIG instance
    (``MIG-...``) has no energy counter of its own: None.
    """
    from benchsuite._gpus import cuda_visible_devices

    entries = cuda_visible_devices()
    if entries is None:
        return cuda_index
    if not 0 <= cuda_index < len(entries):
        return None
    entry = entries[cuda_index]
    if entry.isdigit():
        return int(entry)
    if entry.startswith("GPU-"):
        return entry
    return None


def _handle(lib: Any, device: int | str) -> Any:
    if isinstance(device, str):
        return lib.nvmlDeviceGetHandleByUUID(device)
    return lib.nvmlDeviceGetHandleByIndex(device)


def read_gpu_energy_mj(cuda_index: int | None) -> int | None:
    """NVML's total-energy counter (mJ) of CUDA device ``cuda_index``; None if unreadable."""
    if cuda_index is None:
        return None
    lib = nvml()
    device = nvml_index(cuda_index)
    if lib is None or device is None:
        return None
    try:
        return int(lib.nvmlDeviceGetTotalEnergyConsumption(_handle(lib, device)))
    except Exception:  # noqa: BLE001 - not supported on this GPU, device lost, ...
        return None


def _read_int(path: Path) -> int:
    return int(path.read_text().strip())


@functools.lru_cache(maxsize=4)
def _rapl_packages(root: Path) -> tuple[Path, ...]:
    """The package domains under ``root``, looked up once per process (read twice a job)."""
    return tuple(sorted(p for p in root.glob("intel-rapl:*") if p.name.count(":") == 1))


def cpu_energy_uj() -> list[tuple[int, int]] | None:
    """(energy_uj, max_energy_range_uj) of each RAPL package domain; None if unreadable.

    Package domains are ``intel-rapl:N`` (their subdomains ``intel-rapl:N:M``, core and
    uncore, are parts of the package and not added).
    """
    try:
        packages = _rapl_packages(POWERCAP_ROOT)
        if not packages:
            return None
        return [
            (_read_int(p / "energy_uj"), _read_int(p / "max_energy_range_uj")) for p in packages
        ]
    except (OSError, ValueError):  # no powercap, files for root only (Linux >= 5.10)
        return None


def _uj_between(start: list[tuple[int, int]], stop: list[tuple[int, int]]) -> int | None:
    if len(start) != len(stop):
        return None
    total = 0
    for (before, _), (after, max_range) in zip(start, stop, strict=True):
        delta = after - before
        if delta < 0:  # the counter wrapped around (once: jobs are far shorter than a wrap)
            delta += max_range
        total += delta
    return total


class EnergyMeter:
    """Energy used between :meth:`start` and :meth:`stop`, or inside a ``with`` block.

    Parameters
    ----------
    cuda_index : int or None
        The job's CUDA device (as torch numbers it); None for a job off the GPU: no GPU
        energy is read.
    """

    def __init__(self, cuda_index: int | None) -> None:
        self.cuda_index = cuda_index
        self.energy_j: float | None = None
        self.cpu_energy_j: float | None = None
        self._gpu0: int | None = None
        self._cpu0: list[tuple[int, int]] | None = None

    def start(self) -> None:
        self._gpu0 = read_gpu_energy_mj(self.cuda_index)
        self._cpu0 = cpu_energy_uj()

    def stop(self) -> tuple[float | None, float | None]:
        """Returns ``(energy_j, cpu_energy_j)``: the GPU's and the CPU packages' joules."""
        if self._gpu0 is not None:
            gpu1 = read_gpu_energy_mj(self.cuda_index)
            if gpu1 is not None and gpu1 >= self._gpu0:
                self.energy_j = round((gpu1 - self._gpu0) / 1e3, 3)
        if self._cpu0 is not None:
            cpu1 = cpu_energy_uj()
            uj = _uj_between(self._cpu0, cpu1) if cpu1 is not None else None
            if uj is not None:
                self.cpu_energy_j = round(uj / 1e6, 6)
        return self.energy_j, self.cpu_energy_j

    def __enter__(self) -> EnergyMeter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _torch_cudnn() -> Any:
    """cuDNN version from torch if something imported torch, else None."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        return torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    except Exception:  # noqa: BLE001
        return None


def nvml_gpus() -> list[dict[str, Any]]:
    """The machine's GPUs as NVML describes them, in NVML's order; [] without NVML.

    Each: ``name``, ``memory_gb``, ``driver``, ``cuda_driver`` (the CUDA version the
    driver supports), ``mig_mode`` (True/False; None where the GPU has no MIG), the
    current and maximum SM and memory clocks (MHz), and ``cudnn`` if torch is loaded.
    A value NVML does not give is None.
    """
    lib = nvml()
    if lib is None:
        return []

    def ask(fn: str, *args: Any) -> Any:
        try:
            value = getattr(lib, fn)(*args)
        except Exception:  # noqa: BLE001 - not supported on this GPU / driver
            return None
        return value.decode() if isinstance(value, bytes) else value

    try:
        count = int(lib.nvmlDeviceGetCount())
    except Exception:  # noqa: BLE001
        return []
    driver = ask("nvmlSystemGetDriverVersion")
    cuda = ask("nvmlSystemGetCudaDriverVersion_v2") or ask("nvmlSystemGetCudaDriverVersion")
    cuda_driver = f"{cuda // 1000}.{cuda % 1000 // 10}" if isinstance(cuda, int) else None
    cudnn = _torch_cudnn()
    sm, mem = getattr(lib, "NVML_CLOCK_SM", 1), getattr(lib, "NVML_CLOCK_MEM", 2)
    gpus = []
    for i in range(count):
        h = ask("nvmlDeviceGetHandleByIndex", i)
        if h is None:
            continue
        memory = ask("nvmlDeviceGetMemoryInfo", h)
        total = getattr(memory, "total", None)
        mig = ask("nvmlDeviceGetMigMode", h)
        gpus.append(
            {
                "name": ask("nvmlDeviceGetName", h),
                "memory_gb": round(total / 2**30, 2) if total is not None else None,
                "driver": driver,
                "cuda_driver": cuda_driver,
                "cudnn": cudnn,
                "mig_mode": bool(mig[0]) if isinstance(mig, (list, tuple)) and mig else None,
                "sm_clock_mhz": ask("nvmlDeviceGetClockInfo", h, sm),
                "mem_clock_mhz": ask("nvmlDeviceGetClockInfo", h, mem),
                "sm_clock_max_mhz": ask("nvmlDeviceGetMaxClockInfo", h, sm),
                "mem_clock_max_mhz": ask("nvmlDeviceGetMaxClockInfo", h, mem),
            }
        )
    return gpus

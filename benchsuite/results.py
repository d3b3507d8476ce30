"""Records: the schema of one job's result, and the JSONL file a run appends them to.

A run writes ``records.jsonl``, one JSON line per job (case x fold x repeat), appended and
flushed the moment it is measured, so an interrupted run keeps every finished measurement
(the run folder around it, with its ``run.json``, is :mod:`benchsuite.runs`). This module
reads and repairs such files, upgrades older records, and exports records as a table
(Parquet, CSV) for pandas or DuckDB.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchsuite.errors import BenchsuiteError

SCHEMA_VERSION = 1
STATUSES = ("ok", "error", "timeout", "skipped")


@dataclass
class Record:
    """The record of one job (a case on one fold and repeat), as stored in ``records.jsonl``.

    Attributes
    ----------
    schema_version : int
    run_id, suite : str
    dataset, dataset_fingerprint : str
        The dataset's suite name and a hash of its loaded content ("" if it never loaded).
    estimator, model : str
        The estimator's suite name and the class actually used (``module:Class``).
    params : dict
        Parameters passed to the final estimator (benchsuite defaults + suite params +
        derived ``random_state``).
    case_key, config_hash : str
        ``"dataset/estimator[k=v]"`` and a hash of what defines the case's numbers.
    task : str
    evaluation : str
        ``"cv=5"`` or ``"holdout=0.2"``.
    fold, n_folds, repeat : int
    random_state : int or None
    n_train, n_test : int or None
    device : str
    status : {"ok", "error", "timeout", "skipped"}
    error : str or None
        One line: the exception, or the skip reason.
    metrics : dict of str to float
    fit_time_s, predict_time_s : float or None
    peak_rss_mb, rss_delta_mb : float or None
    peak_gpu_mb : float or None
        Peak ``torch.cuda.max_memory_allocated`` of the job's GPU during fit and predict
        (MiB); None for a job that did not run on a GPU (or whose memory torch cannot see).
    peak_gpu_reserved_mb : float or None
        Peak ``torch.cuda.max_memory_reserved`` of the job's GPU (MiB): tensors plus the
        caching allocator's cache; None like ``peak_gpu_mb``. Absent from older records.
    energy_j : float or None
        Joules the job's GPU used over fit and predict (NVML); None off the GPU, without
        NVML, and in older records.
    cpu_energy_j : float or None
        Joules the CPU packages used over fit and predict (RAPL); None where unreadable.
    epochs_run : int or None
        Deep models: epochs trained (early stopping may end before ``epochs``).
    time_per_epoch_s : float or None
        Deep models: median wall time of the training epochs after the first (the first
        alone when only one ran). Records written before ``first_epoch_s`` existed hold
        the mean of every epoch.
    first_epoch_s : float or None
        Deep models: wall time of the first epoch, which carries one-off costs (kernel
        loading, allocator growth, autotuning). Absent from older records.
    loss_curve : list of float
        Deep models: training loss after each epoch.
    h2d_time_s : float or None
        Deep models: time to copy the training data to the device (inside ``fit_time_s``).
    time_to_target_s : float or None
        With a suite ``target``: training time (copy + epochs, without the per-epoch
        scoring) until the test fold first reached it; None if it never did.
    target_epoch : int or None
        The epoch at which the target was reached.
    target : dict of str to float or None
        ``{metric: threshold}`` the model's test fold was scored against after each epoch
        (a suite ``target`` and a model that can watch); with ``time_to_target_s`` None it
        means "not reached". None without a target. Absent from older records.
    warnings : list of str
    started_at : str
        ISO 8601 UTC time the measurement started.
    threads : int or None
        BLAS/OpenMP/torch threads the job was pinned to (``--threads``, or the share of
        the cores of each parallel worker); None: the libraries' own choice.
    worker : str or None
        Where it ran, for isolating executors: ``"process <pid>"`` or a Dask worker's
        address; None in-process.
    settings : dict or None
        Deep models: the numeric settings in effect during fit (the torch models'
        ``settings_``): ``amp`` really used, ``channels_last``, ``tf32`` (``{"matmul",
        "cudnn"}`` flags on CUDA), ``cudnn_benchmark``, ``deterministic``, ``batch_size``,
        ``predict_batch_size``; a setting that does not apply on the device is None.
        None for other models and in records written before it existed.
    compile_time_s : float or None
        Torch models with ``compile``: seconds spent compiling before the first epoch
        (inside ``fit_time_s``); None otherwise and in older records.
    warmup_s : float or None
        Torch models: seconds of the untimed warm-up before the clock (a one-epoch clone
        fitted on one batch, one predict batch), outside ``fit_time_s``; None for other
        models and in older records.
    inference : list of dict or None
        With a suite ``inference`` block, for the jobs that measure it: one entry per
        batch size, ``{batch_size, method, n_calls, median_s, p90_s, p99_s, iqr_s, min_s,
        throughput_per_s, device, replacement, device_resident, sample_s}``
        (:data:`benchsuite.inference.ENTRY_FIELDS`, see :mod:`benchsuite.inference`); None
        otherwise.
    """

    run_id: str
    suite: str
    dataset: str
    estimator: str
    case_key: str
    status: str
    model: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    config_hash: str = ""
    dataset_fingerprint: str = ""
    task: str = ""
    evaluation: str = ""
    fold: int = 0
    n_folds: int = 0
    repeat: int = 0
    random_state: int | None = None
    n_train: int | None = None
    n_test: int | None = None
    device: str = "cpu"
    error: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    fit_time_s: float | None = None
    predict_time_s: float | None = None
    peak_rss_mb: float | None = None
    rss_delta_mb: float | None = None
    peak_gpu_mb: float | None = None
    epochs_run: int | None = None
    time_per_epoch_s: float | None = None
    loss_curve: list[float] = field(default_factory=list)
    h2d_time_s: float | None = None
    time_to_target_s: float | None = None
    target_epoch: int | None = None
    warnings: list[str] = field(default_factory=list)
    started_at: str = ""
    # optional fields added without a schema bump: older records read with the defaults
    threads: int | None = None
    worker: str | None = None
    peak_gpu_reserved_mb: float | None = None
    energy_j: float | None = None
    cpu_energy_j: float | None = None
    first_epoch_s: float | None = None
    target: dict[str, float] | None = None
    settings: dict[str, Any] | None = None
    compile_time_s: float | None = None
    warmup_s: float | None = None
    inference: list[dict[str, Any]] | None = None
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        data = upgrade_record(dict(data))
        return cls(**{k: v for k, v in data.items() if k in _RECORD_FIELDS})


# Record's field names, listed once: from_dict runs once per line of records.jsonl
_RECORD_FIELDS = frozenset(f.name for f in dataclasses.fields(Record))


def upgrade_record(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older record dict to :data:`SCHEMA_VERSION` (``update_to_N`` steps)."""
    version = data.get("schema_version", 1)
    if version > SCHEMA_VERSION:
        raise BenchsuiteError(
            f"record schema version {version} is newer than this benchsuite understands"
            f" ({SCHEMA_VERSION}); upgrade benchsuite"
        )
    return data


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def group_by_case(records: Iterable[Record]) -> dict[str, list[Record]]:
    """Records grouped by ``case_key``: cases in the order first seen, records in order."""
    groups: dict[str, list[Record]] = {}
    for rec in records:
        groups.setdefault(rec.case_key, []).append(rec)
    return groups


def record_lines(path: Path) -> list[str]:
    """The lines of a records file, without the blank ones at its end.

    Raises
    ------
    BenchsuiteError
        The file is missing, unreadable or not UTF-8 text (one line naming it).
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise BenchsuiteError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise BenchsuiteError(f"{path}: not a records file (not UTF-8 text)") from None
    except OSError as exc:
        raise BenchsuiteError(f"{path}: cannot read ({exc.strerror or exc})") from None
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def read_records(
    path: str | os.PathLike[str], *, on_warning: Callable[[str], None] | None = None
) -> list[Record]:
    """Read the records of a run folder or a ``records.jsonl`` file.

    Parameters
    ----------
    path : path-like
        A run folder (holding ``records.jsonl``) or a records file.
    on_warning : callable, optional
        Called with a one-line message when a truncated last line (a run killed mid-write)
        is skipped; by default that message is issued as a :class:`RecordsWarning`.

    Returns
    -------
    list of Record
        In file order; empty for an empty file.

    Raises
    ------
    BenchsuiteError
        The file is missing or unreadable, or a line other than the last is not a record.
    """
    path = Path(path)
    if path.is_dir():
        from benchsuite.runs import RECORDS_FILE  # the run folder's layout lives there

        path = path / RECORDS_FILE
    lines = record_lines(path)
    records = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            records.append(parse_record_line(line))
        except (json.JSONDecodeError, TypeError, ValueError) as exc:
            if i == len(lines) - 1 and isinstance(exc, json.JSONDecodeError):
                message = f"{path}:{i + 1}: skipped a truncated last line (a run killed mid-write?)"
                if on_warning is not None:
                    on_warning(message)
                else:
                    warnings.warn(message, RecordsWarning, stacklevel=2)
                break
            raise BenchsuiteError(f"{path}:{i + 1}: not a valid record ({exc})") from None
    return records


def parse_record_line(line: str) -> Record:
    """One line of ``records.jsonl`` as a Record.

    Raises
    ------
    json.JSONDecodeError, TypeError, ValueError
        The line is not JSON, not a JSON object, or not a record.
    """
    data = json.loads(line)
    if not isinstance(data, dict):
        raise TypeError(f"a JSON {type(data).__name__}, not an object")
    return Record.from_dict(data)


def repair_records(path: str | os.PathLike[str]) -> str | None:
    """Make a records file valid JSONL again after a run died mid-write.

    A run killed (``SIGKILL``, power loss, full disk) while writing a record leaves at most
    one incomplete last line. If that line is a whole record missing only its newline, the
    newline is added; otherwise the line is cut off. Earlier lines are never touched.

    Parameters
    ----------
    path : path-like
        A ``records.jsonl`` file (a missing file is left missing).

    Returns
    -------
    str or None
        A one-line description of what was repaired, or None if nothing was needed.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if not data or data.endswith(b"\n"):
        return None
    cut = data.rfind(b"\n") + 1
    tail = data[cut:]
    try:
        complete = isinstance(json.loads(tail.decode("utf-8")), dict)
    except (UnicodeDecodeError, ValueError):
        complete = False
    with open(path, "r+b") as fh:
        if complete:
            fh.seek(0, os.SEEK_END)
            fh.write(b"\n")
            return None
        fh.truncate(cut)
    line = data.count(b"\n") + 1
    return (
        f"{path}:{line}: removed a truncated last line ({len(tail)} bytes) left by an"
        " interrupted run"
    )


class RecordsWarning(UserWarning):
    """Something in a records file was skipped (a truncated last line)."""


# --------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------


# the inference figures records_frame spreads into columns of their own, per batch size
_INFERENCE_COLUMNS = ("median_s", "p90_s", "p99_s", "throughput_per_s", "n_calls")


def records_frame(records: list[Record], *, flat_lists: bool = False):
    """Records as a pandas DataFrame: one row per record, ``metrics.<name>`` columns.

    ``params`` and ``target`` are stored as JSON strings (values of differing types from case
    to case); ``loss_curve``, ``warnings`` and ``inference`` stay lists, or JSON strings with
    ``flat_lists=True`` (for CSV). Inference figures also get a column each per batch size,
    ``inference.b<size>.<median_s|p90_s|p99_s|throughput_per_s|n_calls>``, for analysis.
    """
    import pandas as pd

    rows = []
    for rec in records:
        row = rec.to_dict()
        metrics = row.pop("metrics") or {}
        row["params"] = json.dumps(row["params"], sort_keys=True, default=str)
        if row["target"] is not None:  # {metric: threshold}: a JSON string, as params
            row["target"] = json.dumps(row["target"], sort_keys=True)
        if row.get("settings") is not None:  # nested and mixed types, as params
            row["settings"] = json.dumps(row["settings"], sort_keys=True, default=str)
        for entry in row.get("inference") or ():
            for key in _INFERENCE_COLUMNS:
                row[f"inference.b{entry['batch_size']}.{key}"] = entry.get(key)
        if flat_lists:
            row["loss_curve"] = json.dumps(row["loss_curve"])
            row["warnings"] = json.dumps(row["warnings"])
            if row.get("inference") is not None:
                row["inference"] = json.dumps(row["inference"])
        for name, value in metrics.items():
            row[f"metrics.{name}"] = value
        rows.append(row)
    return pd.DataFrame(rows)


def export_records(
    records: list[Record],
    *,
    parquet: str | os.PathLike[str] | None = None,
    csv: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Write records to a Parquet and/or CSV file; returns the paths written.

    Raises
    ------
    BenchsuiteError
        Parquet without pyarrow installed, or a file that cannot be written.
    """
    written = []
    if parquet is not None:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise BenchsuiteError(
                "--parquet needs pyarrow: pip install 'benchsuite[parquet]' (or use --csv FILE)"
            ) from None
        frame = records_frame(records)
        try:
            frame.to_parquet(parquet, index=False)
        except OSError as exc:
            raise BenchsuiteError(f"{parquet}: cannot write ({exc.strerror or exc})") from None
        written.append(Path(parquet))
    if csv is not None:
        frame = records_frame(records, flat_lists=True)
        try:
            frame.to_csv(csv, index=False)
        except OSError as exc:
            raise BenchsuiteError(f"{csv}: cannot write ({exc.strerror or exc})") from None
        written.append(Path(csv))
    return written

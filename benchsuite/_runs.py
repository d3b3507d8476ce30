"""Finding runs on disk, loading them, and exporting their records as tables.

A *run* is a folder ``<output>/<suite>/<run-id>/`` holding ``records.jsonl`` and (normally)
``run.json``. Commands that take a run accept that folder, its ``records.jsonl`` file, or a
folder above it (``results/baseline``): when such a folder holds several runs, the latest is
used, and the caller is told which.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchsuite.errors import BenchsuiteError
from benchsuite.results import Record, read_records

RECORDS_FILE = "records.jsonl"
RUN_FILE = "run.json"
_MAX_DEPTH = 3  # results/ -> <suite>/ -> <run-id>/ -> records.jsonl


@dataclass
class RunInfo:
    """A run found on disk (``run.json`` read, records not yet).

    Attributes
    ----------
    path : Path
        The run folder.
    records_path : Path
    info : dict
        ``run.json`` (empty when the file is missing or unreadable).
    """

    path: Path
    records_path: Path
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return str(self.info.get("run_id") or self.path.name)

    @property
    def suite(self) -> str | None:
        return self.info.get("suite")

    @property
    def started_at(self) -> str:
        return str(self.info.get("started_at") or "")

    @property
    def git_sha(self) -> str | None:
        git = (self.info.get("environment") or {}).get("git") or {}
        sha = git.get("sha")
        if not sha:
            return None
        return sha[:10] + ("+dirty" if git.get("dirty") else "")

    @property
    def rows_without_target(self) -> dict[str, int]:
        """Rows dropped from each file dataset for having no target value (``run.json``
        ``rows_without_target``; datasets that lost none are absent)."""
        dropped = self.info.get("rows_without_target") or {}
        return {str(name): int(n) for name, n in dropped.items()}

    def sort_key(self) -> tuple[str, str, float]:
        """Latest last: start time from ``run.json``, then the time-stamped run id, then mtime."""
        try:
            mtime = self.records_path.stat().st_mtime
        except OSError:
            mtime = 0.0
        return (self.started_at, self.run_id, mtime)


@dataclass
class Run:
    """A loaded run: its records and ``run.json``.

    Attributes
    ----------
    path : Path
        The run folder (or the folder of a bare records file).
    records : list of Record
    info : dict
        ``run.json``; empty if there was none.
    note : str or None
        How the run was chosen, when ``path`` held several (``"... using the latest ..."``).
    """

    path: Path
    records: list[Record]
    info: dict[str, Any] = field(default_factory=dict)
    note: str | None = None

    @property
    def run_id(self) -> str:
        ids = {r.run_id for r in self.records[:1]}
        return str(self.info.get("run_id") or (ids.pop() if ids else self.path.name))

    @property
    def suite(self) -> str | None:
        return self.info.get("suite") or (self.records[0].suite if self.records else None)


def _read_info(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def find_runs(root: str | os.PathLike[str]) -> list[RunInfo]:
    """Every run folder at or below ``root`` (three levels at most), oldest first.

    Raises
    ------
    BenchsuiteError
        ``root`` does not exist.
    """
    root = Path(root)
    if not root.exists():
        raise BenchsuiteError(f"{root}: no such file or folder")
    if root.is_file():
        return [RunInfo(root.parent, root, _read_info(root.parent / RUN_FILE))]
    found: list[RunInfo] = []

    def walk(folder: Path, depth: int) -> None:
        records = folder / RECORDS_FILE
        if records.is_file():
            found.append(RunInfo(folder, records, _read_info(folder / RUN_FILE)))
            return
        if depth >= _MAX_DEPTH:
            return
        try:
            children = sorted(p for p in folder.iterdir() if p.is_dir())
        except OSError as exc:
            raise BenchsuiteError(f"{folder}: cannot list ({exc.strerror or exc})") from None
        for child in children:
            if not child.name.startswith("."):
                walk(child, depth + 1)

    walk(root, 0)
    return sorted(found, key=RunInfo.sort_key)


def resolve_run(path: str | os.PathLike[str], *, suite: str | None = None) -> tuple[RunInfo, str]:
    """The run ``path`` names: a records file, a run folder, or the latest run below a folder.

    Parameters
    ----------
    path : path-like
    suite : str, optional
        Prefer runs of this suite when ``path`` holds runs of several.

    Returns
    -------
    run : RunInfo
    note : str or None
        Set when ``path`` held several runs and one was picked.
    """
    runs = find_runs(path)
    if not runs:
        raise BenchsuiteError(
            f"{path}: no run found (expected a run folder with {RECORDS_FILE}, a records file,"
            f" or a folder of runs such as results/<suite>/<run-id>/)"
        )
    if len(runs) == 1:
        return runs[0], None
    pool = runs
    if suite is not None:
        same = [r for r in runs if r.suite == suite]
        pool = same or runs
    chosen = pool[-1]
    of = f" of suite '{suite}'" if suite is not None and pool is not runs else ""
    note = f"{path} holds {len(pool)} runs{of}; using the latest, {chosen.path}" + (
        f" (started {chosen.started_at})" if chosen.started_at else ""
    )
    return chosen, note


def load_run(
    path: str | os.PathLike[str],
    *,
    suite: str | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Run:
    """Resolve ``path`` (see :func:`resolve_run`) and read its records and ``run.json``.

    Raises
    ------
    BenchsuiteError
        Nothing found, unreadable records, or no records at all.
    """
    found, note = resolve_run(path, suite=suite)
    records = read_records(found.records_path, on_warning=on_warning)
    if not records:
        raise BenchsuiteError(f"{found.records_path}: no records (an empty or aborted run?)")
    return Run(path=found.path, records=records, info=found.info, note=note)


# --------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------


def records_frame(records: list[Record], *, flat_lists: bool = False):
    """Records as a pandas DataFrame: one row per record, ``metrics.<name>`` columns.

    ``params`` is stored as a JSON string (its values differ in type from case to case);
    ``loss_curve`` and ``warnings`` stay lists, or JSON strings with ``flat_lists=True``
    (for CSV).
    """
    import pandas as pd

    rows = []
    for rec in records:
        row = rec.to_dict()
        metrics = row.pop("metrics") or {}
        row["params"] = json.dumps(row["params"], sort_keys=True, default=str)
        if flat_lists:
            row["loss_curve"] = json.dumps(row["loss_curve"])
            row["warnings"] = json.dumps(row["warnings"])
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

"""The history index: per run, the per-case aggregates a history needs, kept beside the runs.

Reading 1,000 ``records.jsonl`` files on every ``benchsuite history`` call would take
seconds; the index keeps what the history needs of each run in one Parquet file,
``DIR/.benchsuite-history.parquet``, and is brought up to date on each call:

- a run folder is re-read only when its ``run.json`` or ``records.jsonl`` changed (size,
  ``mtime_ns`` and inode of each, its *signature*: a file replaced by another, as a resume
  rewrites ``records.jsonl``, has a new inode even where the file system's clock is too
  coarse to change its ``mtime_ns``); new run folders are read, folders gone are
  dropped. The run folders stay the source of truth: deleting the index loses nothing.
- one row per run x case x quantity: ``run`` (the run's position in the index's run
  list), ``case_key``, ``quantity``, ``value`` (median over the case's ``ok`` jobs),
  ``low``/``high`` (min/max), ``n`` (jobs). Each run's bookkeeping (folder relative to
  DIR, signature, run id, suite, machine key, start time, status, commit, branch, dirty,
  each case's config hash and dataset fingerprint, or the one-line reason it could not be
  read) is JSON in the file's schema metadata,
  beside :data:`INDEX_VERSION`.
- a file of another version, or one that cannot be read, is rebuilt from the run folders
  (never an error); it is written to a temporary file and moved into place with
  :func:`os.replace`, so two processes updating it at once never leave a torn file (the
  last one wins, and both are complete). A folder that cannot be written to is read
  without writing the index.
- without pyarrow there is no index: every run is read on each call (the caller is told
  once).

Which runs count: every run folder (a folder holding ``records.jsonl``, three levels
below DIR at most, as :func:`benchsuite.runs.find_runs` finds them) with a readable
``run.json``. Completed runs and partial ones (``interrupted``, ``failed``, or still
``running`` / killed) are all read with the ``ok`` records they hold; partial ones are
marked (:attr:`RunEntry.partial`). A resumed run is one run: the records that remain in its
``records.jsonl`` (the superseded ones were moved to ``superseded.jsonl``).

Quantities per case: ``metric:<name>`` for each metric recorded, ``fit_time_s``,
``predict_time_s``, ``peak_rss_mb``, and for inference measurements
``inference:<batch>:median_s`` and ``inference:<batch>:throughput_per_s``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchsuite.errors import BenchsuiteError
from benchsuite.results import record_lines, upgrade_record
from benchsuite.runs import RECORDS_FILE, RUN_FILE, read_run_info, run_folders

__all__ = [
    "INDEX_FILE",
    "INDEX_VERSION",
    "Aggregate",
    "Index",
    "RunEntry",
    "aggregate_records",
    "case_definitions",
    "load_index",
    "read_record_dicts",
]

INDEX_FILE = ".benchsuite-history.parquet"
#: Bumped whenever what the index holds changes: a file of another version is rebuilt.
INDEX_VERSION = 2
_META_KEY = b"benchsuite-history"
_PARTIAL = ("interrupted", "failed", "running")

# (case_key, quantity, value, low, high, n)
Aggregate = tuple[str, str, float, float, float, int]


@dataclass
class RunEntry:
    """What the index knows of one run folder.

    Attributes
    ----------
    folder : str
        The run folder, relative to the index's root (``"."`` for the root itself).
    signature : list of int
        Size, ``mtime_ns`` and inode of ``run.json`` and of ``records.jsonl`` when read (-1
        for a missing file): the folder is read again when it differs.
    run_id, suite, machine, started_at, status : str
        ``started_at`` is ``run.json``'s, else the earliest of its records' ("" if none).
    commit, branch : str or None
    dirty : bool
    error : str or None
        One line saying why the folder could not be read (then it has no aggregates).
    notes : list of str
        What was tolerated while reading it (a truncated last record line).
    definitions : dict of str to list of str
        Per case key, what defines the case in this run: ``[config_hash,
        dataset_fingerprint]`` of its ok records ("" where not recorded), as ``compare``
        checks them; a series is not searched for changes across a change of either.
    """

    folder: str
    signature: list[int]
    run_id: str = ""
    suite: str = ""
    machine: str = ""
    started_at: str = ""
    status: str = ""
    commit: str | None = None
    branch: str | None = None
    dirty: bool = False
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    definitions: dict[str, list[str]] = field(default_factory=dict)

    @property
    def partial(self) -> bool:
        """The run did not complete (interrupted, failed, or killed / still running)."""
        return self.status in _PARTIAL


@dataclass
class Index:
    """Every run folder under a root, with its per-case aggregates.

    Attributes
    ----------
    root : Path
    runs : list of RunEntry
        Sorted by folder; unreadable folders included (with ``error`` set).
    aggregates : list of list of Aggregate
        ``aggregates[i]`` belongs to ``runs[i]``.
    reread : list of str
        The folders read from their files this time (all of them on a cold build).
    enabled : bool
        An index file was used (pyarrow installed and not turned off).
    existed : bool
        An index file was there before this call.
    written : bool
        The index file was (re)written this time.
    rebuilt : str or None
        Why an existing index file was ignored (another version, unreadable); None if it
        was used or absent.
    """

    root: Path
    runs: list[RunEntry] = field(default_factory=list)
    aggregates: list[list[Aggregate]] = field(default_factory=list)
    reread: list[str] = field(default_factory=list)
    enabled: bool = False
    existed: bool = False
    written: bool = False
    rebuilt: str | None = None


# --------------------------------------------------------------------------------------
# Reading one run folder
# --------------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    values.sort()
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


_INF = (math.inf, -math.inf)


def aggregate_records(records: Iterable[dict[str, Any]]) -> list[Aggregate]:
    """Per case x quantity: median, min, max and count over the ``ok`` records.

    Parameters
    ----------
    records : iterable of dict
        Records as stored (``Record.to_dict()``, one line of ``records.jsonl``).

    Returns
    -------
    list of (case_key, quantity, value, low, high, n)
        Cases in the order first seen; a quantity no ok record has a finite number for is
        absent.
    """
    samples: dict[tuple[str, str], list[float]] = {}
    # the inner loop of a cold build (a quarter of a million records): plain loops, no calls
    for rec in records:
        if rec.get("status") != "ok":
            continue
        case = rec.get("case_key")
        if not isinstance(case, str):
            continue
        pairs: list[tuple[str, Any]] = [
            ("fit_time_s", rec.get("fit_time_s")),
            ("predict_time_s", rec.get("predict_time_s")),
            ("peak_rss_mb", rec.get("peak_rss_mb")),
        ]
        metrics = rec.get("metrics")
        if isinstance(metrics, dict):
            pairs.extend((f"metric:{name}", value) for name, value in metrics.items())
        for entry in rec.get("inference") or ():
            if isinstance(entry, dict) and "batch_size" in entry:
                batch = entry["batch_size"]
                pairs.append((f"inference:{batch}:median_s", entry.get("median_s")))
                pairs.append((f"inference:{batch}:throughput_per_s", entry.get("throughput_per_s")))
        for quantity, value in pairs:
            kind = value.__class__
            if (kind is float or kind is int) and value == value and value not in _INF:
                key = (case, quantity)
                found = samples.get(key)
                if found is None:
                    samples[key] = [float(value)]
                else:
                    found.append(float(value))
    out: list[Aggregate] = []
    for (case, quantity), values in samples.items():
        low, high = min(values), max(values)
        out.append((case, quantity, _median(values), low, high, len(values)))
    return out


def case_definitions(records: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """Per case key, ``[config_hash, dataset_fingerprint]`` of its ``ok`` records (several
    values joined by a space, sorted; "" where none is recorded).

    Parameters
    ----------
    records : iterable of dict
        Records as stored.
    """
    seen: dict[str, tuple[set[str], set[str]]] = {}
    for rec in records:
        case = rec.get("case_key")
        if rec.get("status") != "ok" or not isinstance(case, str):
            continue
        configs, prints = seen.setdefault(case, (set(), set()))
        configs.add(str(rec.get("config_hash") or ""))
        prints.add(str(rec.get("dataset_fingerprint") or ""))
    return {
        case: [" ".join(sorted(v - {""})) for v in pair]
        for case, pair in seen.items()
        if pair[0] - {""} or pair[1] - {""}
    }


def read_record_dicts(
    path: Path, *, on_warning: Callable[[str], None] | None = None
) -> list[dict[str, Any]]:
    """The records of a ``records.jsonl`` file as the dicts stored, without building
    :class:`~benchsuite.results.Record` objects (a third of the time of a cold build).

    Reads as :func:`benchsuite.results.read_records` does: a truncated last line is skipped
    (``on_warning`` is told), any other line that is not a record is an error, records of a
    newer schema are an error.

    Raises
    ------
    BenchsuiteError
    """
    lines = record_lines(path)
    loads = json.loads
    out: list[dict[str, Any]] = []
    last = len(lines) - 1
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            data = loads(line)
        except ValueError as exc:
            if i == last:
                if on_warning is not None:
                    on_warning(
                        f"{path}:{i + 1}: skipped a truncated last line (a run killed mid-write?)"
                    )
                break
            raise BenchsuiteError(f"{path}:{i + 1}: not a valid record ({exc})") from None
        if not isinstance(data, dict):
            raise BenchsuiteError(
                f"{path}:{i + 1}: not a valid record (a JSON {type(data).__name__}, not an object)"
            )
        try:
            out.append(upgrade_record(data))
        except TypeError:  # a schema_version that is not a number
            raise BenchsuiteError(
                f"{path}:{i + 1}: not a valid record (bad schema_version)"
            ) from None
    return out


def _stat(path: Path) -> list[int]:
    try:
        st = path.stat()
    except OSError:
        return [-1, -1, -1]
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _signature(folder: Path) -> list[int]:
    return _stat(folder / RUN_FILE) + _stat(folder / RECORDS_FILE)


def _read_run(root: Path, folder: Path, signature: list[int]) -> tuple[RunEntry, list[Aggregate]]:
    """One run folder read from its files; an unreadable one gives an entry with ``error``."""
    rel = os.path.relpath(folder, root)
    entry = RunEntry(folder=rel, signature=signature)
    try:
        info = read_run_info(folder)
    except BenchsuiteError as exc:  # a newer schema
        entry.error = f"{folder}: {exc}"
        return entry, []
    if info is None:
        entry.error = f"{folder}: no readable {RUN_FILE} (a corrupt or truncated run folder)"
        return entry, []
    notes: list[str] = []
    try:
        records = read_record_dicts(folder / RECORDS_FILE, on_warning=notes.append)
    except BenchsuiteError as exc:
        entry.error = str(exc)
        return entry, []
    first = records[0] if records else {}
    try:
        git = info.git
        entry.run_id = str(info.run_id or first.get("run_id") or folder.name)
        entry.suite = str(info.suite or first.get("suite") or "")
        entry.machine = str(info.machine_key())
        # a run.json without a start time: its first job's, so that it still has its place
        entry.started_at = str(
            info.started_at
            or min((t for r in records if isinstance(t := r.get("started_at"), str)), default="")
        )
        entry.status = str(info.status or "")
        entry.commit = str(git["sha"]) if git.get("sha") else None
        entry.branch = str(git["branch"]) if git.get("branch") else None
        entry.dirty = bool(git.get("dirty"))
    except (AttributeError, TypeError, ValueError) as exc:  # JSON, but not a run.json
        entry.error = f"{folder}: not a valid {RUN_FILE} ({type(exc).__name__}: {exc})"
        return entry, []
    entry.notes = notes
    entry.definitions = case_definitions(records)
    if not entry.suite:
        entry.error = f"{folder}: {RUN_FILE} names no suite (a corrupt run folder)"
        return entry, []
    return entry, aggregate_records(records)


# --------------------------------------------------------------------------------------
# The index file
# --------------------------------------------------------------------------------------


def _have_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def _decoded(column: Any) -> list[str]:
    """A dictionary-encoded string column as a list sharing one str per distinct value."""
    out: list[str] = []
    for chunk in column.chunks:
        words = chunk.dictionary.to_pylist()
        out.extend([words[i] for i in chunk.indices.to_pylist()])
    return out


def _read_index_file(path: Path) -> tuple[dict[str, tuple[RunEntry, list[Aggregate]]], str | None]:
    """The runs an index file holds, by folder; and why it was ignored (None if used)."""
    import pyarrow.parquet as pq

    if not path.is_file():
        return {}, None
    try:
        # strings as dictionaries: a few hundred distinct keys, not one string per row
        # ParquetFile, not read_table: that one loads pyarrow.dataset, and with it pandas
        # (0.4 s of a 1 s warm call)
        table = pq.ParquetFile(
            path, read_dictionary=["case_key", "quantity"], memory_map=True
        ).read(use_threads=False)
        meta = json.loads((table.schema.metadata or {})[_META_KEY])
        if meta.get("version") != INDEX_VERSION:
            return {}, f"index version {meta.get('version')!r}, not {INDEX_VERSION}"
        entries = [RunEntry(**e) for e in meta["runs"]]
        runs = table.column("run").to_pylist()
        cases = _decoded(table.column("case_key"))
        quantities = _decoded(table.column("quantity"))
        values, lows, highs, ns = (
            table.column(name).to_pylist() for name in ("value", "low", "high", "n")
        )
        rows = list(zip(cases, quantities, values, lows, highs, ns, strict=True))
        aggs: list[list[Aggregate]] = [[] for _ in entries]
        start = 0
        for i in range(1, len(runs) + 1):  # rows are written run by run: slice at each change
            if i == len(runs) or runs[i] != runs[start]:
                aggs[runs[start]] = rows[start:i]
                start = i
    except Exception as exc:  # any damage: the run folders are the truth, rebuild from them
        return {}, f"unreadable index ({type(exc).__name__})"
    return {e.folder: (e, a) for e, a in zip(entries, aggs, strict=True)}, None


def _remove_stale_temporaries(path: Path, age_s: float = 3600.0) -> None:
    """Temporary files of writers killed mid-write (an hour old: no writer takes that long)."""
    import time

    for old in path.parent.glob(f"{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - old.stat().st_mtime > age_s:
                old.unlink()


def _write_index_file(path: Path, runs: list[RunEntry], aggregates: list[list[Aggregate]]) -> bool:
    """Write the index atomically; False when the folder cannot be written to."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols: dict[str, list[Any]] = {k: [] for k in ("run", "case_key", "quantity")}
    cols.update(value=[], low=[], high=[], n=[])
    for i, aggs in enumerate(aggregates):
        for case, quantity, value, low, high, n in aggs:
            cols["run"].append(i)
            cols["case_key"].append(case)
            cols["quantity"].append(quantity)
            cols["value"].append(value)
            cols["low"].append(low)
            cols["high"].append(high)
            cols["n"].append(n)
    schema = pa.schema(
        [
            ("run", pa.int32()),
            ("case_key", pa.string()),
            ("quantity", pa.string()),
            ("value", pa.float64()),
            ("low", pa.float64()),
            ("high", pa.float64()),
            ("n", pa.int32()),
        ],
        metadata={
            _META_KEY: json.dumps(
                {"version": INDEX_VERSION, "runs": [asdict(r) for r in runs]}
            ).encode()
        },
    )
    table = pa.Table.from_pydict(cols, schema=schema)
    _remove_stale_temporaries(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(3)}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)  # atomic: readers see the old index or the new one
    except Exception:  # the index is a cache: without it the runs are still read
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    return True


def load_index(
    root: str | os.PathLike[str],
    *,
    use_index: bool | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Index:
    """Every run folder below ``root`` with its per-case aggregates, through the index.

    Parameters
    ----------
    root : path-like
        The folder of runs (``results/``, ``results/<suite>/``, ...).
    use_index : bool, optional
        False: read every run folder and write no index. Default: use the index when
        pyarrow is installed.
    on_warning : callable, optional
        Told once, in one line, when pyarrow is missing and every run is read.

    Returns
    -------
    Index

    Raises
    ------
    BenchsuiteError
        ``root`` does not exist or is not a folder, or a folder in it cannot be listed.
    """
    root = Path(root)
    if not root.exists():
        raise BenchsuiteError(f"{root}: no such folder")
    if not root.is_dir():
        raise BenchsuiteError(f"{root}: not a folder (give the folder that holds the runs)")
    if use_index is None:
        use_index = _have_pyarrow()
        if not use_index and on_warning is not None:
            on_warning(
                "pyarrow is not installed: reading every run without the history index"
                " (pip install 'benchsuite[history]' to make this fast)"
            )
    index = Index(root=root, enabled=use_index)
    path = root / INDEX_FILE
    known: dict[str, tuple[RunEntry, list[Aggregate]]] = {}
    if use_index:
        index.existed = path.is_file()
        known, index.rebuilt = _read_index_file(path)
    changed = index.rebuilt is not None or (use_index and not path.is_file())
    for folder in run_folders(root):
        rel = os.path.relpath(folder, root)
        signature = _signature(folder)
        old = known.pop(rel, None)
        if old is not None and old[0].signature == signature:
            entry, aggs = old
        else:
            entry, aggs = _read_run(root, folder, signature)
            index.reread.append(rel)
            changed = True
        index.runs.append(entry)
        index.aggregates.append(aggs)
    changed = changed or bool(known)  # folders deleted since
    if use_index and changed and index.runs:  # a folder of no run is left as it was
        index.written = _write_index_file(path, index.runs, index.aggregates)
    return index

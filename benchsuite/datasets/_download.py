"""Find, verify and download the raw files of the downloadable datasets.

A file is looked for in ``<data dir>/<folder>/``, then in system folders (Debian's
``/usr/share/datasets/fashion-mnist``), then in ``<cache dir>/downloads/<folder>/``. A
missing file is downloaded from the mirrors in order, unless ``BENCHSUITE_OFFLINE=1``,
into the data directory or, when that is read-only, the cache's downloads folder.

Every file is checked against its published checksums (:mod:`benchsuite.datasets._checksums`).

Every failure is a one-line :class:`~benchsuite.errors.DataError` saying what to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchsuite._suggest import did_you_mean
from benchsuite.datasets._checksums import (
    accepts,
    complete_digests,
    file_digests,
    verify_file,
    write_stamp,
)
from benchsuite.datasets._env import cache_dir, data_dir, is_offline
from benchsuite.datasets._remote import RemoteFile, RemoteSpec
from benchsuite.datasets._sources import DATASET_SOURCES, DatasetSource
from benchsuite.errors import DataError, one_line

# seconds a connection or a single read may stall before the mirror counts as failed
DOWNLOAD_TIMEOUT_S = 60.0
_CHUNK = 1 << 20

Progress = Callable[[str, int, int], None]


# -- folders -------------------------------------------------------------------------------


def _search_dirs(spec: RemoteSpec) -> list[Path]:
    return [
        data_dir() / spec.folder,
        *(Path(d) for d in spec.system_dirs),
        cache_dir() / "downloads" / spec.folder,
    ]


def find_file(spec: RemoteSpec, file: RemoteFile) -> Path | None:
    """Return the first existing copy of ``file``, or None."""
    for folder in _search_dirs(spec):
        path = folder / file.name
        if path.is_file():
            return path
    return None


def _writable(folder: Path) -> bool:
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    if not probe.is_dir():
        return False
    # root passes os.access everywhere; a folder without any write bit is meant read-only
    return os.access(probe, os.W_OK) and bool(probe.stat().st_mode & 0o222)


def _download_folder(spec: RemoteSpec, *, create: bool) -> Path:
    """The data directory's folder if writable, else the cache's downloads folder."""
    candidates = [data_dir() / spec.folder, cache_dir() / "downloads" / spec.folder]
    for folder in candidates:
        if not _writable(folder):
            continue
        if not create:
            return folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        return folder
    if not create:
        return candidates[0]
    raise DataError(
        f"nowhere to download to: neither {candidates[0]} nor {candidates[1]} is writable; "
        "set BENCHSUITE_DATA_DIR or BENCHSUITE_CACHE_DIR to a writable folder"
    )


# -- downloads -----------------------------------------------------------------------------


def _fetch(url: str, folder: Path, file: RemoteFile, progress: Progress | None) -> tuple[Path, str]:
    """Download ``url`` into a temporary file in ``folder``; return it and its md5."""
    import urllib.request

    from benchsuite import __version__

    request = urllib.request.Request(url, headers={"User-Agent": f"benchsuite/{__version__}"})
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:
        total = int(response.headers.get("Content-Length") or 0) or file.size or 0
        fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".part", dir=folder)
        digest = hashlib.md5()
        done = 0
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(file.name, done, total)
        except BaseException:
            # no half-written file may ever be taken for the real one
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    return Path(tmp), digest.hexdigest()


def download_file(
    name: str, spec: RemoteSpec, file: RemoteFile, *, progress: Progress | None = None
) -> Path:
    """Download ``file`` from the first mirror that serves a verified copy.

    The file is written to a temporary name, checked, then renamed into place, so an
    interrupted or corrupt download never takes the real name.

    Parameters
    ----------
    name : str
        The dataset source, for messages.
    spec : RemoteSpec
        The dataset's mirrors and folder.
    file : RemoteFile
        The file to download.
    progress : callable, default=None
        Called as ``progress(file_name, bytes_done, bytes_total)`` while downloading
        (``bytes_total`` is 0 when unknown).

    Returns
    -------
    Path
        The verified file, in the data directory or in the cache's downloads folder.

    Raises
    ------
    DataError
        If no mirror gave a verified copy (naming the mirrors tried and the last error),
        or no folder is writable.
    """
    import http.client  # lazily: ``import benchsuite.datasets`` stays light

    folder = _download_folder(spec, create=True)
    tried: list[str] = []
    last_error = "no mirror configured"
    for url in spec.urls_of(file):
        tried.append(url)
        try:
            tmp, md5 = _fetch(url, folder, file, progress)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # URLError, HTTPError and timeouts are OSErrors; a bad URL is a ValueError
            last_error = one_line(exc)
            continue
        digests: dict[str, Any] = {"md5": md5}
        complete_digests(file, tmp, digests)
        if not accepts(file, digests):
            tmp.unlink()
            last_error = f"checksum mismatch (md5 {md5}, expected {file.md5})"
            continue
        target = folder / file.name
        # mkstemp makes the file private; a data folder may be shared by a team
        tmp.chmod(0o644)
        os.replace(tmp, target)
        write_stamp(target.absolute(), target.stat(), digests)
        return target
    if not tried and spec.download_hint:
        raise DataError(
            f"{name}: {file.name} cannot be downloaded by itself: {spec.download_hint}, "
            f"and put {file.name} in {folder}"
        )
    raise DataError(
        f"{name}: cannot download {file.name} (tried {', '.join(tried)}); "
        f"last error: {last_error}; download it by hand into {folder}"
    )


def _missing_offline(name: str, spec: RemoteSpec, file: RemoteFile, *, fetching: bool) -> str:
    where = data_dir() / spec.folder
    urls = spec.urls_of(file)
    if not urls and spec.download_hint:
        return (
            f"{name}: file {file.name} not found in {where}: {spec.download_hint}, "
            f"and put {file.name} there"
        )
    url = urls[0] if urls else file.name
    if fetching:
        return (
            f"{name}: cannot fetch {file.name}: downloads are off (BENCHSUITE_OFFLINE=1); "
            f"unset BENCHSUITE_OFFLINE, or download it from {url} and put it in {where}"
        )
    return (
        f"{name}: file {file.name} not found in {where} (offline: BENCHSUITE_OFFLINE=1); "
        f"download it from {url} and put it there, or run 'benchsuite data fetch {name}'"
    )


def ensure_files(
    source: DatasetSource,
    parts: tuple[str, ...],
    *,
    progress: Progress | None = None,
    fetching: bool = False,
    variant: str | None = None,
) -> list[tuple[RemoteFile, Path, str]]:
    """Find (or download) and verify the files that ``parts`` of ``source`` need.

    Parameters
    ----------
    source : DatasetSource
        A download source.
    parts : tuple of str
        Official parts to read; files of other parts are neither needed nor looked for.
    progress : callable, default=None
        Download progress callback (see :func:`download_file`).
    fetching : bool, default=False
        Phrase the offline error for ``benchsuite data fetch``.
    variant : str or None, default=None
        The variant whose files to find (the default variant when None).

    Returns
    -------
    list of (RemoteFile, Path, str)
        Each file, where it is, and the checksum that accepted it (see :func:`verify_file`).

    Raises
    ------
    DataError
        A file is missing offline, cannot be downloaded, or fails its checksum.
    """
    spec = source.remote
    assert spec is not None, f"{source.name} is not a download source"
    found = []
    files = spec.files_for(parts, variant)
    if fetching and variant is None and spec.variants:
        files = spec.files_for(parts, None) + tuple(
            f for v in spec.variants[1:] for f in spec.files_for(parts, v)
        )
    for file in dict.fromkeys(files):
        path = find_file(spec, file)
        if path is None:
            if is_offline():
                raise DataError(_missing_offline(source.name, spec, file, fetching=fetching))
            path = download_file(source.name, spec, file, progress=progress)
        found.append((file, path, verify_file(source.name, path, file)))
    return found


# -- public functions for `benchsuite data` ------------------------------------------------


def _download_sources() -> list[DatasetSource]:
    return [s for s in DATASET_SOURCES.values() if s.remote is not None]


def data_status() -> list[dict[str, Any]]:
    """Report every raw file of the downloadable datasets (``benchsuite data list``).

    Files found are checked against their checksums (hashed once, then remembered).
    Nothing is downloaded.

    Returns
    -------
    list of dict
        One row per file, in registry order, with keys:

        - ``source`` (str): the dataset source, e.g. ``"mnist"``;
        - ``part`` (str): ``"train"``, ``"test"``, or ``"all"`` for an archive of both;
        - ``file`` (str): the file name;
        - ``status`` (str): ``"ok"``, ``"missing"`` or ``"bad checksum"``;
        - ``path`` (str): where the file is, or where a download would put it;
        - ``size`` (int or None): bytes on disk, or the published size when missing.
    """
    rows = []
    for source in _download_sources():
        spec = source.remote
        assert spec is not None
        for file in spec.files:
            path = find_file(spec, file)
            if path is None:
                status = "missing"
                where = _download_folder(spec, create=False) / file.name
                size = file.size
            else:
                ok = accepts(file, file_digests(path, file))
                status = "ok" if ok else "bad checksum"
                where = path
                size = path.stat().st_size
            rows.append(
                {
                    "source": source.name,
                    "part": file.parts[0] if len(file.parts) == 1 else "all",
                    "file": file.name,
                    "status": status,
                    "path": str(where),
                    "size": size,
                }
            )
    return rows


def fetch_dataset(
    name: str,
    *,
    parts: tuple[str, ...] | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Download the missing raw files of a dataset and verify all of them.

    Parameters
    ----------
    name : str
        A download source (``"mnist"``, ``"adult"``, ...), or an OpenML dataset or task
        (``"openml:31"``, ``"openml:task:59"``: its metadata, data and folds are cached).
    parts : tuple of str, default=None
        Official parts to fetch (``("test",)``); all parts when None.
    progress : callable, default=None
        Called as ``progress(file_name, bytes_done, bytes_total)`` while downloading
        (``bytes_total`` is 0 when unknown).

    Returns
    -------
    list of Path
        The verified files, in the dataset's file order.

    Raises
    ------
    DataError
        Unknown name or part, downloads off (``BENCHSUITE_OFFLINE=1``) with a file
        missing, every mirror failed, or a checksum mismatch.
    """
    from benchsuite.datasets._openml import fetch_files, parse_shorthand, shorthand_name

    openml = parse_shorthand(name)
    if openml is not None:
        if parts:
            raise DataError(f"{name}: OpenML datasets have no parts to choose")
        return fetch_files(openml, shorthand_name(openml))
    downloadable = [s.name for s in _download_sources()]
    source = DATASET_SOURCES.get(name)
    if source is None or source.remote is None:
        what = "unknown dataset" if source is None else "nothing to fetch for dataset"
        raise DataError(
            f"{what} {name!r}{did_you_mean(name, downloadable)}; "
            f"datasets to fetch: {', '.join(downloadable)}, openml:<id>, openml:task:<id>"
        )
    chosen = tuple(parts) if parts else source.parts
    for part in chosen:
        if part not in source.parts:
            raise DataError(
                f"{name} has no part {part!r}{did_you_mean(str(part), source.parts)}; "
                f"parts: {', '.join(source.parts)}"
            )
    found = ensure_files(source, chosen, progress=progress, fetching=True)
    return [path for _, path, _ in found]

"""Readers of the image datasets' raw files (IDX, CIFAR-10 pickles) and their fast cache.

Each reader turns one official part's raw files into ``(pixels, labels)``: uint8 pixels,
one row per image in channel-first order, and uint8 labels. Parsed parts are cached as
``.npy`` files under ``<cache dir>/<source>/``, keyed on the checksums of the files they
came from, so a second load skips decompression and parsing.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import numbers
import pickle
import tarfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from benchsuite.datasets._download import ensure_files
from benchsuite.datasets._env import cache_dir
from benchsuite.datasets._files import one_line
from benchsuite.datasets._writes import remove_stale, warn_cache_not_written, write_atomic
from benchsuite.errors import DataError

if TYPE_CHECKING:
    import numpy as np

    from benchsuite.datasets._download import Progress
    from benchsuite.datasets._sources import DatasetSource

IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension

# bump when the cached arrays change meaning, so old caches are not read
_CACHE_VERSION = "1"

_CIFAR_FOLDER = "cifar-10-batches-py"
_CIFAR_MEMBERS = {
    "train": tuple(f"{_CIFAR_FOLDER}/data_batch_{i}" for i in range(1, 6)),
    "test": (f"{_CIFAR_FOLDER}/test_batch",),
}


def _corrupt(name: str, path: Path, why: str) -> DataError:
    return DataError(
        f"{name}: {path} is corrupt ({why}): delete it and run 'benchsuite data fetch {name}'"
    )


def read_idx(path: Path, *, magic: int, name: str) -> np.ndarray:
    """Read a gzipped IDX file of unsigned bytes.

    Parameters
    ----------
    path : Path
        The ``.gz`` file.
    magic : int
        The expected magic number: 2051 for images, 2049 for labels.
    name : str
        The dataset source, for messages.

    Returns
    -------
    numpy.ndarray of uint8
        Shape ``(n, rows * cols)`` for images, ``(n,)`` for labels.

    Raises
    ------
    DataError
        If the file is not gzip, has another magic number, or holds fewer or more bytes
        than its header announces.
    """
    import numpy as np

    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise _corrupt(name, path, f"cannot decompress: {one_line(exc)}") from exc
    if len(data) < 4 or int.from_bytes(data[:4], "big") != magic:
        found = int.from_bytes(data[:4], "big") if len(data) >= 4 else "none"
        raise _corrupt(name, path, f"IDX magic number {found}, expected {magic}")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise _corrupt(name, path, "IDX header is truncated")
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + math.prod(dims)
    if len(data) != expected:
        raise _corrupt(
            name, path, f"header announces {'x'.join(map(str, dims))} but holds {len(data)} bytes"
        )
    array = np.frombuffer(data, dtype=np.uint8, offset=header)
    return array.reshape(dims[0], -1) if ndim > 1 else array


def read_idx_part(name: str, files: dict[str, Path], part: str) -> tuple[np.ndarray, np.ndarray]:
    """Read one official part of an MNIST-family dataset.

    Parameters
    ----------
    name : str
        The dataset source, for messages.
    files : dict of str to Path
        ``{"images": path, "labels": path}``: the part's two IDX files.
    part : str
        ``"train"`` or ``"test"``.

    Returns
    -------
    pixels : numpy.ndarray of uint8, shape (n, 784)
        One image per row (28x28, row-major).
    labels : numpy.ndarray of uint8, shape (n,)
    """
    pixels = read_idx(files["images"], magic=IDX_IMAGES_MAGIC, name=name)
    labels = read_idx(files["labels"], magic=IDX_LABELS_MAGIC, name=name)
    if len(pixels) != len(labels):
        raise DataError(
            f"{name}: {files['images']} holds {len(pixels)} images but {files['labels']} "
            f"holds {len(labels)} labels: delete both and run 'benchsuite data fetch {name}'"
        )
    return pixels, labels


def _cifar_batch(name: str, path: Path, member: str, batch: object) -> tuple[np.ndarray, list]:
    import numpy as np

    # the archive was written by Python 2: keys are bytes when unpickled with encoding="bytes"
    if isinstance(batch, dict):
        data = batch.get(b"data", batch.get("data"))
        labels = batch.get(b"labels", batch.get("labels"))
        if (
            isinstance(data, np.ndarray)
            and data.dtype == np.uint8
            and data.ndim == 2
            and data.shape[1] == 3 * 32 * 32
            and isinstance(labels, (list, tuple, np.ndarray))
            and len(labels) == len(data)
            and all(isinstance(label, numbers.Integral) for label in labels)
        ):
            return data, list(labels)
    raise _corrupt(name, path, f"{member} is not a CIFAR-10 batch of 3x32x32 uint8 images")


def read_cifar10_part(
    name: str, files: dict[str, Path], part: str
) -> tuple[np.ndarray, np.ndarray]:
    """Read one official part of CIFAR-10 from ``cifar-10-python.tar.gz``.

    Parameters
    ----------
    name : str
        The dataset source, for messages.
    files : dict of str to Path
        ``{"archive": path}``.
    part : str
        ``"train"`` (``data_batch_1`` to ``data_batch_5``, in order) or ``"test"``
        (``test_batch``).

    Returns
    -------
    pixels : numpy.ndarray of uint8, shape (n, 3072)
        One image per row as published: 1024 red, then 1024 green, then 1024 blue values,
        each channel row-major, i.e. a flattened ``(3, 32, 32)`` channel-first image.
    labels : numpy.ndarray of uint8, shape (n,)
    """
    import numpy as np

    path = files["archive"]
    wanted = _CIFAR_MEMBERS[part]
    batches: dict[str, tuple[np.ndarray, list]] = {}
    try:
        # "r|gz" streams the archive once; random access would decompress it per member
        with tarfile.open(path, "r|gz") as tar:
            for member in tar:
                if member.name not in wanted or not member.isfile():
                    continue
                stream = tar.extractfile(member)
                assert stream is not None
                try:
                    # CIFAR-10's official format is Python pickles. Only the members of this
                    # archive, whose md5 was checked against the published one, are unpickled.
                    batch = pickle.load(stream, encoding="bytes")
                except Exception as exc:  # a corrupt pickle raises about anything
                    why = f"cannot unpickle {member.name}: {one_line(exc)}"
                    raise _corrupt(name, path, why) from exc
                batches[member.name] = _cifar_batch(name, path, member.name, batch)
                if len(batches) == len(wanted):
                    break
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise _corrupt(name, path, f"cannot read the archive: {one_line(exc)}") from exc
    missing = [m for m in wanted if m not in batches]
    if missing:
        raise _corrupt(name, path, f"no member {missing[0]}")
    pixels = np.concatenate([batches[m][0] for m in wanted])
    labels = np.asarray([label for m in wanted for label in batches[m][1]], dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() > 255):
        raise _corrupt(name, path, "labels out of range")
    return pixels, labels.astype(np.uint8)


# -- fast cache ----------------------------------------------------------------------------


def _cache_files(folder: Path, part: str, key: str) -> tuple[Path, Path]:
    return folder / f"{part}-{key}.pixels.npy", folder / f"{part}-{key}.labels.npy"


def _read_cache(folder: Path, part: str, key: str) -> tuple[np.ndarray, np.ndarray] | None:
    import numpy as np

    pixels_path, labels_path = _cache_files(folder, part, key)
    try:
        pixels = np.load(pixels_path)
        labels = np.load(labels_path)
    except (OSError, ValueError, EOFError):
        return None  # absent or damaged: parse the raw files again
    if (
        pixels.dtype != np.uint8
        or labels.dtype != np.uint8
        or pixels.ndim != 2
        or labels.shape != (len(pixels),)
    ):
        return None
    return pixels, labels


def _write_cache(folder: Path, part: str, key: str, pixels: np.ndarray, labels: np.ndarray) -> None:
    import numpy as np

    pixels_path, labels_path = _cache_files(folder, part, key)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # labels first: a reader finding the pixels finds their labels too
        write_atomic(labels_path, lambda f: np.save(f, labels))
        write_atomic(pixels_path, lambda f: np.save(f, pixels))
        remove_stale(folder, f"{part}-*.npy", keep=(pixels_path, labels_path))
    except OSError as exc:
        warn_cache_not_written(folder, exc)


def load_parts(
    source: DatasetSource, parts: tuple[str, ...], *, progress: Progress | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Load official parts of a download source as uint8 pixels and labels.

    Finds (or downloads) and verifies only the files of ``parts``, then reads each part
    from the ``.npy`` cache, or parses its raw files and caches the result.

    Parameters
    ----------
    source : DatasetSource
        A download source.
    parts : tuple of str
        Official parts, e.g. ``("train", "test")``.
    progress : callable, default=None
        Download progress callback.

    Returns
    -------
    list of (pixels, labels)
        Per part, in the order asked: uint8 ``(n, prod(sample_shape))`` and uint8 ``(n,)``.

    Raises
    ------
    DataError
        Missing, unverifiable or corrupt files.
    """
    spec = source.remote
    assert spec is not None, f"{source.name} is not a download source"
    found = ensure_files(source, parts, progress=progress)
    reader = source.resolve_loader()
    folder = cache_dir() / source.name
    width = math.prod(spec.sample_shape)
    loaded = []
    for part in parts:
        part_files = [
            (file, path, checksum) for file, path, checksum in found if part in file.parts
        ]
        # keyed on the checksums that accepted the files: a replaced file gets a new key
        identity = "|".join(
            [_CACHE_VERSION, source.name, part, *(f"{f.name}={c}" for f, _, c in part_files)]
        )
        key = hashlib.sha256(identity.encode()).hexdigest()[:16]
        cached = _read_cache(folder, part, key)
        if cached is None:
            pixels, labels = reader(source.name, {f.role: p for f, p, _ in part_files}, part)
            if pixels.shape[1] != width:
                shape = "x".join(map(str, spec.sample_shape))
                raise DataError(
                    f"{source.name}: the {part} images in {part_files[0][1].parent} have "
                    f"{pixels.shape[1]} values each, expected {shape}"
                )
            _write_cache(folder, part, key, pixels, labels)
            cached = pixels, labels
        loaded.append(cached)
    return loaded

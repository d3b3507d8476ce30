"""Fixtures of the dataset tests: isolated cache, offline by default, tiny files in the
real formats (IDX, CIFAR-10 tarball) and a local HTTP server to download them from."""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import http.server
import io
import os
import pickle
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from benchsuite.datasets import DATASET_SOURCES, DatasetSource, clear_cache


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A fresh cache folder per test, no downloads unless a test allows them."""
    monkeypatch.setenv("BENCHSUITE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BENCHSUITE_OFFLINE", "1")
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def shared_data() -> Path:
    """The canonical data folder (``BENCHSUITE_DATA_DIR``, set by tests/conftest.py)."""
    folder = Path(os.environ.get("BENCHSUITE_DATA_DIR", ""))
    if not (folder / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip("the canonical data folder (../shared/data) is not here")
    return folder


# -- files in the real formats -------------------------------------------------------------


def idx_bytes(array: np.ndarray) -> bytes:
    """An uncompressed IDX file of unsigned bytes holding ``array``."""
    magic = 0x0800 | array.ndim
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def gz(data: bytes, *, mtime: int = 0, filename: str = "") -> bytes:
    """gzip ``data``; another ``mtime``/``filename`` gives another header, same content."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename=filename, mode="wb", fileobj=buffer, mtime=mtime) as f:
        f.write(data)
    return buffer.getvalue()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclasses.dataclass
class TinyImages:
    """Small MNIST-format files: raw arrays and the bytes of each ``.gz``."""

    images: dict[str, np.ndarray]  # part -> (n, 28, 28) uint8
    labels: dict[str, np.ndarray]  # part -> (n,) uint8
    files: dict[str, bytes]  # file name -> gzipped IDX
    raw: dict[str, bytes]  # file name -> uncompressed IDX


def make_tiny_images(n_train: int = 40, n_test: int = 20, seed: int = 0) -> TinyImages:
    rng = np.random.default_rng(seed)
    images, labels, files, raw = {}, {}, {}, {}
    for part, prefix, n in (("train", "train", n_train), ("test", "t10k", n_test)):
        images[part] = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels[part] = (np.arange(n) % 10).astype(np.uint8)
        for role, kind, array in (
            ("images", "idx3", images[part]),
            ("labels", "idx1", labels[part]),
        ):
            name = f"{prefix}-{role}-{kind}-ubyte.gz"
            raw[name] = idx_bytes(array)
            files[name] = gz(raw[name])
    return TinyImages(images, labels, files, raw)


def cifar_batch(data: np.ndarray, labels: list[int]) -> bytes:
    # as published: a Python 2 pickle (protocol 2) of a dict with bytes keys
    batch = {b"batch_label": b"tiny", b"labels": labels, b"data": data, b"filenames": []}
    return pickle.dumps(batch, protocol=2)


@dataclasses.dataclass
class TinyCifar:
    data: dict[str, np.ndarray]  # batch name -> (n, 3072) uint8
    labels: dict[str, list[int]]
    archive: bytes  # cifar-10-python.tar.gz


def make_tiny_cifar(per_batch: int = 6, seed: int = 0) -> TinyCifar:
    rng = np.random.default_rng(seed)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    data, labels = {}, {}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for member in ["batches.meta", *names]:
            if member == "batches.meta":
                payload = pickle.dumps({b"label_names": [b"airplane"]}, protocol=2)
            else:
                data[member] = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
                labels[member] = [int(v) for v in rng.integers(0, 10, size=per_batch)]
                payload = cifar_batch(data[member], labels[member])
            info = tarfile.TarInfo(f"cifar-10-batches-py/{member}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return TinyCifar(data, labels, buffer.getvalue())


def with_files(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    files: dict[str, bytes],
    *,
    mirrors: tuple[str, ...] | None = None,
    system_dirs: tuple[str, ...] | None = None,
) -> DatasetSource:
    """Register ``name`` with checksums of test-made ``files`` (never pinned in the code)."""
    source = DATASET_SOURCES[name]
    assert source.remote is not None
    spec = source.remote
    remote_files = tuple(
        dataclasses.replace(
            f,
            md5=md5(files[f.name]),
            sha256=sha256(gzip.decompress(files[f.name])) if f.sha256 else None,
            size=len(files[f.name]),
        )
        for f in spec.files
    )
    spec = dataclasses.replace(
        spec,
        files=remote_files,
        mirrors=spec.mirrors if mirrors is None else mirrors,
        system_dirs=spec.system_dirs if system_dirs is None else system_dirs,
    )
    patched = dataclasses.replace(source, remote=spec)
    monkeypatch.setitem(DATASET_SOURCES, name, patched)
    return patched


def put(folder: Path, files: dict[str, bytes], names: list[str] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names or list(files):
        (folder / name).write_bytes(files[name])


# -- a local HTTP server -------------------------------------------------------------------


class Server:
    """Serves ``routes`` on 127.0.0.1; 404 for anything else.

    A route maps a URL path to the body, or to ``(status, headers, body)``.
    """

    def __init__(self) -> None:
        self.routes: dict[str, bytes | tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.requests.append(self.path)
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                status, headers, body = route if isinstance(route, tuple) else (200, {}, route)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def serve(self, prefix: str, files: dict[str, bytes]) -> str:
        """Serve ``files`` under ``/prefix/``; return that mirror's base URL."""
        for name, body in files.items():
            self.routes[f"/{prefix}/{name}"] = body
        return f"{self.url}/{prefix}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture
def build(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The file builders above, for test modules (a conftest is not importable by name)."""
    return SimpleNamespace(
        idx_bytes=idx_bytes,
        gz=gz,
        md5=md5,
        sha256=sha256,
        tiny_images=make_tiny_images,
        tiny_cifar=make_tiny_cifar,
        cifar_batch=cifar_batch,
        register=functools.partial(with_files, monkeypatch),
        put=put,
    )

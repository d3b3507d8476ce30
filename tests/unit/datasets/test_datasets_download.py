"""Tests of finding, verifying and downloading raw dataset files, against a local HTTP
server on 127.0.0.1 serving tiny files in the real formats (checksums computed here)."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from benchsuite.datasets import (
    _checksums,
    clear_cache,
    data_status,
    fetch_dataset,
    load_dataset,
)
from benchsuite.errors import DataError

MNIST_FILES = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]


def entry(source: str, **fields) -> SimpleNamespace:
    values = {"name": source, "source": source, "params": {}, "path": None, "target": None}
    values.update(task=None, subsample=None)
    values.update(fields)
    return SimpleNamespace(**values)


def load(e: SimpleNamespace):
    return load_dataset(e, base_dir=Path("."), seed=0)


@pytest.fixture
def online(monkeypatch, tmp_path):
    """Downloads allowed, into an empty temporary data folder."""
    monkeypatch.delenv("BENCHSUITE_OFFLINE")
    monkeypatch.setenv("BENCHSUITE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def tiny(build, server, online):
    """Tiny MNIST files registered as mnist, with two mirrors on the local server."""
    files = build.tiny_images(n_train=20, n_test=10)
    mirrors = (f"{server.url}/m1/", f"{server.url}/m2/")
    source = build.register("mnist", files.files, mirrors=mirrors)
    return SimpleNamespace(files=files, source=source, mirrors=mirrors)


def requested(server, prefix: str) -> list[str]:
    return [p.rsplit("/", 1)[1] for p in server.requests if p.startswith(f"/{prefix}/")]


def test_first_mirror_404_then_second_mirror(tiny, server, online):
    server.serve("m2", tiny.files.files)
    ds = load(entry("mnist"))
    assert ds.X.shape == (30, 784)
    np.testing.assert_array_equal(
        ds.X[:20], tiny.files.images["train"].reshape(20, -1) / np.float32(255)
    )
    assert requested(server, "m1") == MNIST_FILES  # each tried there first, 404
    assert requested(server, "m2") == MNIST_FILES
    folder = online / "data" / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(MNIST_FILES)  # no temp files


def test_checksum_mismatch_on_download_tries_the_next_mirror(tiny, server, online):
    server.serve("m1", {name: b"garbage" for name in MNIST_FILES})
    server.serve("m2", tiny.files.files)
    ds = load(entry("mnist", part="test"))
    assert ds.X.shape == (10, 784)
    assert requested(server, "m1") == MNIST_FILES[2:]  # only the test part's files
    folder = online / "data" / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(MNIST_FILES[2:])
    assert (folder / MNIST_FILES[2]).read_bytes() == tiny.files.files[MNIST_FILES[2]]


def test_every_mirror_bad_gives_one_line(tiny, server, online):
    server.serve("m1", {name: b"garbage" for name in MNIST_FILES})
    with pytest.raises(DataError) as info:
        load(entry("mnist", part="test"))
    message = str(info.value)
    assert "\n" not in message
    name = "t10k-images-idx3-ubyte.gz"
    assert message.startswith(f"mnist: cannot download {name} (tried ")
    assert f"{tiny.mirrors[0]}{name}, {tiny.mirrors[1]}{name}" in message
    assert "last error: HTTPError: HTTP Error 404: Not Found;" in message  # m2 serves nothing
    assert str(online / "data" / "mnist") in message
    assert list((online / "data" / "mnist").iterdir()) == []  # nothing half-written left


def test_checksum_mismatch_is_the_last_error_when_last(tiny, server, online, monkeypatch):
    server.serve("m2", {name: b"garbage" for name in MNIST_FILES})
    with pytest.raises(DataError, match=r"last error: checksum mismatch \(md5 [0-9a-f]{32}"):
        fetch_dataset("mnist", parts=("test",))


def test_found_but_corrupt_file_says_delete_and_fetch(tiny, build, server, online):
    folder = online / "data" / "mnist"
    build.put(folder, tiny.files.files)
    path = folder / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(b"not the labels")
    with pytest.raises(DataError) as info:
        load(entry("mnist", part="test"))
    expected = tiny.source.remote.files[3].md5
    assert str(info.value) == (
        f"checksum mismatch for {path} (md5 {build.md5(b'not the labels')}, "
        f"expected {expected}): delete it and run 'benchsuite data fetch mnist'"
    )
    assert server.requests == []


def test_offline_makes_no_request(tiny, server, monkeypatch, online):
    server.serve("m1", tiny.files.files)
    monkeypatch.setenv("BENCHSUITE_OFFLINE", "1")
    with pytest.raises(DataError, match="not found in .* \\(offline: BENCHSUITE_OFFLINE=1\\)"):
        load(entry("mnist"))
    with pytest.raises(DataError, match="downloads are off"):
        fetch_dataset("mnist")
    assert server.requests == []


def test_read_only_data_dir_downloads_into_the_cache(tiny, server, online):
    server.serve("m1", tiny.files.files)
    data = online / "data"
    data.mkdir()
    data.chmod(0o555)  # no write bit: read-only even for root
    try:
        paths = fetch_dataset("mnist", parts=("test",))
    finally:
        data.chmod(0o755)
    downloads = online / "cache" / "downloads" / "mnist"
    assert paths == [downloads / name for name in MNIST_FILES[2:]]
    assert list(data.iterdir()) == []
    clear_cache()
    assert load(entry("mnist", part="test")).X.shape == (10, 784)  # found there
    assert len(server.requests) == 2  # nothing downloaded twice


def test_unusable_data_dir_downloads_into_the_cache(tiny, server, online, monkeypatch):
    server.serve("m1", tiny.files.files)
    (online / "afile").write_text("")
    monkeypatch.setenv("BENCHSUITE_DATA_DIR", str(online / "afile" / "data"))
    paths = fetch_dataset("mnist", parts=("train",))
    assert all(p.parent == online / "cache" / "downloads" / "mnist" for p in paths)


def test_stamp_skips_hashing_a_verified_file(tiny, build, online, monkeypatch):
    monkeypatch.setenv("BENCHSUITE_OFFLINE", "1")
    folder = online / "data" / "mnist"
    build.put(folder, tiny.files.files)
    hashed = []
    md5 = _checksums._md5
    monkeypatch.setattr(_checksums, "_md5", lambda path: hashed.append(path.name) or md5(path))
    fetch_dataset("mnist")
    assert sorted(hashed) == sorted(MNIST_FILES)
    hashed.clear()
    fetch_dataset("mnist")
    load(entry("mnist"))
    assert hashed == []
    # a changed file (new mtime) is hashed again, and only that one
    path = folder / MNIST_FILES[0]
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    fetch_dataset("mnist")
    assert hashed == [MNIST_FILES[0]]


def test_repackaged_file_is_accepted_by_content(tiny, build, online, monkeypatch):
    # Debian's files: same IDX content, another gzip header, so another md5
    monkeypatch.setenv("BENCHSUITE_OFFLINE", "1")
    system = online / "usr-share" / "fashion-mnist"
    repackaged = {
        name: build.gz(tiny.files.raw[name], mtime=1, filename=name[:-3]) for name in MNIST_FILES
    }
    assert all(repackaged[n] != tiny.files.files[n] for n in MNIST_FILES)
    source = build.register("fashion_mnist", tiny.files.files, system_dirs=(str(system),))
    assert all(f.sha256 for f in source.remote.files)
    build.put(system, repackaged)
    ds = load(entry("fashion_mnist"))
    np.testing.assert_array_equal(ds.y[:20], tiny.files.labels["train"])
    rows = {r["file"]: r for r in data_status() if r["source"] == "fashion_mnist"}
    assert {r["status"] for r in rows.values()} == {"ok"}
    assert rows[MNIST_FILES[0]]["path"] == str(system / MNIST_FILES[0])


def test_progress_and_returned_paths(tiny, server, online):
    server.serve("m1", tiny.files.files)
    calls = []
    paths = fetch_dataset("mnist", progress=lambda *args: calls.append(args))
    assert paths == [online / "data" / "mnist" / name for name in MNIST_FILES]
    last = {name: (done, total) for name, done, total in calls}
    assert last == {name: (len(body), len(body)) for name, body in tiny.files.files.items()}


def test_fetch_dataset_errors(online):
    with pytest.raises(DataError, match=r"unknown dataset 'mnst' \(did you mean 'mnist'\?\)"):
        fetch_dataset("mnst")
    with pytest.raises(DataError, match="nothing to fetch for dataset 'iris'"):
        fetch_dataset("iris")
    with pytest.raises(DataError, match=r"mnist has no part 'tst' \(did you mean 'test'\?\)"):
        fetch_dataset("mnist", parts=("tst",))


def test_data_status_rows(tiny, build, online):
    folder = online / "data" / "mnist"
    build.put(folder, tiny.files.files, MNIST_FILES[2:])
    (folder / MNIST_FILES[3]).write_bytes(b"bad")
    rows = data_status()
    assert {r["source"] for r in rows} == {
        *("mnist", "fashion_mnist", "cifar10", "adult", "bank_marketing", "banknote"),
        *("spambase", "letter", "covertype"),
    }
    assert all(set(r) == {"source", "part", "file", "status", "path", "size"} for r in rows)
    mnist = {r["file"]: r for r in rows if r["source"] == "mnist"}
    assert [r["status"] for r in mnist.values()] == ["missing", "missing", "ok", "bad checksum"]
    assert [r["part"] for r in mnist.values()] == ["train", "train", "test", "test"]
    train_images = mnist[MNIST_FILES[0]]
    assert train_images["path"] == str(folder / MNIST_FILES[0])  # where it would go
    assert train_images["size"] == len(tiny.files.files[MNIST_FILES[0]])
    assert mnist[MNIST_FILES[3]]["size"] == 3
    cifar = [r for r in rows if r["source"] == "cifar10"]
    assert [(r["file"], r["part"], r["status"]) for r in cifar] == [
        ("cifar-10-python.tar.gz", "all", "missing")
    ]


def _copy_of_the_canonical_folder(shared_data: Path, to: Path, *, writable: bool) -> Path:
    """The MNIST-family part of the canonical folder, linked file by file into ``to``.

    The folder's write bits are set here, so the test does not depend on how the machine laid
    out the canonical folder (read-only in CI, writable in a developer's copy).
    """
    for sub in ("mnist", "fashion-mnist"):
        (to / sub).mkdir(parents=True)
        for file in (shared_data / sub).iterdir():
            (to / sub / file.name).symlink_to(file)
    mode = 0o755 if writable else 0o555
    for folder in (to / "mnist", to / "fashion-mnist", to):
        folder.chmod(mode)
    return to


@pytest.mark.parametrize("writable", [False, True], ids=["read-only", "writable"])
def test_data_status_on_the_canonical_folder(shared_data, monkeypatch, tmp_path, writable):
    data = _copy_of_the_canonical_folder(shared_data, tmp_path / "data", writable=writable)
    monkeypatch.setenv("BENCHSUITE_DATA_DIR", str(data))
    try:
        rows = {(r["source"], r["file"]): r for r in data_status()}
    finally:
        for folder in (data, data / "mnist", data / "fashion-mnist"):
            folder.chmod(0o755)  # so that pytest can remove tmp_path
    assert rows["mnist", "train-images-idx3-ubyte.gz"]["status"] == "missing"
    for name in MNIST_FILES:
        assert rows["fashion_mnist", name]["status"] == "ok"
    for name in MNIST_FILES[1:]:
        assert rows["mnist", name]["status"] == "ok"
    # a download goes to the data folder when it can be written, else to the cache
    where = Path(rows["mnist", "train-images-idx3-ubyte.gz"]["path"])
    expected = data / "mnist" if writable else Path(os.environ["BENCHSUITE_CACHE_DIR"])
    assert where.is_relative_to(expected), (where, expected)
    assert rows["mnist", "train-images-idx3-ubyte.gz"]["size"] == 9912422


def test_cifar10_downloaded_and_loaded(build, server, online):
    tiny = build.tiny_cifar(per_batch=4)
    files = {"cifar-10-python.tar.gz": tiny.archive}
    build.register("cifar10", files, mirrors=(server.serve("kriz", files),))
    ds = load(entry("cifar10"))
    assert ds.X.shape == (24, 3072) and ds.sample_shape == (3, 32, 32)
    assert [len(i) for i in ds.official_split] == [20, 4]
    assert server.requests == ["/kriz/cifar-10-python.tar.gz"]  # one archive, both parts
    np.testing.assert_array_equal(ds.X[20:], tiny.data["test_batch"] / np.float32(255))

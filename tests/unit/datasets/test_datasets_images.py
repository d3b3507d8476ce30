"""Tests of the image and sequence sources: MNIST family on the canonical files, parts,
official split, subsampling, the .npy cache, CIFAR-10 on a tiny tarball, and
synthetic_sequences."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from benchsuite.datasets import (
    DATASET_SOURCES,
    Dataset,
    _checksums,
    _images,
    check_dataset_entry,
    clear_cache,
    dataset_task,
    load_dataset,
)
from benchsuite.errors import ConfigError, DataError

SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"


def entry(source: str, **fields) -> SimpleNamespace:
    values = {"name": source, "source": source, "params": {}, "path": None, "target": None}
    values.update(task=None, subsample=None)
    values.update(fields)
    return SimpleNamespace(**values)


def load(e: SimpleNamespace, seed: int = 0) -> Dataset:
    return load_dataset(e, base_dir=Path("."), seed=seed)


def read_raw_idx(path: Path) -> np.ndarray:
    """An independent IDX reader: the header by hand, the data with numpy."""
    data = gzip.decompress(path.read_bytes())
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


# -- Fashion-MNIST, the canonical files ----------------------------------------------------


@pytest.fixture(scope="module")
def fashion(tmp_path_factory) -> Dataset:
    """fashion_mnist, part all, loaded once for the module (parsing 30 MB of gzip)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BENCHSUITE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        mp.setenv("BENCHSUITE_OFFLINE", "1")
        # module fixtures run before tests/conftest.py sets the variable: same default here
        folder = Path(os.environ.get("BENCHSUITE_DATA_DIR") or SHARED_DATA)
        mp.setenv("BENCHSUITE_DATA_DIR", str(folder))
        if not (folder / "fashion-mnist" / "train-images-idx3-ubyte.gz").is_file():
            pytest.skip("the canonical data folder (../shared/data) is not here")
        clear_cache()
        return load(entry("fashion_mnist"))


def test_fashion_mnist_all(fashion):
    assert fashion.X.shape == (70000, 784)
    assert fashion.X.dtype == np.float32
    assert float(fashion.X.min()) == 0.0 and float(fashion.X.max()) == 1.0
    assert fashion.y.dtype == np.int64
    assert set(np.unique(fashion.y)) == set(range(10))
    assert fashion.classes == list(range(10))
    assert fashion.sample_shape == (1, 28, 28)
    assert fashion.task == "multiclass"
    train, test = fashion.official_split
    assert (len(train), len(test)) == (60000, 10000)
    np.testing.assert_array_equal(train, np.arange(60000))
    np.testing.assert_array_equal(test, np.arange(60000, 70000))
    assert len(fashion.feature_names) == 784
    assert "sample_shape=(1, 28, 28)" in repr(fashion)


def test_fashion_mnist_matches_the_raw_idx_files(fashion, shared_data):
    folder = shared_data / "fashion-mnist"
    train_images = read_raw_idx(folder / "train-images-idx3-ubyte.gz")
    train_labels = read_raw_idx(folder / "train-labels-idx1-ubyte.gz")
    test_images = read_raw_idx(folder / "t10k-images-idx3-ubyte.gz")
    test_labels = read_raw_idx(folder / "t10k-labels-idx1-ubyte.gz")
    assert train_images.shape == (60000, 28, 28)
    np.testing.assert_array_equal(fashion.y, np.concatenate([train_labels, test_labels]))
    for row in (0, 1, 12345, 59999):
        image = fashion.X[row].reshape(fashion.sample_shape)
        np.testing.assert_array_equal(image[0], train_images[row] / np.float32(255))
    for row in (0, 9999):
        image = fashion.X[60000 + row].reshape(1, 28, 28)[0]
        np.testing.assert_array_equal(image, test_images[row] / np.float32(255))
    assert fashion.y[0] == 9  # the first training image is an ankle boot
    assert float(fashion.X.sum(dtype=np.float64)) == pytest.approx(
        (train_images.sum(dtype=np.float64) + test_images.sum(dtype=np.float64)) / 255
    )


def test_fashion_mnist_one_part(shared_data):
    test = load(entry("fashion_mnist", part="test"))
    assert test.X.shape == (10000, 784) and test.official_split is None
    assert test.sample_shape == (1, 28, 28)
    labels = read_raw_idx(shared_data / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(test.y, labels)


# -- MNIST: the test part is here, the train images are not --------------------------------


def test_mnist_test_part_loads_without_the_train_images(shared_data):
    assert not (shared_data / "mnist" / "train-images-idx3-ubyte.gz").exists()
    ds = load(entry("mnist", part="test"))
    assert ds.X.shape == (10000, 784) and ds.X.dtype == np.float32
    assert ds.official_split is None and ds.sample_shape == (1, 28, 28)
    # the first test digits of MNIST
    assert ds.y[:5].tolist() == [7, 2, 1, 0, 4]
    images = read_raw_idx(shared_data / "mnist" / "t10k-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(ds.X[123], images[123].ravel() / np.float32(255))


@pytest.mark.parametrize("part", [None, "all", "train"])
def test_mnist_train_offline_names_the_missing_file(shared_data, part):
    with pytest.raises(DataError) as info:
        load(entry("mnist", part=part))
    message = str(info.value)
    folder = shared_data.absolute() / "mnist"
    assert message == (
        f"mnist: file train-images-idx3-ubyte.gz not found in {folder} "
        "(offline: BENCHSUITE_OFFLINE=1); download it from "
        "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz "
        "and put it there, or run 'benchsuite data fetch mnist'"
    )
    assert "\n" not in message


# -- parts: validation ---------------------------------------------------------------------


def test_check_accepts_parts_without_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCHSUITE_DATA_DIR", str(tmp_path / "empty"))
    for part in (None, "train", "test", "all"):
        for source in ("mnist", "fashion_mnist", "cifar10"):
            check_dataset_entry(entry(source, part=part), base_dir=tmp_path)
            assert dataset_task(entry(source, part=part), base_dir=tmp_path) == "multiclass"
    assert not (tmp_path / "empty").exists()


def test_part_on_a_source_without_parts(tmp_path):
    with pytest.raises(ConfigError) as info:
        check_dataset_entry(entry("iris", part="test"), base_dir=tmp_path)
    assert info.value.path == ("part",)
    assert "mnist, fashion_mnist, cifar10" in info.value.message


def test_part_is_checked_on_load_even_when_cached(tmp_path):
    load(entry("iris"))
    with pytest.raises(ConfigError):
        load(entry("iris", part="all"))


def test_unknown_part_suggests_the_closest(tmp_path):
    with pytest.raises(ConfigError) as info:
        check_dataset_entry(entry("mnist", part="tset"), base_dir=tmp_path)
    assert info.value.path == ("part",)
    assert "(did you mean 'test'?)" in info.value.message


def test_download_sources_take_no_params(tmp_path):
    with pytest.raises(ConfigError) as info:
        check_dataset_entry(entry("mnist", params={"n": 1}), base_dir=tmp_path)
    assert info.value.path == ("params",)


# -- tiny files in a temporary data folder -------------------------------------------------


@pytest.fixture
def tiny(build, tmp_path, monkeypatch):
    """Tiny MNIST-format files registered as mnist, in a temporary data folder."""
    files = build.tiny_images(n_train=40, n_test=20)
    monkeypatch.setenv("BENCHSUITE_DATA_DIR", str(tmp_path / "data"))
    build.register("mnist", files.files)
    build.put(tmp_path / "data" / "mnist", files.files)
    return files


def test_tiny_all_concatenates_train_then_test(tiny):
    ds = load(entry("mnist"))
    expected = np.concatenate([tiny.images["train"], tiny.images["test"]]).reshape(60, 784)
    np.testing.assert_array_equal(ds.X, expected / np.float32(255))
    np.testing.assert_array_equal(ds.y, np.concatenate([tiny.labels["train"], tiny.labels["test"]]))
    assert [len(i) for i in ds.official_split] == [40, 20]
    assert load(entry("mnist", part="all")).X is ds.X  # None and "all" are one dataset


def test_subsample_within_each_part(tiny):
    ds = load(entry("mnist", subsample=30), seed=1)
    train, test = ds.official_split
    assert (len(train), len(test)) == (20, 10)  # 40:20 kept as 2:1
    # train rows come from the train part, test rows from the test part
    train_rows = {r.tobytes() for r in tiny.images["train"].reshape(40, -1)}
    test_rows = {r.tobytes() for r in tiny.images["test"].reshape(20, -1)}
    pixels = np.rint(ds.X * 255).astype(np.uint8)
    assert all(pixels[i].tobytes() in train_rows for i in train)
    assert all(pixels[i].tobytes() in test_rows for i in test)
    # stratified: 10 classes, 2 of each in train and 1 of each in test
    assert np.bincount(ds.y[train]).tolist() == [2] * 10
    assert np.bincount(ds.y[test]).tolist() == [1] * 10
    again = load(entry("mnist", subsample=30, name="again"), seed=1)
    other = load(entry("mnist", subsample=30, name="other"), seed=2)
    assert again.fingerprint == ds.fingerprint != other.fingerprint


def test_subsample_of_one_part(tiny):
    ds = load(entry("mnist", part="train", subsample=20))
    assert ds.X.shape == (20, 784) and ds.official_split is None
    assert np.bincount(ds.y).tolist() == [2] * 10


def test_second_load_reads_the_npy_cache_without_hashing(tiny, tmp_path, monkeypatch):
    first = load(entry("mnist"))
    cached = sorted(p.name for p in (tmp_path / "cache" / "mnist").glob("*.npy"))
    assert len(cached) == 4 and all(n.split("-")[0] in ("train", "test") for n in cached)
    clear_cache()
    hashed = []
    monkeypatch.setattr(_checksums, "_md5", lambda path: hashed.append(path) or "")

    def no_parse(*args, **kwargs):
        raise AssertionError("the raw files were parsed again")

    monkeypatch.setattr(_images, "read_idx", no_parse)
    second = load(entry("mnist"))
    assert hashed == []
    np.testing.assert_array_equal(second.X, first.X)
    assert second.fingerprint == first.fingerprint


def test_a_replaced_file_gets_a_new_cache_entry(tiny, build, tmp_path):
    load(entry("mnist", part="test"))
    before = sorted((tmp_path / "cache" / "mnist").glob("test-*.npy"))
    # the same data under another gzip header (as Debian repackages): md5 differs,
    # content sha256 matches, so the file is accepted and the cache key changes
    name = "t10k-labels-idx1-ubyte.gz"
    (tmp_path / "data" / "mnist" / name).write_bytes(build.gz(tiny.raw[name], mtime=12345))
    clear_cache()
    ds = load(entry("mnist", part="test"))
    after = sorted((tmp_path / "cache" / "mnist").glob("test-*.npy"))
    assert before != after and len(after) == 2  # the stale entry is removed
    np.testing.assert_array_equal(ds.y, tiny.labels["test"])


def test_corrupt_idx_names_the_file(build, tmp_path, monkeypatch):
    files = build.tiny_images(n_train=4, n_test=3)
    name = "t10k-images-idx3-ubyte.gz"
    bad_magic = bytearray(files.raw[name])
    bad_magic[3] = 1  # 2049: a labels file where images belong
    files.files[name] = build.gz(bytes(bad_magic))
    build.register("mnist", files.files)
    monkeypatch.setenv("BENCHSUITE_DATA_DIR", str(tmp_path / "data"))
    build.put(tmp_path / "data" / "mnist", files.files)
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.gz is corrupt \(IDX magic"):
        load(entry("mnist", part="test"))


def test_truncated_idx_names_the_file(build, tmp_path, monkeypatch):
    files = build.tiny_images(n_train=4, n_test=3)
    name = "t10k-images-idx3-ubyte.gz"
    files.files[name] = build.gz(files.raw[name][:-5])
    build.register("mnist", files.files)
    monkeypatch.setenv("BENCHSUITE_DATA_DIR", str(tmp_path / "data"))
    build.put(tmp_path / "data" / "mnist", files.files)
    with pytest.raises(DataError) as info:
        load(entry("mnist", part="test"))
    assert name in str(info.value) and "header announces 3x28x28" in str(info.value)


def test_image_and_label_counts_must_agree(build, tmp_path, monkeypatch):
    files = build.tiny_images(n_train=4, n_test=3)
    name = "t10k-labels-idx1-ubyte.gz"
    files.files[name] = build.gz(build.idx_bytes(np.zeros(2, dtype=np.uint8)))
    build.register("mnist", files.files)
    monkeypatch.setenv("BENCHSUITE_DATA_DIR", str(tmp_path / "data"))
    build.put(tmp_path / "data" / "mnist", files.files)
    with pytest.raises(DataError, match="holds 3 images but .* holds 2 labels"):
        load(entry("mnist", part="test"))


# -- CIFAR-10 on a tiny tarball in the real format -----------------------------------------


@pytest.fixture
def cifar(build, tmp_path, monkeypatch):
    tiny = build.tiny_cifar(per_batch=6)
    files = {"cifar-10-python.tar.gz": tiny.archive}
    build.register("cifar10", files)
    monkeypatch.setenv("BENCHSUITE_DATA_DIR", str(tmp_path / "data"))
    build.put(tmp_path / "data" / "cifar-10", files)
    return tiny


def test_cifar10_train_part(cifar):
    ds = load(entry("cifar10", part="train"))
    assert ds.X.shape == (30, 3072) and ds.X.dtype == np.float32
    assert ds.sample_shape == (3, 32, 32) and ds.official_split is None
    batches = [f"data_batch_{i}" for i in range(1, 6)]
    np.testing.assert_array_equal(
        ds.X, np.concatenate([cifar.data[b] for b in batches]) / np.float32(255)
    )
    labels = [label for b in batches for label in cifar.labels[b]]
    assert [ds.classes[code] for code in ds.y] == labels


def test_cifar10_is_channel_first_as_published(cifar):
    ds = load(entry("cifar10", part="test"))
    data = cifar.data["test_batch"]
    image = ds.X[2].reshape(ds.sample_shape)  # (3, 32, 32)
    # divided as an array: float32 on every numpy (a uint8 scalar / float32 is float64 on 1.x)
    published = data[2] / np.float32(255)
    # a published row is 1024 red values, then 1024 green, then 1024 blue, row-major
    for channel, row, col in [(0, 0, 0), (1, 5, 7), (2, 31, 30)]:
        assert image[channel, row, col] == published[channel * 1024 + row * 32 + col]


def test_cifar10_all_parts(cifar):
    ds = load(entry("cifar10"))
    assert ds.X.shape == (36, 3072)
    assert [len(i) for i in ds.official_split] == [30, 6]
    np.testing.assert_array_equal(ds.X[30:], cifar.data["test_batch"] / np.float32(255))


def test_cifar10_missing_member(build, tmp_path, monkeypatch):
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        payload = build.cifar_batch(np.zeros((2, 3072), np.uint8), [0, 1])
        info = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    files = {"cifar-10-python.tar.gz": buffer.getvalue()}
    build.register("cifar10", files)
    monkeypatch.setenv("BENCHSUITE_DATA_DIR", str(tmp_path / "data"))
    build.put(tmp_path / "data" / "cifar-10", files)
    with pytest.raises(DataError, match="no member cifar-10-batches-py/test_batch"):
        load(entry("cifar10", part="test"))


# -- synthetic_sequences -------------------------------------------------------------------


def sequences(**params) -> SimpleNamespace:
    return entry("synthetic_sequences", name="seq", params=params)


def test_sequences_shapes_and_dtype():
    ds = load(sequences())
    assert ds.X.shape == (2000, 1000) and ds.X.dtype == np.float32
    assert ds.sample_shape == (100, 10)
    assert ds.task == "binary" and ds.classes == [0, 1]
    assert np.bincount(ds.y).tolist() == [1000, 1000]
    assert ds.feature_names[:2] == ["t0_x0", "t0_x1"] and len(ds.feature_names) == 1000
    assert ds.official_split is None


def test_sequences_are_seeded():
    a = load(sequences(n_samples=200), seed=0)
    b = load(sequences(n_samples=200), seed=0)
    c = load(sequences(n_samples=200, random_state=0), seed=5)
    d = load(sequences(n_samples=200), seed=1)
    assert a.fingerprint == b.fingerprint == c.fingerprint != d.fingerprint


def test_sequences_multiclass_params():
    e = sequences(n_samples=300, n_steps=40, n_features=4, n_classes=3)
    assert dataset_task(e, base_dir=Path(".")) == "multiclass"
    ds = load(e)
    assert ds.sample_shape == (40, 4) and ds.X.shape == (300, 160)
    assert np.bincount(ds.y).tolist() == [100, 100, 100]


def test_sequences_bad_params():
    with pytest.raises(ConfigError, match="did you mean 'n_steps'"):
        check_dataset_entry(sequences(n_step=10), base_dir=Path("."))
    with pytest.raises(DataError, match="n_steps must be"):
        load(sequences(n_steps=8, n_classes=2))


def test_sequences_carry_a_learnable_signal():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    ds = load(sequences(n_samples=600, n_classes=3))
    X = ds.X.reshape(-1, *ds.sample_shape)  # (n, steps, features)
    spectrum = np.abs(np.fft.rfft(X, axis=1)).reshape(len(X), -1)
    X_train, X_test, y_train, y_test = train_test_split(
        spectrum, ds.y, test_size=0.3, random_state=0, stratify=ds.y
    )
    accuracy = LogisticRegression(max_iter=2000).fit(X_train, y_train).score(X_test, y_test)
    assert accuracy > 0.6  # chance is 1/3
    # the class is not in the per-feature means: a model has to look along time
    means = X.mean(axis=1)
    m_train, m_test = train_test_split(means, test_size=0.3, random_state=0, stratify=ds.y)
    baseline = LogisticRegression().fit(m_train, y_train).score(m_test, y_test)
    assert baseline < 0.5


def test_registry_describes_the_new_sources():
    assert DATASET_SOURCES["mnist"].parts == ("train", "test")
    assert DATASET_SOURCES["cifar10"].remote.sample_shape == (3, 32, 32)
    assert DATASET_SOURCES["synthetic_sequences"].parts == ()

"""What the downloadable datasets consist of: files, checksums, mirrors, official parts.

Pure data, no imports beyond the standard library: the registry (and so
``benchsuite list datasets``) reads it without loading numpy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RemoteFile:
    """One raw file of a downloadable dataset, as published.

    Attributes
    ----------
    name : str
        File name, as published and as looked for on disk.
    role : str
        What the reader takes it for: ``"images"``, ``"labels"`` or ``"archive"``.
    parts : tuple of str
        The official parts it holds data of (an archive may hold both).
    md5 : str
        MD5 of the file as published (the checksum the dataset's authors give).
    sha256 : str or None, default=None
        SHA-256 of the decompressed content, where known: repackaged copies (Debian's
        ``dataset-fashion-mnist``) carry the same data under another gzip header, so a
        file is accepted when its md5 *or* this matches.
    size : int or None, default=None
        Size in bytes as published, shown before a download.
    """

    name: str
    role: str
    parts: tuple[str, ...]
    md5: str
    sha256: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class RemoteSpec:
    """Where a downloadable dataset's files live and how they are read.

    Attributes
    ----------
    folder : str
        Sub-folder of the data directory holding the files (``mnist``, ``fashion-mnist``,
        ``cifar-10``), as in the canonical data folder.
    mirrors : tuple of str
        Base URLs, tried in order; a file's URL is the base URL followed by its name.
    files : tuple of RemoteFile
        Every raw file.
    sample_shape : tuple of int
        Shape of one sample, channel first: ``(C, H, W)``.
    system_dirs : tuple of str, default=()
        Folders that system packages install the same files to, searched after the data
        directory.
    """

    folder: str
    mirrors: tuple[str, ...]
    files: tuple[RemoteFile, ...]
    sample_shape: tuple[int, ...]
    system_dirs: tuple[str, ...] = ()

    @property
    def parts(self) -> tuple[str, ...]:
        """The official parts, in order (train rows come first in ``part: all``)."""
        return tuple(dict.fromkeys(part for f in self.files for part in f.parts))

    def files_for(self, parts: tuple[str, ...]) -> tuple[RemoteFile, ...]:
        """The files needed to read ``parts``, in spec order."""
        return tuple(f for f in self.files if set(f.parts) & set(parts))

    def url(self, mirror: str, file: RemoteFile) -> str:
        """The URL of ``file`` on ``mirror``."""
        return mirror.rstrip("/") + "/" + file.name


def _idx_files(checksums: dict[str, tuple[str, str | None, int]]) -> tuple[RemoteFile, ...]:
    files = []
    for part, prefix in (("train", "train"), ("test", "t10k")):
        for role, suffix in (
            ("images", "images-idx3-ubyte.gz"),
            ("labels", "labels-idx1-ubyte.gz"),
        ):
            name = f"{prefix}-{suffix}"
            md5, sha256, size = checksums[name]
            files.append(RemoteFile(name, role, (part,), md5, sha256, size))
    return tuple(files)


# md5 as published by the authors; sha256 of the decompressed IDX (shared/data/MANIFEST.md)
MNIST = RemoteSpec(
    folder="mnist",
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    files=_idx_files(
        {
            "train-images-idx3-ubyte.gz": ("f68b3c2dcbeaaa9fbdd348bbdeb94873", None, 9912422),
            "train-labels-idx1-ubyte.gz": (
                "d53e105ee54ea40749a09fcbcd1e9432",
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                28881,
            ),
            "t10k-images-idx3-ubyte.gz": (
                "9fb629c4189551a2d022fa330f9573f3",
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                1648877,
            ),
            "t10k-labels-idx1-ubyte.gz": (
                "ec29112dd5afa0611ce80d1b7f02629c",
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
                4542,
            ),
        }
    ),
    sample_shape=(1, 28, 28),
)

FASHION_MNIST = RemoteSpec(
    folder="fashion-mnist",
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
    ),
    files=_idx_files(
        {
            "train-images-idx3-ubyte.gz": (
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                26421880,
            ),
            "train-labels-idx1-ubyte.gz": (
                "25c81989df183df01b3e8a0aad5dffbe",
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                29515,
            ),
            "t10k-images-idx3-ubyte.gz": (
                "bef4ecab320f06d8554ea6380940ec79",
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                4422102,
            ),
            "t10k-labels-idx1-ubyte.gz": (
                "bb300cfdad3c16e7a12a480ee83cd310",
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
                5148,
            ),
        }
    ),
    sample_shape=(1, 28, 28),
    # Debian's dataset-fashion-mnist package
    system_dirs=("/usr/share/datasets/fashion-mnist",),
)

CIFAR10 = RemoteSpec(
    folder="cifar-10",
    mirrors=("https://www.cs.toronto.edu/~kriz/",),
    files=(
        RemoteFile(
            "cifar-10-python.tar.gz",
            "archive",
            ("train", "test"),
            "c58f30108f718f92721af3b95e74349a",
            None,
            170498071,
        ),
    ),
    sample_shape=(3, 32, 32),
)

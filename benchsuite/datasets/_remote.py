"""What the downloadable datasets consist of: files, checksums, mirrors, official parts,
and, for tables, the declared columns of each file.

Pure data, no imports beyond the standard library: the registry (and so
``benchsuite list datasets``) reads it without loading numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Column:
    """One declared column of a table file.

    Attributes
    ----------
    name : str
        Column name (checked against the header of files that have one).
    kind : {"int", "float", "category"}
        ``int``/``float``: numeric (an ``int`` column with missing values becomes float64);
        ``category``: text labels, loaded as pandas ``category``.
    """

    name: str
    kind: str


@dataclass(frozen=True)
class TableFormat:
    """How a delimited text table is laid out, and what it must hold.

    Attributes
    ----------
    columns : tuple of Column
        Every column, in file order, the target included.
    target : str
        Name of the target column.
    sep : str, default=","
        Field separator.
    header : bool, default=False
        Whether the first row names the columns; it must then name exactly ``columns``.
    skip_space : bool, default=False
        Whether spaces after a separator are dropped (``adult.data`` writes ``", "``).
    skip_lines : int, default=0
        Lines before the data (or the header) that are not part of the table.
    missing : tuple of str, default=()
        Tokens that mean a missing value, besides an empty field.
    label_suffix : str, default=""
        A suffix that some target labels carry and that is removed (``adult.test``
        writes ``<=50K.`` for ``<=50K``).
    """

    columns: tuple[Column, ...]
    target: str
    sep: str = ","
    header: bool = False
    skip_space: bool = False
    skip_lines: int = 0
    missing: tuple[str, ...] = ()
    label_suffix: str = ""


@dataclass(frozen=True)
class RemoteFile:
    """One raw file of a downloadable dataset, as published.

    Attributes
    ----------
    name : str
        File name, as published and as looked for on disk.
    role : str
        What the reader takes it for: ``"images"``, ``"labels"``, ``"archive"`` or
        ``"table"``.
    parts : tuple of str
        The official parts it holds data of (an archive may hold both); empty for a
        dataset without an official split.
    md5 : str
        MD5 of the file as published (the checksum the dataset's authors give).
    sha256 : str or None, default=None
        SHA-256 of the decompressed content, where known: repackaged copies (Debian's
        ``dataset-fashion-mnist``) carry the same data under another gzip header, so a
        file is accepted when its md5 *or* this matches.
    size : int or None, default=None
        Size in bytes as published, shown before a download.
    table : TableFormat or None, default=None
        The layout of a ``"table"`` file.
    variant : str or None, default=None
        The variant (``params: {variant: ...}``) the file belongs to; None: every variant.
    file_sha256 : str or None, default=None
        SHA-256 of the file itself, as another publisher pins it (scikit-learn's copy of
        Covertype): accepted like ``md5``.
    urls : tuple of str, default=()
        Full URLs tried after the mirrors, for copies kept under another name.
    """

    name: str
    role: str
    parts: tuple[str, ...]
    md5: str
    sha256: str | None = None
    size: int | None = None
    table: TableFormat | None = None
    variant: str | None = None
    file_sha256: str | None = None
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemoteSpec:
    """Where a downloadable dataset's files live and how they are read.

    Attributes
    ----------
    folder : str
        Sub-folder of the data directory holding the files (``mnist``, ``fashion-mnist``,
        ``cifar-10``, ``uci/adult``); ``benchsuite data list`` shows where each file is.
    mirrors : tuple of str
        Base URLs, tried in order; a file's URL is the base URL followed by its name.
    files : tuple of RemoteFile
        Every raw file.
    sample_shape : tuple of int, default=()
        Shape of one sample of an image dataset, channel first: ``(C, H, W)``; empty for
        tables.
    system_dirs : tuple of str, default=()
        Folders that system packages install the same files to, searched after the data
        directory.
    variants : tuple of str, default=()
        The values ``params: {variant: ...}`` may take, the default first; empty when the
        dataset has a single form.
    download_hint : str, default=""
        Where to get the files by hand when no mirror serves them one by one (said in
        the missing-file and download errors).
    """

    folder: str
    mirrors: tuple[str, ...]
    files: tuple[RemoteFile, ...]
    sample_shape: tuple[int, ...] = ()
    system_dirs: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    download_hint: str = ""

    @property
    def parts(self) -> tuple[str, ...]:
        """The official parts, in order (train rows come first in ``part: all``)."""
        return tuple(dict.fromkeys(part for f in self.files for part in f.parts))

    @property
    def is_table(self) -> bool:
        """Whether the files are delimited text tables (else images)."""
        return any(f.table is not None for f in self.files)

    def files_for(
        self, parts: tuple[str, ...], variant: str | None = None
    ) -> tuple[RemoteFile, ...]:
        """The files needed to read ``parts`` of ``variant``, in spec order.

        A file without parts belongs to every request (a dataset without an official
        split); ``variant`` None means the default variant (every file when there are
        no variants).
        """
        variant = variant or (self.variants[0] if self.variants else None)
        return tuple(
            f
            for f in self.files
            if (not f.parts or set(f.parts) & set(parts))
            and (f.variant is None or f.variant == variant)
        )

    def urls_of(self, file: RemoteFile) -> list[str]:
        """Every URL to try for ``file``: one per mirror, then its own full URLs."""
        return [self.url(mirror, file) for mirror in self.mirrors] + list(file.urls)

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


# md5 of the .gz files as published by the authors (yann.lecun.com/exdb/mnist); sha256 of
# the decompressed IDX, for repackaged copies whose gzip header differs
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


# -- UCI tables ----------------------------------------------------------------------------

_UCI = "https://archive.ics.uci.edu/ml/machine-learning-databases/"


def _cols(kind: str, names: str | list[str]) -> tuple[Column, ...]:
    return tuple(
        Column(name, kind) for name in (names.split() if isinstance(names, str) else names)
    )


# column names as in adult.names; 6 numeric, 8 categorical, the target last
_ADULT_COLUMNS = (
    Column("age", "int"),
    Column("workclass", "category"),
    Column("fnlwgt", "int"),
    Column("education", "category"),
    Column("education-num", "int"),
    Column("marital-status", "category"),
    Column("occupation", "category"),
    Column("relationship", "category"),
    Column("race", "category"),
    Column("sex", "category"),
    Column("capital-gain", "int"),
    Column("capital-loss", "int"),
    Column("hours-per-week", "int"),
    Column("native-country", "category"),
    Column("income", "category"),
)
_ADULT_TABLE = TableFormat(
    _ADULT_COLUMNS, target="income", sep=",", skip_space=True, missing=("?",), label_suffix="."
)

# md5s of the files UCI publishes (archive.ics.uci.edu), as public loaders pin them
ADULT = RemoteSpec(
    folder="uci/adult",
    mirrors=(_UCI + "adult/",),
    files=(
        RemoteFile(
            "adult.data",
            "table",
            ("train",),
            "5d7c39d7b8804f071cdd1f2a7c460872",
            size=3974305,
            table=_ADULT_TABLE,
        ),
        RemoteFile(
            "adult.test",
            "table",
            ("test",),
            "35238206dfdf7f1fe215bbb874adecdc",
            size=2003153,
            # line 1 is "|1x3 Cross validator", a note of the original distribution
            table=replace(_ADULT_TABLE, skip_lines=1),
        ),
    ),
)

_BANK_FULL_TABLE = TableFormat(
    (
        *_cols("int", "age"),
        *_cols("category", "job marital education default"),
        *_cols("int", "balance"),
        *_cols("category", "housing loan contact"),
        *_cols("int", "day"),
        *_cols("category", "month"),
        *_cols("int", "duration campaign pdays previous"),
        *_cols("category", "poutcome y"),
    ),
    target="y",
    sep=";",
    header=True,
)
_BANK_ADDITIONAL_TABLE = TableFormat(
    (
        *_cols("int", "age"),
        *_cols("category", "job marital education default housing loan contact month"),
        *_cols("category", "day_of_week"),
        *_cols("int", "duration campaign pdays previous"),
        *_cols("category", "poutcome"),
        *_cols("float", "emp.var.rate cons.price.idx cons.conf.idx euribor3m nr.employed"),
        *_cols("category", "y"),
    ),
    target="y",
    sep=";",
    header=True,
)

# UCI publishes Bank Marketing only as nested zips (bank+marketing.zip holding bank.zip and
# bank-additional.zip): no mirror serves the CSV files one by one, so they are put by hand
BANK_MARKETING = RemoteSpec(
    folder="uci/bank-marketing",
    mirrors=(),
    files=(
        RemoteFile(
            "bank-full.csv",
            "table",
            (),
            "e6b0ca77f3f200ec5428e04dd104da53",
            size=4610348,
            table=_BANK_FULL_TABLE,
            variant="full",
        ),
        RemoteFile(
            "bank-additional-full.csv",
            "table",
            (),
            "f6cb2c1256ffe2836b36df321f46e92c",
            size=5834924,
            table=_BANK_ADDITIONAL_TABLE,
            variant="additional",
        ),
    ),
    variants=("full", "additional"),
    download_hint=(
        "download https://archive.ics.uci.edu/static/public/222/bank+marketing.zip, "
        "extract bank.zip (bank-full.csv) or bank-additional.zip (bank-additional-full.csv) "
        "from it"
    ),
)

BANKNOTE = RemoteSpec(
    folder="uci/banknote",
    mirrors=(_UCI + "00267/",),
    files=(
        RemoteFile(
            "data_banknote_authentication.txt",
            "table",
            (),
            "3f64e2b50525a2f36dcd947eaf7bac8a",
            size=46400,
            table=TableFormat(
                (*_cols("float", "variance skewness curtosis entropy"), Column("class", "int")),
                target="class",
            ),
        ),
    ),
)

# spambase.names' attribute names; the six char_freq_<c> are percent-encoded as OpenML
# does, since XGBoost and LightGBM reject feature names with "[", ";" and the like
_SPAMBASE_WORDS = (
    "make address all 3d our over remove internet order mail receive will people report "
    "addresses free business email you credit your font 000 money hp hpl george 650 lab "
    "labs telnet 857 data 415 85 technology 1999 parts pm direct cs meeting original "
    "project re edu table conference"
)
SPAMBASE_FEATURES = (
    [f"word_freq_{word}" for word in _SPAMBASE_WORDS.split()]
    + [f"char_freq_%{ord(c):02X}" for c in ";([!$#"]
    + ["capital_run_length_average", "capital_run_length_longest", "capital_run_length_total"]
)

SPAMBASE = RemoteSpec(
    folder="uci/spambase",
    mirrors=(_UCI + "spambase/",),
    files=(
        RemoteFile(
            "spambase.data",
            "table",
            (),
            # UCI's file; a copy with md5 7459fd63... differs in one value (row 4, column
            # 10: 0.62 instead of 0.63) and is rejected
            "e7368d48fa690b0331a09b430d55fb6a",
            size=702942,
            table=TableFormat(
                (*_cols("float", SPAMBASE_FEATURES), Column("class", "int")), target="class"
            ),
        ),
    ),
)

LETTER = RemoteSpec(
    folder="uci/letter-recognition",
    mirrors=(_UCI + "letter-recognition/",),
    files=(
        RemoteFile(
            "letter-recognition.data",
            "table",
            (),
            "6a2d740def5d13ea6096272546f6d41e",
            size=712565,
            # names as in letter-recognition.names; the target comes first
            table=TableFormat(
                (
                    Column("lettr", "category"),
                    *_cols(
                        "int",
                        "x-box y-box width high onpix x-bar y-bar x2bar y2bar xybar x2ybr "
                        "xy2br x-ege xegvy y-ege yegvx",
                    ),
                ),
                target="lettr",
            ),
        ),
    ),
)

COVERTYPE_FEATURES = (
    [
        "Elevation",
        "Aspect",
        "Slope",
        "Horizontal_Distance_To_Hydrology",
        "Vertical_Distance_To_Hydrology",
        "Horizontal_Distance_To_Roadways",
        "Hillshade_9am",
        "Hillshade_Noon",
        "Hillshade_3pm",
        "Horizontal_Distance_To_Fire_Points",
    ]
    + [f"Wilderness_Area{i}" for i in range(1, 5)]
    + [f"Soil_Type{i}" for i in range(1, 41)]
)

COVERTYPE = RemoteSpec(
    folder="uci/covertype",
    mirrors=(_UCI + "covtype/",),
    files=(
        RemoteFile(
            "covtype.data.gz",
            "table",
            (),
            # not on hand: the md5 that public loaders pin for the UCI URL (e.g. the
            # covtype loaders of several benchmark suites); scikit-learn's fetch_covtype
            # pins the SHA-256 of its figshare copy, accepted as well
            "99670d8d942f09d459c7d4486fca8af5",
            table=TableFormat(
                (*_cols("int", COVERTYPE_FEATURES), Column("Cover_Type", "int")),
                target="Cover_Type",
            ),
            file_sha256="614360d0257557dd1792834a85a1cdebfadc3c4f30b011d56afee7ffb5b15771",
            urls=("https://ndownloader.figshare.com/files/5976039",),
        ),
    ),
)

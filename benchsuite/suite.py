"""Suite YAML -> validated :class:`Suite`.

Everything a suite names is checked here, before anything runs: the YAML itself, its
shape, dataset sources, estimator aliases or import strings, parameter names and metric
names. Every problem becomes one :class:`SuiteError` line of the form
``suites/x.yaml:12: estimators[3].params: unknown parameter 'n_estimator' for
RandomForestClassifier (did you mean 'n_estimators'?)``.

Only ``yaml.safe_load`` semantics are used: tags that would build Python objects are
rejected, never executed.

The shape is defined by the pydantic models of :mod:`benchsuite._suite_schema`, which are
also the single source of its error messages. Importing pydantic and building those models
costs a run about 0.1 s, so a plainly valid suite is checked by :func:`_fast_fields`
instead, a strict hand-written subset of the same schema: the moment it meets anything it
is not sure of, it gives up and pydantic validates (and words the error). Both give the
same frozen dataclasses (``tests/unit/test_suite_fastpath.py`` holds them to it).
A new suite key goes into both the models and :func:`_fast_fields`.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from benchsuite._suggest import did_you_mean
from benchsuite.errors import BenchsuiteError, ConfigError, DataError

if TYPE_CHECKING:
    from pydantic import ValidationError

Task = Literal["binary", "multiclass", "regression"]
Part = Literal["train", "test", "all"]
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
# YAML nodes visited while indexing lines; aliases can make a small file expand
# exponentially ("billion laughs"), which no real suite needs
_MAX_NODES = 100_000
# the top-level keys of a suite, in the schema's order (benchsuite._suite_schema.SuiteModel)
_SUITE_KEYS = ("name", "description", "seed", "defaults", "datasets", "estimators", "pairs")


class SuiteError(BenchsuiteError):
    """An invalid suite file; the message already carries ``file:line: key:``."""

    def __init__(self, message: str) -> None:
        # one line, always: quoted YAML problems and third-party messages may span several
        super().__init__(re.sub(r"\s*\n\s*", " ", message.strip()))


# --------------------------------------------------------------------------------------
# The suite model
# --------------------------------------------------------------------------------------


class _Entry:
    """What the suite's frozen dataclasses share: :meth:`model_dump`."""

    def model_dump(self) -> dict[str, Any]:
        """The fields as a dict, nested entries as dicts: the same dict pydantic's
        ``model_dump()`` gave when these were pydantic models. Config hashes are built
        from it (:func:`benchsuite.plan._config_hash`), so it must not change."""
        return {f.name: _dump(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


def _dump(value: Any) -> Any:
    if isinstance(value, _Entry):
        return value.model_dump()
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_dump(v) for v in value]
    return value


@dataclass(frozen=True)
class Evaluation(_Entry):
    """How each (dataset, estimator) pair is split: k-fold CV, one holdout split, or the
    dataset's official train/test split.

    Attributes
    ----------
    cv : int or None
        Number of CV folds (>= 2).
    holdout : float or None
        Test fraction of one shuffled split, in (0, 1).
    split : {"official", "openml"} or None
        The dataset's published train/test split, or the folds of an OpenML task.
    stratify : bool or None
        cv and holdout: keep class proportions in every split. None (not given) means
        stratified for classification: the default, kept out of config hashes so that
        suites written before this option keep their case hashes.
    """

    cv: int | None = None
    holdout: float | None = None
    split: Literal["official", "openml"] | None = None
    stratify: bool | None = None

    @property
    def stratified(self) -> bool:
        """Whether classification targets are stratified (``stratify`` unset: yes)."""
        return self.stratify is not False

    @property
    def n_folds(self) -> int:
        """Folds of ``cv``; 1 for a holdout or official split. An OpenML task's count
        comes from the task (see :func:`benchsuite.plan.build_plan`)."""
        return int(self.cv or 5) if self.method == "cv" else 1

    @property
    def method(self) -> str:
        """``"cv"``, ``"holdout"``, ``"official"`` or ``"openml"`` (an empty mapping means
        5-fold CV)."""
        if self.split is not None:
            return self.split
        return "holdout" if self.holdout is not None else "cv"

    def describe(self) -> str:
        """``cv=5``, ``holdout=0.2``, ``split=official``, plus ``,stratify=false`` when
        given: the evaluation as records show it."""
        if self.split is not None:
            return f"split={self.split}"
        text = f"holdout={self.holdout}" if self.holdout is not None else f"cv={self.n_folds}"
        # only a non-default choice is spelled out: records of older runs read the same
        return text if self.stratify is None else f"{text},stratify={str(self.stratify).lower()}"

    def hash_fields(self) -> dict[str, Any]:
        """The fields that define the evaluation, for config hashes: ``model_dump()``
        without ``stratify`` when it is not given (hashes from before it existed hold)."""
        data = self.model_dump()
        if data["stratify"] is None:
            del data["stratify"]
        return data


@dataclass(frozen=True)
class Defaults(_Entry):
    """Settings shared by every case unless an entry overrides them.

    Attributes
    ----------
    evaluation : Evaluation
        Default 5-fold CV.
    repeats : int
        Timing repeats (refits) per fold.
    metrics : list of str or None
        None: the task's default metrics.
    timeout : float or None
        Seconds per case.
    device : str or None
        Default device of models: auto, cpu, cuda, cuda:N or mps.
    target : dict or None
        Time-to-accuracy, e.g. ``{"accuracy": 0.99}``: deep models record when the test
        fold reaches it.
    """

    evaluation: Evaluation = field(default_factory=lambda: Evaluation(cv=5))
    repeats: int = 1
    metrics: list[str] | None = None
    timeout: float | None = None
    device: str | None = None
    target: dict[str, float] | None = None


@dataclass(frozen=True)
class DatasetEntry(_Entry):
    """One dataset of the suite (``- iris`` or a mapping); fields as in README "Suite
    files". ``evaluation`` overrides ``defaults.evaluation`` for this dataset."""

    name: str
    source: str
    params: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    target: str | None = None
    task: Task | None = None
    subsample: int | None = None
    part: Part | None = None
    evaluation: Evaluation | None = None
    encoding: str | None = None  # text encoding of a CSV file (default utf-8)

    def model_dump(self) -> dict[str, Any]:
        data = super().model_dump()
        # an unset encoding is left out, so the config_hash of every existing case (a hash
        # of this dump) stays what it was before the key existed: baselines still compare
        if self.encoding is None:
            del data["encoding"]
        return data


@dataclass(frozen=True)
class EstimatorEntry(_Entry):
    """One estimator of the suite (``- svc`` or a mapping): an alias or import string,
    its params, an optional grid (one case per point) and device."""

    name: str
    model: str
    params: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list[Any]] = field(default_factory=dict)
    device: str | None = None


@dataclass(frozen=True)
class PairSpec(_Entry):
    """An explicit selection of datasets x estimators to run."""

    datasets: list[str]
    estimators: list[str]


@dataclass(frozen=True)
class SuiteFields:
    """A suite's validated content, before it becomes a :class:`Suite` (what the fast
    checker and the pydantic models both produce)."""

    name: str
    description: str
    seed: int
    defaults: Defaults
    datasets: tuple[DatasetEntry, ...]
    estimators: tuple[EstimatorEntry, ...]
    pairs: Literal["all"] | tuple[PairSpec, ...]


@dataclass(frozen=True)
class Suite:
    """A validated suite.

    Attributes
    ----------
    name, description, seed, defaults, datasets, estimators, pairs
        As in the YAML file, with defaults filled in (see README "Suite files").
    path : Path or None
        The file it came from (None for suites built from a string).
    base_dir : Path
        Directory that relative dataset paths are resolved against.
    file_hash : str
        sha256 of the file's bytes, stored with every run.
    """

    name: str
    description: str
    seed: int
    defaults: Defaults
    datasets: tuple[DatasetEntry, ...]
    estimators: tuple[EstimatorEntry, ...]
    pairs: Literal["all"] | tuple[PairSpec, ...]
    path: Path | None = None
    base_dir: Path = field(default_factory=Path.cwd)
    file_hash: str = ""

    def dataset(self, name: str) -> DatasetEntry:
        return next(d for d in self.datasets if d.name == name)

    def estimator(self, name: str) -> EstimatorEntry:
        return next(e for e in self.estimators if e.name == name)

    def selected_pairs(self) -> list[tuple[DatasetEntry, EstimatorEntry]]:
        """(dataset, estimator) pairs to run, in suite order, without duplicates."""
        if self.pairs == "all":
            return [(d, e) for d in self.datasets for e in self.estimators]
        wanted = {(d, e) for p in self.pairs for d in p.datasets for e in p.estimators}
        return [
            (d, e) for d in self.datasets for e in self.estimators if (d.name, e.name) in wanted
        ]


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def load_suite(path: str | os.PathLike[str]) -> Suite:
    """Read, parse and validate a suite file.

    Parameters
    ----------
    path : path-like
        The YAML file.

    Returns
    -------
    Suite
        The validated suite.

    Raises
    ------
    SuiteError
        With a one-line ``file:line: key: message`` for any problem.
    """
    path = Path(path)
    where = str(path)
    if path.is_dir():
        raise SuiteError(f"{where}: is a directory, expected a suite YAML file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SuiteError(f"{where}: no such file") from None
    except OSError as exc:
        raise SuiteError(f"{where}: cannot read ({exc.strerror})") from None
    return parse_suite(data, source=where, base_dir=path.parent, path=path)


def parse_suite(
    data: bytes | str,
    *,
    source: str = "<suite>",
    base_dir: str | os.PathLike[str] | None = None,
    path: Path | None = None,
) -> Suite:
    """Validate suite YAML given as bytes or text; see :func:`load_suite`."""
    raw = data.encode() if isinstance(data, str) else data
    file_hash = hashlib.sha256(raw).hexdigest()
    if b"\x00" in raw:
        raise SuiteError(f"{source}: not a text file (binary data); expected suite YAML")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SuiteError(f"{source}: not a text file (not UTF-8); expected suite YAML") from None
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        raise SuiteError(
            f"{source}: file is empty; expected a mapping with 'datasets' and 'estimators'"
        )

    doc, lines = _load_yaml(text, source)
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    checker = _Checker(source, lines)
    if not isinstance(doc, dict):
        raise SuiteError(
            f"{source}:{lines.get((), 1)}: the top level must be a mapping with 'datasets'"
            f" and 'estimators', got {_type_name(doc)}"
        )
    for key in doc:  # before the entries are normalized, so 'estimator' is not 'missing'
        if key not in _SUITE_KEYS:
            raise checker.unknown_key((key,), list(_SUITE_KEYS))
    doc = checker.interpolate(doc, ())
    if "name" not in doc and path is not None:
        doc["name"] = path.stem
    doc["datasets"] = checker.normalize_entries(doc.get("datasets"), "datasets")
    doc["estimators"] = checker.normalize_entries(doc.get("estimators"), "estimators")

    content = _fast_fields(doc)
    if content is None:  # not plainly valid: pydantic decides, and words any error
        from pydantic import ValidationError

        from benchsuite import _suite_schema

        try:
            content = _suite_schema.validate(doc)
        except ValidationError as exc:
            raise checker.from_validation(exc) from None

    suite = Suite(
        name=content.name,
        description=content.description,
        seed=content.seed,
        defaults=content.defaults,
        datasets=content.datasets,
        estimators=content.estimators,
        pairs=content.pairs,
        path=path,
        base_dir=base,
        file_hash=file_hash,
    )
    checker.check_semantics(suite, base)
    return suite


# --------------------------------------------------------------------------------------
# The fast checker: plainly valid suites without pydantic
# --------------------------------------------------------------------------------------


class _Unsure(Exception):
    """The fast checker met something it does not plainly accept: pydantic decides."""


_EVALUATION_KEYS = frozenset(f.name for f in fields(Evaluation))
_DEFAULTS_KEYS = frozenset(f.name for f in fields(Defaults))
_DATASET_KEYS = frozenset(f.name for f in fields(DatasetEntry))
_ESTIMATOR_KEYS = frozenset(f.name for f in fields(EstimatorEntry))
_PAIR_KEYS = frozenset(f.name for f in fields(PairSpec))
# an ASCII-only subset of the schema's device pattern (pydantic's regex engine reads \d
# and $ differently from Python's; this subset means the same to both)
_DEVICE_RE = re.compile(r"auto|cpu|cuda|cuda:[0-9]{1,6}|mps")
# ints the fast checker accepts; beyond, pydantic decides (it takes any size)
_INT_LIMIT = 2**63
# ints a float field accepts as they are; pydantic converts them to float, exactly below this
_FLOAT_INT_LIMIT = 2**53
# nesting the fast checker follows in free-form params; deeper, pydantic decides
_MAX_DEPTH = 20


def _fast_fields(doc: dict[str, Any]) -> SuiteFields | None:
    """The suite's entries if ``doc`` is plainly valid, else None (then pydantic decides).

    A strict subset of the schema of :mod:`benchsuite._suite_schema`: exact types only
    (no bool for an int, no string for a number), values in range, no unknown key, and
    free-form params made of plain YAML scalars, lists and string-keyed mappings. It never
    raises a user-facing error: whatever it does not accept, pydantic validates.

    Parameters
    ----------
    doc : dict
        The suite mapping after interpolation and short-form expansion.

    Returns
    -------
    SuiteFields or None
    """
    try:
        _keys(doc, frozenset(_SUITE_KEYS), required=("name", "datasets", "estimators"))
        pairs = doc.get("pairs", "all")
        return SuiteFields(
            name=_str(doc["name"]),
            description=_str(doc.get("description", "")),
            seed=_int(doc.get("seed", 0)),
            defaults=_fast_defaults(doc["defaults"]) if "defaults" in doc else Defaults(),
            datasets=tuple(_fast_dataset(d) for d in _list(doc["datasets"])),
            estimators=tuple(_fast_estimator(e) for e in _list(doc["estimators"])),
            pairs="all" if pairs == "all" else tuple(_fast_pair(p) for p in _list(pairs)),
        )
    except _Unsure:
        return None


def _fast_evaluation(value: Any) -> Evaluation:
    _keys(value, _EVALUATION_KEYS)
    cv = _opt(value.get("cv"), _int)
    if cv is not None and cv < 2:
        raise _Unsure
    holdout = _opt(value.get("holdout"), _float)
    if holdout is not None and not 0.0 < holdout < 1.0:
        raise _Unsure
    split = _opt(value.get("split"), _one_of("official", "openml"))
    stratify = _opt(value.get("stratify"), _bool)
    # one method at most, and stratify only with cv or holdout (the schema's own check)
    if sum(v is not None for v in (cv, holdout, split)) > 1 or (split and stratify is not None):
        raise _Unsure
    return Evaluation(cv=cv, holdout=holdout, split=split, stratify=stratify)


def _fast_defaults(value: Any) -> Defaults:
    _keys(value, _DEFAULTS_KEYS)
    repeats = _int(value.get("repeats", 1))
    timeout = _opt(value.get("timeout"), _float)
    if repeats < 1 or (timeout is not None and not timeout > 0):
        raise _Unsure
    target = _opt(value.get("target"), _dict)
    if target is not None:
        target = {_one_of("accuracy", "r2")(k): _float(v) for k, v in target.items()}
    return Defaults(
        evaluation=_fast_evaluation(value["evaluation"])
        if "evaluation" in value
        else Evaluation(cv=5),
        repeats=repeats,
        metrics=_opt(value.get("metrics"), _str_list),
        timeout=timeout,
        device=_opt(value.get("device"), _device),
        target=target,
    )


def _fast_dataset(value: Any) -> DatasetEntry:
    _keys(value, _DATASET_KEYS, required=("name", "source"))
    subsample = _opt(value.get("subsample"), _int)
    if subsample is not None and subsample < 1:
        raise _Unsure
    return DatasetEntry(
        name=_str(value["name"]),
        source=_str(value["source"]),
        params=_params(value.get("params", {})),
        path=_opt(value.get("path"), _str),
        target=_opt(value.get("target"), _str),
        task=_opt(value.get("task"), _one_of("binary", "multiclass", "regression")),
        subsample=subsample,
        part=_opt(value.get("part"), _one_of("train", "test", "all")),
        evaluation=_opt(value.get("evaluation"), _fast_evaluation),
        encoding=_opt(value.get("encoding"), _str),
    )


def _fast_estimator(value: Any) -> EstimatorEntry:
    _keys(value, _ESTIMATOR_KEYS, required=("name", "model"))
    grid = _dict(value.get("grid", {}))
    return EstimatorEntry(
        name=_str(value["name"]),
        model=_str(value["model"]),
        params=_params(value.get("params", {})),
        grid={_str(k): _plain_list(v) for k, v in grid.items()},
        device=_opt(value.get("device"), _device),
    )


def _fast_pair(value: Any) -> PairSpec:
    _keys(value, _PAIR_KEYS, required=("datasets", "estimators"))
    return PairSpec(
        datasets=_str_list(value["datasets"]), estimators=_str_list(value["estimators"])
    )


def _keys(value: Any, allowed: frozenset[str], required: tuple[str, ...] = ()) -> None:
    if type(value) is not dict or not all(type(k) is str and k in allowed for k in value):
        raise _Unsure
    if not all(k in value for k in required):
        raise _Unsure


def _opt(value: Any, check: Any) -> Any:
    return None if value is None else check(value)


def _str(value: Any) -> str:
    if type(value) is not str:
        raise _Unsure
    return value


def _int(value: Any) -> int:
    if type(value) is not int or not -_INT_LIMIT < value < _INT_LIMIT:
        raise _Unsure
    return value


def _float(value: Any) -> float:
    # the schema's floats are strict but take ints, as floats: `timeout: 900` is 900.0
    if type(value) is int and -_FLOAT_INT_LIMIT < value < _FLOAT_INT_LIMIT:
        return float(value)
    if type(value) is not float or not math.isfinite(value):
        raise _Unsure
    return value


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise _Unsure
    return value


def _one_of(*choices: str) -> Any:
    def check(value: Any) -> str:
        if type(value) is not str or value not in choices:
            raise _Unsure
        return value

    return check


def _device(value: Any) -> str:
    if type(value) is not str or not _DEVICE_RE.fullmatch(value):
        raise _Unsure
    return value


def _dict(value: Any) -> dict[str, Any]:
    if type(value) is not dict or not all(type(k) is str for k in value):
        raise _Unsure
    return value


def _list(value: Any) -> list[Any]:
    if type(value) is not list or not value:
        raise _Unsure
    return value


def _str_list(value: Any) -> list[str]:
    return [_str(v) for v in _list(value)]


def _plain_list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise _Unsure
    return [_plain(v, 1) for v in value]


def _params(value: Any) -> dict[str, Any]:
    return {k: _plain(v, 1) for k, v in _dict(value).items()}


def _plain(value: Any, depth: int) -> Any:
    """A free-form value (params, grid points) made only of plain YAML scalars, lists and
    string-keyed mappings; anything else (dates, binary, sets, odd keys) is pydantic's."""
    if depth > _MAX_DEPTH:
        raise _Unsure
    kind = type(value)
    if kind in (str, bool) or value is None:
        return value
    if kind is int:
        return _int(value)
    if kind is float:
        return value  # any float, nan and inf too: pydantic passes Any through untouched
    if kind is list:
        for v in value:
            _plain(v, depth + 1)
        return value
    if kind is dict:
        for k, v in value.items():
            _str(k)
            _plain(v, depth + 1)
        return value
    raise _Unsure


def _got(value: Any) -> str:
    """``"a string ('5')"``: the type and, for a scalar, the value a user wrote."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (str, int, float)):
        text = repr(value)
        return f"{_type_name(value)} ({text if len(text) <= 40 else text[:37] + '...'})"
    return _type_name(value)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return {
        list: "a list",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def _load_yaml(text: str, source: str) -> tuple[Any, dict[tuple, int]]:
    """Parse with safe semantics; return the document and a map key-path -> line."""
    parsed = _parse_c(text) if _C_LOADER is not None and _C_SAFE_TEXT.fullmatch(text) else None
    try:
        node, doc = parsed or _parse(text, yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = f"{source}:{mark.line + 1}" if mark else source
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and problem.startswith("but "):
            # "expected a single document in the stream" + "but found another document"
            problem = f"{exc.context}, {problem}"
        if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in str(problem):
            problem = (
                f"{problem.strip()}; suites are plain YAML (safe_load), Python object tags"
                " are not allowed"
            )
        else:
            problem = f"YAML syntax error: {problem}"
            text_lines = text.splitlines()
            if mark and mark.line < len(text_lines) and "${" in text_lines[mark.line]:
                problem += ' (quote values that use ${VAR}: "${VAR}")'
        raise SuiteError(f"{loc}: {problem}") from None
    except yaml.YAMLError as exc:
        raise SuiteError(f"{source}: YAML error: {exc}".replace("\n", " ")) from None
    lines: dict[tuple, int] = {}
    if node is not None:
        _index_lines(node, (), lines, source, active=set(), budget=[_MAX_NODES])
    return doc, lines


# libyaml's parser (PyYAML's C extension), about 10 times faster than the pure-Python one
_C_LOADER: type | None = getattr(yaml, "CSafeLoader", None)
# text both parsers read alike: printable characters and \n line ends; not tabs, \r, BOMs
# or the extra line breaks of YAML 1.1 (\x85, \u2028, \u2029), where they could differ
_C_SAFE_TEXT = re.compile(
    "[\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)


def _parse(text: str, loader_class: type) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the document built from it: one parse, as
    ``yaml.compose`` and then ``yaml.load`` (``SafeConstructor``) would give them."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if "<<" in text or "merge" in text:
            # SafeConstructor expands merge keys into the very nodes it builds from, which
            # would turn the merged keys into duplicates in the line map: build the document
            # from a second parse instead (merge keys are rare; tags may spell them too)
            return node, yaml.load(text, Loader=loader_class)  # noqa: S506 - a safe loader
        return node, loader.construct_document(node)
    finally:
        loader.dispose()


def _parse_c(text: str) -> tuple[yaml.Node | None, Any] | None:
    """:func:`_parse` with libyaml, or None on any error: then the pure-Python parser
    parses again, and words the error as it always has (libyaml words them differently)."""
    try:
        return _parse(text, _C_LOADER)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - whatever it is, the Python parser reports it
        return None


def _key_value(key_node: yaml.Node) -> Any:
    """The key as ``safe_load`` builds it (``1`` for ``1:``, None for ``~:``)."""
    if key_node.tag == "tag:yaml.org,2002:str":
        return key_node.value  # what SafeConstructor builds for a string, without one
    if isinstance(key_node, yaml.ScalarNode):
        try:
            return yaml.SafeLoader("").construct_object(key_node)
        except yaml.YAMLError:  # the merge key '<<'
            return key_node.value
    return key_node.value  # unhashable keys were already rejected by safe_load


def _index_lines(
    node: yaml.Node,
    path: tuple,
    lines: dict[tuple, int],
    source: str,
    *,
    active: set[int],
    budget: list[int],
) -> None:
    line = node.start_mark.line + 1
    if id(node) in active:
        where = _format_path(path) or "top level"
        raise SuiteError(f"{source}:{line}: {where}: a YAML alias refers to itself")
    budget[0] -= 1
    if budget[0] < 0:
        raise SuiteError(
            f"{source}:{line}: too many YAML nodes after expanding aliases (more than"
            f" {_MAX_NODES}); a suite file should not need that many"
        )
    lines.setdefault(path, line)
    active.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = _key_value(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise SuiteError(
                    f"{source}:{line}: {_format_path(path) or 'top level'}: duplicate key"
                    f" '{key}' (first at line {seen[key]})"
                )
            seen[key] = line
            lines[(*path, key)] = line
            _index_lines(value_node, (*path, key), lines, source, active=active, budget=budget)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*path, i), lines, source, active=active, budget=budget)
    active.discard(id(node))


def _format_path(path: tuple) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Checker:
    """Turns problems at a key path into ``file:line: key: message`` errors."""

    def __init__(self, source: str, lines: dict[tuple, int]) -> None:
        self.source = source
        self.lines = lines

    def error(self, path: tuple, message: str, *, line_path: tuple | None = None) -> SuiteError:
        """The error at key ``path``, on the line of ``line_path`` (default: ``path``)."""
        line = None
        at = path if line_path is None else line_path
        for n in range(len(at), -1, -1):
            line = self.lines.get(tuple(at[:n]))
            if line is not None:
                break
        where = f"{self.source}:{line}" if line else self.source
        key = _format_path(path)
        return SuiteError(f"{where}: {key}: {message}" if key else f"{where}: {message}")

    # -- pre-processing of the raw document ------------------------------------------------

    def interpolate(self, value: Any, path: tuple) -> Any:
        """Replace ``${VAR}`` / ``${VAR:-default}`` in strings from the environment."""
        if isinstance(value, dict):
            return {k: self.interpolate(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.interpolate(v, (*path, i)) for i, v in enumerate(value)]
        if not isinstance(value, str) or "${" not in value:
            return value

        def repl(m: re.Match[str]) -> str:
            var, default = m.group(1), m.group(2)
            if var in os.environ:
                return os.environ[var]
            if default is not None:
                return default
            raise self.error(
                path, f"environment variable '{var}' is not set (use ${{{var}:-default}})"
            )

        new = _ENV_RE.sub(repl, value)
        if _ENV_RE.fullmatch(value):
            # a whole-value reference keeps YAML typing: ${N_FOLDS} can be a number
            try:
                return yaml.safe_load(new) if new else new
            except yaml.YAMLError:
                return new
        return new

    def normalize_entries(self, entries: Any, section: str) -> Any:
        """Expand the short forms (``- iris``) and fill in default names."""
        if entries is None:
            raise self.error((), f"missing required key '{section}' (a list of {section})")
        if not isinstance(entries, list):
            raise self.error((section,), f"must be a list, got {_type_name(entries)}")
        if not entries:
            raise self.error((section,), f"must list at least one of the {section}")
        out = []
        for i, entry in enumerate(entries):
            path = (section, i)
            if isinstance(entry, str) and section == "datasets":
                entry = {"source": entry}
                self._default_dataset(entry)
            elif isinstance(entry, str):
                entry = {"name": entry, "model": entry}
            elif not isinstance(entry, dict):
                raise self.error(path, f"must be a name or a mapping, got {_type_name(entry)}")
            else:
                entry = dict(entry)
                if section == "datasets":
                    self._default_dataset(entry)
                else:
                    self._default_estimator(entry, path)
            out.append(entry)
        return out

    @staticmethod
    def _default_dataset(entry: dict) -> None:
        path = entry.get("path")
        from benchsuite.datasets._openml import parse_shorthand, shorthand_name

        # `- openml:31`, `source: openml:task:59`: the openml source with its id
        for key in ("source", "name"):
            value = entry.get(key)
            short = parse_shorthand(value) if isinstance(value, str) else None
            if short is None or (key == "name" and "source" in entry):
                continue
            if isinstance(entry.get("params"), dict) and entry["params"]:
                break  # both forms at once: let params be checked as they are
            entry["source"] = "openml"
            entry["params"] = short
            if key == "name" or "name" not in entry:
                entry["name"] = shorthand_name(short)
            break
        if "source" not in entry:
            if isinstance(path, str):
                suffix = Path(path).suffix.lower()
                entry["source"] = "parquet" if suffix in (".parquet", ".pq") else "csv"
            elif isinstance(entry.get("name"), str):
                entry["source"] = entry["name"]
        if "name" not in entry:
            if isinstance(path, str):
                entry["name"] = Path(path).stem
            elif isinstance(entry.get("source"), str):
                entry["name"] = entry["source"]

    def _default_estimator(self, entry: dict, path: tuple) -> None:
        model = entry.get("model")
        if "model" not in entry and isinstance(entry.get("name"), str):
            entry["model"] = entry["name"]
        elif "name" not in entry and isinstance(model, str):
            entry["name"] = model.rsplit(":", 1)[-1] if ":" in model else model

    # -- pydantic errors -> one line -----------------------------------------------------

    def unknown_key(self, path: tuple, allowed: list[str]) -> SuiteError:
        key = path[-1]
        hint = did_you_mean(str(key), allowed)
        return self.error(
            (*path[:-1], str(key)),  # a key 1 is shown as '1', not as a list index '[1]'
            f"unknown key '{key}'{hint}; allowed keys: {', '.join(allowed)}",
            line_path=path,
        )

    def from_validation(self, exc: ValidationError) -> SuiteError:
        err = _pick_error(exc.errors(include_url=False))
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            loc = _strip_union_tags(loc)
            return self.unknown_key(loc, _allowed_keys(loc[:-1]))
        if kind == "missing":
            return self.error(_strip_union_tags(loc[:-1]), f"missing required key '{loc[-1]}'")
        if loc[-1:] == ("[key]",) and kind == "literal_error":
            # a mapping with a fixed set of keys, e.g. target: {accuracy: 0.99}
            key_path = _strip_union_tags(loc)
            return self.error(
                key_path[:-1],
                f"unknown key {key_path[-1]!r}; {err['msg'][0].lower()}{err['msg'][1:]}",
                line_path=key_path,
            )
        if kind == "invalid_key" or loc[-1:] == ("[key]",):
            # a key YAML read as a number/null/boolean: `1: x`, `~: x`, `params: {1: 2}`
            key_path = _strip_union_tags(loc)
            return self.error(
                key_path[:-1],
                f"key {key_path[-1]!r} must be a string (quote it in the YAML)",
                line_path=key_path,
            )
        msg = err["msg"].removeprefix("Value error, ").replace(" after validation", "")
        value = err.get("input")
        if kind == "literal_error" and loc and loc[0] == "pairs":
            msg = "must be 'all' or a list of {datasets: [...], estimators: [...]}"
        elif kind in ("model_type", "dict_type"):
            msg = "must be a mapping"
        elif kind == "string_pattern_mismatch" and loc and loc[-1] == "device":
            msg = "must be one of auto, cpu, cuda, cuda:N, mps"
        if not isinstance(value, (dict, list)) or kind.endswith("_type"):
            msg = f"{msg}, got {_got(value)}"
        return self.error(_strip_union_tags(loc), msg[0].lower() + msg[1:] if msg else msg)

    # -- names, sources, params ----------------------------------------------------------

    def check_semantics(self, model: Suite, base_dir: Path) -> None:
        """Names, sources, params, metrics and pairs of a suite of the right shape."""
        from benchsuite.datasets import check_dataset_entry, dataset_task
        from benchsuite.estimators import check_estimator_entry
        from benchsuite.metrics import METRICS

        if not _NAME_RE.match(model.name):
            raise self.error(("name",), f"'{model.name}' must be letters, digits, '_', '-', '.'")
        for section, entries in (("datasets", model.datasets), ("estimators", model.estimators)):
            seen: dict[str, int] = {}
            for i, entry in enumerate(entries):
                if not _NAME_RE.match(entry.name):
                    raise self.error(
                        (section, i, "name"),
                        f"'{entry.name}' must start with a letter or digit and contain only"
                        " letters, digits, '_', '-', '.'",
                    )
                if entry.name in seen:
                    raise self.error(
                        (section, i, "name"),
                        f"duplicate name '{entry.name}' (also {section}[{seen[entry.name]}]);"
                        " give each entry a unique 'name'",
                    )
                seen[entry.name] = i

        for i, ds in enumerate(model.datasets):
            try:
                check_dataset_entry(ds, base_dir=base_dir)
                if ds.source in ("csv", "parquet", "openml"):
                    # reads the target column (OpenML: the metadata) once, cached for
                    # planning: a target that cannot be learnt, or an OpenML id that does
                    # not exist, is a suite error, located, before anything runs
                    dataset_task(ds, base_dir=base_dir)
                ev = ds.evaluation or model.defaults.evaluation
                if ev.method == "openml" and ds.subsample is not None:
                    raise ConfigError(
                        "subsample cannot be used with split: openml (the task's folds "
                        "index every row of the dataset)",
                        ("subsample",),
                    )
            except ConfigError as exc:
                raise self.error(("datasets", i, *exc.path), exc.message) from None
            except DataError as exc:  # a header that cannot be read, an unknown OpenML id
                where = "path" if ds.source in ("csv", "parquet") else "source"
                raise self.error(("datasets", i, where), str(exc)) from None
        for i, est in enumerate(model.estimators):
            try:
                check_estimator_entry(est)
            except ConfigError as exc:
                raise self.error(("estimators", i, *exc.path), exc.message) from None

        for i, name in enumerate(model.defaults.metrics or ()):
            if name not in METRICS:
                raise self.error(
                    ("defaults", "metrics", i),
                    f"unknown metric '{name}'{did_you_mean(name, METRICS)};"
                    f" known: {', '.join(METRICS)}",
                )

        if model.pairs != "all":
            ds_names = [d.name for d in model.datasets]
            est_names = [e.name for e in model.estimators]
            for i, pair in enumerate(model.pairs):
                for key, names, known in (
                    ("datasets", pair.datasets, ds_names),
                    ("estimators", pair.estimators, est_names),
                ):
                    for j, name in enumerate(names):
                        if name not in known:
                            raise self.error(
                                ("pairs", i, key, j),
                                f"'{name}' is not one of the suite's {key}"
                                f"{did_you_mean(name, known)}; they are: {', '.join(known)}",
                            )


def _pick_error(errors: list[Any]) -> Any:
    """The pydantic error to report: the one a user most likely needs to fix."""
    # `pairs` is 'all' or a list: report the failures of the branch the input looks like
    branch = [e for e in errors if len(e["loc"]) > 1 and e["loc"][0] == "pairs"]
    if branch:
        is_list = any(e["loc"][1] == "list[PairSpec]" and e["type"] != "list_type" for e in branch)
        wanted = "list[PairSpec]" if is_list else "literal['all']"
        errors = [e for e in errors if e not in branch or e["loc"][1] == wanted] or errors
    first = errors[0]
    if first["type"] == "missing":
        # `nme: x` is both "missing 'name'" and "unknown 'nme'"; the unknown key is the fix
        parent = tuple(first["loc"][:-1])
        for e in errors:
            if e["type"] == "extra_forbidden" and tuple(e["loc"][:-1]) == parent:
                return e
    return first


def _strip_union_tags(loc: tuple) -> tuple:
    # pydantic inserts the union member tried ('tuple[...]', 'literal[...]') into locations
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p == "str")))


def _allowed_keys(parent: tuple) -> list[str]:
    """Field names of the model at ``parent`` (a pydantic error location)."""
    from benchsuite._suite_schema import SECTION_MODELS

    named = [p for p in parent if isinstance(p, str) and p in SECTION_MODELS]
    if not named:
        return list(_SUITE_KEYS)
    return list(SECTION_MODELS[named[-1]].model_fields)

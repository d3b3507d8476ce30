"""Suite YAML -> validated :class:`Suite`.

Everything a suite names is checked here, before anything runs: the YAML itself, its
shape (a pydantic model), dataset sources, estimator aliases or import strings, parameter
names and metric names. Every problem becomes one :class:`SuiteError` line of the form
``suites/x.yaml:12: estimators[3].params: unknown parameter 'n_estimator' for
RandomForestClassifier (did you mean 'n_estimators'?)``.

Only ``yaml.safe_load`` semantics are used: tags that would build Python objects are
rejected, never executed.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)

from benchsuite._suggest import did_you_mean
from benchsuite.errors import BenchsuiteError, ConfigError, DataError

Task = Literal["binary", "multiclass", "regression"]
Part = Literal["train", "test", "all"]
# where a model runs: auto = CUDA when present, else CPU
Device = Annotated[str, Field(pattern=r"^(auto|cpu|cuda|cuda:\d+|mps)$")]
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
# YAML nodes visited while indexing lines; aliases can make a small file expand
# exponentially ("billion laughs"), which no real suite needs
_MAX_NODES = 100_000


class SuiteError(BenchsuiteError):
    """An invalid suite file; the message already carries ``file:line: key:``."""

    def __init__(self, message: str) -> None:
        # one line, always: quoted YAML problems and third-party messages may span several
        super().__init__(re.sub(r"\s*\n\s*", " ", message.strip()))


# --------------------------------------------------------------------------------------
# The suite model
# --------------------------------------------------------------------------------------


class _Model(BaseModel):
    # strict: YAML already gives real types; `cv: true` or `seed: "1"` are mistakes
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Evaluation(_Model):
    """How each (dataset, estimator) pair is split: k-fold CV, one holdout split, or the
    dataset's official train/test split."""

    cv: int | None = Field(default=None, ge=2, description="number of CV folds")
    holdout: float | None = Field(
        default=None, gt=0.0, lt=1.0, description="test fraction of one shuffled split"
    )
    split: Literal["official", "openml"] | None = Field(
        default=None,
        description="the dataset's published train/test split (official), or the folds "
        "of an OpenML task (openml)",
    )
    # None (not given) means stratified for classification: the default, kept out of
    # config hashes so that suites written before this option keep their case hashes
    stratify: bool | None = Field(
        default=None,
        description="cv and holdout: keep class proportions in every split (default true; "
        "false: plain shuffled KFold / train_test_split; regression is never stratified)",
    )

    @model_validator(mode="after")
    def _one_method(self) -> Evaluation:
        given = [k for k in ("cv", "holdout", "split") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of 'cv', 'holdout' or 'split', not {' and '.join(given)}")
        if self.split is not None and self.stratify is not None:
            raise ValueError(
                f"stratify applies to cv and holdout; split: {self.split} uses the "
                "published split as it is (remove stratify)"
            )
        return self

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
        if self.split is not None:
            return f"split={self.split}"
        text = f"holdout={self.holdout}" if self.holdout is not None else f"cv={self.n_folds}"
        # only a non-default choice is spelled out: records of older runs read the same
        return text if self.stratify is None else f"{text},stratify={str(self.stratify).lower()}"

    def hash_fields(self) -> dict[str, Any]:
        """The fields that define the evaluation, for config hashes: ``model_dump()``
        without ``stratify`` when it is not given (hashes from before it existed hold)."""
        fields = self.model_dump()
        if fields["stratify"] is None:
            del fields["stratify"]
        return fields


class Defaults(_Model):
    """Settings shared by every case unless an entry overrides them."""

    evaluation: Evaluation = Field(default_factory=lambda: Evaluation(cv=5))
    repeats: int = Field(default=1, ge=1, description="timing repeats (refits) per fold")
    metrics: list[str] | None = None
    timeout: float | None = Field(default=None, gt=0, description="seconds per case")
    device: Device | None = Field(default=None, description="default device of models")
    target: dict[Literal["accuracy", "r2"], float] | None = Field(
        default=None,
        description="time-to-accuracy: deep models record when the test fold reaches this",
    )


class DatasetEntry(_Model):
    """One dataset of the suite (``- iris`` or a mapping)."""

    name: str
    source: str
    params: dict[str, Any] = Field(default_factory=dict)
    path: str | None = None
    target: str | None = None
    task: Task | None = None
    subsample: int | None = Field(default=None, ge=1)
    part: Part | None = None
    evaluation: Evaluation | None = Field(
        default=None, description="overrides defaults.evaluation for this dataset"
    )
    encoding: str | None = Field(
        default=None, description="text encoding of a CSV file (default utf-8), e.g. latin-1"
    )

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        # an unset encoding is left out, so the config_hash of every existing case (a hash
        # of this dump) stays what it was before the key existed: baselines still compare
        if self.encoding is None:
            data.pop("encoding", None)
        return data


class EstimatorEntry(_Model):
    """One estimator of the suite (``- svc`` or a mapping)."""

    name: str
    model: str
    params: dict[str, Any] = Field(default_factory=dict)
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    device: Device | None = None


class PairSpec(_Model):
    """An explicit selection of datasets x estimators to run."""

    datasets: list[str] = Field(min_length=1)
    estimators: list[str] = Field(min_length=1)


class _SuiteModel(_Model):
    name: str
    description: str = ""
    seed: int = 0
    defaults: Defaults = Field(default_factory=Defaults)
    datasets: list[DatasetEntry] = Field(min_length=1)
    estimators: list[EstimatorEntry] = Field(min_length=1)
    pairs: Literal["all"] | Annotated[list[PairSpec], Field(min_length=1)] = "all"


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
        if key not in _SuiteModel.model_fields:
            raise checker.unknown_key((key,), list(_SuiteModel.model_fields))
    doc = checker.interpolate(doc, ())
    if "name" not in doc and path is not None:
        doc["name"] = path.stem
    doc["datasets"] = checker.normalize_entries(doc.get("datasets"), "datasets")
    doc["estimators"] = checker.normalize_entries(doc.get("estimators"), "estimators")

    try:
        model = _SuiteModel.model_validate(doc)
    except ValidationError as exc:
        raise checker.from_validation(exc) from None

    checker.check_semantics(model, base)
    return Suite(
        name=model.name,
        description=model.description,
        seed=model.seed,
        defaults=model.defaults,
        datasets=tuple(model.datasets),
        estimators=tuple(model.estimators),
        pairs=model.pairs if model.pairs == "all" else tuple(model.pairs),
        path=path,
        base_dir=base,
        file_hash=file_hash,
    )


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
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        doc = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader
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


def _key_value(key_node: yaml.Node) -> Any:
    """The key as ``safe_load`` builds it (``1`` for ``1:``, None for ``~:``)."""
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

    def check_semantics(self, model: _SuiteModel, base_dir: Path) -> None:
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


_SECTION_MODELS: dict[str, type[BaseModel]] = {
    "defaults": Defaults,
    "evaluation": Evaluation,
    "datasets": DatasetEntry,
    "estimators": EstimatorEntry,
    "pairs": PairSpec,
}


def _allowed_keys(parent: tuple) -> list[str]:
    """Field names of the model at ``parent`` (a pydantic error location)."""
    named = [p for p in parent if isinstance(p, str) and p in _SECTION_MODELS]
    if not named:
        return list(_SuiteModel.model_fields)
    return list(_SECTION_MODELS[named[-1]].model_fields)

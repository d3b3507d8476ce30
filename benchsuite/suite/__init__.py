"""Suite YAML -> validated :class:`Suite`.

Everything a suite names is checked here, before anything runs: the YAML itself, its
shape, dataset sources, estimator aliases or import strings, parameter names and metric
names. Every problem becomes one :class:`SuiteError` line of the form
``suites/x.yaml:12: estimators[3].params: unknown parameter 'n_estimator' for
RandomForestClassifier (did you mean 'n_estimators'?)``.

The steps, one private module each:

- :mod:`~benchsuite.suite._yaml`: safe YAML parsing, a line number for every key path,
  ``${VAR}`` interpolation;
- :mod:`~benchsuite.suite._shorthand`: short forms (``- iris``, ``- svc``, ``openml:31``)
  expanded into mappings;
- :mod:`~benchsuite.suite._fast`: the fast checker, which builds a plainly valid suite's
  dataclasses (:mod:`~benchsuite.suite._model`) without importing pydantic;
- :mod:`~benchsuite.suite._schema`: the pydantic models, the schema's reference: they
  validate whatever the fast checker is unsure of, and :mod:`~benchsuite.suite._errors`
  words their errors as one located line;
- :mod:`~benchsuite.suite._checks`: names, sources, params and metrics against the
  registries.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import fields
from pathlib import Path

from benchsuite.suite import _fast
from benchsuite.suite._checks import NAME_RE as _NAME_RE  # noqa: F401 - benchsuite._bundled
from benchsuite.suite._checks import check_semantics
from benchsuite.suite._errors import Locator, SuiteError, from_validation, type_name
from benchsuite.suite._model import (
    SUITE_KEYS,
    DatasetEntry,
    Defaults,
    EstimatorEntry,
    Evaluation,
    PairSpec,
    Part,
    Suite,
    SuiteFields,
    Task,
)
from benchsuite.suite._shorthand import normalize_entries
from benchsuite.suite._yaml import interpolate, load_yaml

__all__ = [
    "DatasetEntry",
    "Defaults",
    "EstimatorEntry",
    "Evaluation",
    "PairSpec",
    "Part",
    "Suite",
    "SuiteError",
    "Task",
    "load_suite",
    "parse_suite",
]


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
    """Validate suite YAML given as bytes or text; see :func:`load_suite`.

    Parameters
    ----------
    data : bytes or str
        The suite's YAML.
    source : str
        The file name errors start with.
    base_dir : path-like, optional
        Directory that relative dataset paths are resolved against (default: the current
        one).
    path : Path, optional
        The file it came from; its stem is the suite's name when the YAML gives none.

    Returns
    -------
    Suite
        The validated suite.

    Raises
    ------
    SuiteError
        With a one-line ``file:line: key: message`` for any problem.
    """
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

    doc, lines = load_yaml(text, source)
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    where = Locator(source, lines)
    if not isinstance(doc, dict):
        raise SuiteError(
            f"{source}:{lines.get((), 1)}: the top level must be a mapping with 'datasets'"
            f" and 'estimators', got {type_name(doc)}"
        )
    for key in doc:  # before the entries are normalized, so 'estimator' is not 'missing'
        if key not in SUITE_KEYS:
            raise where.unknown_key((key,), list(SUITE_KEYS))
    doc = interpolate(doc, (), where)
    if "name" not in doc and path is not None:
        doc["name"] = path.stem
    doc["datasets"] = normalize_entries(doc.get("datasets"), "datasets", where)
    doc["estimators"] = normalize_entries(doc.get("estimators"), "estimators", where)

    content = _fast.fast_fields(doc)
    if content is None:  # not plainly valid: pydantic decides, and words any error
        from pydantic import ValidationError

        from benchsuite.suite import _schema

        try:
            content = _schema.validate(doc)
        except ValidationError as exc:
            raise from_validation(exc, where) from None

    suite = Suite(
        **{f.name: getattr(content, f.name) for f in fields(SuiteFields)},
        path=path,
        base_dir=base,
        file_hash=file_hash,
    )
    check_semantics(suite, base, where)
    return suite

"""Suite YAML -> validated :class:`Suite`.

Everything a suite names is checked here, before anything runs: the YAML itself, its
shape, dataset sources, estimator aliases or import strings, parameter names and metric
names. Every problem becomes one :class:`SuiteError` line of the form
``suites/x.yaml:12: estimators[3].params: unknown parameter 'n_estimator' for
RandomForestClassifier (did you mean 'n_estimators'?)``.

The steps, one private module each:

- :mod:`~benchsuite.suite._yaml`: safe YAML parsing, a line number for every key path,
  ``${VAR}`` interpolation;
- :mod:`~benchsuite.suite._normalize`: top-level keys checked, ``${VAR}`` replaced, short
  forms (``- iris``, ``- svc``, ``openml:31``) expanded into mappings;
- :mod:`~benchsuite.suite._fast`: the fast checker, which builds a plainly valid suite's
  dataclasses (:mod:`~benchsuite.suite._model`) without importing pydantic;
- :mod:`~benchsuite.suite._schema`: the pydantic models, the schema's reference: they
  validate whatever the fast checker is unsure of, and :mod:`~benchsuite.suite._errors`
  words their errors as one located line;
- :mod:`~benchsuite.suite._checks`: names, sources, params and metrics against the
  registries;
- :mod:`~benchsuite.suite._inference`: how the ``inference:`` blocks of ``defaults`` and an
  estimator combine (:func:`resolve_inference`), and their check against the registry.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from benchsuite.suite import _fast
from benchsuite.suite._checks import check_semantics
from benchsuite.suite._errors import Locator, SuiteError, from_validation
from benchsuite.suite._inference import is_torch_model_name, resolve_inference
from benchsuite.suite._model import (
    DatasetEntry,
    Defaults,
    EstimatorEntry,
    Evaluation,
    InferenceBlock,
    PairSpec,
    Part,
    Suite,
    Task,
)
from benchsuite.suite._normalize import normalize
from benchsuite.suite._yaml import load_yaml

__all__ = [
    "DatasetEntry",
    "Defaults",
    "EstimatorEntry",
    "Evaluation",
    "InferenceBlock",
    "PairSpec",
    "Part",
    "Suite",
    "SuiteError",
    "Task",
    "is_torch_model_name",
    "load_suite",
    "parse_suite",
    "resolve_inference",
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
        The validated suite, with ``path`` and ``file_hash`` of the file and relative
        dataset paths resolved against its folder.

    Raises
    ------
    SuiteError
        The file cannot be read, or has a problem: one ``file:line: key: message`` line.
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
    where = Locator(source, lines)
    doc = normalize(doc, where, name=path.stem if path is not None else None)

    content = _fast.fast_fields(doc)
    if content is None:  # not plainly valid: pydantic decides, and words any error
        from pydantic import ValidationError

        from benchsuite.suite import _schema

        try:
            content = _schema.validate(doc)
        except ValidationError as exc:
            raise from_validation(exc, where) from None

    base = Path(base_dir) if base_dir is not None else Path.cwd()
    suite = Suite.from_fields(content, path=path, base_dir=base, file_hash=file_hash)
    check_semantics(suite, base, where)
    return suite

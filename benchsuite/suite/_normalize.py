"""The raw YAML document -> the document the validators read.

Top-level keys are checked first (so that a misspelt ``estimator`` is reported as unknown,
not as ``estimators`` missing), then ``${VAR}`` references are replaced, a missing
``name`` becomes the file's stem, and the short forms of entries are expanded:
``- iris`` is ``{name: iris, source: iris}``, ``- svc`` is ``{name: svc, model: svc}``,
``- openml:31`` is the openml source with its id (named ``openml-31``), a dataset with only
a ``path`` takes its source from the suffix and its name from the file name, and an
estimator given by import string is named after its class.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchsuite.suite._errors import Locator, SuiteError, type_name
from benchsuite.suite._model import SUITE_KEYS
from benchsuite.suite._yaml import interpolate


def normalize(doc: Any, where: Locator, *, name: str | None = None) -> dict[str, Any]:
    """Check the top level, interpolate, and expand the entries' short forms.

    Parameters
    ----------
    doc : Any
        The document as the YAML gave it.
    where : Locator
        The suite's file name and line map.
    name : str, optional
        The suite's name when the document gives none (the file's stem).

    Returns
    -------
    dict
        The normalized suite mapping, ready for validation.

    Raises
    ------
    SuiteError
        The top level is not a mapping, has an unknown key, a ``${VAR}`` is not set, or
        ``datasets``/``estimators`` is not a list of names and mappings.
    """
    if not isinstance(doc, dict):
        raise SuiteError(
            f"{where.source}:{where.lines.get((), 1)}: the top level must be a mapping with"
            f" 'datasets' and 'estimators', got {type_name(doc)}"
        )
    for key in doc:
        if key not in SUITE_KEYS:
            raise where.unknown_key((key,), list(SUITE_KEYS))
    doc = interpolate(doc, (), where)
    if "name" not in doc and name is not None:
        doc["name"] = name
    doc["datasets"] = _normalize_entries(doc.get("datasets"), "datasets", where)
    doc["estimators"] = _normalize_entries(doc.get("estimators"), "estimators", where)
    return doc


def _normalize_entries(entries: Any, section: str, where: Locator) -> list[Any]:
    """Expand the short forms (``- iris``) and fill in default names.

    Parameters
    ----------
    entries : Any
        The value of ``datasets`` or ``estimators`` as the YAML gave it.
    section : {"datasets", "estimators"}
        Which of the two.
    where : Locator
        The suite's file name and line map.

    Returns
    -------
    list
        The entries as mappings (a malformed mapping is left for validation to report).

    Raises
    ------
    SuiteError
        The section is missing, not a list, empty, or has an entry that is neither a name
        nor a mapping.
    """
    if entries is None:
        raise where.error((), f"missing required key '{section}' (a list of {section})")
    if not isinstance(entries, list):
        raise where.error((section,), f"must be a list, got {type_name(entries)}")
    if not entries:
        raise where.error((section,), f"must list at least one of the {section}")
    out = []
    for i, entry in enumerate(entries):
        path = (section, i)
        if isinstance(entry, str) and section == "datasets":
            entry = {"source": entry}
            _default_dataset(entry)
        elif isinstance(entry, str):
            entry = {"name": entry, "model": entry}
        elif not isinstance(entry, dict):
            raise where.error(path, f"must be a name or a mapping, got {type_name(entry)}")
        else:
            entry = dict(entry)
            if section == "datasets":
                _default_dataset(entry)
            else:
                _default_estimator(entry)
        out.append(entry)
    return out


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


def _default_estimator(entry: dict) -> None:
    model = entry.get("model")
    if "model" not in entry and isinstance(entry.get("name"), str):
        entry["model"] = entry["name"]
    elif "name" not in entry and isinstance(model, str):
        entry["name"] = model.rsplit(":", 1)[-1] if ":" in model else model

"""Suite errors: one ``file:line: key: message`` line each, pydantic's errors included.

:class:`Locator` turns a problem at a key path (``("estimators", 3, "params")``) into a
:class:`SuiteError` on that key's line; :func:`from_validation` picks the one pydantic error
a user most likely needs to fix and words it the same way.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from benchsuite._suggest import did_you_mean
from benchsuite.errors import BenchsuiteError
from benchsuite.suite._model import SUITE_KEYS

if TYPE_CHECKING:
    from pydantic import ValidationError


class SuiteError(BenchsuiteError):
    """An invalid suite file; the message already carries ``file:line: key:``."""

    def __init__(self, message: str) -> None:
        # one line, always: quoted YAML problems and third-party messages may span several
        super().__init__(re.sub(r"\s*\n\s*", " ", message.strip()))


def format_path(path: tuple) -> str:
    """``estimators[3].params``: a key path as the error text shows it."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class Locator:
    """Turns problems at a key path into ``file:line: key: message`` errors.

    Parameters
    ----------
    source : str
        The file name errors start with.
    lines : dict
        Key path -> line number, from :func:`benchsuite.suite._yaml.load_yaml`.
    """

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
        key = format_path(path)
        return SuiteError(f"{where}: {key}: {message}" if key else f"{where}: {message}")

    def unknown_key(self, path: tuple, allowed: list[str]) -> SuiteError:
        """The error for key ``path[-1]``, not one of ``allowed``, with a did-you-mean."""
        key = path[-1]
        hint = did_you_mean(str(key), allowed)
        return self.error(
            (*path[:-1], str(key)),  # a key 1 is shown as '1', not as a list index '[1]'
            f"unknown key '{key}'{hint}; allowed keys: {', '.join(allowed)}",
            line_path=path,
        )


def from_validation(exc: ValidationError, where: Locator) -> SuiteError:
    """The one-line error for a pydantic :class:`~pydantic.ValidationError`.

    Parameters
    ----------
    exc : pydantic.ValidationError
        What :func:`benchsuite.suite._schema.validate` raised.
    where : Locator
        The suite's file name and line map.

    Returns
    -------
    SuiteError
    """
    err = _pick_error(exc.errors(include_url=False))
    loc = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        loc = _strip_union_tags(loc)
        return where.unknown_key(loc, _allowed_keys(loc[:-1]))
    if kind == "missing":
        return where.error(_strip_union_tags(loc[:-1]), f"missing required key '{loc[-1]}'")
    if loc[-1:] == ("[key]",) and kind == "literal_error":
        # a mapping with a fixed set of keys, e.g. target: {accuracy: 0.99}
        key_path = _strip_union_tags(loc)
        return where.error(
            key_path[:-1],
            f"unknown key {key_path[-1]!r}; {err['msg'][0].lower()}{err['msg'][1:]}",
            line_path=key_path,
        )
    if kind == "invalid_key" or loc[-1:] == ("[key]",):
        # a key YAML read as a number/null/boolean: `1: x`, `~: x`, `params: {1: 2}`
        key_path = _strip_union_tags(loc)
        return where.error(
            key_path[:-1],
            f"key {key_path[-1]!r} must be a string (quote it in the YAML)",
            line_path=key_path,
        )
    msg = err["msg"].removeprefix("Value error, ").replace(" after validation", "")
    value = err.get("input")
    if kind == "literal_error" and loc and loc[0] == "pairs":
        msg = "must be 'all' or a list of {datasets: [...], estimators: [...]}"
    elif kind in ("model_type", "dict_type") and loc and _strip_union_tags(loc)[-1] == "inference":
        msg = "must be a mapping of inference settings, true or false"
    elif kind in ("model_type", "dict_type"):
        msg = "must be a mapping"
    elif kind == "string_pattern_mismatch" and loc and loc[-1] == "device":
        msg = "must be one of auto, cpu, cuda, cuda:N, mps"
    if not isinstance(value, (dict, list)) or kind.endswith("_type"):
        msg = f"{msg}, got {_got(value)}"
    return where.error(_strip_union_tags(loc), msg[0].lower() + msg[1:] if msg else msg)


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


# the members of `inference: InferenceBlock | bool | None`, as pydantic names them in
# locations; stripped only right after an `inference` key, where nothing else can be
_INFERENCE_MEMBERS = ("InferenceBlock", "bool")


def _strip_union_tags(loc: tuple) -> tuple:
    # pydantic inserts the union member tried ('tuple[...]', 'literal[...]') into locations
    out: list = []
    for p in loc:
        if isinstance(p, str) and ("[" in p or p == "str"):
            continue
        if out[-1:] == ["inference"] and p in _INFERENCE_MEMBERS:
            continue
        out.append(p)
    return tuple(out)


def _allowed_keys(parent: tuple) -> list[str]:
    """Field names of the model at ``parent`` (a pydantic error location)."""
    from benchsuite.suite._schema import SECTION_MODELS

    named = [p for p in parent if isinstance(p, str) and p in SECTION_MODELS]
    if not named:
        return list(SUITE_KEYS)
    return list(SECTION_MODELS[named[-1]].model_fields)


def _got(value: Any) -> str:
    """``"a string ('5')"``: the type and, for a scalar, the value a user wrote."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (str, int, float)):
        text = repr(value)
        return f"{type_name(value)} ({text if len(text) <= 40 else text[:37] + '...'})"
    return type_name(value)


def type_name(value: Any) -> str:
    """``"a list"``, ``"nothing (null)"``: a YAML value's type in the error text's words."""
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

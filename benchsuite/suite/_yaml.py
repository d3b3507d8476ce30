"""Suite YAML: safe parsing with a line number for every key, and ``${VAR}`` references.

Only ``yaml.safe_load`` semantics are used: tags that would build Python objects are
rejected, never executed. The text is parsed once (with libyaml where installed and where
it reads the text exactly as PyYAML's pure-Python parser does); the node tree gives each key
path its line, for errors that say ``file:line``.
"""

from __future__ import annotations

import os
import re
from typing import Any

import yaml

from benchsuite.suite._errors import Locator, SuiteError, format_path

_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
# YAML nodes visited while indexing lines; aliases can make a small file expand
# exponentially ("billion laughs"), which no real suite needs
_MAX_NODES = 100_000


def load_yaml(text: str, source: str) -> tuple[Any, dict[tuple, int]]:
    """Parse suite YAML with safe semantics.

    Parameters
    ----------
    text : str
        The file's text.
    source : str
        The file name errors start with.

    Returns
    -------
    doc : Any
        The document, as ``yaml.safe_load`` builds it.
    lines : dict
        Key path (``("estimators", 3, "params")``) -> line number.

    Raises
    ------
    SuiteError
        Bad YAML, a Python object tag, a duplicate key, a self-referring alias, or more
        than ``_MAX_NODES`` nodes after expanding aliases.
    """
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
        where = format_path(path) or "top level"
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
                    f"{source}:{line}: {format_path(path) or 'top level'}: duplicate key"
                    f" '{key}' (first at line {seen[key]})"
                )
            seen[key] = line
            # a name, not lines[(*path, key)]: valid on 3.10 (parenthesized), but mypy
            # reads it as PEP 646's star in an index and wants Python 3.11
            key_path = (*path, key)
            lines[key_path] = line
            _index_lines(value_node, key_path, lines, source, active=active, budget=budget)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*path, i), lines, source, active=active, budget=budget)
    active.discard(id(node))


def interpolate(value: Any, path: tuple, where: Locator) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in strings from the environment.

    Parameters
    ----------
    value : Any
        A YAML value (a whole document with ``path=()``).
    path : tuple
        Its key path, for errors.
    where : Locator
        The suite's file name and line map.

    Returns
    -------
    Any
        The value with references replaced; a whole-value reference is read as YAML.

    Raises
    ------
    SuiteError
        A variable that is not set and has no default.
    """
    if isinstance(value, dict):
        return {k: interpolate(v, (*path, k), where) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, (*path, i), where) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def repl(m: re.Match[str]) -> str:
        var, default = m.group(1), m.group(2)
        if var in os.environ:
            return os.environ[var]
        if default is not None:
            return default
        raise where.error(
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

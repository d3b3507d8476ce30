"""Validate suite estimator entries and tell which tasks an estimator can run.

Aliases are checked from registry data (plus scikit-learn signatures, imported lazily), so
validating a suite never imports torch, xgboost or lightgbm. Import strings are checked
against the real class, which means importing its module.

Parameter *values* are checked too, against what the estimator declares: scikit-learn's
``_parameter_constraints`` (its estimators and compatible libraries declare them, and
``fit`` enforces them), and for benchsuite's torch estimators a torch-free copy of their
fit-time checks (:mod:`benchsuite.estimators._constraints`). XGBoost and LightGBM declare
nothing of the kind and are not imported here: their values are judged by ``fit``, as are
combinations of values (``penalty='l1'`` with a solver that has no L1).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from benchsuite._suggest import close_match
from benchsuite.datasets import TASKS
from benchsuite.errors import ConfigError
from benchsuite.estimators._constraints import TORCH_MODULE, check_value, torch_constraints
from benchsuite.estimators._introspect import (
    class_kinds,
    import_class,
    param_spec,
    split_import_string,
)
from benchsuite.estimators._registry import (
    PREPROCESS_PARAM,
    EstimatorAlias,
    get_alias,
    is_import_string,
    preprocess_option,
)

# A name this close to a known parameter of a **kwargs estimator is a typo, not a
# library-specific extra (n_estimator vs n_estimators, but max_bin is fine).
_KWARGS_TYPO_CUTOFF = 0.8


def class_name(path: str) -> str:
    """``"sklearn.svm:SVC"`` -> ``"SVC"``."""
    return path.rpartition(":")[2].rpartition(".")[2]


def _param_sources(model: str) -> tuple[list[tuple[str, frozenset[str]]], bool]:
    """Return ``([(class name, parameter names), ...], accepts_kwargs)`` for ``model``.

    For an alias the classifier comes first, so messages name it when it has the name.
    """
    if not is_import_string(model):
        alias = get_alias(model)
        paths = [p for p in (alias.classifier, alias.regressor) if p is not None]
        if alias.known_params is not None:
            known = frozenset(alias.known_params)
            return [(class_name(p), known) for p in paths], alias.accepts_kwargs
        specs = [(class_name(p), param_spec(import_class(p))) for p in paths]
        accepts = alias.accepts_kwargs or any(s.accepts_kwargs for _, s in specs)
        return [(name, s.names) for name, s in specs], accepts
    spec = param_spec(import_class(model))
    return [(class_name(model), spec.names)], spec.accepts_kwargs


def _check_param_name(
    name: Any,
    sources: list[tuple[str, frozenset[str]]],
    accepts_kwargs: bool,
    path: tuple[str | int, ...],
) -> None:
    if not isinstance(name, str):
        raise ConfigError(f"parameter names must be strings, got {name!r}", path)
    known = frozenset().union(*(names for _, names in sources))
    if name in known:
        return
    if accepts_kwargs:
        # Nested names (optimizer__lr) are routed by the estimator itself.
        if "__" in name:
            return
        match = close_match(name, known, cutoff=_KWARGS_TYPO_CUTOFF)
        if match is None:
            return
    else:
        match = close_match(name, known)
    owner = next((cls for cls, names in sources if match in names), sources[0][0])
    hint = f" (did you mean '{match}'?)" if match else ""
    raise ConfigError(f"unknown parameter {name!r} for {owner}{hint}", path)


def _field(entry: Any, key: str) -> Any:
    if isinstance(entry, Mapping):
        return entry.get(key)
    return getattr(entry, key, None)


def _check_names(
    names: Iterable[Any],
    section: str,
    sources: list[tuple[str, frozenset[str]]],
    accepts_kwargs: bool,
) -> None:
    for name in names:
        _check_param_name(name, sources, accepts_kwargs, (section, name))


# scikit-learn's InvalidParameterError text, reworded into one located line
_SKLEARN_MESSAGE = re.compile(
    r"^The '(?P<name>[^']+)' parameter of (?P<owner>\S+) must be (?P<rule>.+)\. "
    r"Got (?P<got>.+) instead\.$",
    re.DOTALL,
)

# (parameter name, value) -> None if allowed, else "must be ... for Class; got ..."
ValueCheck = Callable[[str, Any], "str | None"]


@functools.cache
def _sklearn_validate() -> Callable[..., str | None] | None:
    """scikit-learn's validator and its error type, or None where that private API is gone."""
    try:
        from sklearn.utils._param_validation import (
            InvalidParameterError,
            validate_parameter_constraints,
        )
    except ImportError:
        return None

    def validate(constraints: Mapping[str, Any], name: str, value: Any, owner: str) -> str | None:
        try:
            validate_parameter_constraints(
                {name: constraints[name]}, {name: value}, caller_name=owner
            )
        except InvalidParameterError as exc:
            text = " ".join(str(exc).split())
            match = _SKLEARN_MESSAGE.match(text)
            if match is None:
                return text
            return f"must be {match['rule']} for {owner}; got {match['got']}"
        except Exception:  # a changed private API: the value is not checked, fit judges it
            return None
        return None

    return validate


def _value_check(path: str, alias: EstimatorAlias | None) -> tuple[frozenset[str], ValueCheck]:
    """``(parameters the class takes, check)`` for the estimator class at ``path``."""
    owner = class_name(path)
    if path.partition(":")[0] == TORCH_MODULE:
        rules = torch_constraints(owner)
        if rules is not None:  # no torch import: the same rules as the classes declare
            return frozenset(rules), lambda name, value: check_value(
                name, value, rules[name], owner
            )
    if alias is not None and alias.known_params is not None:
        # xgboost / lightgbm: not imported to validate, and they declare no constraints
        return frozenset(alias.known_params), lambda name, value: None
    cls = import_class(path)
    constraints = getattr(cls, "_parameter_constraints", None)
    declared: Mapping[str, Any] = constraints if isinstance(constraints, Mapping) else {}
    validate = _sklearn_validate() if isinstance(constraints, Mapping) else None

    def check(name: str, value: Any) -> str | None:
        if validate is None or name not in declared:  # nothing declared: fit judges
            return None
        return validate(declared, name, value, owner)

    return param_spec(cls).names, check


def _text_number_hint(value: Any) -> str:
    """YAML 1.1 reads ``1e-3`` as a string; say so when a string looks like a number."""
    if not isinstance(value, str):
        return ""
    try:
        number = float(value)
    except ValueError:
        return ""
    return f" (YAML reads {value} as text; write {number!r})"


def _check_values(model: str, params: Mapping[str, Any], grid: Mapping[str, Any]) -> None:
    """Check parameter values against every class ``model`` may build.

    An alias builds its classifier or its regressor, depending on the dataset: a value is
    an error only if no class that declares rules for the parameter accepts it
    (``criterion: squared_error`` is fine for ``rf``, whose regressor takes it).
    """
    alias = None if is_import_string(model) else get_alias(model)
    if alias is None:
        paths = [model]
    else:
        paths = [p for p in (alias.classifier, alias.regressor) if p is not None]
    checks = [_value_check(path, alias) for path in paths]
    values: list[tuple[str, Any, tuple[str | int, ...]]] = [
        (name, value, ("params", name)) for name, value in params.items()
    ]
    for name, options in grid.items():
        values += [(name, value, ("grid", name, j)) for j, value in enumerate(options)]
    for name, value, where in values:
        problems = [check(name, value) for names, check in checks if name in names]
        if problems and all(p is not None for p in problems):
            raise ConfigError(f"{problems[0]}{_text_number_hint(value)}", where)


def _check_constructor_params(entry: Any) -> None:
    """:func:`check_estimator_entry` without the ``preprocess`` option."""
    model = _field(entry, "model")
    if not isinstance(model, str) or not model.strip():
        raise ConfigError(
            f"model must be an alias or 'package.module:Class', got {model!r}", ("model",)
        )
    params = _field(entry, "params")
    grid = _field(entry, "grid")
    params = {} if params is None else params
    grid = {} if grid is None else grid
    if not isinstance(params, Mapping):
        raise ConfigError(f"params must be a mapping, got {type(params).__name__}", ("params",))
    if not isinstance(grid, Mapping):
        raise ConfigError(f"grid must be a mapping, got {type(grid).__name__}", ("grid",))

    sources, accepts_kwargs = _param_sources(model)
    _check_names(params, "params", sources, accepts_kwargs)
    _check_names(grid, "grid", sources, accepts_kwargs)
    for name, values in grid.items():
        if not isinstance(values, (list, tuple)) or not values:
            raise ConfigError(
                f"grid values for {name!r} must be a non-empty list, got {values!r}",
                ("grid", name),
            )
        if name in params:
            # Which one would win is not obvious from the YAML; make the user choose.
            raise ConfigError(
                f"parameter {name!r} is set in both params and grid; keep one", ("grid", name)
            )
    _check_values(model, params, grid)


def check_estimator_entry(entry: Any) -> None:
    """Check one suite estimator entry before anything runs.

    Parameters
    ----------
    entry : mapping or object
        Has ``model`` (alias or ``"package.module:Class"``) and optionally ``params``
        (dict) and ``grid`` (dict of parameter -> non-empty list of values), as keys or
        attributes.

    Raises
    ------
    ConfigError
        With ``path`` relative to the entry: ``("model",)`` for an unknown alias, an import
        string that does not import or does not name an estimator class;
        ``("params", name)`` / ``("grid", name)`` for an unknown parameter; ``("grid",
        name)`` for grid values that are not a non-empty list, or for a name set in both
        ``params`` and ``grid``; ``("params", name)`` / ``("grid", name, i)`` for a value
        the estimator's declared constraints reject (``must be an int in the range [1,
        inf) for RandomForestClassifier; got -5``). The reserved ``preprocess`` option
        (not a constructor parameter) is checked apart: at ``("params", "preprocess")`` /
        ``("grid", "preprocess")`` for ``preprocess`` on an alias, a value other than
        ``none``/``auto``, or ``preprocess`` in both ``params`` and ``grid``.
    """
    model = _field(entry, "model")
    params = _field(entry, "params")
    grid = _field(entry, "grid")
    has_params = isinstance(params, Mapping) and PREPROCESS_PARAM in params
    has_grid = isinstance(grid, Mapping) and PREPROCESS_PARAM in grid
    if not isinstance(model, str) or not (has_params or has_grid):
        _check_constructor_params(entry)
        return
    # model first: an unknown alias is reported as such, not as a misplaced preprocess
    _check_constructor_params({"model": model})
    if has_params:
        preprocess_option(model, params[PREPROCESS_PARAM], ("params", PREPROCESS_PARAM))
    if has_grid:
        values = grid[PREPROCESS_PARAM]
        path = ("grid", PREPROCESS_PARAM)
        if has_params:
            raise ConfigError(
                f"parameter {PREPROCESS_PARAM!r} is set in both params and grid; keep one", path
            )
        if not isinstance(values, (list, tuple)) or not values:
            raise ConfigError(
                f"grid values for {PREPROCESS_PARAM!r} must be a non-empty list, got {values!r}",
                path,
            )
        for value in values:
            preprocess_option(model, value, path)
    strip = {k: v for k, v in (params or {}).items() if k != PREPROCESS_PARAM}
    grid_rest = {k: v for k, v in (grid or {}).items() if k != PREPROCESS_PARAM}
    _check_constructor_params({"model": model, "params": strip, "grid": grid_rest})


def estimator_kinds(model: str) -> frozenset[str]:
    """Which kinds of task ``model`` supports.

    Parameters
    ----------
    model : str
        Alias or import string.

    Returns
    -------
    frozenset of str
        A non-empty subset of ``{"classifier", "regressor"}``. Aliases are answered from the
        registry without imports; an import string whose kind cannot be told gets both, so
        the case is tried rather than skipped.

    Raises
    ------
    ConfigError
        At path ``("model",)`` for an unknown alias or a bad import string.
    """
    if is_import_string(model):
        return class_kinds(import_class(model))
    return get_alias(model).kinds


def _needed_kind(task: str) -> str:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    return "regressor" if task == "regression" else "classifier"


def _task_phrase(task: str) -> str:
    return "a regression task" if task == "regression" else f"a {task} classification task"


def skip_reason(model: str, task: str) -> str | None:
    """Why ``model`` cannot run on a dataset of ``task``, or None if it can.

    Parameters
    ----------
    model : str
        Alias or import string.
    task : {"binary", "multiclass", "regression"}
        The dataset's task.

    Returns
    -------
    str or None
        E.g. ``"svc is a classifier only; this dataset is a regression task"``.
    """
    needed = _needed_kind(task)
    kinds = estimator_kinds(model)
    if needed in kinds:
        return None
    (kind,) = kinds
    return f"{model} is a {kind} only; this dataset is {_task_phrase(task)}"


def resolve_alias_path(alias: EstimatorAlias, task: str) -> str:
    """The import string ``alias`` uses for ``task``; ConfigError if it has none."""
    path = alias.class_path(_needed_kind(task))
    if path is None:
        raise ConfigError(str(skip_reason(alias.name, task)), ("model",))
    return path


def estimator_class_path(model: str, task: str) -> str:
    """The ``"package.module:Class"`` of the final estimator built for ``task``.

    Parameters
    ----------
    model : str
        Alias or import string (returned unchanged).
    task : {"binary", "multiclass", "regression"}
        The dataset's task; picks the classifier or regressor of an alias.

    Returns
    -------
    str

    Raises
    ------
    ConfigError
        At path ``("model",)`` for an unknown alias, a malformed import string, or an alias
        without a class for ``task``.
    """
    if is_import_string(model):
        _needed_kind(task)
        split_import_string(model)
        return model
    return resolve_alias_path(get_alias(model), task)

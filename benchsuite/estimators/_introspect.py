"""Resolve ``"package.module:Class"`` import strings and read estimator signatures."""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
from dataclasses import dataclass
from typing import Any

from benchsuite._suggest import did_you_mean
from benchsuite.errors import ConfigError

_ESTIMATOR_METHODS = ("fit", "predict", "get_params")


def split_import_string(model: str) -> tuple[str, str]:
    """Split ``"package.module:Class"`` into ``("package.module", "Class")``.

    Raises
    ------
    ConfigError
        At path ``("model",)`` if the string is not of that form.
    """
    module, _, qualname = model.partition(":")
    parts = qualname.split(".")
    if (
        not module
        or ":" in qualname
        or not all(p.isidentifier() for p in parts)
        or not all(p.isidentifier() for p in module.split("."))
    ):
        raise ConfigError(
            f"invalid import string {model!r} (expected 'package.module:Class')", ("model",)
        )
    return module, qualname


@functools.cache
def import_class(model: str) -> type:
    """Import the estimator class named by an import string.

    Parameters
    ----------
    model : str
        ``"package.module:Class"``; ``Class`` may be dotted (``Outer.Inner``).

    Returns
    -------
    type
        The class, checked to have ``fit``, ``predict`` and ``get_params``.

    Raises
    ------
    ConfigError
        At path ``("model",)`` if the module cannot be imported, the class does not exist
        or is not an sklearn-style estimator.
    """
    module_name, qualname = split_import_string(model)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # a broken third-party module may raise anything on import
        first_line = (str(exc).strip().splitlines() or [""])[0]
        raise ConfigError(
            f"cannot import {module_name!r} ({type(exc).__name__}: {first_line})", ("model",)
        ) from None
    obj: Any = module
    for depth, part in enumerate(qualname.split(".")):
        if not hasattr(obj, part):
            hint = did_you_mean(part, [n for n in dir(obj) if not n.startswith("_")])
            owner = f"module {module_name!r}" if depth == 0 else repr(obj)
            raise ConfigError(f"{owner} has no class {part!r}{hint}", ("model",))
        obj = getattr(obj, part)
    if not isinstance(obj, type) or not all(
        callable(getattr(obj, m, None)) for m in _ESTIMATOR_METHODS
    ):
        raise ConfigError(
            f"{model!r} is not an estimator (needs fit/predict/get_params)", ("model",)
        )
    return obj


@dataclass(frozen=True)
class ParamSpec:
    """Constructor parameters of an estimator class.

    Attributes
    ----------
    names : frozenset of str
        Named constructor parameters.
    accepts_kwargs : bool
        Whether the constructor also takes ``**kwargs`` that end up somewhere other than
        a parent class's named parameters.
    """

    names: frozenset[str]
    accepts_kwargs: bool


def _init_signature(cls: type) -> inspect.Signature | None:
    init = cls.__dict__.get("__init__")
    if init is None:
        return None
    # sklearn's @deprecated wraps __init__ and keeps the real one here
    init = getattr(init, "deprecated_original", init)
    try:
        return inspect.signature(init)
    except (TypeError, ValueError):
        return None


@functools.cache
def param_spec(cls: type) -> ParamSpec:
    """Read the constructor parameters of ``cls``.

    ``XGBClassifier.__init__`` names only ``objective`` and forwards ``**kwargs`` to
    ``XGBModel.__init__``, so while a constructor takes ``**kwargs`` the parents'
    constructors are read as well; ``**kwargs`` only counts if it is still open at the top.
    """
    names: set[str] = set()
    open_kwargs = True
    for klass in cls.__mro__:
        if klass is object:
            break
        sig = _init_signature(klass)
        if sig is None:
            continue
        kinds = {p.kind for p in sig.parameters.values()}
        names.update(
            name
            for name, p in list(sig.parameters.items())[1:]  # skip self
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        )
        if inspect.Parameter.VAR_KEYWORD not in kinds:
            open_kwargs = False
            break
    get_names = getattr(cls, "_get_param_names", None)
    if callable(get_names):
        # sklearn raises for *args constructors; the signature read above is enough then
        with contextlib.suppress(Exception):
            names.update(get_names())
    return ParamSpec(frozenset(names), open_kwargs)


def class_kinds(cls: type) -> frozenset[str]:
    """Whether ``cls`` is a classifier and/or a regressor, without fitting it.

    Tries the sklearn mixins, the legacy ``_estimator_type`` attribute, then the tags of a
    default-constructed instance (cheap for sklearn-style estimators, whose ``__init__``
    only stores its arguments). Returns both kinds when nothing says.
    """
    from sklearn.base import ClassifierMixin, RegressorMixin

    kinds = set()
    if issubclass(cls, ClassifierMixin):
        kinds.add("classifier")
    if issubclass(cls, RegressorMixin):
        kinds.add("regressor")
    if not kinds:
        estimator_type = getattr(cls, "_estimator_type", None)
        if estimator_type in ("classifier", "regressor"):
            kinds.add(estimator_type)
    if not kinds:
        from sklearn.base import is_classifier, is_regressor

        try:
            instance = cls()
            if is_classifier(instance):
                kinds.add("classifier")
            if is_regressor(instance):
                kinds.add("regressor")
        except Exception:  # needs arguments, or has no tags: let the case try
            pass
    return frozenset(kinds) or frozenset({"classifier", "regressor"})

"""Resolve ``"package.module:Class"`` import strings, read estimator signatures, and read
what a model (a deep one especially) exposes: its final step, whether it can watch a test
fold while it trains (``eval_set``), and what it reports after fit."""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import statistics
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


def final_step(estimator: Any) -> Any:
    """The model itself: the last step of a Pipeline, else the estimator."""
    steps = getattr(estimator, "steps", None)
    return steps[-1][1] if steps else estimator


def takes_eval_set(estimator: Any) -> bool:
    """True if ``estimator.fit`` accepts ``eval_set`` (the torch models do)."""
    try:
        return "eval_set" in inspect.signature(estimator.fit).parameters
    except (TypeError, ValueError):
        return False


def eval_set_params(estimator: Any, X_test: Any, y_test: Any) -> dict[str, Any] | None:
    """``fit`` keyword arguments that hand the test fold to a deep model to watch.

    A Pipeline routes ``<step>__eval_set`` to its model, but untransformed: that is right
    only when the steps before it leave the data as it is (arrays in front of a model
    whose preprocessing touches tables only). None when the model cannot watch.
    """
    model = final_step(estimator)
    if not takes_eval_set(model):
        return None
    steps = getattr(estimator, "steps", None)
    if not steps:
        return {"eval_set": (X_test, y_test)}
    identity = all(
        step == "passthrough" or getattr(step, "frames_only", False) for _, step in steps[:-1]
    )
    if identity and not hasattr(X_test, "columns"):
        return {f"{steps[-1][0]}__eval_set": (X_test, y_test)}
    return None


def _json_safe(value: Any) -> Any:
    """A copy of ``value`` made of JSON types (numpy scalars and tuples converted)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    item = getattr(value, "item", None)  # numpy scalars
    return _json_safe(item()) if callable(item) else str(value)


def fit_details(estimator: Any, target: dict[str, float] | None = None) -> dict[str, Any]:
    """Record fields a deep model exposes after fit (``device_``, ``history_``, ...)."""
    model = final_step(estimator)
    out: dict[str, Any] = {}
    device = getattr(model, "device_", None)
    if device is not None:
        out["device"] = str(device)
    history = getattr(model, "history_", None)
    if history:
        out["epochs_run"] = len(history)
        times = [h["time_s"] for h in history if h.get("time_s") is not None]
        if times:
            # epoch 1 pays one-off costs (kernel loading, allocator growth, autotuning):
            # recorded apart, and the steady epoch time is the median of the others
            # (a single epoch is both)
            out["first_epoch_s"] = float(times[0])
            out["time_per_epoch_s"] = float(statistics.median(times[1:] or times))
        out["loss_curve"] = [float(h["train_loss"]) for h in history if "train_loss" in h]
    h2d = getattr(model, "h2d_time_s_", None)
    if h2d is not None:
        out["h2d_time_s"] = float(h2d)
    compile_time = getattr(model, "compile_time_s_", None)
    if compile_time is not None:
        out["compile_time_s"] = float(compile_time)
    settings = getattr(model, "settings_", None)
    if isinstance(settings, dict):
        out["settings"] = _json_safe(settings)
    if target and history and "eval_score" in history[0]:
        # the model scored the test fold after each epoch: the record says which target it
        # was watched against, so that a target never reached is an explicit None
        out["target"] = dict(target)
        (threshold,) = target.values()
        elapsed = float(h2d or 0.0)
        for h in history:
            elapsed += h["time_s"]
            if h["eval_score"] >= threshold:
                out["time_to_target_s"], out["target_epoch"] = elapsed, int(h["epoch"])
                break
    return out

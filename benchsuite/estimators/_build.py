"""Build unfitted estimators from an alias or import string, and report their params."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from benchsuite._json import jsonable
from benchsuite.estimators._check import estimator_class_path
from benchsuite.estimators._introspect import import_class, param_spec
from benchsuite.estimators._registry import (
    PREPROCESS_PARAM,
    EstimatorAlias,
    get_alias,
    is_import_string,
    split_preprocess,
)


def _final_kwargs(
    model: str, params: Mapping[str, Any], task: str, random_state: int | None
) -> tuple[str, dict[str, Any], EstimatorAlias | None, str]:
    """Return (import string, constructor kwargs, alias or None, preprocess option)."""
    path = estimator_class_path(model, task)
    preprocess, params = split_preprocess(model, params)
    alias = None if is_import_string(model) else get_alias(model)
    kwargs = dict(alias.defaults) if alias is not None else {}
    kwargs.update(params)
    if alias is not None and alias.known_params is not None:
        # xgboost/lightgbm: answer from registry data, without importing them
        takes_random_state = "random_state" in alias.known_params
    else:
        takes_random_state = "random_state" in param_spec(import_class(path)).names
    # The suite's derived seed makes runs reproducible; a seed the user set wins.
    if takes_random_state and random_state is not None and "random_state" not in kwargs:
        kwargs["random_state"] = random_state
    return path, kwargs, alias, preprocess


def resolved_params(
    model: str, params: Mapping[str, Any], *, task: str, random_state: int | None
) -> dict[str, Any]:
    """The parameters passed to the final estimator's constructor, for records.

    Alias defaults (``enable_categorical=True`` for xgboost, ...), then the user's
    ``params``, then the derived ``random_state`` if the estimator takes one and the user
    did not set it. Aliases of xgboost/lightgbm are answered from registry data without
    importing them; an import string's module is imported to read its signature.

    Parameters
    ----------
    model : str
        Alias or ``"package.module:Class"``.
    params : dict
        The user's parameters (one grid point already merged in).
    task : {"binary", "multiclass", "regression"}
        The dataset's task.
    random_state : int or None
        Seed derived by the plan; None sets nothing.

    Returns
    -------
    dict
        JSON-friendly (tuples become lists, numpy scalars Python scalars, anything else
        its ``repr``). A ``preprocess`` option the user gave is kept (it is not a
        constructor parameter), so that ``build_estimator(model, record.params)``
        rebuilds the same pipeline.

    Raises
    ------
    ConfigError
        As :func:`build_estimator`.
    """
    _, kwargs, _, preprocess = _final_kwargs(model, params, task, random_state)
    if PREPROCESS_PARAM in params:
        kwargs[PREPROCESS_PARAM] = preprocess
    return jsonable(kwargs)


def _preprocessing_steps(alias: EstimatorAlias | None, preprocess: str) -> list[Any]:
    """The steps in front of the final estimator: none, or one fit-time preprocessor."""
    kind = alias.preprocessing if alias is not None else "ordinal" if preprocess == "auto" else None
    if kind in (None, "none"):
        return []
    # imported here: the factory imports scikit-learn only for estimators that need it
    from benchsuite.estimators._preprocess import CategoricalDtypes, TabularPreprocessor

    if kind == "native":
        return [CategoricalDtypes()]
    if kind == "scale_onehot":
        return [TabularPreprocessor(numeric="scale", categorical="onehot")]
    if kind == "tables":
        return [TabularPreprocessor(numeric="scale", categorical="onehot", frames_only=True)]
    return [TabularPreprocessor(numeric="passthrough", categorical="ordinal")]


def build_estimator(
    model: str, params: Mapping[str, Any], *, task: str, random_state: int | None
) -> Any:
    """Build an unfitted scikit-learn estimator.

    Parameters
    ----------
    model : str
        An alias (``"svc"``) or an import string (``"sklearn.svm:SVC"``).
    params : dict
        Constructor parameters. For an alias they go on top of its defaults; an import
        string gets exactly these. The reserved name ``preprocess`` (import strings only,
        ``"none"`` or ``"auto"``) is a benchsuite option and never reaches the
        constructor.
    task : {"binary", "multiclass", "regression"}
        Picks an alias's classifier or regressor.
    random_state : int or None
        Set as ``random_state`` if the final estimator takes one and ``params`` does not
        set it.

    Returns
    -------
    estimator
        ``make_pipeline(preprocessor, estimator)`` for aliases with preprocessing and
        import strings with ``preprocess: auto``, else the bare estimator. The
        preprocessor decides on the training fold: on arrays and all-numeric frames
        without NaN it is exactly the former preprocessing (a ``StandardScaler`` for
        "scale_onehot" aliases, the identity otherwise). Only the library the estimator
        needs is imported.

    Raises
    ------
    ConfigError
        For an unknown alias, an alias without a class for ``task``, an import string
        that does not resolve to an estimator class, or a bad ``preprocess``.
    """
    path, kwargs, alias, preprocess = _final_kwargs(model, params, task, random_state)
    estimator = import_class(path)(**kwargs)
    steps = _preprocessing_steps(alias, preprocess)
    if not steps:
        return estimator
    from sklearn.pipeline import make_pipeline

    return make_pipeline(*steps, estimator)

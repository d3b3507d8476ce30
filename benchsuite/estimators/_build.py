"""Build unfitted estimators from an alias or import string, and report their params."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from benchsuite._json import jsonable
from benchsuite.estimators._check import estimator_class_path
from benchsuite.estimators._introspect import import_class, param_spec
from benchsuite.estimators._registry import EstimatorAlias, get_alias, is_import_string


def _final_kwargs(
    model: str, params: Mapping[str, Any], task: str, random_state: int | None
) -> tuple[str, dict[str, Any], EstimatorAlias | None]:
    """Return (import string, constructor kwargs, alias or None) for the final estimator."""
    path = estimator_class_path(model, task)
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
    return path, kwargs, alias


def resolved_params(
    model: str, params: Mapping[str, Any], *, task: str, random_state: int | None
) -> dict[str, Any]:
    """The parameters passed to the final estimator's constructor, for records.

    Alias defaults, then the user's ``params``, then the derived ``random_state`` if the
    estimator takes one and the user did not set it. Aliases of xgboost/lightgbm are
    answered from registry data without importing them; an import string's module is
    imported to read its signature.

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
        its ``repr``).
    """
    _, kwargs, _ = _final_kwargs(model, params, task, random_state)
    return jsonable(kwargs)


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
        string gets exactly these.
    task : {"binary", "multiclass", "regression"}
        Picks an alias's classifier or regressor.
    random_state : int or None
        Set as ``random_state`` if the final estimator takes one and ``params`` does not
        set it.

    Returns
    -------
    estimator
        The final estimator, or ``make_pipeline(StandardScaler(), estimator)`` for aliases
        with ``preprocessing="standard_scaler"``. Only the library it needs is imported.

    Raises
    ------
    ConfigError
        For an unknown alias, an alias without a class for ``task``, or an import string
        that does not resolve to an estimator class.
    """
    path, kwargs, alias = _final_kwargs(model, params, task, random_state)
    estimator = import_class(path)(**kwargs)
    if alias is not None and alias.preprocessing == "standard_scaler":
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), estimator)
    return estimator

"""Metrics, computed exactly as scikit-learn's scorers compute them.

Each metric equals the matching ``sklearn.metrics.get_scorer`` value on the same fitted
estimator and test fold (with the sign flipped for errors: we store ``rmse``, sklearn's
scorer returns ``neg_root_mean_squared_error``). ``predict`` is called once, by the timed
measurement; ``decision_function`` / ``predict_proba`` are called at most once each, outside
the clock, and only when a requested metric needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchsuite.errors import one_line

CLASSIFICATION = frozenset({"binary", "multiclass"})
REGRESSION = frozenset({"regression"})


@dataclass(frozen=True)
class Metric:
    """A metric: what it needs from the estimator and which tasks it applies to.

    Attributes
    ----------
    name : str
    tasks : frozenset of str
    needs : {"pred", "score", "proba"}
        ``pred``: the predictions; ``score``: decision_function, else predict_proba
        (as sklearn's ``roc_auc`` scorer); ``proba``: predict_proba only.
    greater_is_better : bool
    sklearn_scorer : str
        The ``get_scorer`` name that gives the same value (negated when not greater_is_better).
    description : str
    sklearn_scorer_multiclass : str or None
        The scorer for multiclass tasks when it differs (``roc_auc_ovr``).
    """

    name: str
    tasks: frozenset[str]
    needs: str
    greater_is_better: bool
    sklearn_scorer: str
    description: str
    sklearn_scorer_multiclass: str | None = None

    def scorer_name(self, task: str) -> str:
        """The ``sklearn.metrics.get_scorer`` name giving this metric's value on ``task``."""
        if task == "multiclass" and self.sklearn_scorer_multiclass:
            return self.sklearn_scorer_multiclass
        return self.sklearn_scorer


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("accuracy", CLASSIFICATION, "pred", True, "accuracy", "fraction correct"),
        Metric(
            "balanced_accuracy",
            CLASSIFICATION,
            "pred",
            True,
            "balanced_accuracy",
            "mean per-class recall",
        ),
        Metric("f1_macro", CLASSIFICATION, "pred", True, "f1_macro", "unweighted mean F1"),
        Metric(
            "f1",
            frozenset({"binary"}),
            "pred",
            True,
            "f1",
            "F1 of the positive class (binary: the second label in sorted order, code 1)",
        ),
        Metric(
            "roc_auc",
            CLASSIFICATION,
            "score",
            True,
            "roc_auc",
            "ROC AUC (binary; one-vs-rest macro for multiclass, from predict_proba)",
            sklearn_scorer_multiclass="roc_auc_ovr",
        ),
        Metric("log_loss", CLASSIFICATION, "proba", False, "neg_log_loss", "cross-entropy"),
        Metric("r2", REGRESSION, "pred", True, "r2", "coefficient of determination"),
        Metric(
            "rmse",
            REGRESSION,
            "pred",
            False,
            "neg_root_mean_squared_error",
            "root mean squared error",
        ),
        Metric("mae", REGRESSION, "pred", False, "neg_mean_absolute_error", "mean absolute error"),
    )
}


# words that name an error or a loss in a metric's name: lower is better
_ERROR_WORDS = ("loss", "error", "rmse", "mae", "mse")


def greater_is_better(metric: str) -> bool:
    """Whether a larger value of ``metric`` is better.

    Parameters
    ----------
    metric : str
        A metric name as records store it.

    Returns
    -------
    bool
        :attr:`Metric.greater_is_better` for a metric of :data:`METRICS`; for another name
        (records of another benchsuite version), False when the name says it is an error or
        a loss (``loss``, ``error``, ``rmse``, ``mae``, ``mse``), else True.
    """
    m = METRICS.get(metric)
    if m is not None:
        return m.greater_is_better
    return not any(word in metric for word in _ERROR_WORDS)


def _score_fns() -> dict[str, Callable[..., float]]:
    from sklearn import metrics as skm

    def rmse(y, p):
        fn = getattr(skm, "root_mean_squared_error", None)
        if fn is not None:
            return fn(y, p)
        return skm.mean_squared_error(y, p, squared=False)  # scikit-learn < 1.4

    return {
        "accuracy": skm.accuracy_score,
        "balanced_accuracy": skm.balanced_accuracy_score,
        "f1_macro": lambda y, p: skm.f1_score(y, p, average="macro"),
        "f1": skm.f1_score,
        "r2": skm.r2_score,
        "rmse": rmse,
        "mae": skm.mean_absolute_error,
    }


def compute_metrics(
    names: tuple[str, ...] | list[str],
    *,
    task: str,
    estimator: Any,
    X_test: Any,
    y_test: Any,
    y_pred: Any,
) -> tuple[dict[str, float], list[str]]:
    """Score a fitted estimator on a test fold.

    Parameters
    ----------
    names : sequence of str
        Metric names from :data:`METRICS` (those not applicable to ``task`` are ignored).
    task : {"binary", "multiclass", "regression"}
    estimator : fitted estimator
    X_test, y_test : array-like
    y_pred : array-like
        ``estimator.predict(X_test)``, already computed by the timed measurement.

    Returns
    -------
    values : dict of str to float
        One entry per metric that could be computed.
    warnings : list of str
        One line per metric that could not be (e.g. ``roc_auc`` for an estimator with
        neither ``predict_proba`` nor ``decision_function``).
    """
    import numpy as np
    from sklearn import metrics as skm

    fns = _score_fns()
    values: dict[str, float] = {}
    warnings: list[str] = []
    cache: dict[str, Any] = {}

    def response(kind: str) -> Any:
        if kind not in cache:
            cache[kind] = getattr(estimator, kind)(X_test)
        return cache[kind]

    for name in names:
        metric = METRICS[name]
        if task not in metric.tasks:
            continue
        try:
            if metric.needs == "pred":
                value = fns[name](y_test, y_pred)
            elif name == "roc_auc":
                value = _roc_auc(estimator, y_test, task, response, skm)
            else:  # log_loss
                if not hasattr(estimator, "predict_proba"):
                    raise _Unavailable("estimator has no predict_proba")
                proba = response("predict_proba")
                if task == "binary":
                    # as sklearn's neg_log_loss scorer: the positive column only, so the
                    # negative class's probability is 1 - p exactly as sklearn computes it
                    proba = proba[:, 1]
                value = skm.log_loss(y_test, proba, labels=estimator.classes_)
        except _Unavailable as exc:
            warnings.append(f"{name} not computed: {exc}")
            continue
        except (ValueError, AttributeError, TypeError) as exc:
            warnings.append(f"{name} not computed: {one_line(exc)}")
            continue
        values[name] = float(np.asarray(value))
    return values, warnings


class _Unavailable(Exception):
    pass


def _roc_auc(estimator: Any, y_test: Any, task: str, response: Callable, skm: Any) -> float:
    if task == "binary":
        # sklearn's roc_auc scorer: decision_function first, then predict_proba[:, 1]
        if hasattr(estimator, "decision_function"):
            return skm.roc_auc_score(y_test, response("decision_function"))
        if hasattr(estimator, "predict_proba"):
            return skm.roc_auc_score(y_test, response("predict_proba")[:, 1])
        raise _Unavailable("estimator has neither decision_function nor predict_proba")
    if not hasattr(estimator, "predict_proba"):
        raise _Unavailable("multiclass roc_auc needs predict_proba")
    # as sklearn's roc_auc_ovr scorer
    return skm.roc_auc_score(
        y_test, response("predict_proba"), multi_class="ovr", labels=estimator.classes_
    )

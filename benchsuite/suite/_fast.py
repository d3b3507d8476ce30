"""The fast checker: a plainly valid suite's dataclasses, without pydantic.

Importing pydantic and building the schema's models costs a run about 0.1 s (issue 12), so
:func:`fast_fields` checks a suite against a strict, hand-written subset of the schema of
:mod:`benchsuite.suite._schema`. The moment it meets anything it is not sure of, it gives
up and pydantic validates (and words the error). Both give the same frozen dataclasses
(``tests/unit/test_suite_fastpath.py`` holds them to it). A new suite key goes into both the
models and this checker (or every suite using it takes the slower pydantic path).
"""

from __future__ import annotations

import math
import re
from dataclasses import fields
from typing import Any

from benchsuite.suite._model import (
    SUITE_KEYS,
    DatasetEntry,
    Defaults,
    EstimatorEntry,
    Evaluation,
    Inference,
    InferenceBlock,
    PairSpec,
    SuiteFields,
)


class _Unsure(Exception):
    """The fast checker met something it does not plainly accept: pydantic decides."""


_EVALUATION_KEYS = frozenset(f.name for f in fields(Evaluation))
_INFERENCE_KEYS = frozenset(f.name for f in fields(InferenceBlock))
_DEFAULTS_KEYS = frozenset(f.name for f in fields(Defaults))
_DATASET_KEYS = frozenset(f.name for f in fields(DatasetEntry))
_ESTIMATOR_KEYS = frozenset(f.name for f in fields(EstimatorEntry))
_PAIR_KEYS = frozenset(f.name for f in fields(PairSpec))
_TOP_KEYS = frozenset(SUITE_KEYS)
# an ASCII-only subset of the schema's device pattern (pydantic's regex engine reads \d
# and $ differently from Python's; this subset means the same to both)
_DEVICE_RE = re.compile(r"auto|cpu|cuda|cuda:[0-9]{1,6}|mps")
# ints the fast checker accepts; beyond, pydantic decides (it takes any size)
_INT_LIMIT = 2**63
# ints a float field accepts as they are; pydantic converts them to float, exactly below this
_FLOAT_INT_LIMIT = 2**53
# nesting the fast checker follows in free-form params; deeper, pydantic decides
_MAX_DEPTH = 20


def fast_fields(doc: dict[str, Any]) -> SuiteFields | None:
    """The suite's entries if ``doc`` is plainly valid, else None (then pydantic decides).

    A strict subset of the schema of :mod:`benchsuite.suite._schema`: exact types only
    (no bool for an int, no string for a number), values in range, no unknown key, and
    free-form params made of plain YAML scalars, lists and string-keyed mappings. It never
    raises a user-facing error: whatever it does not accept, pydantic validates.

    Parameters
    ----------
    doc : dict
        The suite mapping, ``${VAR}`` references and short forms already expanded.

    Returns
    -------
    SuiteFields or None
        None: not plainly valid (it may still be valid; pydantic decides).
    """
    try:
        _keys(doc, _TOP_KEYS, required=("name", "datasets", "estimators"))
        pairs = doc.get("pairs", "all")
        return SuiteFields(
            name=_str(doc["name"]),
            description=_str(doc.get("description", "")),
            seed=_int(doc.get("seed", 0)),
            defaults=_fast_defaults(doc["defaults"]) if "defaults" in doc else Defaults(),
            datasets=tuple(_fast_dataset(d) for d in _list(doc["datasets"])),
            estimators=tuple(_fast_estimator(e) for e in _list(doc["estimators"])),
            pairs="all" if pairs == "all" else tuple(_fast_pair(p) for p in _list(pairs)),
        )
    except _Unsure:
        return None


def _fast_evaluation(value: Any) -> Evaluation:
    _keys(value, _EVALUATION_KEYS)
    cv = _opt(value.get("cv"), _int)
    if cv is not None and cv < 2:
        raise _Unsure
    holdout = _opt(value.get("holdout"), _float)
    if holdout is not None and not 0.0 < holdout < 1.0:
        raise _Unsure
    split = _opt(value.get("split"), _one_of("official", "openml"))
    stratify = _opt(value.get("stratify"), _bool)
    # one method at most, and stratify only with cv or holdout (the schema's own check)
    if sum(v is not None for v in (cv, holdout, split)) > 1 or (split and stratify is not None):
        raise _Unsure
    return Evaluation(cv=cv, holdout=holdout, split=split, stratify=stratify)


def _fast_defaults(value: Any) -> Defaults:
    _keys(value, _DEFAULTS_KEYS)
    repeats = _int(value.get("repeats", 1))
    timeout = _opt(value.get("timeout"), _float)
    if repeats < 1 or (timeout is not None and not timeout > 0):
        raise _Unsure
    target = _opt(value.get("target"), _dict)
    if target is not None:
        target = {_one_of("accuracy", "r2")(k): _float(v) for k, v in target.items()}
    return Defaults(
        evaluation=_fast_evaluation(value["evaluation"])
        if "evaluation" in value
        else Evaluation(cv=5),
        repeats=repeats,
        metrics=_opt(value.get("metrics"), _str_list),
        timeout=timeout,
        device=_opt(value.get("device"), _device),
        target=target,
        inference=_fast_inference(value.get("inference")),
    )


def _fast_inference(value: Any) -> Inference:
    if value is None or type(value) is bool:
        return value
    _keys(value, _INFERENCE_KEYS)
    sizes = _opt(value.get("batch_sizes"), _list)
    if sizes is not None:
        sizes = [_int(size) for size in sizes]
        if min(sizes) < 1 or len(set(sizes)) < len(sizes):
            raise _Unsure
    min_time = _opt(value.get("min_time_s"), _float)
    warmup = _opt(value.get("warmup"), _int)
    max_calls = _opt(value.get("max_calls"), _int)
    if (
        (min_time is not None and not min_time > 0)
        or (warmup is not None and warmup < 0)
        or (max_calls is not None and max_calls < 1)
    ):
        raise _Unsure
    return InferenceBlock(
        batch_sizes=sizes,
        min_time_s=min_time,
        warmup=warmup,
        max_calls=max_calls,
        folds=_opt(value.get("folds"), _one_of("first", "all")),
        method=_opt(value.get("method"), _one_of("predict", "predict_proba")),
        device_resident=_opt(value.get("device_resident"), _bool),
    )


def _fast_dataset(value: Any) -> DatasetEntry:
    _keys(value, _DATASET_KEYS, required=("name", "source"))
    subsample = _opt(value.get("subsample"), _int)
    if subsample is not None and subsample < 1:
        raise _Unsure
    return DatasetEntry(
        name=_str(value["name"]),
        source=_str(value["source"]),
        params=_params(value.get("params", {})),
        path=_opt(value.get("path"), _str),
        target=_opt(value.get("target"), _str),
        task=_opt(value.get("task"), _one_of("binary", "multiclass", "regression")),
        subsample=subsample,
        part=_opt(value.get("part"), _one_of("train", "test", "all")),
        evaluation=_opt(value.get("evaluation"), _fast_evaluation),
        encoding=_opt(value.get("encoding"), _str),
    )


def _fast_estimator(value: Any) -> EstimatorEntry:
    _keys(value, _ESTIMATOR_KEYS, required=("name", "model"))
    grid = _dict(value.get("grid", {}))
    return EstimatorEntry(
        name=_str(value["name"]),
        model=_str(value["model"]),
        params=_params(value.get("params", {})),
        grid={_str(k): _plain_list(v) for k, v in grid.items()},
        device=_opt(value.get("device"), _device),
        inference=_fast_inference(value.get("inference")),
    )


def _fast_pair(value: Any) -> PairSpec:
    _keys(value, _PAIR_KEYS, required=("datasets", "estimators"))
    return PairSpec(
        datasets=_str_list(value["datasets"]), estimators=_str_list(value["estimators"])
    )


def _keys(value: Any, allowed: frozenset[str], required: tuple[str, ...] = ()) -> None:
    if type(value) is not dict or not all(type(k) is str and k in allowed for k in value):
        raise _Unsure
    if not all(k in value for k in required):
        raise _Unsure


def _opt(value: Any, check: Any) -> Any:
    return None if value is None else check(value)


def _str(value: Any) -> str:
    if type(value) is not str:
        raise _Unsure
    return value


def _int(value: Any) -> int:
    if type(value) is not int or not -_INT_LIMIT < value < _INT_LIMIT:
        raise _Unsure
    return value


def _float(value: Any) -> float:
    # the schema's floats are strict but take ints, as floats: `timeout: 900` is 900.0
    if type(value) is int and -_FLOAT_INT_LIMIT < value < _FLOAT_INT_LIMIT:
        return float(value)
    if type(value) is not float or not math.isfinite(value):
        raise _Unsure
    return value


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise _Unsure
    return value


def _one_of(*choices: str) -> Any:
    def check(value: Any) -> str:
        if type(value) is not str or value not in choices:
            raise _Unsure
        return value

    return check


def _device(value: Any) -> str:
    if type(value) is not str or not _DEVICE_RE.fullmatch(value):
        raise _Unsure
    return value


def _dict(value: Any) -> dict[str, Any]:
    if type(value) is not dict or not all(type(k) is str for k in value):
        raise _Unsure
    return value


def _list(value: Any) -> list[Any]:
    if type(value) is not list or not value:
        raise _Unsure
    return value


def _str_list(value: Any) -> list[str]:
    return [_str(v) for v in _list(value)]


def _plain_list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise _Unsure
    return [_plain(v, 1) for v in value]


def _params(value: Any) -> dict[str, Any]:
    return {k: _plain(v, 1) for k, v in _dict(value).items()}


def _plain(value: Any, depth: int) -> Any:
    """A free-form value (params, grid points) made only of plain YAML scalars, lists and
    string-keyed mappings; anything else (dates, binary, sets, odd keys) is pydantic's."""
    if depth > _MAX_DEPTH:
        raise _Unsure
    kind = type(value)
    if kind in (str, bool) or value is None:
        return value
    if kind is int:
        return _int(value)
    if kind is float:
        return value  # any float, nan and inf too: pydantic passes Any through untouched
    if kind is list:
        for v in value:
            _plain(v, depth + 1)
        return value
    if kind is dict:
        for k, v in value.items():
            _str(k)
            _plain(v, depth + 1)
        return value
    raise _Unsure

"""The pydantic models of a suite file: the schema's reference and its error text.

:mod:`benchsuite.suite._fast` validates a plainly valid suite with its own small checker
and builds the frozen dataclasses downstream code uses, without importing pydantic (0.3 s
of a run's start-up, issue 12). Whenever that checker is unsure, these models validate the
suite instead: every error message a user sees comes from here, and a valid suite is
converted to the same dataclasses (:mod:`benchsuite.suite._model`) by :func:`validate`.
The class names are part of the error text (pydantic puts ``list[PairSpec]`` into error
locations), so they match the dataclasses'. A new suite key goes into both: here, and into
the fast checker (which otherwise hands every suite using it to pydantic, slower but still
right).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from benchsuite.suite import _model
from benchsuite.suite._model import Part, Task

# where a model runs: auto = CUDA when present, else CPU
Device = Annotated[str, Field(pattern=r"^(auto|cpu|cuda|cuda:\d+|mps)$")]


class _Model(BaseModel):
    # strict: YAML already gives real types; `cv: true` or `seed: "1"` are mistakes
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Evaluation(_Model):
    """How each (dataset, estimator) pair is split (see :class:`benchsuite.suite.Evaluation`)."""

    cv: int | None = Field(default=None, ge=2, description="number of CV folds")
    holdout: float | None = Field(
        default=None, gt=0.0, lt=1.0, description="test fraction of one shuffled split"
    )
    split: Literal["official", "openml"] | None = Field(
        default=None,
        description="the dataset's published train/test split (official), or the folds "
        "of an OpenML task (openml)",
    )
    stratify: bool | None = Field(
        default=None,
        description="cv and holdout: keep class proportions in every split (default true; "
        "false: plain shuffled KFold / train_test_split; regression is never stratified)",
    )

    @model_validator(mode="after")
    def _one_method(self) -> Evaluation:
        given = [k for k in ("cv", "holdout", "split") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of 'cv', 'holdout' or 'split', not {' and '.join(given)}")
        if self.split is not None and self.stratify is not None:
            raise ValueError(
                f"stratify applies to cv and holdout; split: {self.split} uses the "
                "published split as it is (remove stratify)"
            )
        return self


class InferenceBlock(_Model):
    """An ``inference:`` mapping (see :class:`benchsuite.suite.InferenceBlock`); every key
    optional, a key left out takes the defaults' value, then InferenceSpec's."""

    batch_sizes: list[Annotated[int, Field(ge=1)]] | None = Field(
        default=None, description="rows per call, each >= 1 (default [1, 1024])"
    )
    min_time_s: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="timed calls per batch size run at least this long (default 0.1)",
    )
    warmup: int | None = Field(
        default=None, ge=0, description="untimed calls per batch size (default 3)"
    )
    max_calls: int | None = Field(
        default=None,
        ge=1,
        description="at most this many timed calls per batch size (default 10000)",
    )
    folds: Literal["first", "all"] | None = Field(
        default=None, description="measure in the first job of a case (default) or in all"
    )
    method: Literal["predict", "predict_proba"] | None = Field(
        default=None, description="the method timed (default predict)"
    )
    device_resident: bool | None = Field(
        default=None,
        description="torch models: time the model with the batch already on the device",
    )

    @field_validator("batch_sizes")
    @classmethod
    def _batch_sizes(cls, value: list[int] | None) -> list[int] | None:
        if value is None:
            return value
        if not value:
            raise ValueError("must list at least one batch size, e.g. [1, 32, 1024]")
        twice = next((size for i, size in enumerate(value) if size in value[:i]), None)
        if twice is not None:
            raise ValueError(f"batch size {twice} is listed twice")
        return value


# `inference:` is a block, true (every default) or false (none)
Inference = InferenceBlock | bool | None


class Defaults(_Model):
    """Settings shared by every case unless an entry overrides them."""

    evaluation: Evaluation = Field(default_factory=lambda: Evaluation(cv=5))
    repeats: int = Field(default=1, ge=1, description="timing repeats (refits) per fold")
    metrics: list[str] | None = None
    timeout: float | None = Field(
        default=None, gt=0, description="seconds per job (one fit + predict)"
    )
    device: Device | None = Field(default=None, description="default device of models")
    target: dict[Literal["accuracy", "r2"], float] | None = Field(
        default=None,
        description="time-to-accuracy: deep models record when the test fold reaches this",
    )
    inference: Inference = Field(
        default=None,
        description="inference latency and throughput at chosen batch sizes for every "
        "estimator: a mapping, true (every default) or false (none)",
    )


class DatasetEntry(_Model):
    """One dataset of the suite (``- iris`` or a mapping)."""

    name: str
    source: str
    params: dict[str, Any] = Field(default_factory=dict)
    path: str | None = None
    target: str | None = None
    task: Task | None = None
    subsample: int | None = Field(default=None, ge=1)
    part: Part | None = None
    evaluation: Evaluation | None = Field(
        default=None, description="overrides defaults.evaluation for this dataset"
    )
    encoding: str | None = Field(
        default=None, description="text encoding of a CSV file (default utf-8), e.g. latin-1"
    )


class EstimatorEntry(_Model):
    """One estimator of the suite (``- svc`` or a mapping)."""

    name: str
    model: str
    params: dict[str, Any] = Field(default_factory=dict)
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    device: Device | None = None
    inference: Inference = Field(
        default=None, description="merged key by key over defaults.inference; false: none"
    )


class PairSpec(_Model):
    """An explicit selection of datasets x estimators to run."""

    datasets: list[str] = Field(min_length=1)
    estimators: list[str] = Field(min_length=1)


class SuiteModel(_Model):
    """A whole suite file, after :mod:`benchsuite.suite._shorthand` expanded short forms."""

    name: str
    description: str = ""
    seed: int = 0
    defaults: Defaults = Field(default_factory=Defaults)
    datasets: list[DatasetEntry] = Field(min_length=1)
    estimators: list[EstimatorEntry] = Field(min_length=1)
    pairs: Literal["all"] | Annotated[list[PairSpec], Field(min_length=1)] = "all"


# models by the section name that pydantic error locations carry (see _errors._allowed_keys)
SECTION_MODELS: dict[str, type[BaseModel]] = {
    "defaults": Defaults,
    "evaluation": Evaluation,
    "inference": InferenceBlock,
    "datasets": DatasetEntry,
    "estimators": EstimatorEntry,
    "pairs": PairSpec,
}


def validate(doc: dict[str, Any]) -> _model.SuiteFields:
    """Validate a normalized suite document with the models.

    Parameters
    ----------
    doc : dict
        What the fast checker was given (and was unsure of).

    Returns
    -------
    benchsuite.suite._model.SuiteFields
        The same dataclasses the fast checker builds.

    Raises
    ------
    pydantic.ValidationError
        The document does not fit the schema.
    """
    return _to_dataclass(SuiteModel.model_validate(doc))


# each model's dataclass; the others share their class name
_DATACLASSES: dict[type[BaseModel], type] = {SuiteModel: _model.SuiteFields}


def _to_dataclass(value: Any) -> Any:
    """A validated model as the dataclass of the same name, field by field; a list of
    models becomes a tuple (``datasets``, ``estimators``, ``pairs``); other values, params
    included, are kept as pydantic built them."""
    if isinstance(value, BaseModel):
        cls = _DATACLASSES.get(type(value)) or getattr(_model, type(value).__name__)
        return cls(
            **{name: _to_dataclass(getattr(value, name)) for name in type(value).model_fields}
        )
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        return tuple(_to_dataclass(v) for v in value)
    return value

"""The suite's entries as frozen dataclasses: what the fast checker and the pydantic
schema both build, and what every step after the suite reads.

Plain dataclasses, not pydantic models, so that importing them (and validating a plainly
valid suite, :mod:`benchsuite.suite._fast`) costs no pydantic import.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, TypeAlias

Task = Literal["binary", "multiclass", "regression"]
Part = Literal["train", "test", "all"]


class _Entry:
    """What the suite's frozen dataclasses share: :meth:`model_dump`."""

    def model_dump(self) -> dict[str, Any]:
        """The fields as a dict, nested entries as dicts: the same dict pydantic's
        ``model_dump()`` gave when these were pydantic models. Config hashes are built
        from it (:func:`benchsuite.plan._config_hash`), so it must not change."""
        return {f.name: _dump(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


def _dump(value: Any) -> Any:
    if isinstance(value, _Entry):
        return value.model_dump()
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_dump(v) for v in value]
    return value


@dataclass(frozen=True)
class Evaluation(_Entry):
    """How each (dataset, estimator) pair is split: k-fold CV, one holdout split, or the
    dataset's official train/test split.

    Attributes
    ----------
    cv : int or None
        Number of CV folds (>= 2).
    holdout : float or None
        Test fraction of one shuffled split, in (0, 1).
    split : {"official", "openml"} or None
        The dataset's published train/test split, or the folds of an OpenML task.
    stratify : bool or None
        cv and holdout: keep class proportions in every split. None (not given) means
        stratified for classification: the default, kept out of config hashes so that
        suites written before this option keep their case hashes.
    """

    cv: int | None = None
    holdout: float | None = None
    split: Literal["official", "openml"] | None = None
    stratify: bool | None = None

    @property
    def stratified(self) -> bool:
        """Whether classification targets are stratified (``stratify`` unset: yes)."""
        return self.stratify is not False

    @property
    def n_folds(self) -> int:
        """Folds of ``cv``; 1 for a holdout or official split. An OpenML task's count
        comes from the task (see :func:`benchsuite.plan.build_plan`)."""
        return int(self.cv or 5) if self.method == "cv" else 1

    @property
    def method(self) -> str:
        """``"cv"``, ``"holdout"``, ``"official"`` or ``"openml"`` (an empty mapping means
        5-fold CV)."""
        if self.split is not None:
            return self.split
        return "holdout" if self.holdout is not None else "cv"

    def describe(self) -> str:
        """``cv=5``, ``holdout=0.2``, ``split=official``, plus ``,stratify=false`` when
        given: the evaluation as records show it."""
        if self.split is not None:
            return f"split={self.split}"
        text = f"holdout={self.holdout}" if self.holdout is not None else f"cv={self.n_folds}"
        # only a non-default choice is spelled out: records of older runs read the same
        return text if self.stratify is None else f"{text},stratify={str(self.stratify).lower()}"

    def hash_fields(self) -> dict[str, Any]:
        """The fields that define the evaluation, for config hashes: ``model_dump()``
        without ``stratify`` when it is not given (hashes from before it existed hold)."""
        data = self.model_dump()
        if data["stratify"] is None:
            del data["stratify"]
        return data


@dataclass(frozen=True)
class InferenceBlock(_Entry):
    """An ``inference:`` mapping as the suite writes it: the keys given, None for the rest.

    The plan resolves it into a :class:`benchsuite.inference.InferenceSpec`: a key left
    out takes the value of the ``defaults`` block, then InferenceSpec's default (see
    :func:`benchsuite.suite.resolve_inference`).

    Attributes
    ----------
    batch_sizes : list of int or None
        Rows per call, each >= 1, at least one, no repeats.
    min_time_s : float or None
        Timed calls per batch size run until this many seconds have passed (> 0).
    warmup : int or None
        Untimed calls per batch size (>= 0).
    max_calls : int or None
        At most this many timed calls per batch size (>= 1).
    folds : {"first", "all"} or None
        Which jobs of a case measure: the first (fold 0, repeat 0) or all.
    method : {"predict", "predict_proba"} or None
    device_resident : bool or None
        Torch models only: time the model with the batch already on the device.
    """

    batch_sizes: list[int] | None = None
    min_time_s: float | None = None
    warmup: int | None = None
    max_calls: int | None = None
    folds: Literal["first", "all"] | None = None
    method: Literal["predict", "predict_proba"] | None = None
    device_resident: bool | None = None

    def given(self) -> dict[str, Any]:
        """The keys the suite gives, with their values (``batch_sizes`` as a tuple)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if out["batch_sizes"] is not None:
            out["batch_sizes"] = tuple(out["batch_sizes"])
        return {k: v for k, v in out.items() if v is not None}


# what `inference:` may be: a block, true (every setting's default), false (none), or
# not given (None)
Inference: TypeAlias = InferenceBlock | bool | None


def _without_unset_inference(data: dict[str, Any]) -> dict[str, Any]:
    # dumps of suites without the key read as they did before it existed
    if data.get("inference") is None:
        data.pop("inference", None)
    return data


@dataclass(frozen=True)
class Defaults(_Entry):
    """Settings shared by every case unless an entry overrides them.

    Attributes
    ----------
    evaluation : Evaluation
        Default 5-fold CV.
    repeats : int
        Timing repeats (refits) per fold.
    metrics : list of str or None
        None: the task's default metrics.
    timeout : float or None
        Seconds per job (one fit + predict on one fold and repeat).
    device : str or None
        Default device of models: auto, cpu, cuda, cuda:N or mps.
    target : dict or None
        Time-to-accuracy, e.g. ``{"accuracy": 0.99}``: deep models record when the test
        fold reaches it.
    inference : InferenceBlock, bool or None
        Inference latency and throughput for every estimator (see
        :class:`InferenceBlock`): a block, ``true`` (all defaults), ``false`` or None
        (not measured unless an estimator asks).
    """

    evaluation: Evaluation = field(default_factory=lambda: Evaluation(cv=5))
    repeats: int = 1
    metrics: list[str] | None = None
    timeout: float | None = None
    device: str | None = None
    target: dict[str, float] | None = None
    inference: Inference = None

    def model_dump(self) -> dict[str, Any]:
        return _without_unset_inference(super().model_dump())


@dataclass(frozen=True)
class DatasetEntry(_Entry):
    """One dataset of the suite (``- iris`` or a mapping); fields as in README "Suite
    files". ``evaluation`` overrides ``defaults.evaluation`` for this dataset."""

    name: str
    source: str
    params: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    target: str | None = None
    task: Task | None = None
    subsample: int | None = None
    part: Part | None = None
    evaluation: Evaluation | None = None
    encoding: str | None = None  # text encoding of a CSV file (default utf-8)

    def model_dump(self) -> dict[str, Any]:
        data = super().model_dump()
        # an unset encoding is left out, so the config_hash of every existing case (a hash
        # of this dump) stays what it was before the key existed: baselines still compare
        if self.encoding is None:
            del data["encoding"]
        return data


@dataclass(frozen=True)
class EstimatorEntry(_Entry):
    """One estimator of the suite (``- svc`` or a mapping): an alias or import string,
    its params, an optional grid (one case per point) and device.

    ``inference`` is this estimator's :class:`InferenceBlock`, merged key by key over
    ``defaults.inference``; ``true``: the defaults' block (or every default), ``false``:
    no inference measurement for this estimator, None: as ``defaults`` says.
    """

    name: str
    model: str
    params: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list[Any]] = field(default_factory=dict)
    device: str | None = None
    inference: Inference = None

    def model_dump(self) -> dict[str, Any]:
        return _without_unset_inference(super().model_dump())


@dataclass(frozen=True)
class PairSpec(_Entry):
    """An explicit selection of datasets x estimators to run."""

    datasets: list[str]
    estimators: list[str]


@dataclass(frozen=True)
class SuiteFields:
    """A suite's validated content, before it becomes a :class:`Suite` (what the fast
    checker and the pydantic models both produce)."""

    name: str
    description: str
    seed: int
    defaults: Defaults
    datasets: tuple[DatasetEntry, ...]
    estimators: tuple[EstimatorEntry, ...]
    pairs: Literal["all"] | tuple[PairSpec, ...]


# the top-level keys of a suite, in the schema's order (_schema.SuiteModel)
SUITE_KEYS = tuple(f.name for f in fields(SuiteFields))


@dataclass(frozen=True)
class Suite(SuiteFields):
    """A validated suite: its content and where it came from.

    Attributes
    ----------
    name, description, seed, defaults, datasets, estimators, pairs
        As in the YAML file, with defaults filled in (see README "Suite files").
    path : Path or None
        The file it came from (None for suites built from a string).
    base_dir : Path
        Directory that relative dataset paths are resolved against.
    file_hash : str
        sha256 of the file's bytes, stored with every run.
    """

    path: Path | None = None
    base_dir: Path = field(default_factory=Path.cwd)
    file_hash: str = ""

    @classmethod
    def from_fields(
        cls, content: SuiteFields, *, path: Path | None, base_dir: Path, file_hash: str
    ) -> Suite:
        """The suite of validated ``content`` read from ``path``.

        Parameters
        ----------
        content : SuiteFields
            What the fast checker or the pydantic schema built.
        path, base_dir, file_hash
            As the attributes of the same names.

        Returns
        -------
        Suite
        """
        data = {f.name: getattr(content, f.name) for f in fields(SuiteFields)}
        return cls(**data, path=path, base_dir=base_dir, file_hash=file_hash)

    def dataset(self, name: str) -> DatasetEntry:
        """The dataset entry called ``name``."""
        return next(d for d in self.datasets if d.name == name)

    def estimator(self, name: str) -> EstimatorEntry:
        """The estimator entry called ``name``."""
        return next(e for e in self.estimators if e.name == name)

    def selected_pairs(self) -> list[tuple[DatasetEntry, EstimatorEntry]]:
        """(dataset, estimator) pairs to run, in suite order, without duplicates."""
        if self.pairs == "all":
            return [(d, e) for d in self.datasets for e in self.estimators]
        wanted = {(d, e) for p in self.pairs for d in p.datasets for e in p.estimators}
        return [
            (d, e) for d in self.datasets for e in self.estimators if (d.name, e.name) in wanted
        ]

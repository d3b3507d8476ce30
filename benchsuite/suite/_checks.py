"""Semantic checks of a suite of the right shape, against the registries: entry names,
dataset sources and their params, estimator aliases or import strings and their params,
``inference.device_resident`` (torch models only), metric names and the names ``pairs``
refers to."""

from __future__ import annotations

import re
from pathlib import Path

from benchsuite._suggest import did_you_mean
from benchsuite.errors import ConfigError, DataError
from benchsuite.suite._errors import Locator
from benchsuite.suite._inference import check_inference
from benchsuite.suite._model import DatasetEntry, EstimatorEntry, Suite

# names of suites and entries: they become folder names and case keys
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def check_semantics(model: Suite, base_dir: Path, where: Locator) -> None:
    """Names, sources, params, metrics and pairs of a suite of the right shape.

    Parameters
    ----------
    model : Suite
        The validated suite.
    base_dir : Path
        Directory that relative dataset paths are resolved against.
    where : Locator
        The suite's file name and line map.

    Raises
    ------
    SuiteError
        The first problem found, located.
    """
    from benchsuite.datasets import check_dataset_entry, dataset_task
    from benchsuite.estimators import check_estimator_entry
    from benchsuite.metrics import METRICS

    if not NAME_RE.match(model.name):
        raise where.error(("name",), f"'{model.name}' must be letters, digits, '_', '-', '.'")
    sections: tuple[tuple[str, tuple[DatasetEntry | EstimatorEntry, ...]], ...] = (
        ("datasets", model.datasets),
        ("estimators", model.estimators),
    )
    for section, entries in sections:
        seen: dict[str, int] = {}
        for i, entry in enumerate(entries):
            if not NAME_RE.match(entry.name):
                raise where.error(
                    (section, i, "name"),
                    f"'{entry.name}' must start with a letter or digit and contain only"
                    " letters, digits, '_', '-', '.'",
                )
            if entry.name in seen:
                raise where.error(
                    (section, i, "name"),
                    f"duplicate name '{entry.name}' (also {section}[{seen[entry.name]}]);"
                    " give each entry a unique 'name'",
                )
            seen[entry.name] = i

    for i, ds in enumerate(model.datasets):
        try:
            check_dataset_entry(ds, base_dir=base_dir)
            if ds.source in ("csv", "parquet", "openml"):
                # reads the target column (OpenML: the metadata) once, cached for
                # planning: a target that cannot be learnt, or an OpenML id that does
                # not exist, is a suite error, located, before anything runs
                dataset_task(ds, base_dir=base_dir)
            ev = ds.evaluation or model.defaults.evaluation
            if ev.method == "openml" and ds.subsample is not None:
                raise ConfigError(
                    "subsample cannot be used with split: openml (the task's folds "
                    "index every row of the dataset)",
                    ("subsample",),
                )
        except ConfigError as exc:
            raise where.error(("datasets", i, *exc.path), exc.message) from None
        except DataError as exc:  # a header that cannot be read, an unknown OpenML id
            key = "path" if ds.source in ("csv", "parquet") else "source"
            raise where.error(("datasets", i, key), str(exc)) from None
    for i, est in enumerate(model.estimators):
        try:
            check_estimator_entry(est)
        except ConfigError as exc:
            raise where.error(("estimators", i, *exc.path), exc.message) from None

    check_inference(model, where)

    for i, name in enumerate(model.defaults.metrics or ()):
        if name not in METRICS:
            raise where.error(
                ("defaults", "metrics", i),
                f"unknown metric '{name}'{did_you_mean(name, METRICS)};"
                f" known: {', '.join(METRICS)}",
            )

    if model.pairs != "all":
        ds_names = [d.name for d in model.datasets]
        est_names = [e.name for e in model.estimators]
        for i, pair in enumerate(model.pairs):
            for key, names, known in (
                ("datasets", pair.datasets, ds_names),
                ("estimators", pair.estimators, est_names),
            ):
                for j, name in enumerate(names):
                    if name not in known:
                        raise where.error(
                            ("pairs", i, key, j),
                            f"'{name}' is not one of the suite's {key}"
                            f"{did_you_mean(name, known)}; they are: {', '.join(known)}",
                        )

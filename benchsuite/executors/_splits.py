"""The data of jobs: a dataset loaded once, its train/test splits, the rows of a fold.

Shared by every executor: the sequential one holds one :class:`DataSlot` for the run,
the process executor one per worker, the Dask runner one to scatter from.
"""

from __future__ import annotations

from typing import Any

from benchsuite.errors import one_line
from benchsuite.plan import Case

# split: openml / official: the dataset attribute its loader fills, and what a dataset
# without it lacks
_PUBLISHED = {
    "openml": ("folds", "has no OpenML task folds (split: openml needs openml:task:<id>)"),
    "official": (
        "official_split",
        "has no official train/test split here (a dataset with published parts, loaded with"
        " part: all); use cv or holdout",
    ),
}


def make_splits(dataset: Any, evaluation: Any, seed: int) -> list[tuple[Any, Any]]:
    """Train/test index arrays, exactly as scikit-learn's splitters make them.

    ``cv: k``: ``StratifiedKFold(k, shuffle=True, random_state=seed)`` for classification,
    ``KFold`` for regression. ``holdout: f``: one ``train_test_split`` (stratified for
    classification) with ``test_size=f`` and ``random_state=seed``. With ``stratify: false``
    classification is split as regression is: ``KFold(k, shuffle=True, random_state=seed)``,
    or ``train_test_split(..., test_size=f, random_state=seed)`` without ``stratify``, index
    for index what the classic ``train_test_split(X, y, test_size=f, random_state=seed)``
    gives. ``split: official``: the dataset's published split; ``split: openml``: the folds
    of its OpenML task.

    Parameters
    ----------
    dataset : benchsuite.datasets.Dataset
        Loaded.
    evaluation : benchsuite.suite.Evaluation
    seed : int
        The suite seed.

    Returns
    -------
    list of (train_idx, test_idx)
        One per fold; a job of fold ``f`` uses ``splits[f]``.
    """
    import numpy as np
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

    # regression targets are never stratified; classification unless the suite says not to
    stratified = dataset.task != "regression" and evaluation.stratified
    if evaluation.method in _PUBLISHED:
        attribute, missing = _PUBLISHED[evaluation.method]
        published = getattr(dataset, attribute, None)
        if published is None:
            raise ValueError(f"dataset '{dataset.name}' {missing}")
        # an OpenML task's folds, or the one official (train, test) pair
        return list(published) if evaluation.method == "openml" else [published]
    if evaluation.holdout is not None:
        idx = np.arange(dataset.n_samples)
        train, test = train_test_split(
            idx,
            test_size=evaluation.holdout,
            random_state=seed,
            stratify=dataset.y if stratified else None,
        )
        return [(train, test)]
    cls = StratifiedKFold if stratified else KFold
    splitter = cls(n_splits=evaluation.n_folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((dataset.n_samples, 1)), dataset.y))


def take(X: Any, idx: Any) -> Any:
    """Rows ``idx`` of an array or DataFrame (as sklearn's ``_safe_indexing``)."""
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


class DataSlot:
    """The one dataset (with its splits) an executor or worker keeps in memory.

    Consecutive jobs of the same dataset reuse it: a dataset is loaded and split once
    per run in-process, once per worker process in isolating executors. Asking for
    another dataset releases the previous one first (and the loader's cached copy), so
    only one is held at a time. A dataset that failed to load is remembered with the
    reason and never tried again.
    """

    def __init__(self) -> None:
        self.name: str | None = None
        self.dataset: Any = None
        self.splits: list[tuple[Any, Any]] = []
        self.failed: dict[str, str] = {}

    def release(self) -> None:
        """Forget the dataset held (the loader's cache is cleared by the next :meth:`get`)."""
        self.name, self.dataset, self.splits = None, None, []

    def get(self, case: Case, *, base_dir: Any, seed: int) -> tuple[Any, list, str | None]:
        """``(dataset, splits, None)`` for the jobs of ``case``, or ``(None, [], reason)``."""
        from benchsuite.datasets import clear_cache, load_dataset
        from benchsuite.errors import BenchsuiteError

        name = case.dataset.name
        if name in self.failed:
            return None, [], self.failed[name]
        if self.name != name:
            self.release()
            clear_cache()
            step = "loading dataset"
            try:
                dataset = load_dataset(case.dataset, base_dir=base_dir, seed=seed)
                step = "splitting dataset"
                splits = make_splits(dataset, case.evaluation, seed)
            except BenchsuiteError as exc:
                self.failed[name] = f"{step}: {exc}"
                return None, [], self.failed[name]
            except Exception as exc:
                self.failed[name] = f"{step}: {one_line(exc)}"
                return None, [], self.failed[name]
            self.name, self.dataset, self.splits = name, dataset, splits
        return self.dataset, self.splits, None

"""The warm-up before the clock (issue 14, defect 2): a one-epoch clone of a torch model
fits one training batch and predicts one batch before ``fit_time_s`` starts, so one-off
costs (cuBLAS/cuDNN handles, kernel loading) do not land in the first job's fit; the timed
fit is the original model's and gives the same numbers as without it.

Every model here fits with ``device="cpu"``; the GPU test is marked ``gpu``."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from benchsuite.measure import measure_fold
from benchsuite.suite import parse_suite

FAST = {"threads": 1, "random_state": 0, "device": "cpu"}


@pytest.fixture(scope="module")
def T():
    pytest.importorskip("torch")
    import benchsuite.estimators.torch as torch_estimators

    return torch_estimators


@pytest.fixture(scope="module")
def iris():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)  # sorted by class: the first rows are all class 0
    rng = np.random.default_rng(0)
    test = rng.permutation(len(y))[:30]
    train = np.setdiff1d(np.arange(len(y)), test)
    return X[train].astype(np.float32), y[train], X[test].astype(np.float32), y[test]


def _spy_fit(monkeypatch, cls, *, fail_warmup=False):
    """Log (id(self), rows, classes, epochs) of every ``cls.fit``; optionally make the
    one-epoch (warm-up) fits raise."""
    calls: list[tuple[int, int, int, int]] = []
    original = cls.fit

    def fit(self, X, y, **kwargs):
        calls.append((id(self), len(X), len(np.unique(y)), self.epochs))
        if fail_warmup and self.epochs == 1:
            raise RuntimeError("warm-up boom")
        return original(self, X, y, **kwargs)

    monkeypatch.setattr(cls, "fit", fit)
    return calls


def test_a_clone_fits_one_epoch_on_one_batch_before_the_timed_fit(T, iris, monkeypatch):
    X, y, X_test, _ = iris
    calls = _spy_fit(monkeypatch, T.TorchMLPClassifier)
    model = T.TorchMLPClassifier(epochs=2, batch_size=16, **FAST)
    m = measure_fold(model, X, y, X_test)
    assert len(calls) == 2
    (warm_id, warm_rows, warm_classes, warm_epochs), timed = calls
    assert warm_id != id(model) and warm_epochs == 1
    assert 2 <= warm_rows <= 16
    assert warm_classes >= 2  # iris is sorted: the first 16 rows alone hold one class
    assert timed == (id(model), len(X), 3, 2)  # the timed fit: the model itself, all rows
    assert model.n_epochs_run_ == 2 and len(m.y_pred) == len(X_test)
    assert m.warmup_s is not None and m.warmup_s > 0 and m.warmup_note is None


def test_a_pipeline_is_cloned_whole_and_early_stopping_is_off(T, iris, monkeypatch):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, X_test, _ = iris
    seen = []
    original = T.TorchMLPClassifier.fit

    def fit(self, X, y, **kwargs):
        seen.append((len(X), self.epochs, self.early_stopping))
        return original(self, X, y, **kwargs)

    monkeypatch.setattr(T.TorchMLPClassifier, "fit", fit)
    pipe = make_pipeline(
        StandardScaler(), T.TorchMLPClassifier(epochs=2, batch_size=1, early_stopping=True, **FAST)
    )
    m = measure_fold(pipe, X, y, X_test)
    assert seen[0] == (2, 1, False)  # batch_size 1: still 2 rows (2 classes)
    assert seen[1] == (len(X), 2, True)
    assert m.warmup_s is not None and m.warmup_note is None


def test_b_predictions_identical_with_and_without_the_warm_up(T, iris):
    X, y, X_test, _ = iris
    for random_state in (0, None):  # None: the seed is drawn from numpy's global RNG
        params = {**FAST, "random_state": random_state}
        runs = []
        for warm_up in (True, False):
            np.random.seed(7)
            model = T.TorchMLPClassifier(epochs=2, batch_size=16, dropout=0.2, **params)
            m = measure_fold(model, X, y, X_test, warm_up=warm_up)
            runs.append((m, model, np.random.get_state()[1].copy()))
        (warm, warm_model, warm_rng), (cold, cold_model, cold_rng) = runs
        assert warm.warmup_s is not None and cold.warmup_s is None
        np.testing.assert_array_equal(warm.y_pred, cold.y_pred)
        assert [h["train_loss"] for h in warm_model.history_] == [
            h["train_loss"] for h in cold_model.history_
        ]
        np.testing.assert_array_equal(
            warm_model.predict_proba(X_test), cold_model.predict_proba(X_test)
        )
        np.testing.assert_array_equal(warm_rng, cold_rng)


def _run_suite(tmp_path):
    from benchsuite.executors import run_plan
    from benchsuite.plan import build_plan

    text = (
        "name: s\ndefaults: {evaluation: {cv: 2}, device: cpu}\ndatasets: [iris]\n"
        "estimators: [{name: mlp, model: torch.mlp,"
        " params: {epochs: 2, threads: 1, batch_size: 16}}]\n"
    )
    plan = build_plan(parse_suite(text, source="t.yaml", base_dir=tmp_path))
    return run_plan(plan, output=tmp_path).records


def test_b_suite_records_identical_with_and_without_the_warm_up(T, tmp_path, monkeypatch):
    import benchsuite.executors._job as job

    warm = _run_suite(tmp_path / "warm")
    monkeypatch.setattr(job, "measure_fold", functools.partial(measure_fold, warm_up=False))
    cold = _run_suite(tmp_path / "cold")
    assert len(warm) == len(cold) == 2
    for w, c in zip(warm, cold, strict=True):
        assert w.status == c.status == "ok", (w.error, c.error)
        assert w.metrics == c.metrics and w.metrics
        assert w.loss_curve == c.loss_curve
        assert w.warmup_s is not None and w.warmup_s > 0 and c.warmup_s is None
        assert not any("warm-up" in message for message in w.warnings)


def test_c_other_models_get_no_warm_up(iris, monkeypatch):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, X_test, _ = iris
    fits = []
    original = LogisticRegression.fit

    def fit(self, X, y, **kwargs):
        fits.append(len(X))
        return original(self, X, y, **kwargs)

    monkeypatch.setattr(LogisticRegression, "fit", fit)
    for model in (
        LogisticRegression(max_iter=500),
        make_pipeline(StandardScaler(), LogisticRegression()),
    ):
        fits.clear()
        m = measure_fold(model, X, y, X_test)
        assert fits == [len(X)]
        assert m.warmup_s is None and m.warmup_note is None


def test_c_record_of_a_classic_model_has_null_warmup(tmp_path):
    from benchsuite.executors import run_plan
    from benchsuite.plan import build_plan

    text = (
        "name: s\ndefaults: {evaluation: {holdout: 0.25}}\ndatasets: [iris]\n"
        "estimators: [{name: lr, model: sklearn.linear_model:LogisticRegression}]\n"
    )
    plan = build_plan(parse_suite(text, source="t.yaml", base_dir=tmp_path))
    (rec,) = run_plan(plan, output=tmp_path).records
    assert rec.status == "ok", rec.error
    assert rec.warmup_s is None
    assert "warmup_s" in rec.to_dict()


def test_d_a_failing_warm_up_does_not_stop_the_job(T, iris, monkeypatch, tmp_path):
    X, y, X_test, y_test = iris
    calls = _spy_fit(monkeypatch, T.TorchMLPClassifier, fail_warmup=True)
    model = T.TorchMLPClassifier(epochs=2, batch_size=16, **FAST)
    m = measure_fold(model, X, y, X_test)
    assert [c[3] for c in calls] == [1, 2]
    assert m.warmup_note == "warm-up failed: RuntimeError: warm-up boom"
    assert m.warmup_s is not None
    assert model.n_epochs_run_ == 2 and len(m.y_pred) == len(X_test)

    recs = _run_suite(tmp_path)
    assert all(r.status == "ok" for r in recs), [r.error for r in recs]
    assert all("warm-up failed: RuntimeError: warm-up boom" in r.warnings for r in recs)


def test_d_a_fold_with_one_class_skips_the_warm_up_with_a_reason(T, iris):
    X, y, X_test, _ = iris
    from benchsuite.measure import warm_up_model

    model = T.TorchMLPClassifier(epochs=1, **FAST)
    assert warm_up_model(model, X[:10], np.zeros(10, dtype=int), X_test) == (
        None,
        "warm-up skipped: the training fold has one class",
    )
    assert warm_up_model(model, X[:1], y[:1], X_test) == (
        None,
        "warm-up skipped: 1 training rows, the warm-up needs 2",
    )
    assert not hasattr(model, "module_")


@pytest.mark.gpu
def test_e_first_epoch_of_the_first_cuda_job_is_not_slower(T):
    """On CUDA, epoch 1 of the first job of the process (the first measured with the
    warm-up) is within 10% of the later epochs: the one-off costs went before the clock."""
    import torch

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60_000, 128)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    model = T.TorchMLPClassifier(
        epochs=5, batch_size=512, hidden_layer_sizes=(512, 512), random_state=0, device="cuda"
    )
    m = measure_fold(model, X, y, X[:1000], cuda=torch.cuda)
    assert m.warmup_s is not None and m.warmup_note is None
    times = [h["time_s"] for h in model.history_]
    later = float(np.median(times[1:]))
    assert times[0] <= 1.10 * later, times

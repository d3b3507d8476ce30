"""suites/seeds.yaml reproduces its classic examples: the Iris row gives the classic
script's number, bit for bit, and every row carries its example's settings."""

from __future__ import annotations

from pathlib import Path

from sklearn import datasets as skd
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

from benchsuite.executors import run_plan
from benchsuite.plan import build_plan
from benchsuite.suite import load_suite

SEEDS = Path(__file__).resolve().parents[2] / "suites" / "seeds.yaml"


def test_iris_row_equals_the_classic_script(tmp_path):
    # the classic script, as published: not stratified, no scaling
    iris = skd.load_iris()
    X_train, X_test, y_train, y_test = train_test_split(
        iris.data, iris.target, test_size=0.2, random_state=42
    )
    classic = SVC(kernel="rbf", C=1.0, gamma=0.1).fit(X_train, y_train).score(X_test, y_test)

    plan = build_plan(load_suite(SEEDS), filters=["iris/*"])
    (case,) = plan.cases
    result = run_plan(plan, output=tmp_path, command_line=["test"])
    (rec,) = result.records
    assert rec.status == "ok", rec.error
    assert (rec.n_train, rec.n_test) == (len(y_train), len(y_test))
    assert rec.metrics["accuracy"] == classic  # bit for bit
    assert rec.evaluation == "holdout=0.2,stratify=false"
    assert case.seed == 42


def test_rows_use_their_examples_settings():
    suite = load_suite(SEEDS)
    params = {e.name: e.params for e in suite.estimators}
    # Keras mnist_mlp.py: 512-512, dropout 0.2, 20 epochs, batch 128
    assert params["keras-mnist-mlp"] == {
        "hidden_layer_sizes": [512, 512],
        "dropout": 0.2,
        "epochs": 20,
        "batch_size": 128,
    }
    # the Keras CIFAR-10 CNN tutorial: 10 epochs at Keras's default batch size, 32
    assert params["keras-cifar-cnn"] == {"epochs": 10, "batch_size": 32}
    # PyTorch's CIFAR-10 tutorial: SGD lr 0.001 momentum 0.9, 2 epochs of batch 4
    assert params["pytorch-cifar-cnn"] == {
        "epochs": 2,
        "batch_size": 4,
        "optimizer": "sgd",
        "lr": 0.001,
        "momentum": 0.9,
    }
    # the toy 3-64-64-1 network: 10 epochs at batch size 3
    assert params["toy-net"]["epochs"] == 10 and params["toy-net"]["batch_size"] == 3
    # every holdout is the classic unstratified train_test_split with the suite's seed
    for ds in suite.datasets:
        if ds.evaluation is not None and ds.evaluation.holdout is not None:
            assert ds.evaluation.stratify is False, ds.name

"""How much faster is the torch estimators' training loop than a plain DataLoader loop?

Trains the same network (``torch.cnn`` and ``torch.mlp``), on the same data (a
Fashion-MNIST subsample), with the same optimizer, batch size and epochs, two ways, in one
process, interleaved for several rounds:

- **ours**: ``TorchCNNClassifier(...).fit(X, y)``: the training set goes to the device
  once; each epoch shuffles on the device and slices batches by index; fused optimizer;
  one loss read per epoch.
- **plain**: the loop of the PyTorch tutorials: ``DataLoader(TensorDataset(X, y),
  batch_size, shuffle=True)``, each batch copied to the device, ``optimizer.zero_grad()``,
  ``backward()``, ``step()``, ``running_loss += loss.item()``.

Both times cover building the network and optimizer and the whole epoch loop (the device
is synchronized before the clock is read); data loading from disk is outside both. Goal:
ours >= 1.3x faster on CPU, >= 2x on CUDA (run when a GPU is present).

Data: ``benchsuite.datasets`` (source ``fashion_mnist``) if it loads, else the IDX files
under ``$BENCHSUITE_DATA_DIR/fashion-mnist`` read with gzip + numpy (default
``../shared/data``), else random images of the same shape.

This is a report, not a test: it prints and exits 0. Usage::

    python benchmarks/train_loop.py [--samples 10000] [--epochs 1] [--rounds 3]
                                    [--models cnn,mlp] [--devices cpu,cuda] [--threads 2]
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"cpu": 1.3, "cuda": 2.0}  # plain time / our time


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion(n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """``n_samples`` Fashion-MNIST training images as float32 rows in [0, 1], and labels."""
    try:
        from benchsuite.datasets import load_dataset

        entry = SimpleNamespace(
            name="fashion",
            source="fashion_mnist",
            part="train",
            subsample=n_samples,
            params=None,
            task=None,
            path=None,
            target=None,
        )
        dataset = load_dataset(entry, base_dir=ROOT, seed=seed)
        X = np.ascontiguousarray(dataset.X, dtype=np.float32)
        return X, np.asarray(dataset.y, dtype=np.int64), "benchsuite.datasets fashion_mnist"
    except Exception as exc:  # the dataset API may be absent or not ready: fall back
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:100]
    folder = Path(os.environ.get("BENCHSUITE_DATA_DIR", ROOT.parent / "shared" / "data"))
    folder = folder / "fashion-mnist"
    images = folder / "train-images-idx3-ubyte.gz"
    labels = folder / "train-labels-idx1-ubyte.gz"
    rng = np.random.default_rng(seed)
    if images.is_file() and labels.is_file():
        X_all, y_all = _read_idx(images), _read_idx(labels)
        keep = rng.choice(len(y_all), size=min(n_samples, len(y_all)), replace=False)
        X = (X_all[keep].reshape(len(keep), -1) / np.float32(255)).astype(np.float32)
        return X, y_all[keep].astype(np.int64), f"{images.parent} via gzip ({reason})"
    X = rng.random((n_samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, n_samples)
    return X, y, f"random (no Fashion-MNIST files in {folder}; {reason})"


def _estimator(model: str, *, epochs: int, batch_size: int, device: str, seed: int):
    from benchsuite.estimators.torch import TorchCNNClassifier, TorchMLPClassifier

    cls = TorchCNNClassifier if model == "cnn" else TorchMLPClassifier
    return cls(
        epochs=epochs,
        batch_size=batch_size,
        device=device,
        input_shape=(1, 28, 28),
        random_state=seed,
    )


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def time_ours(model: str, X: np.ndarray, y: np.ndarray, **kwargs) -> float:
    estimator = _estimator(model, **kwargs)
    _sync(kwargs["device"])
    start = time.perf_counter()
    estimator.fit(X, y)
    _sync(kwargs["device"])
    return time.perf_counter() - start


def time_plain(
    model: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    device: str,
    seed: int,
) -> float:
    """The tutorial loop, with the same network and optimizer as the estimator."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    template = _estimator(model, epochs=epochs, batch_size=batch_size, device=device, seed=seed)
    _sync(device)
    start = time.perf_counter()
    torch.manual_seed(seed)
    # the estimator's own builder: the very same architecture and initialisation
    net = template._build_network((1, 28, 28), 10).to(device)
    if model == "cnn":
        optimizer = torch.optim.SGD(net.parameters(), lr=template.lr, momentum=template.momentum)
        images = torch.from_numpy(X).reshape(-1, 1, 28, 28)
    else:
        optimizer = torch.optim.Adam(net.parameters(), lr=template.lr)
        images = torch.from_numpy(X)
    loader = DataLoader(TensorDataset(images, torch.from_numpy(y)), batch_size, shuffle=True)
    criterion = torch.nn.CrossEntropyLoss()
    net.train()
    for _ in range(epochs):
        running_loss = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = criterion(net(xb), yb)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
    _sync(device)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", default="cnn,mlp")
    parser.add_argument("--devices", default=None, help="default: cpu, plus cuda if present")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    os.environ.setdefault("BENCHSUITE_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    devices = args.devices.split(",") if args.devices else ["cpu"]
    if args.devices is None and torch.cuda.is_available():
        devices.append("cuda")
    models = args.models.split(",")

    X, y, source = load_fashion(args.samples, args.seed)
    print(f"data: {X.shape[0]} x {X.shape[1]} from {source}")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, epochs {args.epochs}, "
        f"batch {args.batch_size}, rounds {args.rounds}"
    )
    common = {"epochs": args.epochs, "batch_size": args.batch_size, "seed": args.seed}
    warm = slice(0, min(512, X.shape[0]))
    summary = []
    for device in devices:
        if device.startswith("cuda") and not torch.cuda.is_available():
            print(f"{device}: CUDA not available, skipped")
            continue
        for model in models:
            # untimed warm-up of both paths: kernel selection, allocator, lazy imports
            time_ours(model, X[warm], y[warm], device=device, **common)
            time_plain(model, X[warm], y[warm], device=device, **common)
            ratios = []
            for i in range(args.rounds):
                # alternate the order, so drift in machine load hits both sides
                if i % 2 == 0:
                    ours = time_ours(model, X, y, device=device, **common)
                    plain = time_plain(model, X, y, device=device, **common)
                else:
                    plain = time_plain(model, X, y, device=device, **common)
                    ours = time_ours(model, X, y, device=device, **common)
                ratios.append(plain / ours)
                print(
                    f"{device:5s} {model:4s} round {i + 1}: ours {ours:7.3f} s  "
                    f"plain {plain:7.3f} s  speed-up {plain / ours:5.2f}x"
                )
            median = statistics.median(ratios)
            goal = GOALS["cuda" if device.startswith("cuda") else "cpu"]
            summary.append((device, model, median, goal))
    print()
    for device, model, median, goal in summary:
        verdict = "meets" if median >= goal else "misses"
        print(f"{device:5s} {model:4s} median speed-up {median:5.2f}x ({verdict} goal {goal}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Device, precision, optimizer, loss, and the training and inference loops.

The training set goes to the device once, as tensors; each epoch draws a permutation on
the device and slices batches by index, so there is no DataLoader, no per-sample
collation and no per-step host-to-device copy. The running loss stays on the device and
is read once per epoch, because ``.item()`` per step would synchronize every step.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

_DEVICE_PATTERN = re.compile(r"auto|cpu|mps|cuda(:\d+)?")

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _load_optimizer_machinery() -> None:
    """Build one throw-away optimizer, at import (that is, build) time.

    torch.optim imports ``torch._dynamo`` on the first optimizer it constructs, about a
    second; paying it here keeps it out of the first fit's clock, like the torch import.
    """
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


_load_optimizer_machinery()


def resolve_device(spec: str) -> torch.device:
    """Turn ``"auto" | "cpu" | "cuda" | "cuda:N" | "mps"`` into an available device.

    Raises
    ------
    ValueError
        For a malformed name, or a device this machine does not have.
    """
    if not isinstance(spec, str) or not _DEVICE_PATTERN.fullmatch(spec):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'; got {spec!r}")
    if spec == "auto":
        spec = "cuda" if torch.cuda.is_available() else "cpu"
    if spec.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"CUDA requested but not available (device={spec!r}); "
                "use device='cpu' or 'auto', or run on a machine with a CUDA GPU"
            )
        device = torch.device(spec)
        count = torch.cuda.device_count()
        if device.index is None:
            # name the card ("cuda:0"): records say where a model really ran
            return torch.device("cuda", torch.cuda.current_device())
        if device.index >= count:
            raise ValueError(f"device={spec!r} but this machine has {count} CUDA device(s)")
        return device
    if spec == "mps" and not torch.backends.mps.is_available():
        raise ValueError("MPS requested but not available (device='mps'); use 'cpu' or 'auto'")
    return torch.device(spec)


def resolve_amp(amp: str, device: torch.device) -> str:
    """The mixed precision that will really be used on ``device``.

    fp16 autocast needs a gradient scaler, which only CUDA provides here; elsewhere fp16
    falls back to full precision with a warning rather than failing a long run.
    """
    if amp == "fp16" and device.type != "cuda":
        warnings.warn(
            f"amp='fp16' needs CUDA; training on {device.type} in full precision "
            "(amp='bf16' works on CPU)",
            UserWarning,
            stacklevel=3,  # resolve_amp <- fit <- the caller
        )
        return "none"
    return amp


def autocast(amp: str, device: torch.device) -> contextlib.AbstractContextManager[Any]:
    """``torch.autocast`` for ``amp`` ("bf16" or "fp16"), or a no-op for "none"."""
    if amp == "none":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if amp == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels, so that a clock read afterwards measures finished work."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


@contextlib.contextmanager
def num_threads(threads: int | None) -> Iterator[None]:
    """Set torch's intra-op thread count inside the block and restore it after."""
    if threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextlib.contextmanager
def numeric_settings(
    device: torch.device,
    *,
    tf32: bool | None = None,
    cudnn_benchmark: bool = False,
    deterministic: bool | None = None,
) -> Iterator[dict[str, Any]]:
    """Set torch's global numeric switches inside the block; restore them after.

    ``tf32`` (None: leave torch's defaults) and ``cudnn_benchmark`` act on CUDA only;
    ``deterministic`` (None: leave it as it is) calls
    ``torch.use_deterministic_algorithms`` on every device, and sets cuDNN's deterministic
    mode on CUDA. Yields the settings in effect inside the block: ``tf32``
    (``{"matmul": bool, "cudnn": bool}`` on CUDA, else None), ``cudnn_benchmark`` (None
    off CUDA) and ``deterministic``.
    """
    cuda = device.type == "cuda"
    matmul, cudnn = torch.backends.cuda.matmul, torch.backends.cudnn
    saved = (
        matmul.allow_tf32,
        cudnn.allow_tf32,
        cudnn.benchmark,
        cudnn.deterministic,
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
    )
    try:
        if cuda:
            if tf32 is not None:
                matmul.allow_tf32 = cudnn.allow_tf32 = bool(tf32)
            cudnn.benchmark = bool(cudnn_benchmark)
        if deterministic is not None:
            torch.use_deterministic_algorithms(bool(deterministic))
            if cuda:
                cudnn.deterministic = bool(deterministic)
        yield {
            "tf32": (
                {"matmul": bool(matmul.allow_tf32), "cudnn": bool(cudnn.allow_tf32)}
                if cuda
                else None
            ),
            "cudnn_benchmark": bool(cudnn.benchmark) if cuda else None,
            "deterministic": torch.are_deterministic_algorithms_enabled(),
        }
    finally:
        matmul.allow_tf32, cudnn.allow_tf32, cudnn.benchmark, cudnn.deterministic = saved[:4]
        torch.use_deterministic_algorithms(saved[4], warn_only=saved[5])


def make_optimizer(
    name: str, module: nn.Module, *, lr: float, momentum: float, weight_decay: float
) -> torch.optim.Optimizer:
    """SGD, Adam or AdamW with fused kernels where torch has them, else multi-tensor.

    A fused optimizer updates every parameter in one kernel (CUDA, and CPU since torch
    2.4); ``foreach`` batches the per-parameter ops otherwise.
    """
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[name]
    kwargs: dict[str, Any] = {"lr": lr, "weight_decay": weight_decay}
    if name == "sgd":
        kwargs["momentum"] = momentum
    try:
        return cls(module.parameters(), fused=True, **kwargs)
    except (RuntimeError, TypeError, ValueError):  # older torch, or no fused kernel here
        return cls(module.parameters(), foreach=True, **kwargs)


def make_scheduler(
    name: str, optimizer: torch.optim.Optimizer, *, lr: float, total_steps: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """A per-step schedule over the whole run: cosine decay to 0, or one-cycle peaking at lr.

    One-cycle leaves momentum alone (``cycle_momentum=False``), so the ``momentum`` the
    user set is the one used.
    """
    total_steps = max(total_steps, 1)
    if name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
    if name == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=lr, total_steps=total_steps, cycle_momentum=False
        )
    return None


def make_loss(name: str, n_out: int, *, classifier: bool) -> LossFn:
    """The training loss for network outputs and targets as the estimator stores them.

    Classifiers: ``cross_entropy`` on logits and integer codes; ``bce`` on one logit and
    0/1 targets; ``mse``/``huber`` between softmax probabilities and one-hot codes.
    Regressors: ``mse``/``huber`` between outputs and float targets of shape (N, n_out).
    """
    if not classifier:
        return F.mse_loss if name == "mse" else F.huber_loss
    if name == "cross_entropy":
        return F.cross_entropy
    if name == "bce":
        return lambda out, y: F.binary_cross_entropy_with_logits(out[:, 0], y.float())
    distance = F.mse_loss if name == "mse" else F.huber_loss
    return lambda out, y: distance(out.float().softmax(1), F.one_hot(y, n_out).float())


def score(out: torch.Tensor, y: torch.Tensor, *, classifier: bool, bce: bool) -> torch.Tensor:
    """Accuracy (classifiers) or R^2 averaged over outputs (regressors), on the device."""
    if classifier:
        predicted = (out[:, 0] > 0).long() if bce else out.argmax(1)
        return (predicted == y).float().mean()
    ss_res = ((y - out) ** 2).sum(0)
    ss_tot = ((y - y.mean(0)) ** 2).sum(0)
    # as sklearn's r2_score: a constant target scores 1 if predicted exactly, else 0
    r2 = torch.where(ss_tot > 0, 1 - ss_res / ss_tot.clamp_min(1e-30), (ss_res == 0).float())
    return r2.mean()


def _grad_scaler() -> Any:
    """A CUDA gradient scaler for fp16 (``torch.amp`` since 2.3, ``torch.cuda.amp`` before)."""
    if hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda")
    return torch.cuda.amp.GradScaler()  # pragma: no cover - torch < 2.3


@dataclass
class TrainConfig:
    """Resolved training settings (already validated)."""

    epochs: int
    batch_size: int
    lr: float
    optimizer: str
    momentum: float
    weight_decay: float
    loss: str
    lr_schedule: str
    n_iter_no_change: int
    amp: str
    channels_last: bool
    classifier: bool
    verbose: int
    predict_batch_size: int = 4096
    compile: bool | str = False


def _evaluate(
    module: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: LossFn,
    config: TrainConfig,
    device: torch.device,
) -> tuple[float, float]:
    """Mean loss and score on a held-out set already on the device."""
    module.eval()
    outputs = []
    with torch.inference_mode(), autocast(config.amp, device):
        step = config.predict_batch_size
        for start in range(0, X.shape[0], step):
            outputs.append(module(X[start : start + step]).float())
        out = torch.cat(outputs)
        loss = loss_fn(out, y)
        value = score(out, y, classifier=config.classifier, bce=config.loss == "bce")
    return float(loss), float(value)


def compile_module(
    module: nn.Module,
    mode: bool | str,
    device: torch.device,
    warm_up: Callable[[nn.Module], None],
) -> tuple[nn.Module, float]:
    """``torch.compile(module)`` and its first compilations, timed.

    ``warm_up`` runs the compiled module once per input shape it will train on, so that
    compilation is paid here rather than in the first epoch. Returns the compiled module
    and the seconds it took (device-synchronized).

    Raises
    ------
    RuntimeError
        Naming ``torch.compile`` when torch cannot compile here (no C++ compiler, an
        unsupported Python or platform, a failing backend).
    """
    name = "default" if mode is True else str(mode)
    synchronize(device)
    start = time.perf_counter()
    try:
        # an nn.Module compiles to an nn.Module (OptimizedModule); torch types it callable
        compiled = cast(nn.Module, torch.compile(module, mode=name))
        warm_up(compiled)
        synchronize(device)
    except Exception as exc:  # torch raises many kinds (RuntimeError, BackendCompilerFailed)
        first_line = (str(exc).strip().splitlines() or [""])[0]
        raise RuntimeError(
            f"torch.compile (mode {name!r}) failed on {device.type}: "
            f"{type(exc).__name__}: {first_line}"
        ) from exc
    return compiled, time.perf_counter() - start


def warm_up_training(
    module: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    config: TrainConfig,
    *,
    device: torch.device,
    n_out: int,
) -> None:
    """One forward and backward pass per batch shape an epoch trains on (the full batch
    and the last, partial one); the gradients are discarded, the weights untouched."""
    loss_fn = make_loss(config.loss, n_out, classifier=config.classifier)
    n = X.shape[0]
    sizes = {min(config.batch_size, n), n % config.batch_size} - {0}
    module.train()
    for size in sorted(sizes, reverse=True):
        with autocast(config.amp, device):
            loss = loss_fn(module(X[:size]), y[:size])
        loss.backward()
    module.zero_grad(set_to_none=True)


def train(
    module: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    config: TrainConfig,
    *,
    device: torch.device,
    seed: int,
    n_out: int,
    validation: tuple[torch.Tensor, torch.Tensor] | None = None,
    monitor: tuple[torch.Tensor, torch.Tensor] | None = None,
    log: Callable[[str], None] | None = None,
) -> list[dict[str, float]]:
    """Run the epoch loop on tensors that are already on ``device``.

    Parameters
    ----------
    module : nn.Module
        On ``device`` (and channels-last if ``config.channels_last``).
    X, y : torch.Tensor
        Training inputs shaped for ``module`` and targets, on ``device``.
    config : TrainConfig
    device : torch.device
    seed : int
        Seeds the shuffling generator.
    n_out : int
        Width of the network's output (for one-hot targets).
    validation : (X, y) or None
        Held-out tensors on ``device``: enables early stopping on their loss, and the
        weights of the best epoch are restored at the end (as scikit-learn's MLP does).
    monitor : (X, y) or None
        Tensors on ``device`` scored after each epoch for time-to-accuracy; they only
        watch (no early stopping), and their time is kept out of ``time_s``.
    log : callable or None
        Receives one line per epoch.

    Returns
    -------
    list of dict
        One per epoch run: ``epoch`` (1-based), ``train_loss`` (mean over samples),
        ``time_s`` (wall time of the epoch, device-synchronized), and ``val_loss``,
        ``val_score`` with validation, ``eval_score`` and ``eval_time_s`` with monitor.
    """
    n = X.shape[0]
    steps_per_epoch = math.ceil(n / config.batch_size)
    optimizer = make_optimizer(
        config.optimizer,
        module,
        lr=config.lr,
        momentum=config.momentum,
        weight_decay=config.weight_decay,
    )
    scheduler = make_scheduler(
        config.lr_schedule, optimizer, lr=config.lr, total_steps=config.epochs * steps_per_epoch
    )
    scaler = _grad_scaler() if config.amp == "fp16" else None
    loss_fn = make_loss(config.loss, n_out, classifier=config.classifier)
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)

    history: list[dict[str, float]] = []
    best_loss, best_state, epochs_without_gain = math.inf, None, 0
    for epoch in range(1, config.epochs + 1):
        synchronize(device)
        start_time = time.perf_counter()
        module.train()
        order = torch.randperm(n, generator=generator, device=device)
        total = torch.zeros((), device=device)
        for start in range(0, n, config.batch_size):
            batch = order[start : start + config.batch_size]
            with autocast(config.amp, device):
                loss = loss_fn(module(X[batch]), y[batch])
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                optimizer.step()
            if scheduler is not None:
                scheduler.step()
            total += loss.detach().float() * batch.shape[0]
        record = {"epoch": epoch, "train_loss": float(total) / n}  # the one sync per epoch
        stop = False
        if validation is not None:
            val_loss, val_score = _evaluate(module, *validation, loss_fn, config, device)
            record.update(val_loss=val_loss, val_score=val_score)
            if val_loss < best_loss:
                best_loss, epochs_without_gain = val_loss, 0
                best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
            else:
                epochs_without_gain += 1
                stop = epochs_without_gain >= config.n_iter_no_change
        synchronize(device)
        record["time_s"] = time.perf_counter() - start_time
        if monitor is not None:
            _, record["eval_score"] = _evaluate(module, *monitor, loss_fn, config, device)
            synchronize(device)
            record["eval_time_s"] = time.perf_counter() - start_time - record["time_s"]
        history.append(record)
        if log is not None:
            log(", ".join(f"{k}={v:.4g}" for k, v in record.items()))
        if not math.isfinite(record["train_loss"]):
            # as sklearn's MLP: a diverged model would only predict NaN
            raise ValueError(
                f"training diverged: train_loss is {record['train_loss']} at epoch {epoch}; "
                "lower lr, or scale the inputs"
            )
        if stop:
            break
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    return history


def forward_in_chunks(
    module: nn.Module,
    X: np.ndarray,
    prepare: Callable[[torch.Tensor], torch.Tensor],
    finish: Callable[[torch.Tensor], torch.Tensor],
    *,
    device: torch.device,
    amp: str,
    batch_size: int = 4096,
) -> np.ndarray:
    """Run ``module`` over host rows ``X`` in batches of ``batch_size`` rows; only each
    input chunk moves.

    ``prepare`` shapes a chunk already on the device; ``finish`` maps float32 outputs
    (softmax, sigmoid, ...) on the device. Results are gathered on the device and copied
    back once.
    """
    module.eval()
    outputs = []
    with torch.inference_mode(), autocast(amp, device):
        for start in range(0, X.shape[0], batch_size):
            chunk = torch.from_numpy(X[start : start + batch_size]).to(device)
            outputs.append(finish(module(prepare(chunk)).float()))
    if not outputs:
        return np.empty((0, 0), dtype=np.float32)
    return torch.cat(outputs).cpu().numpy()

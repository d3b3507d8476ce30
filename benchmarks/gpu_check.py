"""Can benchsuite's GPU figures be trusted? One command, one table (issue 14).

Run from the repository root on a machine with a CUDA GPU (under 5 minutes on one GPU)::

    BENCHSUITE_DATA_DIR=/path/to/data python benchmarks/gpu_check.py [--json PATH]

Rows of the table (``check | value | goal | ok/not``):

- **gpu tests**: ``python -m pytest -m gpu -q`` in a subprocess; passed/failed/skipped counted
  from pytest's summary line. Goal: none failed, some passed.
- **cnn repeat 0**: benchsuite runs a suite built here (Fashion-MNIST, ``subsample:
  20000``, 80/20 holdout, ``torch.cnn`` with ``epochs: 3, batch_size: 256`` on ``cuda``,
  ``repeats: 3``) in this process (``load_suite``, ``build_plan``, ``run_plan``); the
  recorded ``fit_time_s`` of repeat 0 over the median of repeats 1-2. Goal: <= 1.10x (the
  one-off CUDA costs are paid outside the clock).
- **cnn fit / plain loop**: the median ``fit_time_s`` of the three repeats over a plain,
  warm PyTorch loop of the same network (built by the estimator's own ``_build_network``,
  re-initialised), training data already on the GPU as tensors, same batch size, epochs,
  optimizer (SGD lr 1e-3 momentum 0.9, fused where torch has it), loss (cross-entropy),
  memory format (channels_last): one epoch of warm-up outside the clock, then the epochs
  timed between ``torch.cuda.synchronize()`` calls (median of ``--rounds``). Goal: <= 1.05x.
- **train loop vs DataLoader**: samples/s of benchsuite's fit (training samples x epochs /
  median ``fit_time_s``, which also counts building the network and the copy to the GPU)
  over a ``DataLoader(TensorDataset(CPU tensors), shuffle=True, pin_memory=True,
  num_workers=--workers)`` loop with ``non_blocking`` copies, warmed up the same way. Both
  plain loops read the loss once per epoch. Goal: >= 2x.
- **energy fields**: records whose ``energy_j`` is not null (``cpu_energy_j`` shown too).
  Goal: every record.
- **total time**: the whole check. Goal: under 300 s.

Without CUDA it prints one line and exits 0. ``--cpu-dry-run`` runs every step on the CPU
with tiny sizes (500 images, 1 epoch), so that the code paths can be exercised anywhere;
its figures mean nothing. The script is a report: it exits 0 when goals are missed, 1 only
when a step crashed (its row says ``error``). Usage::

    python benchmarks/gpu_check.py [--json PATH] [--device cuda:N] [--rounds 3]
                                   [--workers 0] [--no-tests] [--pytest-args ARGS]
                                   [--tests-timeout 180] [--cpu-dry-run]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # check this checkout's benchsuite, installed or not
    sys.path.insert(0, str(ROOT))

REPEAT_GOAL = 1.10  # repeat 0 / median(repeats 1-2)
PLAIN_GOAL = 1.05  # benchsuite median fit_time_s / plain loop time
LOADER_GOAL = 2.0  # benchsuite samples/s / DataLoader samples/s
TOTAL_GOAL_S = 300.0

SUITE_TEMPLATE = """\
# written by benchmarks/gpu_check.py
name: gpu-check
seed: 0
defaults:
  evaluation: {{holdout: 0.2}}
  repeats: {repeats}
  metrics: [accuracy]
datasets:
  - {{name: fashion, source: fashion_mnist, subsample: {subsample}}}
estimators:
  - {{name: cnn, model: torch.cnn, params: {{epochs: {epochs}, batch_size: {batch_size}}},
     device: {device}}}
"""

# (check, goal) of each row, in table order
ROWS = (
    ("gpu tests (pytest -m gpu)", "0 failed, >0 passed"),
    ("cnn repeat 0 / median(1-2)", f"<= {REPEAT_GOAL:.2f}x"),
    ("cnn fit / plain loop", f"<= {PLAIN_GOAL:.2f}x"),
    ("train loop vs DataLoader", f">= {LOADER_GOAL:.1f}x samples/s"),
    ("energy fields", "energy_j in every record"),
    ("total time", f"< {TOTAL_GOAL_S:.0f} s"),
)
CHECKS = tuple(check for check, _ in ROWS)


@dataclass
class Config:
    device: str
    subsample: int
    epochs: int
    batch_size: int
    repeats: int
    rounds: int
    workers: int
    dry_run: bool


@dataclass
class Row:
    check: str
    value: str
    goal: str
    status: str  # "ok", "not", "error" (the step crashed) or "-" (not run)


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, check: str, value: str, goal: str, ok: bool | None) -> None:
        status = "-" if ok is None else ("ok" if ok else "not")
        self.rows.append(Row(check, value, goal, status))

    def error(self, check: str, goal: str, exc: BaseException | str) -> None:
        text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        short = _one_line(text)
        self.rows.append(Row(check, "error: " + short, goal, "error"))
        if short != " ".join(text.split()):  # cut short in the table: in full below it
            self.notes.append(f"{check}: {text}")


def _one_line(text: str, limit: int = 150) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _log(message: str) -> None:
    print(f"gpu_check: {message}", file=sys.stderr, flush=True)


def format_table(rows: list[Row]) -> str:
    """The rows as plain text with fixed-width columns ``check | value | goal | ok/not``."""
    header = Row("check", "value", "goal", "ok/not")
    widths = [
        max(len(getattr(row, name)) for row in (header, *rows))
        for name in ("check", "value", "goal", "status")
    ]

    def line(row: Row) -> str:
        cells = (row.check, row.value, row.goal, row.status)
        return " | ".join(
            cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
        ).rstrip()

    rule = "-+-".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


# -- the gpu tests ---------------------------------------------------------------------------
_COUNT = re.compile(
    r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected|warnings?|rerun)\b"
)


def parse_pytest_summary(output: str) -> dict[str, int] | None:
    """Counts from pytest's last summary line (``3 passed, 1 skipped in 2.1s``), or None."""
    for line in reversed(output.splitlines()):
        found = _COUNT.findall(line)
        if found and re.search(r"\bin [\d.]+s\b", line):
            counts: dict[str, int] = {}
            for number, word in found:
                key = {"error": "errors", "warning": "warnings"}.get(word, word)
                counts[key] = counts.get(key, 0) + int(number)
            return counts
        if re.search(r"\bno tests ran\b", line):
            return {}
    return None


def run_gpu_tests(pytest_args: list[str], timeout_s: float) -> tuple[int, str]:
    """``python -m pytest -m gpu -q ARGS`` in the repository root: (exit code, output)."""
    cmd = [sys.executable, "-m", "pytest", "-m", "gpu", "-q", "-p", "no:cacheprovider"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [*cmd, *pytest_args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: a timeout ends its children too
    )
    try:
        output, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise TimeoutError(f"pytest -m gpu ran past {timeout_s:.0f} s (--tests-timeout)") from None
    return proc.returncode, output


def check_gpu_tests(report: Report, args: argparse.Namespace) -> None:
    check, goal = ROWS[0]
    if args.no_tests:
        report.add(check, "not run (--no-tests)", goal, None)
        return
    _log("running pytest -m gpu -q ...")
    rc, output = run_gpu_tests(shlex.split(args.pytest_args), args.tests_timeout)
    counts = parse_pytest_summary(output)
    report.figures["gpu_tests"] = {"returncode": rc, "counts": counts}
    if counts is None or rc not in (0, 1, 5):  # 5: no tests collected
        tail = output.strip().splitlines()[-3:]
        raise RuntimeError(f"pytest exited {rc}: " + " / ".join(tail))
    passed, failed = counts.get("passed", 0), counts.get("failed", 0)
    errors = counts.get("errors", 0)
    value = f"{passed} passed, {failed} failed, {counts.get('skipped', 0)} skipped"
    if errors:
        value += f", {errors} errors"
    report.add(check, value, goal, rc == 0 and failed == 0 and errors == 0 and passed > 0)
    report.notes += [
        line.strip() for line in output.splitlines() if line.startswith(("FAILED", "ERROR"))
    ]


# -- benchsuite's run of the CNN -------------------------------------------------------------
@dataclass
class SuiteRun:
    records: list[Any]
    X_train: Any  # the first n_train rows of the loaded dataset: the size of a training set
    y_train: Any
    n_classes: int


def run_suite(config: Config, folder: Path) -> SuiteRun:
    """Write the suite, run it in this process, and load the same dataset for the loops."""
    import numpy as np

    import benchsuite

    path = folder / "gpu_check.yaml"
    path.write_text(
        SUITE_TEMPLATE.format(
            repeats=config.repeats,
            subsample=config.subsample,
            epochs=config.epochs,
            batch_size=config.batch_size,
            device=config.device,
        ),
        encoding="utf-8",
    )
    suite = benchsuite.load_suite(path)
    plan = benchsuite.build_plan(suite)
    _log(f"benchsuite run: {len(plan.cases)} case(s) ...")
    result = benchsuite.run_plan(plan, output=folder / "results")
    records = sorted(result.records, key=lambda r: (r.fold, r.repeat))
    bad = [r for r in records if r.status != "ok"]
    if bad or not records:
        first = bad[0] if bad else None
        why = f"{first.status}: {first.error}" if first else "no records"
        raise RuntimeError(f"benchsuite run {result.status}: {why}")
    dataset = benchsuite.load_dataset(suite.datasets[0], base_dir=suite.base_dir, seed=suite.seed)
    n_train = int(records[0].n_train)
    # copies: the loaded dataset's arrays are shared (and may be read-only)
    X = np.array(np.asarray(dataset.X)[:n_train], dtype=np.float32, order="C")
    y = np.array(np.asarray(dataset.y)[:n_train], dtype=np.int64)
    n_classes = len(dataset.classes) if dataset.classes else int(dataset.y.max()) + 1
    return SuiteRun(records, X, y, n_classes)


def fit_times(records: list[Any]) -> list[float]:
    """``fit_time_s`` per repeat (fold 0), in repeat order."""
    return [float(r.fit_time_s) for r in records if r.fold == 0]


def check_repeats(report: Report, run: SuiteRun) -> None:
    times = fit_times(run.records)
    if len(times) < 3:
        raise RuntimeError(f"needs 3 repeats, got {len(times)}")
    ratio = times[0] / statistics.median(times[1:3])
    report.figures.update(fit_times_s=times, repeat0_ratio=ratio)
    value = f"{ratio:.3f}x (r0 {times[0]:.3f} s; r1 {times[1]:.3f}, r2 {times[2]:.3f} s)"
    check, goal = ROWS[1]
    report.add(check, value, goal, ratio <= REPEAT_GOAL)
    devices = sorted({str(r.device) for r in run.records})
    report.notes.append(f"records' device: {', '.join(devices)}")
    breakdown = []
    for r in run.records:
        h2d = float(r.h2d_time_s or 0.0)
        epochs = float(r.time_per_epoch_s or 0.0) * int(r.epochs_run or 0)
        rest = float(r.fit_time_s) - h2d - epochs
        breakdown.append({"h2d_s": h2d, "epochs_s": epochs, "rest_s": rest})
        report.notes.append(
            f"repeat {r.repeat}: fit {r.fit_time_s:.3f} s = copy to device {h2d:.3f} s"
            f" + {r.epochs_run} epoch(s) {epochs:.3f} s + the rest {rest:.3f} s"
        )
    report.figures["fit_breakdown"] = breakdown


# -- the plain loops -------------------------------------------------------------------------
@dataclass
class Network:
    """How benchsuite's estimator trains: read from the record's class and params."""

    build: Callable[[], Any]  # a freshly initialised network on the device
    input_shape: tuple[int, ...]
    optimizer: str
    lr: float
    momentum: float
    weight_decay: float
    channels_last: bool
    batch_size: int
    epochs: int


def benchsuite_network(record: Any, n_classes: int, device: Any) -> Network:
    """The network and training settings of the record's estimator (same class, params)."""
    import torch

    module_name, _, class_name = str(record.model).partition(":")
    estimator = getattr(importlib.import_module(module_name), class_name)(**record.params)
    params = estimator.get_params()
    supported = {
        "loss": "cross_entropy",
        "amp": "none",
        "lr_schedule": "none",
        "early_stopping": False,
    }
    for name, value in supported.items():
        if params.get(name) != value:
            raise ValueError(f"the plain loops implement {name}={value!r} only; got {params}")
    if params["optimizer"] not in ("sgd", "adam", "adamw"):
        raise ValueError(f"unknown optimizer {params['optimizer']!r}")
    input_shape = tuple(int(s) for s in params["input_shape"])

    def build() -> Any:
        torch.manual_seed(0)
        net = estimator._build_network(input_shape, n_classes).to(device)
        if params["channels_last"]:
            net = net.to(memory_format=torch.channels_last)
        return net

    return Network(
        build=build,
        input_shape=input_shape,
        optimizer=params["optimizer"],
        lr=float(params["lr"]),
        momentum=float(params["momentum"]),
        weight_decay=float(params["weight_decay"]),
        channels_last=bool(params["channels_last"]),
        batch_size=int(params["batch_size"]),
        epochs=int(params["epochs"]),
    )


def _optimizer(net: Any, spec: Network) -> Any:
    """The estimator's optimizer and settings (its own builder: fused kernels where torch
    has them)."""
    from benchsuite.estimators.torch._training import make_optimizer

    return make_optimizer(
        spec.optimizer, net, lr=spec.lr, momentum=spec.momentum, weight_decay=spec.weight_decay
    )


def _images(x: Any, spec: Network) -> Any:
    import torch

    images = x.reshape(x.shape[0], *spec.input_shape)
    return images.contiguous(memory_format=torch.channels_last) if spec.channels_last else images


def _sync(device: Any) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed_rounds(run_epoch: Callable[[], float], device: Any, epochs: int, rounds: int) -> float:
    """One warm-up epoch outside the clock, then ``rounds`` x ``epochs`` epochs timed
    between synchronizations; the median round's seconds."""
    run_epoch()
    times = []
    for _ in range(rounds):
        _sync(device)
        start = time.perf_counter()
        for _ in range(epochs):
            run_epoch()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _train_step(net: Any, optimizer: Any) -> Callable[[Any, Any], Any]:
    """One optimiser step on a batch ``(xb, yb)``, shared by both loops; it returns the
    batch's summed loss, left on the device."""
    import torch.nn.functional as F

    def step(xb: Any, yb: Any) -> Any:
        loss = F.cross_entropy(net(xb), yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.detach() * yb.shape[0]

    return step


def time_plain_loop(spec: Network, X: Any, y: Any, device: Any, rounds: int) -> float:
    """Training data already on the device; shuffled index batches; one loss read per epoch."""
    import torch

    net = spec.build()
    step = _train_step(net, _optimizer(net, spec))
    X_dev = _images(torch.from_numpy(X).to(device), spec)
    y_dev = torch.from_numpy(y).to(device)
    n = X_dev.shape[0]

    def epoch() -> float:
        net.train()
        order = torch.randperm(n, device=device)
        total = torch.zeros((), device=device)
        for start in range(0, n, spec.batch_size):
            batch = order[start : start + spec.batch_size]
            total += step(X_dev[batch], y_dev[batch])
        return float(total) / n

    return _timed_rounds(epoch, device, spec.epochs, rounds)


def time_dataloader_loop(
    spec: Network, X: Any, y: Any, device: Any, rounds: int, workers: int
) -> float:
    """``DataLoader`` over CPU tensors, pinned memory, non-blocking copies to the device."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    net = spec.build()
    step = _train_step(net, _optimizer(net, spec))
    images = torch.from_numpy(X).reshape(X.shape[0], *spec.input_shape)
    loader = DataLoader(
        TensorDataset(images, torch.from_numpy(y)),
        batch_size=spec.batch_size,
        shuffle=True,
        pin_memory=device.type == "cuda",
        num_workers=workers,
        persistent_workers=workers > 0,  # no new worker processes every epoch
    )
    n = X.shape[0]

    def epoch() -> float:
        net.train()
        total = torch.zeros((), device=device)
        for xb, yb in loader:
            xb = xb.to(device, non_blocking=True)
            if spec.channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            yb = yb.to(device, non_blocking=True)
            total += step(xb, yb)
        return float(total) / n

    return _timed_rounds(epoch, device, spec.epochs, rounds)


def check_loops(report: Report, run: SuiteRun, config: Config) -> None:
    import torch

    device = torch.device(config.device)
    fit_median = statistics.median(fit_times(run.records))
    spec = benchsuite_network(run.records[0], run.n_classes, device)
    n_train = run.X_train.shape[0]
    epochs = int(run.records[0].epochs_run or spec.epochs)
    report.figures.update(fit_median_s=fit_median, n_train=n_train, epochs=epochs)

    check, goal = ROWS[2]
    try:
        _log("plain loop ...")
        plain = time_plain_loop(spec, run.X_train, run.y_train, device, config.rounds)
        ratio = fit_median / plain
        report.figures.update(plain_loop_s=plain, plain_ratio=ratio)
        value = f"{ratio:.3f}x (fit {fit_median:.3f} s, plain {plain:.3f} s)"
        report.add(check, value, goal, ratio <= PLAIN_GOAL)
        breakdown = report.figures.get("fit_breakdown") or []
        if breakdown:
            epochs_only = statistics.median(b["epochs_s"] for b in breakdown)
            report.figures["epochs_only_ratio"] = epochs_only / plain
            report.notes.append(
                f"benchsuite's epochs alone (median {epochs_only:.3f} s) / plain loop:"
                f" {epochs_only / plain:.3f}x"
            )
    except Exception as exc:
        report.error(check, goal, exc)

    check, goal = ROWS[3]
    try:
        _log(f"DataLoader loop (num_workers={config.workers}) ...")
        loader = time_dataloader_loop(
            spec, run.X_train, run.y_train, device, config.rounds, config.workers
        )
        ours = n_train * epochs / fit_median
        theirs = n_train * spec.epochs / loader
        ratio = ours / theirs
        report.figures.update(
            dataloader_loop_s=loader,
            samples_per_s=ours,
            dataloader_samples_per_s=theirs,
            dataloader_ratio=ratio,
        )
        value = f"{ratio:.2f}x ({ours:,.0f} vs {theirs:,.0f} samples/s)"
        report.notes.append(
            f"DataLoader loop: {loader:.3f} s for {spec.epochs} epoch(s) of {n_train} samples"
        )
        report.add(check, value, goal, ratio >= LOADER_GOAL)
    except Exception as exc:
        report.error(check, goal, exc)


def check_energy(report: Report, records: list[Any]) -> None:
    check, goal = ROWS[4]
    n = len(records)
    have = sum(getattr(r, "energy_j", None) is not None for r in records)
    have_cpu = sum(getattr(r, "cpu_energy_j", None) is not None for r in records)
    known = records and hasattr(records[0], "energy_j")
    report.figures.update(energy_j_records=have, cpu_energy_j_records=have_cpu, records=n)
    if not known:
        report.add(check, f"no energy_j field in records ({n} records)", goal, False)
        return
    values = [r.energy_j for r in records if getattr(r, "energy_j", None) is not None]
    value = f"energy_j {have}/{n}, cpu_energy_j {have_cpu}/{n}"
    if values:
        value += f" (median {statistics.median(values):.1f} J)"
    report.add(check, value, goal, n > 0 and have == n)


# -- main ------------------------------------------------------------------------------------
def _no_cuda_line(torch: Any) -> str | None:
    """The one line to print when CUDA is not here, or None when it is."""
    if torch is None:
        return "gpu_check: no CUDA device here (torch not importable); nothing to check"
    try:
        available = bool(torch.cuda.is_available())
    except Exception:  # a broken driver is no GPU for this check
        available = False
    if available:
        return None
    build = "yes" if getattr(torch.version, "cuda", None) else "no"
    version = ".".join(torch.__version__.split("+")[0].split(".")[:2])
    return (
        f"gpu_check: no CUDA device here (torch {version}, CUDA build: {build}); nothing to check"
    )


def _setup_environment() -> None:
    data = ROOT.parent / "shared" / "data"  # this project's canonical copies, if beside it
    if "BENCHSUITE_DATA_DIR" not in os.environ and data.is_dir():
        os.environ["BENCHSUITE_DATA_DIR"] = str(data)
    # a missing file is a one-line error, not a download attempt from a machine offline
    os.environ.setdefault("BENCHSUITE_OFFLINE", "1")


def _header(config: Config, torch: Any) -> str:
    if config.dry_run:
        where = "CPU DRY RUN (tiny sizes; the figures mean nothing)"
    else:
        device = torch.device(config.device)
        index = device.index if device.index is not None else torch.cuda.current_device()
        where = f"cuda:{index} {torch.cuda.get_device_name(index)}"
    cuda = getattr(torch.version, "cuda", None) or "none"
    return (
        f"gpu_check: {where}; torch {torch.__version__} (CUDA {cuda}); Fashion-MNIST "
        f"subsample {config.subsample}, torch.cnn {config.epochs} epoch(s) x batch "
        f"{config.batch_size}, {config.repeats} repeats"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--device", default="cuda", help="cuda or cuda:N (default: cuda)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each plain loop")
    parser.add_argument("--workers", type=int, default=0, help="DataLoader num_workers")
    parser.add_argument("--no-tests", action="store_true", help="skip pytest -m gpu")
    parser.add_argument("--pytest-args", default="", help="more arguments for pytest -m gpu")
    parser.add_argument("--tests-timeout", type=float, default=180.0, help="seconds")
    parser.add_argument(
        "--cpu-dry-run",
        action="store_true",
        help="run every step on the CPU with tiny sizes (checks the script, not the GPU)",
    )
    args = parser.parse_args(argv)

    _setup_environment()
    try:
        import torch
    except (ImportError, OSError):  # not installed, or its libraries do not load
        torch = None
    line = _no_cuda_line(torch)
    if line is not None and not args.cpu_dry_run:
        print(line)
        return 0
    assert torch is not None or args.cpu_dry_run
    if torch is None:
        print("gpu_check: --cpu-dry-run needs torch, which does not import here")
        return 1

    if args.cpu_dry_run:
        torch.set_num_threads(1)  # tiny sizes on a shared machine: one core is plenty
        config = Config("cpu", 500, 1, 256, 3, 1, args.workers, True)
    else:
        config = Config(args.device, 20000, 3, 256, 3, max(args.rounds, 1), args.workers, False)

    started = time.perf_counter()
    report = Report()
    report.figures["config"] = asdict(config)
    run: SuiteRun | None = None
    try:
        check_gpu_tests(report, args)
    except Exception as exc:
        report.error(*ROWS[0], exc)
    with tempfile.TemporaryDirectory(prefix="gpu_check-") as tmp:
        try:
            run = run_suite(config, Path(tmp))
        except Exception as exc:
            for check, goal in ROWS[1:5]:
                report.error(check, goal, "benchsuite's run of the CNN failed (below)")
            report.notes.append(f"benchsuite run failed: {type(exc).__name__}: {exc}")
    if run is not None:
        try:
            check_repeats(report, run)
        except Exception as exc:
            report.error(*ROWS[1], exc)
        try:
            check_loops(report, run, config)
        except Exception as exc:  # before either loop ran: both rows
            report.error(*ROWS[2], exc)
            report.error(*ROWS[3], exc)
        try:
            check_energy(report, run.records)
        except Exception as exc:
            report.error(*ROWS[4], exc)

    elapsed = time.perf_counter() - started
    report.figures["total_s"] = elapsed
    check, goal = ROWS[5]
    report.add(check, f"{elapsed:.0f} s", goal, elapsed < TOTAL_GOAL_S)

    try:
        print(_header(config, torch))
    except Exception as exc:  # the header is decoration; the table is the report
        print(f"gpu_check: ({type(exc).__name__}: {exc})")
    print(format_table(report.rows))
    for note in report.notes:
        print(f"  {note}")
    if args.json:
        payload = {
            "dry_run": config.dry_run,
            "torch": torch.__version__,
            "cuda": getattr(torch.version, "cuda", None),
            "rows": [asdict(row) for row in report.rows],
            "figures": report.figures,
            "notes": report.notes,
        }
        Path(args.json).write_text(
            json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8"
        )
    return 1 if any(row.status == "error" for row in report.rows) else 0


if __name__ == "__main__":
    sys.exit(main())

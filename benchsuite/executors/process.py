"""The process executor: every job in a persistent, isolated worker process.

``-j N`` worker processes are started once (``spawn``: a fresh interpreter each, no state
inherited from the runner) and reused job after job; each keeps the dataset it last
loaded, so a dataset is loaded and split once per worker, not once per fold. The runner
hands out one job (a case's fold and repeat) at a time, preferring a worker that already
holds the job's dataset, and watches every worker:

- a job that runs past its timeout gets its worker killed (``SIGKILL``) and replaced; the
  job becomes a ``timeout`` record and the run goes on;
- a worker that dies (a segfault in native code, a signal, the OS out-of-memory killer)
  turns its job into an ``error`` record naming the signal, and is replaced;
- with a memory limit, each worker caps its own address space (``RLIMIT_AS``) before it
  imports anything, so an allocation past it raises ``MemoryError`` inside the job
  (an ``error`` record that names the limit) instead of taking the machine down.

Workers set the BLAS/OpenMP thread variables to their share of the cores before numpy
loads. With two or more GPUs each worker sees one through ``CUDA_VISIBLE_DEVICES``
(:func:`~benchsuite._gpus.gpu_assignment`): a job that names ``cuda:N`` goes to a worker
that sees GPU N, where its device is ``cuda:0`` (:func:`~benchsuite._gpus.job_on_worker`),
and its record names ``cuda:N`` again (:func:`~benchsuite._gpus.record_as_run`).
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import re
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Any

from benchsuite._gpus import (
    gpu_assignment,
    job_gpu,
    job_on_worker,
    record_as_run,
    visible_gpus,
)
from benchsuite.errors import BenchsuiteError, one_line
from benchsuite.executors._base import (
    IsolatingExecutor,
    OnRecord,
    job_timeout,
    refuse_missing_gpus,
    split_skipped,
)
from benchsuite.executors._limits import (
    apply_memory_limit,
    threads_per_worker,
    worker_environment,
)
from benchsuite.executors._records import failure_record
from benchsuite.plan import Job, Plan
from benchsuite.results import Record

if TYPE_CHECKING:  # typing.Unpack is 3.11+
    from typing_extensions import Unpack

    from benchsuite.executors._base import WorkerOptions

# loading a dataset happens once per worker, outside the job's clock; it gets at least
# this long even when the job timeout is shorter (a hung download still ends)
MIN_LOAD_TIMEOUT_S = 600.0
_MEMORY_ERROR = re.compile(r"\b_?\w*MemoryError\b")


@dataclass
class WorkerConfig:
    """What a worker applies to itself before importing numerical libraries.

    Attributes
    ----------
    env : dict of str to str
        Thread variables and ``CUDA_VISIBLE_DEVICES``.
    threads : int
        BLAS/OpenMP/torch threads pinned around each job (threadpoolctl, torch).
    memory_limit : int or None
        ``RLIMIT_AS`` in bytes.
    memory_label : str
        The limit as the user wrote it, for error messages.
    sample_memory : bool
        Sample peak RSS during each fit + predict.
    gpu : int or None
        The index (in the runner's GPU list) of the one GPU ``CUDA_VISIBLE_DEVICES``
        shows this worker; None: not pinned.
    """

    env: dict[str, str]
    threads: int
    memory_limit: int | None = None
    memory_label: str = ""
    sample_memory: bool = True
    gpu: int | None = None


def memory_error_message(error: str | None, label: str) -> str | None:
    """Name the memory limit in a ``MemoryError`` message (numpy raises a private subclass,
    ``_ArrayMemoryError``, whose name says nothing to a user)."""
    if not error or not label or not _MEMORY_ERROR.search(error):
        return error
    return _MEMORY_ERROR.sub("MemoryError", error, count=1) + f" (memory limit {label})"


def death_cause(
    exitcode: int | None, memory_label: str = "", *, when: str = "during the job"
) -> str:
    """One line on why a worker process ended: ``"worker killed by signal SIGSEGV"``."""
    if exitcode is None:
        return "worker process vanished"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        message = f"worker killed by signal {name}"
        if name == "SIGKILL":
            limit = f" or past the memory limit {memory_label}" if memory_label else ""
            message += f" (the OS out-of-memory killer{limit}?)"
        elif name == "SIGSEGV":
            message += " (a crash in native code)"
        return message
    return f"worker exited with code {exitcode} {when}"


def _worker_main(conn: Any, config: WorkerConfig) -> None:
    """A worker's loop: receive a job, send ``start`` once its data is ready, then the record.

    Messages to the runner: ``("ready", pid)``, ``("fatal", message)`` (could not start),
    ``("start", seq)``, ``("done", seq, record)``. ``None`` from the runner, or the runner's
    end of the pipe closing, ends the loop.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle
    os.environ.update(config.env)
    try:
        if config.memory_limit is not None:
            apply_memory_limit(config.memory_limit)
        import numpy  # noqa: F401  (thread pools size themselves now, from env)

        from benchsuite.executors._job import preload_model, run_job
        from benchsuite.executors._splits import DataSlot
    except BaseException as exc:
        message = one_line(exc, limit=160)
        if config.memory_limit is not None:
            message = (
                f"its libraries do not load within the memory limit {config.memory_label};"
                f" raise --memory-limit ({message})"
            )
        conn.send(("fatal", message))
        return
    pid = os.getpid()
    worker = f"process {pid}"
    conn.send(("ready", pid))
    slot = DataSlot()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the runner is gone
        if message is None:
            return
        seq, job, run_id, suite, base_dir, seed = message
        case = job.case
        try:
            dataset, splits, failure = slot.get(case, base_dir=base_dir, seed=seed)
            preload_model(case.estimator.model, case.task)  # library imports: not timed
            conn.send(("start", seq))
            if failure is not None:
                record = failure_record(job, failure, run_id=run_id, suite=suite)
            else:
                record = run_job(
                    job_on_worker(job, config.gpu),
                    dataset,
                    splits,
                    run_id=run_id,
                    suite=suite,
                    sample_memory=config.sample_memory,
                    threads=config.threads,
                )
        except BaseException as exc:  # MemoryError outside the measured block, ...
            record = failure_record(job, one_line(exc), run_id=run_id, suite=suite)
        record_as_run(record, job, config.gpu)
        record.error = memory_error_message(record.error, config.memory_label)
        record.threads, record.worker = config.threads, worker
        try:
            conn.send(("done", seq, record))
        except (OSError, EOFError):
            return


@dataclass
class _Worker:
    """The runner's handle on one worker process."""

    process: Any
    conn: Any
    gpu: int | None  # index in the run's GPU list of the one GPU it sees; None: all
    started: float
    pid: int | None = None
    ready: bool = False
    dataset: str | None = None  # the dataset it holds (or is loading)
    task: tuple[int, Job] | None = None  # (sequence number, job) it is running
    deadline: float | None = None
    pending_messages: list = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return self.task is not None


class ProcessExecutor(IsolatingExecutor):
    """Run jobs in ``n_workers`` persistent worker processes, with hard timeouts.

    Parameters
    ----------
    n_workers : int, default=1
        Worker processes (``-j``).
    timeout : float, optional
        Seconds a job (fit, predict and scoring of one fold and repeat) may take before
        its worker is killed; default: the suite's ``defaults.timeout``, else none.
    memory_limit : int or str, optional
        Address-space limit of each worker (``RLIMIT_AS``), in bytes or as ``"4GB"``.
    threads : int, optional
        BLAS/OpenMP/torch threads per worker; default ``max(1, cores // n_workers)``.
    sample_memory : bool, default=True
        Sample peak RSS during each fit + predict.
    gpus : list of str, optional
        GPU ids to hand out, one per worker (default: ``CUDA_VISIBLE_DEVICES`` or the
        GPUs ``nvidia-smi`` lists); ``cuda:N`` of a job means ``gpus[N]``. With fewer
        than two nothing is changed. A job that names ``cuda:N`` runs on a worker that
        sees ``gpus[N]``; ``cuda:N`` past the list is an ``error`` record.
    start_method : str, default="spawn"
        multiprocessing start method: ``spawn`` gives each worker a clean interpreter.
    startup_timeout : float, default=180
        Seconds a new worker may take to import its libraries.

    Notes
    -----
    ``RLIMIT_AS`` caps virtual memory, which is more than what is resident: the
    interpreter with numpy and scikit-learn maps about 0.3-0.5 GB, torch more, and CUDA
    reserves tens of GB of address space, so do not combine a memory limit with GPU
    models. macOS does not enforce ``RLIMIT_AS`` and Windows has no setrlimit: the CLI
    refuses ``--memory-limit`` there.
    """

    name = "process"

    def __init__(
        self,
        *,
        gpus: list[str] | None = None,
        start_method: str = "spawn",
        startup_timeout: float = 180.0,
        **options: Unpack[WorkerOptions],
    ) -> None:
        super().__init__(**options)
        if self.threads is None:
            self.threads = threads_per_worker(self.n_workers)
        self.gpus = gpus
        self.start_method = start_method
        self.startup_timeout = startup_timeout

    # ---------------------------------------------------------------------------------
    def _start(self, ctx: Any, gpu: int | None, gpus: list[str]) -> _Worker:
        assert self.threads is not None  # __init__ fills it in
        config = WorkerConfig(
            env=worker_environment(self.threads, None if gpu is None else gpus[gpu]),
            threads=self.threads,
            memory_limit=self.memory_limit,
            memory_label=self.memory_label,
            sample_memory=self.sample_memory,
            gpu=gpu,
        )
        parent_end, child_end = ctx.Pipe(duplex=True)
        # not a daemon: a daemonic process may not start processes of its own (joblib)
        process = ctx.Process(
            target=_worker_main, args=(child_end, config), name="benchsuite-worker"
        )
        process.start()
        child_end.close()
        return _Worker(process=process, conn=parent_end, gpu=gpu, started=time.monotonic())

    @staticmethod
    def _stop(workers: list[_Worker], *, graceful: bool) -> None:
        for w in workers:
            if graceful and not w.busy:
                with contextlib.suppress(OSError):
                    w.conn.send(None)
            else:
                w.process.kill()
        for w in workers:
            w.process.join(timeout=5 if graceful else 1)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            w.conn.close()
            w.process.close()

    def run(self, plan: Plan, *, run_id: str, emit: OnRecord) -> None:
        """Run every job of ``plan`` in the workers, passing each record to ``emit``.

        Records arrive in the order jobs finish. The jobs of skipped cases are recorded by
        the runner itself, and so are those that name a GPU past the visible ones
        (``cuda:2`` with two GPUs: an ``error``, never run). Raises
        :class:`BenchsuiteError` when workers cannot start at all (a memory limit too small
        to import numpy); ``KeyboardInterrupt`` and errors raised by ``emit`` (a full disk)
        stop every worker and propagate.
        """
        pending = split_skipped(plan, run_id=run_id, emit=emit)
        if not pending:
            return
        gpus = self.gpus if self.gpus is not None else visible_gpus()
        pending = refuse_missing_gpus(
            pending, gpus, plan, run_id=run_id, emit=emit, threads=self.threads
        )
        if not pending:
            return
        run = _Run(self, plan, run_id, emit, job_timeout(self.timeout, plan.suite), gpus)
        graceful = False
        try:
            n = min(self.n_workers, len(pending))
            named = [job_gpu(job) for job in pending]
            assignment = gpu_assignment(
                n,
                gpus,
                [k for k in named if k is not None],
                any_gpu=any(k is None for k in named),
            )
            run.workers.extend(self._start(run.ctx, gpu, gpus) for gpu in assignment)
            while pending or any(w.busy for w in run.workers):
                run.dispatch(pending)
                run.wait()
            graceful = True
        finally:
            self._stop(run.workers, graceful=graceful)


class _Run:
    """The runner's side of one :meth:`ProcessExecutor.run`: hand out jobs, collect
    records, enforce deadlines, replace dead workers."""

    def __init__(
        self,
        executor: ProcessExecutor,
        plan: Plan,
        run_id: str,
        emit: OnRecord,
        timeout: float | None,
        gpus: list[str],
    ) -> None:
        self.executor = executor
        self.gpus = gpus
        self.suite = plan.suite
        self.run_id = run_id
        self.emit = emit
        self.timeout = timeout
        self.ctx = multiprocessing.get_context(executor.start_method)
        self.workers: list[_Worker] = []
        self.seq = itertools.count()

    def dispatch(self, pending: deque[Job]) -> None:
        """Give a job to every idle worker that is ready; fail if one never starts."""
        now = time.monotonic()
        for w in self.workers:
            if w.ready and not w.busy and pending:
                job = _next_job(pending, w.dataset, w.gpu)
                if job is None:  # every pending job names another GPU
                    continue
                w.task = (next(self.seq), job)
                # until the worker holds the data and the model's library: not the job's time
                load_s = max(self.timeout, MIN_LOAD_TIMEOUT_S) if self.timeout else None
                w.deadline = now + load_s if load_s is not None else None
                w.dataset = job.case.dataset.name
                suite = self.suite
                message = (w.task[0], job, self.run_id, suite.name, suite.base_dir, suite.seed)
                try:
                    w.conn.send(message)
                except OSError:  # it died idle: the job waits for its replacement
                    w.task, w.deadline = None, None
                    pending.appendleft(job)
            elif not w.ready and now - w.started > self.executor.startup_timeout:
                raise BenchsuiteError(
                    f"a worker process did not start within {self.executor.startup_timeout:g} s"
                )

    def wait(self) -> None:
        """Wait for messages, deaths or the next deadline, and handle them."""
        now = time.monotonic()
        deadlines = [w.deadline for w in self.workers if w.deadline is not None]
        wait_s = 2.0 if not deadlines else max(0.0, min(min(deadlines) - now, 2.0))
        handles = [w.conn for w in self.workers] + [w.process.sentinel for w in self.workers]
        ready = set(wait(handles, wait_s))
        for i, w in enumerate(list(self.workers)):
            died = w.process.sentinel in ready
            if w.conn in ready or died:
                died = self._receive(w) or died
            if died or not w.process.is_alive():
                self._died(i, w)
            elif w.busy and w.deadline is not None and time.monotonic() >= w.deadline:
                self._timed_out(i, w)

    def _receive(self, w: _Worker) -> bool:
        """Handle every message waiting from ``w``; True if its pipe broke."""
        messages, broken = [], False
        try:  # only the pipe's errors mean a dead worker; emit's (a full disk) propagate
            while w.conn.poll():
                messages.append(w.conn.recv())
        except (EOFError, OSError):
            broken = True
        for kind, *rest in messages:
            if kind == "ready":
                w.ready, w.pid = True, rest[0]
            elif kind == "fatal":
                raise BenchsuiteError(f"a worker process could not start: {rest[0]}")
            elif w.task is None or rest[0] != w.task[0]:
                continue  # about a job already given up on
            elif kind == "start" and self.timeout is not None:
                w.deadline = time.monotonic() + self.timeout
            elif kind == "done":
                self._finish(w, rest[1])
        return broken

    def _finish(self, w: _Worker, record: Record) -> None:
        w.task, w.deadline = None, None
        self.emit(record)

    def _record(self, w: _Worker, status: str, message: str) -> Record:
        assert w.task is not None
        record = failure_record(
            w.task[1],
            message,
            run_id=self.run_id,
            suite=self.suite.name,
            status=status,
            threads=self.executor.threads,
            worker=f"process {w.pid}",
        )
        record_as_run(record, w.task[1], w.gpu)
        return record

    def _died(self, i: int, w: _Worker) -> None:
        w.process.join(timeout=5)
        label = self.executor.memory_label
        if not w.ready:
            cause = death_cause(
                w.process.exitcode, label, when="while starting (its error is printed above)"
            )
            if label and w.process.exitcode is not None and w.process.exitcode > 0:
                # a native library that cannot allocate within the limit may exit the
                # process instead of raising MemoryError (OpenBLAS does, for its buffers)
                cause += (
                    f"; its libraries may not load within the memory limit {label}:"
                    " raise --memory-limit"
                )
            raise BenchsuiteError(f"a worker process could not start: {cause}")
        if w.busy:
            self._finish(w, self._record(w, "error", death_cause(w.process.exitcode, label)))
        self._replace(i)

    def _timed_out(self, i: int, w: _Worker) -> None:
        w.process.kill()
        message = f"no result within the {self.timeout:g} s timeout; worker killed"
        self._finish(w, self._record(w, "timeout", message))
        self._replace(i)

    def _replace(self, i: int) -> None:
        old = self.workers[i]
        if old.process.is_alive():
            old.process.kill()
        old.process.join()
        old.conn.close()
        old.process.close()
        self.executor.restarts += 1
        self.workers[i] = self.executor._start(self.ctx, old.gpu, self.gpus)


def _next_job(pending: deque[Job], dataset: str | None, gpu: int | None = None) -> Job | None:
    """The first pending job of ``dataset`` (the worker holds it), else the first one;
    a worker pinned to GPU index ``gpu`` takes only jobs that name no other GPU.
    None: no pending job may run there."""
    chosen = None
    for i, job in enumerate(pending):
        if gpu is not None and job_gpu(job) not in (None, gpu):
            continue
        if chosen is None:
            chosen = i
        if dataset is None or job.case.dataset.name == dataset:
            chosen = i
            break
    if chosen is None:
        return None
    job = pending[chosen]
    del pending[chosen]
    return job

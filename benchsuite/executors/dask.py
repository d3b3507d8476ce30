"""The Dask executor: jobs as tasks on a ``distributed`` cluster.

Without a scheduler address it starts a ``LocalCluster`` of ``-j`` worker processes, one
thread each; with ``--scheduler ADDRESS`` it uses an existing cluster. Dask is an optional
dependency (``pip install 'benchsuite[dask]'``), imported only when this executor runs.

Each dataset is loaded once, by the runner, and scattered to the cluster once
(``client.scatter(..., broadcast=False)``); tasks refer to it, so a worker receives it at
most once and keeps it while jobs of that dataset remain, then it is released. Each task
goes to a free worker thread (pinned there), so a task starts when it is submitted and its
timeout counts from there; a task past its timeout is cancelled and its worker process
ended (a Python thread cannot be stopped any other way), then restarted by its nanny.
A worker that dies (segfault, the nanny's memory limit) makes the job it was running an
``error`` record: the executor's own cluster retries nothing (``allowed-failures: 0``).

GPUs: when jobs may use a GPU and the machine has some, the executor's own cluster is
``dask-cuda``'s ``LocalCUDACluster`` (one worker per GPU, each seeing its GPU first),
when ``dask-cuda`` is installed; otherwise a ``LocalCluster`` whose workers all see every
GPU, with a one-line hint. On any cluster whose workers set ``CUDA_VISIBLE_DEVICES``
(``LocalCUDACluster``, ``dask cuda worker``), a job that names ``cuda:N`` goes to the worker
whose first GPU is GPU N, where its device is ``cuda:0``, and its record says ``cuda:N``
again (as in the process executor; :mod:`benchsuite._gpus`).

Threads: a worker process runs one job at a time, with a budget of its ``nthreads``
threads (as Dask, dask-ml and ``xgboost.dask`` read it), or ``--threads`` when given. A
worker started by someone else loaded numpy and its thread pools before any job came,
so thread variables would reach nothing: the budget is applied per job, as in the
process executor, by threadpoolctl (BLAS and OpenMP pools, from the task's own thread:
OpenMP's count is per calling thread), ``torch.set_num_threads`` and LightGBM's
``n_jobs``. Those limits are process-wide for BLAS and torch (and peak memory is the
process's), which is why two jobs never share a worker process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from benchsuite._gpus import (
    cuda_visible_devices,
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
from benchsuite.executors._limits import threads_per_worker, worker_environment
from benchsuite.executors._records import failure_record
from benchsuite.plan import Job, Plan
from benchsuite.results import Record

if TYPE_CHECKING:  # typing.Unpack is 3.11+
    from typing_extensions import Unpack

    from benchsuite.executors._base import WorkerOptions

# seconds to reach a --scheduler before giving up (Dask's own default is 30)
CONNECT_TIMEOUT_S = 5.0


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise BenchsuiteError(
            "--executor dask needs Dask: pip install 'benchsuite[dask]'"
            " (or pip install 'dask[distributed]')"
        ) from None
    return distributed


def _local_cuda_cluster() -> Any:
    """``dask_cuda.LocalCUDACluster``, or None where dask-cuda is not installed."""
    try:
        from dask_cuda import LocalCUDACluster
    except ImportError:
        return None
    return LocalCUDACluster


def run_job_task(
    job: Job,
    payload: tuple[Any, list],
    run_id: str,
    suite: str,
    sample_memory: bool,
    threads: int | None,
) -> Record:
    """The task a Dask worker runs: one job on a scattered ``(dataset, splits)``.

    Parameters
    ----------
    job : Job
    payload : tuple
        ``(dataset, splits)``, scattered by the runner.
    run_id, suite : str
    sample_memory : bool
    threads : int or None
        The job's thread budget; None: the worker's ``nthreads`` (the runner sends the
        worker one job at a time).

    Returns
    -------
    Record
    """
    from distributed import get_worker

    from benchsuite.executors._job import run_job

    worker = get_worker()
    if threads is None:
        threads = worker_nthreads(worker)
    record = run_job(  # payload: (dataset, splits)
        job, *payload, run_id=run_id, suite=suite, sample_memory=sample_memory, threads=threads
    )
    record.worker = str(worker.address)
    return record


def worker_nthreads(worker: Any) -> int:
    """A Dask worker's ``nthreads`` (at least 1), across ``distributed`` versions."""
    state = getattr(worker, "state", None)
    n = getattr(state, "nthreads", None) or getattr(worker, "nthreads", None)
    return max(1, int(n or 1))


def preload_models(models: list[tuple[str, str]]) -> None:
    """Run on each worker: import the class of every ``(model, task)`` of the plan."""
    from benchsuite.executors._job import preload_model

    for model, task in models:
        preload_model(model, task)


def worker_visible_devices() -> str | None:
    """Run on each worker: its ``CUDA_VISIBLE_DEVICES`` (None when unset)."""
    return os.environ.get("CUDA_VISIBLE_DEVICES")


def worker_gpu(visible: str | None, gpus: list[str] | None) -> int | None:
    """The GPU index (``cuda:N`` of the run) of a worker whose ``CUDA_VISIBLE_DEVICES`` is
    ``visible``: its first entry, the GPU it calls ``cuda:0``; None if it sets no GPU.

    ``gpus``: the run's GPUs (the cluster this executor started was given them), where
    ``cuda:N`` is ``gpus[N]``; None (someone else's cluster): ``cuda:N`` is the worker
    whose first GPU is device N of its machine.
    """
    entries = cuda_visible_devices(visible)
    if not entries:
        return None
    first = entries[0]
    if gpus is not None:
        return gpus.index(first) if first in gpus else None
    return int(first) if first.isdigit() else None


def may_use_gpu(job: Job) -> bool:
    """Whether ``job`` may run on a GPU: it names ``cuda``/``cuda:N``/``auto``, or it is a
    torch model left on its default device (``auto``)."""
    device = job.case.params.get("device")
    if isinstance(device, str):
        return device.startswith("cuda") or device == "auto"
    return job.case.estimator.model.startswith("torch.")


NO_DASK_CUDA_HINT = (
    "{n} GPU(s) visible but dask-cuda is not installed: the LocalCluster's workers all see"
    " every GPU; pip install dask-cuda for one worker per GPU"
)


async def _end_worker_process() -> None:
    """Run on a worker's event loop: end its process at once (the nanny restarts it).

    A coroutine, so that ``client.run(..., wait=False)`` accepts it."""
    os._exit(1)


class DaskExecutor(IsolatingExecutor):
    """Run jobs on a Dask cluster: a new ``LocalCluster`` or an existing scheduler.

    Parameters
    ----------
    n_workers : int, default=1
        Worker processes of the ``LocalCluster`` (one thread each); ignored with a
        scheduler or a client.
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``).
    client : distributed.Client, optional
        An existing client to use (not closed at the end): tests share one cluster.
    timeout : float, optional
        Seconds per job; default: the suite's ``defaults.timeout``, else none.
    memory_limit : int or str, optional
        Memory limit of each ``LocalCluster`` worker, enforced by its nanny (which
        restarts a worker past 95% of it). With a scheduler, set it on the workers
        (``dask worker --memory-limit``).
    threads : int, optional
        BLAS/OpenMP/torch threads per job (``--threads``). Default: each worker's
        ``nthreads``; the ``LocalCluster`` gives its workers ``max(1, cores // n_workers)``.
        A worker runs one job at a time whatever its ``nthreads``.
    sample_memory : bool, default=True
    connect_timeout : float, default=CONNECT_TIMEOUT_S (5)
        Seconds to reach a scheduler before giving up with a one-line error.
    gpus : list of str, optional
        The GPUs of the run (default: ``CUDA_VISIBLE_DEVICES``, else the GPUs ``nvidia-smi``
        lists). When a job may use a GPU and there are some, the cluster this executor
        starts is a ``LocalCUDACluster`` with one worker per GPU (``n_workers`` ignored).
    on_warning : callable, optional
        Receives one-line warnings (no dask-cuda for a GPU run).
    """

    name = "dask"

    def __init__(
        self,
        *,
        scheduler: str | None = None,
        client: Any = None,
        connect_timeout: float | None = None,
        gpus: list[str] | None = None,
        on_warning: Callable[[str], None] | None = None,
        **options: Unpack[WorkerOptions],
    ) -> None:
        super().__init__(**options)
        self.threads_option = self.threads  # --threads as given (None: per cluster)
        self.gpus = gpus
        self.on_warning = on_warning
        self.cluster_kind = ""  # "LocalCluster", "LocalCUDACluster"; "" for a given cluster
        self.cluster_gpus: list[str] | None = None  # the GPUs of the cluster started here
        self.scheduler = scheduler
        self.client = client
        remote = scheduler is not None or client is not None
        if self.threads is None and not remote:  # a remote worker's nthreads is its budget
            self.threads = threads_per_worker(self.n_workers)  # connect() may revise it
        self.connect_timeout = connect_timeout if connect_timeout is not None else CONNECT_TIMEOUT_S
        # worker address -> the thread budget its jobs got (run.json's worker_threads)
        self.worker_threads: dict[str, int] = {}
        # worker address -> the run's GPU its jobs ran on (``cuda:N``), when workers are pinned
        self.worker_gpus: dict[str, str] = {}
        self.max_workers = 0

    def connect(self, gpu_jobs: bool = False) -> tuple[Any, Callable[[], None]]:
        """A client (and how to release it): the given one, the scheduler's, or a new
        ``LocalCluster``'s (a ``LocalCUDACluster``'s when ``gpu_jobs`` and there are GPUs).
        """
        distributed = _import_distributed()
        self.cluster_kind, self.cluster_gpus = "", None
        if self.client is not None:
            return self.client, lambda: None
        if self.scheduler is not None:
            if self.memory_limit is not None:
                raise BenchsuiteError(
                    "--memory-limit applies to the workers this executor starts; with"
                    " --scheduler set it on the workers (dask worker --memory-limit 4GB)"
                )
            try:
                client = distributed.Client(
                    self.scheduler, timeout=self.connect_timeout, set_as_default=False
                )
            except Exception as exc:  # OSError, TimeoutError, ValueError for a bad address
                raise BenchsuiteError(
                    f"cannot reach the Dask scheduler at {self.scheduler}"
                    f" ({one_line(exc, with_type=False, limit=160)}); is it running?"
                ) from None
            return client, client.close
        import dask

        gpus = (self.gpus if self.gpus is not None else visible_gpus()) if gpu_jobs else []
        cuda_cluster = _local_cuda_cluster() if gpus else None
        if gpus and cuda_cluster is None and self.on_warning is not None:
            self.on_warning(NO_DASK_CUDA_HINT.format(n=len(gpus)))
        n_workers = len(gpus) if cuda_cluster is not None else self.n_workers
        self.threads = self.threads_option or threads_per_worker(n_workers)
        memory_limit = self.memory_limit if self.memory_limit is not None else "auto"
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            if cuda_cluster is not None:
                # one worker per GPU, each seeing its own first (its cuda:0); dask-cuda sets
                # the workers' environment itself (thread limits apply per job anyway)
                cluster = cuda_cluster(
                    CUDA_VISIBLE_DEVICES=",".join(gpus),
                    n_workers=n_workers,
                    threads_per_worker=self.threads,
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL,
                    memory_limit=memory_limit,
                )
                self.cluster_kind, self.cluster_gpus = "LocalCUDACluster", list(gpus)
            else:
                cluster = distributed.LocalCluster(
                    n_workers=n_workers,
                    # a worker's nthreads is its jobs' budget (one job per worker at a time)
                    threads_per_worker=self.threads,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL,
                    memory_limit=memory_limit,
                    env=worker_environment(self.threads),
                )
                self.cluster_kind = "LocalCluster"
            client = distributed.Client(cluster, set_as_default=False)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close

    def run_info(self) -> dict[str, Any]:
        """What ``run.json`` should say about threads and workers, once the run is over.

        Returns
        -------
        dict
            ``threads``: the budget of every job when they all had the same (else None,
            and each record says its own); ``workers``: the most workers seen at once;
            ``worker_threads``: ``{worker address: budget}`` of the workers that ran jobs.
            Empty before a run (nothing is known about a remote cluster yet).
        """
        if not self.worker_threads:
            return {}
        budgets = set(self.worker_threads.values())
        info: dict[str, Any] = {
            "threads": budgets.pop() if len(budgets) == 1 else None,
            "workers": self.max_workers,
            "worker_threads": dict(sorted(self.worker_threads.items())),
        }
        if self.cluster_kind:
            info["cluster"] = self.cluster_kind
        if self.worker_gpus:
            info["worker_gpus"] = dict(sorted(self.worker_gpus.items()))
        return info

    def run(self, plan: Plan, *, run_id: str, emit: OnRecord) -> None:
        """Run every job of ``plan`` on the cluster, passing each record to ``emit``.

        Raises
        ------
        BenchsuiteError
            Dask is not installed, or the scheduler cannot be reached.
        """
        gpu_jobs = any(may_use_gpu(job) for job in plan.runnable_jobs)
        client, close = self.connect(gpu_jobs)
        # this run's, not a previous one's
        self.worker_threads, self.worker_gpus, self.max_workers = {}, {}, 0
        try:
            self._run(client, plan, run_id, emit)
        finally:
            close()

    def _run(self, client: Any, plan: Plan, run_id: str, emit: OnRecord) -> None:
        pending = split_skipped(plan, run_id=run_id, emit=emit)
        if self.cluster_gpus:
            pending = refuse_missing_gpus(
                pending, self.cluster_gpus, plan, run_id=run_id, emit=emit, threads=self.threads
            )
        timeout = job_timeout(self.timeout, plan.suite)
        if timeout is not None and pending:
            # the estimators' libraries imported on every worker before any deadline runs
            # (``import torch`` takes seconds); a worker restarted after a timeout imports
            # them again within its next job's time
            models = sorted({(j.case.estimator.model, j.case.task) for j in pending})
            with contextlib.suppress(Exception):
                client.run(preload_models, models)
        run = _DaskRun(self, client, plan, run_id, emit, timeout, pending)
        while pending or run.busy:
            run.submit_to_free_workers()
            run.collect()
            run.enforce_deadlines()
            run.requeue_stranded()


# a job whose task the cluster cancels (its scattered data lost with a worker that died
# running another job), or whose worker left before it started, is submitted again, at
# most this many times (each job its own count: before issue 13 the count was keyed by the
# case key, so the jobs of a case shared it, a left-over of "case" naming a fold x repeat)
MAX_RESUBMITS = 3
NO_WORKERS_TIMEOUT_S = 120.0
# jobs that name a GPU no worker sees first wait this long for such a worker to join
UNPLACED_TIMEOUT_S = 30.0
# a task whose worker has left gets this long to be reported failed (the worker died
# running it) before it counts as stranded (sent to a worker that was already leaving)
STRANDED_GRACE_S = 3.0


class _DaskRun:
    """The runner's side of one :meth:`DaskExecutor.run`.

    Each task is pinned to a worker that is free (``workers=[address]``), so that a task
    starts when it is submitted (its timeout counts from there) and a worker's death is
    charged to the job it was running, never to jobs queued behind it. A worker runs one
    task at a time, with its ``nthreads`` as the thread budget (see the module's notes).
    """

    def __init__(self, executor, client, plan, run_id, emit, timeout, pending) -> None:
        from benchsuite.executors._splits import DataSlot

        self.executor = executor
        self.client = client
        self.suite = plan.suite
        self.run_id = run_id
        self.emit = emit
        self.timeout = timeout
        self.pending: deque[Job] = pending
        self.left = Counter(job.case.dataset.name for job in pending)  # not yet recorded
        self.payloads: dict[str, Any] = {}  # dataset -> future of scattered (data, splits)
        self.slot = DataSlot()  # the runner's copy of the current dataset (to re-scatter)
        # future -> job, worker, deadline, thread budget
        self.busy: dict[Any, tuple[Job, str, float | None, int]] = {}
        self.resubmits: Counter[tuple[str, int, int]] = Counter()  # job id -> count
        self.no_workers_since: float | None = None
        self.alive: dict[str, int] = {}  # worker address -> threads, as of this loop
        # workers known to be dying (killed here, or their task failed with KilledWorker):
        # the scheduler may list them a moment longer, but they get no more work
        self.dead: set[str] = set()
        self.missing_since: dict[Any, float] = {}  # future -> when its worker was gone
        # worker address -> the GPU it sees first, as an index of the run's GPUs (None: it
        # sets no CUDA_VISIBLE_DEVICES); jobs that name cuda:N go to the worker of GPU N
        self.gpu_of: dict[str, int | None] = {}
        # only a plan with jobs that may use a GPU asks the workers (one round trip each)
        self.gpu_jobs = any(may_use_gpu(job) for job in pending)
        self.unplaced_since: float | None = None  # jobs pending that no worker may take

    def _payload(self, job: Job, worker: str) -> Any:
        """The scattered data of ``job`` (sent to ``worker`` first), the reason it could not
        be loaded, or None if ``worker`` died meanwhile."""
        name = job.case.dataset.name
        if name not in self.payloads:
            dataset, splits, failure = self.slot.get(
                job.case, base_dir=self.suite.base_dir, seed=self.suite.seed
            )
            if failure is not None:
                return failure
            try:
                [self.payloads[name]] = self.client.scatter(
                    [(dataset, splits)], broadcast=False, hash=False, workers=[worker]
                )
            except Exception:  # the worker left while receiving it (CommClosedError)
                self.dead.add(worker)
                return None
        return self.payloads[name]

    def _record(self, job: Job, record: Record) -> None:
        name = job.case.dataset.name
        self.left[name] -= 1
        if self.left[name] == 0:
            # releasing the future frees the workers' copies, and the runner's
            self.payloads.pop(name, None)
            if self.slot.name == name:
                self.slot.release()
        self.emit(record)

    def _failed(
        self, job: Job, status: str, message: str, worker: str | None, threads: int | None
    ) -> None:
        """Record ``job`` as failed (``error``/``timeout``) on ``worker``."""
        record = failure_record(
            job,
            message,
            run_id=self.run_id,
            suite=self.suite.name,
            status=status,
            threads=threads,
            worker=worker,
        )
        self._record(job, record)

    def budget(self, worker: str) -> int:
        """The thread budget of a job on ``worker``: ``--threads``, else its nthreads."""
        if self.executor.threads is not None:
            return self.executor.threads
        return max(1, int(self.alive.get(worker) or 1))

    def submit_to_free_workers(self) -> None:
        nthreads = {w: n for w, n in self.client.nthreads().items() if w not in self.dead}
        self.alive = nthreads
        if not nthreads:
            now = time.monotonic()
            self.no_workers_since = self.no_workers_since or now
            if now - self.no_workers_since > NO_WORKERS_TIMEOUT_S:
                raise BenchsuiteError(
                    f"the Dask cluster has had no workers for {NO_WORKERS_TIMEOUT_S:g} s"
                )
            time.sleep(0.1)
            return
        self.no_workers_since = None
        self.executor.max_workers = max(self.executor.max_workers, len(nthreads))
        self.learn_gpus(list(nthreads))
        busy = {worker for _, worker, _, _ in self.busy.values()}
        # one job per worker process, whatever its nthreads: threadpoolctl's BLAS limits
        # and torch's thread count are process-wide, so a second job would change (and,
        # when it ends, undo) the first one's; peak memory is the process's too
        # a worker not known to answer which GPU it sees first gets no job yet
        for worker in [w for w in nthreads if w not in busy and w in self.gpu_of]:
            gpu = self.gpu_of[worker]
            while self.pending:
                job = self.take(gpu)
                if job is None:  # every pending job names another worker's GPU
                    break
                payload = self._payload(job, worker)
                if payload is None:
                    self.pending.appendleft(job)
                    return
                if isinstance(payload, str):  # the dataset failed to load
                    self._failed(job, "error", payload, None, None)
                    continue
                threads = self.budget(worker)
                future = self.client.submit(
                    run_job_task,
                    job_on_worker(job, gpu),
                    payload,
                    self.run_id,
                    self.suite.name,
                    self.executor.sample_memory,
                    threads,
                    # unique: a resumed run reuses its run id, a shared cluster sees many
                    key=f"benchsuite-{job.case.key}-{uuid.uuid4().hex}",
                    pure=False,
                    workers=[worker],
                    allow_other_workers=False,
                )
                deadline = time.monotonic() + self.timeout if self.timeout is not None else None
                self.busy[future] = (job, worker, deadline, threads)
                self.executor.worker_threads[worker] = threads
                if gpu is not None:
                    self.executor.worker_gpus[worker] = f"cuda:{gpu}"
                break
        self.fail_unplaced()

    @property
    def routing(self) -> bool:
        """Whether workers are pinned to GPUs (some worker sets ``CUDA_VISIBLE_DEVICES``)."""
        return any(g is not None for g in self.gpu_of.values())

    def learn_gpus(self, workers: list[str]) -> None:
        """Ask workers not seen before which GPU they see first (a worker restarted after a
        timeout is one: it has a new address). One that does not answer is asked again next
        round, and given no job until it has answered."""
        new = [w for w in workers if w not in self.gpu_of]
        if not new:
            return
        if not self.gpu_jobs:  # nothing to route: every worker may take every job
            self.gpu_of.update(dict.fromkeys(new))
            return
        try:
            visible = self.client.run(worker_visible_devices, workers=new)
        except Exception:  # a worker left meanwhile: ask the others one by one
            visible = {}
            for worker in new:
                with contextlib.suppress(Exception):
                    visible.update(self.client.run(worker_visible_devices, workers=[worker]))
        for worker in new:
            if worker in visible:
                self.gpu_of[worker] = worker_gpu(visible[worker], self.executor.cluster_gpus)

    def take(self, gpu: int | None) -> Job | None:
        """The first pending job a worker whose first GPU is ``gpu`` may run: one that names
        no GPU index, or names ``gpu`` (any job where no worker is pinned)."""
        for i, job in enumerate(self.pending):
            wanted = job_gpu(job)
            if wanted is None or not self.routing or wanted == gpu:
                del self.pending[i]
                return job
        return None

    def fail_unplaced(self) -> None:
        """Record as ``error`` the pending jobs no worker could take for a while: they name
        a GPU that no worker of the cluster sees first."""
        if not self.pending or self.busy:
            self.unplaced_since = None
            return
        now = time.monotonic()
        self.unplaced_since = self.unplaced_since or now
        if now - self.unplaced_since < UNPLACED_TIMEOUT_S:
            time.sleep(0.1)  # wait for a worker of that GPU to join
            return
        have = sorted({f"cuda:{g}" for g in self.gpu_of.values() if g is not None})
        while self.pending:
            job = self.pending.popleft()
            message = (
                f"device '{job.case.params.get('device')}' requested but no Dask worker sees"
                f" that GPU first (workers' GPUs: {', '.join(have) or 'none'})"
            )
            self._failed(job, "error", message, None, None)

    def collect(self) -> None:
        """Wait (at most a second, or until the next deadline) and record finished tasks."""
        from distributed import wait

        if not self.busy:
            return
        deadlines = [d for _, _, d, _ in self.busy.values() if d is not None]
        wait_s = 1.0
        if deadlines:
            wait_s = max(0.01, min(min(deadlines) - time.monotonic(), 1.0))
        try:
            with self.client.as_current():  # wait() looks for a current client
                wait(list(self.busy), timeout=wait_s, return_when="FIRST_COMPLETED")
        except Exception:  # TimeoutError; a cancelled future (handled below)
            pass
        for future in [f for f in self.busy if f.done()]:
            job, worker, _, threads = self.busy.pop(future)
            if future.status == "finished":
                record = future.result()
                record_as_run(record, job, self.gpu_of.get(worker))
                self._record(job, record)
                continue
            exc = future.exception() if future.status == "error" else None
            name = type(exc).__name__
            if exc is None or "Cancelled" in name:
                # its scattered data was lost with a worker that died: run it again
                self.payloads.pop(job.case.dataset.name, None)
                if self._resubmit(job):
                    continue
                message = "the cluster cancelled the task repeatedly (workers dying?)"
            elif name == "KilledWorker":
                self.dead.add(worker)
                label = self.executor.memory_label
                limit = label and f" or past the memory limit {label}"
                message = (
                    f"worker died while running the job (a crash in native code, a"
                    f" signal{limit}; see the worker's log)"
                )
                self.payloads.clear()  # data held only by the dead worker is gone
            else:
                message = one_line(exc)
            self._failed(job, "error", message, worker, threads)

    def _resubmit(self, job: Job) -> bool:
        self.resubmits[job.id] += 1
        if self.resubmits[job.id] > MAX_RESUBMITS:
            return False
        self.pending.appendleft(job)
        return True

    def requeue_stranded(self) -> None:
        """Submit again the tasks pinned to a worker that left before running them."""
        now = time.monotonic()
        for future, (job, worker, _, threads) in list(self.busy.items()):
            if worker in self.alive or future.done():
                self.missing_since.pop(future, None)
                continue
            since = self.missing_since.setdefault(future, now)
            if now - since < STRANDED_GRACE_S:
                continue
            del self.busy[future], self.missing_since[future]
            self.client.cancel([future], force=True)
            if not self._resubmit(job):
                message = f"worker {worker} left before running the job, repeatedly"
                self._failed(job, "error", message, worker, threads)

    def enforce_deadlines(self) -> None:
        """End the worker of every task past its deadline; record those as ``timeout``."""
        now = time.monotonic()
        for future, (job, worker, deadline, threads) in list(self.busy.items()):
            if deadline is None or now < deadline or future.done():
                continue
            del self.busy[future]
            self.missing_since.pop(future, None)
            self.client.cancel([future], force=True)
            if worker in self.alive:
                self.dead.add(worker)
                # the task's thread cannot be stopped: end the worker process (from its
                # event loop, which still answers); its nanny starts a fresh one
                with contextlib.suppress(Exception):  # it left meanwhile
                    self.client.run(_end_worker_process, workers=[worker], wait=False)
                self.executor.restarts += 1
                self.payloads.clear()  # data only that worker held is gone
            message = f"no result within the {self.timeout:g} s timeout; worker restarted"
            self._failed(job, "timeout", message, worker, threads)

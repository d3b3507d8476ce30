"""The Dask executor: cases as tasks on a ``distributed`` cluster.

Without a scheduler address it starts a ``LocalCluster`` of ``-j`` worker processes, one
thread each; with ``--scheduler ADDRESS`` it uses an existing cluster. Dask is an optional
dependency (``pip install 'benchsuite[dask]'``), imported only when this executor runs.

Each dataset is loaded once, by the runner, and scattered to the cluster once
(``client.scatter(..., broadcast=False)``); tasks refer to it, so a worker receives it at
most once and keeps it while cases of that dataset remain, then it is released. At most
as many tasks are submitted as the cluster has threads, so a task starts when it is
submitted and its timeout is counted from there; a task past its timeout is cancelled and
its worker process ended (a Python thread cannot be stopped any other way) and
restarted by its nanny.
A worker that dies (segfault, the nanny's memory limit) makes its case an ``error``
record: the executor's own cluster retries nothing (``allowed-failures: 0``).
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from benchsuite.errors import BenchsuiteError, one_line
from benchsuite.executors._limits import (
    format_bytes,
    parse_memory_limit,
    threads_per_worker,
    usable_cores,
    worker_environment,
)
from benchsuite.plan import Case, Plan
from benchsuite.results import Record

OnRecord = Callable[[Record], None]


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise BenchsuiteError(
            "--executor dask needs Dask: pip install 'benchsuite[dask]'"
            " (or pip install 'dask[distributed]')"
        ) from None
    return distributed


def run_case_task(
    case: Case,
    payload: tuple[Any, list],
    run_id: str,
    suite: str,
    sample_memory: bool,
    threads: int | None,
) -> Record:
    """The task a Dask worker runs: one case on a scattered ``(dataset, splits)``.

    ``threads`` None: the worker's share of its machine's cores
    (``cores // threads of the worker``).
    """
    from distributed import get_worker

    from benchsuite.executors._case import run_case

    worker = get_worker()
    if threads is None:
        threads = max(1, usable_cores() // max(1, int(getattr(worker, "nthreads", 1))))
    dataset, splits = payload
    record = run_case(
        case,
        dataset,
        splits,
        run_id=run_id,
        suite=suite,
        sample_memory=sample_memory,
        threads=threads,
    )
    record.worker = str(worker.address)
    return record


async def _end_worker_process() -> None:
    """Run on a worker's event loop: end its process at once (the nanny restarts it).

    A coroutine, so that ``client.run(..., wait=False)`` accepts it."""
    os._exit(1)


class DaskExecutor:
    """Run cases on a Dask cluster: a new ``LocalCluster`` or an existing scheduler.

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
        Seconds per case; default: the suite's ``defaults.timeout``, else none.
    memory_limit : int or str, optional
        Memory limit of each ``LocalCluster`` worker, enforced by its nanny (which
        restarts a worker past 95% of it). With a scheduler, set it on the workers
        (``dask worker --memory-limit``).
    threads : int, optional
        BLAS/OpenMP/torch threads per task; default ``cores // n_workers`` locally, and
        on a remote worker its machine's cores divided by its threads.
    sample_memory : bool, default=True
    connect_timeout : float, default=5
        Seconds to reach a scheduler before giving up with a one-line error.
    """

    name = "dask"
    enforces_timeout = True

    def __init__(
        self,
        *,
        n_workers: int = 1,
        scheduler: str | None = None,
        client: Any = None,
        timeout: float | None = None,
        memory_limit: int | str | None = None,
        threads: int | None = None,
        sample_memory: bool = True,
        connect_timeout: float = 5.0,
    ):
        self.n_workers = n_workers
        self.scheduler = scheduler
        self.client = client
        self.timeout = timeout
        self.memory_limit = None if memory_limit is None else parse_memory_limit(memory_limit)
        self.memory_label = (
            ""
            if memory_limit is None
            else memory_limit
            if isinstance(memory_limit, str)
            else format_bytes(memory_limit)
        )
        remote = scheduler is not None or client is not None
        self.threads = threads if threads is not None or remote else threads_per_worker(n_workers)
        self.sample_memory = sample_memory
        self.connect_timeout = connect_timeout
        self.restarts = 0

    def connect(self) -> tuple[Any, Callable[[], None]]:
        """A client (and how to release it): the given one, the scheduler's, or a new
        ``LocalCluster``'s."""
        distributed = _import_distributed()
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

        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            cluster = distributed.LocalCluster(
                n_workers=self.n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
                memory_limit=self.memory_limit if self.memory_limit is not None else "auto",
                env=worker_environment(self.threads),
            )
            client = distributed.Client(cluster, set_as_default=False)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close

    def run(self, plan: Plan, *, run_id: str, emit: OnRecord) -> None:
        """Run every case of ``plan`` on the cluster, passing each record to ``emit``.

        Raises
        ------
        BenchsuiteError
            Dask is not installed, or the scheduler cannot be reached.
        """
        client, close = self.connect()
        try:
            self._run(client, plan, run_id, emit)
        finally:
            close()

    def _run(self, client: Any, plan: Plan, run_id: str, emit: OnRecord) -> None:
        from distributed import wait

        from benchsuite.executors._case import (
            DataSlot,
            base_record,
            error_record,
            skipped_record,
        )

        suite = plan.suite
        timeout = self.timeout if self.timeout is not None else suite.defaults.timeout
        pending: deque[Case] = deque()
        for case in plan.cases:
            if case.skipped:
                emit(skipped_record(case, run_id=run_id, suite=suite.name))
            else:
                pending.append(case)
        left = Counter(case.dataset.name for case in pending)  # cases not yet finished
        payloads: dict[str, Any] = {}  # dataset -> scattered (dataset, splits)
        slot = DataSlot()
        seq = itertools.count()
        in_flight: dict[Any, tuple[Case, float | None, int]] = {}
        retried: set[int] = set()

        def capacity() -> int:
            return max(1, sum(client.nthreads().values()))

        def payload_for(case: Case) -> Any:
            name = case.dataset.name
            if name not in payloads:
                dataset, splits, failure = slot.get(case, base_dir=suite.base_dir, seed=suite.seed)
                if failure is not None:
                    return failure
                [payloads[name]] = client.scatter([(dataset, splits)], broadcast=False, hash=False)
                slot.name, slot.dataset, slot.splits = None, None, []  # the cluster holds it
            return payloads[name]

        def done_with(case: Case, record: Record) -> None:
            name = case.dataset.name
            left[name] -= 1
            if left[name] == 0:
                payloads.pop(name, None)  # releasing the future frees the workers' copies
            emit(record)

        def submit(case: Case, n: int) -> None:
            payload = payload_for(case)
            if isinstance(payload, str):
                done_with(case, error_record(case, payload, run_id=run_id, suite=suite.name))
                return
            future = client.submit(
                run_case_task,
                case,
                payload,
                run_id,
                suite.name,
                self.sample_memory,
                self.threads,
                key=f"benchsuite-{run_id}-{n}",
                pure=False,
            )
            deadline = time.monotonic() + timeout if timeout is not None else None
            in_flight[future] = (case, deadline, n)

        def failed(case: Case, message: str, worker: str | None = None) -> Record:
            rec = error_record(case, message, run_id=run_id, suite=suite.name)
            rec.threads, rec.worker = self.threads, worker
            return rec

        while pending or in_flight:
            while pending and len(in_flight) < capacity():
                submit(pending.popleft(), next(seq))
            if not in_flight:
                continue
            deadlines = [d for _, d, _ in in_flight.values() if d is not None]
            wait_s = 1.0
            if deadlines:
                wait_s = max(0.01, min(min(deadlines) - time.monotonic(), 1.0))
            try:
                with client.as_current():  # wait() looks for a current client
                    wait(list(in_flight), timeout=wait_s, return_when="FIRST_COMPLETED")
            except TimeoutError:
                pass
            for future in [f for f in in_flight if f.done()]:
                case, _, n = in_flight.pop(future)
                if future.status == "finished":
                    done_with(case, future.result())
                    continue
                if future.status == "cancelled" and n not in retried:
                    # its scattered data was lost with a restarted worker: run it again
                    retried.add(n)
                    pending.appendleft(case)
                    continue
                exc = future.exception() if future.status == "error" else None
                if type(exc).__name__ == "KilledWorker":
                    limit = self.memory_label and f" or past the memory limit {self.memory_label}"
                    message = (
                        f"worker died while running the case (a crash in native code, a"
                        f" signal{limit}; see the worker's log)"
                    )
                    payloads.clear()  # data held only by the dead worker is gone
                else:
                    message = one_line(exc) if exc is not None else f"task {future.status}"
                done_with(case, failed(case, message))
            now = time.monotonic()
            for future, (case, deadline, _) in list(in_flight.items()):
                if deadline is None or now < deadline or future.done():
                    continue
                del in_flight[future]
                worker = next(
                    (w for w, keys in client.processing().items() if future.key in keys), None
                )
                client.cancel([future], force=True)
                if worker is not None:
                    # the task's thread cannot be stopped: end the worker process (from its
                    # event loop, which still answers); its nanny starts a fresh one
                    client.run(_end_worker_process, workers=[worker], wait=False)
                    self.restarts += 1
                    payloads.clear()  # data only that worker held is gone
                rec = base_record(case, run_id=run_id, suite=suite.name)
                rec.status = "timeout"
                rec.error = f"no result within the {timeout:g} s timeout; worker restarted"
                rec.threads, rec.worker = self.threads, worker
                done_with(case, rec)

"""How work is executed: in this process, in a local process pool, or on a Dask cluster.

An executor maps a function over items and yields the results *in the order of the items*, whatever order
they finish in. It knows nothing of what the function does (the pipeline sends chunks of replications), so the
same executors serve every kind of experiment, and a result never depends on which executor ran it.

Executors submit work lazily and keep only a few items in flight (twice the workers), so a run of millions of
replications never holds more than a handful of chunk tables, and a caller that stops early (precision mode)
wastes at most those few chunks. Executors are context managers: leaving the block stops the workers.

The local pool uses the ``spawn`` start method: it works from Jupyter and never forks a process that has
threads; its workers end as soon as the process that started them dies, even by SIGKILL. Dask (``pip install
"cstosim[dask]"``) runs the same work on a cluster given its scheduler address, or on a
``distributed.LocalCluster`` started for the run. An address is checked before anything runs, and a service that
is not a Dask scheduler is given up on within ``CONNECT_SECONDS``. Dask moves tasks and results as pickles: a
scheduler address is trusted, as the code it runs is.
"""

from __future__ import annotations

import collections
import concurrent.futures
import importlib
import multiprocessing
import multiprocessing.connection
import os
import queue
import socket
import threading
from collections.abc import Callable, Generator, Iterable
from types import TracebackType
from typing import Any, TypeVar

from cstosim.model.limits import MAX_WORKERS_PER_CORE

Item = TypeVar("Item")
Result = TypeVar("Result")

LOCAL = "local"  # the ``scheduler`` value that starts a Dask LocalCluster for the run


class ExecutorError(RuntimeError):
    """An executor that cannot start: Dask missing, or its scheduler unreachable (one line for the user)."""


class Executor:
    """Runs a function on items and yields the results in item order; ``close`` stops the workers."""

    workers: int = 1
    description: str = "sequential"

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Generator[Result, None, None]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class Sequential(Executor):
    """Everything in this process, one item after another."""

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Generator[Result, None, None]:
        for item in items:
            yield function(item)


def _ordered(
    submit: Callable[[Item], Any],
    result: Callable[[Any], Result],
    cancel: Callable[[Any], Any],
    items: Iterable[Item],
    in_flight: int,
) -> Generator[Result, None, None]:
    """Submit items lazily with at most ``in_flight`` pending; yield results in submission order."""
    pending: collections.deque[Any] = collections.deque()
    iterator = iter(items)
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < in_flight:
                try:
                    pending.append(submit(next(iterator)))
                except StopIteration:
                    exhausted = True
            if not pending:
                return
            yield result(pending.popleft())
    finally:  # the caller stopped early or an item failed: do not leave work running
        for future in pending:
            cancel(future)


def watch_parent() -> None:
    """Make this worker process end as soon as the process that started it dies.

    A run killed with SIGKILL (by an out-of-memory killer or a cluster's scheduler) cannot stop its pool, and
    its workers would wait for work forever, holding their memory (and the resource tracker with them). Every
    process started by ``multiprocessing`` holds a sentinel that becomes readable when its parent dies, on every
    platform; a daemon thread waits on it and ends the process. (Linux's ``PR_SET_PDEATHSIG`` is not used: it
    follows the *thread* that started the worker, and a pool may start workers from a thread that ends first.)
    """
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def exit_when_parent_dies() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=exit_when_parent_dies, name="cstosim-parent-watch", daemon=True).start()


class ProcessPool(Executor):
    """A local pool of ``workers`` processes started with ``spawn``."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1 (got {workers})")
        self.workers = workers
        self.description = f"{workers} local processes"
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=watch_parent
        )

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Generator[Result, None, None]:
        return _ordered(
            lambda item: self._pool.submit(function, item),
            lambda future: future.result(),
            lambda future: future.cancel(),
            items,
            2 * self.workers,
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskCluster(Executor):
    """A Dask distributed client: to the scheduler at ``address``, or to a LocalCluster started for the run."""

    def __init__(self, address: str, workers: int | None = None) -> None:
        distributed = _distributed()
        self._cluster: Any = None
        if address == LOCAL:
            check_workers(workers or default_workers())
            self._cluster = distributed.LocalCluster(
                n_workers=workers or default_workers(), threads_per_worker=1, processes=True, dashboard_address=None
            )
            self._client = distributed.Client(self._cluster)
        else:
            self._client = _connect(distributed, address)
        threads = sum(worker["nthreads"] for worker in self._client.scheduler_info()["workers"].values())
        self.workers = max(int(threads), 1)
        where = "a local Dask cluster" if self._cluster is not None else f"Dask scheduler {address}"
        self.description = f"{self.workers} Dask worker threads on {where}"

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Generator[Result, None, None]:
        return _ordered(
            lambda item: self._client.submit(function, item, pure=False),
            lambda future: future.result(),
            lambda future: future.cancel(),
            items,
            2 * self.workers,
        )

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


CONNECT_SECONDS = 20  # for a Dask scheduler to answer, and then for its first worker


def _distributed() -> Any:
    try:
        return importlib.import_module("distributed")  # optional, and only partly typed
    except ImportError:
        raise ExecutorError(
            'Dask is not installed: install the optional extra with pip install "cstosim[dask]"'
        ) from None


def check_scheduler(address: str) -> None:
    """``ExecutorError`` unless ``address`` is a Dask scheduler address whose host accepts connections: checked
    at once, before anything runs (Dask itself retries until its timeout, then says little)."""
    _distributed()
    example = "such as tcp://10.0.0.5:8786"
    if not address.strip():
        raise ExecutorError(f"--scheduler: give the address of a Dask scheduler, {example} (got {address!r})")
    addressing = importlib.import_module("distributed.comm.addressing")
    try:
        scheme, location = addressing.parse_address(address)
        host, port = addressing.parse_host_port(location)
    except ValueError as error:
        raise ExecutorError(f"--scheduler: not a Dask scheduler address {example}: {error} (got {address!r})") from None
    if not 0 < port < 65536:
        raise ExecutorError(f"--scheduler: the port must be between 1 and 65535 (got {address!r})")
    if scheme in ("tcp", "tls", "ws", "wss"):
        try:
            socket.create_connection((host, port), timeout=CONNECT_SECONDS / 2).close()
        except OSError as error:
            reason = error.strerror or str(error) or type(error).__name__
            raise ExecutorError(f"--scheduler {address}: nothing answers there ({reason})") from None


def _connect(distributed: Any, address: str) -> Any:
    """A client of the Dask scheduler at ``address``, or ``ExecutorError`` saying why not, within about
    ``CONNECT_SECONDS``: the address is checked (``check_scheduler``), then the client is made in a thread that
    is given up on if what answers never completes Dask's handshake (Dask waits forever for a service that
    accepts connections and says nothing, and reads an HTTP reply as a message of exabytes). The client must
    then see at least one worker.

    Dask moves tasks and results between the client and the cluster as pickles: run only on a cluster you trust.
    """
    check_scheduler(address)
    made: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue()

    def make() -> None:
        try:
            made.put((distributed.Client(address, timeout=f"{CONNECT_SECONDS // 2}s"), None))
        except BaseException as error:  # whatever happens in there is reported below, never a traceback
            made.put((None, error))

    threading.Thread(target=make, name="cstosim-dask-connect", daemon=True).start()
    try:
        client, error = made.get(timeout=CONNECT_SECONDS)
    except queue.Empty:
        raise ExecutorError(
            f"--scheduler {address}: no Dask scheduler answered within {CONNECT_SECONDS} s (is it one?)"
        ) from None
    if client is None:
        detail = f"{type(error).__name__}: {error}".splitlines()[0][:200]
        raise ExecutorError(f"--scheduler {address}: not a Dask scheduler, or it refused this client ({detail})")
    try:
        client.wait_for_workers(1, timeout=CONNECT_SECONDS)
    except Exception:  # a TimeoutError of asyncio or of Dask, depending on the version
        client.close()
        raise ExecutorError(
            f"--scheduler {address}: the Dask scheduler has no worker (none joined within {CONNECT_SECONDS} s)"
        ) from None
    return client


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_workers(count: int) -> None:
    """``ValueError`` unless ``count`` local worker processes make sense on this machine (at least one, at most
    ``MAX_WORKERS_PER_CORE`` per core: more only slow the run and fill memory)."""
    if count < 1:
        raise ValueError(f"workers must be >= 1 (got {count})")
    most = MAX_WORKERS_PER_CORE * default_workers()
    if count > most:
        raise ValueError(
            f"workers (--workers) must be at most {most} on this machine, {MAX_WORKERS_PER_CORE} per core (got {count})"
        )


def make_executor(workers: int | None = 1, scheduler: str | None = None, items: int | None = None) -> Executor:
    """Sequential for one worker, a process pool for more (``None``: every core), Dask if a scheduler is given.

    With ``items`` known, a local pool gets no more processes than items (a run of one chunk stays in-process).
    """
    if scheduler is not None:
        return DaskCluster(scheduler, workers)
    count = default_workers() if workers is None else workers
    check_workers(count)
    if items is not None:
        count = max(min(count, items), 1)
    return Sequential() if count == 1 else ProcessPool(count)

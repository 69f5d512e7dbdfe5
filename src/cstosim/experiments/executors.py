"""How work is executed: in this process, in a local process pool, or on a Dask cluster.

An executor maps a function over items and yields the results *in the order of the items*, whatever order
they finish in. It knows nothing of what the function does (the pipeline sends chunks of replications), so the
same executors serve every kind of experiment, and a result never depends on which executor ran it.

Executors submit work lazily and keep only a few items in flight (twice the workers), so a run of millions of
replications never holds more than a handful of chunk tables, and a caller that stops early (precision mode)
wastes at most those few chunks. Executors are context managers: leaving the block stops the workers.

The local pool uses the ``spawn`` start method: it works from Jupyter and never forks a process that has
threads. Dask (``pip install "cstosim[dask]"``) runs the same work on a cluster given its scheduler address,
or on a ``distributed.LocalCluster`` started for the run.
"""

from __future__ import annotations

import collections
import concurrent.futures
import importlib
import multiprocessing
import os
from collections.abc import Callable, Generator, Iterable
from types import TracebackType
from typing import Any, TypeVar

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


class ProcessPool(Executor):
    """A local pool of ``workers`` processes started with ``spawn``."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1 (got {workers})")
        self.workers = workers
        self.description = f"{workers} local processes"
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
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
        try:
            distributed: Any = importlib.import_module("distributed")  # optional, and only partly typed
        except ImportError:
            raise ExecutorError(
                'Dask is not installed: install the optional extra with pip install "cstosim[dask]"'
            ) from None
        self._cluster: Any = None
        if address == LOCAL:
            self._cluster = distributed.LocalCluster(
                n_workers=workers or default_workers(), threads_per_worker=1, processes=True, dashboard_address=None
            )
            self._client = distributed.Client(self._cluster)
        else:
            try:
                self._client = distributed.Client(address, timeout="10s")
            except OSError as error:
                raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {error}") from None
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


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def make_executor(workers: int | None = 1, scheduler: str | None = None, items: int | None = None) -> Executor:
    """Sequential for one worker, a process pool for more (``None``: every core), Dask if a scheduler is given.

    With ``items`` known, a local pool gets no more processes than items (a run of one chunk stays in-process).
    """
    if scheduler is not None:
        return DaskCluster(scheduler, workers)
    count = default_workers() if workers is None else workers
    if count < 1:
        raise ValueError(f"workers must be >= 1 (got {count})")
    if items is not None:
        count = max(min(count, items), 1)
    return Sequential() if count == 1 else ProcessPool(count)

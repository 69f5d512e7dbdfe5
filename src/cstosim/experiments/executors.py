"""How replications are executed: in this process, in a local process pool, or on a Dask cluster.

*What* is run is a sequence of chunks (``Chunk``: a scenario point and a range of replication indices); *how* it
is run is an executor. Every executor returns each chunk's table in the order the chunks were given, whatever
order they finish in, and a chunk's rows depend only on ``(scenario, root seed, indices)``. So the final table
is the same for one worker or many, for any chunk size and any executor.

Executors submit work lazily and keep only a few chunks in flight (twice the workers), so a run of millions of
replications never holds more than a handful of chunk tables, and a caller that stops early (precision mode)
wastes at most those few chunks.

The local pool uses the ``spawn`` start method: it works from Jupyter and never forks a process that has
threads. Dask (``pip install "cstosim[dask]"``) runs the same chunks on a cluster given its scheduler address,
or on a ``distributed.LocalCluster`` started for the run.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import importlib
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from cstosim.experiments.replications import rows_to_table, simulate_rows
from cstosim.model.scenario import Scenario

DEFAULT_CHUNK_SIZE = 2000
LOCAL = "local"  # the ``scheduler`` value that starts a Dask LocalCluster for the run


@dataclass(frozen=True)
class Chunk:
    """Replications ``start`` to ``stop - 1`` of scenario point ``point``; ``index`` orders chunks in a run."""

    index: int
    start: int
    stop: int
    point: int = 0

    @property
    def size(self) -> int:
        return self.stop - self.start


def plan_chunks(replications: int, chunk_size: int, points: int = 1, first_index: int = 0) -> list[Chunk]:
    """Chunks covering replications ``0..replications-1`` of each point, point by point."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1 (got {chunk_size})")
    chunks = []
    index = first_index
    for point in range(points):
        for start in range(0, replications, chunk_size):
            chunks.append(Chunk(index, start, min(start + chunk_size, replications), point))
            index += 1
    return chunks


def simulate_chunk(scenario: Scenario, root_seed: int, start: int, stop: int) -> pd.DataFrame:
    """The run table of replications ``start..stop-1`` (what each worker executes)."""
    return rows_to_table(scenario, simulate_rows(scenario, root_seed, range(start, stop)), root_seed)


def portable(scenario: Scenario) -> Scenario:
    """The scenario in a form ``pickle`` accepts (its read-only ``sources`` view becomes a plain dict)."""
    return dataclasses.replace(scenario, sources=dict(scenario.sources))


Task = tuple[Scenario, int, int, int]


class Executor(Protocol):
    """Runs ``simulate_chunk`` on tasks and yields the results in task order."""

    workers: int
    description: str

    def map(self, tasks: Iterable[Task]) -> Iterator[pd.DataFrame]: ...

    def close(self) -> None: ...


class Sequential:
    """Everything in this process, one chunk after another."""

    workers = 1
    description = "sequential"

    def map(self, tasks: Iterable[Task]) -> Iterator[pd.DataFrame]:
        for task in tasks:
            yield simulate_chunk(*task)

    def close(self) -> None:
        pass


def _ordered(
    submit: Callable[[Task], Any],
    result: Callable[[Any], pd.DataFrame],
    cancel: Callable[[Any], Any],
    tasks: Iterable[Task],
    in_flight: int,
) -> Iterator[pd.DataFrame]:
    """Submit tasks lazily with at most ``in_flight`` pending; yield results in submission order."""
    pending: collections.deque[Any] = collections.deque()
    iterator = iter(tasks)
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < in_flight:
                task = next(iterator, None)
                if task is None:
                    exhausted = True
                else:
                    pending.append(submit(task))
            if not pending:
                return
            yield result(pending.popleft())
    finally:  # the caller stopped early or a chunk failed: do not leave work running
        for future in pending:
            cancel(future)


class ProcessPool:
    """A local pool of ``workers`` processes started with ``spawn``."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1 (got {workers})")
        self.workers = workers
        self.description = f"{workers} local processes"
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        )

    def map(self, tasks: Iterable[Task]) -> Iterator[pd.DataFrame]:
        return _ordered(
            lambda task: self._pool.submit(simulate_chunk, *task),
            lambda future: future.result(),
            lambda future: future.cancel(),
            tasks,
            2 * self.workers,
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskCluster:
    """A Dask distributed client: to the scheduler at ``address``, or to a LocalCluster started for the run."""

    def __init__(self, address: str, workers: int | None = None) -> None:
        try:
            distributed: Any = importlib.import_module("distributed")  # optional, and only partly typed
        except ImportError:
            raise RuntimeError(
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
                raise RuntimeError(f"cannot reach the Dask scheduler at {address}: {error}") from None
        threads = sum(worker["nthreads"] for worker in self._client.scheduler_info()["workers"].values())
        self.workers = max(int(threads), 1)
        where = "a local Dask cluster" if self._cluster is not None else f"Dask scheduler {address}"
        self.description = f"{self.workers} Dask worker threads on {where}"

    def map(self, tasks: Iterable[Task]) -> Iterator[pd.DataFrame]:
        return _ordered(
            lambda task: self._client.submit(simulate_chunk, *task, pure=False),
            lambda future: future.result(),
            lambda future: future.cancel(),
            tasks,
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


def make_executor(workers: int | None = 1, scheduler: str | None = None, chunks: int | None = None) -> Executor:
    """Sequential for one worker, a process pool for more (``None``: every core), Dask if a scheduler is given.

    With ``chunks`` known, a local pool gets no more processes than chunks (a one-chunk run stays in-process).
    """
    if scheduler is not None:
        return DaskCluster(scheduler, workers)
    count = default_workers() if workers is None else workers
    if count < 1:
        raise ValueError(f"workers must be >= 1 (got {count})")
    if chunks is not None:
        count = max(min(count, chunks), 1)
    return Sequential() if count == 1 else ProcessPool(count)

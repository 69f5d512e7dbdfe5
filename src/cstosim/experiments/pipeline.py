"""The one way through the data: plan chunks, run a task on them with an executor, feed the tables to sinks.

Every experiment (a run, a sweep, a sensitivity analysis, a forecast, a prior predictive) is a list of tasks,
one per point, and a number of replications per point. ``execute`` plans the chunks (``plan``), takes the
ones a results folder already holds (resume), sends the others to the executor (sequential, process pool or
Dask), and gives every chunk's table, in plan order, to the sinks (in-memory table, tally, results folder).
After each chunk it asks the sinks whether that is enough (a precision target), and stops there if so.

Since chunks come back in plan order and a chunk's table depends only on its task and replications, whatever
the sinks compute is the same for any executor, number of workers or chunk size, and a resumed experiment
equals an uninterrupted one.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cstosim.experiments.executors import Sequential, make_executor
from cstosim.experiments.plan import DEFAULT_CHUNK_SIZE, check_in_memory, plan_chunks, smallest_chunk_size
from cstosim.experiments.sinks import Sink, StoreSink, TableSink
from cstosim.experiments.tasks import Task, run_task
from cstosim.model.limits import MAX_CHUNK_SIZE

MIN_CHUNK_SIZE = 250


@dataclass(frozen=True)
class Execution:
    """How an experiment runs: ``workers`` local processes (``None``: every core) or a Dask ``scheduler``
    (an address, or ``"local"`` for a LocalCluster started for the run), chunks of ``chunk_size`` replications
    (``None``: see ``chunk_size_for``), and a progress bar."""

    workers: int | None = 1
    scheduler: str | None = None
    chunk_size: int | None = None
    progress: bool = False

    def chunk_size_for(self, replications: int, points: int = 1) -> int:
        """The chunk size given, else ``DEFAULT_CHUNK_SIZE``; when a number of workers was asked for, made smaller
        if that would leave some idle: at least four chunks per worker, never below ``MIN_CHUNK_SIZE``.

        With ``workers=None`` (every core) the default stays, so a small run stays in this process instead of
        paying for starting workers. A run too large for ``MAX_CHUNKS`` chunks of that size gets larger ones.
        Results do not depend on the chunk size; only the files written and the work given to each worker do.
        """
        if self.chunk_size is not None:
            return self.chunk_size
        if self.workers is None or self.workers <= 1:
            size = DEFAULT_CHUNK_SIZE
        else:
            share = math.ceil(replications * points / (4 * self.workers))
            size = max(MIN_CHUNK_SIZE, min(DEFAULT_CHUNK_SIZE, share))
        # a very large run gets larger chunks, so that its chunks (and the manifest listing them) stay few
        return min(max(size, smallest_chunk_size(replications, points)), MAX_CHUNK_SIZE)


@dataclass(frozen=True)
class RunReport:
    """How an experiment went: replications in its results, chunks computed now and reused from disk, whether
    it stopped early (precision), the replications computed now, the executor and the time it took."""

    replications: int
    computed: int
    reused: int
    stopped_early: bool
    computed_replications: int
    executor: str
    seconds: float

    @property
    def rate(self) -> float:
        """Replications computed per second."""
        return self.computed_replications / self.seconds if self.seconds > 0 else float("inf")


def progress_bar(total: int, enabled: bool, initial: int = 0) -> Any:
    """A tqdm bar counting replications, with rate and ETA (a widget in Jupyter when ipywidgets is there)."""
    # tqdm.auto warns on import in a notebook without ipywidgets, even for a bar that stays hidden: take it only
    # for a bar that shows, and only where the widget can be drawn; otherwise the text bar.
    if enabled and _has_widgets():
        from tqdm.auto import tqdm
    else:
        from tqdm.std import tqdm

    return tqdm(total=total, initial=initial, unit="rep", unit_scale=True, disable=not enabled, file=sys.stderr)


def _has_widgets() -> bool:
    try:
        return importlib.util.find_spec("ipywidgets") is not None
    except ValueError:  # in sys.modules without a spec: its import was blocked
        return False


def terminal_progress(quiet: bool) -> bool:
    """The command line shows a bar unless ``--quiet`` or stderr is not a terminal (logs, pipes, CI)."""
    return not quiet and sys.stderr.isatty()


def execute(
    tasks: Sequence[Task],
    replications: int,
    sinks: Sequence[Sink],
    execution: Execution = Execution(),
    *,
    store: StoreSink | None = None,
) -> RunReport:
    """Run replications ``0..replications-1`` of every task (one per point) and feed the tables to ``sinks``.

    With ``store``, chunks it already holds are read back instead of computed, the others are written to it,
    and it is marked complete at the end. A sink's ``enough()`` stops the experiment after that chunk: the stop
    depends only on the tables seen, in order, so it is the same for any executor and after a resume.
    """
    if not tasks:
        raise ValueError("an experiment needs at least one task")
    plan = plan_chunks(replications, execution.chunk_size_for(replications, len(tasks)), points=len(tasks))
    reused = store.reusable(plan) if store is not None else set()
    missing = [chunk for chunk in plan if chunk.index not in reused]
    receivers = [store, *sinks] if store is not None else list(sinks)  # on disk first, whatever a sink does
    count = fresh = reused_count = computed_replications = 0
    stopped = False
    started = time.perf_counter()
    # With nothing left to compute (a complete folder resumed), no worker or cluster is started.
    executor = make_executor(execution.workers, execution.scheduler, items=len(missing)) if missing else Sequential()
    with executor:
        computed = executor.map(run_task, ((tasks[chunk.point], chunk) for chunk in missing))
        bar = progress_bar(
            sum(chunk.size for chunk in plan),
            execution.progress,
            initial=sum(chunk.size for chunk in plan if chunk.index in reused),
        )
        try:
            for chunk in plan:
                if store is not None and chunk.index in reused:
                    table = store.read(chunk)
                    reused_count += 1
                    for sink in sinks:
                        sink.add(chunk, table)
                else:
                    table = next(computed)
                    fresh += 1
                    computed_replications += chunk.size
                    bar.update(chunk.size)
                    for receiver in receivers:
                        receiver.add(chunk, table)
                count += chunk.size
                if any(sink.enough() for sink in sinks):
                    stopped = chunk.index < plan[-1].index
                    if store is not None:
                        store.stopped_after(chunk)
                    break
        except BaseException:
            if store is not None:  # every chunk written so far stays listed: a resume continues from there
                store.interrupted()
            raise
        finally:
            computed.close()  # cancels chunks still in flight when stopping early or failing
            bar.close()
        if store is not None:
            store.flush()
    if store is not None:
        store.finish(count, stopped)
    return RunReport(
        count, fresh, reused_count, stopped, computed_replications, executor.description, time.perf_counter() - started
    )


def run_to_table(tasks: Sequence[Task], replications: int, execution: Execution = Execution()) -> pd.DataFrame:
    """Run every task and return all their rows as one table held in memory: refused beforehand
    (``ValueError``) if that table would be too large (``check_in_memory``)."""
    check_in_memory(len(tasks), replications)
    table = TableSink()
    execute(tasks, replications, [table], execution)
    return table.table()

"""Running many replications of one or several scenarios on any executor, as tidy tables.

``run_replications`` runs one scenario; ``run_points`` runs several scenario variants ("points") with the same
replication seeds, so that replication ``i`` of every point draws the same random numbers (common random
numbers) and differences between points are the parameters' doing, not noise. Both split the work into chunks
of replication indices and return the same table whatever the executor, the number of workers or the chunking.

``stream_chunks`` is the building block for runs too large to hold in memory: it yields each chunk's table in
order, with an optional progress bar, and stops submitting work as soon as the caller stops reading.
"""

from __future__ import annotations

import collections
import sys
from collections.abc import Generator, Iterable, Iterator, Sequence
from typing import Any

import pandas as pd

from cstosim.experiments.executors import (
    DEFAULT_CHUNK_SIZE,
    Chunk,
    Executor,
    Task,
    make_executor,
    plan_chunks,
    portable,
)
from cstosim.experiments.replications import fresh_seed
from cstosim.model.scenario import Scenario


def progress_bar(total: int, enabled: bool, initial: int = 0) -> Any:
    """A tqdm bar counting replications, with rate and ETA (a widget in Jupyter when ipywidgets is there)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="rep", unit_scale=True, disable=not enabled, file=sys.stderr)


def terminal_progress(quiet: bool) -> bool:
    """The command line shows a bar unless ``--quiet`` or stderr is not a terminal (logs, pipes, CI)."""
    return not quiet and sys.stderr.isatty()


def stream_chunks(
    scenarios: Sequence[Scenario],
    root_seed: int,
    chunks: Iterable[Chunk],
    executor: Executor,
    *,
    progress: bool = False,
    total: int | None = None,
    done: int = 0,
) -> Generator[tuple[Chunk, pd.DataFrame], None, None]:
    """Each chunk with its run table, in the order given (``chunk.point`` indexes ``scenarios``).

    ``total`` and ``done`` size the progress bar (replications in the whole run, and already done before).
    """
    movable = [portable(scenario) for scenario in scenarios]
    pending: collections.deque[Chunk] = collections.deque()  # submitted, not yet yielded: a few at a time

    def tasks() -> Iterator[Task]:
        for chunk in chunks:
            pending.append(chunk)
            yield (movable[chunk.point], root_seed, chunk.start, chunk.stop)

    bar = progress_bar(total or 0, progress and total is not None, initial=done)
    try:
        for table in executor.map(tasks()):
            chunk = pending.popleft()
            bar.update(chunk.size)
            yield chunk, table
    finally:
        bar.close()


def _check(replications: int) -> None:
    if replications < 1:
        raise ValueError(f"replications must be >= 1 (got {replications})")


def run_points(
    scenarios: Sequence[Scenario],
    replications: int,
    seed: int | None = None,
    *,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> pd.DataFrame:
    """Run every scenario ("point") with the same replication seeds; one table with a leading ``point`` column.

    Point ``p`` (0-based, in the order given) has rows ``replication = 0..replications-1``; replication ``i``
    uses the numbers of ``(seed, i)`` at every point (common random numbers). ``workers=None`` uses every
    core; ``scheduler`` is a Dask scheduler address, or ``"local"`` for a Dask LocalCluster.
    """
    _check(replications)
    if not scenarios:
        raise ValueError("run_points needs at least one scenario")
    root_seed = fresh_seed() if seed is None else seed
    executor = make_executor(workers, scheduler, chunks=len(scenarios) * -(-replications // chunk_size))
    try:
        return points_table(scenarios, replications, root_seed, executor, progress=progress, chunk_size=chunk_size)
    finally:
        executor.close()


def points_table(
    scenarios: Sequence[Scenario],
    replications: int,
    root_seed: int,
    executor: Executor,
    *,
    progress: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> pd.DataFrame:
    """``run_points`` on an executor the caller owns (and closes)."""
    chunks = plan_chunks(replications, chunk_size, points=len(scenarios))
    parts = []
    total = replications * len(scenarios)
    for chunk, table in stream_chunks(scenarios, root_seed, chunks, executor, progress=progress, total=total):
        table.insert(0, "point", chunk.point)
        parts.append(table)
    return concat_tables(parts)


def run_replications(
    scenario: Scenario,
    replications: int,
    seed: int | None = None,
    *,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> pd.DataFrame:
    """Run ``replications`` replications of ``scenario`` and return the tidy table, one row per replication.

    With ``seed=None`` a fresh root seed is drawn; it is recorded in the ``seed`` column either way, and row
    ``i`` can be re-run alone with ``run_replication(scenario, seed, i)``. The table is the
    same for any ``workers`` (``None``: every core), ``scheduler`` (Dask address or ``"local"``) and chunk size.
    """
    table = run_points(
        [scenario], replications, seed, workers=workers, scheduler=scheduler, progress=progress, chunk_size=chunk_size
    )
    return table.drop(columns="point")


def concat_tables(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunk tables joined into one with a fresh 0-based index."""
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    return pd.concat(parts, ignore_index=True)

"""Many replications of one or several scenarios, as one tidy table in memory.

``run_replications`` runs one scenario; ``run_points`` runs several scenario variants ("points") with the same
replication seeds, so that replication ``i`` of every point draws the same random numbers (common random
numbers) and differences between points are the parameters' doing, not noise. Both are thin calls into the
pipeline (``cstosim.experiments.pipeline``): the table is the same whatever the executor, the number of workers
or the chunk size. For runs too large for memory, results folders, resume and precision targets, see
``cstosim.run``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cstosim.experiments.pipeline import Execution, run_to_table
from cstosim.experiments.plan import DEFAULT_CHUNK_SIZE, fresh_seed
from cstosim.experiments.tasks import RunTask, point_columns, portable
from cstosim.model.scenario import Scenario


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
    if not scenarios:
        raise ValueError("run_points needs at least one scenario")
    root_seed = fresh_seed() if seed is None else seed
    columns = point_columns(len(scenarios))
    tasks = [RunTask(portable(scenario), root_seed, columns.iloc[[point]]) for point, scenario in enumerate(scenarios)]
    return run_to_table(tasks, replications, Execution(workers, scheduler, chunk_size, progress))


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
    ``i`` can be re-run alone with ``run_replication(scenario, seed, i)``. The table is the same for any
    ``workers`` (``None``: every core), ``scheduler`` (Dask address or ``"local"``) and chunk size.
    """
    root_seed = fresh_seed() if seed is None else seed
    execution = Execution(workers, scheduler, chunk_size, progress)
    return run_to_table([RunTask(portable(scenario), root_seed)], replications, execution)

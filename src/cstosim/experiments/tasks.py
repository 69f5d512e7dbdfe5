"""Tasks: what every replication of a chunk runs, and the table it makes.

A task is sent to a worker with each chunk of its point, so it holds one scenario point (never a whole sweep)
and must pickle. ``RunTask`` is a plain run (the run table); ``cstosim.experiments.forecast`` has the forecast
and prior-predictive tasks. Every task returns a pandas table with one row per replication (or per replication
and fact), in replication order, that depends only on the task and the chunk's replications.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from cstosim.engine import Simulator
from cstosim.experiments.plan import Chunk
from cstosim.model.scenario import Scenario
from cstosim.outcomes.table import RunTable


class Task(Protocol):
    """What the replications of a chunk run: ``run(chunk)`` is their table."""

    def run(self, chunk: Chunk) -> pd.DataFrame: ...


def run_task(work: tuple[Task, Chunk]) -> pd.DataFrame:
    """A task on a chunk: the function every executor maps (module level, so that it pickles)."""
    task, chunk = work
    return task.run(chunk)


def portable(scenario: Scenario) -> Scenario:
    """The scenario in a form ``pickle`` accepts (its read-only ``sources`` view becomes a plain dict)."""
    return dataclasses.replace(scenario, sources=dict(scenario.sources))


@dataclass(frozen=True, eq=False)
class RunTask:
    """Replications of one scenario: the run table (``cstosim.outcomes.table``).

    For a point of a sweep or sensitivity analysis, ``point`` is a table of one row: the point's number and its
    parameter values (``point_columns``), which every row of the table starts with.
    """

    scenario: Scenario
    seed: int
    point: pd.DataFrame | None = None

    def run(self, chunk: Chunk) -> pd.DataFrame:
        results = Simulator(self.scenario).run_many(self.seed, range(chunk.start, chunk.stop))
        return RunTable(self.scenario).table(results, self.seed, self.point)


def point_columns(points: int, parameters: Sequence[Mapping[str, Any]] = ()) -> pd.DataFrame:
    """One row per point: ``point`` (its number), then one column per parameter with its value at the point.

    Each column is typed over all points (a parameter given ``0`` and ``0.5`` is a float column at every point),
    so that every chunk of every point has the same columns and types.
    """
    table = pd.DataFrame.from_records(list(parameters), index=range(len(parameters))) if parameters else None
    columns = pd.DataFrame({"point": np.arange(points, dtype=np.int64)})
    return columns if table is None else pd.concat([columns, table.reset_index(drop=True)], axis=1)

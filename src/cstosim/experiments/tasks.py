"""Tasks: what every replication of a chunk runs, and the table it makes.

A task is sent to a worker with each chunk of its point, so it holds one scenario point (never a whole sweep)
and must pickle. ``RunTask`` is a plain run (the run table); ``cstosim.experiments.forecast`` has the forecast
and prior-predictive tasks. Every task returns a pandas table with one row per replication (or per replication
and fact), in replication order, that depends only on the task and the chunk's replications.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Protocol

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

    For a point of a sweep or sensitivity analysis, ``point`` is its number and ``parameters`` a one-row table
    of its parameter values: the table then starts with ``point`` and one column per parameter.
    """

    scenario: Scenario
    seed: int
    point: int | None = None
    parameters: pd.DataFrame | None = None

    def run(self, chunk: Chunk) -> pd.DataFrame:
        simulator = Simulator(self.scenario)
        table = RunTable(self.scenario).table(simulator.run_many(self.seed, range(chunk.start, chunk.stop)), self.seed)
        if self.point is not None:
            with_point(table, self.point, self.parameters)
        return table


def with_point(table: pd.DataFrame, point: int, parameters: pd.DataFrame | None) -> None:
    """Insert ``point`` and the point's parameter columns (typed as in ``parameters``) in front of ``table``."""
    table.insert(0, "point", np.full(len(table), point, dtype=np.int64))
    if parameters is None:
        return
    rows = np.zeros(len(table), dtype=np.intp)
    for position, name in enumerate(parameters.columns, start=1):
        table.insert(position, name, parameters[name].iloc[rows].reset_index(drop=True))

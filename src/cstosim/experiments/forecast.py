"""Running forecasts conditioned on the record, and the prior predictive distribution of its facts.

``run_forecast`` simulates what is still to come given the facts known as of a date: the scenario conditioned
by the chosen method (``cstosim.experiments.conditioning``), each replication checked against the facts not
imposed (``cstosim.experiments.fact_checks``) and accepted or rejected. ``run_prior_predictive`` runs the
scenario unchanged and places each fact in it (for the calibration view). Both are tasks on the one pipeline
(``cstosim.experiments.pipeline``), so they run on any executor and give the same tables for any workers or
chunk size.

Random numbers: replication ``i`` uses the numbers of seed ``s`` and replication ``i`` as in ``run_replications``,
so every row re-runs alone (``Forecast.replay``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cstosim.engine import ReplicationResult, Simulator
from cstosim.engine.draws import Draws
from cstosim.experiments.conditioning import METHOD_STATEMENTS, Conditioning, Method, condition_draws, conditioning
from cstosim.experiments.fact_checks import event_day, fact_holds, needs_detail
from cstosim.experiments.pipeline import Execution, run_to_table
from cstosim.experiments.plan import DEFAULT_CHUNK_SIZE, Chunk, fresh_seed
from cstosim.experiments.tasks import portable
from cstosim.model.facts import Fact, Record
from cstosim.model.scenario import Scenario
from cstosim.outcomes.table import RunTable, text_column
from cstosim.scenario_files.facts import check_record


def holds_column(fact: int) -> str:
    """The column of a forecast table saying whether each replication agrees with fact number ``fact``."""
    return f"holds[{fact}]"


def record_fingerprint(record: Record) -> str:
    """A SHA-256 hash identifying the record's facts (recorded in results folders, checked on resume)."""
    return hashlib.sha256(repr(record).encode()).hexdigest()


# Forecasts --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ForecastTask:
    """Replications of the conditioned scenario, each checked against the record.

    The table: ``replication``, ``seed``, ``accepted``, ``rejected_by`` (the first reason, text), the run
    table's columns (``cstosim.outcomes.table``), then ``holds[I]`` for each fact ``I`` of the record.
    """

    conditioning: Conditioning
    record: Record
    seed: int

    def _simulator(self) -> Simulator:
        return Simulator(self.conditioning.scenario, detail=needs_detail(self.record))

    def _check(self, simulator: Simulator, draws: Draws) -> tuple[ReplicationResult, str | None, list[bool]]:
        rejected_by = condition_draws(self.conditioning, draws)
        result = simulator.run_draws(draws)
        holds = [fact_holds(fact, result, self.record.tolerance_days) for fact in self.record.facts]
        if rejected_by is None:
            rejected_by = next((f.describe() for f, ok in zip(self.record.facts, holds, strict=True) if not ok), None)
        return result, rejected_by, holds

    def run(self, chunk: Chunk) -> pd.DataFrame:
        simulator = self._simulator()
        rejections: list[str | None] = []
        agreements: list[list[bool]] = []

        def results() -> Iterator[ReplicationResult]:
            for draws in simulator.draws(self.seed, range(chunk.start, chunk.stop)):
                result, rejected_by, holds = self._check(simulator, draws)
                rejections.append(rejected_by)
                agreements.append(holds)
                yield result

        table = RunTable(self.conditioning.scenario).table(results(), self.seed)
        table.insert(2, "accepted", np.array([reason is None for reason in rejections], dtype=bool))
        table.insert(3, "rejected_by", text_column(rejections))
        holds = np.array(agreements, dtype=bool).reshape(len(table), len(self.record.facts))
        for index in range(len(self.record.facts)):
            table[holds_column(index)] = holds[:, index]
        return table

    def replay(self, replication: int) -> tuple[ReplicationResult, str | None]:
        """Replication ``replication`` alone: its result and why it was rejected (``None``: accepted)."""
        simulator = self._simulator()
        draws = next(iter(simulator.draws(self.seed, [replication])))
        result, rejected_by, _ = self._check(simulator, draws)
        return result, rejected_by


@dataclass(frozen=True)
class FactCheck:
    """How one fact was honoured, and how many replications contradicted it (counted before rejection)."""

    fact: Fact
    imposed: bool
    contradicted: int


@dataclass(frozen=True, eq=False)
class Forecast:
    """A conditioned experiment: every replication's row (``accepted`` marks the ones the forecast uses)."""

    scenario: Scenario  # as simulated (with the recorded state for the start method)
    record: Record
    method: Method
    seed: int
    table: pd.DataFrame
    checks: tuple[FactCheck, ...]
    task: ForecastTask

    @classmethod
    def of(cls, task: ForecastTask, method: Method, table: pd.DataFrame) -> Forecast:
        """The forecast made of ``task``'s table (all its chunks, in order)."""
        record = task.record
        checks = tuple(
            FactCheck(fact, index in task.conditioning.imposed, int((~table[holds_column(index)]).sum()))
            for index, fact in enumerate(record.facts)
        )
        return cls(task.conditioning.scenario, record, method, task.seed, table, checks, task)

    @property
    def statement(self) -> str:
        return METHOD_STATEMENTS[self.method]

    @property
    def replications(self) -> int:
        return len(self.table)

    @property
    def accepted(self) -> int:
        return int(self.table["accepted"].sum())

    @property
    def accepted_table(self) -> pd.DataFrame:
        return self.table[self.table["accepted"]].reset_index(drop=True)

    def replay(self, replication: int) -> ReplicationResult:
        """Replication ``replication`` of the forecast re-run alone (as simulated: conditioned, not yet judged)."""
        return self.task.replay(replication)[0]


def forecast_task(
    scenario: Scenario, record: Record, seed: int, method: Method | str = Method.START, as_of: dt.date | None = None
) -> ForecastTask:
    """The task of a forecast; ``ScenarioError`` if the record names what the scenario lacks."""
    if as_of is not None:
        record = record.known_on(as_of)
    check_record(record, scenario)
    conditioned = conditioning(scenario, record, Method(method))
    return ForecastTask(
        Conditioning(portable(conditioned.scenario), conditioned.imposed, conditioned.windows), record, seed
    )


def run_forecast(
    scenario: Scenario,
    record: Record,
    replications: int,
    seed: int | None = None,
    *,
    method: Method | str = Method.START,
    as_of: dt.date | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Forecast:
    """Simulate ``scenario`` ``replications`` times conditioned on ``record`` (as known on ``as_of``).

    Raises ``ScenarioError`` if the record names what the scenario lacks, ``ValueError`` for bad arguments.
    The table is the same for any ``workers``, ``scheduler`` and chunk size; for results folders and resume,
    see ``cstosim.forecast``.
    """
    task = forecast_task(scenario, record, fresh_seed() if seed is None else seed, method, as_of)
    table = run_to_table([task], replications, Execution(workers, scheduler, chunk_size, progress))
    return Forecast.of(task, Method(method), table)


# The prior predictive distribution of the facts (for the calibration view) ----------------------------------


@dataclass(frozen=True, eq=False)
class PriorPredictiveTask:
    """The scenario run unchanged, and each fact placed in each replication.

    The table has one row per replication and fact: ``replication``, ``seed``, ``fact`` (its index in
    ``record.facts``), ``first_day`` (the day of the event the fact speaks about, from the start; NaN if it did
    not happen by the horizon) and whether the fact ``holds``.
    """

    scenario: Scenario
    record: Record
    seed: int

    def run(self, chunk: Chunk) -> pd.DataFrame:
        simulator = Simulator(self.scenario, detail=needs_detail(self.record))
        facts, tolerance = self.record.facts, self.record.tolerance_days
        days: list[float] = []
        holds: list[bool] = []
        for result in simulator.run_many(self.seed, range(chunk.start, chunk.stop)):
            for fact in facts:
                days.append(event_day(fact, result))
                holds.append(fact_holds(fact, result, tolerance))
        count = len(facts)
        return pd.DataFrame(
            {
                "replication": np.repeat(np.arange(chunk.start, chunk.stop, dtype=np.int64), count),
                "seed": np.full(chunk.size * count, self.seed, dtype=np.uint64),
                "fact": np.tile(np.arange(count, dtype=np.int64), chunk.size),
                "first_day": np.array(days, dtype=float),
                "holds": np.array(holds, dtype=bool),
            }
        )


def prior_predictive_task(scenario: Scenario, record: Record, seed: int) -> PriorPredictiveTask:
    """The task of a prior predictive run; ``ScenarioError`` if the record names what the scenario lacks."""
    check_record(record, scenario)
    return PriorPredictiveTask(portable(scenario), record, seed)


def run_prior_predictive(
    scenario: Scenario,
    record: Record,
    replications: int,
    seed: int | None = None,
    *,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> pd.DataFrame:
    """The scenario run unchanged, each fact placed in each replication (``PriorPredictiveTask``'s table)."""
    task = prior_predictive_task(scenario, record, fresh_seed() if seed is None else seed)
    return run_to_table([task], replications, Execution(workers, scheduler, chunk_size, progress))

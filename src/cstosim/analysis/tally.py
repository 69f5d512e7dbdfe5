"""A running tally of replication tables: what summaries, metrics and plots need, in memory that does not grow.

Runs of millions of replications are summarised chunk by chunk: each milestone keeps a count per calendar day
(a few thousand days at most between the scenario's start and horizon), the last ratifier a count per member,
and the wait from entry into force to the first grant a count per day. Counts are exact, so every share and
every quantile (order statistic) computed from a tally equals the one computed from the whole table; the
in-memory ``summarize(scenario, table)`` goes through a tally too, so both paths share one implementation.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cstosim.experiments.replications import date_columns
from cstosim.model.scenario import Scenario

WAIT = "first_grant - entry_into_force"  # the tally key of the wait from entry into force to the first grant


@dataclass
class DayCounts:
    """How many replications reached a milestone on each day (days since the scenario's start)."""

    counts: Counter[int] = field(default_factory=Counter)

    def add(self, days: np.ndarray) -> None:
        values, counts = np.unique(days, return_counts=True)
        self.counts.update(dict(zip(values.tolist(), counts.tolist(), strict=True)))

    @property
    def reached(self) -> int:
        return sum(self.counts.values())

    def sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct days in increasing order, and the cumulative count up to each."""
        days = np.array(sorted(self.counts), dtype=np.int64)
        cumulative = np.cumsum([self.counts[day] for day in days.tolist()], dtype=np.int64)
        return days, cumulative

    def order_statistic(self, rank: int) -> int | None:
        """The ``rank``-th smallest day (1-based) among those reached; ``None`` if fewer reached."""
        days, cumulative = self.sorted()
        if rank < 1 or not len(days) or rank > cumulative[-1]:
            return None
        return int(days[np.searchsorted(cumulative, rank)])

    def quantile(self, q: float) -> int | None:
        """Quantile of the reached days, as ``numpy.quantile(..., method="inverted_cdf")`` gives it."""
        reached = self.reached
        if reached == 0:
            return None
        return self.order_statistic(max(math.ceil(reached * q), 1))


class Tally:
    """Counts over the replications added so far (tables of ``run_replications``, chunk by chunk)."""

    def __init__(self, scenario: Scenario) -> None:
        self.start = np.datetime64(scenario.start, "D")
        self.columns = date_columns(scenario)
        self.replications = 0
        self.seeds: set[int] = set()
        self.days: dict[str, DayCounts] = {column: DayCounts() for column in [*self.columns, WAIT]}
        self.last_ratifier: Counter[str] = Counter()

    @classmethod
    def of(cls, scenario: Scenario, table: pd.DataFrame) -> Tally:
        tally = cls(scenario)
        tally.add(table)
        return tally

    def _days(self, column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Days since the start (garbage where not reached), and which rows reached the milestone."""
        values = column.to_numpy(dtype="datetime64[D]")
        reached = ~np.isnat(values)
        return (values - self.start).astype(np.int64), reached

    def add(self, table: pd.DataFrame) -> None:
        """Count one more table (any number of rows)."""
        self.replications += len(table)
        if "seed" in table:
            self.seeds.update(int(seed) for seed in table["seed"].unique())
        for column in self.columns:
            days, reached = self._days(table[column])
            self.days[column].add(days[reached])
        entry, entry_reached = self._days(table["entry_into_force"])
        grant, grant_reached = self._days(table["first_grant"])
        both = entry_reached & grant_reached
        self.days[WAIT].add(grant[both] - entry[both])
        self.last_ratifier.update(table["last_ratifier"].dropna().astype(str).tolist())

    def reached(self, column: str) -> int:
        return self.days[column].reached

    def quantile_date(self, column: str, q: float) -> np.datetime64 | None:
        day = self.days[column].quantile(q)
        return None if day is None else self.start + np.timedelta64(day, "D")

"""A running tally of run tables: what summaries, metrics and plots need, in memory that does not grow.

Runs of millions of replications are summarised chunk by chunk: each milestone keeps a count per calendar day
(a few thousand days at most between the scenario's start and horizon), the last ratifier a count per member,
and the wait from entry into force to the first grant a count per day. Counts are exact, so every share and
every quantile (order statistic) computed from a tally equals the one computed from the whole table; the
in-memory ``summarize(scenario, table)`` goes through a tally too, so both paths share one implementation.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from cstosim.model.scenario import Scenario
from cstosim.outcomes.statistics import quantile_rank
from cstosim.outcomes.table import date_columns

WAIT = "first_grant - entry_into_force"  # the tally key of the wait from entry into force to the first grant


class DayCounts:
    """How many replications reached a milestone on each day (days since the scenario's start).

    The counts are one array indexed by day from ``first_day``, grown as days outside it arrive, so adding a
    chunk costs a ``bincount``, not a loop over its days.
    """

    def __init__(self) -> None:
        self.first_day = 0
        self.counts = np.zeros(0, dtype=np.int64)

    def add(self, days: np.ndarray) -> None:
        if len(days) == 0:
            return
        low, high = int(days.min()), int(days.max())
        if len(self.counts) == 0:
            self.first_day, self.counts = low, np.zeros(high - low + 1, dtype=np.int64)
        elif low < self.first_day or high >= self.first_day + len(self.counts):
            first = min(low, self.first_day)
            grown = np.zeros(max(high, self.first_day + len(self.counts) - 1) - first + 1, dtype=np.int64)
            grown[self.first_day - first : self.first_day - first + len(self.counts)] = self.counts
            self.first_day, self.counts = first, grown
        offset = low - self.first_day
        self.counts[offset : offset + high - low + 1] += np.bincount(days - low, minlength=high - low + 1)

    @property
    def reached(self) -> int:
        return int(self.counts.sum())

    def sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct days reached, in increasing order, and the cumulative count up to each."""
        (present,) = np.nonzero(self.counts)
        return present.astype(np.int64) + self.first_day, np.cumsum(self.counts[present], dtype=np.int64)

    def order_statistic(self, rank: int) -> int | None:
        """The ``rank``-th smallest day (1-based) among those reached; ``None`` if fewer reached."""
        days, cumulative = self.sorted()
        if rank < 1 or not len(days) or rank > cumulative[-1]:
            return None
        return int(days[np.searchsorted(cumulative, rank)])

    def quantile(self, q: float) -> int | None:
        """The ``q``-quantile of the reached days (``statistics.quantile``: an order statistic)."""
        reached = self.reached
        return None if reached == 0 else self.order_statistic(quantile_rank(reached, q))


class Tally:
    """Counts over the run tables added so far (chunk by chunk, in any split)."""

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
        # Members in order of first appearance, so that ties in the summary are ordered alike whatever the chunks
        codes, members = pd.factorize(table["last_ratifier"], use_na_sentinel=True)
        counts = np.bincount(codes[codes >= 0], minlength=len(members))
        self.last_ratifier.update(dict(zip(map(str, members), counts.tolist(), strict=True)))

    def reached(self, column: str) -> int:
        return self.days[column].reached

    def quantile_date(self, column: str, q: float) -> np.datetime64 | None:
        day = self.days[column].quantile(q)
        return None if day is None else self.start + np.timedelta64(day, "D")

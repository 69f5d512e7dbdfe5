"""The run table: one row per replication, and how a ``ReplicationResult`` becomes a row.

Columns, in order: ``replication``, ``seed``, ``adoption``, ``entry_into_force``, ``last_ratifier``,
``ratified[MEMBER]`` for each member, then for each candidate ``applied[NAME]``, ``reviews[NAME]`` and
``granted[NAME]`` (the status it seeks, not a step on its path to it), then ``first_grant`` (of any status) and
``first_grant_candidate``. Milestones are calendar dates
(``datetime64[us]``, ``NaT``: not reached by the horizon); names are pandas' text type.

Building rows is on the path of every replication of every run, so it is written for speed: each result is
read into one flat list of floats (days) laid out by ``RunTable``, and the columns are made once per chunk with
numpy, never through a dict per row.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from cstosim.engine import ReplicationResult
from cstosim.model.scenario import Scenario

# Pandas' default text type: the string dtype on pandas >= 3, object before; Parquet files read back as it.
TEXT = pd.api.types.pandas_dtype("str")
DATE = np.dtype("datetime64[us]")
_MICROSECONDS_PER_DAY = 86_400_000_000


def ratified_column(member: str) -> str:
    return f"ratified[{member}]"


def applied_column(candidate: str) -> str:
    return f"applied[{candidate}]"


def reviews_column(candidate: str) -> str:
    return f"reviews[{candidate}]"


def granted_column(candidate: str) -> str:
    return f"granted[{candidate}]"


def date_columns(scenario: Scenario) -> list[str]:
    """The columns of the table that hold calendar dates (``NaT``: not reached by the horizon)."""
    return [
        "adoption",
        *(ratified_column(m.name) for m in scenario.members),
        "entry_into_force",
        *(applied_column(c.name) for c in scenario.candidates),
        *(granted_column(c.name) for c in scenario.candidates),
        "first_grant",
    ]


def text_column(values: Sequence[str | None]) -> pd.Series:
    """Names with missing values (``None``), typed as pandas' default text type whatever the values (a chunk
    where no name occurs still has a text column, as its Parquet part file reads back)."""
    return pd.Series(values, dtype=TEXT)


def dates(days: np.ndarray, start: dt.date) -> np.ndarray:
    """Days from ``start`` (floats, NaN: not reached) as calendar dates of the day they fall in."""
    reached = ~np.isnan(days)
    whole = np.floor(np.where(reached, days, 0.0)).astype(np.int64)
    start_day = (start - dt.date(1970, 1, 1)).days
    result = ((whole + start_day) * _MICROSECONDS_PER_DAY).view(DATE)
    result[~reached] = np.datetime64("NaT")
    return result


class RunTable:
    """The run table of one scenario: its columns, and its rows built from replication results.

    A row is first a flat list of floats: ``adoption``, ``entry_into_force``, one day per member's
    notification, then per candidate its first application, its number of reviews and its grant, then the
    first grant (NaN where not reached); the two names are kept apart.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.start = scenario.start
        self.members = tuple(member.name for member in scenario.members)
        self.candidates = tuple(candidate.name for candidate in scenario.candidates)
        self._sought = {candidate.name: candidate.status for candidate in scenario.candidates}
        m, c = len(self.members), len(self.candidates)
        self._ratified = {name: 2 + i for i, name in enumerate(self.members)}
        self._applied = {name: 2 + m + i for i, name in enumerate(self.candidates)}
        self._reviews = {name: 2 + m + c + i for i, name in enumerate(self.candidates)}
        self._granted = {name: 2 + m + 2 * c + i for i, name in enumerate(self.candidates)}
        self._first_grant = 2 + m + 3 * c
        self.width = self._first_grant + 1
        template = [math.nan] * self.width
        for column in self._reviews.values():
            template[column] = 0.0
        self._template = template

    @property
    def columns(self) -> list[str]:
        """The table's columns, in order."""
        columns = ["replication", "seed", "adoption", "entry_into_force", "last_ratifier"]
        columns += [ratified_column(name) for name in self.members]
        for name in self.candidates:
            columns += [applied_column(name), reviews_column(name), granted_column(name)]
        return [*columns, "first_grant", "first_grant_candidate"]

    def table(
        self, results: Iterable[ReplicationResult], seed: int, constants: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """The rows of ``results`` (replications of root seed ``seed``), in the order given.

        ``constants``, a table of one row, puts its columns in front, the same on every row and typed as in
        ``constants`` (a sweep point's number and parameter values).
        """
        replications: list[int] = []
        values: list[float] = []
        last_ratifiers: list[str | None] = []
        first_grant_candidates: list[str | None] = []
        ratified, applied, reviews, granted = self._ratified, self._applied, self._reviews, self._granted
        first_grant, sought = self._first_grant, self._sought
        template = self._template
        for result in results:
            row = template.copy()
            if result.adoption is not None:
                row[0] = result.adoption.day
            entry = result.entry_into_force
            if entry is not None:
                row[1] = entry.day
                last_ratifiers.append(entry.trigger)
            else:
                last_ratifiers.append(None)
            for ratification in result.ratifications:
                row[ratified[ratification.member]] = ratification.day
            for application in result.applications:
                column = applied[application.candidate]
                if row[column] != row[column]:  # NaN: the candidate's first application in the log
                    row[column] = application.day
            for review in result.reviews:
                row[reviews[review.candidate]] += 1.0
            first: str | None = None
            first_day = math.inf
            for grant in result.grants:
                if grant.status == sought[grant.candidate]:  # not a step on its path to it
                    row[granted[grant.candidate]] = grant.day
                if grant.day < first_day:  # the earliest grant; the first of a tie in the log
                    first, first_day = grant.candidate, grant.day
            if first is not None:
                row[first_grant] = first_day
            first_grant_candidates.append(first)
            replications.append(result.replication)
            values.extend(row)
        return self._frame(
            replications, np.array(values, dtype=float), last_ratifiers, first_grant_candidates, seed, constants
        )

    def _frame(
        self,
        replications: Sequence[int],
        values: np.ndarray,
        last_ratifiers: Sequence[str | None],
        first_grant_candidates: Sequence[str | None],
        seed: int,
        constants: pd.DataFrame | None,
    ) -> pd.DataFrame:
        """The table from the flat row values (``RunTable``'s layout, row after row) and the names."""
        n = len(replications)
        grid = values.reshape(n, self.width)
        columns: dict[str, object] = {}
        if constants is not None:
            first_row = np.zeros(n, dtype=np.intp)
            columns.update({name: constants[name].array.take(first_row) for name in constants.columns})
        columns |= {
            "replication": np.array(replications, dtype=np.int64),
            "seed": np.full(n, seed, dtype=np.uint64),
            "adoption": dates(grid[:, 0], self.start),
            "entry_into_force": dates(grid[:, 1], self.start),
            "last_ratifier": text_column(last_ratifiers),
        }
        for name, column in self._ratified.items():
            columns[ratified_column(name)] = dates(grid[:, column], self.start)
        for name in self.candidates:
            columns[applied_column(name)] = dates(grid[:, self._applied[name]], self.start)
            columns[reviews_column(name)] = grid[:, self._reviews[name]].astype(np.int64)
            columns[granted_column(name)] = dates(grid[:, self._granted[name]], self.start)
        columns["first_grant"] = dates(grid[:, self._first_grant], self.start)
        columns["first_grant_candidate"] = text_column(first_grant_candidates)
        return pd.DataFrame(columns, copy=False)

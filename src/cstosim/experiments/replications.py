"""Monte Carlo replications of a scenario, as a tidy table (one row per replication).

Replication ``i`` of an experiment with root seed ``s`` uses the random numbers of ``(s, i)`` and nothing else
(``cstosim.engine.random_numbers``), so any row can be re-run alone with ``run_replication(scenario, s, i)``,
and results never depend on how replications are split between workers.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from cstosim.engine import ReplicationResult, Simulator
from cstosim.model.scenario import Scenario


def fresh_seed() -> int:
    """A new root seed from the operating system's entropy, small enough to read and retype."""
    return secrets.randbits(63)


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


def result_row(scenario: Scenario, result: ReplicationResult) -> dict[str, Any]:
    """One replication flattened: milestone days (NaN if not reached), last ratifier, counts per candidate."""
    nan = float("nan")
    row: dict[str, Any] = {
        "adoption": result.adoption.day if result.adoption else nan,
        "entry_into_force": result.entry_into_force.day if result.entry_into_force else nan,
        "last_ratifier": result.last_ratifier,
    }
    ratified = {r.member: r.day for r in result.ratifications}
    for member in scenario.members:
        row[ratified_column(member.name)] = ratified.get(member.name, nan)
    first_applied: dict[str, float] = {}
    for application in result.applications:
        first_applied.setdefault(application.candidate, application.day)
    review_counts: dict[str, int] = {}
    for review in result.reviews:
        review_counts[review.candidate] = review_counts.get(review.candidate, 0) + 1
    sought = {c.name: c.status for c in scenario.candidates}
    granted = {g.candidate: g.day for g in result.grants if g.status == sought[g.candidate]}
    for candidate in scenario.candidates:
        row[applied_column(candidate.name)] = first_applied.get(candidate.name, nan)
        row[reviews_column(candidate.name)] = review_counts.get(candidate.name, 0)
        row[granted_column(candidate.name)] = granted.get(candidate.name, nan)
    first = min(result.grants, key=lambda g: g.day) if result.grants else None
    row["first_grant"] = first.day if first else nan
    row["first_grant_candidate"] = first.candidate if first else None
    return row


def simulate_rows(scenario: Scenario, root_seed: int, replications: Iterable[int]) -> list[dict[str, Any]]:
    """Run the given replications of an experiment and return their rows (days, not yet dates)."""
    simulator = Simulator(scenario)
    return [
        {"replication": result.replication, **result_row(scenario, result)}
        for result in simulator.run_many(root_seed, replications)
    ]


def rows_to_table(scenario: Scenario, rows: list[dict[str, Any]], root_seed: int) -> pd.DataFrame:
    """The tidy table: ``replication``, ``seed``, then milestones as dates and per-candidate counts."""
    table = pd.DataFrame.from_records(rows)
    table.insert(1, "seed", np.uint64(root_seed))
    start = pd.Timestamp(scenario.start)
    for column in date_columns(scenario):
        days = np.floor(table[column].to_numpy(dtype=float))
        table[column] = start + pd.to_timedelta(days, unit="D")
    for column in ("last_ratifier", "first_grant_candidate"):  # one type whatever a chunk holds (even no name)
        table[column] = _names(table[column])
    return table


def _names(column: pd.Series) -> pd.Series:
    """Text with missing values, typed as pandas' default text type (the type Parquet files read back as)."""
    text = pd.api.types.pandas_dtype("str")  # the string dtype on pandas >= 3, object before
    values = column.astype(object).where(column.notna(), None)
    return values if text == np.dtype(object) else values.astype(text)


def run_replications(scenario: Scenario, replications: int, seed: int | None = None, **options: Any) -> pd.DataFrame:
    """Kept for imports from this module: see ``cstosim.experiments.runner.run_replications``."""
    from cstosim.experiments.runner import run_replications as run

    return run(scenario, replications, seed, **options)

"""Summaries of a replication table: milestone dates, probabilities with intervals, last ratifiers.

Probabilities carry Wilson score intervals (``scipy.stats.binomtest``), which stay inside [0, 1] and keep
their coverage for probabilities near 0 or 1, where the normal approximation fails. Milestone dates are
summarised over the replications that reached them, with the share that did.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from cstosim.experiments.replications import applied_column, granted_column, ratified_column
from cstosim.model.scenario import Scenario

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Proportion:
    """``successes`` out of ``trials``, with a Wilson interval at ``CONFIDENCE``."""

    successes: int
    trials: int
    estimate: float
    low: float
    high: float

    @classmethod
    def of(cls, successes: int, trials: int) -> Proportion:
        interval = binomtest(successes, trials).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
        return cls(successes, trials, successes / trials, float(interval.low), float(interval.high))


@dataclass(frozen=True)
class MilestoneDates:
    """When a milestone happened, over the replications that reached it by the horizon."""

    milestone: str
    reached: Proportion
    median: dt.date | None
    p05: dt.date | None
    p95: dt.date | None


@dataclass(frozen=True)
class CandidateOutcome:
    candidate: str
    status: str
    applied: Proportion
    granted: Proportion
    median_grant: dt.date | None


@dataclass(frozen=True)
class Summary:
    scenario: str
    replications: int
    seed: int | None
    horizon: dt.date
    milestones: tuple[MilestoneDates, ...]
    entry_into_force: MilestoneDates
    candidates: tuple[CandidateOutcome, ...]
    any_grant: Proportion
    last_ratifier: dict[str, Proportion]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready figures (dates as ISO strings)."""
        json_ready: dict[str, Any] = _jsonable(asdict(self))
        return json_ready


def summarize(scenario: Scenario, table: pd.DataFrame) -> Summary:
    """The figures ``cstosim run`` prints and writes, from a replication table."""
    n = len(table)
    seeds = list(table["seed"].unique()) if "seed" in table else []
    milestones = [_dates("adoption", table["adoption"])]
    if scenario.instrument.requires_ratification:
        milestones += [_dates(f"{m.name} ratifies", table[ratified_column(m.name)]) for m in scenario.members]
    entry_into_force = _dates("entry into force", table["entry_into_force"])
    milestones.append(entry_into_force)
    milestones += [_dates(f"{c.name} applies", table[applied_column(c.name)]) for c in scenario.candidates]
    milestones.append(_dates("first status granted", table["first_grant"]))
    candidates = tuple(
        CandidateOutcome(
            candidate=c.name,
            status=c.status.value,
            applied=Proportion.of(int(table[applied_column(c.name)].notna().sum()), n),
            granted=Proportion.of(int(table[granted_column(c.name)].notna().sum()), n),
            median_grant=_quantile_date(table[granted_column(c.name)], 0.5),
        )
        for c in scenario.candidates
    )
    counts = table["last_ratifier"].value_counts()
    last_ratifier = {str(member): Proportion.of(int(count), n) for member, count in counts.items()}
    return Summary(
        scenario=scenario.name,
        replications=n,
        seed=int(seeds[0]) if len(seeds) == 1 else None,
        horizon=scenario.horizon,
        milestones=tuple(milestones),
        entry_into_force=entry_into_force,
        candidates=candidates,
        any_grant=Proportion.of(int(table["first_grant"].notna().sum()), n),
        last_ratifier=last_ratifier,
    )


def _dates(name: str, column: pd.Series) -> MilestoneDates:
    return MilestoneDates(
        milestone=name,
        reached=Proportion.of(int(column.notna().sum()), len(column)),
        median=_quantile_date(column, 0.5),
        p05=_quantile_date(column, 0.05),
        p95=_quantile_date(column, 0.95),
    )


def _quantile_date(column: pd.Series, q: float) -> dt.date | None:
    reached = column.dropna()
    if reached.empty:
        return None
    days = reached.to_numpy(dtype="datetime64[D]").astype(np.int64)
    value = np.quantile(days, q, method="inverted_cdf")
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(value))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value

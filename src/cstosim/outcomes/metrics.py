"""Named outcome metrics, defined once for sweeps, precision mode and sensitivity analysis.

A metric is a name such as ``entry_into_force``; each has a value per replication (``metric_values``) and an
estimate over many replications with a 95% interval (``estimate``):

* proportions -- ``entry_into_force`` (in force by the horizon), ``any_grant`` (some status granted by the
  horizon), ``granted[CANDIDATE]``, ``ratified[MEMBER]``: the share of replications, with a Wilson interval;
* quantities -- ``years_to_entry_into_force``, ``years_to_first_grant``: years from the scenario's start, with
  replications that did not get there by the horizon counted as ``inf`` (later than any date in the run). The
  estimate is the median; its interval is distribution-free, between two order statistics chosen with the
  binomial distribution, so it holds whatever the shape of the distribution (and stays conservative for dates
  counted in whole days). A median beyond the horizon is ``inf``.

Estimates come from a table or from a ``Tally`` (streamed runs); both give the same figures.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cstosim.model.scenario import Scenario
from cstosim.outcomes.statistics import Proportion, median_ranks, quantile_rank, years
from cstosim.outcomes.table import granted_column, ratified_column
from cstosim.outcomes.tally import DayCounts, Tally

PROPORTION = "proportion"
QUANTITY = "quantity"

_SIMPLE = {
    "entry_into_force": (PROPORTION, "entry_into_force", "share in force by the horizon"),
    "any_grant": (PROPORTION, "first_grant", "share with a status granted by the horizon"),
    "years_to_entry_into_force": (QUANTITY, "entry_into_force", "median years from the start to entry into force"),
    "years_to_first_grant": (QUANTITY, "first_grant", "median years from the start to the first status granted"),
}
_NAMED = re.compile(r"(granted|ratified)\[(.+)\]")


@dataclass(frozen=True)
class Metric:
    """A parsed metric name: its kind, the table column it reads, and a label for people."""

    name: str
    kind: str
    column: str
    label: str


def metric_names(scenario: Scenario) -> list[str]:
    """Every metric name valid for ``scenario``."""
    return [
        *_SIMPLE,
        *(f"granted[{c.name}]" for c in scenario.candidates),
        *(f"ratified[{m.name}]" for m in scenario.members),
    ]


def parse_metric(scenario: Scenario | None, name: str) -> Metric:
    """The metric called ``name``; ``ValueError`` naming the valid ones if there is none.

    ``scenario`` may be ``None`` for the metrics that need no scenario facts (``entry_into_force``,
    ``any_grant`` and, given a table, the ``years_to_*`` ones need its start date: see ``metric_values``).
    """
    if name in _SIMPLE:
        kind, column, label = _SIMPLE[name]
        return Metric(name, kind, column, label)
    match = _NAMED.fullmatch(name)
    if match is not None and scenario is None:
        raise ValueError(f"metric {name!r} names a candidate or member: pass the scenario")
    if match is not None and scenario is not None:
        what, who = match.groups()
        if what == "granted" and who in {c.name for c in scenario.candidates}:
            return Metric(name, PROPORTION, granted_column(who), f"share where {who} is granted its status")
        if what == "ratified" and who in {m.name for m in scenario.members}:
            return Metric(name, PROPORTION, ratified_column(who), f"share where {who} ratified by the horizon")
    known = ", ".join(metric_names(scenario) if scenario is not None else _SIMPLE)
    raise ValueError(f"unknown metric {name!r} (known: {known})")


def metric_values(scenario: Scenario | None, table: pd.DataFrame, metric: str) -> pd.Series:
    """The metric's value in each replication: 1.0/0.0 for proportions, years (``inf``: not by the horizon).

    Years count from the scenario's start, so the ``years_to_*`` metrics need the scenario.
    """
    parsed = parse_metric(scenario, metric)
    column = table[parsed.column]
    if parsed.kind == PROPORTION:
        return column.notna().astype(float).rename(metric)
    if scenario is None:
        raise ValueError(f"metric {metric!r} counts years from the scenario's start: pass the scenario")
    days = (column - pd.Timestamp(scenario.start)).dt.days
    return years(days).fillna(math.inf).astype(float).rename(metric)


@dataclass(frozen=True)
class Estimate:
    """A metric over ``replications`` replications: point estimate and 95% interval."""

    metric: str
    kind: str
    replications: int
    estimate: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        """Half the interval's length (intervals need not be symmetric); ``inf`` if an end is unbounded."""
        return (self.high - self.low) / 2 if math.isfinite(self.high - self.low) else math.inf


def _median_estimate(metric: Metric, counts: DayCounts, n: int) -> Estimate:
    low_rank, high_rank = median_ranks(n)

    def at(rank: int) -> float:
        day = counts.order_statistic(rank)
        return math.inf if day is None else years(day)

    middle = quantile_rank(n, 0.5)
    return Estimate(metric.name, metric.kind, n, at(middle), at(low_rank), at(high_rank))


def estimate(scenario: Scenario, results: pd.DataFrame | Tally, metric: str) -> Estimate:
    """The metric's estimate and 95% interval, from a run table or a running tally."""
    parsed = parse_metric(scenario, metric)
    tally = results if isinstance(results, Tally) else Tally.of(scenario, results)
    n = tally.replications
    if n < 1:
        raise ValueError("no replications to estimate from")
    counts = tally.days[parsed.column]
    if parsed.kind == PROPORTION:
        share = Proportion.of(counts.reached, n)
        return Estimate(metric, parsed.kind, n, share.estimate, share.low, share.high)
    return _median_estimate(parsed, counts, n)


def estimate_values(values: np.ndarray, kind: str, metric: str = "") -> Estimate:
    """The same estimate from per-replication values (``metric_values``), e.g. one sweep point's rows."""
    n = len(values)
    if kind == PROPORTION:
        share = Proportion.of(int(np.sum(values)), n)
        return Estimate(metric, kind, n, share.estimate, share.low, share.high)
    ordered = np.sort(values)
    low_rank, high_rank = median_ranks(n)
    middle = quantile_rank(n, 0.5)
    return Estimate(
        metric, kind, n, float(ordered[middle - 1]), float(ordered[low_rank - 1]), float(ordered[high_rank - 1])
    )

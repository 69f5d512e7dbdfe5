"""Paired comparisons: a baseline and a what-if run on the same random numbers, compared replication by replication.

Replication ``i`` of two scenarios run with the same seed draws the same number wherever the two share a choice
(``cstosim.engine.random_numbers``), so their outcomes in replication ``i`` form a pair, and most of the noise of
one run is the noise of the other. A difference measured pair by pair keeps only what the change does; an
interval computed as if the runs were independent would carry both runs' noise. Both are computed here from the
same replications, so that a reader sees what the pairing buys (``PairedDifference.width_ratio``).

* A probability (an outcome that happens or not by the horizon): the difference is the mean over pairs of the
  what-if's 0/1 indicator minus the baseline's, ``(c - b) / n`` with ``b`` pairs where only the baseline has it
  and ``c`` where only the what-if has it. Its 95% interval is Agresti and Min's adjusted Wald interval for
  matched pairs (Statistics in Medicine 24, 2005: half a pair added to each cell, truncated to [-1, 1]), which
  keeps its coverage when few pairs differ; a plain paired-t interval has zero width whenever no pair differs,
  however few pairs were run. The independent-samples interval is Agresti and Caffo's (The American
  Statistician 54, 2000: one success and one failure added to each run), the same idea without the pairing.
* A date: over the pairs where both runs reached it (a conditional figure, labelled with that share), the mean
  of the per-pair differences in days with a paired-t interval; independently, Welch's interval for the
  difference of the two runs' means over the same replications. Whether the date is reached at all is the
  probability above.
* The unconditional view of a date: the day by which half of all replications have reached it (``inf``: fewer
  than half did by the horizon), in each run, and the difference of the two days (no interval).

``compare_tables`` turns two run tables of the same replications into one row per outcome.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cstosim.model.scenario import Scenario
from cstosim.outcomes.statistics import CONFIDENCE, median_of_all, normal_quantile
from cstosim.outcomes.table import granted_column

PROBABILITY = "probability"
DAYS = "days"
ALL_PAIRS = "all pairs"
BOTH_REACHED = "pairs where both reached it"

COLUMNS = [
    "outcome",
    "label",
    "unit",
    "condition",
    "pairs",
    "baseline",
    "what_if",
    "difference",
    "low",
    "high",
    "independent_low",
    "independent_high",
    "width_ratio",
]


@dataclass(frozen=True)
class PairedDifference:
    """What-if minus baseline over ``pairs`` pairs: the mean difference, its 95% paired interval, and the 95%
    interval the same values would give if the two runs had been independent (``nan``: too few pairs)."""

    estimate: float
    low: float
    high: float
    independent_low: float
    independent_high: float
    pairs: int

    @property
    def width_ratio(self) -> float:
        """The paired interval's width over the independent one's (below 1: the pairing narrows it); ``nan``
        when the independent interval has no width (nothing varies) or is missing."""
        independent = self.independent_high - self.independent_low
        if not independent > 0:
            return math.nan
        return (self.high - self.low) / independent


def _clip(value: float) -> float:
    return min(max(value, -1.0), 1.0)


def paired_proportions(baseline: np.ndarray, what_if: np.ndarray) -> PairedDifference:
    """The difference of two yes/no outcomes of paired replications (``bool`` arrays of the same length)."""
    before, after = _pairs(baseline, what_if, bool)
    n = len(before)
    if n == 0:
        return PairedDifference(math.nan, math.nan, math.nan, math.nan, math.nan, 0)
    only_before = int(np.sum(before & ~after))
    only_after = int(np.sum(after & ~before))
    z = normal_quantile(CONFIDENCE)
    # Agresti-Min: half a pair added to each of the four cells, so n + 2 pairs in all.
    centre = (only_after - only_before) / (n + 2)
    spread = math.sqrt(max(only_before + only_after + 1 - (only_after - only_before) ** 2 / (n + 2), 0.0)) / (n + 2)
    # Agresti-Caffo: one success and one failure added to each run.
    share_before = (int(before.sum()) + 1) / (n + 2)
    share_after = (int(after.sum()) + 1) / (n + 2)
    independent = math.sqrt((share_before * (1 - share_before) + share_after * (1 - share_after)) / (n + 2))
    return PairedDifference(
        (only_after - only_before) / n,
        _clip(centre - z * spread),
        _clip(centre + z * spread),
        _clip(share_after - share_before - z * independent),
        _clip(share_after - share_before + z * independent),
        n,
    )


def paired_means(baseline: np.ndarray, what_if: np.ndarray) -> PairedDifference:
    """The mean of ``what_if - baseline`` over paired values (e.g. days), paired-t and Welch 95% intervals."""
    before, after = _pairs(baseline, what_if, float)
    n = len(before)
    if n == 0:
        return PairedDifference(math.nan, math.nan, math.nan, math.nan, math.nan, 0)
    differences = after - before
    mean = float(differences.mean())
    if n == 1:
        return PairedDifference(mean, math.nan, math.nan, math.nan, math.nan, 1)
    from scipy.stats import t  # imported when first needed, as in outcomes.statistics

    paired = float(t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * float(differences.std(ddof=1)) / math.sqrt(n)
    variance_before, variance_after = float(before.var(ddof=1)) / n, float(after.var(ddof=1)) / n
    total = variance_before + variance_after
    if total > 0:  # Welch-Satterthwaite degrees of freedom
        freedom = total**2 / (variance_before**2 / (n - 1) + variance_after**2 / (n - 1))
        independent = float(t.ppf(0.5 + CONFIDENCE / 2, freedom)) * math.sqrt(total)
    else:
        independent = 0.0
    return PairedDifference(mean, mean - paired, mean + paired, mean - independent, mean + independent, n)


def _pairs(baseline: np.ndarray, what_if: np.ndarray, kind: type) -> tuple[np.ndarray, np.ndarray]:
    before: np.ndarray = np.asarray(baseline, dtype=kind)
    after: np.ndarray = np.asarray(what_if, dtype=kind)
    if before.shape != after.shape or before.ndim != 1:
        raise ValueError(f"paired values need two runs of the same length (got {before.shape} and {after.shape})")
    return before, after


# Two run tables ------------------------------------------------------------------------------------------------


def _days(table: pd.DataFrame, column: str, start: pd.Timestamp) -> np.ndarray:
    """Days from ``start`` to the milestone in each replication (``nan``: not reached by the horizon)."""
    return (table[column] - start).dt.days.to_numpy(dtype=float)


def _row(
    outcome: str, label: str, unit: str, condition: str, baseline: float, what_if: float, d: PairedDifference
) -> dict[str, Any]:
    return {
        "outcome": outcome,
        "label": label,
        "unit": unit,
        "condition": condition,
        "pairs": d.pairs,
        "baseline": baseline,
        "what_if": what_if,
        "difference": d.estimate,
        "low": d.low,
        "high": d.high,
        "independent_low": d.independent_low,
        "independent_high": d.independent_high,
        "width_ratio": d.width_ratio,
    }


_MILESTONES = {  # run-table column: (outcome name, what "reached" means, said of a pair)
    "entry_into_force": ("entry_into_force", "in force", "in force in both"),
    "first_grant": ("any_grant", "any status granted", "with a grant in both"),
}
_DATES = {"entry_into_force": "entry into force", "first_grant": "first grant"}


def compare_tables(
    baseline: Scenario, baseline_table: pd.DataFrame, what_if: Scenario, what_if_table: pd.DataFrame
) -> pd.DataFrame:
    """One row per outcome of ``what_if`` against ``baseline`` (``COLUMNS``), from their run tables, which must
    hold the same replications in the same order.

    Probabilities first (entry into force, any grant, each candidate both scenarios have, each member's chance of
    completing entry into force), then per milestone the mean date over the pairs where both reached it and the
    day by which half of all replications reached it. Dates are days from the baseline's start.
    """
    if not np.array_equal(baseline_table["replication"].to_numpy(), what_if_table["replication"].to_numpy()):
        raise ValueError("the baseline and the what-if must hold the same replications in the same order")
    n = len(baseline_table)
    rows: list[dict[str, Any]] = []

    def probability(outcome: str, label: str, before: np.ndarray, after: np.ndarray) -> None:
        difference = paired_proportions(before, after)
        rows.append(_row(outcome, label, PROBABILITY, ALL_PAIRS, before.mean(), after.mean(), difference))

    for column, (outcome, label, _) in _MILESTONES.items():
        probability(outcome, label, baseline_table[column].notna().to_numpy(), what_if_table[column].notna().to_numpy())
    shared_candidates = [c for c in baseline.candidates if c.name in {w.name for w in what_if.candidates}]
    for candidate in shared_candidates:
        column = granted_column(candidate.name)
        probability(
            f"granted[{candidate.name}]",
            f"{candidate.name} granted ({candidate.status})",
            baseline_table[column].notna().to_numpy(),
            what_if_table[column].notna().to_numpy(),
        )
    if baseline.instrument.requires_ratification and what_if.instrument.requires_ratification:
        shared_members = [m.name for m in baseline.members if m.name in {w.name for w in what_if.members}]
        for member in shared_members:
            probability(
                f"last_ratifier[{member}]",
                f"{member} last to ratify",
                (baseline_table["last_ratifier"] == member).to_numpy(dtype=bool, na_value=False),
                (what_if_table["last_ratifier"] == member).to_numpy(dtype=bool, na_value=False),
            )
    start = pd.Timestamp(baseline.start)
    for column, (_, _, pair_words) in _MILESTONES.items():
        before, after = _days(baseline_table, column, start), _days(what_if_table, column, start)
        both = ~np.isnan(before) & ~np.isnan(after)
        share = both.sum() / n if n else math.nan
        difference = paired_means(before[both], after[both])
        mean_before = float(before[both].mean()) if both.any() else math.nan
        mean_after = float(after[both].mean()) if both.any() else math.nan
        name = _DATES[column]
        rows.append(
            _row(
                f"{column}.date",
                f"{name}: mean date (pairs {pair_words}: {share:.1%})",
                DAYS,
                BOTH_REACHED,
                mean_before,
                mean_after,
                difference,
            )
        )
        half_before, half_after = median_of_all(before), median_of_all(after)
        shift = half_after - half_before if math.isfinite(half_before) and math.isfinite(half_after) else math.nan
        rows.append(
            _row(
                f"{column}.half_of_all",
                f"{name}: date 50% of all replications reach",
                DAYS,
                ALL_PAIRS,
                half_before,
                half_after,
                PairedDifference(shift, math.nan, math.nan, math.nan, math.nan, n),
            )
        )
    return pd.DataFrame.from_records(rows, columns=COLUMNS)

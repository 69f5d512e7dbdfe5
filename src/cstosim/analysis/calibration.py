"""The calibration view: where each recorded fact falls in the scenario's prior predictive distribution.

For a fact with a date ("Belarus ratified on ..."), its percentile among the simulated dates of that event
(mid-rank, so a date the scenario fixes sits at 50%, and replications where the event never happened count as
later than any date). For a session held on a date, and for the facts that only bound a date ("ratified by",
"had not ratified by", "no grant by"), the prior probability that the fact holds. A fact in the outer 5% tails
(percentile below 5% or above 95%, or prior probability below 5%) is flagged: the record contradicts the
assumptions behind it. Reads the prior predictive table (``run_prior_predictive``); never runs the engine.

The simulated dates shown beside each fact (median, 5% and 95%) are taken over the same distribution as the
percentile: every replication, those where the event did not happen by the horizon counted as later than any
date, so that a fact at the 50th percentile sits on the median. A quantile that falls among those replications
is "after the horizon".
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from cstosim.model.facts import FactEvent, Record
from cstosim.outcomes.statistics import Proportion, quantile_rank, quantile_supported

TAIL = 0.05


def calibration_table(record: Record, prior: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """One row per fact: ``fact``, ``measure`` (percentile or prior probability), ``value`` and its range
    (``low``, ``high``: for a percentile, the shares of replications before, and on or before, the date; for a
    probability, its 95% Wilson interval), the simulated ``median``, ``p05``, ``p95`` dates of the event over all
    replications (``None``: after the horizon, or too few replications for that quantile), the share that
    ``reached`` it, ``flagged`` and ``source``."""
    rows = []
    for index, fact in enumerate(record.facts):
        part = prior[prior["fact"] == index]
        n = len(part)
        days = part["first_day"].to_numpy(dtype=float)
        reached = np.floor(days[~np.isnan(days)])
        target = (fact.date - start).days
        if fact.happened and fact.exact and fact.event is not FactEvent.SESSION:
            below = int((reached < target).sum())
            equal = int((reached == target).sum())
            value = (below + 0.5 * equal) / n
            # The range of positions the recorded date occupies: P(before it) to P(on or before it).
            measure, low, high = "percentile", below / n, (below + equal) / n
            flagged = value < TAIL or value > 1 - TAIL
        else:
            holds = Proportion.of(int(part["holds"].sum()), n)
            measure, value, low, high = "prior probability", holds.estimate, holds.low, holds.high
            flagged = value < TAIL
        rows.append(
            {
                "fact": fact.describe(),
                "measure": measure,
                "value": value,
                "low": low,
                "high": high,
                "median": _date(start, reached, n, 0.5),
                "p05": _date(start, reached, n, 0.05),
                "p95": _date(start, reached, n, 0.95),
                "reached": len(reached) / n,
                "flagged": flagged,
                "source": fact.source,
            }
        )
    return pd.DataFrame.from_records(rows)


def _date(start: dt.date, days: np.ndarray, n: int, q: float) -> dt.date | None:
    """The ``q``-quantile of the event's date over all ``n`` replications, ``days`` being those where it happened
    (the others later than any date): ``None`` if it falls among the others, or ``n`` cannot support it."""
    rank = quantile_rank(n, q)
    if not quantile_supported(n, q) or rank > len(days):
        return None
    return start + dt.timedelta(days=int(np.partition(days, rank - 1)[rank - 1]))


def format_calibration(table: pd.DataFrame, scenario: str, replications: int, seed: int) -> str:
    """The calibration table as plain text, flagged facts marked with ``<<``."""
    width = max(len(text) for text in table["fact"]) + 2
    lines = [
        f"Where the record falls in {scenario}'s prior predictive distribution ({replications:,} replications, "
        f"seed {seed})",
        f"Flagged (<<): percentile below {TAIL:.0%} or above {1 - TAIL:.0%}, or prior probability below {TAIL:.0%}",
        "",
        "Simulated dates: over all replications, as the percentile; where the event did not happen by the horizon,",
        "it counts as later than any date ('after the horizon').",
        "",
        f"  {'Fact':<{width}}{'measure':<19}{'value':>7}   simulated date of the event: median (5% to 95%)",
    ]

    def date(value: dt.date | None, q: float) -> str:
        if value is not None:
            return str(value)
        return "after the horizon" if quantile_supported(replications, q) else "-"

    for row in table.to_dict("records"):
        median, p05, p95 = (date(row[key], q) for key, q in (("median", 0.5), ("p05", 0.05), ("p95", 0.95)))
        flag = "  <<" if row["flagged"] else ""
        fact, measure, value = row["fact"], row["measure"], row["value"]
        lines.append(f"  {fact:<{width}}{measure:<19}{value:>7.1%}   {median} ({p05} to {p95}){flag}")
    flagged = int(table["flagged"].sum())
    lines += ["", f"{flagged} of {len(table)} facts flagged."]
    return "\n".join(lines)


def calibration_plot(table: pd.DataFrame, scenario: str, replications: int) -> Figure:
    """Each fact's percentile or prior probability, with its interval, in two panels: the percentiles of dated
    facts, flagged in both 5% tails, and the prior probabilities of the others, flagged in the lowest 5% only
    (a fact the scenario finds very likely is no surprise). Each panel shades only its own flagged region."""
    percentiles = table[table["measure"] == "percentile"]
    probabilities = table[table["measure"] == "prior probability"]
    both = ((percentiles, "percentile"), (probabilities, "probability"))
    panels = [(part, measure) for part, measure in both if len(part)]
    heights = [0.5 + 0.32 * len(part) for part, _ in panels]
    figure = Figure(figsize=(10.0, 1.9 + sum(heights)), dpi=110, layout="constrained")
    axes_list = figure.subplots(len(panels), 1, height_ratios=heights, squeeze=False)[:, 0]
    for axes, (part, measure) in zip(axes_list, panels, strict=True):
        _calibration_panel(axes, part, measure)
    figure.suptitle(
        f"Which facts does the scenario find surprising?\n{scenario}: prior predictive, {replications:,} replications",
        fontsize=11,
    )
    return figure


def _calibration_panel(axes: Axes, part: pd.DataFrame, measure: str) -> None:
    positions = np.arange(len(part))[::-1]
    values = part["value"].to_numpy(dtype=float)
    flagged_label = f"flagged (outer {TAIL:.0%})" if measure == "percentile" else f"flagged (below {TAIL:.0%})"
    axes.axvspan(0, TAIL, color="#c1121f", alpha=0.15, linewidth=0, label=flagged_label)
    if measure == "percentile":  # a date far later than the scenario expects is as surprising as one far earlier
        axes.axvspan(1 - TAIL, 1, color="#c1121f", alpha=0.15, linewidth=0)
        axes.plot(values, positions, "o", color="#2a6f97", label="percentile of the recorded date")
        axes.set_title("Dated facts: where the recorded date falls among the simulated dates", fontsize=9, loc="left")
    else:
        errors = np.vstack([values - part["low"].to_numpy(dtype=float), part["high"].to_numpy(dtype=float) - values])
        axes.errorbar(
            values,
            positions,
            xerr=np.clip(errors, 0, None),
            fmt="s",
            color="#e07a1f",
            capsize=3,
            label="prior probability of the fact (95% interval)",
        )
        axes.set_title("Other facts: how likely the scenario made them", fontsize=9, loc="left")
    labels = [f"{'[!] ' if flagged else ''}{fact}" for fact, flagged in zip(part["fact"], part["flagged"], strict=True)]
    axes.set_yticks(positions, labels, fontsize=8)
    axes.set_ylim(-0.6, len(part) - 0.4)
    axes.set_xlim(-0.015, 1.015)  # a fact at 0% or 100% shows whole
    axes.xaxis.set_major_formatter(PercentFormatter(1.0))
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="lower right", fontsize=7, framealpha=0.9)

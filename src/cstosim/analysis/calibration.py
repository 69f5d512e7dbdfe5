"""The calibration view: where each recorded fact falls in the scenario's prior predictive distribution.

For a fact with a date ("Belarus ratified on ..."), its percentile among the simulated dates of that event
(mid-rank, so a date the scenario fixes sits at 50%, and replications where the event never happened count as
later than any date). For a session held on a date, and for the facts that only bound a date ("ratified by",
"had not ratified by", "no grant by"), the prior probability that the fact holds. A fact in the outer 5% tails
(percentile below 5% or above 95%, or prior probability below 5%) is flagged: the record contradicts the
assumptions behind it. Reads the prior predictive table (``run_prior_predictive``); never runs the engine.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from cstosim.model.facts import FactEvent, Record
from cstosim.outcomes.statistics import Proportion, quantile

TAIL = 0.05


def calibration_table(record: Record, prior: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """One row per fact: ``fact``, ``measure`` (percentile or prior probability), ``value`` and its range
    (``low``, ``high``: for a percentile, the shares of replications before, and on or before, the date; for a
    probability, its 95% Wilson interval), the simulated ``median``, ``p05``, ``p95`` dates of the event, the
    share that ``reached`` it, ``flagged`` and ``source``."""
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
                "median": _date(start, reached, 0.5),
                "p05": _date(start, reached, 0.05),
                "p95": _date(start, reached, 0.95),
                "reached": len(reached) / n,
                "flagged": flagged,
                "source": fact.source,
            }
        )
    return pd.DataFrame.from_records(rows)


def _date(start: dt.date, days: np.ndarray, q: float) -> dt.date | None:
    day = quantile(days, q)
    return None if day is None else start + dt.timedelta(days=int(day))


def format_calibration(table: pd.DataFrame, scenario: str, replications: int, seed: int) -> str:
    """The calibration table as plain text, flagged facts marked with ``<<``."""
    width = max(len(text) for text in table["fact"]) + 2
    lines = [
        f"Where the record falls in {scenario}'s prior predictive distribution ({replications:,} replications, "
        f"seed {seed})",
        f"Flagged (<<): percentile below {TAIL:.0%} or above {1 - TAIL:.0%}, or prior probability below {TAIL:.0%}",
        "",
        f"  {'Fact':<{width}}{'measure':<19}{'value':>7}   simulated date of the event: median (5%-95%)",
    ]
    for row in table.itertuples():
        dates = f"{row.median!s} ({row.p05!s} to {row.p95!s})" if row.median is not None else "never by the horizon"
        flag = "  <<" if row.flagged else ""
        lines.append(f"  {row.fact:<{width}}{row.measure:<19}{row.value:>7.1%}   {dates}{flag}")
    flagged = int(table["flagged"].sum())
    lines += ["", f"{flagged} of {len(table)} facts flagged."]
    return "\n".join(lines)


def calibration_plot(table: pd.DataFrame, scenario: str, replications: int) -> Figure:
    """Each fact's percentile or prior probability on one axis, with its interval and the 5% tails shaded."""
    height = 1.6 + 0.32 * len(table)
    figure = Figure(figsize=(10.0, height), dpi=110, layout="constrained")
    axes = figure.add_subplot()
    positions = np.arange(len(table))[::-1]
    axes.axvspan(0, TAIL, color="#c1121f", alpha=0.15, linewidth=0, label=f"lowest {TAIL:.0%}: flagged")
    axes.axvspan(
        1 - TAIL, 1, color="#c1121f", alpha=0.07, linewidth=0, label=f"highest {TAIL:.0%}: flagged for percentiles"
    )
    for measure, marker, colour, label in (
        ("percentile", "o", "#2a6f97", "percentile of the recorded date"),
        ("prior probability", "s", "#e07a1f", "prior probability of the fact (95% interval)"),
    ):
        mask = (table["measure"] == measure).to_numpy()
        if not mask.any():
            continue
        values = table["value"].to_numpy()[mask]
        if measure == "percentile":
            axes.plot(values, positions[mask], marker, color=colour, label=label)
            continue
        errors = np.vstack([values - table["low"].to_numpy()[mask], table["high"].to_numpy()[mask] - values])
        axes.errorbar(
            values, positions[mask], xerr=np.clip(errors, 0, None), fmt=marker, color=colour, capsize=3, label=label
        )
    labels = [
        f"{'[!] ' if flagged else ''}{fact}" for fact, flagged in zip(table["fact"], table["flagged"], strict=True)
    ]
    axes.set_yticks(positions, labels, fontsize=8)
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set_xlabel("percentile of the recorded date, or prior probability of the fact")
    axes.grid(axis="x", alpha=0.3)
    figure.legend(loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    figure.suptitle("Which facts does the scenario find surprising?", fontsize=12)
    axes.set_title(f"{scenario}: prior predictive, {replications:,} replications", fontsize=8, color="#555555")
    return figure

"""Runs side by side (scenarios, organizations), for notebooks: how often and how fast each reaches a milestone.

Runs are replication tables keyed by a label, each summarised on its own: nothing here pairs replications, so
it suits runs that share no random numbers (another organization's process). For a what-if against its
baseline on the same random numbers, with paired differences, see ``cstosim.compare``.

Calendars differ between scenarios (the SCO-like process starts in 2004, the CSTO's in 2018), so the table
counts time in years from each replication's adoption of the instrument: "how long does this process take", not
"in which year".
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from cstosim.outcomes.statistics import median_of_all, quantile, years

MILESTONES = {
    "entry_into_force": "entry into force",
    "first_grant": "first status granted",
}
_QUESTIONS = {
    "entry_into_force": "How soon does the instrument enter into force?",
    "first_grant": "How soon is a first status granted?",
}


def years_after_adoption(table: pd.DataFrame, milestone: str) -> pd.Series:
    """Years from adoption to ``milestone`` (a date column of the run table), NaN where it was not reached."""
    if milestone not in table:
        raise KeyError(f"{milestone!r} is not a column of the run table (columns: {', '.join(table.columns)})")
    return years((table[milestone] - table["adoption"]).dt.days)


def side_by_side(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per run: how often and how fast each milestone is reached, in years after adoption.

    The median and 90th percentile are over the replications that reached the milestone (a run where few do
    can show an early median); the years by which half of all replications reached it count the others as
    later than any date (``inf``: fewer than half did by the horizon).
    """
    rows = []
    for label, table in tables.items():
        row: dict[str, object] = {"run": label, "replications": len(table)}
        for milestone, name in MILESTONES.items():
            after = years_after_adoption(table, milestone).to_numpy()
            reached = after[~np.isnan(after)]
            row[f"{name}: share by the horizon"] = len(reached) / len(table) if len(table) else np.nan
            row[f"{name}: median years, over those reaching it"] = _or_nan(quantile(reached, 0.5))
            row[f"{name}: 90th percentile years, over those reaching it"] = _or_nan(quantile(reached, 0.9))
            row[f"{name}: years by which half of all reached it"] = median_of_all(after)
        rows.append(row)
    return pd.DataFrame(rows).set_index("run")


def _or_nan(value: float | None) -> float:
    return np.nan if value is None else value


def plot_side_by_side(tables: Mapping[str, pd.DataFrame], milestone: str = "entry_into_force") -> Figure:
    """Cumulative share of replications that reached ``milestone``, by years after adoption, one line per run.

    Each line ends with the last replication that reached the milestone; scenarios with different horizons
    (the share is "by the horizon") are comparable over the years both cover.
    """
    name = MILESTONES.get(milestone, milestone)
    figure = Figure(figsize=(9, 5), dpi=110, layout="constrained")
    axes = figure.add_subplot()
    curves = []
    for label, table in tables.items():
        years = np.sort(years_after_adoption(table, milestone).dropna().to_numpy())
        if len(table):
            curves.append((label, years, np.arange(1, len(years) + 1) / len(table)))
    longest = max([1.0] + [float(years[-1]) for _, years, _ in curves if len(years)])
    for label, years, shares in curves:
        final = float(shares[-1]) if len(shares) else 0.0
        (line,) = axes.step(
            np.concatenate([[0.0], years]),
            np.concatenate([[0.0], shares]),
            where="post",
            linewidth=2,
            label=f"{label} ({final:.0%} by the horizon)",
        )
        # After its last event a curve stays flat (dotted: nothing more happened in that run).
        last = float(years[-1]) if len(years) else 0.0
        axes.plot([last, longest * 1.03], [final, final], color=line.get_color(), linestyle=":", linewidth=1.5)
    axes.set_xlim(-0.02 * longest, longest * 1.03)
    axes.set_ylim(0, 1.02)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set_xlabel("years after the adoption of the instrument")
    axes.set_ylabel(f"share of replications with {name}")
    axes.grid(color="#dddddd", linewidth=0.6)
    axes.legend(loc="lower right", fontsize=9)
    figure.suptitle(f"{_QUESTIONS.get(milestone, f'How soon is {name} reached?')} Runs side by side", fontsize=12)
    counts = {len(table) for table in tables.values()}
    if len(counts) == 1:
        runs = f"{counts.pop():,} replications per run"
    else:
        runs = "replications: " + ", ".join(f"{label} {len(table):,}" for label, table in tables.items())
    axes.set_title(
        f"{runs}; the share is of all replications, reached by each scenario's horizon", fontsize=8, color="#555555"
    )
    return figure

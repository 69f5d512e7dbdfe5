"""Baseline and what-if on common random numbers: outcome shares, paired differences and their figures.

Both scenarios run with the same seed, so replication ``i`` of each draws the numbers of ``(seed, i)``; the
engine keys each random number by what it decides, so a choice the change leaves alone sees the same number in
both. The difference between the two runs is then measured replication by replication (paired), which removes
most of the noise a comparison of two independent runs would have: a difference in grant probability is the
mean of the per-replication differences (each -1, 0 or 1), with the 95% interval for matched pairs that
``cstosim compare`` gives (``cstosim.outcomes.paired``: Agresti-Min); a shift of the entry-into-force date is
measured in days over the replications in force in both runs (a paired-t interval).

Everything here is pure (tables in, numbers and matplotlib figures out): the page shows it, the tests check it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from cstosim.explore import library
from cstosim.explore.library import Scenario

CONFIDENCE = 0.95
BASELINE_COLOR = "#2a6f97"
WHAT_IF_COLOR = "#e07a1f"
_GREY = "#555555"
# Sizes chosen so that a figure shrunk to a phone's width (about 380 px) keeps its text legible.
FIGURE_SIZE = (6.0, 4.2)
DPI = 130
_TEXT = 13

Progress = Callable[[float, str], None]


Difference = library.PairedDifference  # the one paired statistic of the library (``cstosim compare`` uses it)


@dataclass(frozen=True)
class OutcomeChange:
    """A yes/no outcome (in force, a status granted) in both runs, and how it changed replication by replication."""

    outcome: str
    baseline: Any  # a Proportion: share with its 95% Wilson interval
    what_if: Any
    difference: Difference  # in probability, what-if minus baseline (Agresti-Min interval for matched pairs)
    gained: int  # replications where only the what-if has it
    lost: int  # replications where only the baseline has it


@dataclass(frozen=True)
class DateShift:
    """How the entry-into-force date moved, over the replications in force in both runs."""

    both: int
    only_baseline: int
    only_what_if: int
    days: Difference  # mean shift in days (what-if minus baseline)
    median_days: float
    shifts: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class Comparison:
    """The baseline and the what-if run on the same seed, and what changed between them."""

    scenario: str
    seed: int
    replications: int
    changes: dict[str, Any]
    baseline: pd.DataFrame = field(repr=False)
    what_if: pd.DataFrame = field(repr=False)
    outcomes: tuple[OutcomeChange, ...]
    entry_into_force: DateShift

    @property
    def unchanged(self) -> bool:
        return not self.changes


def _reached(table: pd.DataFrame, column: str) -> np.ndarray:
    return table[column].notna().to_numpy()


def outcome_change(outcome: str, baseline: np.ndarray, what_if: np.ndarray) -> OutcomeChange:
    """Compare a yes/no outcome of paired replications."""
    n = len(baseline)
    return OutcomeChange(
        outcome,
        library.proportion(int(baseline.sum()), n),
        library.proportion(int(what_if.sum()), n),
        library.paired_proportions(baseline, what_if),
        int((what_if & ~baseline).sum()),
        int((baseline & ~what_if).sum()),
    )


def compare_tables(
    scenario: Scenario, baseline: pd.DataFrame, what_if: pd.DataFrame, seed: int, changes: dict[str, Any]
) -> Comparison:
    """Compare two run tables of the same replications (rows paired by ``replication``)."""
    if not baseline["replication"].equals(what_if["replication"]):
        raise ValueError("the baseline and the what-if must hold the same replications in the same order")
    outcomes = [
        outcome_change(
            "in force by the horizon", _reached(baseline, "entry_into_force"), _reached(what_if, "entry_into_force")
        ),
        outcome_change("any status granted", _reached(baseline, "first_grant"), _reached(what_if, "first_grant")),
    ]
    for candidate in scenario.candidates:
        column = library.granted_column(candidate.name)
        outcomes.append(
            outcome_change(f"{candidate.name} granted", _reached(baseline, column), _reached(what_if, column))
        )
    before, after = baseline["entry_into_force"], what_if["entry_into_force"]
    both = (before.notna() & after.notna()).to_numpy()
    shifts = (after[both] - before[both]).dt.days.to_numpy(dtype=float)
    shift = DateShift(
        int(both.sum()),
        int((before.notna() & after.isna()).sum()),
        int((before.isna() & after.notna()).sum()),
        library.paired_means(np.zeros_like(shifts), shifts),
        float(np.median(shifts)) if len(shifts) else math.nan,
        shifts,
    )
    return Comparison(scenario.name, seed, len(baseline), dict(changes), baseline, what_if, tuple(outcomes), shift)


def run_comparison(
    baseline: Scenario,
    what_if: Scenario,
    replications: int,
    seed: int,
    changes: dict[str, Any],
    progress: Progress | None = None,
) -> Comparison:
    """Run both scenarios on ``seed`` (common random numbers) and compare them; ``progress(share, what)``."""
    report = progress or (lambda share, what: None)
    report(0.0, f"Simulating the baseline: {replications:,} replications")
    before = library.simulate(baseline, replications, seed)
    if what_if is baseline:  # nothing changed: the same seed gives the same table
        after = before
    else:
        report(0.4, f"Simulating the what-if: {replications:,} replications")
        after = library.simulate(what_if, replications, seed)
    report(0.8, "Comparing replication by replication")
    return compare_tables(baseline, before, after, seed, changes)


# Text ----------------------------------------------------------------------------------------------------------


def percent(value: float) -> str:
    return f"{value:.1%}"


def points(difference: Difference) -> str:
    """A difference of probabilities in percentage points, with its interval."""
    if math.isnan(difference.low):
        return f"{difference.estimate * 100:+.1f} pp"
    return f"{difference.estimate * 100:+.1f} pp ({difference.low * 100:+.1f} to {difference.high * 100:+.1f})"


def summary_rows(comparison: Comparison) -> list[tuple[str, str, str, str]]:
    """Outcome, baseline share, what-if share, paired difference: one row per outcome, as text."""
    rows = [
        (row.outcome, percent(row.baseline.estimate), percent(row.what_if.estimate), points(row.difference))
        for row in comparison.outcomes
    ]
    shift = comparison.entry_into_force
    if shift.both:
        days = shift.days
        interval = "" if math.isnan(days.low) else f" ({days.low:+,.0f} to {days.high:+,.0f})"
        rows.append(
            (
                "entry into force date",
                f"{shift.both:,} in force in both",
                f"median shift {shift.median_days:+,.0f} days",
                f"{days.estimate:+,.0f} days{interval}",
            )
        )
    return rows


def headline(comparison: Comparison) -> str:
    """One sentence on the run."""
    n, seed = comparison.replications, comparison.seed
    if comparison.unchanged:
        return f"{n:,} replications, seed {seed}. No control changed: the what-if is the baseline."
    changed = sum(row.gained + row.lost for row in comparison.outcomes[1:2])
    return (
        f"{n:,} replications of each, seed {seed}, on common random numbers: "
        f"{len(comparison.changes)} change(s); whether any status is granted changed in {changed:,} replications."
    )


# Figures -------------------------------------------------------------------------------------------------------


def _figure(title: str, subtitle: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    figure.suptitle(title, fontsize=_TEXT + 2, weight="bold")
    axes.set_title(subtitle, fontsize=_TEXT - 1, color=_GREY)
    axes.tick_params(labelsize=_TEXT)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def _wrap(label: str, width: int = 20) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def entry_into_force_figure(comparison: Comparison) -> Figure:
    """Share of replications in force by each date: baseline and what-if on one date axis."""
    figure, axes = _figure("When in force?", f"share in force by each date ({comparison.replications:,} replications)")
    n = comparison.replications
    curves = [
        ("baseline", comparison.baseline, BASELINE_COLOR, "-"),
        ("what-if", comparison.what_if, WHAT_IF_COLOR, "--"),
    ]
    dates = pd.concat([table["entry_into_force"].dropna() for _, table, _, _ in curves])
    if dates.empty:
        axes.text(0.5, 0.5, "never in force by the horizon", ha="center", fontsize=_TEXT, transform=axes.transAxes)
        axes.set_axis_off()
        return figure
    start, end = dates.min() - pd.Timedelta(days=60), dates.max() + pd.Timedelta(days=60)
    for label, table, color, style in curves:
        values = np.sort(table["entry_into_force"].dropna().to_numpy())
        shares = np.arange(1, len(values) + 1) / n
        final = shares[-1] if len(shares) else 0.0
        x = mdates.date2num([start, *pd.to_datetime(values), end])
        axes.step(
            x,
            [0.0, *shares, final],
            where="post",
            color=color,
            linestyle=style,
            linewidth=2.5,
            label=f"{label}: {final:.0%}",
        )
    axes.set_ylim(0, 1.02)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.grid(color="#dddddd", linewidth=0.6)
    axes.legend(loc="lower right", fontsize=_TEXT - 1, title="in force by the horizon", title_fontsize=_TEXT - 2)
    return figure


def grants_figure(comparison: Comparison) -> Figure:
    """Chance of each status (and of any) by the horizon, baseline beside what-if, with 95% intervals."""
    rows = comparison.outcomes[1:]
    figure, axes = _figure("Who is granted a status?", "chance by the horizon, with 95% intervals")
    figure.set_figheight(max(FIGURE_SIZE[1], 1.6 + 0.75 * len(rows)))
    positions = np.arange(len(rows))
    for offset, label, color, pick in (
        (-0.2, "baseline", BASELINE_COLOR, lambda r: r.baseline),
        (0.2, "what-if", WHAT_IF_COLOR, lambda r: r.what_if),
    ):
        shares = np.array([pick(r).estimate for r in rows])
        lows = shares - np.array([pick(r).low for r in rows])
        highs = np.array([pick(r).high for r in rows]) - shares
        axes.barh(
            positions + offset,
            shares,
            height=0.38,
            color=color,
            label=label,
            xerr=[lows, highs],
            error_kw={"ecolor": "#333333", "capsize": 3},
        )
        for y, share, high in zip(positions + offset, shares, highs, strict=True):
            axes.text(min(share + high + 0.02, 0.9), y, f"{share:.0%}", va="center", fontsize=_TEXT - 1)
    axes.set_yticks(positions, [_wrap(r.outcome.removesuffix(" granted")) for r in rows], fontsize=_TEXT - 1)
    axes.invert_yaxis()
    axes.set_xlim(0, 1.0)
    axes.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.legend(loc="lower right", fontsize=_TEXT - 1)
    return figure


def differences_figure(comparison: Comparison) -> Figure:
    """Each outcome's paired difference (what-if minus baseline) in percentage points, with its 95% interval."""
    rows = comparison.outcomes
    figure, axes = _figure("What the change does", "paired difference per replication, 95% interval")
    figure.set_figheight(max(FIGURE_SIZE[1], 1.6 + 0.6 * len(rows)))
    positions = np.arange(len(rows))
    means = np.array([r.difference.estimate for r in rows]) * 100
    lows = np.nan_to_num(means - np.array([r.difference.low for r in rows]) * 100)
    highs = np.nan_to_num(np.array([r.difference.high for r in rows]) * 100 - means)
    colors = [WHAT_IF_COLOR if abs(m) > 0 else "#999999" for m in means]
    axes.axvline(0, color="#333333", linewidth=1)
    axes.errorbar(means, positions, xerr=[lows, highs], fmt="none", ecolor="#333333", capsize=4, linewidth=1.5)
    axes.scatter(means, positions, color=colors, s=70, zorder=3)
    reach = max(5.0, float(np.max(np.abs(np.concatenate([means - lows, means + highs])))) * 1.15)
    axes.set_xlim(-reach, reach)
    axes.set_yticks(positions, [_wrap(r.outcome) for r in rows], fontsize=_TEXT - 1)
    axes.invert_yaxis()
    axes.set_xlabel("what-if minus baseline, percentage points", fontsize=_TEXT)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    return figure


def shift_figure(comparison: Comparison) -> Figure:
    """How many days earlier or later the what-if enters into force, replication by replication."""
    shift = comparison.entry_into_force
    figure, axes = _figure(
        "Entry into force: how much sooner?",
        f"per replication in force in both ({shift.both:,} of {comparison.replications:,})",
    )
    if not shift.both:
        axes.text(
            0.5, 0.5, "no replication in force in both runs", ha="center", fontsize=_TEXT, transform=axes.transAxes
        )
        axes.set_axis_off()
        return figure
    shifts = shift.shifts
    if np.all(shifts == 0):
        axes.text(0.5, 0.5, "the same date in every replication", ha="center", fontsize=_TEXT, transform=axes.transAxes)
        axes.set_axis_off()
        return figure
    low, high = float(shifts.min()), float(shifts.max())
    bins = np.linspace(low, high, 31).tolist() if high > low else [low - 0.5, low + 0.5]
    axes.hist(shifts, bins=bins, weights=np.full(len(shifts), 1 / len(shifts)), color=WHAT_IF_COLOR, alpha=0.85)
    axes.axvline(0, color="#333333", linewidth=1)
    axes.axvline(
        shift.median_days,
        color=BASELINE_COLOR,
        linewidth=2,
        linestyle="--",
        label=f"median {shift.median_days:+,.0f} days",
    )
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.set_xlabel("days (negative: the what-if is in force sooner)", fontsize=_TEXT)
    axes.set_ylabel("share of replications", fontsize=_TEXT)
    axes.legend(fontsize=_TEXT - 1)
    return figure


def figures(comparison: Comparison) -> dict[str, Figure]:
    """Every figure of a comparison, by a short name."""
    return {
        "entry_into_force": entry_into_force_figure(comparison),
        "grants": grants_figure(comparison),
        "differences": differences_figure(comparison),
        "shift": shift_figure(comparison),
    }

"""Plots of a replication table, for people: dates on date axes, shares in percent, every axis labelled.

Each function returns a ``matplotlib.figure.Figure`` (shown inline by notebooks); ``save_plots`` writes them
all as PNG. Figures are built without pyplot, so nothing here depends on a display or a global state.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from cstosim.analysis.summary import Summary
from cstosim.experiments.files import atomic_path
from cstosim.outcomes.statistics import Proportion, quantile_rank, years
from cstosim.outcomes.tally import WAIT, Tally

_BLUE = "#2a6f97"
_ORANGE = "#e07a1f"
_GREY = "#8d99ae"


def _figure(width: float = 9.0, height: float = 5.0) -> Figure:
    figure = Figure(figsize=(width, height), dpi=110, layout="constrained")
    return figure


def _titles(figure: Figure, axes: Axes, title: str, summary: Summary) -> None:
    """The question the plot answers, and under it the run it comes from."""
    seed = f", seed {summary.seed}" if summary.seed is not None else ""
    figure.suptitle(title, fontsize=12)
    axes.set_title(
        f"{summary.scenario}: {summary.replications:,} replications{seed}; horizon {summary.horizon}",
        fontsize=8,
        color="#555555",
    )


def _label_bars(axes: Axes, positions: range, highs: np.ndarray, shares: np.ndarray) -> None:
    """Write each share just right of its interval's upper end, clear of the error bar."""
    for position, high, share in zip(positions, highs, shares, strict=True):
        axes.text(high + 0.01, position, f"{share:.1%}", va="center", fontsize=9)


def entry_into_force(results: pd.DataFrame | Tally, summary: Summary) -> Figure:
    """Histogram of the entry-into-force date, with the cumulative share on a second axis."""
    figure = _figure()
    axes = figure.add_subplot()
    dates, counts = _date_counts(results, "entry_into_force")
    n = summary.replications
    title = "When does the instrument enter into force?"
    if not len(dates):
        axes.text(
            0.5, 0.5, "No replication reached entry into force by the horizon", ha="center", transform=axes.transAxes
        )
        axes.set_axis_off()
    else:
        values = np.asarray(mdates.date2num(dates.astype("datetime64[s]").astype(object)))
        bins = _month_bins(values)
        weights = counts / n
        axes.hist(values, bins=bins.tolist(), weights=weights, color=_BLUE, alpha=0.85, label="share per month")
        axes.set_ylabel("share of replications per month")
        axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        cumulative = axes.twinx()
        shares = np.cumsum(counts) / n
        one_date = len(values) == 1  # e.g. a recorded date, or no ratification: show a year either side
        start, end = (values[0] - 366, values[0] + 366) if one_date else (bins[0], bins[-1])
        cumulative.step(  # from 0 before the first date to the final share after the last, so one date still shows
            [start, *values, end],
            [0.0, *shares, shares[-1]],
            where="post",
            color=_ORANGE,
            linewidth=2,
            label="in force by this date (cumulative)",
        )
        cumulative.set_ylim(0, 1.02)
        if one_date:
            axes.set_xlim(start, end)
        cumulative.set_ylabel("share in force by this date", color=_ORANGE)
        cumulative.yaxis.set_major_formatter(PercentFormatter(1.0))
        eif = summary.entry_into_force
        if eif.median is not None:
            median = mdates.date2num(eif.median)
            axes.axvline(median, color="black", linestyle="--", linewidth=1)
            low, high = axes.get_xlim()
            on_the_left = median > (low + high) / 2  # keep the label inside the axes
            axes.annotate(
                f"median of the replications in force: {eif.median:%d %b %Y}",
                (median, 0.97),
                xycoords=("data", "axes fraction"),
                xytext=(-4 if on_the_left else 4, 0),
                textcoords="offset points",
                ha="right" if on_the_left else "left",
                va="top",
                fontsize=9,
            )
        _date_axis(axes)
        axes.set_xlabel("date of entry into force")
        handles = axes.get_legend_handles_labels()[0] + cumulative.get_legend_handles_labels()[0]
        axes.legend(handles=handles, loc="center right", fontsize=9)
        title += f"  (in force by the horizon in {eif.reached.estimate:.0%} of replications)"
    _titles(figure, axes, title, summary)
    return figure


def first_grant(results: pd.DataFrame | Tally, summary: Summary) -> Figure:
    """Years from entry into force to the first status granted, with the share that never saw one."""
    figure = _figure()
    axes = figure.add_subplot()
    days, counts = _wait_counts(results)
    waits = years(days)
    n = summary.replications
    none_share = 1 - counts.sum() / n
    if len(waits) == 0:
        axes.text(
            0.5, 0.5, "No status was granted by the horizon in any replication", ha="center", transform=axes.transAxes
        )
        axes.set_axis_off()
    else:
        bins = np.arange(0, np.ceil(waits.max() * 2) / 2 + 0.5, 0.5)
        axes.hist(waits, bins=bins.tolist(), weights=counts / n, color=_BLUE, alpha=0.85)
        axes.set_xlabel("years from entry into force to the first status granted")
        axes.set_ylabel("share of replications per half-year")
        axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        cumulative = np.cumsum(counts)
        median = float(waits[np.searchsorted(cumulative, quantile_rank(int(cumulative[-1]), 0.5))])
        axes.axvline(median, color="black", linestyle="--", linewidth=1)
        axes.annotate(
            f"median {median:.1f} years",
            (median, 0.97),
            xycoords=("data", "axes fraction"),
            xytext=(4, 0),
            textcoords="offset points",
            va="top",
            fontsize=9,
        )
    _titles(
        figure,
        axes,
        f"How long until the first partner or observer status?  (none by the horizon: {none_share:.0%})",
        summary,
    )
    return figure


def last_ratifier(summary: Summary) -> Figure:
    """How often each member state's notification was the one that completed entry into force."""
    figure = _figure(8, 4.5)
    axes = figure.add_subplot()
    items = sorted(summary.last_ratifier.items(), key=lambda item: item[1].estimate)
    not_in_force = summary.replications - summary.entry_into_force.reached.successes
    if items and not_in_force:
        items.insert(0, ("(not in force by the horizon)", Proportion.of(not_in_force, summary.replications)))
    if not items:
        never = summary.entry_into_force.reached.successes == 0
        message = "Entry into force was never reached" if never else "In force without ratification: no last ratifier"
        axes.text(0.5, 0.5, message, ha="center", transform=axes.transAxes)
        axes.set_axis_off()
    else:
        names = [name for name, _ in items]
        shares = np.array([p.estimate for _, p in items])
        errors = np.array([[p.estimate - p.low for _, p in items], [p.high - p.estimate for _, p in items]])
        colors = [_GREY if name.startswith("(") else _BLUE for name in names]
        axes.barh(names, shares, xerr=errors, color=colors, capsize=3, ecolor="#333333")
        _label_bars(axes, range(len(names)), shares + errors[1], shares)
        axes.set_xlim(0, 1)
        axes.xaxis.set_major_formatter(PercentFormatter(1.0))
        axes.set_xlabel("share of replications (95% Wilson interval)")
    _titles(figure, axes, "Whose notification brought the instrument into force?", summary)
    return figure


def grant_probability(summary: Summary) -> Figure:
    """Probability that each candidate holds the status it seeks by the horizon, with intervals."""
    figure = _figure(8, 1.6 + 0.55 * max(len(summary.candidates), 1))
    axes = figure.add_subplot()
    outcomes = list(reversed(summary.candidates))
    if not outcomes:
        axes.text(0.5, 0.5, "The scenario has no candidates", ha="center", transform=axes.transAxes)
        axes.set_axis_off()
    else:
        labels = [f"{o.candidate}\n({o.status})" for o in outcomes]
        granted = np.array([o.granted.estimate for o in outcomes])
        applied = np.array([o.applied.estimate for o in outcomes])
        errors = np.array(
            [
                [o.granted.estimate - o.granted.low for o in outcomes],
                [o.granted.high - o.granted.estimate for o in outcomes],
            ]
        )
        axes.barh(labels, applied, color=_GREY, alpha=0.45, label="applied")
        axes.barh(
            labels,
            granted,
            xerr=errors,
            color=_BLUE,
            capsize=3,
            ecolor="#333333",
            label="granted (95% Wilson interval)",
        )
        _label_bars(axes, range(len(labels)), np.maximum(granted + errors[1], applied), granted)
        axes.set_xlim(0, 1)
        axes.xaxis.set_major_formatter(PercentFormatter(1.0))
        axes.set_xlabel(f"share of replications, by the horizon ({summary.horizon})")
        axes.legend(loc="lower right", fontsize=9)
    _titles(figure, axes, "Which candidates obtain the status they seek?", summary)
    return figure


def save_plots(results: pd.DataFrame | Tally, summary: Summary, folder: Path) -> list[Path]:
    """Write every plot of a run (from its table, or its tally for streamed runs) as PNG; return the paths."""
    figures = {
        "entry_into_force.png": entry_into_force(results, summary),
        "first_grant.png": first_grant(results, summary),
        "last_ratifier.png": last_ratifier(summary),
        "grant_probability.png": grant_probability(summary),
    }
    paths = []
    for name, figure in figures.items():
        path = folder / name
        with atomic_path(path) as temporary:  # whole or not at all, like every result file
            figure.savefig(temporary, format="png")
        paths.append(path)
    return paths


def _date_counts(results: pd.DataFrame | Tally, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Distinct dates a milestone was reached on (``datetime64[D]``, increasing) and how many reached it then."""
    if isinstance(results, Tally):
        days, cumulative = results.days[column].sorted()
        counts = np.diff(cumulative, prepend=0)
        return results.start + days.astype("timedelta64[D]"), counts.astype(float)
    reached = results[column].dropna().to_numpy(dtype="datetime64[D]")
    dates, counts = np.unique(reached, return_counts=True)
    return dates, counts.astype(float)


def _wait_counts(results: pd.DataFrame | Tally) -> tuple[np.ndarray, np.ndarray]:
    """Distinct waits in days from entry into force to the first grant, and how many replications waited so."""
    if isinstance(results, Tally):
        days, cumulative = results.days[WAIT].sorted()
        return days.astype(float), np.diff(cumulative, prepend=0).astype(float)
    waited = (results["first_grant"] - results["entry_into_force"]).dropna().dt.days.to_numpy()
    days, counts = np.unique(waited, return_counts=True)
    return days.astype(float), counts.astype(float)


def _month_bins(values: np.ndarray) -> np.ndarray:
    first = mdates.num2date(values.min()).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last = mdates.num2date(values.max())
    months = pd.date_range(first.replace(tzinfo=None), last.replace(tzinfo=None) + pd.offsets.MonthBegin(1), freq="MS")
    return np.asarray(mdates.date2num(months.to_pydatetime()))


def _date_axis(axes: object) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    axes.xaxis.set_major_locator(locator)  # type: ignore[attr-defined]
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[attr-defined]

"""Comparing the points of a sweep: one summary row per point, and plots of a metric against the parameters.

``sweep_summary`` gives, per point, the parameter values, the number of replications and the metric's estimate
with its 95% interval (``cstosim.outcomes.metrics``). ``plot_sweep`` draws the metric against the first parameter with
an interval band (error bars for categorical values); with a second parameter taking a few values, one panel
per value (small multiples); for sampled designs (many distinct values), one panel per parameter.
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cstosim.experiments.points import parameter_columns
from cstosim.model.scenario import Scenario
from cstosim.outcomes.metrics import PROPORTION, estimate_values, metric_values, parse_metric

if TYPE_CHECKING:  # matplotlib is imported when a plot is drawn, not with the package
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_BLUE = "#2a6f97"
_MAX_PANELS = 6


def sweep_summary(scenario: Scenario | None, table: pd.DataFrame, metric: str = "any_grant") -> pd.DataFrame:
    """One row per point: parameter columns, ``replications``, ``estimate``, ``low``, ``high`` (95%).

    ``scenario`` (the swept one) is needed for the ``years_to_*`` metrics and named ones (``granted[...]``).
    """
    parsed = parse_metric(scenario, metric)
    parameters = parameter_columns(table)
    values = metric_values(scenario, table, metric).to_numpy()
    rows = []
    for point, index in table.groupby("point", sort=True).indices.items():
        result = estimate_values(values[index], parsed.kind, metric)
        rows.append(
            {
                "point": point,
                **{name: table[name].iloc[index[0]] for name in parameters},  # per column: keeps ints ints
                "replications": result.replications,
                "estimate": result.estimate,
                "low": result.low,
                "high": result.high,
            }
        )
    return pd.DataFrame.from_records(rows)


def _numeric(column: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(column)) and not pd.api.types.is_bool_dtype(column)


def _errors(estimate: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Error-bar lengths below and above; unbounded ends (``inf``, beyond the horizon) drawn as none."""
    with np.errstate(invalid="ignore"):
        below = np.where(np.isfinite(estimate) & np.isfinite(low), estimate - low, 0.0)
        above = np.where(np.isfinite(estimate) & np.isfinite(high), high - estimate, 0.0)
    return np.vstack([below, above])


def _draw(axes: Axes, summary: pd.DataFrame, parameter: str, label: str | None = None, band: bool = True) -> None:
    ordered = summary.sort_values(parameter, kind="stable") if _numeric(summary[parameter]) else summary
    estimate = ordered["estimate"].to_numpy(dtype=float)
    low = ordered["low"].to_numpy(dtype=float)
    high = ordered["high"].to_numpy(dtype=float)
    finite = np.isfinite(estimate)
    if _numeric(ordered[parameter]):
        x = ordered[parameter].to_numpy(dtype=float)
        margin = 0.05 * ((x.max() - x.min()) or 1.0)
        axes.set_xlim(x.min() - margin, x.max() + margin)  # every point, including one beyond the horizon
        if band:
            line = axes.plot(x[finite], estimate[finite], marker="o", label=label)[0]
            axes.fill_between(
                x, low, np.where(np.isfinite(high), high, np.nan), color=line.get_color(), alpha=0.2, linewidth=0
            )
        else:
            errors = _errors(estimate, low, high)
            axes.errorbar(x[finite], estimate[finite], yerr=errors[:, finite], fmt="o", ms=3, color=_BLUE, alpha=0.7)
    else:
        x = np.arange(len(ordered), dtype=float)
        errors = _errors(estimate, low, high)
        axes.errorbar(x[finite], estimate[finite], yerr=errors[:, finite], fmt="o", capsize=4, label=label)
        names = [textwrap.fill(str(value).replace("_", " "), 14) for value in ordered[parameter]]
        axes.set_xticks(x, names, fontsize=8)
        axes.set_xlim(-0.5, len(x) - 0.5)
    for position in np.flatnonzero(~finite):  # a median later than every date in the run: say so, do not hide it
        edge = "right" if x[position] == x.max() else ("left" if x[position] == x.min() else "center")
        axes.annotate(
            "beyond the\nhorizon",
            (x[position], 0.5),
            xycoords=("data", "axes fraction"),
            ha=edge,
            va="center",
            fontsize=8,
            color="#555555",
        )
    axes.set_xlabel(parameter, fontsize=9)
    axes.grid(alpha=0.3)


def plot_sweep(
    table: pd.DataFrame, metric: str = "any_grant", *, scenario: Scenario | None = None, title: str | None = None
) -> Figure:
    """The metric per point against the sweep's parameters, with 95% intervals.

    ``scenario`` is needed for the ``years_to_*`` metrics (dates count from its start) and for
    ``granted[...]``/``ratified[...]`` (names are checked against it); proportions of the built-in milestones
    work without it.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    parsed = parse_metric(scenario, metric)
    summary = sweep_summary(scenario, table, metric)
    parameters = parameter_columns(table)
    if not parameters:
        raise ValueError("the table has no parameter columns: is it a sweep table (run_sweep)?")
    first = parameters[0]
    second = parameters[1] if len(parameters) > 1 else None
    sampled = len(parameters) > 2 or (second is not None and summary[second].nunique() > _MAX_PANELS)
    panels: list[tuple[str, pd.DataFrame, str | None]]
    if sampled:
        panels = [(name, summary, name) for name in parameters]
    elif second is not None:
        panels = [(first, group, f"{second} = {value}") for value, group in summary.groupby(second, sort=True)]
    else:
        panels = [(first, summary, None)]
    columns = min(len(panels), 3)
    rows = math.ceil(len(panels) / columns)
    figure = Figure(figsize=(max(4.2 * columns + 1.0, 7.0), 3.4 * rows + 1.3), dpi=110, layout="constrained")
    axes_grid = figure.subplots(rows, columns, sharey=True, squeeze=False)
    for (parameter, data, heading), axes in zip(panels, axes_grid.flat, strict=False):
        _draw(axes, data, parameter, band=not sampled)
        if heading:
            axes.set_title(heading, fontsize=9)
    for axes in list(axes_grid.flat)[len(panels) :]:
        axes.set_axis_off()
    for axes in axes_grid[:, 0]:
        if parsed.kind == PROPORTION:
            axes.yaxis.set_major_formatter(PercentFormatter(1.0))
            axes.set_ylabel(f"{textwrap.fill(parsed.label, 34)}\n(95% Wilson interval)", fontsize=9)
        else:
            axes.set_ylabel(f"{textwrap.fill(parsed.label, 34)}\n(median, 95% order-statistic interval)", fontsize=9)
    replications = int(summary["replications"].iloc[0])
    seeds = list(table["seed"].unique()) if "seed" in table else []
    seed = f", seed {int(seeds[0])}" if len(seeds) == 1 else ""
    heading = parsed.label[:1].upper() + parsed.label[1:]
    details = f"{metric}: {len(summary)} points x {replications:,} replications{seed}"
    figure.suptitle(title or f"{heading}\n{details}", fontsize=10)
    return figure

"""A what-if against its baseline, for people: the paired comparison table as text, as JSON, and as a plot.

Reads the table of ``cstosim.outcomes.paired.compare_tables`` (one row per what-if and outcome, with
``scenario`` naming the what-if) and never runs anything. Probabilities are shown in percent and their
differences in percentage points; dates as calendar dates and their differences in days. Each difference comes
with its 95% paired interval, the interval the same replications would give as two independent runs, and the
ratio of their widths: what the common random numbers buy.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cstosim.model.scenario import Scenario
from cstosim.outcomes.paired import BOTH_REACHED, DAYS, PROBABILITY
from cstosim.outcomes.statistics import CONFIDENCE

NOTES = (
    "pp: percentage points. Paired: what-if minus baseline, replication by replication (Agresti-Min interval for a "
    "probability, paired t for a date); independent runs: the interval the same replications would give if the "
    "two runs had not shared their random numbers (Agresti-Caffo, Welch); width: the paired interval's width over "
    "the independent one's.",
    "Mean dates are over the pairs where both runs reached the milestone only, a conditional figure: the pairs "
    "where one run reached it and the other did not are left out of it (the probability above counts them). The "
    "date by which 50% of all replications reached it counts the others as later than any date ('not reached': "
    "fewer than half did by the horizon).",
)


def _date(start: dt.date, days: float) -> str:
    if math.isinf(days):
        return "not reached"
    if math.isnan(days):
        return "-"
    return str(start + dt.timedelta(days=round(days)))


def _value(row: dict[str, Any], column: str, start: dt.date) -> str:
    value = float(row[column])
    if row["unit"] == PROBABILITY:
        return f"{value:.1%}"
    return _date(start, value)


def _difference(row: dict[str, Any]) -> str:
    """A difference and its interval: ``-12.3 pp (-14.0 to -10.6)`` or ``+100 days (+98 to +102)``."""
    value, lower, upper = (float(row[name]) for name in ("difference", "low", "high"))
    if math.isnan(value):
        return "-"
    if row["unit"] == PROBABILITY:
        text = f"{_signed(value * 100, 1)} pp"
        interval = f" ({_signed(lower * 100, 1)} to {_signed(upper * 100, 1)})"
    else:
        text = f"{_signed(value, 0)} days"
        interval = f" ({_signed(lower, 0)} to {_signed(upper, 0)})"
    return text + ("" if math.isnan(lower) else interval)


def _signed(value: float, digits: int) -> str:
    """``value`` with its sign, ``+0.0`` rather than ``-0.0`` for a value that rounds to zero."""
    text = f"{value:+,.{digits}f}"
    return "+" + text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def _interval(row: dict[str, Any]) -> str:
    """The independent-runs interval alone (its centre is the paired difference's)."""
    low, high = float(row["independent_low"]), float(row["independent_high"])
    if math.isnan(low):
        return "-"
    if row["unit"] == PROBABILITY:
        return f"({_signed(low * 100, 1)} to {_signed(high * 100, 1)})"
    return f"({_signed(low, 0)} to {_signed(high, 0)})"


def _ratio(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}"


def comparison_cells(rows: pd.DataFrame, start: dt.date) -> list[tuple[str, str, str, str, str, str]]:
    """Each row as text: label, baseline, what-if, paired difference with its interval, the independent-runs
    interval, width ratio (dates from ``start``, the baseline's)."""
    records = [{str(key): value for key, value in row.items()} for row in rows.to_dict("records")]
    return [
        (
            str(row["label"]),
            _value(row, "baseline", start),
            _value(row, "what_if", start),
            _difference(row),
            _interval(row),
            _ratio(float(row["width_ratio"])),
        )
        for row in records
    ]


def tightening(rows: pd.DataFrame) -> float:
    """The median width ratio (paired over independent) of the rows that have one; ``nan`` if none has."""
    ratios = rows["width_ratio"].to_numpy(dtype=float)
    ratios = ratios[np.isfinite(ratios)]
    return float(np.median(ratios)) if len(ratios) else math.nan


def format_comparison(
    table: pd.DataFrame, baseline: Scenario, what_ifs: Sequence[Scenario], replications: int, seed: int
) -> str:
    """The paired comparison as plain text: one block per what-if, probabilities then dates."""
    lines = [
        f"Paired comparison on common random numbers: {replications:,} replications of each scenario, seed {seed}",
        f"Baseline: {baseline.name}: {baseline.title}",
    ]
    header = ("baseline", "what-if", f"paired difference ({CONFIDENCE:.0%})", "if independent")
    for what_if in what_ifs:
        rows = table[table["scenario"] == what_if.name]
        records = [{str(key): value for key, value in row.items()} for row in rows.to_dict("records")]
        cells = comparison_cells(rows, baseline.start)
        label_width = max(len(cell[0]) for cell in cells) + 2
        widths = [max(len(text), *(len(cell[i + 1]) for cell in cells)) + 2 for i, text in enumerate(header)]
        horizon = (
            f"by {what_if.horizon}"
            if what_if.horizon == baseline.horizon
            else f"by each scenario's horizon ({baseline.horizon}, {what_if.horizon})"
        )
        lines += ["", f"What-if: {what_if.name}: {what_if.title}"]
        for unit, title in ((PROBABILITY, f"Probability {horizon}"), (DAYS, "Date")):
            lines.append(
                f"  {title:<{label_width}}"
                + "".join(f"{text:<{width}}" for text, width in zip(header, widths, strict=True))
                + "width"
            )
            for cell, row in zip(cells, records, strict=True):
                if row["unit"] == unit:
                    values = "".join(f"{text:<{width}}" for text, width in zip(cell[1:5], widths, strict=True))
                    lines.append(f"  {cell[0]:<{label_width}}{values}{cell[5]}")
        ratio = tightening(rows)
        if not math.isnan(ratio):
            sentence = (
                f"Pairing: the paired intervals are {ratio:.2f} of the independent ones' width (median over the "
                f"outcomes), about {1 / ratio:.1f} times narrower than comparing two independent runs."
                if ratio > 0
                else "Pairing: the paired intervals have no width: the change altered no pair."
            )
            lines.append(textwrap.fill(sentence, 116, initial_indent="  ", subsequent_indent="  "))
    lines.append("")
    lines += [textwrap.fill(note, 116) for note in NOTES]
    return "\n".join(lines)


def comparison_json(
    table: pd.DataFrame, baseline: Scenario, what_ifs: Sequence[Scenario], replications: int, seed: int
) -> dict[str, Any]:
    """The comparison as JSON-ready data: per what-if, one record per outcome; dates as ISO text besides days."""

    def number(value: Any) -> Any:
        value = float(value)
        return None if math.isnan(value) else ("inf" if math.isinf(value) else value)

    result: dict[str, Any] = {
        "baseline": baseline.name,
        "start": baseline.start.isoformat(),
        "replications": replications,
        "seed": seed,
        "confidence": CONFIDENCE,
        "definitions": {
            "difference": "what-if minus baseline, the mean over pairs of replications with the same seed and number",
            "low, high": "the 95% paired interval (Agresti-Min for a probability, paired t for days)",
            "independent_low, independent_high": "the 95% interval of the same replications treated as two "
            "independent runs (Agresti-Caffo, Welch)",
            "width_ratio": "(high - low) / (independent_high - independent_low)",
            "unit days": "baseline and what_if are days from the baseline's start (also as dates); the "
            "difference is in days",
            "condition": f"'{BOTH_REACHED}': over the pairs where both runs reached the milestone only",
            "half_of_all": "the date by which 50% of all replications reached it; 'not reached': fewer did",
        },
        "what_ifs": {},
    }
    for what_if in what_ifs:
        records = []
        for row in table[table["scenario"] == what_if.name].to_dict("records"):
            record = {key: number(value) if isinstance(value, float) else value for key, value in row.items()}
            record.pop("scenario", None)
            if row["unit"] == DAYS:
                record["baseline_date"] = _date(baseline.start, row["baseline"])
                record["what_if_date"] = _date(baseline.start, row["what_if"])
            records.append(record)
        result["what_ifs"][what_if.name] = {"title": what_if.title, "outcomes": records}
    return result


# The plot -------------------------------------------------------------------------------------------------------

_COLOURS = ("#e07a1f", "#2a6f97", "#2e8b57", "#8e44ad", "#c0392b")
_INDEPENDENT = "#bbbbbb"


def plot_comparison(table: pd.DataFrame, baseline: str | None = None) -> Figure:
    """Each outcome's paired difference with its 95% interval (coloured, one colour per what-if) over the wider
    interval of two independent runs (grey): probabilities in percentage points above, below the mean date over
    the pairs where both runs reached it, in days. ``table`` is ``cstosim.compare``'s; ``baseline`` names the
    baseline in the title."""
    replications = int(table.loc[table["unit"] == PROBABILITY, "pairs"].max())
    seeds = table["seed"].unique()
    probabilities = table[table["unit"] == PROBABILITY]
    dates = table[(table["unit"] == DAYS) & (table["condition"] == BOTH_REACHED)]
    outcomes = list(dict.fromkeys(probabilities["label"]))
    date_outcomes = list(dict.fromkeys(_short(label) for label in dates["label"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    per_row = 0.22 + 0.16 * len(scenarios)  # inches a line of the plot takes: room for one marker per what-if
    heights = [max(len(outcomes), 1) * per_row + 0.6, max(len(date_outcomes), 1) * per_row + 0.6]
    figure = Figure(figsize=(10.0, sum(heights) + 1.6), dpi=110, layout="constrained")
    top, bottom = figure.subplots(2, 1, height_ratios=heights)
    _forest(top, probabilities, outcomes, scenarios, 100.0, lambda label: label)
    top.set_xlabel("what-if minus baseline, percentage points", fontsize=9)
    top.set_title("Probability by the horizon", fontsize=10, loc="left")
    _forest(bottom, dates, date_outcomes, scenarios, 1.0, _short)
    bottom.set_xlabel("what-if minus baseline, days", fontsize=9)
    bottom.set_title("Date: mean over the pairs where both runs reached it", fontsize=10, loc="left")
    handles = [
        bottom.errorbar([], [], xerr=[], fmt="o", color=_COLOURS[i % len(_COLOURS)], label=name)
        for i, name in enumerate(scenarios)
    ]
    handles.append(bottom.plot([], [], color=_INDEPENDENT, linewidth=6, label="interval if run independently")[0])
    figure.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 3), fontsize=8, frameon=False)
    seed = f", seed {int(seeds[0])}" if len(seeds) == 1 else ""
    figure.suptitle(
        f"What the change does: paired differences against {baseline or 'the baseline'}\n"
        f"{replications:,} replications of each scenario on common random numbers{seed}; "
        f"whiskers: {CONFIDENCE:.0%} paired intervals",
        fontsize=10,
    )
    return figure


def _short(label: str) -> str:
    """A date row's label without its condition (``entry into force: mean date, over ...`` -> ``entry into
    force``): the axis says which pairs."""
    return label.split(":", 1)[0]


def _forest(axes: Axes, rows: pd.DataFrame, outcomes: list[str], scenarios: list[str], scale: float, key: Any) -> None:
    """One line per outcome, one marker per what-if (offset), the independent interval as a grey band behind."""
    count = len(scenarios)
    height = 0.7 / max(count, 1)
    positions = {outcome: float(len(outcomes) - 1 - i) for i, outcome in enumerate(outcomes)}
    axes.axvline(0, color="#333333", linewidth=0.8)
    columns = ("difference", "low", "high", "independent_low", "independent_high")
    for number, scenario in enumerate(scenarios):
        colour = _COLOURS[number % len(_COLOURS)]
        part = rows[rows["scenario"] == scenario]
        values = part[list(columns)].to_numpy(dtype=float) * scale
        for label, numbers in zip(part["label"], values, strict=True):
            difference, low, high, independent_low, independent_high = (float(x) for x in numbers)
            if math.isnan(difference):
                continue
            y = positions[key(label)] + (count - 1) / 2 * height - number * height
            if not math.isnan(independent_low):
                axes.plot(
                    [independent_low, independent_high],
                    [y, y],
                    color=_INDEPENDENT,
                    linewidth=6,
                    solid_capstyle="butt",
                    zorder=1,
                )
            below = 0.0 if math.isnan(low) else difference - low
            above = 0.0 if math.isnan(high) else high - difference
            axes.errorbar([difference], [y], xerr=[[below], [above]], fmt="o", color=colour, capsize=3, zorder=3)
    axes.set_yticks(list(positions.values()), [textwrap.fill(outcome, 34) for outcome in positions], fontsize=8)
    axes.set_ylim(-0.6, len(outcomes) - 0.4)
    axes.grid(axis="x", alpha=0.3)
    if rows.empty or rows["difference"].isna().all():
        axes.text(0.5, 0.5, "no pair reached it in both runs", ha="center", transform=axes.transAxes, color="#555555")

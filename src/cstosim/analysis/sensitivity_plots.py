"""Sensitivity indices for people: a ranked table and a ranked bar plot with interval whiskers.

Reads a ``Sensitivity`` result (never runs anything). Sobol: first-order (S1) and total (ST) indices, shares
of the outcome's variance, with bootstrap 95% intervals. Morris: mu* (mean absolute elementary effect, in the
outcome's unit per full range of the parameter) and sigma (how much that effect varies: interactions or
non-linearity), with bootstrap 95% intervals.

A Sobol index is a share of variance, between 0 and 1, but its estimate is not bounded: with a small base sample
it can come out at 1.2 or -0.1, which is sampling noise, not a share. Such indices, and intervals wider than
``WIDE`` either side (too wide to rank the parameters), are flagged in the table and the plot, with the base
sample that would narrow the widest interval to ``WIDE``: the intervals shrink like 1/sqrt(N).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cstosim.experiments.sensitivity import Sensitivity, SensitivityMethod

_UNITS = {"years_to_entry_into_force": "years", "years_to_first_grant": "years"}
WIDE = 0.1  # a Sobol index known to within +-0.1 ranks parameters whose shares differ by a fifth or more
_FLAG = "#c1121f"


def sobol_flags(result: Sensitivity) -> list[str]:
    """Per row of ``result.indices`` (Sobol), what is wrong with it: ``S1 > 1``, ``ST < 0``, ``wide``; "" if
    nothing."""
    flags = []
    values = result.indices[["S1", "ST", "S1_conf", "ST_conf"]].to_numpy(dtype=float)
    for s1, st, s1_conf, st_conf in values:
        found = []
        for name, value in (("S1", s1), ("ST", st)):
            if value > 1:
                found.append(f"{name} > 1")
            elif value < 0:
                found.append(f"{name} < 0")
        if max(s1_conf, st_conf) > WIDE:
            found.append("wide")
        flags.append(", ".join(found))
    return flags


def samples_for(result: Sensitivity, half_width: float = WIDE) -> int:
    """The base sample N (a power of two) that would bring the widest Sobol interval to ``half_width``: the
    bootstrap intervals shrink like 1/sqrt(N)."""
    widest = float(np.nanmax(result.indices[["S1_conf", "ST_conf"]].to_numpy(dtype=float)))
    if not widest > half_width:
        return result.samples
    needed = result.samples * (widest / half_width) ** 2
    return int(2 ** math.ceil(math.log2(needed)))


def sobol_notes(result: Sensitivity) -> list[str]:
    """What the flags mean and what sample would do, in sentences; none when nothing is flagged."""
    indices = result.indices
    values = indices[["S1", "ST"]].to_numpy(dtype=float)
    notes = []
    if ((values < 0) | (values > 1)).any():
        low, high = float(values.min()), float(values.max())
        notes.append(
            f"Indices outside [0, 1] (from {low:.3f} to {high:.3f}): a share of variance lies between 0 and 1, so "
            f"these estimates are sampling noise, not shares; with N = {result.samples} the ranking is uncertain."
        )
    widest = float(np.nanmax(indices[["S1_conf", "ST_conf"]].to_numpy(dtype=float)))
    if widest > WIDE:
        n = samples_for(result)
        points = n * (len(result.parameters) + 2)
        notes.append(
            f"Intervals up to ±{widest:.2f} ('wide': over ±{WIDE:g}) cannot rank the parameters. They shrink like "
            f"1/sqrt(N): --samples {n} ({points:,} sample points) would bring the widest to about ±{WIDE:g}."
        )
    return notes


def outcome_label(result: Sensitivity) -> str:
    """The outcome in words, with its unit and date."""
    if result.outcome == "years_to_entry_into_force":
        return "years from the start to entry into force (censored at the horizon)"
    if result.outcome == "years_to_first_grant":
        return "years from the start to the first grant (censored at the horizon)"
    by = f" by {result.by}" if result.by is not None else " by the horizon"
    if result.outcome == "any_grant":
        return f"probability of any grant{by}"
    return f"probability that {result.outcome.removeprefix('granted[').removesuffix(']')} is granted{by}"


def format_sensitivity(result: Sensitivity) -> str:
    """The ranked indices as plain text."""
    points = len(result.points)
    lines = [
        f"{result.scenario}: {result.method.value} sensitivity of {outcome_label(result)}",
        f"{points:,} sample points x {result.replications} replications (N = {result.samples}), seed {result.seed}; "
        f"outcome at the sample points: {result.points[result.outcome].min():.3g} to "
        f"{result.points[result.outcome].max():.3g}",
        "",
    ]
    width = max(len(p) for p in result.indices["parameter"]) + 2
    if result.method is SensitivityMethod.SOBOL:
        flags = sobol_flags(result)
        check = "  check" if any(flags) else ""
        lines.append(f"{'rank':<6}{'parameter':<{width}}{'S1 (95% interval)':<24}{'ST (95% interval)':<24}{check}")
        for row, flag in zip(result.indices.itertuples(), flags, strict=True):
            s1 = f"{row.S1:6.3f} ± {row.S1_conf:.3f}"
            st = f"{row.ST:6.3f} ± {row.ST_conf:.3f}"
            mark = f"  ! {flag}" if flag else ""
            lines.append(f"{row.rank:<6}{row.parameter:<{width}}{s1:<24}{st:<24}{mark}".rstrip())
        notes = sobol_notes(result)
        if notes:
            lines.append("")
            lines += [f"! {note}" for note in notes]
    else:
        lines.append(f"{'rank':<6}{'parameter':<{width}}{'mu* (95% interval)':<24}{'sigma (95% interval)':<24}mu")
        for row in result.indices.itertuples():
            mu_star = f"{row.mu_star:.3g} ± {row.mu_star_conf:.2g}"
            sigma = f"{row.sigma:.3g} ± {row.sigma_conf:.2g}"
            lines.append(f"{row.rank:<6}{row.parameter:<{width}}{mu_star:<24}{sigma:<24}{row.mu:.3g}")
    return "\n".join(lines)


def sensitivity_plot(result: Sensitivity) -> Figure:
    """Horizontal bars, most influential parameter on top, two indices per parameter with 95% whiskers."""
    indices = result.indices
    count = len(indices)
    figure = Figure(figsize=(9.0, 1.8 + 0.55 * count), dpi=110, layout="constrained")
    axes = figure.add_subplot()
    positions = np.arange(count)[::-1].astype(float)
    height = 0.38
    flags = sobol_flags(result) if result.method is SensitivityMethod.SOBOL else [""] * count
    if result.method is SensitivityMethod.SOBOL:
        bars = (("ST", "ST_conf", "total index ST", "#2a6f97"), ("S1", "S1_conf", "first-order index S1", "#e07a1f"))
        axes.set_xlabel("share of the outcome's variance (Sobol index)")
        axes.axvline(0, color="#333333", linewidth=0.8)
        _shade_impossible_shares(axes, indices)
    else:
        bars = (
            ("mu_star", "mu_star_conf", "mu* (overall influence)", "#2a6f97"),
            ("sigma", "sigma_conf", "sigma (interactions, non-linearity)", "#e07a1f"),
        )
        unit = _UNITS.get(result.outcome, "probability")
        axes.set_xlabel(f"elementary effect over the parameter's range ({unit})")
    for offset, (column, conf, label, colour) in zip((height / 2, -height / 2), bars, strict=True):
        drawn = axes.barh(
            positions + offset,
            indices[column],
            height=height,
            xerr=indices[conf],
            color=colour,
            label=label,
            error_kw={"capsize": 3, "elinewidth": 1, "ecolor": "#333333"},
        )
        if result.method is SensitivityMethod.SOBOL:
            for bar, value in zip(drawn.patches, indices[column], strict=True):
                if not 0 <= value <= 1:  # hatched in red: not a share, noise
                    bar.set_hatch("///")
                    bar.set_edgecolor(_FLAG)
    names = [f"{rank}. {name}" for rank, name in zip(indices["rank"], indices["parameter"], strict=True)]
    marked = [f"[! {flag}] {name}" if flag else name for flag, name in zip(flags, names, strict=True)]
    axes.set_yticks(positions, marked)
    for tick, flag in zip(axes.get_yticklabels(), flags, strict=True):
        if flag:
            tick.set_color(_FLAG)
    axes.tick_params(axis="y", labelsize=8)
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    figure.suptitle(f"Which parameter drives the {outcome_label(result).split(' (')[0]}?", fontsize=11)
    advice = ""
    if result.method is SensitivityMethod.SOBOL and any(flags):
        advice = (
            f"\n[!] flagged: outside [0, 1] or wider than ±{WIDE:g}; --samples {samples_for(result)} would narrow it"
        )
    axes.set_title(
        f"{result.scenario}: {result.method.value}, {len(result.points):,} points x {result.replications} "
        f"replications, seed {result.seed}; whiskers: 95% bootstrap intervals{advice}",
        fontsize=8,
        color="#555555",
        loc="right",  # right-aligned: long parameter names push the axes right, and a centred title would overflow
    )
    return figure


def _shade_impossible_shares(axes: Axes, indices: pd.DataFrame) -> None:
    """Shade the x-axis outside [0, 1], where an index is not a share but noise, when some bar or whisker is
    there, and keep [0, 1] in view."""
    values = indices[["S1", "ST"]].to_numpy(dtype=float)
    conf = indices[["S1_conf", "ST_conf"]].to_numpy(dtype=float)
    low, high = float(np.nanmin(values - conf)), float(np.nanmax(values + conf))
    left, right = min(low, 0.0) - 0.05, max(high, 1.0) + 0.05
    axes.set_xlim(left, right)
    if low < 0:
        axes.axvspan(left, 0, color=_FLAG, alpha=0.08, linewidth=0)
    if high > 1:
        axes.axvspan(1, right, color=_FLAG, alpha=0.08, linewidth=0, label="outside [0, 1]: not a share")
        axes.axvline(1, color="#333333", linewidth=0.8, linestyle=":")

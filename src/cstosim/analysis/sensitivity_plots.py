"""Sensitivity indices for people: a ranked table and a ranked bar plot with interval whiskers.

Reads a ``Sensitivity`` result (never runs anything). Sobol: first-order (S1) and total (ST) indices, shares
of the outcome's variance, with bootstrap 95% intervals. Morris: mu* (mean absolute elementary effect, in the
outcome's unit per full range of the parameter) and sigma (how much that effect varies: interactions or
non-linearity), with bootstrap 95% intervals.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from cstosim.experiments.sensitivity import Sensitivity, SensitivityMethod

_UNITS = {"years_to_entry_into_force": "years", "years_to_first_grant": "years"}


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
        lines.append(f"{'rank':<6}{'parameter':<{width}}{'S1 (95% interval)':<24}ST (95% interval)")
        for row in result.indices.itertuples():
            s1 = f"{row.S1:6.3f} ± {row.S1_conf:.3f}"
            st = f"{row.ST:6.3f} ± {row.ST_conf:.3f}"
            lines.append(f"{row.rank:<6}{row.parameter:<{width}}{s1:<24}{st}")
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
    if result.method is SensitivityMethod.SOBOL:
        bars = (("ST", "ST_conf", "total index ST", "#2a6f97"), ("S1", "S1_conf", "first-order index S1", "#e07a1f"))
        axes.set_xlabel("share of the outcome's variance (Sobol index)")
        axes.axvline(0, color="#333333", linewidth=0.8)
    else:
        bars = (
            ("mu_star", "mu_star_conf", "mu* (overall influence)", "#2a6f97"),
            ("sigma", "sigma_conf", "sigma (interactions, non-linearity)", "#e07a1f"),
        )
        unit = _UNITS.get(result.outcome, "probability")
        axes.set_xlabel(f"elementary effect over the parameter's range ({unit})")
    for offset, (column, conf, label, colour) in zip((height / 2, -height / 2), bars, strict=True):
        axes.barh(
            positions + offset,
            indices[column],
            height=height,
            xerr=indices[conf],
            color=colour,
            label=label,
            error_kw={"capsize": 3, "elinewidth": 1, "ecolor": "#333333"},
        )
    axes.set_yticks(
        positions, [f"{rank}. {name}" for rank, name in zip(indices["rank"], indices["parameter"], strict=True)]
    )
    axes.tick_params(axis="y", labelsize=8)
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    figure.suptitle(f"Which parameter drives the {outcome_label(result).split(' (')[0]}?", fontsize=11)
    axes.set_title(
        f"{result.scenario}: {result.method.value}, {len(result.points):,} points x {result.replications} "
        f"replications, seed {result.seed}; whiskers: 95% bootstrap intervals",
        fontsize=8,
        color="#555555",
        loc="right",  # right-aligned: long parameter names push the axes right, and a centred title would overflow
    )
    return figure

"""The run plots say what happened even in the corner cases: one date for every replication, no ratification."""

from __future__ import annotations

import matplotlib.dates as mdates

import cstosim
from cstosim.analysis import plots


def _run(name: str):
    scenario = cstosim.load_scenario(name)
    table = cstosim.run_replications(scenario, 40, seed=1)
    return table, cstosim.summarize(scenario, table)


def _texts(figure) -> str:
    return " ".join(text.get_text() for axes in figure.axes for text in axes.texts)


def test_a_single_entry_into_force_date_shows_a_year_either_side_and_the_whole_cumulative_step():
    table, summary = _run("sco-like-observer")  # no ratification: in force on adoption, the same day every time
    figure = plots.entry_into_force(table, summary)
    histogram, cumulative = figure.axes
    low, high = histogram.get_xlim()
    assert high - low >= 2 * 365
    (line,) = cumulative.get_lines()
    xs, ys = line.get_xdata(), line.get_ydata()
    assert min(xs) <= low + 1 and max(xs) >= high - 1  # drawn across the whole axis, not as a lone point
    assert ys[0] == 0 and ys[-1] == 1
    median = mdates.date2num(summary.entry_into_force.median)
    assert low < median < high


def test_last_ratifier_says_why_there_is_none():
    _, summary = _run("sco-like-observer")
    assert "In force without ratification" in _texts(plots.last_ratifier(summary))
    _, summary = _run("csto-2018")
    assert "without ratification" not in _texts(plots.last_ratifier(summary))

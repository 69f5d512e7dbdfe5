"""What a notebook shows: ``cstosim.readable`` tables (percentages, dates, votes), a summary as tables, a trace as a
table of events."""

from __future__ import annotations

import pandas as pd
import pytest

import cstosim


@pytest.fixture(scope="module")
def run() -> tuple[cstosim.Scenario, pd.DataFrame]:
    scenario = cstosim.load_scenario("csto-2018")
    return scenario, cstosim.run_replications(scenario, 30, seed=1)


def test_readable_shows_chances_as_percentages_and_dates_as_dates(run):
    scenario, table = run
    compared = cstosim.readable(cstosim.side_by_side({"csto-2018": table})).to_html()
    share = cstosim.side_by_side({"csto-2018": table})["entry into force: share by the horizon"].iloc[0]
    assert f">{share:.1%}<" in compared
    rows = cstosim.readable(table.head()).to_html()
    assert ">2018-11-08<" in rows and "00:00:00" not in rows
    assert ">1<" in rows and ">0<" in rows  # seed and replication numbers as written, no thousands separator
    sweep = cstosim.run_sweep(scenario, {"organization.consensus.rule": ["unanimity"]}, 30, seed=1)
    chances = cstosim.sweep_summary(scenario, sweep, "any_grant")
    assert f">{chances['estimate'].iloc[0]:.1%}<" in cstosim.readable(chances).to_html()
    years = cstosim.sweep_summary(scenario, sweep, "years_to_entry_into_force")
    shown = cstosim.readable(years).to_html()
    assert f">{years['estimate'].iloc[0]:.2f}<" in shown and "%" not in shown  # years stay years
    assert "%" not in cstosim.readable(chances, percent_columns=()).to_html()


def test_a_summary_shows_itself_as_tables(run):
    scenario, table = run
    summary = cstosim.summarize(scenario, table)
    page = summary._repr_html_()
    for outcome in summary.candidates:
        assert f">{outcome.candidate} ({outcome.status})</td>" in page
        assert f"<td>{outcome.granted.estimate:.1%}</td>" in page
    assert f"<td>{summary.entry_into_force.median}</td>" in page
    text = summary._repr_markdown_()
    assert text.startswith(f"**csto-2018: 30 replications, seed 1; horizon {summary.horizon}**")
    assert "| milestone | reached by the horizon | median date | 5% | 95% |" in text
    assert "Summary(" not in page + text


def test_a_trace_is_a_table_of_events_with_the_votes(run):
    scenario, _ = run
    found = cstosim.find_replication(scenario, 1, "granted")
    story = cstosim.trace(scenario, found.result)
    events = story.to_frame()
    assert len(events) == len(story.events) and list(events.columns[:4]) == ["date", "kind", "text", "rules"]
    (review, *_) = events[events["kind"] == "review"].itertuples()
    assert set(review.votes) == {member.name for member in scenario.members}
    shown = cstosim.readable(events.loc[events["kind"] == "review", ["date", "votes", "granted"]]).to_html()
    assert "support: " in shown and (">yes<" in shown or ">no<" in shown)

"""The timeline (one replication on a date axis) and the process diagram drawn from the scenario."""

from __future__ import annotations

import datetime as dt
import math

import matplotlib.dates as mdates
import pytest
from matplotlib.figure import Figure

import cstosim
from conftest import base_table, build
from cstosim.outcomes.statistics import DAYS_PER_YEAR


def texts(figure: Figure) -> str:
    """Every text of the figure, wrapped lines joined: one space between words."""
    return " ".join(" ".join(t.get_text() for t in figure.findobj(lambda artist: hasattr(artist, "get_text"))).split())


def test_timeline_draws_each_ratification_entry_into_force_sessions_and_reviews():
    scenario = build(base_table(members=3, candidates=1))
    result = cstosim.run_replication(scenario, 1)
    figure = cstosim.timeline(scenario, result)
    (axes,) = figure.axes
    labels = [label.get_text() for label in axes.get_yticklabels()]
    assert labels == ["M0", "M1", "M2", "C0", "Council sessions"]
    bars = [patch for patch in axes.patches if patch.get_height() == 0.5]
    assert len(bars) == 3  # one ratification bar per member
    ends = sorted(mdates.num2date(bar.get_x() + bar.get_width()).date() for bar in bars)
    assert ends == [dt.date(2020, 4, 10), dt.date(2020, 7, 19), dt.date(2020, 10, 27)]
    content = texts(figure)
    assert "entry into force 2020-10-27, last: M2" in content
    assert "granted" in content
    review_day = mdates.date2num(result.date(result.reviews[0].day))
    markers = [line for line in axes.get_lines() if line.get_marker() == "o"]
    assert any(review_day in line.get_xdata() for line in markers)
    session_line = next(line for line in axes.get_lines() if line.get_marker() == "|" and len(line.get_xdata()) > 1)
    assert len(session_line.get_xdata()) >= 2


def test_timeline_marks_a_stalled_ratification_and_an_absence():
    table = base_table(members=2, candidates=1)
    table["members"][1]["ratification"]["stall_probability"] = 1.0
    table["members"][0]["participation_changes"] = [{"state": "absent", "on": dt.date(2020, 6, 1)}]
    scenario = build(table)
    content = texts(cstosim.timeline(scenario, cstosim.run_replication(scenario, 1)))
    assert "stalled at" in content and "absent from 2020-06-01" in content
    assert "entry into force 20" not in content  # the stalled member keeps the instrument out of force


def test_process_diagram_is_drawn_from_the_scenario_and_shows_a_changed_rule():
    csto = cstosim.process_diagram(cstosim.load_scenario("csto-2018"))
    content = texts(csto)
    for expected in (
        "Ratification",
        "on the last notification (6 of 6)",
        "Permanent Council",
        "Collective",
        "constructive abstention",
        "Armenia: absent from 2023-11-23",
    ):
        assert expected in content, expected
    four = texts(cstosim.process_diagram(cstosim.load_scenario("csto-2018-four-notifications")))
    assert "on notification number 4 of 6" in four
    absence = texts(cstosim.process_diagram(cstosim.load_scenario("csto-2018-absence-objects")))
    assert "ABSENCE COUNTS AS AN OBJECTION" in absence and "ABSENCE COUNTS" not in content
    sco = texts(cstosim.process_diagram(cstosim.load_scenario("sco-like-observer")))
    assert "No ratification" in sco and "Council of Heads of" in sco


def test_process_diagram_takes_the_criteria_from_the_file_or_says_it_has_none():
    csto = texts(cstosim.process_diagram(cstosim.load_scenario("csto-2018")))
    assert (
        "Admission criteria: A state must be a UN member" in csto and "contradict the organization's treaties" in csto
    )
    plain = texts(cstosim.process_diagram(build(base_table())))
    assert "Admission criteria: not described in the scenario file." in plain and "UN member" not in plain


def test_side_by_side_counts_years_after_adoption_and_labels_conditional_figures():
    fast = build(base_table(members=1, candidates=1))  # in force 100 days after adoption
    slow = build(base_table(members=3, candidates=1))  # in force 300 days after adoption
    never = base_table(members=1, candidates=1)
    never["members"][0]["ratification"]["stall_probability"] = 1.0
    tables = {
        "fast": cstosim.run_replications(fast, 8, seed=1),
        "slow": cstosim.run_replications(slow, 8, seed=1),
        "never": cstosim.run_replications(build(never), 8, seed=1),
    }
    table = cstosim.side_by_side(tables)
    assert table.loc["fast", "entry into force: median years, over those reaching it"] == 100 / DAYS_PER_YEAR
    assert table.loc["slow", "entry into force: median years, over those reaching it"] == 300 / DAYS_PER_YEAR
    assert table.loc["slow", "entry into force: years by which half of all reached it"] == 300 / DAYS_PER_YEAR
    assert table.loc["slow", "entry into force: share by the horizon"] == 1.0
    assert table.loc["never", "entry into force: years by which half of all reached it"] == math.inf
    assert math.isnan(table.loc["never", "entry into force: median years, over those reaching it"])
    figure = cstosim.plot_side_by_side({"fast": tables["fast"], "slow": tables["slow"]}, "first_grant")
    assert [text.get_text() for text in figure.axes[0].get_legend().get_texts()] == [
        "fast (100% by the horizon)",
        "slow (100% by the horizon)",
    ]


def test_the_teaching_api_loads_matplotlib_and_jinja2_only_when_used():
    import subprocess
    import sys

    code = (
        "import sys, cstosim; before = {'matplotlib', 'jinja2'} & set(sys.modules); "
        "from cstosim import timeline, write_report; cstosim.plots; "
        "print(sorted(before), sorted({'matplotlib', 'jinja2'} & set(sys.modules)))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[] ['jinja2', 'matplotlib']"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"rule": "nth_notification", "notifications_required": 2}, "notification number 2"),
        ({"rule": "ratifiers_only"}, "binding only the states that"),
    ],
)
def test_other_entry_into_force_rules_are_told_and_drawn(change, expected):
    table = base_table(members=3, candidates=1)
    table["instrument"]["entry_into_force"] = change
    scenario = build(table)
    result = cstosim.run_replication(scenario, 1)
    story = cstosim.trace(scenario, result)
    assert expected in story.rule("entry_into_force").statement
    (event,) = [e for e in story.events if e.kind == "entry_into_force"]
    assert event.date == (dt.date(2020, 7, 19) if "notifications_required" in change else dt.date(2020, 4, 10))
    assert expected.split()[0] in texts(cstosim.process_diagram(scenario))
    cstosim.timeline(scenario, result)


def test_adoption_at_a_session_after_drafting_is_told_and_drawn():
    table = base_table(members=2, candidates=0)
    table["instrument"] = {"name": "Decision", "adopting_body": "Council", "drafting": {"kind": "fixed", "days": 10}}
    scenario = build(table)
    result = cstosim.run_replication(scenario, 1)
    story = cstosim.trace(scenario, result)
    assert "adopted at the first session of the Council after drafting" in story.rule("adoption").statement
    assert story.events[0].kind == "adoption" and "at the session of the Council" in story.events[0].text
    assert result.adoption is not None and story.events[0].date == result.date(result.adoption.day)
    assert "after drafting" in texts(cstosim.process_diagram(scenario))
    cstosim.timeline(scenario, result)


def test_timeline_upto_draws_the_history_so_far_in_the_frame_of_the_whole():
    scenario = build(base_table(members=3, candidates=1))  # ratifications on days 100, 200, 300
    result = cstosim.run_replication(scenario, 1)
    whole = cstosim.timeline(scenario, result)
    kinds = [entry.kind.value for entry in result.log]
    first_two = kinds.index("ratification", kinds.index("ratification") + 1) + 1  # up to the 2nd notification
    partial = cstosim.timeline(scenario, result, upto=first_two)
    assert partial.axes[0].get_xlim() == whole.axes[0].get_xlim()  # the chart grows in place
    bars = [patch for patch in partial.axes[0].patches if patch.get_height() == 0.5]
    ends = sorted(mdates.num2date(bar.get_x() + bar.get_width()).date() for bar in bars)
    assert ends == [dt.date(2020, 4, 10), dt.date(2020, 7, 19), dt.date(2020, 7, 19)]  # M2 still ratifying, to now
    content = texts(partial)
    assert "ratifying" in content and "now: 2020-07-19" in content and "entry into force 2020" not in content
    assert "has not applied" in content and f"after event {first_two} of {len(result.log)}" in content
    assert "entry into force 2020-10-27" in texts(cstosim.timeline(scenario, result, upto=len(result.log)))
    with pytest.raises(ValueError, match="upto must be between 0 and"):
        cstosim.timeline(scenario, result, upto=len(result.log) + 1)


def test_history_so_far_keeps_only_the_milestones_in_the_first_events():
    from cstosim.analysis.timeline import history_so_far

    scenario = build(base_table(members=3, candidates=1))
    result = cstosim.run_replication(scenario, 1)
    assert history_so_far(result, len(result.log)) == result
    empty = history_so_far(result, 0)
    assert empty.log == () and empty.adoption is None and empty.ratifications == () and empty.grants == ()
    before_grant = history_so_far(result, len(result.log) - 1)
    assert before_grant.entry_into_force == result.entry_into_force and before_grant.grants == ()


def test_process_diagram_lights_the_stage_of_each_event():
    from cstosim.analysis.timeline import process_stage

    scenario = cstosim.load_scenario("csto-2018")
    result = cstosim.run_replication(scenario, 1)
    stages = {process_stage(entry) for entry in result.log}
    assert {"adoption", "ratification", "entry_into_force", "application", "decision"} <= stages
    assert "review:Permanent Council" in stages
    for stage in stages:
        assert stage is not None
        figure = cstosim.process_diagram(scenario, highlight=stage)
        (lit,) = [patch for patch in figure.axes[0].patches if patch.get_gid() == "lit"]
        assert lit.get_linewidth() > 2
    assert not [p for p in cstosim.process_diagram(scenario).axes[0].patches if p.get_gid() == "lit"]
    with pytest.raises(ValueError, match="no stage 'review:CSC' in the diagram of csto-2018"):
        cstosim.process_diagram(scenario, highlight="review:CSC")

"""The politics of granting, each mechanism against an analytic answer or a property of every replication.

Statuses and paths, the agenda (take-up, withdrawal, return), recorded requests, stances that change, drivers,
membership that changes, criteria met later, and the shared ratification frailty.
"""

from __future__ import annotations

import copy
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import base_table, build, fixed
from cstosim import ScenarioError, parse_scenario, run_replications
from cstosim.engine import Simulator
from cstosim.engine.events import EventKind, Granted, MemberJoined, Reviewed

START = dt.date(2020, 1, 1)


def yearly_council(table, first=2021, last=2040, month=11, day=15):
    """The deciding body meets once a year on a known date (so sessions are countable)."""
    dates = [dt.date(year, month, day) for year in range(first, last + 1)]
    table["organization"]["bodies"][0]["calendar"] = {"fixed_dates": dates}
    table["horizon"] = dt.date(last, 12, 31)


def details(table, replications, seed):
    simulator = Simulator(build(table), detail=True)
    return list(simulator.run_many(seed, range(replications)))


# The agenda --------------------------------------------------------------------------------------------------


def test_a_pending_request_is_taken_up_after_a_geometric_number_of_sessions(table):
    p, replications = 0.3, 3000
    yearly_council(table)
    table["organization"]["agenda"] = {"take_up_probability": p}
    results = run_replications(build(table), replications, seed=3)
    # In force on day 300 (2020-10-27); the request is ready 40 days later, after the 2020 sessions: the first
    # session that can take it up is 2021-11-15, one a year after that.
    sessions = results["granted[C0]"].dt.year - 2020
    assert sessions.notna().mean() > 0.99
    assert abs(sessions.mean() - 1 / p) < 4 * math.sqrt((1 - p) / p**2 / replications)
    observed = sessions.value_counts(normalize=True).sort_index()
    for k in range(1, 5):
        assert abs(observed[k] - p * (1 - p) ** (k - 1)) < 0.03, k


def test_a_request_waiting_past_a_yearly_withdrawal_chance_survives_with_the_geometric_probability(table):
    w, replications = 0.2, 4000
    yearly_council(table, first=2026)  # the first session is five years away: ready 2020-12-06, meets 2026-11-15
    table["organization"]["agenda"] = {"withdrawal_per_year": w}
    results = run_replications(build(table), replications, seed=4)
    waited_years = (dt.date(2026, 11, 15) - dt.date(2020, 12, 6)).days / 365.25
    expected = (1 - w) ** waited_years
    observed = results["reviews[C0]"].gt(0).mean()
    assert abs(observed - expected) < 4 * math.sqrt(expected * (1 - expected) / replications)


def test_a_withdrawn_request_comes_back_after_its_delay_when_it_revives(table):
    yearly_council(table, first=2030)
    table["organization"]["agenda"] = {
        "withdrawal_per_year": 0.5,
        "revival_probability": 1.0,
        "revival_after": fixed(100),
    }
    for result in details(table, 40, seed=5):
        withdrawn = [e for e in result.log if e.kind is EventKind.WITHDRAWAL]
        revived = [e for e in result.log if e.kind is EventKind.REVIVAL]
        assert len(revived) == len(withdrawn), "every withdrawal comes back"
        for out, back in zip(withdrawn, revived, strict=True):
            assert back.day == pytest.approx(out.day + 100)
        assert result.reviews, "and is decided in the end"


def test_old_deferral_keys_get_a_message_saying_what_replaces_them(table):
    table["organization"]["review"]["deferral_probability"] = 0.25
    table["organization"]["review"]["max_deferrals"] = 2
    with pytest.raises(ScenarioError) as raised:
        build(table)
    (problem,) = raised.value.problems
    assert problem.startswith("test.toml: organization.review: deferral_probability and max_deferrals were replaced")
    assert "[organization.agenda] take_up_probability = 0.75" in problem


# Recorded requests, statuses and paths ------------------------------------------------------------------------


def test_a_request_made_before_entry_into_force_waits_on_the_agenda_until_it_is_in_force(table):
    table["members"][2]["ratification"] = {"delay": fixed(1500)}  # in force 2024-02-09
    table["candidates"][0]["requests"] = [{"status": "observer", "on": dt.date(2021, 3, 1)}]
    (result,) = details(table, 1, seed=1)
    kinds = [event.kind for event in result.log]
    assert EventKind.AWAITING_INSTRUMENT in kinds
    assert result.applications[0].day == (dt.date(2021, 3, 1) - START).days
    assert result.reviews[0].day > result.entry_into_force.day
    assert result.date(result.reviews[0].day) == dt.date(2024, 11, 15) or result.reviews[0].day >= 1500


LADDER = [
    {"name": "dialogue_partner", "criteria": [], "needs_instrument": False},
    {"name": "observer", "requires": "dialogue_partner", "held_for": fixed(700), "needs_instrument": False},
    {"name": "member", "requires": "observer", "held_for": fixed(1000), "membership": True, "needs_instrument": False},
]


def ladder_table(**candidate):
    table = base_table(members=3, candidates=1)
    yearly_council(table, first=2020, last=2045)
    table["organization"]["statuses"] = copy.deepcopy(LADDER)
    table["candidates"][0].update({"status": "member", "application": {"after": fixed(10)}} | candidate)
    return table


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 2**64 - 1),
    take_up=st.floats(0.2, 1),
    support=st.floats(0.5, 1),
    held_for=st.integers(0, 2000),
    effective=st.integers(0, 400),
)
def test_a_step_of_a_path_is_never_granted_before_the_step_before_it_is_held_long_enough(
    seed, take_up, support, held_for, effective
):
    table = ladder_table()
    table["organization"]["agenda"] = {"take_up_probability": take_up}
    statuses = table["organization"]["statuses"]
    statuses[1]["held_for"] = fixed(held_for)
    statuses[0]["effective_after"] = fixed(effective)
    for member in table["members"]:
        member["stance"] = {"support": support, "abstain": 0.0, "object": 1 - support}
    for result in Simulator(build(table)).run_many(seed, range(30)):
        order = [grant.status for grant in result.grants]
        assert order == ["dialogue_partner", "observer", "member"][: len(order)], "in path order"
        days = {grant.status: grant.day for grant in result.grants}
        if "observer" in days:
            assert days["observer"] >= days["dialogue_partner"] + effective + held_for
        applied = {a.status: a.day for a in result.applications}
        if "member" in applied:
            assert applied["member"] >= days["observer"] + 1000


def test_a_candidate_holding_a_status_at_the_start_requests_only_the_next_steps():
    table = ladder_table(held=[{"status": "observer", "since": dt.date(2015, 7, 10)}])
    (result,) = details(table, 1, seed=2)
    assert [a.status for a in result.applications] == ["member"]
    # held since 2015, for the 1000 days member requires: it may request at once.
    assert result.applications[0].day == pytest.approx(0 + 0, abs=1)


def test_a_candidate_that_becomes_a_member_votes_from_its_accession_only():
    table = ladder_table(member_stance={"support": 0.0, "abstain": 0.0, "object": 1.0})
    second = copy.deepcopy(table["candidates"][0])
    second.update({"name": "C1", "status": "observer", "application": {"after": fixed(3650)}})
    second.pop("member_stance")
    table["candidates"].append(second)
    for result in details(table, 30, seed=7):
        joined = [e.day for e in result.log if isinstance(e, MemberJoined) and e.member == "C0"]
        for review in result.reviews:
            if review.candidate != "C1":
                continue
            voters = dict(review.votes)
            if joined and review.day >= joined[0]:
                assert voters.get("C0") == "object" and not review.granted
            else:
                assert "C0" not in voters


# Members that join and leave ---------------------------------------------------------------------------------


def test_a_member_that_joins_never_votes_before_its_accession(table):
    yearly_council(table)
    joined = dt.date(2024, 6, 1)
    table["members"].append(
        {
            "name": "Newcomer",
            "stance": {"support": 1.0, "abstain": 0.0, "object": 0.0},
            "membership": {"joined_on": joined},
        }
    )
    table["candidates"][0]["reapplication"] = {"probability": 1.0, "max_times": 10, "after": fixed(30)}
    table["organization"]["agenda"] = {"take_up_probability": 0.4}
    for member in table["members"][:3]:
        member["stance"] = {"support": 0.5, "abstain": 0.0, "object": 0.5}
    reviews = [review for result in details(table, 60, seed=8) for review in result.reviews]
    day = (joined - START).days
    assert any(review.day < day for review in reviews) and any(review.day >= day for review in reviews)
    for review in reviews:
        assert ("Newcomer" in dict(review.votes)) == (review.day >= day)


def test_a_member_that_joins_after_adoption_does_not_ratify_and_one_that_leaves_is_not_waited_for(table):
    table["members"].append(
        {
            "name": "Newcomer",
            "stance": {"support": 1.0, "abstain": 0.0, "object": 0.0},
            "membership": {"joined_on": dt.date(2021, 1, 1)},
        }
    )
    table["members"][2]["ratification"] = {"delay": fixed(3000)}
    table["members"][2]["membership"] = {"left_on": dt.date(2022, 1, 1)}
    (result,) = details(table, 1, seed=1)
    assert [r.member for r in result.ratifications] == ["M0", "M1"]
    left = (dt.date(2022, 1, 1) - START).days
    assert result.entry_into_force.day == left, "in force when the last member still bound left"
    assert EventKind.MEMBER_LEFT in [event.kind for event in result.log]


def test_a_yearly_chance_of_leaving_gives_exponential_departures(table):
    w, replications = 0.1, 3000
    table["members"][2]["ratification"] = {"delay": fixed(20000)}  # would never notify by the horizon
    table["members"][2]["membership"] = {"withdrawal_per_year": w}
    table["horizon"] = dt.date(2040, 12, 31)
    results = run_replications(build(table), replications, seed=9)
    years = (results["entry_into_force"] - pd.Timestamp(START)).dt.days / 365.25
    expected = 1 - (1 - w) ** 10
    assert abs(years.le(10).mean() - expected) < 4 * math.sqrt(expected * (1 - expected) / replications)


# Stances and drivers -----------------------------------------------------------------------------------------


def test_a_recorded_stance_change_applies_from_its_date(table):
    yearly_council(table)
    table["candidates"][0]["reapplication"] = {"probability": 1.0, "max_times": 12, "after": fixed(30)}
    table["members"][0]["stance"] = {"support": 1.0, "abstain": 0.0, "object": 0.0}
    table["members"][0]["stance_changes"] = [
        {"on": dt.date(2024, 1, 1), "support": 0.0, "abstain": 0.0, "object": 1.0, "candidate": "C0", "reason": "r"}
    ]
    for member in table["members"][1:]:
        member["stance"] = {"support": 0.0, "abstain": 1.0, "object": 0.0}
    (result,) = details(table, 1, seed=1)
    day = (dt.date(2024, 1, 1) - START).days
    assert result.grants and result.grants[0].day < day, "granted while M0 supported"
    changed = [event for event in result.log if event.kind is EventKind.STANCE_CHANGE]
    assert len(changed) == 1 and changed[0].day == day and changed[0].reason == "r"


def test_a_yearly_chance_of_a_stance_change_happens_after_an_exponential_time(table):
    p, replications = 0.25, 4000
    yearly_council(table, first=2030, last=2030)  # one session only, on 2030-11-15
    table["members"][0]["stance"] = {"support": 1.0, "abstain": 0.0, "object": 0.0}
    table["members"][0]["stance_changes"] = [{"per_year": p, "support": 0.0, "abstain": 0.0, "object": 1.0}]
    results = run_replications(build(table), replications, seed=10)
    years = (dt.date(2030, 11, 15) - START).days / 365.25
    expected = (1 - p) ** years  # no change yet at the session: M0 still supports
    observed = results["granted[C0]"].notna().mean()
    assert abs(observed - expected) < 4 * math.sqrt(expected * (1 - expected) / replications)


def test_a_driver_adds_to_the_application_chance_of_the_candidates_it_names(table):
    table["candidates"] = [
        {"name": name, "kind": "state", "status": "observer", "tags": [tag], "application": {"probability": 0.3}}
        for name, tag in (("C0", "near"), ("C1", "far"))
    ]
    table["drivers"] = [
        {
            "name": "demand for peacekeeping cooperation",
            "probability": 0.5,
            "effects": [{"target": "application_probability", "change": 0.4, "tag": "near"}],
        }
    ]
    results = run_replications(build(table), 4000, seed=11)
    near, far = results["applied[C0]"].notna().mean(), results["applied[C1]"].notna().mean()
    assert abs(near - (0.5 * 0.7 + 0.5 * 0.3)) < 0.03
    assert abs(far - 0.3) < 0.03


def test_a_support_driver_moves_objection_to_support(table):
    yearly_council(table)
    for member in table["members"]:
        member["stance"] = {"support": 0.6, "abstain": 0.0, "object": 0.4}
    table["drivers"] = [{"name": "push", "effects": [{"target": "support", "change": 0.4, "members": ["M0", "M1"]}]}]
    results = run_replications(build(table), 2000, seed=12)
    # M0 and M1 always support; M2 objects with chance 0.4 at the one review.
    assert abs(results["granted[C0]"].notna().mean() - 0.6) < 0.04


# Criteria that change ----------------------------------------------------------------------------------------


def test_a_barred_candidate_is_found_inadmissible_until_it_meets_the_criteria(table):
    yearly_council(table)
    table["candidates"][0]["criteria"] = {"no_relations_with": ["M1"], "met_on": dt.date(2025, 6, 1)}
    table["candidates"][0]["reapplication"] = {"probability": 1.0, "after": fixed(400), "max_times": 5}
    (result,) = details(table, 1, seed=1)
    met = (dt.date(2025, 6, 1) - START).days
    assert result.applications[0].day >= met, "it waits to apply until it can be admitted"
    assert result.grants and result.grants[0].day >= met
    assert EventKind.CRITERIA_MET in [event.kind for event in result.log]


def test_a_candidate_never_meeting_the_criteria_is_never_granted(table):
    table["candidates"][0]["criteria"] = {"no_relations_with": ["M1"], "met_after": fixed(50_000)}
    results = run_replications(build(table), 50, seed=13)
    assert results["granted[C0]"].isna().all() and results["reviews[C0]"].eq(0).all()


# Ratification delays that move together -----------------------------------------------------------------------


@pytest.mark.parametrize("frailty", [0.0, 0.5, 1.0])
def test_a_shared_frailty_gives_the_stated_correlation_between_members_delays(table, frailty):
    spread, replications = 0.6, 6000
    for member in table["members"]:
        member["ratification"] = {"delay": {"kind": "lognormal", "median_days": 300, "spread": spread}}
    table["instrument"]["ratification_frailty"] = {"spread": frailty}
    table["candidates"] = []
    table["horizon"] = dt.date(2090, 12, 31)
    results = run_replications(build(table), replications, seed=14)
    logs = np.log([(results[f"ratified[M{i}]"] - pd.Timestamp(START)).dt.days.to_numpy() + 0.5 for i in range(2)])
    observed = np.corrcoef(logs)[0, 1]
    expected = frailty**2 / (frailty**2 + spread**2)
    assert abs(observed - expected) < 4 / math.sqrt(replications) + 0.01  # whole days add a little noise


def test_bundled_scenarios_with_the_new_keys_validate_and_run():
    from cstosim import bundled_scenarios, load_scenario

    for name in bundled_scenarios():
        scenario = load_scenario(name)
        table = run_replications(scenario, 20, seed=1)
        assert len(table) == 20, name


def test_a_status_must_be_declared_and_a_request_must_be_on_the_path():
    table = ladder_table(requests=[{"status": "partner", "on": dt.date(2021, 1, 1)}])
    table["members"][0]["stance_changes"] = [
        {"on": START, "support": 1.0, "abstain": 0.0, "object": 0.0, "status": "x"}
    ]
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(table, "ladder.toml")
    problems = raised.value.problems
    assert problems == [
        'ladder.toml: members[M0].stance_changes[0].status: must name a declared status: "dialogue_partner", '
        '"observer" or "member" (got "x")',
        'ladder.toml: candidates[C0].requests[0].status: must be a status on the path to "member": '
        '"dialogue_partner", "observer" or "member" (got "partner")',
    ]


def test_granted_columns_hold_the_status_each_candidate_seeks():
    table = ladder_table()
    results = run_replications(build(table), 30, seed=15)
    simulator = Simulator(build(table))
    for (_, row), result in zip(results.iterrows(), simulator.run_many(15, range(30)), strict=True):
        member = [g for g in result.grants if isinstance(g, Granted) and g.status == "member"]
        assert pd.isna(row["granted[C0]"]) == (not member)
        assert all(isinstance(review, Reviewed) for review in result.reviews)


def test_a_what_if_adds_a_candidate_without_restating_the_others(tmp_path):
    from cstosim import load_scenario

    path = tmp_path / "kazakh-neighbour.toml"
    path.write_text(
        'extends = "csto-2018"\nname = "with-mongolia"\n\n[candidates.Mongolia]\nkind = "state"\n'
        'status = "observer"\nsource = "what-if"\n\n[candidates.Mongolia.application]\nprobability = 0.4\n',
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    base = load_scenario("csto-2018")
    assert [c.name for c in scenario.candidates] == [*(c.name for c in base.candidates), "Mongolia"]
    assert scenario.candidate("Mongolia").application.probability == 0.4
    typo = tmp_path / "typo.toml"
    typo.write_text('extends = "csto-2018"\nname = "t"\n[candidates.Iarn.application]\nprobability = 0.4\n')
    with pytest.raises(ScenarioError) as raised:
        load_scenario(typo)
    assert raised.value.problems[0].endswith('(got "Iarn"); did you mean Iran? (a new one must give kind and status)')

"""The engine against analytic answers, the rules, and properties that must hold in every replication."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import base_table, build, fixed
from cstosim import run_replication, run_replications
from cstosim.engine import Simulator
from cstosim.engine.events import EventKind
from cstosim.scenario_files.paths import with_value


def test_deterministic_delays_give_exact_dates(table):
    # Ratifications after 100, 200, 300 days; in force on the last; the application 30 days later goes to the
    # Secretariat for 10 days, then waits for the council session, known to be on 2021-11-15.
    table["organization"]["bodies"][0]["calendar"] = {"fixed_dates": [dt.date(2020, 11, 20), dt.date(2021, 11, 15)]}
    scenario = build(table)
    result = run_replication(scenario, 1)
    start = dt.date(2020, 1, 1)
    assert [(r.member, result.date(r.day)) for r in result.ratifications] == [
        ("M0", start + dt.timedelta(100)),
        ("M1", start + dt.timedelta(200)),
        ("M2", start + dt.timedelta(300)),
    ]
    assert result.date(result.entry_into_force.day) == start + dt.timedelta(300)
    assert result.last_ratifier == "M2"
    assert result.date(result.applications[0].day) == start + dt.timedelta(330)
    assert [result.date(r.day) for r in result.reviews] == [dt.date(2021, 11, 15)]
    assert result.grants[0].candidate == "C0"
    assert result.date(result.grants[0].day) == dt.date(2021, 11, 15)


def exponential_members(table, count: int, mean: float) -> None:
    table["members"] = [
        {
            "name": f"M{i}",
            "ratification": {"delay": {"kind": "exponential", "mean_days": mean}},
            "stance": {"support": 1.0, "abstain": 0.0, "object": 0.0},
        }
        for i in range(count)
    ]


def test_last_of_n_exponential_ratifications_takes_harmonic_number_over_rate(table):
    n, mean, replications = 6, 200.0, 4000
    exponential_members(table, n, mean)
    table["candidates"] = []
    days = run_replications(build(table), replications, seed=11)["entry_into_force"]
    simulated = (days - pd.Timestamp(2020, 1, 1)).dt.days.mean()
    harmonic = sum(1 / k for k in range(1, n + 1))
    standard_deviation = mean * math.sqrt(sum(1 / k**2 for k in range(1, n + 1)))
    tolerance = 4 * standard_deviation / math.sqrt(replications) + 1  # +1: dates are whole days
    assert abs(simulated - mean * harmonic) < tolerance


def test_nth_notification_rule_waits_for_the_nth_order_statistic(table):
    n, mean, replications = 6, 200.0, 4000
    exponential_members(table, n, mean)
    table["candidates"] = []
    table["instrument"]["entry_into_force"] = {"rule": "nth_notification", "notifications_required": 4}
    days = run_replications(build(table), replications, seed=5)["entry_into_force"]
    simulated = (days - pd.Timestamp(2020, 1, 1)).dt.days.mean()
    expected = mean * sum(1 / k for k in range(n - 3, n + 1))  # E[X_(4) of 6] = (1/6 + 1/5 + 1/4 + 1/3) / rate
    assert abs(simulated - expected) < 0.05 * expected


def test_ratifiers_only_rule_is_in_force_at_the_first_notification_and_only_ratifiers_vote(table):
    table["instrument"]["entry_into_force"] = {"rule": "ratifiers_only"}
    table["members"][2]["stance"] = {"support": 0.0, "abstain": 0.0, "object": 1.0}
    table["organization"]["bodies"][0]["calendar"] = {"fixed_dates": [dt.date(2020, 6, 1)]}
    result = run_replication(build(table), 1)
    assert result.entry_into_force.day == 100
    # On 2020-06-01 (day 152) only M0 has ratified: M2's objection is not counted because it is not bound.
    assert result.reviews[0].votes == (("M0", result.reviews[0].votes[0][1]),)
    assert result.reviews[0].granted


def test_a_stalled_ratification_keeps_the_instrument_out_of_force(table):
    table["members"][1]["ratification"]["stall_probability"] = 1.0
    result = run_replication(build(table), 3)
    assert result.stalled == ("M1",)
    assert result.entry_into_force is None
    assert result.applications == () and result.grants == ()


def test_absent_member_blocks_under_unanimity_but_not_under_constructive_abstention(table):
    table["members"][0]["participation_changes"] = [{"state": "absent", "on": dt.date(2020, 6, 1)}]
    for rule, granted in (("unanimity", False), ("consensus_of_present", True), ("constructive_abstention", True)):
        table["organization"]["consensus"] = {"rule": rule}
        result = run_replication(build(table), 2)
        assert result.reviews[0].granted is granted, rule
        assert ("M0", "absent") in result.reviews[0].votes


def test_inadmissible_candidate_is_never_granted(table):
    table["candidates"][0]["criteria"] = {"no_relations_with": ["M1"]}
    table["candidates"][0]["reapplication"] = {"probability": 1.0, "max_times": 3}
    result = run_replication(build(table), 4)
    assert result.grants == () and result.reviews == ()
    assert [entry.kind for entry in result.log].count(EventKind.INADMISSIBLE) == 4, "each application is refused"


def test_rejected_candidate_reapplies_up_to_the_limit(table):
    table["members"][0]["stance"] = {"support": 0.0, "abstain": 0.0, "object": 1.0}
    table["candidates"][0]["reapplication"] = {"probability": 1.0, "after": fixed(100), "max_times": 2}
    result = run_replication(build(table), 4)
    assert [a.attempt for a in result.applications] == [1, 2, 3]
    assert len(result.reviews) == 3 and not any(r.granted for r in result.reviews)


def test_sessions_fall_in_their_windows_and_follow_their_body():
    table = base_table()
    table["organization"]["bodies"].append(
        {"id": "Ministers", "name": "Ministers", "calendar": {"with_body": "Council", "offset_days": -1}}
    )
    scenario = build(table)
    result = run_replication(scenario, 9)
    council = [scenario.date(day) for day in result.sessions["Council"]]
    assert all(date.month == 11 for date in council)
    assert len(council) == len({date.year for date in council}) == 11  # 2020 to 2030, one a year
    assert [day + 1 for day in result.sessions["Ministers"]] == list(result.sessions["Council"])


def test_same_seed_same_table_and_different_seed_different_table():
    scenario_table = base_table()
    scenario_table["members"][0]["ratification"] = {"delay": {"kind": "lognormal", "median_days": 300, "spread": 1}}
    scenario = build(scenario_table)
    first = run_replications(scenario, 50, seed=123)
    second = run_replications(scenario, 50, seed=123)
    third = run_replications(scenario, 50, seed=124)
    assert first.equals(second)
    assert not first["entry_into_force"].equals(third["entry_into_force"])


def test_a_replication_reruns_alone_from_its_recorded_seed(default_scenario):
    table = run_replications(default_scenario, 20, seed=77)
    row = table.iloc[13]
    alone = run_replication(default_scenario, int(row["seed"]), int(row["replication"]))
    assert alone.entry_into_force is not None and not pd.isna(row["entry_into_force"])
    assert default_scenario.date(alone.entry_into_force.day) == row["entry_into_force"].date()
    assert alone.last_ratifier == row["last_ratifier"]


def test_changing_one_parameter_leaves_the_other_draws_in_place(table):
    """Common random numbers: a slower M2 changes M2's date only, not M0's or M1's."""
    for member in table["members"]:
        member["ratification"] = {"delay": {"kind": "lognormal", "median_days": 300, "spread": 0.8}}
    slower = with_value(table, "members[M2].ratification.delay.median_days", 900)
    a = run_replications(build(table), 30, seed=8)
    b = run_replications(build(slower), 30, seed=8)
    assert a["ratified[M0]"].equals(b["ratified[M0]"])
    assert a["ratified[M1]"].equals(b["ratified[M1]"])
    later = b["ratified[M2]"] > a["ratified[M2]"]
    assert (later | b["ratified[M2]"].isna()).all(), "slower, or not by the horizon"


@pytest.fixture(scope="module")
def default_scenario():
    from cstosim import load_scenario

    return load_scenario("csto-2018")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), name=st.sampled_from(["csto-2018", "csto-2024", "sco-like-observer"]))
def test_invariants_of_every_replication(seed, name):
    from cstosim import load_scenario

    scenario = load_scenario(name)
    result = Simulator(scenario, detail=True).run(seed, 0)
    days = [entry.day for entry in result.log]
    assert days == sorted(days), "the log is in date order"
    assert all(day < scenario.horizon_day + 1 for day in days), "nothing after the horizon's day"
    in_force = result.entry_into_force.day if result.entry_into_force else math.inf
    assert all(review.day >= in_force for review in result.reviews), "nothing is reviewed before entry into force"
    assert all(grant.day >= in_force for grant in result.grants), "nothing is granted before entry into force"
    for review in result.reviews:
        objected = any(vote == "object" for _, vote in review.votes)
        assert not (objected and review.granted), "one objection blocks"
    granted = [grant.candidate for grant in result.grants]
    assert len(granted) == len(set(granted)), "a status is granted at most once"

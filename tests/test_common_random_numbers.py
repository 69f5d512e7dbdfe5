"""Common random numbers: a what-if sees its baseline's random numbers wherever it changed nothing.

For a random change of csto-2018 (a parameter value, a count such as ``reapplication.max_times`` up to its
limit, the horizon, an added or removed member, candidate, body or review stage, a known session, a stance
change, a member's chance of leaving), every column of the run table that the change cannot affect is
identical, row by row. Which columns a change can affect follows from the process: a member's ratification
reaches only its own date, entry into force and what comes after; the review reaches only reviews and grants;
a candidate's application reaches only that candidate's columns (and the first grant).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cstosim import parse_scenario, run_replications
from cstosim.model.limits import MAX_REAPPLICATIONS
from cstosim.scenario_files.loader import read_scenario_table
from cstosim.scenario_files.paths import with_value

REPLICATIONS = 60
BASE, _ = read_scenario_table("csto-2018")
MEMBERS = [member["name"] for member in BASE["members"]]
CANDIDATES = [candidate["name"] for candidate in BASE["candidates"]]
APPLYING = [candidate["name"] for candidate in BASE["candidates"] if "application" in candidate]  # no recorded request

Table = dict[str, Any]
Change = tuple[Table, Callable[[str], bool]]  # the changed table, and which columns it cannot affect


def _member_columns(names: list[str]) -> set[str]:
    return {f"ratified[{name}]" for name in names}


def _candidate_columns(names: list[str]) -> set[str]:
    return {f"{kind}[{name}]" for name in names for kind in ("applied", "reviews", "granted")}


UP_TO_FORCE = {"adoption", "entry_into_force", "last_ratifier", *_member_columns(MEMBERS)}
FIRST_APPLICATIONS = {f"applied[{name}]" for name in CANDIDATES}


def _review_change(data: st.DataObject) -> Change:
    path, value = data.draw(
        st.one_of(
            st.tuples(st.just("organization.agenda.take_up_probability"), st.floats(0.01, 1)),
            st.tuples(st.just("organization.agenda.withdrawal_per_year"), st.floats(0, 1)),
            st.tuples(st.just("organization.agenda.revival_probability"), st.floats(0, 1)),
            st.tuples(st.just("organization.consensus.rule"), st.sampled_from(["unanimity", "consensus_of_present"])),
            st.tuples(st.just("organization.consensus.absence_counts_as_objection"), st.just(True)),
            st.tuples(st.just("organization.review.stages[1].delay.median_days"), st.floats(1, 2000, allow_nan=False)),
        )
    )
    return with_value(BASE, path, value), (UP_TO_FORCE | FIRST_APPLICATIONS).__contains__


def _member_change(data: st.DataObject) -> Change:
    member = data.draw(st.sampled_from(MEMBERS))
    path, value = data.draw(
        st.one_of(
            st.tuples(st.just(f"members[{member}].ratification.stall_probability"), st.floats(0, 1)),
            st.tuples(
                st.sampled_from([f"members[{member}].ratification.stages[{k}].delay.median_days" for k in range(3)]),
                st.floats(1, 3000, allow_nan=False),
            ),
        )
    )
    others = _member_columns([name for name in MEMBERS if name != member])
    return with_value(BASE, path, value), ({"adoption"} | others).__contains__


def _stance_change(data: st.DataObject) -> Change:
    member = data.draw(st.sampled_from(MEMBERS))
    support = data.draw(st.floats(0, 1))
    stance = {"support": support, "abstain": 0.0, "object": 1 - support}
    if data.draw(st.booleans()):
        table = with_value(BASE, f"members[{member}].stance", stance)
    else:
        table = copy.deepcopy(BASE)
        change = stance | {"per_year": data.draw(st.floats(0, 1)), "candidate": data.draw(st.sampled_from(CANDIDATES))}
        next(m for m in table["members"] if m["name"] == member).setdefault("stance_changes", []).append(change)
    return table, (UP_TO_FORCE | FIRST_APPLICATIONS).__contains__


def _withdrawal_chance(data: st.DataObject) -> Change:
    member = data.draw(st.sampled_from(MEMBERS))
    table = with_value(BASE, f"members[{member}].membership", {"withdrawal_per_year": data.draw(st.floats(0, 1))})
    others = _member_columns([name for name in MEMBERS if name != member])
    return table, ({"adoption"} | others).__contains__


def _candidate_change(data: st.DataObject) -> Change:
    candidate = data.draw(st.sampled_from(APPLYING))
    path, value = data.draw(
        st.one_of(
            st.tuples(st.just(f"candidates[{candidate}].application.probability"), st.floats(0, 1)),
            st.tuples(
                st.just(f"candidates[{candidate}].reapplication.max_times"), st.sampled_from([0, 3, MAX_REAPPLICATIONS])
            ),
            st.tuples(st.just(f"candidates[{candidate}].reapplication.probability"), st.floats(0, 1)),
            st.tuples(
                st.just(f"candidates[{candidate}].application.after.median_days"), st.floats(1, 4000, allow_nan=False)
            ),
        )
    )
    others = _candidate_columns([name for name in CANDIDATES if name != candidate])
    unaffected = UP_TO_FORCE | others
    if "reapplication" in path:
        unaffected = unaffected | {f"applied[{candidate}]"}
    return with_value(BASE, path, value), unaffected.__contains__


def _added_candidate(data: st.DataObject) -> Change:
    table = copy.deepcopy(BASE)
    new = copy.deepcopy(data.draw(st.sampled_from(BASE["candidates"])))
    new["name"] = "Newcomer"
    new.pop("requests", None)
    new.setdefault("application", {})["probability"] = data.draw(st.floats(0, 1))
    table["candidates"].insert(data.draw(st.integers(0, len(CANDIDATES))), new)
    return table, lambda column: column not in ("first_grant", "first_grant_candidate")


def _removed_candidate(data: st.DataObject) -> Change:
    removed = data.draw(st.sampled_from(CANDIDATES))
    table = copy.deepcopy(BASE)
    table["candidates"] = [c for c in table["candidates"] if c["name"] != removed]
    for member in table["members"]:
        for kind in ("stance_rules", "stance_changes"):
            member[kind] = [r for r in member.get(kind, []) if r.get("candidate") != removed]
    kept = _candidate_columns([name for name in CANDIDATES if name != removed])
    return table, (UP_TO_FORCE | kept).__contains__


def _added_member(data: st.DataObject) -> Change:
    table = copy.deepcopy(BASE)
    new = copy.deepcopy(table["members"][1])
    new["name"] = "Newland"
    new["ratification"]["stall_probability"] = data.draw(st.floats(0, 0.5))
    table["members"].insert(data.draw(st.integers(0, len(MEMBERS))), new)
    return table, ({"adoption"} | _member_columns(MEMBERS)).__contains__


def _added_body_or_session(data: st.DataObject) -> Change:
    table = copy.deepcopy(BASE)
    if data.draw(st.booleans()):
        calendar = {"windows": [{"start": "03-01", "end": "04-30"}], "extraordinary_per_year": 1.0}
        table["organization"]["bodies"].insert(0, {"id": "Assembly", "name": "Assembly", "calendar": calendar})
        return table, lambda column: True
    year = data.draw(st.integers(2021, 2031))
    csc = table["organization"]["bodies"][0]["calendar"]
    csc["fixed_dates"] = sorted({*csc["fixed_dates"], dt.date(year, 10, 15)})
    return table, (UP_TO_FORCE | FIRST_APPLICATIONS).__contains__


def _added_review_stage(data: st.DataObject) -> Change:
    table = copy.deepcopy(BASE)
    stage = {"body": "Permanent Council", "delay": {"kind": "exponential", "mean_days": data.draw(st.floats(1, 500))}}
    table["organization"]["review"]["stages"].insert(data.draw(st.integers(0, 3)), stage)
    return table, (UP_TO_FORCE | FIRST_APPLICATIONS).__contains__


CHANGES = [
    _review_change,
    _member_change,
    _stance_change,
    _withdrawal_chance,
    _candidate_change,
    _added_candidate,
    _removed_candidate,
    _added_member,
    _added_body_or_session,
    _added_review_stage,
]


def _run(table: Table, seed: int) -> pd.DataFrame:
    return run_replications(parse_scenario(copy.deepcopy(table), "what-if.toml"), REPLICATIONS, seed=seed)


@settings(max_examples=45, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**64 - 1))
def test_a_change_leaves_every_column_it_cannot_affect_identical(data, seed):
    change = data.draw(st.sampled_from(CHANGES))
    changed, unaffected = change(data)
    baseline, what_if = _run(BASE, seed), _run(changed, seed)
    compared = [column for column in baseline.columns if column in what_if.columns and unaffected(column)]
    assert compared, "every change leaves something to compare"
    for column in compared:
        pd.testing.assert_series_equal(baseline[column], what_if[column], obj=f"{change.__name__}: {column}")


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), years=st.integers(-6, 30))
def test_another_horizon_leaves_every_date_before_both_horizons_identical(seed, years):
    changed = copy.deepcopy(BASE)
    changed["horizon"] = dt.date(BASE["horizon"].year + years, 12, 31)
    baseline, what_if = _run(BASE, seed), _run(changed, seed)
    earlier = pd.Timestamp(min(BASE["horizon"], changed["horizon"]))
    for column in baseline.columns:
        if pd.api.types.is_datetime64_any_dtype(baseline[column]):
            before = baseline[column].where(baseline[column] <= earlier)
            after = what_if[column].where(what_if[column] <= earlier)
            pd.testing.assert_series_equal(before, after, obj=column)

"""Finding a history: conditions, the first matching replication, and ``cstosim trace --where``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import cstosim
from conftest import base_table, build
from cstosim.analysis.search import Condition, ConditionError, find_replication, parse_condition
from cstosim.cli import main
from cstosim.engine import events as e
from cstosim.model.rules import Vote


@pytest.fixture(scope="module")
def csto() -> cstosim.Scenario:
    return cstosim.load_scenario("csto-2018")


def test_conditions_are_parsed_with_names_matched_without_case(csto):
    assert parse_condition("granted", csto) == Condition("granted")
    assert parse_condition(" Granted:iran ", csto) == Condition("granted", "Iran")
    assert parse_condition("objects:ARMENIA", csto) == Condition("objects", "Armenia")
    assert parse_condition("never-in-force", csto) == Condition("never-in-force")
    assert parse_condition("deferred", csto) == Condition("deferred")
    assert parse_condition("deferred:uzbekistan", csto) == Condition("deferred", "Uzbekistan")
    assert parse_condition("granted:Commonwealth of Independent States", csto).name == (
        "Commonwealth of Independent States"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("grant", "'grant': not a condition (use granted, granted:CANDIDATE, objects:MEMBER, deferred, deferred:CAN"),
        ("deferred:Armenia", "'deferred:Armenia': no candidate 'Armenia' in csto-2018 (there are: Uzbekistan,"),
        ("objects:", "'objects:': give a member state after 'objects:' (in csto-2018: Armenia, Belarus,"),
        ("objects:Armenai", "'objects:Armenai': no member state 'Armenai' in csto-2018 (there are: Armenia,"),
        ("granted:Armenia", "'granted:Armenia': no candidate 'Armenia' in csto-2018 (there are: Uzbekistan,"),
        ("never-in-force:Iran", "'never-in-force:Iran': not a condition"),
    ],
)
def test_bad_conditions_say_what_is_allowed(csto, text, message):
    with pytest.raises(ConditionError) as error:
        parse_condition(text, csto)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "where", ["granted", "granted:Iran", "objects:Armenia", "deferred", "deferred:Uzbekistan", "never-in-force"]
)
def test_the_first_match_holds_and_no_earlier_replication_does(csto, where):
    found = find_replication(csto, 1, where)
    assert found.found and found.result is not None and found.replication is not None
    condition = parse_condition(where, csto)
    assert found.searched == found.replication + 1
    for earlier in range(found.replication):
        assert condition.first_event(cstosim.run_replication(csto, 1, earlier)) is None
    result = found.result
    assert result == cstosim.run_replication(csto, 1, found.replication)  # the same row as in any run
    if where == "never-in-force":
        assert result.entry_into_force is None
    else:
        assert found.event is not None
        event = result.log[found.event]
        if where.startswith("granted"):
            assert isinstance(event, e.Granted)
            assert where == "granted" or event.candidate == "Iran"
        elif where.startswith("deferred"):
            assert isinstance(event, e.Deferred)
            assert where == "deferred" or event.candidate == "Uzbekistan"
        else:
            assert isinstance(event, e.Reviewed) and "Armenia" in event.members_voting(Vote.OBJECT)


def test_several_conditions_must_all_hold_and_the_search_starts_where_asked(csto):
    both = find_replication(csto, 1, ["granted:Iran", "objects:Armenia"])
    assert both.result is not None and both.replication is not None
    assert both.result.grant("Iran") is not None
    assert any("Armenia" in review.members_voting(Vote.OBJECT) for review in both.result.reviews)
    later = find_replication(csto, 1, "granted", start=both.replication + 1)
    assert later.replication is not None and later.replication > both.replication


def test_no_match_says_how_many_replications_were_searched():
    table = base_table(members=2, candidates=1)  # every member supports: no objection can happen
    scenario = build(table)
    found = find_replication(scenario, 5, "objects:M0", limit=25, start=10)
    assert not found.found and found.searched == 25 and found.result is None
    assert found.describe() == (
        "No replication of seed 5 where M0 objects at a review: searched 25 (replications 10 to 34)."
    )
    with pytest.raises(ValueError, match="limit must be >= 1"):
        find_replication(scenario, 5, "granted", limit=0)


def test_cli_trace_where_tells_the_first_match_and_reports_problems_in_one_line():
    runner = CliRunner()
    result = runner.invoke(main, ["trace", "--seed", "1", "--where", "granted:Iran", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "Replication 4 of seed 1 is the first where Iran is granted its status (5 searched)." in result.output
    assert '"replication": 4' in result.output and '"candidate": "Iran"' in result.output
    bad = runner.invoke(main, ["trace", "--where", "objects:Armenai"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert bad.output.startswith("Error: --where 'objects:Armenai': no member state 'Armenai' in csto-2018")
    assert bad.output.count("\n") == 1
    none = runner.invoke(main, ["trace", "--seed", "1", "--where", "objects:Armenia", "--limit", "5"])
    assert none.exit_code == 1 and "Traceback" not in none.output
    assert "searched 5 (replications 0 to 4)" in none.output

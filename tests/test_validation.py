"""Validation that helps: every problem of a file at once, each line in the file's own terms (named items, TOML
values, the closest accepted key or name), dates within the simulated period."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from conftest import base_table, build, fixed
from cstosim import ScenarioError, load_scenario, run_replication
from cstosim.cli import main
from cstosim.engine.events import ParticipationChanged
from cstosim.model.citations import Catalogue
from cstosim.scenario_files.checks import scenario_problems
from cstosim.scenario_files.problems import closest, display_path, toml_value
from cstosim.scenario_files.references import MemberName
from cstosim.scenario_files.schema import ScenarioSpec

MANY_PROBLEMS = """\
name = "many"
title = "a file with many problems"
start = 2016-01-01
horizon = 2030-12-31

[organization]
name = "Test Organization"
short_name = "TO"
depositary = "Secretariat"

[[organization.bodies]]
id = "Council"
name = "Council"
calendar = { windows = [{ start = "02-01", end = "02-29" }], fixed_dates = [2016-01-16, 2031-05-01] }

[[organization.bodies]]
id = "Secretariat"
name = "Secretariat"

[organization.review]
deciding_body = "Counsil"
stages = [{ body = "Secretariat", delay = { kind = "lognormall", median_days = 10, spread = 0.5 } }]

[organization.consensus]
rule = "unanimty"

[instrument]
name = "Decision"
adopted_on = 2016-01-16
requires_ratification = "yes"

[[members]]
name = "Tajikistan"
stance = { support = 1.0, abstain = 0.0, object = 0.0 }
participation_changes = [{ state = "absent", on = 2031-01-01 }]
ratification = { delay = { kind = "fixed", days = 100 }, stall_probabilty = 0.1 }

[[members]]
name = "Kazakhstan"
stance = { support = 0.5, abstain = 0.2, object = 0.1 }
ratification = { ratified_on = 2031-02-01 }

[[members]]
name = "Kyrgyzstan"
stance = { support = 1.0, abstain = 0.0, object = 0.0 }

[[candidates]]
name = "Iran"
kind = "state"
status = "observr"
criteria = { no_relations_with = ["Kazakstan"] }
application = { after = { kind = "fixed", days = "30" } }

[[candidates]]
name = "Iran"
kind = "state"
status = "partner"
"""


def test_a_file_with_many_problems_gets_them_all_at_once_in_the_order_of_the_file(tmp_path: Path):
    path = tmp_path / "many.toml"
    path.write_text(MANY_PROBLEMS, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    period = "2016-01-01 (start) to 2030-12-31 (horizon)"
    assert result.output.removeprefix("Error: ").splitlines() == [
        f"{path}: {line}"
        for line in [
            f"organization.bodies[Council].calendar.fixed_dates: must be within the simulated period, {period} "
            "(got 2031-05-01)",
            'organization.review.deciding_body: must name a body with a calendar: "Council" (got "Counsil"); '
            'did you mean "Council"?',
            'organization.review.stages[0].delay.kind: must be "fixed", "uniform", "exponential", "lognormal" or '
            '"empirical" (got "lognormall"); did you mean "lognormal"?',
            'organization.consensus.rule: must be "unanimity", "consensus_of_present" or "constructive_abstention" '
            '(got "unanimty"); did you mean "unanimity"?',
            'instrument.requires_ratification: must be true or false (got "yes")',
            "members[Tajikistan].participation_changes[0].on: must not be after the horizon: the simulated period is "
            f"{period} (got 2031-01-01)",
            "members[Tajikistan].ratification.stall_probabilty: unknown key (got 0.1); did you mean stall_probability?",
            "members[Kazakhstan].stance: support + abstain + object must sum to 1 (got 0.8)",
            "members[Kazakhstan].ratification.ratified_on: must not be after the horizon: the simulated period is "
            f"{period} (got 2031-02-01)",
            'candidates[0].status: must name a declared status: "partner" or "observer" (got "observr"); '
            'did you mean "observer"?',
            'candidates[0].criteria.no_relations_with: must name a member state: "Tajikistan", "Kazakhstan" or '
            '"Kyrgyzstan" (got "Kazakstan"); did you mean "Kazakhstan"?',
            'candidates[0].application.after.days: must be a number (got "30")',
            'candidates[1]: duplicate name (got "Iran")',
        ]
    ]


def test_names_and_references_are_checked_even_when_the_types_are_wrong():
    table = base_table(candidates=2)
    table["candidates"][1]["name"] = "C0"  # a duplicate ...
    table["members"][0]["stance_rules"] = [{"candidate": "C9", "support": 1.0, "abstain": 0.0, "object": 0.0}]
    table["organization"]["review"]["stages"][0]["body"] = "Secretariat "  # ... two references to nothing ...
    table["members"][1]["stance"]["support"] = "high"  # ... and a type error elsewhere in the file
    with pytest.raises(ScenarioError) as raised:
        build(table)
    assert raised.value.problems == [
        'test.toml: organization.review.stages[0].body: must name a body in organization.bodies: "Council" or '
        '"Secretariat" (got "Secretariat "); did you mean "Secretariat"?',
        'test.toml: members[M0].stance_rules[0].candidate: must name a candidate: "C0" (got "C9")',  # none close
        'test.toml: members[M1].stance.support: must be a number (got "high")',
        'test.toml: candidates[1]: duplicate name (got "C0")',
    ]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (True, "true"),
        (False, "false"),
        (dt.date(2016, 1, 16), "2016-01-16"),
        (dt.datetime(2016, 1, 16, 10, 30), "2016-01-16T10:30:00"),
        ("text", '"text"'),
        ('say "no"', '"say \\"no\\""'),
        (0.5, "0.5"),
        (-3, "-3"),
        (float("inf"), "inf"),
        ([1, 2], "[1, 2]"),
        ([], "[]"),
        ({"kind": "fixed", "days": 3}, '{ kind = "fixed", days = 3 }'),
        ({"a b": [True, dt.date(2020, 1, 1)]}, '{ "a b" = [true, 2020-01-01] }'),
        ({}, "{}"),
        ("x" * 100, '"' + "x" * 55 + '..."'),
        (list(range(40)), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16..."),
    ],
)
def test_values_are_shown_as_toml_writes_them(value, written):
    assert toml_value(value) == written


def test_paths_name_items_as_dotted_paths_do_and_fall_back_to_positions():
    table = base_table()
    stages = [{"name": "parliament", "delay": fixed(10)}, {"name": "sign.ature", "delay": fixed(5)}]
    table["members"][0]["ratification"] = {"stages": stages}
    table["members"][0]["participation_changes"] = [{"state": "absent", "on": dt.date(2021, 1, 1)}]
    table["organization"]["bodies"][0]["calendar"]["fixed_dates"] = [dt.date(2021, 1, 1)]
    where = ("members", 0, "ratification", "stages", 0, "delay", "days")
    assert display_path(table, where) == "members[M0].ratification.stages[parliament].delay.days"
    assert display_path(table, ("members", 0, "ratification", "stages", 1)) == "members[M0].ratification.stages[1]"
    assert display_path(table, ("members", 0, "participation_changes", 0, "on")) == (
        "members[M0].participation_changes[0].on"
    )
    assert display_path(table, ("organization", "bodies", 0, "calendar", "fixed_dates", 0)) == (
        "organization.bodies[Council].calendar.fixed_dates"
    )
    assert display_path(table, ()) == "(top level)"
    table["members"][1]["name"] = "M0"  # a name two items share addresses neither
    assert display_path(table, ("members", 1, "stance")) == "members[1].stance"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda t: t["organization"]["bodies"].append(
                {"id": "Ministers", "name": "Ministers", "calendar": {"with_body": "Counsil"}}
            ),
            'organization.bodies[Ministers].calendar.with_body: must name a body with a calendar: "Council" or '
            '"Ministers" (got "Counsil"); did you mean "Council"?',
        ),
        (
            lambda t: t["instrument"].update(adopted_on=None, adopting_body="Councill", drafting=fixed(10)),
            'instrument.adopting_body: must name a body with a calendar: "Council" (got "Councill"); '
            'did you mean "Council"?',
        ),
        (
            lambda t: t["candidates"][0].update(kind="organisation"),
            'candidates[C0].kind: must be "state" or "organization" (got "organisation"); did you mean "organization"?',
        ),
        (
            lambda t: t["organization"]["review"]["stages"][0].update(dealy=fixed(3)),
            'organization.review.stages[0].dealy: unknown key (got { kind = "fixed", days = 3 }); did you mean delay?',
        ),
        (
            lambda t: t["members"][0]["ratification"].update(delay={"kind": "fixed", "dayz": 3}),
            "members[M0].ratification.delay.dayz: unknown key (got 3); did you mean days?",  # and days: missing
        ),
        (
            lambda t: t["members"][0]["ratification"].update(delay={"days": 3}),
            'members[M0].ratification.delay.kind: required key is missing: one of "fixed", "uniform", "exponential", '
            '"lognormal" or "empirical"',
        ),
        (
            lambda t: t["members"][0]["ratification"].update(delay=100),
            'members[M0].ratification.delay: must be a table with kind = "fixed", "uniform", "exponential", '
            '"lognormal" or "empirical" (got 100)',
        ),
        (
            lambda t: t["instrument"]["entry_into_force"].update(rule="nth_notification"),
            "instrument.entry_into_force.notifications_required: must be >= 1 for rule nth_notification (not given)",
        ),
        (
            lambda t: t["organization"]["bodies"][0]["calendar"].update(windows=[{"start": "02-30", "end": "03-01"}]),
            "organization.bodies[Council].calendar: window start must be a day of the year, MM-DD (got 02-30)",
        ),
        (
            lambda t: t["organization"]["bodies"][0]["calendar"].update(with_body="Council"),
            "organization.bodies[Council].calendar.with_body: calendars must not follow each other in a cycle "
            '(Council -> Council) (got "Council")',
        ),
    ],
    ids=[
        "with_body",
        "adopting_body",
        "enum",
        "key",
        "key of a delay",
        "no kind",
        "delay not a table",
        "value not given",
        "impossible day",
        "cycle",
    ],
)
def test_a_misspelt_key_value_or_name_gets_the_closest_accepted_one(change, expected):
    table = base_table()
    change(table)
    with pytest.raises(ScenarioError) as raised:
        build(table)
    assert f"test.toml: {expected}" in raised.value.problems, raised.value.problems
    assert len(raised.value.problems) == 1 or "days: required key is missing" in raised.value.problems[1]


def test_a_misspelt_name_in_an_extends_file_gets_the_closest_name(tmp_path: Path):
    path = tmp_path / "what-if.toml"
    path.write_text(
        'extends = "csto-2018"\nname = "what-if"\n\n[members.Tajikstan.ratification]\nstall_probability = 0.5\n\n'
        '[candidates."Commonwealth of Independent State"]\nkind = "organization"\n\n'
        "[organization.agenda]\ntake_up_probabilty = 0.3\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    assert raised.value.problems == [  # the unknown items are left out, and the rest of the file is still checked
        f'{path}: members.Tajikstan: no item of that name in the base scenario (got "Tajikstan"); '
        "did you mean Tajikistan? (a new one must give stance)",
        f'{path}: candidates."Commonwealth of Independent State": no item of that name in the base scenario '
        '(got "Commonwealth of Independent State"); did you mean "Commonwealth of Independent States"? '
        "(a new one must give kind and status)",
        f"{path}: organization.agenda.take_up_probabilty: unknown key (got 0.3); did you mean take_up_probability?",
    ]


def test_only_a_close_name_is_offered():
    members = ["Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan"]
    assert closest("Tajikstan", members) == "Tajikistan" and closest("Kazakstan", members) == "Kazakhstan"
    assert closest("Uzbekistan", members) is None  # another state, however alike its ending


def test_an_extends_file_that_changes_a_delays_kind_replaces_the_delay(tmp_path: Path):
    path = tmp_path / "what-if.toml"
    path.write_text(
        'extends = "csto-2018"\nname = "what-if"\n\n[instrument.entry_into_force]\n'
        'delay = { kind = "exponential", mean_days = 10 }\n\n'
        '[organization.review.stages.1]\nsource = "not a stage name"\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    assert len(raised.value.problems) == 1 and "review.stages.1: no item of that name" in raised.value.problems[0]
    path.write_text(path.read_text().split("\n\n[organization")[0] + "\n", encoding="utf-8")
    assert load_scenario(path).instrument.entry_into_force.delay.mean == 10


# Dates within the simulated period ---------------------------------------------------------------------------

PERIOD = "2020-01-01 (start) to 2030-12-31 (horizon)"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda t: t["members"][0].update(participation_changes=[{"state": "absent", "on": dt.date(2031, 1, 1)}]),
            "members[M0].participation_changes[0].on: must not be after the horizon: the simulated period is "
            f"{PERIOD} (got 2031-01-01)",
        ),
        (
            lambda t: t["organization"]["bodies"][0]["calendar"].update(fixed_dates=[dt.date(2019, 12, 31)]),
            f"organization.bodies[Council].calendar.fixed_dates: must be within the simulated period, {PERIOD} "
            "(got 2019-12-31)",
        ),
        (
            lambda t: t["organization"]["bodies"][0]["calendar"].update(extraordinary_dates=[dt.date(2040, 1, 1)]),
            f"organization.bodies[Council].calendar.extraordinary_dates: must be within the simulated period, {PERIOD} "
            "(got 2040-01-01)",
        ),
        (
            lambda t: t["members"][0].update(ratification={"ratified_on": dt.date(2031, 1, 1)}),
            "members[M0].ratification.ratified_on: must not be after the horizon: the simulated period is "
            f"{PERIOD} (got 2031-01-01)",
        ),
        (
            lambda t: t["instrument"].update(adopted_on=dt.date(2031, 1, 1)),
            "instrument.adopted_on: must not be after the horizon (2030-12-31) (got 2031-01-01)",
        ),
    ],
    ids=["participation change", "fixed date", "extraordinary date", "ratified_on", "adopted_on"],
)
def test_a_date_outside_the_simulated_period_is_an_error(change, expected):
    table = base_table()
    change(table)
    with pytest.raises(ScenarioError) as raised:
        build(table)
    assert raised.value.problems == [f"test.toml: {expected}"]


def test_dates_between_an_earlier_adoption_and_the_start_are_simulated():
    """A scenario that starts after adoption replays it (``origin_day``): dates from adoption on are valid; a
    session before that never happens, while a change recorded before it holds from the first simulated day."""
    table = base_table()
    table["start"] = dt.date(2024, 1, 1)
    table["instrument"]["adopted_on"] = dt.date(2018, 11, 8)
    table["organization"]["bodies"][0]["calendar"]["fixed_dates"] = [dt.date(2018, 11, 8), dt.date(2023, 11, 23)]
    table["members"][0]["ratification"] = {"ratified_on": dt.date(2020, 3, 6)}
    table["members"][1]["participation_changes"] = [{"state": "absent", "on": dt.date(2023, 11, 23)}]
    scenario = build(table)
    result = run_replication(scenario, seed=1)
    assert scenario.date(result.ratification_day("M0")) == dt.date(2020, 3, 6)
    table["members"][1]["participation_changes"][0]["on"] = dt.date(2018, 11, 7)
    changes = [event for event in run_replication(build(table), seed=1).log if isinstance(event, ParticipationChanged)]
    assert [(change.member, change.day) for change in changes] == [("M1", scenario.day(dt.date(2018, 11, 8)))]
    table["organization"]["bodies"][0]["calendar"]["fixed_dates"][0] = dt.date(2018, 11, 7)
    with pytest.raises(ScenarioError) as raised:
        build(table)
    assert raised.value.problems == [
        "test.toml: organization.bodies[Council].calendar.fixed_dates: must be within the simulated period, "
        "2018-11-08 (adoption) to 2030-12-31 (horizon) (got 2018-11-07)"
    ]
    assert load_scenario("csto-2024").start > load_scenario("csto-2024").instrument.adopted_on  # the bundled case


def test_a_session_window_may_end_on_february_29():
    table = base_table()
    table["organization"]["bodies"][0]["calendar"]["windows"] = [{"start": "02-29", "end": "02-29"}]
    scenario = build(table)
    sessions = run_replication(scenario, seed=1).sessions["Council"]
    dates = [scenario.date(day) for day in sessions]
    assert dt.date(2024, 2, 29) in dates and dt.date(2021, 2, 28) in dates  # clipped to Feb 28 in other years


# The machinery is driven by the models ------------------------------------------------------------------------


class _WithAlly(ScenarioSpec):
    """A scenario format with a key added: a member named as an ally."""

    ally: MemberName | None = None


def test_a_new_reference_key_is_checked_without_a_change_to_the_checks():
    table = base_table()
    table["ally"] = "M9"
    problems = scenario_problems(table, Catalogue(), _WithAlly)
    assert [(problem.location, problem.rule, problem.value) for problem in problems] == [
        (("ally",), 'must name a member state: "M0", "M1" or "M2"', "M9")
    ]


def test_a_new_key_gets_the_same_suggestions_from_validation():
    from cstosim.scenario_files.problems import problem_lines, validation_problems

    table = base_table()
    table["aly"] = "M0"
    with pytest.raises(ValidationError) as raised:
        _WithAlly.model_validate(table)
    problems = validation_problems(_WithAlly, table, raised.value)
    assert problem_lines("x.toml", table, problems) == ['x.toml: aly: unknown key (got "M0"); did you mean ally?']


WRONG_VALUES = [
    5,
    2.5,
    "x",
    "",
    [],
    {},
    True,
    dt.date(1999, 1, 1),
    dt.datetime(2020, 1, 1, 1),
    ["M0"],
    {"kind": "fixed"},
]


def test_any_wrong_value_anywhere_gives_problems_never_a_crash():
    """The checks of the raw table run whatever the types: each value of a file replaced by values of every other
    type gives one line per problem (or a valid file), never an exception."""
    from cstosim.scenario_files.problems import walk

    table = base_table()
    table["members"][0]["stance_rules"] = [{"candidate": "C0", "support": 1.0, "abstain": 0.0, "object": 0.0}]
    table["members"][1]["participation_changes"] = [{"state": "absent", "on": dt.date(2022, 1, 1)}]
    table["organization"]["bodies"].append({"id": "Ministers", "name": "M", "calendar": {"with_body": "Council"}})
    table["organization"]["review"]["stages"].append({"body": "Council", "at_session": True})
    table["candidates"][0]["criteria"] = {"no_relations_with": ["M1"]}
    table["organization"]["statuses"] = [{"name": "observer"}, {"name": "member", "requires": "observer"}]
    table["candidates"][0].update(status="member", requests=[{"status": "observer", "on": dt.date(2021, 1, 1)}])
    table["candidates"][0]["held"] = [
        {"status": "observer", "since": dt.date(2010, 1, 1), "until": dt.date(2012, 1, 1)}
    ]
    table["members"][2]["membership"] = {"joined_on": dt.date(2022, 1, 1)}
    table["members"][2]["stance_changes"] = [{"on": dt.date(2023, 1, 1), "support": 1.0, "abstain": 0.0, "object": 0.0}]
    effect = {"target": "support", "change": 0.1, "members": ["M0"], "candidate": "C0"}
    table["drivers"] = [{"name": "pressure", "on": dt.date(2022, 1, 1), "effects": [effect]}]
    build(table)  # valid as it stands
    locations = [location for location, _, _ in walk(ScenarioSpec, table) if location]
    assert len(locations) > 120
    for location in locations:
        for value in WRONG_VALUES:
            changed = copy.deepcopy(table)
            node = changed
            for step in location[:-1]:
                node = node[step]
            node[location[-1]] = value
            try:
                build(changed)
            except ScenarioError as error:
                assert error.problems and all(problem.startswith("test.toml: ") for problem in error.problems)
                assert all("\n" not in problem and "Error" not in problem for problem in error.problems)

"""Scenario files: bundled scenarios, sources, inheritance, paths, and one clear line per problem."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import base_table, build
from cstosim import ScenarioError, bundled_scenarios, load_scenario, run_replications
from cstosim.scenario_files.loader import read_scenario_table
from cstosim.scenario_files.paths import get_value, parse_value, with_value

BUNDLED = sorted(bundled_scenarios())


def test_the_required_scenarios_are_bundled():
    assert {"csto-2018", "csto-2024", "sco-like-observer"} <= set(BUNDLED)
    assert any(name.startswith("csto-2018-") for name in BUNDLED), "at least one what-if of a rule"


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scenario_loads_and_runs(name):
    scenario = load_scenario(name)
    table = run_replications(scenario, 30, seed=1)
    assert len(table) == 30
    assert scenario.name == name


def _tables_with_parameters(node, path=""):
    """Every table of a scenario file that sets a parameter (a key other than name/id/title/source)."""
    if isinstance(node, dict):
        keys = set(node) - {"name", "id", "title", "description", "source", "kind"}
        if any(not isinstance(node[key], (dict, list)) for key in keys) and "kind" not in node:
            yield path or "scenario", node
        for key, value in node.items():
            yield from _tables_with_parameters(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _tables_with_parameters(item, f"{path}[{index}]")


@pytest.mark.parametrize("name", BUNDLED)
def test_every_parameter_of_a_bundled_scenario_carries_its_source(name):
    table, _ = read_scenario_table(name)
    unsourced = []
    for path, node in _tables_with_parameters(table):
        # A table is covered by its own source or by the source of the table that holds it.
        parent = path.rsplit(".", 1)[0] if "." in path else "scenario"
        holder = get_value(table, parent) if parent != "scenario" else table
        if not node.get("source") and not (isinstance(holder, dict) and holder.get("source")):
            unsourced.append(path)
    assert unsourced == []


def test_sources_are_collected_by_path():
    scenario = load_scenario("csto-2018")
    assert "seed 003" in scenario.sources["instrument.entry_into_force"]
    assert "2023-11-23" in scenario.sources["members[0].participation_changes[0]"]


def test_extends_changes_only_what_it_sets():
    base = load_scenario("csto-2018")
    what_if = load_scenario("csto-2018-tajikistan-one-year")
    tajikistan = what_if.member("Tajikistan").ratification
    assert tajikistan is not None and len(tajikistan.stages) == 1 and tajikistan.stages[0].delay.mean == 365
    assert what_if.member("Russia") == base.member("Russia")
    assert what_if.organization == base.organization
    assert "what-if" in what_if.sources["members[5].ratification"]


def test_extends_with_an_unknown_item_name(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('extends = "csto-2018"\n[members.Narnia.ratification]\nstall_probability = 0.5\n')
    with pytest.raises(ScenarioError, match=r"bad.toml: members.Narnia: no item of that name"):
        load_scenario(path)


def test_paths_read_and_change_one_parameter():
    table, _ = read_scenario_table("csto-2018")
    path = "members[Tajikistan].ratification.stages[1].delay.median_days"
    assert get_value(table, path) == 240
    changed = with_value(table, path, 100)
    assert get_value(changed, path) == 100 and get_value(table, path) == 240
    assert get_value(table, "organization.bodies[CSC].name") == "Collective Security Council"
    with pytest.raises(ScenarioError, match="no such parameter"):
        get_value(table, "members[Narnia].stance")
    assert parse_value("400") == 400 and parse_value("0.5") == 0.5 and parse_value("unanimity") == "unanimity"
    assert parse_value("2020-01-01") == dt.date(2020, 1, 1) and parse_value("true") is True


# Bad input: each case is a change to a valid file and the line it must produce, in full.
BAD_INPUTS = [
    (
        "unknown key",
        lambda t: t["members"][0].update(ratificaton={}),
        "members[M0].ratificaton: unknown key (got {}); did you mean ratification?",
    ),
    (
        "wrong type",
        lambda t: t["members"][0]["ratification"].update(delay={"kind": "fixed", "days": "100"}),
        'members[M0].ratification.delay.days: must be a number (got "100")',
    ),
    (
        "negative delay",
        lambda t: t["members"][1].update(ratification={"delay": {"kind": "lognormal", "median_days": -5, "spread": 1}}),
        "members[M1].ratification.delay.median_days: must be a finite number > 0 (got -5)",
    ),
    (
        "probability above 1",
        lambda t: t["members"][0]["ratification"].update(stall_probability=1.5),
        "members[M0].ratification.stall_probability: must be a probability between 0 and 1 (got 1.5)",
    ),
    (
        "stance not summing to 1",
        lambda t: t["members"][0].update(stance={"support": 0.5, "abstain": 0.2, "object": 0.1}),
        "members[M0].stance: support + abstain + object must sum to 1 (got 0.8)",
    ),
    (
        "undefined member",
        lambda t: t["candidates"][0].update(criteria={"no_relations_with": ["Atlantis"]}),
        'candidates[C0].criteria.no_relations_with: must name a member state: "M0", "M1" or "M2" (got "Atlantis")',
    ),
    (
        "undefined candidate",
        lambda t: t["members"][0].update(
            stance_rules=[{"candidate": "Nobody", "support": 1.0, "abstain": 0.0, "object": 0.0}]
        ),
        'members[M0].stance_rules[0].candidate: must name a candidate: "C0" (got "Nobody")',
    ),
    (
        "undefined body",
        lambda t: t["organization"]["review"].update(deciding_body="Senate"),
        'organization.review.deciding_body: must name a body with a calendar: "Council" (got "Senate")',
    ),
    (
        "body without a calendar",
        lambda t: t["organization"]["review"].update(deciding_body="Secretariat"),
        'organization.review.deciding_body: must name a body with a calendar: "Council" '
        '(got "Secretariat", which has no calendar)',
    ),
    (
        "ratified before adoption",
        lambda t: t["members"][0].update(ratification={"ratified_on": dt.date(2019, 1, 1)}),
        "members[M0].ratification.ratified_on: must not be before adoption (2020-01-01) (got 2019-01-01)",
    ),
    (
        "horizon before start",
        lambda t: t.update(horizon=dt.date(2019, 1, 1)),
        "horizon: must be after start (2020-01-01) (got 2019-01-01)",
    ),
    (
        "date as a string",
        lambda t: t.update(horizon="2030-01-01"),
        'horizon: must be a TOML date such as 2018-11-08, written without quotes (got "2030-01-01")',
    ),
    (
        "bad enum",
        lambda t: t["organization"]["consensus"].update(rule="majority"),
        'organization.consensus.rule: must be "unanimity", "consensus_of_present" or "constructive_abstention" '
        '(got "majority")',
    ),
    ("missing key", lambda t: t["members"][0].pop("stance"), "members[M0].stance: required key is missing"),
    ("duplicate member", lambda t: t["members"].append(dict(t["members"][0])), 'members[3]: duplicate name (got "M0")'),
]


@pytest.mark.parametrize(("change", "expected"), [(c, e) for _, c, e in BAD_INPUTS], ids=[n for n, _, _ in BAD_INPUTS])
def test_bad_input_gets_one_line_naming_file_field_rule_and_value(change, expected):
    table = base_table()
    change(table)
    with pytest.raises(ScenarioError) as raised:
        build(table)
    assert f"test.toml: {expected}" in raised.value.problems, raised.value.problems
    assert all("\n" not in problem for problem in raised.value.problems)


def test_every_problem_is_reported_at_once():
    table = base_table()
    table["members"][0]["ratification"]["stall_probability"] = 2
    table["members"][1]["stance"]["object"] = 0.7
    table["bogus"] = 1
    with pytest.raises(ScenarioError) as raised:
        build(table)
    assert len(raised.value.problems) == 3


def test_malformed_toml_names_the_file_and_line(tmp_path: Path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\nstart = 2020-01-01 oops\n')
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    assert raised.value.problems[0].startswith(f"{path}: not valid TOML")
    assert "line" in raised.value.problems[0]


def test_unknown_scenario_name_lists_the_bundled_ones():
    with pytest.raises(ScenarioError, match=r"no such file or bundled scenario.*csto-2018"):
        load_scenario("csto-1999")

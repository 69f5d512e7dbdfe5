"""The editor schema (``cstosim schema``): generated from the validation models, draft 7 as Taplo reads it, every
bundled scenario valid against it (as the JSON an editor hands it: dates as ISO strings), typos and wrong types not."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft7Validator

from cstosim import bundled_scenarios
from cstosim.cli import main
from cstosim.scenario_files.json_schema import DATE_NOTE, scenario_json_schema

SCHEMA = scenario_json_schema()
VALIDATOR = Draft7Validator(SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER)


def as_json(value: Any) -> Any:
    """A TOML table as editors give it to a JSON schema: dates (and times) as ISO strings."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def document(name: str) -> dict[str, Any]:
    return as_json(tomllib.loads(bundled_scenarios()[name].read_text(encoding="utf-8")))


def errors(instance: Any) -> list[tuple[str, str]]:
    return sorted({(error.json_path, error.message) for error in VALIDATOR.iter_errors(instance)})


def test_the_schema_is_a_valid_draft_7_schema():
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_every_bundled_scenario_is_valid_against_the_schema(name):
    assert errors(document(name)) == []


def test_a_wrong_type_fails():
    scenario = document("csto-2018")
    scenario["members"][0]["ratification"]["stall_probability"] = "high"
    assert ("$.members[0].ratification.stall_probability", "'high' is not of type 'number'") in errors(scenario)


def test_an_unknown_key_fails_in_a_whole_file_and_in_an_extends_file():
    scenario = document("csto-2018")
    scenario["members"][0]["ratification"]["stall_probabilty"] = 0.1
    unexpected = "Additional properties are not allowed ('stall_probabilty' was unexpected)"
    assert ("$.members[0].ratification", unexpected) in errors(scenario)
    what_if = document("csto-2018-tajikistan-one-year")
    what_if["members"]["Tajikistan"]["ratification"]["stall_probabilty"] = 0.1
    assert ("$.members.Tajikistan.ratification", unexpected) in errors(what_if)


def test_a_whole_file_needs_its_required_keys_and_an_extends_file_does_not():
    scenario = document("csto-2018")
    del scenario["title"], scenario["members"][0]["stance"]
    assert {message for _, message in errors(scenario)} >= {
        "'title' is a required property",
        "'stance' is a required property",
    }
    assert errors({"extends": "csto-2018", "members": {"Armenia": {"participation": "absent"}}}) == []


def test_enumerations_kinds_and_dates_are_checked():
    scenario = document("csto-2018")
    scenario["organization"]["consensus"]["rule"] = "unanimty"
    scenario["members"][0]["ratification"] = {"delay": {"kind": "fixed", "median_days": 3}}
    scenario["horizon"] = "2032-13-01"
    found = errors(scenario)
    assert any(path == "$.organization.consensus.rule" and "'unanimty' is not one of" in m for path, m in found)
    assert any(path == "$.members[0].ratification.delay" for path, _ in found)
    assert ("$.horizon", "'2032-13-01' is not a 'date'") in found


def definitions_of_tables() -> dict[str, dict[str, Any]]:
    return {name: schema for name, schema in SCHEMA["definitions"].items() if "properties" in schema}


def test_every_key_is_described_and_no_other_key_is_allowed():
    undescribed = [
        f"{name}.{key}"
        for name, schema in definitions_of_tables().items()
        for key, field in schema["properties"].items()
        if not field.get("description")
    ]
    assert undescribed == [], "add Field(description=...) in scenario_files/schema.py"
    assert all(schema["additionalProperties"] is False for schema in definitions_of_tables().values())


def test_editors_can_read_it():
    """Draft 7 ignores a $ref's siblings (they would hide a key's description), TOML has no null, and a date says
    how TOML writes it."""
    text = json.dumps(SCHEMA)
    assert '"type": "null"' not in text and "$defs" not in text and '"discriminator"' not in text

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            assert "$ref" not in node or len(node) == 1, node
            if node.get("format") == "date":
                assert node["description"].endswith(DATE_NOTE), node
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(SCHEMA)
    delay = SCHEMA["definitions"]["RatificationSpec"]["properties"]["delay"]
    kinds = [SCHEMA["definitions"][arm["$ref"].split("/")[-1]]["properties"]["kind"]["const"] for arm in delay["oneOf"]]
    assert kinds == ["fixed", "uniform", "exponential", "lognormal", "empirical"]


def test_cstosim_schema_prints_it_or_writes_it(tmp_path: Path):
    runner = CliRunner()
    printed = runner.invoke(main, ["schema"])
    assert printed.exit_code == 0 and json.loads(printed.output) == SCHEMA
    out = tmp_path / "scenario.schema.json"
    written = runner.invoke(main, ["schema", "--out", str(out)])
    assert written.exit_code == 0 and json.loads(out.read_text(encoding="utf-8")) == SCHEMA
    missing = runner.invoke(main, ["schema", "--out", str(tmp_path / "no" / "x.json")])
    assert missing.exit_code == 2 and "does not exist" in missing.output and "Traceback" not in missing.output

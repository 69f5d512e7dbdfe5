"""A JSON Schema of the scenario format, for editors that check a TOML file against one while it is typed.

Taplo (and Even Better TOML in VS Code, which runs Taplo) reads the schema named by a ``#:schema PATH`` line at
the top of a file or by a ``[[rule]]`` of ``.taplo.toml``. The schema is generated from the validation models
(``ScenarioSpec.model_json_schema``), never written by hand, then adapted to what editors read:

- JSON Schema draft 7 (Taplo validates with draft 7 rules): ``definitions``, and a ``$ref`` alone in its object
  (draft 7 ignores a ``$ref``'s siblings, which would hide a key's description), wrapped in ``allOf`` otherwise;
- TOML has no null: the ``None`` alternatives of optional keys are dropped;
- a date is a string of ``format: date`` (Taplo hands TOML dates to the schema as ISO strings), with a note that
  TOML dates are written without quotes (the schema cannot tell a quoted date from one without quotes; the loader
  can);
- a file with ``extends`` sets only what differs from its base: it is checked against the same keys and types
  with nothing required, arrays of named tables may be tables of changes by name (``[members.Tajikistan]``),
  and delays may change one key; a file without ``extends`` must be complete.

What a schema cannot express (names that refer to something, dates within the simulated period, probabilities
that sum to 1) is left to ``cstosim validate``.
"""

from __future__ import annotations

import re
from typing import Any

from cstosim.scenario_files.schema import ScenarioSpec

DRAFT = "http://json-schema.org/draft-07/schema#"
DATE_NOTE = "A TOML date, written without quotes: 2018-11-08."
_CHANGES = "Changes"  # suffix of the definitions used in a file with extends


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, as a JSON-ready dictionary."""
    generated = ScenarioSpec.model_json_schema(ref_template="#/definitions/{model}")
    definitions = {name: _for_editors(schema) for name, schema in generated.pop("$defs", {}).items()}
    definitions["Scenario"] = _for_editors(generated)
    for schema in definitions.values():
        if "properties" in schema:
            schema["title"] = _title(schema["title"])
    changes = {f"{name}{_CHANGES}": _changes(schema, definitions) for name, schema in _tables(definitions).items()}
    root = changes.pop(f"Scenario{_CHANGES}")
    root["properties"] = {
        "extends": {
            "type": "string",
            "title": "Extends",
            "description": "the scenario this file changes (a bundled name, or a path relative to this file); "
            "then only what differs is set: tables merge key by key, arrays are replaced, and "
            "[members.NAME] changes the member of that name",
        },
        **root["properties"],
    }
    return {
        "$schema": DRAFT,
        "title": "cstosim scenario",
        "description": "A scenario of cstosim: an organization, the instrument that creates its statuses, its member "
        "states and the candidates. `cstosim validate FILE` checks what a schema cannot: names that refer to "
        "something, dates within the simulated period, chances that sum to 1.",
        "type": "object",
        "properties": root["properties"],
        "additionalProperties": False,
        # A file without extends is a whole scenario; with extends, only changes to its base.
        "if": {"required": ["extends"]},
        "else": {"$ref": "#/definitions/Scenario"},
        "definitions": {**definitions, **changes},
    }


def _for_editors(node: Any) -> Any:
    """Pydantic's schema as draft 7 for TOML: no nulls, ``$ref`` alone, dates explained."""
    if isinstance(node, list):
        return [_for_editors(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "anyOf" in node:
        alternatives = [arm for arm in node.pop("anyOf") if arm != {"type": "null"}]
        if len(alternatives) == 1:
            node = {**alternatives[0], **node}
        else:
            node["anyOf"] = alternatives
    if node.get("default", 0) is None:
        del node["default"]
    node.pop("discriminator", None)  # OpenAPI's, not JSON Schema's: the oneOf alternatives say it by their kind
    if node.get("format") == "date":
        node["description"] = f"{node['description'].rstrip('.')}. {DATE_NOTE}" if "description" in node else DATE_NOTE
    result = {
        key: (
            {name: _for_editors(value) for name, value in item.items()} if key == "properties" else _for_editors(item)
        )
        for key, item in node.items()
    }
    if "$ref" in result and len(result) > 1:
        result["allOf"] = [{"$ref": result.pop("$ref")}]
    return result


def _title(model_name: str) -> str:
    """``RatificationStageSpec`` -> ``Ratification stage``."""
    words = re.findall(r"[A-Z][a-z]*", model_name.removesuffix("Spec"))
    return " ".join([words[0], *(word.lower() for word in words[1:])]) if words else model_name


def _tables(definitions: dict[str, Any]) -> dict[str, Any]:
    return {name: schema for name, schema in definitions.items() if "properties" in schema}


def _changes(node: Any, definitions: dict[str, Any]) -> Any:
    """The schema of the same table in a file with ``extends``: nothing required, named items changed by name."""
    if isinstance(node, list):
        return [_changes(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "array":  # an array is replaced whole, so its items are complete
        item = _referenced(node.get("items"), definitions)
        if item is None or not {"id", "name"} & item.keys():
            return node
        # An array replaces the base's; a table changes its items by name. Both in one schema rather than anyOf,
        # whose failure editors report as one vague error on the whole array: ``items`` applies to an array only,
        # ``additionalProperties`` to a table only.
        key = "id" if "id" in item else "name"
        note = f"or, as a table, changes to the base scenario's items under their {key}s"
        return {
            **node,
            "type": ["array", "object"],
            "description": f"{node['description']}; {note}" if "description" in node else note,
            "additionalProperties": {"$ref": f"{_reference(node['items'])}{_CHANGES}"},
        }
    result: dict[str, Any] = {}
    for key, item in node.items():
        if key == "required":
            continue
        if key == "$ref" and item.removeprefix("#/definitions/") in _tables(definitions):
            result[key] = f"{item}{_CHANGES}"
        elif key == "oneOf":  # alternatives with nothing required may overlap: any of them will do
            result["anyOf"] = _changes(item, definitions)
        elif key == "properties":
            result[key] = {name: _changes(value, definitions) for name, value in item.items()}
        else:
            result[key] = _changes(item, definitions)
    return result


def _reference(items: Any) -> str:
    """The ``$ref`` of an array's items (plain, or wrapped in ``allOf``)."""
    if isinstance(items, dict) and "$ref" in items:
        return str(items["$ref"])
    if isinstance(items, dict) and len(items.get("allOf", ())) == 1:
        return _reference(items["allOf"][0])
    return ""


def _referenced(items: Any, definitions: dict[str, Any]) -> dict[str, Any] | None:
    """The properties of the table an array holds, if its items are a table of the format."""
    schema = definitions.get(_reference(items).removeprefix("#/definitions/"), {})
    properties = schema.get("properties")
    return properties if isinstance(properties, dict) else None

"""Every value a scenario sets, with the dotted path that changes it and the source that backs it.

``parameter_tables(scenario)`` walks the scenario's table (as read, after ``extends``) and groups its values by
the table whose ``source`` covers them: a value belongs to the nearest enclosing table that gives a source
(``members[Tajikistan].ratification`` for its ``stall_probability`` and its stages' delays). Each value is named
by the path that ``cstosim sweep --vary``, ``cstosim sensitivity --param`` and what-if files accept
(``scenario_files.paths``), with list items by name where they have one (``members[Tajikistan]``,
``organization.bodies[CSC]``, a ratification stage by its name) and by position otherwise
(``participation_changes[0]``). Text for people (titles, descriptions, reasons, names, sources) is not a
parameter and is left out. Values the file leaves at their default are not in the table, so not listed here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cstosim.model.citations import DateBasis, date_basis
from cstosim.model.scenario import Scenario

# Keys that hold words for people or identify an item, never a value the simulation reads as a parameter.
DESCRIPTIVE = frozenset(
    {"source", "name", "id", "title", "description", "reason", "role", "short_name", "depositary", "extends"}
)
_NOT_SIMULATED = frozenset({"sweep"})  # top-level tables that the simulation ignores
DATED_FACTS = frozenset({"ratified_on", "on"})  # dates of things that happened (or are taken to have happened)


@dataclass(frozen=True)
class Parameter:
    """One value of the scenario: its path (as sweeps and what-ifs name it) and the value the file gives."""

    path: str
    value: Any
    basis: DateBasis | None = None  # for a dated fact (``ratified_on``, a change ``on`` a date): what its source says

    @property
    def numeric(self) -> bool:
        """Whether ``sensitivity --param PATH=LOW:HIGH`` can vary it."""
        return isinstance(self.value, (int, float)) and not isinstance(self.value, bool)

    @property
    def text(self) -> str:
        """The value written as in a scenario file (and as ``--vary`` reads it)."""
        return toml_value(self.value)

    @property
    def label(self) -> str:
        """The value for people: ``text``, and for a dated fact what its date rests on (``(assumed)``)."""
        return self.text + (f" ({self.basis.value})" if self.basis is not None else "")


@dataclass(frozen=True)
class SourcedTable:
    """The values one ``source`` covers: ``path`` of the table that gives it (``""``: the scenario's top level)."""

    path: str
    source: str  # "" when neither the table nor any table around it gives one
    parameters: tuple[Parameter, ...]

    def key(self, parameter: Parameter) -> str:
        """``parameter``'s path relative to this table (``stall_probability``)."""
        return parameter.path.removeprefix(f"{self.path}.") if self.path else parameter.path


def toml_value(value: Any) -> str:
    """``value`` as a scenario file writes it: strings quoted, booleans lower case, dates ISO, lists in brackets."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return str(value)


def item_label(item: Any, index: int) -> str:
    """How a path names a list item: by its ``id`` (bodies) or ``name`` where a path can spell it, else by
    position."""
    name = item.get("id", item.get("name")) if isinstance(item, Mapping) else None
    if not isinstance(name, str) or any(ch in name for ch in ".[]") or name.strip().isdigit() or not name.strip():
        return str(index)
    return name


def parameter_tables(scenario: Scenario, *, compact: bool = False) -> tuple[SourcedTable, ...]:
    """The scenario's values grouped under the sources that cover them, in the file's order.

    A table that gives a source but no value (``organization.criteria``: words only) is listed with no
    parameters, so that every source appears. ``compact`` keeps a small table of values with no source of its own
    (a delay: ``{ kind = "lognormal", median_days = 120, spread = 0.5 }``) as one value, for reading; by default
    every value is listed on its own, as a sweep changes it.
    """
    if scenario.source_table is None:
        raise ValueError(f"scenario {scenario.name!r} was built in code, not read from a file: it has no table")
    sources = scenario.sources
    groups: dict[str, tuple[str, list[Parameter]]] = {}

    def walk(node: Mapping[str, Any], at: str, named: str, group: str) -> None:
        source_key = at or "scenario"
        if source_key in sources:
            group = named
            groups.setdefault(group, (sources[source_key], []))
        for key, value in node.items():
            if key in DESCRIPTIVE or (not at and key in _NOT_SIMULATED):
                continue
            child_at, child_named = (f"{at}.{key}", f"{named}.{key}") if at else (key, key)
            if isinstance(value, Mapping) and not (compact and _plain(value) and child_at not in sources):
                walk(value, child_at, child_named, group)
            elif isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
                if compact and all(_plain(item) and item_label(item, 0) == "0" for item in value):
                    groups.setdefault(group, ("", []))[1].append(Parameter(child_named, value))  # windows
                    continue
                for index, item in enumerate(value):
                    walk(item, f"{child_at}[{index}]", f"{child_named}[{item_label(item, index)}]", group)
            else:
                source, found = groups.setdefault(group, ("", []))
                basis = date_basis(source) if key in DATED_FACTS and isinstance(value, dt.date) else None
                found.append(Parameter(child_named, value, basis))

    walk(scenario.source_table, "", "", "")
    return tuple(SourcedTable(path, source, tuple(found)) for path, (source, found) in groups.items())


def _plain(table: Mapping[str, Any]) -> bool:
    """A table of values only (no tables or lists of tables in it, no source): a delay, a stance."""
    return "source" not in table and not any(isinstance(v, (Mapping, list)) for v in table.values())


def parameters(scenario: Scenario) -> tuple[Parameter, ...]:
    """Every value of the scenario with its path, in the file's order."""
    return tuple(parameter for table in parameter_tables(scenario) for parameter in table.parameters)

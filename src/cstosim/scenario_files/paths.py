"""Dotted paths into a scenario table, to read or change one parameter (sweeps, sensitivity, what-ifs).

A path is keys joined by dots, with list items chosen by position or by name:
``members[Tajikistan].ratification.stages[0].delay.median_days``, ``organization.consensus.rule``,
``candidates[1].application.probability``. An item's name is its ``name`` key (``id`` for bodies).
Changing a value returns a new table; the result is validated like a file (``parse_scenario``).
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from cstosim.scenario_files.loader import ScenarioError

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\]]+\])*)")
_INDEX = re.compile(r"\[([^\]]+)\]")


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.split("."):
        match = _STEP.fullmatch(part.strip())
        if match is None:
            raise ScenarioError([f"{path}: not a valid path (near {part!r})"])
        steps.append(match.group(1))
        for index in _INDEX.findall(match.group(2)):
            steps.append(int(index) if index.lstrip("-").isdigit() else index)
    return steps


def _child(node: Any, step: str | int, path: str) -> Any:
    if isinstance(step, str) and isinstance(node, dict):
        if step not in node:
            raise KeyError(step)
        return node[step]
    if isinstance(node, list):
        if isinstance(step, int):
            return node[step]
        for item in node:
            if isinstance(item, dict) and step in (item.get("name"), item.get("id")):
                return item
        raise KeyError(step)
    raise KeyError(step)


def get_value(table: dict[str, Any], path: str) -> Any:
    """The value at ``path``; raises ``ScenarioError`` if the path does not exist."""
    node: Any = table
    for step in _steps(path):
        try:
            node = _child(node, step, path)
        except (KeyError, IndexError):
            raise ScenarioError([f"{path}: no such parameter in the scenario (at {step!r})"]) from None
    return node


def with_value(table: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``table`` with ``value`` at ``path``. The last key may be new (a default made explicit)."""
    return with_values(table, {path: value})


def with_values(table: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``table`` with each value at its path, in order (one copy, however many paths: sample points
    of a sensitivity analysis change several parameters each)."""
    result = copy.deepcopy(table)
    for path, value in values.items():
        steps = _steps(path)
        node: Any = result
        for step in steps[:-1]:
            try:
                node = _child(node, step, path)
            except (KeyError, IndexError):
                raise ScenarioError([f"{path}: no such parameter in the scenario (at {step!r})"]) from None
        last = steps[-1]
        settable_key = isinstance(node, dict) and isinstance(last, str)
        settable_item = isinstance(node, list) and isinstance(last, int) and -len(node) <= last < len(node)
        if not (settable_key or settable_item):
            raise ScenarioError([f"{path}: cannot set a value there (at {last!r})"])
        node[last] = value
    return result


def parse_value(text: str) -> Any:
    """A command-line value read as TOML (``400``, ``0.5``, ``true``, ``2020-01-01``), else as a string."""
    try:
        return tomllib.loads(f"value = {text.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        return text.strip()

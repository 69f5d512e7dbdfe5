"""Scenario variants ("points"): a scenario table changed at dotted paths, every point validated before any run.

Sweeps and sensitivity analyses both run a scenario at many points. Parameters are named by dotted paths into
the scenario table (``scenario_files.paths``), e.g. ``members[Tajikistan].ratification.delay.median_days``.

On the command line both say which values a parameter takes in one grammar (``parse_assignment``):

* ``PATH=V1,V2,...``: these values, one or more, each read as TOML (``400``, ``0.5``, ``true``, ``2020-01-01``),
  anything else as text (``unanimity``): the values of a grid sweep;
* ``PATH=LOW:HIGH``: the numbers from LOW to HIGH (LOW < HIGH), to be sampled: a Latin hypercube sweep
  (``--design lhs``) or a sensitivity analysis. Two whole numbers give whole numbers in a sweep.

Every point runs with the same replication seeds (common random numbers): replication ``i`` draws the same
numbers everywhere, so identical points give identical rows and differences between points are the
parameters' doing, not noise. A point's rows carry ``point`` and one column per parameter in front of the
run table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from cstosim.experiments.plan import check_points
from cstosim.experiments.tasks import RunTask, point_columns, portable
from cstosim.model.scenario import Scenario
from cstosim.scenario_files.loader import ScenarioError, parse_scenario, read_scenario_table
from cstosim.scenario_files.paths import get_value, parse_value, with_values


class Range(NamedTuple):
    """A range of numbers to sample, written ``LOW:HIGH``."""

    low: int | float
    high: int | float

    def __str__(self) -> str:
        return f"{self.low}:{self.high}"


class Values(list[Any]):
    """Values given one by one, written ``V1,V2,...`` (a list that remembers it was not a range)."""

    def __str__(self) -> str:
        return ",".join(str(value) for value in self)


GRAMMAR = "PATH=V1,V2,... (values) or PATH=LOW:HIGH (a range)"


def parse_assignment(text: str, option: str) -> tuple[str, Values | Range]:
    """``PATH=V1,V2,...`` as ``(path, Values)`` or ``PATH=LOW:HIGH`` as ``(path, Range)``; ``ValueError`` naming
    ``option``, the rule and the text otherwise."""
    path, equals, spec = text.partition("=")
    where = f"{option} {text[:80]}"
    if not equals or not path.strip() or not spec.strip():
        raise ValueError(f"{where}: must be {GRAMMAR} (got {text!r})")
    if ":" in spec:
        parts = spec.split(":")
        numbers = [parse_value(part) for part in parts]
        if len(parts) != 2 or not all(
            isinstance(n, (int, float)) and not isinstance(n, bool) and math.isfinite(n) for n in numbers
        ):
            raise ValueError(f"{where}: a range is LOW:HIGH, two numbers (got {spec!r})")
        low, high = numbers
        if not low < high:
            raise ValueError(f"{where}: a range needs LOW below HIGH (got {spec!r})")
        return path.strip(), Range(low, high)
    items = spec.split(",")
    check_points(len(items), f"{option} {path.strip()[:80]}: one point per value")  # before reading each one
    if any(not item.strip() for item in items):
        raise ValueError(f"{where}: values are V1,V2,... with none empty (got {spec!r})")
    return path.strip(), Values(parse_value(item) for item in items)


def scenario_table(scenario: Scenario | str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The raw table of a scenario (loaded, given, or the one a loaded ``Scenario`` came from) and the label its
    errors are reported under."""
    if isinstance(scenario, Scenario):
        if scenario.source_table is None:
            raise ValueError(
                f"scenario {scenario.name!r} was built in code, not read from a table: pass its table or file instead"
            )
        return dict(scenario.source_table), scenario.name
    if isinstance(scenario, Mapping):
        return dict(scenario), str(scenario.get("name", "<scenario>"))
    table, _ = read_scenario_table(scenario)
    return table, str(scenario)  # as the user named it: a bundled name or the path given


def build_points(table: Mapping[str, Any], points: Sequence[Mapping[str, Any]], label: str) -> list[Scenario]:
    """One validated scenario per point; ``ScenarioError`` listing every bad path or value (nothing runs)."""
    problems: list[str] = []
    for path in points[0] if points else ():
        try:
            get_value(dict(table), path)
        except ScenarioError as error:
            # a new last key is allowed (a default made explicit): check its parent exists instead
            parent = path.rsplit(".", 1)[0] if "." in path else None
            if parent is None or _missing(table, parent):
                problems.extend(f"{label}: {problem}" for problem in error.problems)
    if problems:
        raise ScenarioError(problems)
    scenarios = []
    reported: set[str] = set()
    for number, point in enumerate(points):
        try:
            scenarios.append(parse_scenario(with_values(dict(table), point), label))
        except ScenarioError as error:  # report each problem once, with the first point that has it
            for problem in error.problems:
                if problem not in reported:
                    reported.add(problem)
                    problems.append(f"{problem} [sweep point {number}: {_describe(point)}]")
    if problems:
        raise ScenarioError(problems)
    return scenarios


def _missing(table: Mapping[str, Any], path: str) -> bool:
    try:
        get_value(dict(table), path)
    except ScenarioError:
        return True
    return False


def _describe(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{path}={value!r}" for path, value in point.items())


def point_tasks(scenarios: Sequence[Scenario], seed: int, points: Sequence[Mapping[str, Any]]) -> list[RunTask]:
    """One task per point, each table starting with ``point`` and the point's parameter values."""
    columns = point_columns(len(scenarios), points)
    return [RunTask(portable(scenario), seed, columns.iloc[[point]]) for point, scenario in enumerate(scenarios)]


def parameter_columns(table: pd.DataFrame) -> list[str]:
    """The parameter columns of a sweep table: those between ``point`` and ``replication``."""
    columns = list(table.columns)
    return columns[columns.index("point") + 1 : columns.index("replication")]

"""Parameter sweeps: a scenario with some parameters varied, every variant ("point") run with common random numbers.

Parameters are named by dotted paths into the scenario table (``scenario_files.paths``), e.g.
``members[Tajikistan].ratification.delay.median_days`` or ``organization.consensus.rule``. Two designs:

* ``grid`` -- ``vary`` maps each path to its values; every combination is a point (the first path varies
  slowest);
* ``lhs`` -- ``vary`` maps each path to a range ``(low, high)``; ``samples`` points are drawn by Latin hypercube
  (``scipy.stats.qmc``) from a generator keyed by the root seed, so the design is reproducible. A range whose two
  ends are integers gives integer values.

Every point is built and validated before anything runs, and all problems are reported at once. All points
share the replication seeds, so replication ``i`` draws the same random numbers everywhere (common random
numbers): identical points give identical rows, and differences between points are not noise.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cstosim.experiments.executors import DEFAULT_CHUNK_SIZE
from cstosim.experiments.replications import fresh_seed
from cstosim.experiments.runner import run_points
from cstosim.model.scenario import Scenario
from cstosim.scenario_files.loader import ScenarioError, parse_scenario, read_scenario_table
from cstosim.scenario_files.paths import get_value, parse_value, with_value

DESIGNS = ("grid", "lhs")
_DESIGN_KEY = 0x5EED_DE51  # spawn key of the LHS design generator, apart from the replications' keys (i,)


def scenario_table(scenario: Scenario | str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The raw table of a scenario (loaded, given, or the one a loaded ``Scenario`` came from) and its label."""
    if isinstance(scenario, Scenario):
        if scenario.source_table is None:
            raise ValueError(
                f"scenario {scenario.name!r} was built in code, not read from a table: pass its table or file instead"
            )
        return dict(scenario.source_table), scenario.name
    if isinstance(scenario, Mapping):
        return dict(scenario), str(scenario.get("name", "<scenario>"))
    table, path = read_scenario_table(scenario)
    return table, str(path)


def design_points(
    vary: Mapping[str, Sequence[Any]], design: str = "grid", samples: int | None = None, seed: int = 0
) -> list[dict[str, Any]]:
    """The parameter values of each point, in order: one ``{path: value}`` per point."""
    if not vary:
        raise ValueError("a sweep needs at least one parameter to vary")
    paths = list(vary)
    if design == "grid":
        for path, values in vary.items():
            if isinstance(values, (str, bytes)) or len(values) == 0:
                raise ValueError(f"{path}: give a list of one or more values (got {values!r})")
        return [dict(zip(paths, combination, strict=True)) for combination in itertools.product(*vary.values())]
    if design == "lhs":
        if samples is None or samples < 1:
            raise ValueError(f"design 'lhs' needs samples >= 1 (got {samples})")
        ranges = []
        for path, bounds in vary.items():
            numbers = isinstance(bounds, Sequence) and all(
                isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds
            )
            if not numbers or len(bounds) != 2 or not bounds[0] < bounds[1]:
                raise ValueError(f"{path}: design 'lhs' needs a range [low, high] with low < high (got {bounds!r})")
            ranges.append((bounds[0], bounds[1]))
        from scipy.stats import qmc

        generator = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_DESIGN_KEY,)))
        unit = qmc.LatinHypercube(d=len(paths), rng=generator).random(samples)
        points = []
        for row in unit:
            point: dict[str, Any] = {}
            for path, (low, high), u in zip(paths, ranges, row, strict=True):
                value = low + float(u) * (high - low)
                point[path] = round(value) if isinstance(low, int) and isinstance(high, int) else value
            points.append(point)
        return points
    raise ValueError(f"design must be one of {', '.join(DESIGNS)} (got {design!r})")


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
        changed = dict(table)
        try:
            for path, value in point.items():
                changed = with_value(changed, path, value)
            scenarios.append(parse_scenario(changed, label))
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


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """A command-line ``PATH=V1,V2,...`` (values read as TOML: ``400``, ``0.5``, ``true``, else strings)."""
    path, sep, values = text.partition("=")
    if not sep or not path.strip() or not values.strip():
        raise ValueError(f"--vary must look like PATH=V1,V2,... (got {text!r})")
    return path.strip(), [parse_value(value) for value in values.split(",")]


def run_sweep(
    scenario: Scenario | str | Path | Mapping[str, Any],
    vary: Mapping[str, Sequence[Any]],
    replications: int,
    seed: int | None = None,
    *,
    design: str = "grid",
    samples: int | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> pd.DataFrame:
    """Run a sweep; one tidy table: ``point``, one column per varied path (named by the path), the run table.

    ``scenario`` is a loaded scenario, a bundled name or path, or a scenario table. ``vary`` maps dotted paths
    to values (``design="grid"``) or to ``(low, high)`` ranges (``design="lhs"``, with ``samples`` points).
    Bad paths or values raise ``ScenarioError`` (every problem, one line each) before anything runs.
    """
    table, label = scenario_table(scenario)
    root_seed = fresh_seed() if seed is None else seed
    points = design_points(vary, design, samples, root_seed)
    scenarios = build_points(table, points, label)
    result = run_points(
        scenarios,
        replications,
        root_seed,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        chunk_size=chunk_size,
    )
    return with_parameters(result, points)


def with_parameters(table: pd.DataFrame, points: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """``table`` (with a ``point`` column) with one column per parameter inserted after ``point``."""
    parameters = pd.DataFrame.from_records(list(points))
    for position, path in enumerate(parameters.columns, start=1):
        table.insert(position, path, parameters[path].to_numpy()[table["point"].to_numpy()])
    return table


def parameter_columns(table: pd.DataFrame) -> list[str]:
    """The parameter columns of a sweep table: those between ``point`` and ``replication``."""
    columns = list(table.columns)
    return columns[columns.index("point") + 1 : columns.index("replication")]

"""Parameter sweeps: a scenario with some parameters varied, every variant ("point") run with common random numbers.

Parameters are named by dotted paths into the scenario table (``scenario_files.paths``), e.g.
``members[Tajikistan].ratification.delay.median_days`` or ``organization.consensus.rule``. Two designs:

* ``grid`` -- ``vary`` maps each path to its values; every combination is a point (the first path varies
  slowest);
* ``lhs`` -- ``vary`` maps each path to a range ``(low, high)`` (``Range``, or two numbers in a list as in a
  ``[sweep]`` table); ``samples`` points are drawn by Latin hypercube
  (``scipy.stats.qmc``) from a generator keyed by the root seed, so the design is reproducible. A range whose two
  ends are integers gives integer values.

Every point is built and validated before anything runs, and all problems are reported at once. All points
share the replication seeds, so replication ``i`` draws the same random numbers everywhere (common random
numbers): identical points give identical rows, and differences between points are not noise.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cstosim.experiments.pipeline import Execution, run_to_table
from cstosim.experiments.plan import DEFAULT_CHUNK_SIZE, check_points, fresh_seed
from cstosim.experiments.points import Range, Values, build_points, parse_assignment, point_tasks, scenario_table
from cstosim.experiments.tasks import RunTask
from cstosim.model.scenario import Scenario
from cstosim.scenario_files.loader import parse_scenario

DESIGNS = ("grid", "lhs")
_DESIGN_KEY = 0x5EED_DE51  # spawn key of the LHS design generator, apart from the replications' keys (i,)


def design_points(
    vary: Mapping[str, Sequence[Any]], design: str = "grid", samples: int | None = None, seed: int = 0
) -> list[dict[str, Any]]:
    """The parameter values of each point, in order: one ``{path: value}`` per point."""
    if not vary:
        raise ValueError("a sweep needs at least one parameter to vary")
    paths = list(vary)
    if design == "grid":
        for path, values in vary.items():
            if isinstance(values, Range):
                raise ValueError(
                    f"{path}: a grid takes values (--vary PATH=V1,V2,...); "
                    f"the range {values} is sampled with --design lhs"
                )
            if isinstance(values, (str, bytes)) or len(values) == 0:
                raise ValueError(f"{path}: give a list of one or more values (got {values!r})")
        sizes = [len(values) for values in vary.values()]
        check_points(math.prod(sizes), f"a grid of {' x '.join(map(str, sizes))} values (--vary)")
        return [dict(zip(paths, combination, strict=True)) for combination in itertools.product(*vary.values())]
    if design == "lhs":
        if samples is None or samples < 1:
            raise ValueError(f"design 'lhs' needs samples >= 1 (got {samples})")
        check_points(samples, "samples (--samples)")
        ranges = []
        for path, bounds in vary.items():
            if isinstance(bounds, Values):  # written V1,V2,...: values, not a range
                raise ValueError(f"{path}: --design lhs samples a range: write PATH=LOW:HIGH (got the values {bounds})")
            numbers = isinstance(bounds, Sequence) and all(
                isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds
            )
            if not numbers or len(bounds) != 2 or not bounds[0] < bounds[1]:
                raise ValueError(
                    f"{path}: design 'lhs' needs a range with LOW < HIGH: --vary PATH=LOW:HIGH, or [low, high] in a "
                    f"[sweep] table (got {bounds!r})"
                )
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


def parse_vary(text: str) -> tuple[str, Values | Range]:
    """A command-line ``--vary``: ``PATH=V1,V2,...`` (a grid's values) or ``PATH=LOW:HIGH`` (an LHS range)."""
    return parse_assignment(text, "--vary")


@dataclass(frozen=True)
class Sweep:
    """A sweep as defined, before it runs: the scenario table swept, the parameters varied and the design.

    ``replications`` and ``metric`` are the scenario file's ``[sweep]`` choices when the caller gave none
    (``None``: not chosen; the run then takes 1000 replications, and the summary ``any_grant``).
    """

    table: Mapping[str, Any]
    label: str
    vary: Mapping[str, Sequence[Any]]
    design: str
    samples: int | None
    replications: int | None
    metric: str | None

    @property
    def settings(self) -> dict[str, Any]:
        """What defines the sweep's rows besides the scenario and the seed (recorded in a results folder)."""
        return {
            "vary": {path: list(values) for path, values in self.vary.items()},
            "design": self.design,
            "samples": self.samples,
        }

    def base(self) -> Scenario:
        """The scenario swept (as written, before any parameter is changed)."""
        return parse_scenario(dict(self.table), self.label)

    def points(self, seed: int) -> list[dict[str, Any]]:
        """The parameter values of each point (an LHS design is drawn from ``seed``)."""
        return design_points(self.vary, self.design, self.samples, seed)

    def tasks(self, seed: int) -> list[RunTask]:
        """One validated task per point; ``ScenarioError`` with every bad path or value before anything runs."""
        points = self.points(seed)
        return point_tasks(build_points(self.table, points, self.label), seed, points)


def define_sweep(
    scenario: Scenario | str | Path | Mapping[str, Any],
    vary: Mapping[str, Sequence[Any]] | None = None,
    *,
    design: str | None = None,
    samples: int | None = None,
    replications: int | None = None,
    metric: str | None = None,
) -> Sweep:
    """A sweep of ``scenario`` (loaded, a bundled name or path, or a table); what is not given is taken from the
    scenario file's ``[sweep]`` table. ``ValueError`` if there is nothing to vary."""
    table, label = scenario_table(scenario)
    settings: dict[str, Any] = dict(table.get("sweep") or {})
    chosen = dict(vary) if vary else dict(settings.get("vary") or {})
    if not chosen:
        raise ValueError(
            f"{label}: nothing to vary: give the parameters and their values (--vary PATH=V1,V2,... or PATH=LOW:HIGH) "
            "or a [sweep] table in the scenario file"
        )
    return Sweep(
        table=table,
        label=label,
        vary=chosen,
        design=design or settings.get("design") or "grid",
        samples=samples or settings.get("samples"),
        replications=replications or settings.get("replications"),
        metric=metric or settings.get("metric"),
    )


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
    Bad paths or values raise ``ScenarioError`` (every problem, one line each) before anything runs. For
    results folders and resume, see ``cstosim.sweep``.
    """
    sweep = define_sweep(scenario, vary, design=design, samples=samples)
    root_seed = fresh_seed() if seed is None else seed
    return run_to_table(sweep.tasks(root_seed), replications, Execution(workers, scheduler, chunk_size, progress))

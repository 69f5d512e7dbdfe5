"""Global sensitivity analysis: which uncertain parameter drives an outcome most (SALib, Sobol or Morris).

Each parameter is a dotted path into the scenario file (``cstosim.scenario_files.paths``) with a range
``LOW:HIGH`` (the grammar of ``cstosim.experiments.points.parse_assignment``, which sweeps share). Every
parameter is checked before anything runs: the path exists (or is a key the schema accepts), the range is
ordered, and the scenario is valid at both ends (and in the middle) of the range; a field that takes whole
numbers is sampled as whole numbers. SALib's sample points become scenarios, all of
which are run in one experiment on the pipeline, each point with the same replication seeds (common
random numbers), so the differences between points come from the parameters, not from sampling noise.
Each point's outcome is the mean over its replications of the chosen metric.

Outcomes are the metrics of ``cstosim.outcomes.metrics``: ``years_to_entry_into_force`` and
``years_to_first_grant`` (years from the scenario's start; replications that do not reach the event by the
horizon count as the horizon, i.e. censored, so that means exist), and the probabilities ``entry_into_force``,
``any_grant``, ``granted[CANDIDATE]`` and ``ratified[MEMBER]`` (by ``by``, default the horizon).

Reproducible: SALib's sampling and bootstrap use a seed derived from the root seed, and replication ``i`` of
every point uses the random numbers of ``(seed, i)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cstosim.experiments.pipeline import Execution, execute
from cstosim.experiments.plan import DEFAULT_CHUNK_SIZE, check_in_memory, check_points, fresh_seed
from cstosim.experiments.points import Values, parse_assignment, point_tasks, scenario_table
from cstosim.experiments.sinks import PointValuesSink
from cstosim.experiments.tasks import RunTask
from cstosim.model.scenario import Scenario
from cstosim.outcomes.metrics import metric_names, metric_values, parse_metric
from cstosim.outcomes.statistics import CONFIDENCE, normal_quantile, years
from cstosim.scenario_files.loader import ScenarioError, parse_scenario
from cstosim.scenario_files.paths import get_value, with_value, with_values


class SensitivityMethod(StrEnum):
    SOBOL = "sobol"
    MORRIS = "morris"


DEFAULT_SAMPLES = {SensitivityMethod.SOBOL: 64, SensitivityMethod.MORRIS: 16}
MORRIS_LEVELS = 4
BOOTSTRAP_RESAMPLES = 200


@dataclass(frozen=True)
class Parameter:
    """One uncertain parameter: a path in the scenario file and the range it is sampled in."""

    path: str
    low: float
    high: float
    integer: bool = False

    def value(self, x: float) -> float | int:
        return round(x) if self.integer else float(x)


def parse_parameter(text: str) -> tuple[str, float, float]:
    """``PATH=LOW:HIGH`` as (path, low, high); raises ``ScenarioError`` naming the text if malformed or if it
    gives values (``PATH=V1,V2``) instead of a range."""
    try:
        path, given = parse_assignment(text, "--param")
    except ValueError as error:
        raise ScenarioError([str(error)]) from None
    if isinstance(given, Values):
        message = f"--param {text}: sensitivity samples a range: write PATH=LOW:HIGH (got the values {given})"
        raise ScenarioError([message])
    return path, float(given.low), float(given.high)


def check_parameters(
    table: Mapping[str, Any], ranges: Sequence[tuple[str, float, float]], file: str = "<scenario>"
) -> list[Parameter]:
    """Validate every range against the scenario table before anything runs; every problem is reported at once."""
    problems: list[str] = []
    parameters: list[Parameter] = []
    seen: set[str] = set()
    for path, low, high in ranges:
        where = f"--param {path}={low:g}:{high:g}"
        if path in seen:
            problems.append(f"{where}: the same path is given twice (got {path!r})")
            continue
        seen.add(path)
        if not low < high:
            problems.append(f"{where}: LOW must be below HIGH (got {low:g} >= {high:g})")
            continue
        try:
            current = get_value(dict(table), path)
        except ScenarioError:
            current = None  # a key left at its default may still be set; parsing below says if it exists
            try:
                with_value(dict(table), path, low)
            except ScenarioError as error:
                problems.append(f"{where}: {error.problems[0].removeprefix(f'{path}: ')}")
                continue
        if isinstance(current, bool) or (current is not None and not isinstance(current, (int, float))):
            problems.append(f"{where}: not a numeric parameter (got {current!r})")
            continue
        integer = isinstance(current, int) or (current is None and _takes_only_integers(table, path, low, high, file))
        parameter = Parameter(path, low, high, integer)
        if integer and round(low) == round(high):
            problems.append(f"{where}: a whole-number parameter needs a range containing two whole numbers")
            continue
        for x in (low, (low + high) / 2, high):
            try:
                parse_scenario(with_value(dict(table), path, parameter.value(x)), file)
            except ScenarioError as error:
                detail = error.problems[0].removeprefix(f"{file}: ")
                problems.append(f"{where}: the scenario is invalid at {parameter.value(x)!r}: {detail}")
                break
        else:
            parameters.append(parameter)
    if problems:
        raise ScenarioError(problems)
    return parameters


def _takes_only_integers(table: Mapping[str, Any], path: str, low: float, high: float, file: str) -> bool:
    """For a key not written in the file: whether the schema refuses a fractional value but takes a whole one."""
    try:
        parse_scenario(with_value(dict(table), path, (low + high) / 2 + 0.25), file)
    except ScenarioError as error:
        if "integer" in error.problems[0]:
            try:
                parse_scenario(with_value(dict(table), path, round(low)), file)
            except ScenarioError:
                return False
            return True
    return False


def check_outcome(outcome: str, scenario: Scenario, by: dt.date | None = None) -> None:
    """Raise ``ScenarioError`` unless ``outcome`` is a metric of ``scenario`` (``cstosim.outcomes.metrics``) and
    ``by`` (if given) is a date within the run for a probability outcome."""
    try:
        metric = parse_metric(scenario, outcome)
    except ValueError:
        known = ", ".join(metric_names(scenario))
        raise ScenarioError([f"--outcome: must be one of {known} (got {outcome!r})"]) from None
    if by is not None:
        if metric.kind != "proportion":
            raise ScenarioError([f"--by: applies only to the probability outcomes (got outcome {outcome!r})"])
        if not scenario.start <= by <= scenario.horizon:
            raise ScenarioError([f"--by: must lie between {scenario.start} and {scenario.horizon} (got {by})"])


def outcome_values(scenario: Scenario, table: pd.DataFrame, outcome: str, by: dt.date | None = None) -> pd.Series:
    """The outcome in each replication of ``table`` (``metric_values``), made finite for averaging: years not
    reached by the horizon count as the horizon (censored); a probability outcome with ``by`` is 1.0 if the
    event happened on or before that date."""
    metric = parse_metric(scenario, outcome)
    if metric.kind == "proportion":
        if by is None:
            return metric_values(scenario, table, outcome)
        return (table[metric.column] <= pd.Timestamp(by)).astype(float).rename(outcome)
    horizon_years = years((scenario.horizon - scenario.start).days)
    censored: pd.Series = metric_values(scenario, table, outcome).clip(upper=horizon_years)
    return censored


# The analysis -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sensitivity:
    """The result: ranked ``indices``, the sample ``points`` (parameter values and outcome), and the settings."""

    scenario: str
    method: SensitivityMethod
    outcome: str
    by: dt.date | None
    samples: int
    replications: int
    seed: int
    parameters: tuple[Parameter, ...]
    indices: pd.DataFrame
    points: pd.DataFrame


@dataclass(frozen=True, eq=False)
class SensitivityDesign:
    """A sensitivity analysis as checked and sampled, before it runs: the sample points and their scenarios."""

    scenario: Scenario  # the base scenario
    method: SensitivityMethod
    outcome: str
    by: dt.date | None
    samples: int
    parameters: tuple[Parameter, ...]
    salib_seed: int
    problem: dict[str, Any]
    values: tuple[tuple[float | int, ...], ...]  # the parameter values of each sample point
    scenarios: tuple[Scenario, ...]

    @property
    def settings(self) -> dict[str, Any]:
        """What defines the results besides the scenario and the seed (recorded in a results folder)."""
        return {
            "parameters": [[p.path, p.low, p.high] for p in self.parameters],
            "method": self.method.value,
            "outcome": self.outcome,
            "by": self.by,
            "samples": self.samples,
        }

    def tasks(self, seed: int) -> list[RunTask]:
        points = [dict(zip((p.path for p in self.parameters), row, strict=True)) for row in self.values]
        return point_tasks(self.scenarios, seed, points)

    def outcome_of(self, point: int, table: pd.DataFrame) -> np.ndarray:
        """The outcome in each replication of one point's table."""
        return outcome_values(self.scenarios[point], table, self.outcome, self.by).to_numpy(dtype=float)


def design_sensitivity(
    scenario: Scenario | str | Path | Mapping[str, Any],
    parameters: Sequence[str | tuple[str, float, float]],
    seed: int,
    *,
    method: SensitivityMethod | str = SensitivityMethod.SOBOL,
    outcome: str = "years_to_entry_into_force",
    by: dt.date | None = None,
    samples: int | None = None,
) -> SensitivityDesign:
    """Check every parameter and the outcome, then draw SALib's sample from ``seed``: ``ScenarioError`` naming
    every problem before anything runs."""
    method = SensitivityMethod(method)
    table, file = scenario_table(scenario)
    base = parse_scenario(dict(table), file)
    ranges = [parse_parameter(p) if isinstance(p, str) else p for p in parameters]
    if not ranges:
        raise ScenarioError(["--param: give at least one PATH=LOW:HIGH"])
    n = samples if samples is not None else DEFAULT_SAMPLES[method]
    if n < 2:
        raise ScenarioError([f"--samples: must be >= 2 (got {n})"])
    per_sample = len(ranges) + (2 if method is SensitivityMethod.SOBOL else 1)
    try:  # the size of the design, before each parameter is checked (each check validates scenarios)
        check_points(n * per_sample, f"--samples {n} with {len(ranges)} parameters ({method.value})")
    except ValueError as error:
        raise ScenarioError([str(error)]) from None
    checked = check_parameters(table, ranges, file)
    check_outcome(outcome, base, by)
    salib_seed = int(np.random.SeedSequence(seed).generate_state(1)[0])
    problem = {
        "num_vars": len(checked),
        "names": [p.path for p in checked],
        "bounds": [[p.low, p.high] for p in checked],
    }
    x = _sample(method, problem, n, salib_seed)
    values = tuple(tuple(p.value(v) for p, v in zip(checked, row, strict=True)) for row in x)
    scenarios = tuple(_scenario_at(table, checked, row, file) for row in values)
    return SensitivityDesign(base, method, outcome, by, n, tuple(checked), salib_seed, problem, values, scenarios)


def analyze_sensitivity(design: SensitivityDesign, replications: int, seed: int, outcomes: np.ndarray) -> Sensitivity:
    """The indices from the outcome of every replication at every point (``outcomes[point, replication]``)."""
    y = outcomes.mean(axis=1)
    x_used = np.asarray(design.values, dtype=float)
    indices = _analyze(design.method, design.problem, x_used, y, design.salib_seed)
    points = pd.DataFrame(x_used, columns=[p.path for p in design.parameters])
    points.insert(0, "point", range(len(points)))
    points[design.outcome] = y
    return Sensitivity(
        design.scenario.name,
        design.method,
        design.outcome,
        design.by,
        design.samples,
        replications,
        seed,
        design.parameters,
        indices,
        points,
    )


def run_sensitivity(
    scenario: Scenario | str | Path | Mapping[str, Any],
    parameters: Sequence[str | tuple[str, float, float]],
    *,
    method: SensitivityMethod | str = SensitivityMethod.SOBOL,
    outcome: str = "years_to_entry_into_force",
    by: dt.date | None = None,
    samples: int | None = None,
    replications: int = 20,
    seed: int | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Sensitivity:
    """Sensitivity indices of ``outcome`` to ``parameters`` (``"PATH=LOW:HIGH"`` or ``(path, low, high)``).

    ``scenario`` is a loaded scenario, a bundled name, a path, or a scenario table as read from TOML.
    ``samples`` is SALib's N: the base sample size for Sobol (a power of two; N * (parameters + 2) points) or
    the number of trajectories for Morris (N * (parameters + 1) points). Raises ``ScenarioError`` for bad
    parameters or outcome, before anything runs. For results folders and resume, see ``cstosim.sensitivity``.
    """
    if replications < 1:
        raise ScenarioError([f"-n: replications must be >= 1 (got {replications})"])
    root_seed = fresh_seed() if seed is None else seed
    design = design_sensitivity(scenario, parameters, root_seed, method=method, outcome=outcome, by=by, samples=samples)
    check_in_memory(len(design.scenarios), replications)
    outcomes = PointValuesSink(len(design.scenarios), replications, design.outcome_of)
    execute(design.tasks(root_seed), replications, [outcomes], Execution(workers, scheduler, chunk_size, progress))
    return analyze_sensitivity(design, replications, root_seed, outcomes.values)


def _scenario_at(
    table: dict[str, Any], parameters: Sequence[Parameter], values: Sequence[float], file: str
) -> Scenario:
    changed = with_values(table, {p.path: value for p, value in zip(parameters, values, strict=True)})
    return parse_scenario(changed, file)


def _sample(method: SensitivityMethod, problem: dict[str, Any], n: int, seed: int) -> np.ndarray:
    if method is SensitivityMethod.SOBOL:
        from SALib.sample import sobol  # type: ignore[import-untyped]

        if n & (n - 1):
            raise ScenarioError([f"--samples: Sobol needs a power of two (got {n})"])
        return np.asarray(sobol.sample(problem, n, calc_second_order=False, seed=seed))
    from SALib.sample import morris

    return np.asarray(morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed))


def _analyze(
    method: SensitivityMethod, problem: dict[str, Any], x: np.ndarray, y: np.ndarray, seed: int
) -> pd.DataFrame:
    """The indices, one row per parameter, ranked (1 = most influential) by total index or mu*."""
    names = problem["names"]
    if np.ptp(y) == 0:
        raise ValueError("the outcome is the same at every sample point: no parameter moves it in these ranges")
    if method is SensitivityMethod.SOBOL:
        from SALib.analyze import sobol  # type: ignore[import-untyped]

        result = sobol.analyze(
            problem, y, calc_second_order=False, num_resamples=BOOTSTRAP_RESAMPLES, conf_level=CONFIDENCE, seed=seed
        )
        frame = pd.DataFrame(
            {
                "parameter": names,
                "S1": result["S1"],
                "S1_conf": result["S1_conf"],
                "ST": result["ST"],
                "ST_conf": result["ST_conf"],
            }
        )
        key = "ST"
    else:
        from SALib.analyze import morris

        result = morris.analyze(
            problem, x, y, num_resamples=BOOTSTRAP_RESAMPLES, conf_level=CONFIDENCE, num_levels=MORRIS_LEVELS, seed=seed
        )
        sigma_conf = _morris_sigma_conf(problem, x, y, seed)
        frame = pd.DataFrame(
            {
                "parameter": names,
                "mu": result["mu"],
                "mu_star": result["mu_star"],
                "mu_star_conf": result["mu_star_conf"],
                "sigma": result["sigma"],
                "sigma_conf": sigma_conf,
            }
        )
        key = "mu_star"
    frame = frame.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def _morris_sigma_conf(problem: dict[str, Any], x: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """Half-width of a bootstrap interval for sigma (SALib gives one for mu* only): trajectories resampled."""
    from SALib.analyze import morris

    width = problem["num_vars"] + 1
    trajectories = len(y) // width
    rng = np.random.default_rng(seed)
    sigmas = []
    for _ in range(BOOTSTRAP_RESAMPLES):
        chosen = rng.integers(0, trajectories, trajectories)
        rows = (chosen[:, None] * width + np.arange(width)).ravel()
        result = morris.analyze(problem, x[rows], y[rows], num_resamples=2, num_levels=MORRIS_LEVELS, seed=seed)
        sigmas.append(np.asarray(result["sigma"], dtype=float))
    spread = np.nanstd(np.asarray(sigmas), axis=0)
    conf: np.ndarray = normal_quantile(CONFIDENCE) * spread
    return conf

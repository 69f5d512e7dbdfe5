"""Global sensitivity analysis: which uncertain parameter drives an outcome most (SALib, Sobol or Morris).

Each parameter is a dotted path into the scenario file (``cstosim.scenario_files.paths``) with a range
``LOW:HIGH``. Every parameter is checked before anything runs: the path exists (or is a key the schema
accepts), the range is ordered, and the scenario is valid at both ends (and in the middle) of the range; a
field that takes whole numbers is sampled as whole numbers. SALib's sample points become scenarios, all of
which are run in one batch of points (``run_points``), each point with the same replication seeds (common
random numbers), so the differences between points come from the parameters, not from sampling noise.
Each point's outcome is the mean over its replications of the chosen metric.

Outcomes are the metrics of ``cstosim.analysis.metrics``: ``years_to_entry_into_force`` and
``years_to_first_grant`` (years from the scenario's start; replications that do not reach the event by the
horizon count as the horizon, i.e. censored, so that means exist), and the probabilities ``entry_into_force``,
``any_grant``, ``granted[CANDIDATE]`` and ``ratified[MEMBER]`` (by ``by``, default the horizon).

Reproducible: SALib's sampling and bootstrap use a seed derived from the root seed, and replication ``i`` of
every point uses the random numbers of ``(seed, i)``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cstosim.analysis.metrics import metric_names, metric_values, parse_metric
from cstosim.experiments.replications import fresh_seed
from cstosim.experiments.runner import run_points
from cstosim.model.scenario import Scenario
from cstosim.scenario_files.loader import ScenarioError, parse_scenario, read_scenario_table
from cstosim.scenario_files.paths import get_value, with_value


class SensitivityMethod(StrEnum):
    SOBOL = "sobol"
    MORRIS = "morris"


DEFAULT_SAMPLES = {SensitivityMethod.SOBOL: 64, SensitivityMethod.MORRIS: 16}
MORRIS_LEVELS = 4
BOOTSTRAP_RESAMPLES = 200
CONFIDENCE = 0.95


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
    """``PATH=LOW:HIGH`` as (path, low, high); raises ``ScenarioError`` naming the text if malformed."""
    path, equals, bounds = text.partition("=")
    low_text, colon, high_text = bounds.partition(":")
    if not (equals and colon and path.strip()):
        raise ScenarioError([f"--param {text}: must be PATH=LOW:HIGH (got {text!r})"])
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise ScenarioError(
            [f"--param {text}: LOW and HIGH must be numbers (got {low_text!r}, {high_text!r})"]
        ) from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ScenarioError([f"--param {text}: LOW and HIGH must be finite (got {low_text!r}, {high_text!r})"])
    return path.strip(), low, high


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
    """Raise ``ScenarioError`` unless ``outcome`` is a metric of ``scenario`` (``cstosim.analysis.metrics``) and
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
    horizon_years = (scenario.horizon - scenario.start).days / 365.25
    years: pd.Series = metric_values(scenario, table, outcome).clip(upper=horizon_years)
    return years


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


def run_sensitivity(
    scenario: str | Path | Mapping[str, Any],
    parameters: Sequence[str | tuple[str, float, float]],
    *,
    method: SensitivityMethod | str = SensitivityMethod.SOBOL,
    outcome: str = "years_to_entry_into_force",
    by: dt.date | None = None,
    samples: int | None = None,
    replications: int = 20,
    seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = False,
) -> Sensitivity:
    """Sensitivity indices of ``outcome`` to ``parameters`` (``"PATH=LOW:HIGH"`` or ``(path, low, high)``).

    ``scenario`` is a bundled name, a path, or a scenario table as read from TOML. ``samples`` is SALib's N:
    the base sample size for Sobol (a power of two; N * (parameters + 2) points) or the number of trajectories
    for Morris (N * (parameters + 1) points). Raises ``ScenarioError`` for bad parameters or outcome, before
    anything runs.
    """
    method = SensitivityMethod(method)
    if isinstance(scenario, Mapping):
        table, file = dict(scenario), "<scenario>"
    else:
        raw, path = read_scenario_table(scenario)
        table, file = raw, str(path)
    base = parse_scenario(dict(table), file)
    ranges = [parse_parameter(p) if isinstance(p, str) else p for p in parameters]
    if not ranges:
        raise ScenarioError(["--param: give at least one PATH=LOW:HIGH"])
    checked = check_parameters(table, ranges, file)
    check_outcome(outcome, base, by)
    if replications < 1:
        raise ScenarioError([f"-n: replications must be >= 1 (got {replications})"])
    n = samples if samples is not None else DEFAULT_SAMPLES[method]
    if n < 2:
        raise ScenarioError([f"--samples: must be >= 2 (got {n})"])
    root_seed = fresh_seed() if seed is None else seed
    salib_seed = int(np.random.SeedSequence(root_seed).generate_state(1)[0])
    problem = {
        "num_vars": len(checked),
        "names": [p.path for p in checked],
        "bounds": [[p.low, p.high] for p in checked],
    }
    x = _sample(method, problem, n, salib_seed)
    values = [[p.value(v) for p, v in zip(checked, row, strict=True)] for row in x]
    scenarios = [_scenario_at(table, checked, row, file) for row in values]
    runs = run_points(scenarios, replications, root_seed, workers=workers, scheduler=scheduler, progress=progress)
    y = np.empty(len(scenarios))
    for point, scenario_at in enumerate(scenarios):
        y[point] = outcome_values(scenario_at, runs[runs["point"] == point], outcome, by).mean()
    x_used = np.asarray(values, dtype=float)
    indices = _analyze(method, problem, x_used, y, salib_seed)
    points = pd.DataFrame(x_used, columns=[p.path for p in checked])
    points.insert(0, "point", range(len(points)))
    points[outcome] = y
    return Sensitivity(base.name, method, outcome, by, n, replications, root_seed, tuple(checked), indices, points)


def _scenario_at(
    table: dict[str, Any], parameters: Sequence[Parameter], values: Sequence[float], file: str
) -> Scenario:
    for parameter, value in zip(parameters, values, strict=True):
        table = with_value(table, parameter.path, value)
    return parse_scenario(table, file)


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
    z: float = 1.959963984540054
    conf: np.ndarray = z * spread
    return conf

"""The explorer's one door into cstosim: every call to the library's functions is made here.

The rest of the package imports its types (``Scenario``, ``ReplicationResult``, ``Trace``) for annotations
only, and calls these functions, so that when the library's API changes (a new pipeline for runs, narration in
another module) only this file needs mending.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

import cstosim
from cstosim.analysis.search import Found, find_replication
from cstosim.analysis.timeline import process_stage
from cstosim.engine.events import Event
from cstosim.outcomes.paired import PairedDifference, paired_means, paired_proportions
from cstosim.outcomes.statistics import Proportion
from cstosim.scenario_files.paths import get_value, with_value

ScenarioError = cstosim.ScenarioError
Scenario = cstosim.Scenario
ReplicationResult = cstosim.ReplicationResult
Trace = cstosim.Trace


def bundled_names() -> list[str]:
    """The bundled scenarios' names, sorted."""
    return list(cstosim.bundled_scenarios())


def load(name_or_path: str) -> Scenario:
    """A bundled scenario or a file; ``ScenarioError`` (one line per problem) if it cannot be used."""
    return cstosim.load_scenario(name_or_path)


def parse(table: dict[str, Any], file: str) -> Scenario:
    """A scenario table validated like a file."""
    return cstosim.parse_scenario(table, file)


def value_at(table: dict[str, Any], path: str) -> Any:
    """The value at a dotted path; ``ScenarioError`` if there is none."""
    return get_value(table, path)


def set_value(table: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of the table with ``value`` at the dotted ``path``."""
    return with_value(table, path, value)


def simulate(scenario: Scenario, replications: int, seed: int) -> pd.DataFrame:
    """The run table: one row per replication, replication ``i`` drawing the numbers of ``(seed, i)``."""
    return cstosim.run_replications(scenario, replications, seed=seed)


def replicate(scenario: Scenario, seed: int, replication: int) -> ReplicationResult:
    """One replication, every event in its log (the same row as in any run with that seed)."""
    return cstosim.run_replication(scenario, seed, replication)


def tell(scenario: Scenario, result: ReplicationResult, seed: int, replication: int) -> Trace:
    """The replication as a cited story."""
    return cstosim.trace(scenario, result, seed=seed, replication=replication)


def search(scenario: Scenario, seed: int, where: str, limit: int) -> Found:
    """The first replication of ``seed`` where ``where`` holds (``ConditionError`` for a bad condition)."""
    return find_replication(scenario, seed, where, limit=limit)


def draw_timeline(scenario: Scenario, result: ReplicationResult, upto: int) -> Figure:
    """The replication's timeline after its first ``upto`` events."""
    return cstosim.timeline(scenario, result, upto=upto)


def draw_process(scenario: Scenario, highlight: str | None) -> Figure:
    """The scenario's process diagram with one stage lit."""
    return cstosim.process_diagram(scenario, highlight=highlight)


def stage_of(event: Event) -> str | None:
    """The process stage an event belongs to (a ``draw_process`` highlight)."""
    return process_stage(event)


def proportion(successes: int, trials: int) -> Proportion:
    """A share with its 95% Wilson interval."""
    return Proportion.of(successes, trials)


def granted_column(candidate: str) -> str:
    """The run-table column with the date ``candidate`` was granted its status (``NaT``: not by the horizon)."""
    return f"granted[{candidate}]"


__all__ = [
    "PairedDifference",
    "paired_means",  # the paired difference of two runs' values (days), paired-t
    "paired_proportions",  # the paired difference of two runs' yes/no outcomes, for matched pairs
]

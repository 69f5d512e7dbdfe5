"""Scenario files (TOML): the format, the bundled scenarios, and validation with readable errors."""

from cstosim.scenario_files.loader import (
    DEFAULT_SCENARIO,
    ScenarioError,
    bundled_scenarios,
    load_scenario,
    parse_scenario,
)

__all__ = ["DEFAULT_SCENARIO", "ScenarioError", "bundled_scenarios", "load_scenario", "parse_scenario"]

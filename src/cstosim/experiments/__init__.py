"""Experiments: many replications of a scenario, as tidy tables; executors, sweeps and results on disk."""

from cstosim.experiments.runner import run_points, run_replications
from cstosim.experiments.sweep import run_sweep

__all__ = ["run_points", "run_replications", "run_sweep"]

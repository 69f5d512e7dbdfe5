"""Experiments: many replications, run on one pipeline (plan chunks, run a task on an executor, feed sinks).

``runs`` (plain runs and points), ``sweep``, ``sensitivity`` and ``forecast`` define what is run; ``pipeline``
runs it on an ``executors`` executor and feeds ``sinks`` (in-memory table, tally, results folder: ``store``).
"""

from cstosim.experiments.forecast import run_forecast, run_prior_predictive
from cstosim.experiments.runs import run_points, run_replications
from cstosim.experiments.sensitivity import run_sensitivity
from cstosim.experiments.sweep import run_sweep

__all__ = ["run_forecast", "run_points", "run_prior_predictive", "run_replications", "run_sensitivity", "run_sweep"]

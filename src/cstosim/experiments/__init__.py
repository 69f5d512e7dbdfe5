"""Experiments: many replications of a scenario, as tidy tables."""

from cstosim.experiments.replications import replication_seed, run_replications

__all__ = ["replication_seed", "run_replications"]

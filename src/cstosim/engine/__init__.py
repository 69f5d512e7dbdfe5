"""The SimPy engine: ``run_replication(scenario, seed, replication)``, the events and the result it returns."""

from cstosim.engine.result import ReplicationResult
from cstosim.engine.simulation import ReplicationTooLarge, Simulator, run_replication

__all__ = ["ReplicationResult", "ReplicationTooLarge", "Simulator", "run_replication"]

"""Engine speed: replications per second on one core, against a bare SimPy loop firing as many events.

    python benchmarks/bench_engine.py [--scenario csto-2018] [--replications 5000] [--repeats 5]

Prints, for the scenario: replications per second (median of the repeats), SimPy events per replication
(counted by stepping a counting environment), and the rate of a bare SimPy loop that creates an environment
per replication and fires the same number of timeout events from one process. Their ratio is the engine's
overhead over SimPy itself (target: the engine at no less than half the bare rate, and at least 3,000
replications per second on one core).
"""

from __future__ import annotations

import argparse
import statistics
import time
from unittest import mock

import numpy as np
import simpy

from cstosim import load_scenario, run_replication
from cstosim.engine import Simulator
from cstosim.engine.draws import Draws
from cstosim.engine.simulation import _Replication


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes."""

    processed = 0

    def step(self) -> None:
        CountingEnvironment.processed += 1
        super().step()


def events_per_replication(scenario_name: str, replications: int) -> float:
    scenario = load_scenario(scenario_name)
    CountingEnvironment.processed = 0
    with mock.patch("cstosim.engine.simulation.simpy.Environment", CountingEnvironment):
        for index in range(replications):
            run_replication(scenario, 0, index)
    return CountingEnvironment.processed / replications


def engine_rate(scenario_name: str, replications: int) -> float:
    simulator = Simulator(load_scenario(scenario_name))
    started = time.perf_counter()
    for index in range(replications):
        simulator.run(0, index)
    return replications / (time.perf_counter() - started)


def breakdown(scenario_name: str, replications: int) -> dict[str, float]:
    """Microseconds per replication in each step of ``Simulator.run``: seeding, drawing the uniforms, setting up
    the replication (sessions, state, environment), and running the SimPy processes to the horizon."""
    simulator = Simulator(load_scenario(scenario_name))
    steps = {"seed and generator": 0.0, "uniforms (Draws)": 0.0, "set-up (sessions, state)": 0.0, "SimPy run": 0.0}
    names = list(steps)
    for index in range(replications):
        t0 = time.perf_counter()
        rng = np.random.default_rng(0, index)
        t1 = time.perf_counter()
        draws = Draws(simulator.layout, rng)
        t2 = time.perf_counter()
        replication = _Replication(simulator, draws)
        t3 = time.perf_counter()
        replication.run()
        t4 = time.perf_counter()
        for name, (start, end) in zip(names, [(t0, t1), (t1, t2), (t2, t3), (t3, t4)], strict=True):
            steps[name] += end - start
    return {name: total / replications * 1e6 for name, total in steps.items()}


def bare_rate(events: int, replications: int) -> float:
    """A bare SimPy replication: one environment, one process, ``events`` events in all."""

    def tick(env: simpy.Environment, timeouts: int):  # type: ignore[no-untyped-def]
        for _ in range(timeouts):
            yield env.timeout(1.0)

    timeouts = max(events - 2, 1)  # the process's start and end are events too
    started = time.perf_counter()
    for _ in range(replications):
        env = simpy.Environment()
        env.process(tick(env, timeouts))
        env.run()
    return replications / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="csto-2018")
    parser.add_argument("--replications", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    events = events_per_replication(args.scenario, min(args.replications, 2000))
    engine = [engine_rate(args.scenario, args.replications) for _ in range(args.repeats)]
    bare = [bare_rate(round(events), args.replications) for _ in range(args.repeats)]
    engine_median, bare_median = statistics.median(engine), statistics.median(bare)
    print(f"scenario                       {args.scenario}")
    print(f"SimPy events per replication   {events:.1f}")
    print(
        f"engine replications/s          {engine_median:,.0f}  (median of {args.repeats}; "
        f"min {min(engine):,.0f}, max {max(engine):,.0f})"
    )
    print(f"bare SimPy loop replications/s {bare_median:,.0f}  (same number of events)")
    print(f"engine / bare                  {engine_median / bare_median:.2f}  (target >= 0.50)")
    print(f"target >= 3,000 replications/s {'met' if engine_median >= 3000 else 'NOT met'}")
    print("\nwhere a replication's time goes (microseconds, one pass)")
    steps = breakdown(args.scenario, args.replications)
    for name, micros in steps.items():
        print(f"  {name:<28} {micros:7.1f}")
    bare_micros = 1e6 / bare_median
    print(f"  {'total':<28} {sum(steps.values()):7.1f}   bare SimPy loop: {bare_micros:.1f} for as many events")
    print(
        f"  SimPy run per event          {steps['SimPy run'] / events:7.2f}   bare: {bare_micros / events:.2f} "
        f"(the engine's events are process starts, waits on shared events and timeouts; the bare loop's are timeouts)"
    )


if __name__ == "__main__":
    main()

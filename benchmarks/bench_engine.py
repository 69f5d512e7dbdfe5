"""Engine speed: replications per second on one core, where the time goes, and the cost of drawing numbers.

    python benchmarks/bench_engine.py [--scenario csto-2018] [--replications 20000] [--repeats 5]

Prints, for the scenario:
- replications per second of ``Simulator.run_many`` (bulk runs: milestones only), median of the repeats
  (target: at least 8,000 per second on one core for csto-2018);
- SimPy events per replication, and the rate of a bare SimPy loop firing as many timeouts, for scale;
- microseconds per replication in each step: the keyed random numbers (Philox, computed a batch of
  replications at a time), the set-up of a replication, and the SimPy run;
- the cost of drawing the same count of numbers the way the engine did before keyed numbers (a
  ``SeedSequence`` spawned per replication, a ``Generator``, one ``random(n)`` call), for comparison.
Timings are wall-clock medians on a machine that may be shared: quote ratios and medians, and rerun when the
machine is busy.
"""

from __future__ import annotations

import argparse
import statistics
import time
from unittest import mock

import numpy as np
import simpy

from cstosim import load_scenario
from cstosim.engine import Simulator
from cstosim.engine.random_numbers import RandomNumbers
from cstosim.engine.simulation import _Replication


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes."""

    processed = 0

    def step(self) -> None:
        CountingEnvironment.processed += 1
        super().step()


def events_per_replication(simulator: Simulator, replications: int) -> float:
    CountingEnvironment.processed = 0
    with mock.patch("cstosim.engine.simulation.simpy.Environment", CountingEnvironment):
        for _ in simulator.run_many(0, range(replications)):
            pass
    return CountingEnvironment.processed / replications


def engine_rate(simulator: Simulator, replications: int, seed: int) -> float:
    started = time.perf_counter()
    for _ in simulator.run_many(seed, range(replications)):
        pass
    return replications / (time.perf_counter() - started)


def breakdown(simulator: Simulator, replications: int) -> dict[str, float]:
    """Microseconds per replication in each step of ``run_many``."""
    steps = {"random numbers (keyed, batched)": 0.0, "set-up (state, sessions)": 0.0, "SimPy run": 0.0}
    names = list(steps)
    numbers = iter(simulator.keys.draws(RandomNumbers(1), range(replications)))
    clock = time.perf_counter
    for _ in range(replications):
        t0 = clock()
        draws = next(numbers)
        t1 = clock()
        replication = _Replication(simulator, draws)
        t2 = clock()
        replication.run()
        t3 = clock()
        for name, (start, end) in zip(names, [(t0, t1), (t1, t2), (t2, t3)], strict=True):
            steps[name] += end - start
    return {name: total / replications * 1e6 for name, total in steps.items()}


def on_demand(simulator: Simulator, replications: int) -> tuple[float, float]:
    """Numbers computed one by one per replication (keys not computed ahead), and microseconds for each."""
    count = 0
    original = RandomNumbers.uniform

    def counting(self: RandomNumbers, replication: int, key: tuple[str | int, ...]) -> float:
        nonlocal count
        count += 1
        return original(self, replication, key)

    with mock.patch.object(RandomNumbers, "uniform", counting):
        for _ in simulator.run_many(2, range(replications)):
            pass
    numbers = RandomNumbers(3)
    started = time.perf_counter()
    for index in range(20000):
        numbers.uniform(index, ("vote", "a candidate", 3, "a member"))
    return count / replications, (time.perf_counter() - started) / 20000 * 1e6


def former_drawing(count: int, replications: int) -> float:
    """Microseconds per replication to draw ``count`` numbers as the engine did before keyed numbers."""
    started = time.perf_counter()
    for index in range(replications):
        np.random.default_rng(np.random.SeedSequence(1, spawn_key=(index,))).random(count).tolist()
    return (time.perf_counter() - started) / replications * 1e6


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
    parser.add_argument("--replications", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    simulator = Simulator(load_scenario(args.scenario))
    events = events_per_replication(simulator, min(args.replications, 5000))
    engine = [engine_rate(simulator, args.replications, seed) for seed in range(args.repeats)]
    bare = [bare_rate(round(events), args.replications) for _ in range(args.repeats)]
    engine_median, bare_median = statistics.median(engine), statistics.median(bare)
    print(f"scenario                        {args.scenario}")
    print(f"keys computed ahead             {len(simulator.keys)} per replication")
    print(f"SimPy events per replication    {events:.1f}")
    print(
        f"engine replications/s           {engine_median:,.0f}  (median of {args.repeats}; "
        f"min {min(engine):,.0f}, max {max(engine):,.0f}; target >= 8,000: "
        f"{'met' if engine_median >= 8000 else 'NOT met'})"
    )
    print(f"bare SimPy loop replications/s  {bare_median:,.0f}  (as many timeout events)")
    print(f"engine / bare                   {engine_median / bare_median:.2f}")
    print("\nwhere a replication's time goes (microseconds, one pass)")
    steps = breakdown(simulator, args.replications)
    for name, micros in steps.items():
        print(f"  {name:<34} {micros:7.1f}")
    print(f"  {'total':<34} {sum(steps.values()):7.1f}")
    per_replication, each = on_demand(simulator, min(args.replications, 5000))
    keyed = steps["random numbers (keyed, batched)"] + per_replication * each
    print(
        f"\nrandom numbers per replication: {len(simulator.keys)} computed ahead "
        f"({steps['random numbers (keyed, batched)']:.1f} us) and {per_replication:.1f} on demand "
        f"({each:.1f} us each): {keyed:.1f} us in all"
    )
    former = statistics.median(former_drawing(len(simulator.keys), args.replications // 4) for _ in range(3))
    print(
        f"the same {len(simulator.keys)} numbers drawn as before keyed numbers (a SeedSequence spawned per "
        f"replication, a Generator, one random call): {former:.1f} us"
    )


if __name__ == "__main__":
    main()

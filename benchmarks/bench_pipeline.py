"""What the pipeline costs per replication, on top of the engine, on one core.

    python benchmarks/bench_pipeline.py [--scenario csto-2018] [--replications 40000] [--repeats 3]

Times, per replication (median of the repeats, one process, no worker pool):

* the engine alone: ``Simulator.run_many``, results consumed and dropped;
* the run table: the same results turned into chunk tables (``RunTable.table``), measured on results held in
  memory so that only the conversion is timed;
* the tally: those tables counted in a ``Tally`` (what ``cstosim run`` summarises from);
* the whole run path as ``cstosim run --workers 1`` takes it (``cstosim.run`` with ``keep_table=False``: plan,
  task, sequential executor, tally sink), and the same with a results folder (Parquet parts and manifest);

then the pipeline's cost (whole run minus engine) in microseconds per replication, and the rate of the whole
run path against the target of 8,000 replications per second per core. Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cstosim
from cstosim.engine import Simulator
from cstosim.outcomes.table import RunTable
from cstosim.outcomes.tally import Tally

CHUNK = 2000
TARGET = 8000


def per_replication(work: Callable[[], object], replications: int, repeats: int) -> float:
    """Median seconds per replication of ``work`` (which handles ``replications`` replications)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) / replications)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="csto-2018")
    parser.add_argument("--replications", type=int, default=40_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scenario = cstosim.load_scenario(args.scenario)
    n, repeats = args.replications, args.repeats

    def engine() -> None:
        for _ in Simulator(scenario).run_many(1, range(n)):
            pass

    results = list(Simulator(scenario).run_many(1, range(n)))
    layout = RunTable(scenario)
    tables = [layout.table(results[start : start + CHUNK], 1) for start in range(0, n, CHUNK)]

    def table() -> None:
        for start in range(0, n, CHUNK):
            layout.table(results[start : start + CHUNK], 1)

    def tally() -> None:
        counts = Tally(scenario)
        for part in tables:
            counts.add(part)

    def run() -> None:
        cstosim.run(scenario, n, seed=1, keep_table=False, workers=1, chunk_size=CHUNK)

    def run_to_folder() -> None:
        with tempfile.TemporaryDirectory(prefix="cstosim-bench-") as folder:
            cstosim.run(scenario, n, seed=1, keep_table=False, workers=1, chunk_size=CHUNK, out=Path(folder) / "out")

    figures = {
        "engine alone (Simulator.run_many)": per_replication(engine, n, repeats),
        "run table (RunTable.table)": per_replication(table, n, repeats),
        "tally (Tally.add)": per_replication(tally, n, repeats),
        "whole run, as cstosim run --workers 1": per_replication(run, n, repeats),
        "whole run with --out (Parquet, manifest)": per_replication(run_to_folder, n, repeats),
    }
    print(f"scenario {args.scenario}, {n:,} replications, chunks of {CHUNK:,}, median of {repeats}")
    for name, seconds in figures.items():
        print(f"  {name:<44}{seconds * 1e6:8.2f} us per replication  ({1 / seconds:8,.0f} per second)")
    engine_cost = figures["engine alone (Simulator.run_many)"]
    for label, name in (
        ("run", "whole run, as cstosim run --workers 1"),
        ("run with --out", "whole run with --out (Parquet, manifest)"),
    ):
        print(f"pipeline cost of a {label}: {(figures[name] - engine_cost) * 1e6:.2f} us per replication")
    rate = 1 / figures["whole run, as cstosim run --workers 1"]
    verdict = "met" if rate >= TARGET else "NOT met"
    print(f"run path rate {rate:,.0f} replications per second per core (target >= {TARGET:,}: {verdict})")


if __name__ == "__main__":
    main()

"""What the pipeline costs per replication, on top of the engine, on one core.

    python benchmarks/bench_pipeline.py [--scenario csto-2018] [--replications 40000] [--repeats 3]

The pipeline's own cost is measured directly, not as the difference of two timings of the engine (on a busy
machine that difference is noise): its tasks replay replication results computed once and held in memory, so
everything but the engine is timed. Per replication, the best of the repeats (the measurements take turns, so
that a busy moment falls on all alike); one process, no worker pool:

* the engine alone: ``Simulator.run_many``, results consumed and dropped;
* the run table alone: results turned into chunk tables (``RunTable.table``);
* the tally alone: those tables counted in a ``Tally`` (what ``cstosim run`` summarises from);
* the pipeline as ``cstosim run --workers 1`` takes it: plan, replayed task, sequential executor, tally sink and
  the summary at the end; and the same streaming every chunk to a results folder (Parquet part and manifest);
* the whole run path with the engine (``cstosim.run`` with ``keep_table=False``), against the target of 8,000
  replications per second per core.

Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import cstosim
from cstosim.analysis.summary import summarize_tally
from cstosim.engine import ReplicationResult, Simulator
from cstosim.experiments.pipeline import Execution, execute
from cstosim.experiments.plan import Chunk
from cstosim.experiments.sinks import StoreSink, TallySink
from cstosim.experiments.store import ResultStore
from cstosim.model.scenario import Scenario
from cstosim.outcomes.table import RunTable
from cstosim.outcomes.tally import Tally

CHUNK = 2000
TARGET = 8000


@dataclass(frozen=True, eq=False)
class ReplayTask:
    """A run task whose results were computed beforehand: the pipeline without the engine."""

    scenario: Scenario
    results: Sequence[ReplicationResult]

    def run(self, chunk: Chunk) -> pd.DataFrame:
        return RunTable(self.scenario).table(self.results[chunk.start : chunk.stop], 1)


def per_replication(works: dict[str, Callable[[], object]], replications: int, repeats: int) -> dict[str, float]:
    """The best seconds per replication of each work (each handles ``replications`` replications); the works
    take turns, repeat after repeat."""
    times: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(repeats):
        for name, work in works.items():
            started = time.perf_counter()
            work()
            times[name].append((time.perf_counter() - started) / replications)
    return {name: min(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="csto-2018")
    parser.add_argument("--replications", type=int, default=40_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scenario = cstosim.load_scenario(args.scenario)
    n, repeats = args.replications, args.repeats
    results = list(Simulator(scenario).run_many(1, range(n)))
    layout = RunTable(scenario)
    tables = [layout.table(results[start : start + CHUNK], 1) for start in range(0, n, CHUNK)]
    replay = ReplayTask(scenario, results)
    sequential = Execution(workers=1, chunk_size=CHUNK)

    def engine() -> None:
        for _ in Simulator(scenario).run_many(1, range(n)):
            pass

    def table() -> None:
        for start in range(0, n, CHUNK):
            layout.table(results[start : start + CHUNK], 1)

    def tally() -> None:
        counts = Tally(scenario)
        for part in tables:
            counts.add(part)

    def pipeline() -> None:
        sink = TallySink(scenario)
        execute([replay], n, [sink], sequential)
        summarize_tally(scenario, sink.tally)

    def pipeline_to_folder() -> None:
        with tempfile.TemporaryDirectory(prefix="cstosim-bench-") as folder:
            store = ResultStore.prepare(Path(folder) / "out", "run", scenario, seed=1, replications=n, chunk_size=CHUNK)
            sink = TallySink(scenario)
            execute([replay], n, [sink], sequential, store=StoreSink(store))
            summarize_tally(scenario, sink.tally)

    def whole_run() -> None:
        cstosim.run(scenario, n, seed=1, keep_table=False, workers=1, chunk_size=CHUNK)

    works: dict[str, Callable[[], object]] = {
        "engine alone (Simulator.run_many)": engine,
        "run table alone (RunTable.table)": table,
        "tally alone (Tally.add)": tally,
        "pipeline of cstosim run --workers 1": pipeline,
        "pipeline with --out (Parquet, manifest)": pipeline_to_folder,
        "whole run path, engine included": whole_run,
    }
    figures = per_replication(works, n, repeats)
    print(f"scenario {args.scenario}, {n:,} replications, chunks of {CHUNK:,}, best of {repeats}")
    for name, seconds in figures.items():
        print(f"  {name:<42}{seconds * 1e6:8.2f} us per replication  ({1 / seconds:10,.0f} per second)")
    rate = 1 / figures["whole run path, engine included"]
    verdict = "met" if rate >= TARGET else "NOT met"
    print(f"run path rate {rate:,.0f} replications per second per core (target >= {TARGET:,}: {verdict})")
    needed = 1e6 / TARGET - figures["pipeline of cstosim run --workers 1"] * 1e6
    print(f"with this pipeline, the target needs the engine at {needed:.0f} us per replication or less")


if __name__ == "__main__":
    main()

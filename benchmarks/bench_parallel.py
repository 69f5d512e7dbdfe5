"""Parallel speed-up: replications per second sequentially and with a local process pool.

    python benchmarks/bench_parallel.py [--scenario csto-2018] [--replications 100000] [--workers 2] [--repeats 3]

Each repeat times ``run_replications`` end to end, as a user sees it: with workers, that includes starting the
``spawn`` processes (they import numpy, pandas and scipy) and gathering the chunk tables. Prints the median
rate of each mode and the parallel efficiency, rate(W workers) / (W x rate(sequential)) (target: at least 80%
with 2 workers on a 2-core machine), and checks that both tables are identical. Run it on a quiet machine:
other busy processes lower the parallel figure first.
"""

from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd

from cstosim import load_scenario, run_replications


def timed(scenario_name: str, replications: int, workers: int, chunk_size: int) -> tuple[float, pd.DataFrame]:
    scenario = load_scenario(scenario_name)
    started = time.perf_counter()
    table = run_replications(scenario, replications, seed=1, workers=workers, chunk_size=chunk_size)
    return replications / (time.perf_counter() - started), table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="csto-2018")
    parser.add_argument("--replications", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    sequential, parallel = [], []
    for _ in range(args.repeats):
        rate, reference = timed(args.scenario, args.replications, 1, args.chunk_size)
        sequential.append(rate)
        rate, table = timed(args.scenario, args.replications, args.workers, args.chunk_size)
        parallel.append(rate)
        pd.testing.assert_frame_equal(table, reference)
    rate1, rate_w = statistics.median(sequential), statistics.median(parallel)
    efficiency = rate_w / (args.workers * rate1)
    print(f"scenario                          {args.scenario}, {args.replications:,} replications")
    print(f"sequential replications/s         {rate1:,.0f}  (median of {args.repeats})")
    print(f"{args.workers} workers replications/s          {rate_w:,.0f}  (median of {args.repeats})")
    verdict = "met" if efficiency >= 0.8 else "NOT met"
    print(f"parallel efficiency               {efficiency:.0%}  (target >= 80%: {verdict})")
    print("tables identical                  yes")


if __name__ == "__main__":
    main()

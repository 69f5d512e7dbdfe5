"""Sensitivity analyses and forecasts on 1 and 2 workers: replications per second and the speed-up.

    python benchmarks/bench_experiments.py [--workers 1 2] [--samples 256] [--replications 100]
                                           [--forecast-replications 20000] [--only sobol|forecast]

Two experiments, each timed end to end as ``cstosim.sensitivity`` and ``cstosim.forecast`` run them (with a
worker pool, starting the ``spawn`` processes is included):

* a Sobol analysis of csto-2018 over 8 parameters, N = 256 (2,560 sample points), 100 replications a point
  (256,000 replications, one chunk per point);
* a forecast of csto-2018 conditioned on the facts file csto-record-2026 (20,000 replications).

Prints, for each and each worker count, the replications per second, the ratio rate(W) / rate(1), and whether
the results are identical (they must be). Run it on a quiet machine: other busy processes lower the parallel
figures first.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

import cstosim

PARAMETERS = [
    "members[Tajikistan].ratification.stall_probability=0:0.2",
    "members[Tajikistan].ratification.stages[1].delay.median_days=120:720",
    "members[Russia].ratification.stages[1].delay.median_days=60:240",
    "members[Armenia].ratification.stall_probability=0:0.1",
    "candidates[Uzbekistan].application.probability=0.2:0.8",
    "candidates[Uzbekistan].application.after.median_days=365:1460",
    "candidates[Turkmenistan].application.probability=0.1:0.6",
    "organization.agenda.take_up_probability=0.2:1",
]


def sobol(samples: int, replications: int) -> tuple[int, Callable[[int], Any]]:
    points = samples * (len(PARAMETERS) + 2)

    def run(workers: int) -> pd.DataFrame:
        result = cstosim.sensitivity(
            "csto-2018",
            PARAMETERS,
            method="sobol",
            outcome="any_grant",
            samples=samples,
            replications=replications,
            seed=1,
            workers=workers,
        )
        return result.sensitivity.indices

    return points * replications, run


def forecast(replications: int) -> tuple[int, Callable[[int], Any]]:
    def run(workers: int) -> pd.DataFrame:
        return cstosim.forecast("csto-2018", "csto-record-2026", replications, seed=1, workers=workers).forecast.table

    return replications, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--samples", type=int, default=256, help="Sobol's N (a power of two)")
    parser.add_argument("--replications", type=int, default=100, help="replications per Sobol sample point")
    parser.add_argument("--forecast-replications", type=int, default=20_000)
    parser.add_argument("--only", choices=["sobol", "forecast"], default=None)
    args = parser.parse_args()
    experiments = {
        f"Sobol, 8 parameters, N = {args.samples}, {args.replications} replications a point": sobol(
            args.samples, args.replications
        ),
        "forecast csto-2018 given csto-record-2026": forecast(args.forecast_replications),
    }
    for name, (replications, run) in experiments.items():
        if args.only is not None and not name.lower().startswith(args.only):
            continue
        print(f"{name}: {replications:,} replications")
        rates: dict[int, float] = {}
        reference = None
        for workers in args.workers:
            started = time.perf_counter()
            result = run(workers)
            rates[workers] = replications / (time.perf_counter() - started)
            if reference is None:
                reference, identical = result, "reference"
            else:
                pd.testing.assert_frame_equal(result, reference)
                identical = "identical results"
            ratio = rates[workers] / rates[args.workers[0]]
            print(
                f"  {workers} worker(s): {rates[workers]:10,.0f} replications per second   "
                f"ratio to {args.workers[0]}: {ratio:4.2f}   ({identical})"
            )


if __name__ == "__main__":
    main()

"""Peak memory of large runs streamed to disk: it must not grow with the number of replications.

    python benchmarks/bench_memory.py [--sizes 100000 1000000] [--workers 2] [--scenario csto-2018]

Each size runs ``cstosim run -n SIZE --out TMP --quiet`` in a fresh subprocess and reports the peak resident
memory (RSS) of the main process and the largest peak of its worker processes (``getrusage``), and their sum
with one worker per core (an upper bound of the whole run's footprint). Prints the ratio of the largest size's
total to the smallest's (target: within 20%, i.e. at most 1.20) and whether every run completed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Runs the CLI in-process, then prints the peaks: this process's own, and its reaped children's (the workers).
_CHILD = """
import json, resource, sys
from cstosim.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print("PEAKS " + json.dumps({"main_kib": own, "worker_kib": workers}))
"""


def measure(scenario: str, size: int, workers: int, folder: Path) -> dict[str, float]:
    command = [sys.executable, "-c", _CHILD, "run", scenario, "-n", str(size), "--seed", "1", "--quiet"]
    command += ["--workers", str(workers), "--out", str(folder)]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    peaks_line = next((line for line in completed.stdout.splitlines() if line.startswith("PEAKS ")), None)
    if completed.returncode != 0 or peaks_line is None:
        raise SystemExit(f"run of {size:,} failed ({completed.returncode}):\n{completed.stderr[-2000:]}")
    peaks = json.loads(peaks_line.removeprefix("PEAKS "))
    manifest = json.loads((folder / "manifest.json").read_text())
    main_mib, worker_mib = peaks["main_kib"] / 1024, peaks["worker_kib"] / 1024
    return {
        "main": main_mib,
        "worker": worker_mib,
        "total": main_mib + (worker_mib * workers if workers > 1 else 0),
        "seconds": elapsed,
        "done": manifest["replications_done"] if manifest["status"] == "complete" else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="csto-2018")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    results = {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="cstosim-bench-") as temporary:
            results[size] = measure(args.scenario, size, args.workers, Path(temporary) / "out")
        r = results[size]
        print(
            f"{size:>11,} replications: main {r['main']:6.0f} MiB, worker peak {r['worker']:6.0f} MiB, "
            f"total <= {r['total']:6.0f} MiB; {r['seconds']:.0f} s; complete: {r['done'] == size}"
        )
    smallest, largest = results[min(args.sizes)], results[max(args.sizes)]
    ratio = largest["total"] / smallest["total"]
    print(f"peak memory ratio largest/smallest  {ratio:.2f}  (target <= 1.20: {'met' if ratio <= 1.2 else 'NOT met'})")


if __name__ == "__main__":
    main()

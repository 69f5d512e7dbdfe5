"""The benchmark scripts still run against today's scenarios and API, at a tiny size.

They print the speed figures the closing notes quote, but nothing else runs them: a parameter path that a
scenario change removed would otherwise be found only when someone next measures. These tests check that each
script completes and prints its figures; they time nothing (speed is never asserted in a unit test).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

TINY_RUNS = {
    "bench_engine.py": (["--replications", "200", "--repeats", "1"], "SimPy run"),
    "bench_pipeline.py": (["--replications", "2000", "--repeats", "1"], "run path rate"),
    "bench_parallel.py": (["--replications", "2000", "--repeats", "1", "--chunk-size", "500"], "tables identical"),
    "bench_memory.py": (["--sizes", "2000", "4000", "--workers", "1"], "peak memory ratio"),
    "bench_experiments.py": (
        ["--samples", "8", "--replications", "20", "--forecast-replications", "400", "--workers", "1", "2"],
        "(identical results)",
    ),
}


def test_every_benchmark_is_covered() -> None:
    assert sorted(path.name for path in BENCHMARKS.glob("bench_*.py")) == sorted(TINY_RUNS)


def run_benchmark(script: str, arguments: list[str], folder: Path) -> str:
    """What ``script`` prints, run in ``folder``; the test fails if it exits with an error or a traceback."""
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "Traceback" not in completed.stderr
    return completed.stdout


@pytest.mark.parametrize("script", sorted(TINY_RUNS))
def test_benchmark_runs_at_a_tiny_size(script: str, tmp_path: Path) -> None:
    arguments, expected = TINY_RUNS[script]
    assert expected in run_benchmark(script, arguments, tmp_path)


def test_the_benchmark_scenario_still_validates_and_runs(tmp_path: Path) -> None:
    scenario = BENCHMARKS / "scenarios" / "csto-2018-before-politics.toml"
    arguments = ["--scenario", str(scenario), "--replications", "200", "--repeats", "1"]
    assert "csto-2018-before-politics" in run_benchmark("bench_engine.py", arguments, tmp_path)

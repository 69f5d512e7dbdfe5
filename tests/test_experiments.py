"""Executors and seeds: the same table whatever the workers, the chunking or the executor (and Dask)."""

from __future__ import annotations

import importlib

import pandas as pd
import pytest

import cstosim
from cstosim import run_points, run_replication, run_replications
from cstosim.experiments.executors import make_executor
from cstosim.experiments.plan import plan_chunks
from cstosim.outcomes.table import RunTable

REPLICATIONS = 300
SEED = 20181108


@pytest.fixture(scope="module")
def scenario() -> cstosim.Scenario:
    return cstosim.load_scenario("csto-2018")


@pytest.fixture(scope="module")
def reference(scenario: cstosim.Scenario) -> pd.DataFrame:
    return run_replications(scenario, REPLICATIONS, seed=SEED)


def test_plan_covers_every_replication_once() -> None:
    chunks = plan_chunks(1001, 250, points=2)
    assert [(c.point, c.start, c.stop) for c in chunks[:5]] == [
        (0, 0, 250),
        (0, 250, 500),
        (0, 500, 750),
        (0, 750, 1000),
        (0, 1000, 1001),
    ]
    assert [c.index for c in chunks] == list(range(10))
    assert sum(c.size for c in chunks) == 2002


@pytest.mark.parametrize("chunk_size", [3, 7, 128, 10_000])
def test_chunking_does_not_change_the_table(scenario, reference, chunk_size) -> None:
    table = run_replications(scenario, REPLICATIONS, seed=SEED, chunk_size=chunk_size)
    pd.testing.assert_frame_equal(table, reference)


@pytest.mark.parametrize("workers", [2, 3])
def test_process_pool_gives_the_sequential_table(scenario, reference, workers) -> None:
    table = run_replications(scenario, REPLICATIONS, seed=SEED, workers=workers, chunk_size=45)
    pd.testing.assert_frame_equal(table, reference)


def test_dask_local_cluster_gives_the_sequential_table(scenario, reference, dask_scheduler) -> None:
    table = run_replications(scenario, REPLICATIONS, seed=SEED, scheduler=dask_scheduler, chunk_size=60)
    pd.testing.assert_frame_equal(table, reference)


def test_run_points_on_dask_matches_sequential(scenario, dask_scheduler) -> None:
    slower = cstosim.parse_scenario(
        {**scenario.source_table, "horizon": scenario.horizon.replace(year=scenario.horizon.year - 5)}
    )
    sequential = run_points([scenario, slower], 80, seed=3, chunk_size=30)
    distributed = run_points([scenario, slower], 80, seed=3, chunk_size=30, scheduler=dask_scheduler)
    pd.testing.assert_frame_equal(sequential, distributed)


def test_any_row_can_be_rerun_alone_from_its_seed_and_replication(scenario, reference) -> None:
    for index in (0, 157, REPLICATIONS - 1):
        row = reference.iloc[index]
        alone = run_replication(scenario, int(row["seed"]), int(row["replication"]))
        single = RunTable(scenario).table([alone], int(row["seed"]))
        pd.testing.assert_series_equal(single.iloc[0], row, check_names=False)


def test_adding_replications_keeps_the_earlier_rows(scenario, reference) -> None:
    longer = run_replications(scenario, REPLICATIONS + 50, seed=SEED, chunk_size=100)
    pd.testing.assert_frame_equal(longer.iloc[:REPLICATIONS], reference)


def test_fresh_seed_is_recorded_and_reproduces_the_table(scenario) -> None:
    table = run_replications(scenario, 40)
    seed = int(table["seed"].iloc[0])
    pd.testing.assert_frame_equal(run_replications(scenario, 40, seed=seed), table)


def test_points_share_random_numbers(scenario) -> None:
    table = run_points([scenario, scenario], 60, seed=9)
    assert list(table.columns[:2]) == ["point", "replication"]
    first = table[table["point"] == 0].drop(columns="point").reset_index(drop=True)
    second = table[table["point"] == 1].drop(columns="point").reset_index(drop=True)
    pd.testing.assert_frame_equal(first, second)


def test_missing_dask_is_a_clear_error(monkeypatch) -> None:
    real = importlib.import_module

    def without_distributed(name: str, *args: object) -> object:
        if name == "distributed":
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", without_distributed)
    with pytest.raises(RuntimeError, match=r'pip install "cstosim\[dask\]"'):
        make_executor(scheduler="local")


def test_bad_worker_count_is_refused() -> None:
    with pytest.raises(ValueError, match="workers must be >= 1"):
        make_executor(workers=0)


def test_cli_runs_on_a_pool_and_on_dask_write_the_sequential_table(tmp_path, scenario, reference, dask_scheduler):
    from click.testing import CliRunner

    from cstosim.cli import main

    common = ["run", "-n", str(REPLICATIONS), "--seed", str(SEED), "--chunk-size", "70", "--quiet"]
    for name, options in (("pool", ["--workers", "2"]), ("dask", ["--scheduler", dask_scheduler])):
        result = CliRunner().invoke(main, [*common, *options, "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert ("2 local processes" if name == "pool" else "Dask worker threads") in result.output
        table = pd.read_parquet(tmp_path / name / "replications.parquet")
        pd.testing.assert_frame_equal(table, reference)

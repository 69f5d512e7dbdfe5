"""The one pipeline: every experiment gives the same results on any executor, the library does what the command
line does, and an interrupted results folder resumed equals an uninterrupted one, for every kind of experiment."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

import cstosim
from cstosim.cli import main
from cstosim.experiments.sinks import StoreSink
from cstosim.experiments.store import StoreError

STALL = "members[Tajikistan].ratification.stall_probability"
TAJIKISTAN = "members[Tajikistan].ratification.stages[1].delay.median_days"
RUSSIA = "members[Russia].ratification.stages[1].delay.median_days"


def invoke(arguments: list[str]) -> str:
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    return result.output


def test_forecast_on_two_workers_writes_the_one_worker_table(tmp_path: Path) -> None:
    command = ["forecast", "csto-2018", "--facts", "csto-record-2026", "-n", "400", "--seed", "1", "--chunk-size", "60"]
    one = invoke([*command, "--workers", "1", "--out", str(tmp_path / "one")])
    two = invoke([*command, "--workers", "2", "--out", str(tmp_path / "two")])
    assert "sequential" in one and "2 local processes" in two
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "one" / "forecast.parquet"), pd.read_parquet(tmp_path / "two" / "forecast.parquet")
    )
    assert (tmp_path / "one" / "forecast.json").read_text() == (tmp_path / "two" / "forecast.json").read_text()
    report = lambda output: output.split("\n\n")[:-1]  # noqa: E731 - all but the timing and files lines
    assert report(one) == report(two)


def test_forecast_and_calibration_on_dask_give_the_sequential_tables(dask_scheduler: str) -> None:
    scenario, record = cstosim.load_scenario("csto-2018"), cstosim.load_record("csto-record-2026")
    sequential = cstosim.run_forecast(scenario, record, 150, seed=7)
    on_dask = cstosim.run_forecast(scenario, record, 150, seed=7, scheduler=dask_scheduler, chunk_size=40)
    pd.testing.assert_frame_equal(sequential.table, on_dask.table)
    assert sequential.checks == on_dask.checks
    prior = cstosim.run_prior_predictive(scenario, record, 120, seed=7)
    prior_on_dask = cstosim.calibrate(scenario, record, 120, seed=7, scheduler=dask_scheduler, chunk_size=25)
    pd.testing.assert_frame_equal(prior, prior_on_dask.prior)
    assert "Dask worker threads" in prior_on_dask.report.executor


# Library and command line, uninterrupted and resumed --------------------------------------------------------

# Each case: the command's arguments (without --out), and the library call that must write the same folder.
CASES: dict[str, tuple[list[str], Callable[[Path], Any]]] = {
    "run": (
        ["run", "csto-2018", "-n", "500", "--seed", "3", "--chunk-size", "100", "--table-format", "csv"],
        lambda out: cstosim.run("csto-2018", 500, seed=3, chunk_size=100, table_format="csv", out=out),
    ),
    "precision run": (
        ["run", "--seed", "5", "--chunk-size", "50", "--precision", "any_grant=0.04", "--max-replications", "2000"],
        lambda out: cstosim.run(
            "csto-2018", seed=5, chunk_size=50, precision=("any_grant", 0.04), max_replications=2000, out=out
        ),
    ),
    "forecast": (
        ["forecast", "csto-2018", "--facts", "csto-record-2026", "-n", "300", "--seed", "3", "--chunk-size", "50"],
        lambda out: cstosim.forecast("csto-2018", "csto-record-2026", 300, seed=3, chunk_size=50, out=out),
    ),
    "calibration": (
        ["calibrate", "csto-2018", "--facts", "csto-record-2026", "-n", "300", "--seed", "3", "--chunk-size", "50"],
        lambda out: cstosim.calibrate("csto-2018", "csto-record-2026", 300, seed=3, chunk_size=50, out=out),
    ),
    "sweep": (
        ["sweep", "csto-2018", "--vary", f"{STALL}=0,0.5", "-n", "90", "--seed", "3", "--chunk-size", "40"],
        lambda out: cstosim.sweep("csto-2018", {STALL: [0, 0.5]}, 90, seed=3, chunk_size=40, out=out),
    ),
    "sensitivity": (
        [
            *("sensitivity", "csto-2018", "--param", f"{TAJIKISTAN}=120:720", "--param", f"{RUSSIA}=60:240"),
            *("--method", "morris", "--samples", "4", "-n", "12", "--seed", "3"),
        ],
        lambda out: cstosim.sensitivity(
            "csto-2018",
            [f"{TAJIKISTAN}=120:720", f"{RUSSIA}=60:240"],
            method="morris",
            samples=4,
            replications=12,
            seed=3,
            out=out,
        ),
    ),
}


def folder_contents(folder: Path) -> dict[str, Any]:
    """Every file of a results folder: tables as data, the manifest without its times, the rest as bytes."""
    contents: dict[str, Any] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_dir() or path.name.startswith("."):
            assert not path.name.startswith("."), f"temporary file left behind: {name}"
            continue
        if path.parent.suffix == ".parquet":  # the chunk files of a table: compared as one table below
            continue
        if path.name == "manifest.json":
            manifest = json.loads(path.read_text())
            contents[name] = {k: v for k, v in manifest.items() if k not in ("created", "updated")}
        else:
            contents[name] = path.read_bytes() if path.suffix != ".parquet" else pd.read_parquet(path)
    for table in folder.glob("*.parquet"):
        if table.is_dir():
            contents[table.name] = pd.read_parquet(table)
    return contents


def assert_same_folder(first: Path, second: Path) -> None:
    one, two = folder_contents(first), folder_contents(second)
    assert sorted(one) == sorted(two)
    for name, value in one.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, two[name], obj=name)
        else:
            assert value == two[name], name


@pytest.mark.parametrize("case", list(CASES))
def test_command_interrupted_and_resumed_writes_what_the_library_writes_uninterrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    arguments, library = CASES[case]
    whole = tmp_path / "whole"
    result = library(whole)
    assert result.written and all(path.exists() for path in result.written)

    interrupted = tmp_path / "interrupted"
    write = StoreSink.add
    written: list[int] = []

    def killed_after_two_chunks(sink: StoreSink, chunk: Any, table: pd.DataFrame) -> None:
        if len(written) == 2:
            raise KeyboardInterrupt
        write(sink, chunk, table)
        written.append(chunk.index)

    with monkeypatch.context() as patch:
        patch.setattr(StoreSink, "add", killed_after_two_chunks)
        stopped = CliRunner().invoke(main, [*arguments, "--out", str(interrupted), "--workers", "1"])
    assert stopped.exit_code == 2, stopped.output
    assert stopped.output.strip() == f"Error: interrupted; continue it with --resume --out {interrupted}"
    manifest = json.loads((interrupted / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and len(manifest["chunks"]) == 2

    without_seed = [word for i, word in enumerate(arguments) if "--seed" not in (word, arguments[i - 1])]
    output = invoke([*without_seed, "--out", str(interrupted), "--resume", "--workers", "2"])  # the recorded seed
    assert "Reused 2 chunk(s)" in output
    assert_same_folder(whole, interrupted)


def test_library_results_are_the_files_written(tmp_path: Path) -> None:
    in_memory = cstosim.run("csto-2018", 300, seed=4)
    on_disk = cstosim.run("csto-2018", 300, seed=4, out=tmp_path / "run")
    assert on_disk.table is None and in_memory.table is not None
    pd.testing.assert_frame_equal(in_memory.table, pd.read_parquet(tmp_path / "run" / "replications.parquet"))
    assert in_memory.summary == on_disk.summary
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["replications"] == 300
    assert (
        in_memory.report.replications == 300 and in_memory.report.computed == 1 and not in_memory.report.stopped_early
    )

    forecast = cstosim.forecast("csto-2018", "csto-record-2026", 200, seed=4, out=tmp_path / "forecast")
    pd.testing.assert_frame_equal(forecast.forecast.table, pd.read_parquet(tmp_path / "forecast" / "forecast.parquet"))
    assert forecast.summary.accepted == forecast.forecast.accepted

    sweep = cstosim.sweep("csto-2018", {STALL: [0.0, 0.5]}, 50, seed=4)
    pd.testing.assert_frame_equal(sweep.table, cstosim.run_sweep("csto-2018", {STALL: [0.0, 0.5]}, 50, seed=4))
    assert list(sweep.summary["point"]) == [0, 1] and sweep.metric == "any_grant"


def test_resume_refuses_another_kind_seed_or_setting(tmp_path: Path) -> None:
    out = tmp_path / "forecast"
    cstosim.forecast("csto-2018", "csto-record-2026", 60, seed=2, out=out)
    for arguments, message in (
        (["calibrate", "csto-2018", "--facts", "csto-record-2026"], "it holds forecast results, not calibration"),
        (["forecast", "csto-2018", "--facts", "csto-record-2026", "--seed", "3"], "it was run with seed 2, not 3"),
        (["forecast", "csto-2018", "--facts", "csto-record-2026", "--method", "reject"], "with method 'start', not"),
    ):
        result = CliRunner().invoke(main, [*arguments, "--out", str(out), "--resume"])
        assert result.exit_code == 2 and message in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
    with pytest.raises(ValueError, match="resume needs out"):
        cstosim.forecast("csto-2018", "csto-record-2026", 10, resume=True)


def test_chunks_on_disk_but_not_in_the_manifest_are_recomputed_never_deleted(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cstosim.run("csto-2018", 400, seed=6, chunk_size=100, out=out)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["chunks"] = manifest["chunks"][:2]  # killed before the manifest listed chunks 2 and 3
    manifest["status"] = "interrupted"
    del manifest["replications_done"], manifest["stopped_early"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    with pytest.raises(StoreError, match=r"holds part-000002.parquet, part-000003.parquet, which manifest.json"):
        cstosim.run("csto-2018", 200, out=out, resume=True)  # a shrink would leave them in the table: refused
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == before
    resumed = cstosim.run("csto-2018", out=out, resume=True)
    assert resumed.report.reused == 2 and resumed.report.computed == 2
    table = pd.read_parquet(out / "replications.parquet")
    pd.testing.assert_frame_equal(table, cstosim.run_replications(cstosim.load_scenario("csto-2018"), 400, seed=6))


def test_a_chunk_on_disk_but_not_in_the_manifest_is_recomputed(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    cstosim.sweep("csto-2018", {STALL: [0.0, 0.5]}, 40, seed=6, chunk_size=20, out=out)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["chunks"] = manifest["chunks"][:1]  # as if killed before the manifest listed the others
    manifest["status"] = "running"
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "sweep.parquet" / "part-000002.parquet").write_bytes(b"half a file")
    resumed = cstosim.sweep("csto-2018", {STALL: [0.0, 0.5]}, out=out, resume=True)
    assert resumed.report.reused == 1 and resumed.report.computed == 3 and resumed.seed == 6
    pd.testing.assert_frame_equal(resumed.table, cstosim.run_sweep("csto-2018", {STALL: [0.0, 0.5]}, 40, seed=6))


def test_every_table_held_in_memory_is_refused_before_it_runs_when_too_large() -> None:
    from cstosim.model.limits import MAX_ROWS_IN_MEMORY

    scenario = cstosim.load_scenario("csto-2018")
    record = cstosim.load_record("csto-record-2026")
    too_many = MAX_ROWS_IN_MEMORY + 1
    calls: dict[str, Callable[[], Any]] = {
        "run_replications": lambda: cstosim.run_replications(scenario, too_many, seed=1),
        "run_points": lambda: cstosim.run_points([scenario, scenario], too_many // 2 + 1, seed=1),
        "run_sweep": lambda: cstosim.run_sweep(scenario, {"horizon": [dt.date(2030, 12, 31)]}, too_many, seed=1),
        "run_forecast": lambda: cstosim.run_forecast(scenario, record, too_many, seed=1),
        "run_prior_predictive": lambda: cstosim.run_prior_predictive(scenario, record, too_many, seed=1),
    }
    for name, call in calls.items():  # each refused at once: a run of that size would take hours
        with pytest.raises(ValueError, match=f"at most {MAX_ROWS_IN_MEMORY:,} rows"):
            call()
            pytest.fail(f"{name} ran")

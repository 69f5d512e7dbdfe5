"""Results on disk: Parquet chunks and manifest, resume after an interruption, refusals, precision mode, plot."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import cstosim
from cstosim.cli import main
from cstosim.experiments.pipeline import Execution, execute
from cstosim.experiments.sinks import Sink, StoreSink
from cstosim.experiments.store import MANIFEST, ResultStore, scenario_toml
from cstosim.experiments.tasks import RunTask
from cstosim.outcomes.metrics import estimate

SEED = 41
N = 500
CHUNK = 100


@pytest.fixture(scope="module")
def scenario() -> cstosim.Scenario:
    return cstosim.load_scenario("csto-2018")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, scenario) -> Path:
    folder = tmp_path_factory.mktemp("runs") / "whole"
    result = CliRunner().invoke(
        main,
        ["run", "-n", str(N), "--seed", str(SEED), "--chunk-size", str(CHUNK), "--out", str(folder), "--workers", "1"],
    )
    assert result.exit_code == 0, result.output
    return folder


def single_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    return result.output


def test_run_writes_chunks_and_manifest(uninterrupted, scenario) -> None:
    parts = sorted((uninterrupted / "replications.parquet").iterdir())
    assert [p.name for p in parts] == [f"part-{i:06d}.parquet" for i in range(N // CHUNK)]
    manifest = json.loads((uninterrupted / MANIFEST).read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == SEED and manifest["replications_done"] == N
    assert manifest["package_version"] == cstosim.__version__ and len(manifest["scenario_hash"]) == 64
    assert [(c["start"], c["stop"]) for c in manifest["chunks"]] == [(i, i + CHUNK) for i in range(0, N, CHUNK)]
    table = pd.read_parquet(uninterrupted / "replications.parquet")
    pd.testing.assert_frame_equal(table, cstosim.run_replications(scenario, N, seed=SEED))
    saved = cstosim.load_scenario(uninterrupted / "scenario.toml")
    assert saved == scenario  # the resolved scenario, loadable again
    assert not list(uninterrupted.rglob(".*tmp*")), "no temporary file is left behind"


def test_resolved_scenario_toml_reads_back_equal(scenario) -> None:
    assert tomllib.loads(scenario_toml(scenario.source_table)) == dict(scenario.source_table)


def test_interrupted_then_resumed_equals_uninterrupted(tmp_path, scenario, uninterrupted) -> None:
    folder = tmp_path / "interrupted"
    store = ResultStore.prepare(folder, "run", scenario, seed=SEED, replications=N, chunk_size=CHUNK)

    class InterruptAfterTwoChunks(Sink):
        seen = 0

        def add(self, chunk, table) -> None:
            self.seen += 1
            if self.seen == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sinks = [InterruptAfterTwoChunks()]
        execute([RunTask(scenario, SEED)], N, sinks, Execution(chunk_size=CHUNK), store=StoreSink(store))
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["status"] == "interrupted" and len(manifest["chunks"]) == 2
    # a part file written just before the kill, not yet in the manifest, must be recomputed, not trusted
    (folder / "replications.parquet" / "part-000002.parquet").write_bytes(b"half a file")

    result = CliRunner().invoke(main, ["run", "--out", str(folder), "--resume", "--quiet", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "Reused 2 chunk(s)" in result.output and "300 replications in" in result.output
    resumed = pd.read_parquet(folder / "replications.parquet")
    pd.testing.assert_frame_equal(resumed, pd.read_parquet(uninterrupted / "replications.parquet"))
    for name in ("summary.json",):
        assert (folder / name).read_text() == (uninterrupted / name).read_text()


def test_resume_with_another_seed_or_scenario_is_refused(uninterrupted, tmp_path) -> None:
    output = single_error(CliRunner().invoke(main, ["run", "--out", str(uninterrupted), "--resume", "--seed", "7"]))
    assert f"it was run with seed {SEED}, not 7" in output and len(output.strip().splitlines()) == 1
    output = single_error(CliRunner().invoke(main, ["run", "csto-2024", "--out", str(uninterrupted), "--resume"]))
    assert "holds results of another scenario" in output and len(output.strip().splitlines()) == 1


def test_existing_results_are_not_overwritten_without_force(uninterrupted, tmp_path) -> None:
    before = (uninterrupted / MANIFEST).read_bytes()
    output = single_error(CliRunner().invoke(main, ["run", "-n", "20", "--seed", "1", "--out", str(uninterrupted)]))
    assert "already holds results" in output and "--force" in output
    assert (uninterrupted / MANIFEST).read_bytes() == before
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / MANIFEST).write_bytes(before)
    (copy / "notes.txt").write_text("mine")
    result = CliRunner().invoke(
        main, ["run", "-n", "20", "--seed", "1", "--out", str(copy), "--force", "--quiet", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads((copy / MANIFEST).read_text())["replications_done"] == 20
    assert (copy / "notes.txt").read_text() == "mine", "--force removes only what a run writes"


def test_precision_mode_stops_at_the_first_chunk_meeting_the_target(tmp_path, scenario) -> None:
    folder = tmp_path / "precise"
    arguments = [
        "run",
        "--seed",
        "5",
        "--chunk-size",
        "50",
        "--precision",
        "any_grant=0.04",
        "--quiet",
        "--workers",
        "1",
    ]
    result = CliRunner().invoke(main, [*arguments, "--max-replications", "5000", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("Precision reached"))
    done = int(line.rsplit("after ", 1)[1].split()[0].replace(",", ""))
    assert 50 <= done < 5000 and done % 50 == 0
    table = pd.read_parquet(folder / "replications.parquet")
    assert len(table) == done
    assert estimate(scenario, table, "any_grant").half_width < 0.04
    assert estimate(scenario, table.iloc[: done - 50], "any_grant").half_width >= 0.04
    capped = CliRunner().invoke(main, [*arguments, "--max-replications", "100"])
    assert "Precision NOT reached" in capped.output and "after 100 replications" in capped.output


def test_bad_precision_target_is_a_one_line_error() -> None:
    output = single_error(CliRunner().invoke(main, ["run", "--precision", "granted[Atlantis]=0.01"]))
    assert "unknown metric 'granted[Atlantis]'" in output
    output = single_error(CliRunner().invoke(main, ["run", "--precision", "any_grant=-1"]))
    assert "HALFWIDTH > 0" in output


def test_plot_redraws_from_saved_results(tmp_path, uninterrupted) -> None:
    folder = tmp_path / "replot"
    folder.mkdir()
    for path in uninterrupted.rglob("*"):
        if path.is_file() and path.suffix != ".png":
            target = folder / path.relative_to(uninterrupted)
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(path.read_bytes())
    result = CliRunner().invoke(main, ["plot", str(folder)])
    assert result.exit_code == 0, result.output
    for name in ("entry_into_force.png", "first_grant.png", "last_ratifier.png", "grant_probability.png"):
        assert (folder / name).read_bytes() == (uninterrupted / name).read_bytes()
    assert (folder / "summary.json").read_text() == (uninterrupted / "summary.json").read_text()
    assert "no results here" in single_error(CliRunner().invoke(main, ["plot", str(tmp_path)]))


def test_csv_export_streams_the_same_rows(tmp_path) -> None:
    folder = tmp_path / "csv"
    result = CliRunner().invoke(
        main,
        [
            "run",
            "-n",
            "120",
            "--seed",
            "2",
            "--chunk-size",
            "50",
            "--out",
            str(folder),
            "--table-format",
            "csv",
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(folder / "replications.csv")["replication"]) == list(range(120))


def test_resume_with_more_replications_extends_the_run(tmp_path, scenario, uninterrupted) -> None:
    folder = tmp_path / "grow"
    arguments = ["run", "--seed", str(SEED), "--chunk-size", "120", "--out", str(folder), "--workers", "1"]
    first = CliRunner().invoke(main, [*arguments, "-n", "300"])  # chunks 0-119, 120-239, 240-299
    assert first.exit_code == 0, first.output
    assert "rep/s" not in first.output, "no progress bar when stderr is not a terminal"
    grown = CliRunner().invoke(main, [*arguments, "-n", str(N), "--resume", "--quiet"])
    assert grown.exit_code == 0, grown.output
    assert "Reused 2 chunk(s)" in grown.output, "the short last chunk is recomputed with its new bounds"
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder / "replications.parquet"), pd.read_parquet(uninterrupted / "replications.parquet")
    )
    assert json.loads((folder / MANIFEST).read_text())["replications_done"] == N


def test_a_killed_process_resumes_to_the_uninterrupted_table(tmp_path, scenario) -> None:
    folder = tmp_path / "killed"
    command = [sys.executable, "-m", "cstosim", "run", "-n", "3000", "--seed", "8", "--chunk-size", "50"]
    process = subprocess.Popen([*command, "--workers", "1", "--out", str(folder), "--quiet"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            manifest = folder / MANIFEST
            if manifest.exists() and len(json.loads(manifest.read_text())["chunks"]) >= 3:
                break
            time.sleep(0.02)
    finally:
        process.kill()  # SIGKILL: no clean-up code runs
        process.wait()
    done = len(json.loads((folder / MANIFEST).read_text())["chunks"])
    resumed = CliRunner().invoke(main, ["run", "--out", str(folder), "--resume", "--quiet", "--workers", "1"])
    assert resumed.exit_code == 0, resumed.output
    assert f"Reused {done} chunk(s)" in resumed.output or done == 60
    table = pd.read_parquet(folder / "replications.parquet")
    pd.testing.assert_frame_equal(table, cstosim.run_replications(scenario, 3000, seed=8))
    assert not list(folder.rglob(".*tmp*")), "resume leaves no temporary file behind"


def test_plot_refuses_folders_it_cannot_redraw(tmp_path, uninterrupted) -> None:
    output = single_error(CliRunner().invoke(main, ["plot", str(uninterrupted), "--metric", "any_grant"]))
    assert "--metric is for sweeps" in output
    forecast = tmp_path / "forecast"
    facts = ["--facts", "csto-record-2026", "-n", "40", "--seed", "1", "--out", str(forecast)]
    assert CliRunner().invoke(main, ["forecast", "csto-2018", *facts]).exit_code == 0
    output = single_error(CliRunner().invoke(main, ["plot", str(forecast)]))
    assert "holds forecast results; plot redraws the plots of run and sweep results" in output

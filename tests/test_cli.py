"""The command line through click's CliRunner: outputs, files written, and errors without tracebacks."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from cstosim.cli import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_run_prints_the_summary_of_the_default_scenario(runner):
    result = runner.invoke(main, ["run", "-n", "200", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "csto-2018" in result.output
    for text in ("entry into force", "Tajikistan ratifies", "Uzbekistan (observer)", "Last to ratify", "95% interval"):
        assert text in result.output
    again = runner.invoke(main, ["run", "-n", "200", "--seed", "3"])
    strip = lambda output: output.rsplit("\n200 replications in", 1)[0]  # noqa: E731 - the timing line differs
    assert strip(again.output) == strip(result.output)


def test_run_writes_summary_table_and_plots(runner, tmp_path):
    out = tmp_path / "results"
    result = runner.invoke(main, ["run", "csto-2024", "-n", "150", "--seed", "9", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert {"replications", "seed", "entry_into_force", "candidates", "last_ratifier"} <= set(summary)
    assert summary["replications"] == 150 and summary["seed"] == 9
    table = pd.read_parquet(out / "replications.parquet")
    assert len(table) == 150 and list(table["replication"]) == list(range(150))
    for name in ("entry_into_force.png", "first_grant.png", "last_ratifier.png", "grant_probability.png"):
        assert (out / name).stat().st_size > 10_000
    assert not list(out.glob(".*tmp*")), "no temporary file is left behind"


def test_run_writes_csv_when_asked(runner, tmp_path):
    result = runner.invoke(main, ["run", "-n", "20", "--seed", "1", "--out", str(tmp_path), "--table-format", "csv"])
    assert result.exit_code == 0
    assert len(pd.read_csv(tmp_path / "replications.csv")) == 20


def test_validate_scenarios_and_trace(runner):
    result = runner.invoke(main, ["validate", "csto-2018", "csto-2024", "sco-like-observer"])
    assert result.exit_code == 0 and result.output.count(": ok") == 3
    listing = runner.invoke(main, ["scenarios"])
    assert listing.exit_code == 0 and "csto-2018" in listing.output and "csto-2024" in listing.output
    trace = runner.invoke(main, ["trace", "--seed", "3"])
    assert trace.exit_code == 0
    assert "2018-11-08  The CSTO adopts" in trace.output
    assert "enters into force" in " ".join(trace.output.split()) and "\nOutcome by 2032-12-31\n" in trace.output


def single_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(result.exception, SystemExit)
    return result.output


def test_bad_scenario_file_gives_one_line_per_problem_and_exit_code_2(runner, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('extends = "csto-2018"\n[organization.consensus]\nrule = "majority"\n')
    output = single_error(runner.invoke(main, ["run", str(path)]))
    lines = output.strip().splitlines()
    assert lines[0].startswith("Error: ") and str(path) in lines[0] and "organization.consensus.rule" in lines[0]
    assert '(got "majority")' in lines[0]


def test_validate_reports_every_file(runner, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("name = ")
    output = single_error(runner.invoke(main, ["validate", "csto-2018", str(broken), "nonexistent-name"]))
    assert "csto-2018: ok" in output and "not valid TOML" in output and "nonexistent-name" in output


def test_zero_replications_is_refused(runner):
    output = single_error(runner.invoke(main, ["run", "-n", "0"]))
    assert "0 is not in the range 1<=x<=1000000000" in output


def test_unwritable_output_folder_is_refused_before_running(runner, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    output = single_error(runner.invoke(main, ["run", "-n", "10", "--out", str(blocker / "results")]))
    assert "cannot write results there" in output and str(blocker) in output


def test_a_failed_run_leaves_earlier_results_whole(runner, tmp_path):
    assert runner.invoke(main, ["run", "-n", "20", "--seed", "1", "--out", str(tmp_path)]).exit_code == 0
    before = {path.relative_to(tmp_path): path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    bad = tmp_path.parent / "bad.toml"
    bad.write_text('extends = "csto-2018"\nhorizon = 2000-01-01\n')
    single_error(runner.invoke(main, ["run", str(bad), "-n", "20", "--out", str(tmp_path)]))
    assert {path.relative_to(tmp_path): path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()} == before


EXPERIMENTS = {  # command line, and where its library function is looked up when it runs
    "run": (["run", "-n", "5"], "cstosim.cli.simulate.run_scenario"),
    "compare": (["compare", "csto-2018", "csto-2024", "-n", "5"], "cstosim.api.paired_comparison"),
    "sweep": (
        ["sweep", "csto-2018", "--vary", "organization.consensus.rule=unanimity", "-n", "5"],
        "cstosim.api.sweep",
    ),
    "sensitivity": (
        ["sensitivity", "csto-2018", "--param", "members[Russia].ratification.stall_probability=0:0.1"],
        "cstosim.api.sensitivity",
    ),
    "forecast": (["forecast", "csto-2018", "--facts", "csto-record-2026", "-n", "5"], "cstosim.api.forecast"),
    "calibrate": (["calibrate", "csto-2018", "--facts", "csto-record-2026", "-n", "5"], "cstosim.api.calibrate"),
}


class Called(Exception):
    """Raised by a stand-in for a library function, carrying the options it was called with."""


@pytest.mark.parametrize("command", sorted(EXPERIMENTS))
def test_every_experiment_command_uses_every_core_by_default_and_dask_one_way(runner, monkeypatch, command):
    arguments, target = EXPERIMENTS[command]

    def record(*args, **options):
        raise Called(options)

    monkeypatch.setattr(target, record)
    result = runner.invoke(main, arguments)
    assert isinstance(result.exception, Called), result.output
    options = result.exception.args[0]
    assert options["workers"] is None and options["scheduler"] is None  # None: every core of this machine
    result = runner.invoke(main, [*arguments, "--dask"])
    assert result.exception.args[0]["scheduler"] == "local"
    refused = runner.invoke(main, [*arguments, "--scheduler", "local"])
    assert refused.exit_code == 2 and "for a Dask cluster on this machine use --dask" in refused.output

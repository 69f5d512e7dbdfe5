"""Sweeps: grids and Latin hypercubes over dotted paths, common random numbers, bad paths before any run."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure

import cstosim
from cstosim import ScenarioError, plot_sweep, run_sweep, sweep_summary
from cstosim.cli import main
from cstosim.experiments import sweep as sweep_module
from cstosim.experiments.points import Range, Values, parse_assignment
from cstosim.scenario_files.paths import with_value

STALL = "members[Tajikistan].ratification.stall_probability"
RULE = "organization.consensus.rule"


@pytest.fixture(scope="module")
def scenario() -> cstosim.Scenario:
    return cstosim.load_scenario("csto-2018")


@pytest.fixture(scope="module")
def grid(scenario) -> pd.DataFrame:
    return run_sweep(scenario, {RULE: ["unanimity", "constructive_abstention"], STALL: [0.0, 0.05, 0.5]}, 60, seed=3)


def test_grid_has_every_combination_as_tidy_rows(grid) -> None:
    assert list(grid.columns[:4]) == ["point", RULE, STALL, "replication"]
    assert len(grid) == 6 * 60 and sorted(grid["point"].unique()) == list(range(6))
    points = grid.groupby("point")[[RULE, STALL]].first()
    assert points.to_records(index=False).tolist() == [
        ("unanimity", 0.0),
        ("unanimity", 0.05),
        ("unanimity", 0.5),
        ("constructive_abstention", 0.0),
        ("constructive_abstention", 0.05),
        ("constructive_abstention", 0.5),
    ]


def test_each_point_is_the_run_of_its_scenario_with_the_same_seeds(scenario, grid) -> None:
    table = with_value(with_value(dict(scenario.source_table), RULE, "unanimity"), STALL, 0.5)
    alone = cstosim.run_replications(cstosim.parse_scenario(table), 60, seed=3)
    point = grid[grid["point"] == 2].drop(columns=["point", RULE, STALL]).reset_index(drop=True)
    pd.testing.assert_frame_equal(point, alone)


def test_identical_points_give_identical_rows(scenario) -> None:
    table = run_sweep(scenario, {STALL: [0.05, 0.05]}, 40, seed=8)  # 0.05 is the file's own value
    first, second = (table[table["point"] == p].drop(columns="point").reset_index(drop=True) for p in (0, 1))
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(first.drop(columns=STALL), cstosim.run_replications(scenario, 40, seed=8))


def test_common_random_numbers_make_a_stall_only_remove_entries(grid) -> None:
    # the same replication draws the same numbers at every point: raising the stall probability can only
    # turn "in force" into "not in force", never the reverse
    by_point = {p: g.set_index("replication")["entry_into_force"].notna() for p, g in grid.groupby("point")}
    assert (by_point[2] <= by_point[1]).all() and (by_point[1] <= by_point[0]).all()
    assert by_point[2].sum() < by_point[0].sum()


def test_sweep_summary_has_one_row_per_point_with_intervals(scenario, grid) -> None:
    summary = sweep_summary(scenario, grid, "entry_into_force")
    assert list(summary.columns) == ["point", RULE, STALL, "replications", "estimate", "low", "high"]
    assert len(summary) == 6 and (summary["replications"] == 60).all()
    assert ((summary["low"] <= summary["estimate"]) & (summary["estimate"] <= summary["high"])).all()
    expected = grid.groupby("point")["entry_into_force"].apply(lambda c: c.notna().mean()).to_numpy()
    np.testing.assert_allclose(summary["estimate"], expected)
    years = sweep_summary(scenario, grid, "years_to_entry_into_force")
    assert (years["low"] <= years["estimate"]).all()


def test_plot_sweep_draws_small_multiples(scenario, grid) -> None:
    figure = plot_sweep(grid, "any_grant", scenario=scenario)
    assert isinstance(figure, Figure)
    titled = [axes for axes in figure.axes if axes.get_title()]
    assert len(titled) == 3 and all(STALL in axes.get_title() for axes in titled)
    single = plot_sweep(grid[grid[RULE] == "unanimity"].drop(columns=RULE), "entry_into_force")
    assert len(single.axes) == 1 and single.axes[0].get_xlabel() == STALL


def test_latin_hypercube_is_stratified_reproducible_and_typed() -> None:
    vary = {"a": (0.0, 1.0), "b": (100, 500)}
    points = sweep_module.design_points(vary, "lhs", 8, seed=4)
    assert points == sweep_module.design_points(vary, "lhs", 8, seed=4)
    assert points != sweep_module.design_points(vary, "lhs", 8, seed=5)
    a = np.array([p["a"] for p in points])
    assert sorted(np.floor(a * 8).astype(int).tolist()) == list(range(8)), "one sample per stratum"
    assert all(isinstance(p["b"], int) and 100 <= p["b"] <= 500 for p in points)


def test_lhs_sweep_runs_with_parameter_columns(scenario) -> None:
    table = run_sweep(scenario, {STALL: (0.0, 0.5)}, 10, seed=2, design="lhs", samples=4)
    assert table["point"].nunique() == 4 and table[STALL].between(0, 0.5).all()


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        ({"members[Atlantis].ratification.stall_probability": [0.1]}, "no such parameter in the scenario"),
        ({STALL: [1.5]}, "must be a probability between 0 and 1 (got 1.5)"),
        ({RULE: ["majority"]}, "organization.consensus.rule"),
        ({"organization.consensus.rulez": ["unanimity"]}, "unknown key"),
    ],
)
def test_bad_paths_and_values_fail_before_any_run(scenario, monkeypatch, vary, message) -> None:
    monkeypatch.setattr(sweep_module, "run_to_table", lambda *a, **k: pytest.fail("ran despite a bad sweep"))
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        run_sweep(scenario, vary, 10, seed=1)


def test_bad_designs_are_refused(scenario) -> None:
    with pytest.raises(ValueError, match=r"needs a range with LOW < HIGH: --vary PATH=LOW:HIGH, or \[low, high\]"):
        run_sweep(scenario, {STALL: [0.0, 0.2, 0.4]}, 5, seed=1, design="lhs", samples=3)
    with pytest.raises(ValueError, match="needs samples"):
        run_sweep(scenario, {STALL: [0.0, 0.2]}, 5, seed=1, design="lhs")


def test_cli_sweep_writes_tidy_table_summary_and_plot(tmp_path) -> None:
    out = tmp_path / "sweep"
    arguments = ["sweep", "csto-2018", "--vary", f"{STALL}=0,0.5", "-n", "30", "--seed", "4", "--workers", "1"]
    result = CliRunner().invoke(main, [*arguments, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "2 points x 30 replications, seed 4" in result.output
    table = pd.read_parquet(out / "sweep.parquet")
    assert len(table) == 60 and list(table.columns[:3]) == ["point", STALL, "replication"]
    assert len(pd.read_csv(out / "sweep_summary.csv")) == 2 and (out / "sweep_any_grant.png").stat().st_size > 10_000
    again = CliRunner().invoke(main, [*arguments, "--out", str(out)])
    assert again.exit_code == 2 and "already holds sweep results" in again.output


def test_cli_sweep_reads_the_sweep_table_of_a_scenario_file(tmp_path) -> None:
    path = tmp_path / "swept.toml"
    path.write_text(
        'extends = "csto-2018"\n[sweep]\nreplications = 20\nmetric = "entry_into_force"\n'
        f'vary = {{ "{STALL}" = [0.0, 0.3], "{RULE}" = ["unanimity"] }}\n'
    )
    result = CliRunner().invoke(main, ["sweep", str(path), "--seed", "1", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "2 points x 20 replications" in result.output and "entry_into_force (95% interval)" in result.output
    assert cstosim.load_scenario(path).name == "csto-2018", "a [sweep] table does not change the scenario"
    path.write_text('extends = "csto-2018"\n[sweep]\nbogus = 1\nvary = { "horizon" = [2030-01-01] }\n')
    result = CliRunner().invoke(main, ["sweep", str(path)])
    assert result.exit_code == 2 and "sweep.bogus: unknown key" in result.output and "Traceback" not in result.output


def test_cli_bad_vary_is_one_line_per_problem() -> None:
    result = CliRunner().invoke(main, ["sweep", "csto-2018", "--vary", "members[Atlantis].stance.object=0.1"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.strip().splitlines() == [
        "Error: csto-2018: members[Atlantis].stance.object: no such parameter in the scenario (at 'Atlantis')"
    ]
    result = CliRunner().invoke(main, ["sweep", "csto-2018", "--vary", "no-equals-sign"])
    assert result.exit_code == 2 and "PATH=V1,V2" in result.output


@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        (
            "organization.consensus.rule=unanimity,constructive_abstention",
            RULE,
            ["unanimity", "constructive_abstention"],
        ),
        (f"{STALL}=0,0.25", STALL, [0, 0.25]),
        (f"{STALL}=0.5", STALL, [0.5]),
        (f"{STALL}=0:0.3", STALL, Range(0, 0.3)),
        ("members[Tajikistan].ratification.stages[1].delay.median_days=120:720", None, Range(120, 720)),
    ],
)
def test_one_grammar_reads_values_and_ranges(text, path, expected) -> None:
    found_path, given = parse_assignment(text, "--vary")
    assert found_path == (path or text.split("=")[0]) and given == expected
    assert isinstance(given, Range if isinstance(expected, Range) else Values)
    if isinstance(given, Range):
        assert [type(end) for end in given] == [type(end) for end in expected]  # 120:720 stays whole numbers


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no-equals-sign", "must be PATH=V1,V2,... (values) or PATH=LOW:HIGH (a range)"),
        (f"{STALL}=", "must be PATH=V1,V2,..."),
        (f"{STALL}=0:0.3:5", "a range is LOW:HIGH, two numbers (got '0:0.3:5')"),
        (f"{STALL}=low:0.3", "a range is LOW:HIGH, two numbers"),
        (f"{STALL}=0.3:0", "a range needs LOW below HIGH (got '0.3:0')"),
        (f"{STALL}=0,,1", "values are V1,V2,... with none empty (got '0,,1')"),
    ],
)
def test_the_grammar_refuses_bad_text_naming_the_option(text, message) -> None:
    with pytest.raises(ValueError, match="^--param " + re.escape(text) + ": " + re.escape(message)):
        parse_assignment(text, "--param")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["sweep", "csto-2018", "--vary", f"{STALL}=0:0.3"],
            "a grid takes values (--vary PATH=V1,V2,...); the range 0:0.3 is sampled with --design lhs",
        ),
        (
            ["sweep", "csto-2018", "--design", "lhs", "--samples", "3", "--vary", f"{STALL}=0,0.3"],
            "--design lhs samples a range: write PATH=LOW:HIGH (got the values 0,0.3)",
        ),
        (
            ["sensitivity", "csto-2018", "--param", f"{STALL}=0,0.3"],
            "sensitivity samples a range: write PATH=LOW:HIGH (got the values 0,0.3)",
        ),
        (["sensitivity", "csto-2018", "--param", f"{STALL}=0.3:0"], "a range needs LOW below HIGH"),
    ],
)
def test_sweep_and_sensitivity_take_lists_and_ranges_in_the_same_words(arguments, message) -> None:
    result = CliRunner().invoke(main, [*arguments, "-n", "2"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_plot_redraws_a_sweep_folder(tmp_path) -> None:
    out = tmp_path / "sweep"
    arguments = ["sweep", "csto-2018", "--vary", f"{STALL}=0,0.5", "-n", "30", "--seed", "4", "--workers", "1"]
    assert CliRunner().invoke(main, [*arguments, "--metric", "entry_into_force", "--out", str(out)]).exit_code == 0
    drawn = {
        name: (out / name).read_bytes() for name in ("sweep_summary.csv", "sweep.json", "sweep_entry_into_force.png")
    }
    for name in ("sweep_summary.csv", "sweep_entry_into_force.png"):  # sweep.json keeps the metric
        (out / name).unlink()
    result = CliRunner().invoke(main, ["plot", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 points x 30 replications. Wrote ")
    assert {name: (out / name).read_bytes() for name in drawn} == drawn  # the metric recorded in sweep.json
    result = CliRunner().invoke(main, ["plot", str(out), "--metric", "years_to_entry_into_force"])
    assert result.exit_code == 0 and (out / "sweep_years_to_entry_into_force.png").stat().st_size > 10_000
    summary = pd.read_csv(out / "sweep_summary.csv")
    assert (summary["estimate"] > 1).all()  # years now, not shares
    bad = CliRunner().invoke(main, ["plot", str(out), "--metric", "granted[Atlantis]"])
    assert bad.exit_code == 2 and "unknown metric 'granted[Atlantis]'" in bad.output

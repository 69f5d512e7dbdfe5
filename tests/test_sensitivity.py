"""Sensitivity analysis: a known ranking recovered, reproducibility, and parameters checked before any run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import base_table
from cstosim import ScenarioError
from cstosim.analysis.sensitivity_plots import (
    format_sensitivity,
    samples_for,
    sensitivity_plot,
    sobol_flags,
    sobol_notes,
)
from cstosim.cli import main
from cstosim.experiments.sensitivity import (
    Parameter,
    Sensitivity,
    SensitivityMethod,
    check_parameters,
    parse_parameter,
    run_sensitivity,
)

WIDE = "members[M0].ratification.delay.median_days=100:1500"
NARROW = [
    "members[M1].ratification.delay.median_days=280:320",
    "members[M2].ratification.delay.median_days=280:320",
]


def constructed_table() -> dict:
    """Three members with lognormal delays of median 300 days; only M0's median is given a wide range."""
    table = base_table(members=3, candidates=0)
    for member in table["members"]:
        member["ratification"] = {"delay": {"kind": "lognormal", "median_days": 300.0, "spread": 0.3}}
    return table


def test_sobol_ranks_the_member_with_the_widest_delay_range_first():
    result = run_sensitivity(constructed_table(), [NARROW[0], WIDE, NARROW[1]], samples=32, replications=4, seed=3)
    indices = result.indices.set_index("parameter")
    assert result.indices["parameter"].iloc[0] == WIDE.split("=")[0]
    wide = indices.loc[WIDE.split("=")[0]]
    assert wide["ST"] > 0.7 and wide["S1"] > 0.5
    for other in NARROW:
        assert indices.loc[other.split("=")[0], "ST"] < 0.1
    assert {"S1_conf", "ST_conf"} <= set(indices.columns)
    assert len(result.points) == 32 * (3 + 2)


def test_morris_ranks_the_member_with_the_widest_delay_range_first():
    result = run_sensitivity(constructed_table(), [*NARROW, WIDE], method="morris", samples=8, replications=4, seed=3)
    indices = result.indices.set_index("parameter")
    wide = indices.loc[WIDE.split("=")[0], "mu_star"]
    others = [indices.loc[p.split("=")[0], "mu_star"] for p in NARROW]
    assert result.indices["parameter"].iloc[0] == WIDE.split("=")[0]
    assert wide > 5 * max(others)
    assert (indices["sigma_conf"] >= 0).all() and (indices["mu_star_conf"] >= 0).all()


def test_same_seed_same_indices():
    kwargs = {"method": "morris", "samples": 4, "replications": 2, "seed": 11}
    first = run_sensitivity(constructed_table(), [WIDE, *NARROW], **kwargs)
    again = run_sensitivity(constructed_table(), [WIDE, *NARROW], **kwargs)
    pd.testing.assert_frame_equal(first.indices, again.indices)
    pd.testing.assert_frame_equal(first.points, again.points)
    other = run_sensitivity(constructed_table(), [WIDE, *NARROW], **{**kwargs, "seed": 12})
    assert not first.points.equals(other.points)


def test_probability_outcome_by_a_date_and_integer_parameters():
    table = base_table(members=2, candidates=1)
    table["candidates"][0]["reapplication"] = {"probability": 0.5, "max_times": 1}
    result = run_sensitivity(
        table,
        ["candidates[C0].reapplication.max_times=0:3", "members[M0].ratification.delay.days=50:3000"],
        method="morris",
        outcome="granted[C0]",
        by=pd.Timestamp("2024-01-01").date(),
        samples=6,
        replications=5,
        seed=2,
    )
    times = result.points["candidates[C0].reapplication.max_times"]
    assert (times == times.round()).all()
    assert result.points["granted[C0]"].between(0, 1).all()
    # The grant by 2024 depends on M0's ratification delay (up to eight years) far more than on re-applications.
    assert result.indices["parameter"].iloc[0] == "members[M0].ratification.delay.days"
    text = format_sensitivity(result)
    assert "probability that C0 is granted by 2024-01-01" in text
    sensitivity_plot(result)


@pytest.mark.parametrize(
    ("ranges", "expected"),
    [
        ([("members[M9].ratification.delay.days", 1, 2)], "no such parameter in the scenario (at 'M9')"),
        ([("members[M0].ratification.delay.days", 5, 1)], "LOW must be below HIGH (got 5 >= 1)"),
        (
            [("members[M0].ratification.delay.days", -5, 1)],
            "the scenario is invalid at -5: members[M0].ratification.delay.days: must be",
        ),
        ([("organization.name", 1, 2)], "not a numeric parameter (got 'Test Organization')"),
        ([("members[M0].ratification.stall_probability", 0, 2)], "stall_probability: must be a probability"),
    ],
)
def test_bad_parameters_are_refused_before_any_run(ranges, expected):
    with pytest.raises(ScenarioError) as error:
        check_parameters(base_table(), ranges, "test.toml")
    assert len(error.value.problems) == 1
    assert expected in error.value.problems[0]


def test_parameter_text_and_outcome_are_checked():
    assert parse_parameter("a.b[X].c=1:2.5") == ("a.b[X].c", 1.0, 2.5)
    for text in ("a.b", "a.b=1", "a.b=x:2"):
        with pytest.raises(ScenarioError, match="--param"):
            parse_parameter(text)
    with pytest.raises(ScenarioError, match="--outcome: must be one of"):
        run_sensitivity(constructed_table(), [WIDE], outcome="speed", samples=2, replications=1, seed=1)
    with pytest.raises(ScenarioError, match="--by: applies only to the probability outcomes"):
        run_sensitivity(constructed_table(), [WIDE], by=pd.Timestamp("2022-01-01").date(), samples=2, seed=1)


def test_sensitivity_command_prints_ranks_and_writes_files(tmp_path: Path):
    runner = CliRunner()
    out = tmp_path / "sens"
    args = [
        "sensitivity",
        "csto-2018",
        "--param",
        "members[Tajikistan].ratification.stages[1].delay.median_days=120:720",
    ]
    args += ["--param", "members[Russia].ratification.stages[1].delay.median_days=60:240"]
    result = runner.invoke(
        main, [*args, "--method", "morris", "--samples", "4", "-n", "3", "--seed", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    first = next(line for line in lines if line.startswith("1 "))
    assert "Tajikistan" in first
    written = {"indices.csv", "indices.parquet", "points.parquet", "sensitivity.png", "replications.parquet"}
    assert {p.name for p in out.iterdir()} == {*written, "manifest.json", "scenario.toml"}
    points = pd.read_parquet(out / "replications.parquet")
    assert len(points) == 4 * 3 * 3 and list(points.columns[:4]) == [
        "point",
        "members[Tajikistan].ratification.stages[1].delay.median_days",
        "members[Russia].ratification.stages[1].delay.median_days",
        "replication",
    ]
    bad = runner.invoke(main, ["sensitivity", "csto-2018", "--param", "members[Nobody].x=1:2"])
    assert bad.exit_code == 2
    assert bad.output.strip().count("\n") == 0 and "no such parameter" in bad.output


def noisy_sobol() -> Sensitivity:
    """A Sobol result as a base sample of 16 can give: a first-order index of 1.21 and wide intervals."""
    indices = pd.DataFrame(
        {
            "rank": [1, 2],
            "parameter": ["members[M0].ratification.delay.median_days", "members[M1].ratification.delay.median_days"],
            "S1": [1.21, -0.04],
            "S1_conf": [0.62, 0.05],
            "ST": [0.93, 0.02],
            "ST_conf": [0.41, 0.03],
        }
    )
    points = pd.DataFrame({"point": range(64), "years_to_entry_into_force": [1.0, 2.0] * 32})
    parameters = (Parameter("members[M0].ratification.delay.median_days", 100, 1500), Parameter("p", 0, 1))
    return Sensitivity(
        "test", SensitivityMethod.SOBOL, "years_to_entry_into_force", None, 16, 20, 1, parameters, indices, points
    )


def test_sobol_indices_outside_0_1_and_wide_intervals_are_flagged_with_the_sample_that_would_narrow_them():
    result = noisy_sobol()
    assert sobol_flags(result) == ["S1 > 1, wide", "S1 < 0"]
    # the widest interval, ±0.62 at N = 16, shrinks like 1/sqrt(N): ±0.1 needs 16 x 6.2² = 615, so N = 1024
    assert samples_for(result) == 1024
    text = format_sensitivity(result)
    assert "1.210 ± 0.620           0.930 ± 0.410            ! S1 > 1, wide" in text
    assert "! Indices outside [0, 1] (from -0.040 to 1.210)" in text and "sampling noise, not shares" in text
    assert "--samples 1024 (4,096 sample points) would bring the widest to about ±0.1" in text
    figure = sensitivity_plot(result)
    (axes,) = figure.axes
    labels = [tick.get_text() for tick in axes.get_yticklabels()]
    assert labels[0].startswith("[! S1 > 1, wide] 1.") and labels[1].startswith("[! S1 < 0] 2.")
    assert axes.get_xlim()[1] > 1.8  # 1.21 + 0.62 in view, beside the shaded region beyond 1
    hatched = [bar for bar in axes.patches if bar.get_hatch()]
    assert len(hatched) == 2  # S1 = 1.21 and S1 = -0.04
    assert "--samples 1024 would narrow it" in axes.get_title(loc="right")


def test_a_clean_sobol_result_has_no_flags():
    noisy = noisy_sobol()
    indices = noisy.indices.assign(S1=[0.7, 0.01], S1_conf=[0.05, 0.01], ST_conf=[0.05, 0.01])
    clean = dataclasses.replace(noisy, indices=indices)
    assert sobol_flags(clean) == ["", ""] and sobol_notes(clean) == [] and samples_for(clean) == 16
    assert "!" not in format_sensitivity(clean)

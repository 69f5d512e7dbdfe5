"""Paired what-if comparison: exact differences on small scenarios, the intervals, the command and its files."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import cstosim
from conftest import base_table, build
from cstosim.cli import main
from cstosim.outcomes.paired import paired_means, paired_proportions
from cstosim.outcomes.statistics import normal_quantile


def row(table: pd.DataFrame, outcome: str, scenario: str | None = None) -> pd.Series:
    rows = table[table["outcome"] == outcome]
    if scenario is not None:
        rows = rows[rows["scenario"] == scenario]
    (index,) = rows.index
    return rows.loc[index]


def test_a_member_that_always_objects_removes_every_grant_in_every_pair():
    supports = base_table(members=3, candidates=1)  # every member supports: C0 is granted in every replication
    objects = base_table(members=3, candidates=1)
    objects["name"] = "objects"
    objects["members"][0]["stance"] = {"support": 0.0, "abstain": 0.0, "object": 1.0}
    n = 60
    table = cstosim.compare(build(supports), build(objects), n, seed=4)
    granted = row(table, "granted[C0]")
    assert (granted["baseline"], granted["what_if"], granted["difference"]) == (1.0, 0.0, -1.0)
    # Agresti-Min with every pair discordant the same way: the interval starts at the truth and is short.
    assert granted["low"] == -1.0 and -1.0 < granted["high"] < -0.9
    in_force = row(table, "entry_into_force")
    assert in_force["difference"] == 0.0 and in_force["low"] < 0 < in_force["high"]
    assert in_force["high"] - in_force["low"] < in_force["independent_high"] - in_force["independent_low"]
    assert set(table["scenario"]) == {"objects"} and (table["seed"] == 4).all()
    assert (table.loc[table["unit"] == "probability", "pairs"] == n).all()
    never = row(table, "first_grant.date")  # no pair has a grant in both runs: no date to compare
    assert never["pairs"] == 0 and math.isnan(never["difference"]) and math.isnan(never["what_if"])


def test_a_ratification_stage_100_days_longer_delays_entry_into_force_by_exactly_100_days_in_every_pair():
    def scenario(extra_days: int, name: str) -> cstosim.Scenario:
        table = base_table(members=1, candidates=1)
        table["name"] = name
        table["members"][0]["ratification"] = {
            "stages": [
                {"name": "government", "delay": {"kind": "exponential", "mean_days": 200}},
                {"name": "parliament", "delay": {"kind": "fixed", "days": 50 + extra_days}},
            ]
        }
        return build(table)

    result = cstosim.api.paired_comparison(scenario(0, "base"), [scenario(100, "slower")], 300, seed=2)
    date = row(result.table, "entry_into_force.date")
    assert (date["difference"], date["low"], date["high"]) == (100.0, 100.0, 100.0)
    assert date["independent_high"] - date["independent_low"] > 20  # the dates themselves vary a lot
    assert date["width_ratio"] == 0.0
    half = row(result.table, "entry_into_force.half_of_all")
    assert half["what_if"] - half["baseline"] == 100 == half["difference"]
    assert math.isnan(half["low"]) and math.isnan(half["independent_low"])


def test_pairing_narrows_the_intervals_on_a_real_what_if():
    table = cstosim.compare("csto-2018", "csto-2018-tajikistan-one-year", 400, seed=7)
    for outcome in ("entry_into_force", "any_grant", "granted[Uzbekistan]", "entry_into_force.date"):
        found = row(table, outcome)
        paired = found["high"] - found["low"]
        independent = found["independent_high"] - found["independent_low"]
        assert 0 < paired < independent and found["width_ratio"] == pytest.approx(paired / independent)
    assert row(table, "entry_into_force.date")["difference"] < -100  # a year instead of Tajikistan's long wait


def test_the_intervals_follow_agresti_min_and_agresti_caffo():
    # 50 pairs: 30 where both have it, 3 where only the baseline has it, 10 where only the what-if has it, 7 neither
    before = np.array([1] * 30 + [1] * 3 + [0] * 10 + [0] * 7, dtype=bool)
    after = np.array([1] * 30 + [0] * 3 + [1] * 10 + [0] * 7, dtype=bool)
    result = paired_proportions(before, after)
    z, n, b, c = normal_quantile(), 50, 3, 10
    centre = (c - b) / (n + 2)
    spread = math.sqrt((b + c + 1) - (c - b) ** 2 / (n + 2)) / (n + 2)  # Agresti's published R code
    assert result.estimate == pytest.approx(7 / 50)
    assert (result.low, result.high) == pytest.approx((centre - z * spread, centre + z * spread))
    p1, p2 = (33 + 1) / 52, (40 + 1) / 52
    half = z * math.sqrt(p1 * (1 - p1) / 52 + p2 * (1 - p2) / 52)
    assert (result.independent_low, result.independent_high) == pytest.approx((p2 - p1 - half, p2 - p1 + half))
    with pytest.raises(ValueError, match="same length"):
        paired_proportions(before, after[:-1])


def test_paired_means_is_the_paired_t_interval_and_needs_two_pairs():
    result = paired_means(np.array([0.0, 10.0, 20.0, 30.0]), np.array([2.0, 11.0, 23.0, 30.0]))
    from scipy.stats import t

    differences = np.array([2.0, 1.0, 3.0, 0.0])
    half = t.ppf(0.975, 3) * differences.std(ddof=1) / 2
    assert (result.estimate, result.low, result.high) == pytest.approx((1.5, 1.5 - half, 1.5 + half))
    assert result.independent_high - result.independent_low > result.high - result.low
    one = paired_means(np.array([1.0]), np.array([3.0]))
    assert one.estimate == 2.0 and math.isnan(one.low) and math.isnan(one.width_ratio)


def test_compare_command_prints_the_paired_table_and_writes_its_files(tmp_path):
    out = tmp_path / "comparison"
    runner = CliRunner()
    arguments = ["compare", "csto-2018", "csto-2018-absence-objects", "-n", "200", "--seed", "1", "--workers", "1"]
    result = runner.invoke(main, [*arguments, "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # wrapped notes read as one line
    assert "Baseline: csto-2018" in text and "What-if: csto-2018-absence-objects" in text
    for label in ("any status granted", "Uzbekistan granted (observer)", "Tajikistan last to ratify"):
        assert label in text
    assert "first grant: mean date (pairs with a grant in both:" in text
    assert "times narrower than comparing two independent runs" in text
    table = pd.read_parquet(out / "comparison.parquet")
    assert table.equals(cstosim.compare("csto-2018", ["csto-2018-absence-objects"], 200, seed=1))
    assert len(pd.read_csv(out / "comparison.csv")) == len(table)
    summary = json.loads((out / "comparison.json").read_text())
    outcomes = summary["what_ifs"]["csto-2018-absence-objects"]["outcomes"]
    assert summary["seed"] == 1 and {o["outcome"] for o in outcomes} == set(table["outcome"])
    assert all("baseline_date" in o for o in outcomes if o["unit"] == "days")
    assert (out / "comparison.png").stat().st_size > 20_000
    again = runner.invoke(main, [*arguments, "--out", str(out)])
    assert again.exit_code == 2 and "holds a comparison already" in again.output
    assert runner.invoke(main, [*arguments, "--out", str(out), "--force"]).exit_code == 0


def test_compare_refuses_bad_input_in_one_line(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "csto-2018"\n[organization.consensus]\nrule = "majority"\n', encoding="utf-8")
    result = runner.invoke(main, ["compare", "csto-2018", str(bad), "-n", "10"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "organization.consensus.rule" in result.output and "majority" in result.output
    twice = runner.invoke(main, ["compare", "csto-2018", "csto-2024", "csto-2024", "-n", "10"])
    assert twice.exit_code == 2 and "distinct names" in twice.output
    assert runner.invoke(main, ["compare", "csto-2018"]).exit_code == 2  # no what-if

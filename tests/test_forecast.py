"""Facts files, forecasts conditioned on the record, and the calibration view."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import cstosim
from conftest import base_table, build
from cstosim import ScenarioError, bundled_scenarios, load_scenario
from cstosim.analysis.calibration import calibration_plot, calibration_table, format_calibration
from cstosim.analysis.forecast_report import FEW_ACCEPTED, format_forecast, more_replications, summarize_forecast
from cstosim.cli import main
from cstosim.engine.events import EventKind
from cstosim.experiments.conditioning import truncated_uniform
from cstosim.experiments.forecast import run_forecast, run_prior_predictive
from cstosim.model.distributions import Exponential, LogNormal, conditional_quantile
from cstosim.model.facts import FactEvent
from cstosim.scenario_files.facts import bundled_facts, check_record, load_record, parse_record

START = dt.date(2020, 1, 1)


def day(date: dt.date) -> int:
    return (date - START).days


def record_table(**facts: list[dict]) -> dict:
    return {"title": "test record", "as_of": dt.date(2025, 1, 1), **facts}


# Facts files ------------------------------------------------------------------------------------------------


def test_the_bundled_record_loads_fits_csto_2018_and_cites_a_source_for_every_fact():
    assert "csto-record-2026" in bundled_facts()
    assert "csto-record-2026" not in bundled_scenarios()  # facts live in a subfolder the scenario list skips
    record = load_record("csto-record-2026")
    check_record(record, load_scenario("csto-2018"))
    assert len(record.facts) >= 10
    for fact in record.facts:
        assert "seed" in fact.source or "public record" in fact.source, fact
    kinds = {(fact.event, fact.happened) for fact in record.facts}
    assert (FactEvent.GRANT, False) in kinds and (FactEvent.RATIFICATION, True) in kinds


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"happened": [{"event": "adoption", "on": dt.date(2020, 1, 1)}]}, "x.toml: happened[0].source: required key"),
        (
            {"happened": [{"event": "ratification", "on": dt.date(2020, 1, 1), "source": "s"}]},
            "x.toml: happened[0]: event ratification needs member (got none)",
        ),
        (
            {
                "happened": [
                    {
                        "event": "grant",
                        "candidate": "C0",
                        "on": dt.date(2020, 1, 1),
                        "by": dt.date(2020, 1, 1),
                        "source": "s",
                    }
                ]
            },
            "x.toml: happened[0]: give either on (the date) or by",
        ),
        (
            {"not_happened": [{"event": "grant", "by": dt.date(2026, 1, 1), "source": "s"}]},
            "x.toml: not_happened[0].by: must not be after as_of (2025-01-01) (got 2026-01-01)",
        ),
        (
            {"not_happened": [{"event": "granted", "by": dt.date(2024, 1, 1), "source": "s"}]},
            'x.toml: not_happened[0].event: must be "adoption", "ratification", ',
        ),
        (
            {"not_happened": [{"event": "grant", "by": dt.date(2024, 1, 1), "source": "s", "when": 1}]},
            "x.toml: not_happened[0].when: unknown key (got 1)",
        ),
    ],
)
def test_bad_facts_get_one_line_naming_file_field_rule_and_value(facts, expected):
    with pytest.raises(ScenarioError) as error:
        parse_record(record_table(**facts), "x.toml")
    assert len(error.value.problems) == 1
    assert error.value.problems[0].startswith(expected), error.value.problems[0]


def test_facts_are_cross_checked_against_the_scenario():
    record = parse_record(
        record_table(
            happened=[{"event": "ratification", "member": "Nobody", "by": dt.date(2021, 1, 1), "source": "s"}],
            not_happened=[{"event": "grant", "candidate": "Ghost", "by": dt.date(2021, 1, 1), "source": "s"}],
        ),
        "x.toml",
    )
    with pytest.raises(ScenarioError) as error:
        check_record(record, build(base_table()))
    assert error.value.problems == [
        'x.toml: happened[0].member: must name a member state of test (got "Nobody")',
        'x.toml: not_happened[0].candidate: must name a candidate of test (got "Ghost")',
    ]


# Forecasts --------------------------------------------------------------------------------------------------


def _check_log_against_record(result, record) -> list[str]:
    """An independent reading of one replication's event log against the record: what contradicts it."""
    start = result.start
    problems = []
    for fact in record.facts:
        target = (fact.date - start).days
        if fact.event is FactEvent.SESSION:
            days = list(result.sessions[fact.body])
        else:
            kind = {
                FactEvent.ADOPTION: EventKind.ADOPTION,
                FactEvent.RATIFICATION: EventKind.RATIFICATION,
                FactEvent.ENTRY_INTO_FORCE: EventKind.ENTRY_INTO_FORCE,
                FactEvent.PARTICIPATION: EventKind.PARTICIPATION,
                FactEvent.APPLICATION: EventKind.APPLICATION,
                FactEvent.GRANT: EventKind.GRANT,
            }[fact.event]
            days = []
            for entry in result.log:
                if entry.kind is not kind:
                    continue
                record_ = entry
                if fact.member is not None and record_.member != fact.member:
                    continue
                if fact.candidate is not None and record_.candidate != fact.candidate:
                    continue
                if fact.state is not None and record_.state is not fact.state:
                    continue
                days.append(math.floor(entry.day))
        if fact.happened and fact.exact:
            agrees = target in days
        elif fact.happened:
            agrees = any(d <= target for d in days)
        else:
            agrees = all(d > target for d in days)
        if not agrees:
            problems.append(fact.describe())
    return problems


@pytest.mark.parametrize("method", ["start", "reject"])
def test_forecasts_respect_every_fact_of_the_record(method):
    scenario, record = load_scenario("csto-2018"), load_record("csto-record-2026")
    forecast = run_forecast(scenario, record, 300, seed=5, method=method)
    accepted = forecast.table["accepted"].to_numpy()
    assert 0 < accepted.sum() < len(accepted)  # the "no grant by 2026" fact rejects some
    for replication, is_accepted in enumerate(accepted):
        contradictions = _check_log_against_record(forecast.replay(replication), record)
        assert (contradictions == []) == is_accepted, contradictions
    if method == "start":
        imposed = [check for check in forecast.checks if check.imposed]
        assert len(imposed) >= 13 and all(check.contradicted == 0 for check in imposed)
    summary = summarize_forecast(forecast)
    assert summary.accepted == accepted.sum()
    assert summary.first_grant.p05 is None or summary.first_grant.p05 > record.as_of  # nothing granted before


def test_same_seed_same_forecast_and_another_seed_another():
    scenario, record = load_scenario("csto-2018"), load_record("csto-record-2026")
    first = run_forecast(scenario, record, 120, seed=9)
    again = run_forecast(scenario, record, 120, seed=9)
    other = run_forecast(scenario, record, 120, seed=10)
    pd.testing.assert_frame_equal(first.table, again.table)
    assert not first.table.drop(columns="seed").equals(other.table.drop(columns="seed"))
    assert set(first.table["seed"]) == {9}


def test_as_of_keeps_only_the_facts_known_then():
    scenario, record = load_scenario("csto-2018"), load_record("csto-record-2026")
    forecast = run_forecast(scenario, record, 100, seed=2, as_of=dt.date(2020, 6, 1))
    assert forecast.record.as_of == dt.date(2020, 6, 1)
    assert all(fact.date <= dt.date(2020, 6, 1) for fact in forecast.record.facts)
    assert forecast.accepted == 100  # every fact known in mid-2020 is imposed by construction


def _one_member_table(delay: dict) -> dict:
    table = base_table(members=1, candidates=0)
    table["members"][0]["ratification"] = {"delay": delay}
    return table


def test_a_pending_memoryless_ratification_keeps_its_law_after_the_recorded_date():
    # Exponential delays are memoryless: not ratified by day 300 leaves a remaining delay with the same law.
    mean, replications = 200.0, 2000
    scenario = build(_one_member_table({"kind": "exponential", "mean_days": mean}))
    not_by = START + dt.timedelta(days=300)
    record = parse_record(
        record_table(not_happened=[{"event": "ratification", "member": "M0", "by": not_by, "source": "s"}])
    )
    forecast = run_forecast(scenario, record, replications, seed=4)
    assert forecast.accepted == replications  # imposed by construction: no rejection needed
    ratified = (forecast.table["ratified[M0]"] - pd.Timestamp(START)).dt.days
    assert ratified.min() >= 301
    remaining = ratified - 301
    tolerance = 4 * mean / math.sqrt(replications) + 1  # +1: whole days
    assert abs(remaining.mean() - mean) < tolerance


def test_conditioned_stages_agree_with_rejection():
    # Two lognormal stages, notified after day 250 and by day 400: the start method draws this window exactly,
    # rejection keeps the prior draws that fall in it; both estimate the same conditional mean.
    table = _one_member_table({"kind": "fixed", "days": 0})
    stage = {"kind": "lognormal", "median_days": 160.0, "spread": 0.5}
    table["members"][0]["ratification"] = {
        "stages": [{"name": "government", "delay": stage}, {"name": "parliament", "delay": stage}],
        "stall_probability": 0.1,
    }
    scenario = build(table)
    record = parse_record(
        record_table(
            happened=[{"event": "ratification", "member": "M0", "by": START + dt.timedelta(days=400), "source": "s"}],
            not_happened=[
                {"event": "ratification", "member": "M0", "by": START + dt.timedelta(days=250), "source": "s"}
            ],
        )
    )
    means, sizes = [], []
    for method, replications in (("start", 3000), ("reject", 6000)):
        forecast = run_forecast(scenario, record, replications, seed=21, method=method)
        days = (forecast.accepted_table["ratified[M0]"] - pd.Timestamp(START)).dt.days
        assert days.between(251, 400).all()
        means.append(days.mean())
        sizes.append(len(days))
    assert sizes[0] == 3000
    assert sizes[1] > 500
    standard_deviation = 150 / math.sqrt(12)  # at most that of a uniform over the 150-day window
    tolerance = 4 * standard_deviation * math.sqrt(1 / sizes[0] + 1 / sizes[1])
    assert abs(means[0] - means[1]) < tolerance


def test_truncated_uniform_is_the_inverse_transform_of_conditional_quantile():
    law = LogNormal(300, 0.6)
    for u in np.linspace(0.01, 0.99, 9):
        total = law.quantile(truncated_uniform(law, u, 200.0, None))
        assert total == pytest.approx(200.0 + conditional_quantile(law, u, 200.0))
        bounded = law.quantile(truncated_uniform(law, u, 200.0, 500.0))
        assert 200.0 <= bounded <= 500.0
    assert Exponential(10).quantile(truncated_uniform(Exponential(10), 0.5, None, None)) == pytest.approx(
        10 * math.log(2)
    )


def test_a_record_the_scenario_cannot_produce_is_rejected_entirely():
    scenario = build(base_table())  # fixed delays: M2 ratifies on day 300
    record = parse_record(
        record_table(not_happened=[{"event": "entry_into_force", "by": dt.date(2021, 6, 1), "source": "s"}])
    )
    forecast = run_forecast(scenario, record, 20, seed=1)
    assert forecast.accepted == 0
    with pytest.raises(ValueError, match="no replication of 20 is consistent with the record"):
        summarize_forecast(forecast)


# Calibration ------------------------------------------------------------------------------------------------


def test_calibration_places_each_fact_and_flags_the_ones_the_scenario_contradicts():
    scenario = build(base_table())  # fixed delays: M0, M1, M2 ratify on days 100, 200, 300
    record = parse_record(
        record_table(
            happened=[
                {"event": "ratification", "member": "M0", "on": START + dt.timedelta(days=100), "source": "a"},
                {"event": "ratification", "member": "M1", "on": START + dt.timedelta(days=150), "source": "b"},
                {"event": "ratification", "member": "M2", "by": START + dt.timedelta(days=400), "source": "c"},
            ],
            not_happened=[{"event": "entry_into_force", "by": START + dt.timedelta(days=350), "source": "d"}],
        )
    )
    prior = run_prior_predictive(scenario, record, 40, seed=3)
    table = calibration_table(record, prior, scenario.start)
    assert list(table["measure"]) == ["percentile", "percentile", "prior probability", "prior probability"]
    assert list(table["value"]) == [0.5, 0.0, 1.0, 0.0]
    assert list(table["flagged"]) == [False, True, False, True]
    assert table["source"].tolist() == ["a", "b", "c", "d"]


# Command line -----------------------------------------------------------------------------------------------


def test_forecast_and_calibrate_commands_print_and_write(tmp_path: Path):
    runner = CliRunner()
    out = tmp_path / "forecast"
    result = runner.invoke(
        main, ["forecast", "csto-2018", "--facts", "csto-record-2026", "-n", "60", "--seed", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Method: start" in result.output and "Accepted:" in result.output
    written = {"forecast.json", "forecast.parquet", "forecast.png", "manifest.json", "scenario.toml"}
    assert {p.name for p in out.iterdir()} == written
    table = pd.read_parquet(out / "forecast.parquet")
    assert len(table) == 60 and table["accepted"].dtype == bool
    record = load_record("csto-record-2026")
    holds = [f"holds[{index}]" for index in range(len(record.facts))]
    assert list(table.columns[-len(holds) :]) == holds
    assert (table["accepted"] == table[holds].all(axis=1)).all()
    again = runner.invoke(main, ["calibrate", "csto-2018", "--facts", "csto-record-2026", "-n", "5", "--out", str(out)])
    assert again.exit_code == 2 and "already holds forecast results" in again.output, again.output
    out = tmp_path / "calibration"
    result = runner.invoke(
        main, ["calibrate", "csto-2018", "--facts", "csto-record-2026", "-n", "40", "--seed", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "facts flagged" in result.output
    assert (out / "calibration.png").exists() and (out / "calibration.csv").exists()
    prior = pd.read_parquet(out / "prior_predictive.parquet")
    assert len(prior) == 40 * len(record.facts) and set(prior["replication"]) == set(range(40))


def test_forecast_errors_are_one_line_with_exit_code_2(tmp_path: Path):
    runner = CliRunner()
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "t"\nas_of = 2020-01-01\n[[happened]]\nevent = "adoption"\non = 2019-01-01\n')
    result = runner.invoke(main, ["forecast", "csto-2018", "--facts", str(bad), "-n", "5"])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {bad}: happened[0].source: required key is missing"
    result = runner.invoke(main, ["forecast", "csto-2018", "--facts", "no-such-record", "-n", "5"])
    assert result.exit_code == 2 and "no such file or bundled facts file" in result.output
    result = runner.invoke(main, ["forecast", "csto-2018", "--facts", "csto-record-2026", "--as-of", "2027-01-01"])
    assert result.exit_code == 2
    assert "as_of must not be after the record's date (2026-01-01) (got 2027-01-01)" in result.output


@pytest.mark.parametrize(("offset", "tolerance", "accepted"), [(0, 0, 20), (10, 5, 0), (10, 15, 20)])
def test_dated_events_that_cannot_be_imposed_match_within_the_tolerance(offset, tolerance, accepted):
    # Fixed delays: M0 notifies on day 100 (imposed here on day 120 by the record), M2 on day 300, the
    # candidate applies 30 days later, and the council meets on 2021-11-15: the grant is on that day.
    table = base_table()
    table["organization"]["bodies"][0]["calendar"] = {"fixed_dates": [dt.date(2020, 11, 20), dt.date(2021, 11, 15)]}
    record = parse_record(
        record_table(
            tolerance_days=tolerance,
            happened=[
                {"event": "ratification", "member": "M0", "on": START + dt.timedelta(days=120), "source": "a"},
                {"event": "application", "candidate": "C0", "on": START + dt.timedelta(days=330), "source": "b"},
                {
                    "event": "grant",
                    "candidate": "C0",
                    "on": dt.date(2021, 11, 15) + dt.timedelta(offset),
                    "source": "c",
                },
            ],
        )
    )
    forecast = run_forecast(build(table), record, 20, seed=1)
    assert forecast.accepted == accepted
    assert [check.imposed for check in forecast.checks] == [True, False, False]
    assert all(forecast.replay(i).ratification_day("M0") == day(START + dt.timedelta(days=120)) for i in range(20))


def test_a_forecast_on_few_accepted_replications_warns_and_gives_no_dates_it_cannot_support():
    few = cstosim.forecast("csto-2018", "csto-record-2026", 60, seed=1).summary
    assert few.accepted < FEW_ACCEPTED
    first = few.first_grant
    assert first.reached.successes < 72 and first.p05 is None and first.p95 is None
    text = format_forecast(few)
    assert f"Warning: Only {few.accepted} of 60 replications agree with the record" in text
    more = more_replications(72, first.reached.successes, 60)
    assert more == math.ceil(72 * 60 / first.reached.successes) - 60
    assert f"first status granted: no 5% and 95% dates: {first.reached.successes} accepted replications " in text
    assert f"about {more:,} more replications at this run's rate" in text
    assert "5% -, 95% -" in text
    assert more_replications(72, 72, 100) == 0 and more_replications(72, 0, 100) is None
    plenty = cstosim.forecast("csto-2018", "csto-record-2026", 1500, seed=1).summary
    assert plenty.accepted >= FEW_ACCEPTED and plenty.first_grant.reached.successes >= 72
    assert plenty.warnings == () and plenty.first_grant.p05 is not None


def test_calibration_dates_are_over_all_replications_as_the_percentile_is():
    table = base_table(members=1, candidates=0)  # M0 ratifies on day 100 unless it stalls (60%)
    table["members"][0]["ratification"]["stall_probability"] = 0.6
    scenario = build(table)
    day_100 = START + dt.timedelta(days=100)
    record = parse_record(
        record_table(happened=[{"event": "ratification", "member": "M0", "on": day_100, "source": "a"}])
    )
    prior = run_prior_predictive(scenario, record, 400, seed=2)
    (row,) = calibration_table(record, prior, scenario.start).to_dict("records")
    share = row["reached"]
    assert 0.3 < share < 0.5 and row["value"] == pytest.approx(share / 2)  # mid-rank: all ties at day 100
    # The recorded date sits below the median of the same distribution: the median is after the horizon (more
    # than half never ratify), the 5% date is day 100 (the first 40% all ratify then).
    assert row["median"] is None and row["p95"] is None and row["p05"] == day_100
    text = format_calibration(calibration_table(record, prior, scenario.start), "test", 400, 2)
    assert "Simulated dates: over all replications, as the percentile" in text
    assert f"after the horizon ({day_100} to after the horizon)" in text


def test_calibration_plot_shades_the_upper_tail_only_for_percentiles():
    record = load_record("csto-record-2026")
    prior = run_prior_predictive(load_scenario("csto-2018"), record, 60, seed=1)
    table = calibration_table(record, prior, load_scenario("csto-2018").start)
    assert (table.loc[table["measure"] == "prior probability", "value"] > 0.95).any()  # the case that was misdrawn
    percentiles, probabilities = calibration_plot(table, "csto-2018", 60).axes

    def shaded(axes):
        return sorted((round(p.get_x(), 3), round(p.get_x() + p.get_width(), 3)) for p in axes.patches if p.get_alpha())

    assert shaded(percentiles) == [(0.0, 0.05), (0.95, 1.0)]
    assert shaded(probabilities) == [(0.0, 0.05)]
    assert len(probabilities.get_yticks()) == (table["measure"] == "prior probability").sum()

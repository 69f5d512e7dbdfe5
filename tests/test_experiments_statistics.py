"""Statistics of large runs: streaming tallies equal whole-table figures, metrics, and interval coverage."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

import cstosim
from conftest import base_table, build
from cstosim.analysis.summary import summarize, summarize_tally
from cstosim.cli.simulate import format_summary
from cstosim.outcomes.metrics import estimate, metric_names, metric_values
from cstosim.outcomes.statistics import (
    DAYS_PER_YEAR,
    Proportion,
    median_ranks,
    quantile_supported,
    replications_for_quantile,
)
from cstosim.outcomes.tally import Tally

# One member ratifying after an exponential delay (mean 365 days) unless it stalls (probability 0.3), from the
# start date, with a horizon eleven years later: entry into force by the horizon has probability
# 0.7 * (1 - exp(-4018/365)) = 0.69999..., and the entry day T = floor(delay) (or never) has median 457, since
# P(T <= 456) = 0.7 * (1 - exp(-457/365)) = 0.49994 < 0.5 <= P(T <= 457) = 0.50046.
IN_FORCE = 0.7 * (1 - math.exp(-4017 / 365))
MEDIAN_YEARS = 457 / DAYS_PER_YEAR


@pytest.fixture(scope="module")
def analytic() -> cstosim.Scenario:
    table = base_table(members=1, candidates=0)
    table["members"][0]["ratification"] = {
        "delay": {"kind": "exponential", "mean_days": 365.0},
        "stall_probability": 0.3,
    }
    return build(table)


def test_the_analytic_answer_is_what_the_simulation_converges_to(analytic) -> None:
    table = cstosim.run_replications(analytic, 10_000, seed=99)
    share = estimate(analytic, table, "entry_into_force")
    median = estimate(analytic, table, "years_to_entry_into_force")
    assert share.low < IN_FORCE < share.high and share.half_width < 0.01
    assert median.low <= MEDIAN_YEARS <= median.high and median.half_width < 0.06


def exact_wilson_coverage(n: int, p: float) -> float:
    """P(the Wilson interval from Binomial(n, p) successes contains p), summed over every outcome."""
    return sum(
        binom.pmf(k, n, p) for k in range(n + 1) if (lambda share: share.low <= p <= share.high)(Proportion.of(k, n))
    )


def exact_median_coverage(n: int) -> float:
    """P(X_(l) <= 457 <= X_(u)) for the entry day: fails if l days are all above, or n+1-u all below."""
    low, high = median_ranks(n)
    at_most = 0.7 * (1 - math.exp(-458 / 365))  # P(T <= 457)
    below = 0.7 * (1 - math.exp(-457 / 365))  # P(T <= 456)
    return 1 - binom.cdf(low - 1, n, at_most) - binom.sf(high - 1, n, below)


def test_intervals_cover_the_known_answer_as_often_as_they_should(analytic) -> None:
    experiments, replications = 300, 60
    proportion_hits = median_hits = 0
    for seed in range(experiments):  # fixed seeds: the coverage figures are the same on every run
        table = cstosim.run_replications(analytic, replications, seed=seed)
        share = estimate(analytic, table, "entry_into_force")
        median = estimate(analytic, table, "years_to_entry_into_force")
        proportion_hits += share.low <= IN_FORCE <= share.high
        median_hits += median.low <= MEDIAN_YEARS <= median.high
    for hits, exact in (
        (proportion_hits, exact_wilson_coverage(replications, IN_FORCE)),
        (median_hits, exact_median_coverage(replications)),
    ):
        # the exact coverage is near 95% (Wilson: 93.4% at n = 60; order statistics: at least 95%), and the
        # simulated one agrees with it within 4 standard errors (5.7 points at 300 experiments)
        assert exact >= 0.93
        assert abs(hits / experiments - exact) <= 4 * math.sqrt(exact * (1 - exact) / experiments)


@pytest.mark.parametrize("n", [6, 7, 20, 59, 60, 1001])
def test_median_ranks_reach_95_percent_and_are_the_narrowest(n) -> None:
    low, high = median_ranks(n)
    coverage = binom.cdf(high - 1, n, 0.5) - binom.cdf(low - 1, n, 0.5)
    assert coverage >= 0.95 and high == n + 1 - low
    narrower = binom.cdf(high - 2, n, 0.5) - binom.cdf(low, n, 0.5)
    assert narrower < 0.95


def test_streamed_tally_gives_the_whole_table_summary() -> None:
    scenario = cstosim.load_scenario("csto-2024")
    table = cstosim.run_replications(scenario, 900, seed=12)
    tally = Tally(scenario)
    for start in range(0, 900, 128):  # uneven chunks, as a resumed run may read them
        tally.add(table.iloc[start : start + 128])
    assert summarize_tally(scenario, tally) == summarize(scenario, table)
    for metric in metric_names(scenario):
        assert estimate(scenario, tally, metric) == estimate(scenario, table, metric)


def test_tally_quantiles_match_numpy() -> None:
    scenario = cstosim.load_scenario("csto-2018")
    table = cstosim.run_replications(scenario, 700, seed=5)
    tally = Tally.of(scenario, table)
    days = (table["entry_into_force"].dropna() - pd.Timestamp(scenario.start)).dt.days.to_numpy()
    for q in (0.05, 0.25, 0.5, 0.95):
        expected = int(np.quantile(days, q, method="inverted_cdf"))
        assert tally.days["entry_into_force"].quantile(q) == expected


def test_metric_values_and_names(analytic) -> None:
    table = cstosim.run_replications(analytic, 50, seed=1)
    in_force = metric_values(analytic, table, "entry_into_force")
    years = metric_values(analytic, table, "years_to_entry_into_force")
    assert set(in_force.unique()) <= {0.0, 1.0}
    assert (np.isinf(years) == (in_force == 0)).all() and (years[in_force == 1] > 0).all()
    assert "ratified[M0]" in metric_names(analytic)
    with pytest.raises(ValueError, match=r"unknown metric 'granted\[Nobody\]' \(known: entry_into_force"):
        metric_values(analytic, table, "granted[Nobody]")


@pytest.mark.parametrize(("q", "smallest"), [(0.5, 6), (0.05, 72), (0.95, 72), (0.25, 13)])
def test_a_quantile_needs_enough_values_for_an_order_statistic_interval(q, smallest) -> None:
    assert replications_for_quantile(q) == smallest
    assert quantile_supported(smallest, q) and not quantile_supported(smallest - 1, q)
    # with that many values, the smallest and largest bracket the quantile with each tail at most 2.5%
    assert binom.cdf(0, smallest, q) <= 0.025 and binom.sf(smallest - 1, smallest, q) <= 0.025


def _one_member(stall: float) -> cstosim.Scenario:
    table = base_table(members=1, candidates=0)  # ratifies on day 100 unless it stalls
    table["members"][0]["ratification"]["stall_probability"] = stall
    return build(table)


def test_a_median_over_the_replications_that_reached_it_is_labelled_and_has_an_unconditional_twin() -> None:
    day_100 = dt.date(2020, 4, 10)  # the base table's start, 2020-01-01, plus 100 days
    mostly = summarize(_one_member(0.3), cstosim.run_replications(_one_member(0.3), 400, seed=3))
    rarely = summarize(_one_member(0.6), cstosim.run_replications(_one_member(0.6), 400, seed=3))
    # Reached by some: the median over those is day 100 whatever the share; over all it is day 100 only if
    # at least half reach it.
    assert mostly.entry_into_force.median == rarely.entry_into_force.median == day_100
    assert mostly.entry_into_force.median_all == day_100 and rarely.entry_into_force.median_all is None
    assert rarely.entry_into_force.reached.estimate < 0.5
    json_ready = rarely.to_json()
    assert json_ready["entry_into_force"]["median_all"] is None
    assert "over the replications that reached the milestone only" in json_ready["definitions"]["median, p05, p95"]
    text = format_summary("t", rarely)
    assert "over the replications that reached it" in text and "50% reached by" in text
    assert re.search(r"entry into force +\d+\.\d% +2020-04-10 +2020-04-10 +2020-04-10 +not reached", text)


def test_dates_that_too_few_replications_reached_are_left_out() -> None:
    scenario = _one_member(0.8)
    summary = summarize(scenario, cstosim.run_replications(scenario, 100, seed=1))
    eif = summary.entry_into_force
    assert 6 <= eif.reached.successes < 72
    assert eif.median is not None and eif.p05 is None and eif.p95 is None and eif.too_few
    text = format_summary("t", summary)
    assert "-: too few replications reached it for that date (a median needs 6, a 5% or 95% date 72)" in text

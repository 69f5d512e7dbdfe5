"""Distributions: validation, readable repr, known means, inverse transform and conditioning."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cstosim.model.distributions import (
    Empirical,
    Exponential,
    Fixed,
    LogNormal,
    Uniform,
    conditional_quantile,
    sample,
)

LAWS = [
    Fixed(30),
    Uniform(10, 50),
    Exponential(200),
    LogNormal(300, 0.6),
    Empirical((100, 200, 400), (1, 2, 1)),
]


@pytest.mark.parametrize("law", LAWS, ids=repr)
def test_sample_mean_matches_known_mean(law):
    rng = np.random.default_rng(1)
    draws = np.array([sample(law, rng) for _ in range(40_000)])
    standard_error = max(draws.std(), 1e-9) / math.sqrt(len(draws))
    assert abs(draws.mean() - law.mean) < 5 * standard_error + 1e-9


@pytest.mark.parametrize("law", LAWS, ids=repr)
def test_quantile_and_cdf_are_inverse(law):
    for u in (0.1, 0.35, 0.5, 0.8, 0.95):
        x = law.quantile(u)
        assert x >= 0
        assert law.cdf(x) >= u - 1e-9  # F(Q(u)) >= u holds for continuous and discrete laws


def test_lognormal_is_stated_by_its_median():
    law = LogNormal(365, 0.8)
    assert law.quantile(0.5) == pytest.approx(365)
    assert law.mean == pytest.approx(365 * math.exp(0.32))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Fixed(-5), "days must be a finite number >= 0 (got -5)"),
        (lambda: Uniform(50, 10), "high_days must be >= low_days (50) (got 10)"),
        (lambda: Exponential(0), "mean_days must be a finite number > 0 (got 0)"),
        (lambda: LogNormal(-1, 0.5), "median_days must be a finite number > 0 (got -1)"),
        (lambda: LogNormal(100, -0.1), "spread must be a finite number >= 0 (got -0.1)"),
        (lambda: Empirical(()), "values_days must hold at least one delay"),
        (lambda: Empirical((1, 2), (1,)), "weights must have one entry per value (2) (got 1)"),
        (lambda: Empirical((1, 2), (0, 0)), "weights must be >= 0 with a positive sum"),
    ],
)
def test_bad_parameters_name_the_value(build, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()


def test_repr_is_readable():
    assert repr(LogNormal(400, 0.5)) == "LogNormal(median 400 days, spread 0.5)"
    assert repr(Exponential(200)) == "Exponential(mean 200 days)"
    assert repr(Uniform(10, 50)) == "Uniform(10 to 50 days)"
    assert repr(Fixed(7)) == "Fixed(7 days)"
    assert repr(Empirical((1, 2, 3, 4, 5, 6))) == "Empirical([1, 2, 3, 4, 5, ...] days)"


# Up to u = 1 - 1e-6: beyond it the quantile clips at 1 - 1e-12, and F(elapsed) + u(1 - F(elapsed)) reaches the clip
# sooner than u does, so the identity holds only up to that clipping.
@given(u=st.floats(0, 1 - 1e-6), elapsed=st.floats(0, 2000))
def test_conditional_delay_of_a_memoryless_law_is_the_law_itself(u, elapsed):
    law = Exponential(300)
    assert conditional_quantile(law, u, elapsed) == pytest.approx(law.quantile(u), rel=1e-6, abs=1e-6)


def test_conditional_quantile_never_ends_before_elapsed():
    law = LogNormal(200, 0.5)
    rng = np.random.default_rng(3)
    remaining = [conditional_quantile(law, float(u), 400) for u in rng.random(2000)]
    assert min(remaining) >= 0
    # The share of the unconditional law beyond 400 days is small; conditioned draws all lie beyond it.
    assert np.mean([law.quantile(float(u)) > 400 for u in rng.random(2000)]) < 0.15

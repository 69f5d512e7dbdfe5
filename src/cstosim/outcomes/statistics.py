"""The statistics every figure of cstosim rests on, defined once.

* ``Proportion.of``: a share with its Wilson score interval (``scipy.stats.binomtest``), which stays inside
  [0, 1] and keeps its coverage near 0 and 1, where the normal approximation fails;
* ``quantile_rank`` and ``quantile``: the quantile as an order statistic (``numpy``'s ``inverted_cdf``: the
  smallest value with at least a share ``q`` of the sample at or below it), never interpolated, so a quantile
  of dates is a date that happened, and a tally of counts per day gives the same quantile as the whole sample;
* ``median_ranks``: the distribution-free interval of the median between two order statistics;
* ``DAYS_PER_YEAR`` and ``years``: durations in days reported in years.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

CONFIDENCE = 0.95
# A mean Gregorian-Julian year: durations of several years in whole days read as years without a drift of a
# day every four years. Every conversion from days to years goes through ``years``.
DAYS_PER_YEAR = 365.25

Days = TypeVar("Days", float, np.ndarray, pd.Series)


def years(days: Days) -> Days:
    """Days as years (a number, a numpy array or a pandas Series; NaN and inf stay as they are)."""
    return days / DAYS_PER_YEAR


@dataclass(frozen=True)
class Proportion:
    """``successes`` out of ``trials``, with a Wilson interval at ``CONFIDENCE``."""

    successes: int
    trials: int
    estimate: float
    low: float
    high: float

    @classmethod
    def of(cls, successes: int, trials: int) -> Proportion:
        from scipy.stats import binomtest  # imported when first needed: worker processes never pay for scipy

        interval = binomtest(successes, trials).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
        return cls(successes, trials, successes / trials, float(interval.low), float(interval.high))


def quantile_rank(n: int, q: float) -> int:
    """The 1-based rank of the ``q``-quantile among ``n`` sorted values (``numpy``'s ``inverted_cdf``)."""
    return max(math.ceil(n * q), 1)


def quantile(values: np.ndarray, q: float) -> float | None:
    """The ``q``-quantile of ``values`` as an order statistic (see ``quantile_rank``); ``None`` if empty."""
    if len(values) == 0:
        return None
    rank = quantile_rank(len(values), q)
    return float(np.partition(values, rank - 1)[rank - 1])


def median_ranks(n: int, confidence: float = CONFIDENCE) -> tuple[int, int]:
    """1-based ranks ``(l, u)`` with ``P(X_(l) <= median <= X_(u)) >= confidence`` for any distribution.

    The number of observations below the median is Binomial(n, 1/2); ``l`` is the largest rank whose lower
    tail stays within ``(1 - confidence) / 2``, ``u = n + 1 - l`` by symmetry. Clamped to ``[1, n]``: below
    six observations no pair of order statistics reaches 95%, and the interval is the whole sample.
    """
    from scipy.stats import binom  # imported when first needed: worker processes never pay for scipy

    alpha = (1 - confidence) / 2
    below = int(binom.ppf(alpha, n, 0.5))  # smallest j with P(B <= j) >= alpha
    if binom.cdf(below, n, 0.5) > alpha:
        below -= 1
    low = max(below + 1, 1)
    return low, max(n + 1 - low, low)


def normal_quantile(confidence: float = CONFIDENCE) -> float:
    """The standard normal quantile of a two-sided interval at ``confidence`` (1.96 at 95%)."""
    from scipy.stats import norm

    return float(norm.ppf(0.5 + confidence / 2))

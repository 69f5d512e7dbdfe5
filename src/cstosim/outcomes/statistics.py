"""The statistics every figure of cstosim rests on, defined once.

* ``Proportion.of``: a share with its Wilson score interval (``scipy.stats.binomtest``), which stays inside
  [0, 1] and keeps its coverage near 0 and 1, where the normal approximation fails;
* ``quantile_rank`` and ``quantile``: the quantile as an order statistic (``numpy``'s ``inverted_cdf``: the
  smallest value with at least a share ``q`` of the sample at or below it), never interpolated, so a quantile
  of dates is a date that happened, and a tally of counts per day gives the same quantile as the whole sample;
* ``median_ranks``: the distribution-free interval of the median between two order statistics;
  ``quantile_supported`` and ``replications_for_quantile``: whether a sample is large enough for such an
  interval around a quantile at all (a 5% date needs 72 values), and how large it must be;
* ``median_of_all``: the median of a milestone over all replications, those that never reached it counted as
  later than any date, beside the median over those that reached it (which alone can mislead);
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


def quantile_supported(n: int, q: float, confidence: float = CONFIDENCE) -> bool:
    """Whether ``n`` values can carry a distribution-free interval at ``confidence`` around the ``q``-quantile.

    Some pair of order statistics brackets the ``q``-quantile with probability ``confidence`` only if even the
    widest, the smallest and the largest value, does, with each tail at most ``(1 - confidence) / 2`` (equal
    tails, as ``median_ranks``): ``(1 - q)^n`` (all values above the quantile) and ``q^n`` (all below). Below that
    size a quantile is one of a handful of values and says little: it is not reported.
    """
    if n < 1:
        return False
    alpha = (1 - confidence) / 2
    return (1 - q) ** n <= alpha and q**n <= alpha


def replications_for_quantile(q: float, confidence: float = CONFIDENCE) -> int:
    """The fewest values for which ``quantile_supported`` holds: 6 for the median, 72 for the 5% and 95% dates."""
    alpha = (1 - confidence) / 2
    n = max(1, math.ceil(math.log(alpha) / math.log(max(q, 1 - q))))
    while not quantile_supported(n, q, confidence):  # guards the logarithms' rounding at the boundary
        n += 1
    return n


def median_of_all(values: np.ndarray) -> float:
    """The median of ``values`` with ``nan`` (a milestone never reached by the horizon) counted as later than
    any value: the day (or year) by which half of all replications reached the milestone. ``inf`` when fewer
    than half did; ``nan`` when there are too few values to say (``quantile_supported``)."""
    n = len(values)
    if not quantile_supported(n, 0.5):
        return math.nan
    rank = quantile_rank(n, 0.5)
    reached = np.sort(values[~np.isnan(values)])
    return float(reached[rank - 1]) if rank <= len(reached) else math.inf


def normal_quantile(confidence: float = CONFIDENCE) -> float:
    """The standard normal quantile of a two-sided interval at ``confidence`` (1.96 at 95%)."""
    from scipy.stats import norm

    return float(norm.ppf(0.5 + confidence / 2))

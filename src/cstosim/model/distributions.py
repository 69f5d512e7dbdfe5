"""Delay distributions, in days, sampled by inverse transform.

Every distribution is sampled through its quantile function from a uniform number in [0, 1). The engine
draws its uniforms in fixed blocks (see ``cstosim.engine.draws``), so two scenarios that differ only in a
parameter value consume the same random numbers: this is what keeps comparisons between sweep points free of
sampling noise (common random numbers). The ``cdf`` lets a forecast condition a pending delay on its not
having ended yet. Each distribution validates its parameters, has a readable ``repr`` and knows its mean.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Protocol

import numpy as np

from cstosim.model.limits import EARLIEST_DATE, LATEST_DATE, MAX_DELAY_DAYS, MAX_SPREAD

_STANDARD_NORMAL = NormalDist()
# Keep inverse transforms finite: a uniform of exactly 0 or 1 would map to +-infinity for unbounded laws.
_U_MIN = 1e-12
_U_MAX = 1.0 - 1e-12


class Distribution(Protocol):
    """A non-negative delay in days."""

    @property
    def mean(self) -> float: ...

    def quantile(self, u: float) -> float: ...

    def cdf(self, x: float) -> float: ...


def sample(distribution: Distribution, rng: np.random.Generator) -> float:
    """Draw one delay from ``distribution`` with ``rng``."""
    return distribution.quantile(float(rng.random()))


def _check_days(name: str, value: float, positive: bool = False) -> None:
    """A delay parameter in days: finite, >= 0 (or > 0), and no longer than the longest period a scenario spans."""
    if not ((value > 0 if positive else value >= 0) and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number {'>' if positive else '>='} 0 (got {value:g})")
    if value > MAX_DELAY_DAYS:
        raise ValueError(
            f"{name} must be at most {MAX_DELAY_DAYS} days, the longest period a scenario can span "
            f"({EARLIEST_DATE} to {LATEST_DATE}) (got {value:g})"
        )


def _clip(u: float) -> float:
    return _U_MIN if u < _U_MIN else (_U_MAX if u > _U_MAX else u)


@dataclass(frozen=True)
class Fixed:
    """Always the same delay."""

    days: float

    def __post_init__(self) -> None:
        _check_days("days", self.days)

    @property
    def mean(self) -> float:
        return self.days

    def quantile(self, u: float) -> float:
        return self.days

    def cdf(self, x: float) -> float:
        return 1.0 if x >= self.days else 0.0

    def __repr__(self) -> str:
        return f"Fixed({self.days:g} days)"


@dataclass(frozen=True)
class Uniform:
    """Any delay between ``low_days`` and ``high_days``, equally likely."""

    low_days: float
    high_days: float

    def __post_init__(self) -> None:
        _check_days("low_days", self.low_days)
        if not (self.high_days >= self.low_days and math.isfinite(self.high_days)):
            raise ValueError(f"high_days must be >= low_days ({self.low_days:g}) (got {self.high_days:g})")
        _check_days("high_days", self.high_days)

    @property
    def mean(self) -> float:
        return (self.low_days + self.high_days) / 2

    def quantile(self, u: float) -> float:
        return self.low_days + (self.high_days - self.low_days) * u

    def cdf(self, x: float) -> float:
        if x < self.low_days:
            return 0.0
        if x >= self.high_days:
            return 1.0
        return (x - self.low_days) / (self.high_days - self.low_days)

    def __repr__(self) -> str:
        return f"Uniform({self.low_days:g} to {self.high_days:g} days)"


@dataclass(frozen=True)
class Exponential:
    """Memoryless delay with the given mean."""

    mean_days: float

    def __post_init__(self) -> None:
        _check_days("mean_days", self.mean_days, positive=True)

    @property
    def mean(self) -> float:
        return self.mean_days

    def quantile(self, u: float) -> float:
        return -self.mean_days * math.log1p(-_clip(u))

    def cdf(self, x: float) -> float:
        return 0.0 if x <= 0 else -math.expm1(-x / self.mean_days)

    def __repr__(self) -> str:
        return f"Exponential(mean {self.mean_days:g} days)"


@dataclass(frozen=True)
class LogNormal:
    """Skewed delay stated by its median and its spread (the standard deviation of the log of the delay).

    A spread of 0.5 means the middle two thirds of delays lie between median/1.65 and median*1.65.
    """

    median_days: float
    spread: float

    def __post_init__(self) -> None:
        _check_days("median_days", self.median_days, positive=True)
        if not (self.spread >= 0 and math.isfinite(self.spread)):
            raise ValueError(f"spread must be a finite number >= 0 (got {self.spread:g})")
        if self.spread > MAX_SPREAD:
            raise ValueError(
                f"spread must be at most {MAX_SPREAD:g}: the middle two thirds of the delays then span a factor of "
                f"e^{2 * MAX_SPREAD:g}, and the mean of a wider law overflows (got {self.spread:g})"
            )

    @property
    def mean(self) -> float:
        return self.median_days * math.exp(self.spread**2 / 2)

    def quantile(self, u: float) -> float:
        if self.spread == 0:
            return self.median_days
        return self.median_days * math.exp(self.spread * _STANDARD_NORMAL.inv_cdf(_clip(u)))

    def cdf(self, x: float) -> float:
        if x <= 0:
            return 0.0
        if self.spread == 0:
            return 1.0 if x >= self.median_days else 0.0
        return _STANDARD_NORMAL.cdf(math.log(x / self.median_days) / self.spread)

    def __repr__(self) -> str:
        return f"LogNormal(median {self.median_days:g} days, spread {self.spread:g})"


@dataclass(frozen=True)
class Empirical:
    """One of the observed delays ``values_days``, each with its weight (equal weights by default)."""

    values_days: tuple[float, ...]
    weights: tuple[float, ...] | None = None
    _sorted_values: list[float] = field(init=False, repr=False, compare=False)
    _cumulative: list[float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.values_days:
            raise ValueError("values_days must hold at least one delay (got [])")
        for value in self.values_days:
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"values_days must all be finite numbers >= 0 (got {value:g})")
            if value > MAX_DELAY_DAYS:
                raise ValueError(f"values_days must all be at most {MAX_DELAY_DAYS} days (got {value:g})")
        if self.weights is not None:
            if len(self.weights) != len(self.values_days):
                raise ValueError(
                    f"weights must have one entry per value ({len(self.values_days)}) (got {len(self.weights)})"
                )
            if any(not (w >= 0 and math.isfinite(w)) for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError(f"weights must be >= 0 with a positive sum (got {list(self.weights)})")
        weights = self.weights or tuple(1.0 for _ in self.values_days)
        pairs = sorted(zip(self.values_days, weights, strict=True))
        total = sum(weights)
        cumulative = list(itertools.accumulate(w / total for _, w in pairs))
        object.__setattr__(self, "_sorted_values", [v for v, _ in pairs])
        object.__setattr__(self, "_cumulative", cumulative)

    @property
    def mean(self) -> float:
        weights = self.weights or tuple(1.0 for _ in self.values_days)
        return sum(v * w for v, w in zip(self.values_days, weights, strict=True)) / sum(weights)

    def quantile(self, u: float) -> float:
        cumulative = self._cumulative
        index = min(bisect.bisect_right(cumulative, u), len(cumulative) - 1)
        return self._sorted_values[index]

    def cdf(self, x: float) -> float:
        index = bisect.bisect_right(self._sorted_values, x)
        return 0.0 if index == 0 else self._cumulative[index - 1]

    def __repr__(self) -> str:
        shown = ", ".join(f"{v:g}" for v in self.values_days[:5])
        more = ", ..." if len(self.values_days) > 5 else ""
        return f"Empirical([{shown}{more}] days)"


def conditional_quantile(distribution: Distribution, u: float, elapsed_days: float) -> float:
    """Remaining delay, given that ``elapsed_days`` have passed without the delay ending.

    Inverse transform on the truncated law: the total delay is the quantile of ``F(elapsed) + u * (1 -
    F(elapsed))``, and the remaining delay is that total less ``elapsed_days`` (never negative).
    """
    floor = distribution.cdf(elapsed_days)
    total = distribution.quantile(floor + u * (1.0 - floor))
    return max(total - elapsed_days, 0.0)

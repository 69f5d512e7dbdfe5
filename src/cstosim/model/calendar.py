"""Session calendars turned into dated sessions, from uniform random numbers.

A body's sessions for one replication are drawn up front, year by year: in a year with known dates those are
the regular sessions; otherwise one session per window, on a day drawn uniformly in the window. Extraordinary
sessions form a Poisson process (count per year by inverse transform, days uniform in the year). Sessions are
then plain sorted day numbers: the engine waits for the next one with a single timeout, never a daily tick.

``CalendarPlan`` does the date arithmetic once per scenario, so that drawing a replication's sessions is a
few additions per year.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from cstosim.model.scenario import Body, SessionCalendar, SessionWindow

MAX_EXTRAORDINARY_PER_YEAR = 4


def draws_per_year(calendar: SessionCalendar | None) -> int:
    """Uniform numbers one calendar year of this calendar consumes (fixed, so draws line up across scenarios)."""
    if calendar is None:
        return 0
    return len(calendar.windows) + 1 + MAX_EXTRAORDINARY_PER_YEAR


@dataclass(frozen=True)
class _YearPlan:
    windows: tuple[tuple[int, int], ...]  # (first day, number of days) of each window; empty in a known year
    first_day: int  # the year's 1 January, as a day from the start
    length: int  # days in the year


@dataclass(frozen=True)
class CalendarPlan:
    """One body's calendar over a range of years, as days from the scenario's start."""

    body: str
    years: tuple[_YearPlan, ...]
    known_days: tuple[int, ...]  # fixed and known extraordinary sessions
    extraordinary_cdf: tuple[float, ...]  # P(N <= k) for k = 0 .. MAX_EXTRAORDINARY_PER_YEAR - 1
    follows: str | None
    offset_days: int

    @classmethod
    def of(cls, body: Body, start: dt.date, first_year: int, last_year: int) -> CalendarPlan:
        calendar = body.calendar
        assert calendar is not None, f"body {body.id} has no calendar"
        known_years = {date.year for date in calendar.fixed_dates}
        years = []
        for year in range(first_year, last_year + 1):
            windows = () if year in known_years else tuple(_window_days(w, year, start) for w in calendar.windows)
            first_day = (dt.date(year, 1, 1) - start).days
            years.append(_YearPlan(windows, first_day, (dt.date(year + 1, 1, 1) - start).days - first_day))
        known = [(date - start).days for date in (*calendar.fixed_dates, *calendar.extraordinary_dates)]
        return cls(
            body=body.id,
            years=tuple(years),
            known_days=tuple(known),
            extraordinary_cdf=_poisson_cdf(calendar.extraordinary_per_year),
            follows=calendar.with_body,
            offset_days=calendar.offset_days,
        )

    def draw(self, uniforms: Sequence[Sequence[float]], followed: Sequence[int] = ()) -> tuple[int, ...]:
        """The sorted session days, from one row of uniforms per year (and the followed body's sessions)."""
        days = set(self.known_days)
        days.update(day + self.offset_days for day in followed)
        cdf = self.extraordinary_cdf
        for year, u in zip(self.years, uniforms, strict=True):
            for number, (first, length) in enumerate(year.windows):
                days.add(first + int(u[number] * length))
            slot = len(year.windows)
            if cdf and u[slot] >= cdf[0]:
                count = bisect.bisect_right(cdf, u[slot])
                days.update(year.first_day + int(u[slot + 1 + k] * year.length) for k in range(count))
        return tuple(sorted(days))


def calendar_plans(bodies: Sequence[Body], start: dt.date, first_year: int, last_year: int) -> list[CalendarPlan]:
    """Plans for every body with a calendar, ordered so that a body comes after the body it follows."""
    plans: list[CalendarPlan] = []
    pending = [body for body in bodies if body.calendar is not None]
    while pending:
        done = {plan.body for plan in plans}
        ready = [b for b in pending if b.calendar is not None and b.calendar.with_body in (None, *done)]
        if not ready:
            raise ValueError(f"calendars follow each other in a cycle: {', '.join(b.id for b in pending)}")
        for body in ready:
            plans.append(CalendarPlan.of(body, start, first_year, last_year))
            pending.remove(body)
    return plans


def next_session(sessions: Sequence[int], day: float) -> int | None:
    """The first session on or after ``day`` (a session the same day still takes the item), or ``None``."""
    index = bisect.bisect_left(sessions, math.ceil(day))
    return sessions[index] if index < len(sessions) else None


def _window_days(window: SessionWindow, year: int, start: dt.date) -> tuple[int, int]:
    first = dt.date(year, window.start_month, min(window.start_day, _month_length(year, window.start_month)))
    last = dt.date(year, window.end_month, min(window.end_day, _month_length(year, window.end_month)))
    return (first - start).days, (last - first).days + 1


def _month_length(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def _poisson_cdf(rate: float) -> tuple[float, ...]:
    """P(N <= k) for N ~ Poisson(rate), k = 0 .. MAX - 1; a draw above the last value gives MAX sessions."""
    if rate <= 0:
        return ()
    probability = math.exp(-rate)
    cumulative = [probability]
    for k in range(1, MAX_EXTRAORDINARY_PER_YEAR):
        probability *= rate / k
        cumulative.append(cumulative[-1] + probability)
    return tuple(cumulative)

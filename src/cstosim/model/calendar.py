"""Session calendars as date arithmetic: which days of a year a body's sessions can fall on.

A body meets, each year, once in each of its windows (on a day drawn uniformly in the window) unless the year's
regular sessions are known (``fixed_dates``); it also meets on known extraordinary dates, and at random
extraordinary sessions (a Poisson number per year, capped at ``MAX_EXTRAORDINARY_PER_YEAR``, on days uniform in
the year). A body may also meet a fixed number of days from every session of another body (``with_body``).

``CalendarPlan`` answers the arithmetic for one body (a year's windows as day ranges, its known sessions, the
number of extraordinary sessions a uniform number gives) and keeps each year's answer once computed, so the
engine can draw a replication's sessions year by year, only for the years a process asks about.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Sequence

from cstosim.model.scenario import Body, SessionCalendar, SessionWindow

MAX_EXTRAORDINARY_PER_YEAR = 4


class CalendarPlan:
    """One body's calendar as days from the scenario's start."""

    def __init__(self, body: str, calendar: SessionCalendar, start: dt.date) -> None:
        self.body = body
        self.start = start
        self.follows = calendar.with_body
        self.offset_days = calendar.offset_days
        self.window_count = len(calendar.windows)
        self._windows = calendar.windows
        self._fixed_years = frozenset(date.year for date in calendar.fixed_dates)
        known: dict[int, list[int]] = {}
        for date in (*calendar.fixed_dates, *calendar.extraordinary_dates):
            known.setdefault(date.year, []).append((date - start).days)
        self._known = {year: tuple(sorted(set(days))) for year, days in known.items()}
        self.extraordinary_cdf = _poisson_cdf(calendar.extraordinary_per_year)
        self._years: dict[int, tuple[tuple[tuple[int, int], ...], int, int]] = {}

    def year(self, year: int) -> tuple[tuple[tuple[int, int], ...], int, int]:
        """The year's windows as (first day, number of days), empty in a year with known regular sessions; and
        the year's first day and length."""
        plan = self._years.get(year)
        if plan is None:
            windows = (
                () if year in self._fixed_years else tuple(_window_days(w, year, self.start) for w in self._windows)
            )
            first_day = (dt.date(year, 1, 1) - self.start).days
            length = 366 if _leap(year) else 365
            plan = self._years[year] = (windows, first_day, length)
        return plan

    def draws_windows(self, year: int) -> bool:
        """Whether the year's regular sessions are drawn in the windows (no known dates that year)."""
        return year not in self._fixed_years and self.window_count > 0

    @property
    def has_extraordinary(self) -> bool:
        return bool(self.extraordinary_cdf)

    def known_days(self, year: int) -> tuple[int, ...]:
        """Known sessions of the year (fixed and extraordinary dates), sorted."""
        return self._known.get(year, ())

    def known_before(self, year: int) -> tuple[int, ...]:
        """Known sessions in years before ``year``, sorted."""
        return tuple(sorted(day for known_year, days in self._known.items() if known_year < year for day in days))

    def extraordinary_count(self, u: float) -> int:
        """The number of random extraordinary sessions in a year, from a uniform number (inverse transform)."""
        cdf = self.extraordinary_cdf
        if not cdf or u < cdf[0]:
            return 0
        return bisect.bisect_right(cdf, u)


class YearIndex:
    """Which calendar year a day (counted from ``start``) falls in, for days from ``first_year`` on."""

    def __init__(self, start: dt.date, first_year: int) -> None:
        self.start = start
        self.first_year = first_year
        self._starts: list[int] = []

    def year_of(self, day: float) -> int:
        starts = self._starts
        whole = math.floor(day)
        while not starts or starts[-1] <= whole:
            year = self.first_year + len(starts)
            if year > dt.MAXYEAR:
                break
            starts.append((dt.date(year, 1, 1) - self.start).days)
        return self.first_year + bisect.bisect_right(starts, whole) - 1


def calendar_plans(bodies: Sequence[Body], start: dt.date) -> list[CalendarPlan]:
    """Plans for every body with a calendar, ordered so that a body comes after the body it follows."""
    plans: list[CalendarPlan] = []
    pending = [body for body in bodies if body.calendar is not None]
    while pending:
        done = {plan.body for plan in plans}
        ready = [b for b in pending if b.calendar is not None and b.calendar.with_body in (None, *done)]
        if not ready:
            raise ValueError(f"calendars follow each other in a cycle: {', '.join(b.id for b in pending)}")
        for body in ready:
            assert body.calendar is not None
            plans.append(CalendarPlan(body.id, body.calendar, start))
            pending.remove(body)
    return plans


def next_session(sessions: Sequence[int], day: float) -> int | None:
    """The first session on or after ``day`` (a session the same day still takes the item), or ``None``."""
    index = bisect.bisect_left(sessions, math.ceil(day))
    return sessions[index] if index < len(sessions) else None


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _window_days(window: SessionWindow, year: int, start: dt.date) -> tuple[int, int]:
    first = dt.date(year, window.start_month, min(window.start_day, _month_length(year, window.start_month)))
    last = dt.date(year, window.end_month, min(window.end_day, _month_length(year, window.end_month)))
    return (first - start).days, (last - first).days + 1


def _month_length(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (dt.date(year, month + 1, 1) - dt.timedelta(days=1)).day


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

"""One replication's sessions, drawn a calendar year at a time, only for the years a process asks about.

Each year's sessions of a body depend only on that body, that year and the year's own draw keys (and, for a
body that meets around another's sessions, on the other body's neighbouring years), so years can be drawn in
any order and a horizon far in the future costs nothing until a process waits that long. ``SessionPlan`` holds
what is shared by all replications of a scenario (each body-year's arithmetic, worked out once, and the columns
of the keys computed ahead); ``Sessions`` is one replication's view.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from typing import NamedTuple

from cstosim.engine.draws import (
    Draws,
    KeyTable,
    extraordinary_count_key,
    extraordinary_day_key,
    session_window_key,
)
from cstosim.engine.random_numbers import DrawKey
from cstosim.model.calendar import CalendarPlan, YearIndex, calendar_plans
from cstosim.model.scenario import Body

YEARS_AHEAD = 60  # years from the first simulated year whose session keys are computed ahead for every replication


class _BodyYear(NamedTuple):
    """What drawing one body's sessions in one year takes, worked out once per scenario."""

    known: tuple[int, ...]  # known sessions of the year
    windows: tuple[tuple[int, int, int, DrawKey], ...]  # first day, days, column (-1: none) and key of each window
    first_day: int
    length: int
    extraordinary: CalendarPlan | None  # the calendar, when it has random extraordinary sessions
    extraordinary_count: tuple[int, DrawKey]  # column (-1: none) and key of the year's extraordinary count


class SessionPlan:
    """The calendars of a scenario's bodies between the first simulated year and the horizon's year."""

    def __init__(self, bodies: tuple[Body, ...], start: dt.date, origin_day: int, horizon: dt.date, keys: KeyTable):
        self.plans = {plan.body: plan for plan in calendar_plans(bodies, start)}
        self.first_year = (start + dt.timedelta(days=origin_day)).year
        self.last_year = horizon.year
        self.years = YearIndex(start, self.first_year)
        self._keys = keys
        self._body_years: dict[tuple[str, int], _BodyYear] = {}
        for body in self.plans:
            for year in range(self.first_year, min(self.last_year, self.first_year + YEARS_AHEAD) + 1):
                self.body_year(body, year, ahead=True)

    def body_year(self, body: str, year: int, ahead: bool = False) -> _BodyYear:
        """The arithmetic of ``body``'s sessions in ``year``; with ``ahead``, its keys join the table."""
        found = self._body_years.get((body, year))
        if found is not None:
            return found
        plan = self.plans[body]
        windows, first_day, length = plan.year(year)
        window_keys = [session_window_key(body, year, number) for number in range(len(windows))]
        count_key = extraordinary_count_key(body, year)
        if ahead:
            window_columns = [self._keys.add(key) for key in window_keys]
            count_column = self._keys.add(count_key) if plan.has_extraordinary else -1
        else:
            window_columns, count_column = [-1] * len(windows), -1
        found = self._body_years[body, year] = _BodyYear(
            plan.known_days(year),
            tuple(
                (first, days, column, key)
                for (first, days), column, key in zip(windows, window_columns, window_keys, strict=True)
            ),
            first_day,
            length,
            plan if plan.has_extraordinary else None,
            (count_column, count_key),
        )
        return found


class Sessions:
    """The session days of every body with a calendar in one replication (days from the scenario's start)."""

    __slots__ = ("_draws", "_plan", "_years")

    def __init__(self, plan: SessionPlan, draws: Draws) -> None:
        self._plan = plan
        self._draws = draws
        self._years: dict[tuple[str, int], tuple[int, ...]] = {}

    def next_session(self, body: str, day: float) -> int | None:
        """The first session of ``body`` on or after ``day`` (the same day still counts), or ``None`` if there
        is none by the end of the horizon's year.

        A body that meets around another's sessions has two kinds of session: its own (windows, known dates,
        extraordinary ones) and the other body's shifted by the offset; its next session is the earlier of the
        next of each kind.
        """
        plan = self._plan
        if not math.isfinite(day):  # a day beyond any calendar (the end of a delay that never ends)
            return None
        whole = math.ceil(day)
        found = None
        year = max(plan.years.year_of(whole), plan.first_year)
        while year <= plan.last_year:
            days = self._years.get((body, year))
            if days is None:
                days = self.own_year(body, year)
            if days and days[-1] >= whole:
                found = days[bisect.bisect_left(days, whole)]
                break
            year += 1
        calendar = plan.plans[body]
        if calendar.follows is not None:
            offset = calendar.offset_days
            led = self.next_session(calendar.follows, whole - offset)
            if led is not None and (found is None or led + offset < found):
                found = led + offset
        return found

    def until(self, body: str, day: int) -> tuple[int, ...]:
        """Every session of ``body`` up to ``day`` (known sessions before the first simulated year included)."""
        plan = self._plan
        calendar = plan.plans[body]
        days = set(calendar.known_before(plan.first_year))
        last = min(plan.years.year_of(day), plan.last_year)
        for year in range(plan.first_year, last + 1):
            days.update(self.own_year(body, year))
        if calendar.follows is not None:
            days.update(led + calendar.offset_days for led in self.until(calendar.follows, day - calendar.offset_days))
        return tuple(sorted(d for d in days if d <= day))

    def own_year(self, body: str, year: int) -> tuple[int, ...]:
        """The sorted session days of ``body`` in calendar ``year`` from its own calendar (not those it holds
        around another body's sessions)."""
        sessions = self._years.get((body, year))
        if sessions is None:
            sessions = self._years[body, year] = self._draw_year(body, year)
        return sessions

    def _draw_year(self, body: str, year: int) -> tuple[int, ...]:
        draws = self._draws
        values = draws.values
        plan = self._plan.body_year(body, year)
        days = list(plan.known)
        for first, span, column, key in plan.windows:
            days.append(first + int((values[column] if column >= 0 else draws[key]) * span))
        calendar = plan.extraordinary
        if calendar is not None:
            column, key = plan.extraordinary_count
            count = calendar.extraordinary_count(values[column] if column >= 0 else draws[key])
            for number in range(count):
                days.append(plan.first_day + int(draws[extraordinary_day_key(body, year, number)] * plan.length))
        return tuple(sorted(set(days))) if len(days) > 1 else tuple(days)

"""One replication's sessions, drawn a calendar year at a time, only for the years a process asks about.

Each year's sessions of a body depend only on that body, that year and the year's own draw keys (and, for a
body that meets around another's sessions, on the other body's neighbouring years), so years can be drawn in
any order and a horizon far in the future costs nothing until a process waits that long. ``SessionPlan`` holds
what is shared by all replications of a scenario (the calendars, and the columns of the keys computed ahead);
``Sessions`` is one replication's view.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math

from cstosim.engine.draws import (
    Draws,
    KeyTable,
    extraordinary_count_key,
    extraordinary_day_key,
    session_window_key,
)
from cstosim.model.calendar import YearIndex, calendar_plans
from cstosim.model.scenario import Body

YEARS_AHEAD = 60  # years from the first simulated year whose session keys are computed ahead for every replication


class SessionPlan:
    """The calendars of a scenario's bodies between the first simulated year and the horizon's year."""

    def __init__(self, bodies: tuple[Body, ...], start: dt.date, origin_day: int, horizon: dt.date, keys: KeyTable):
        self.plans = {plan.body: plan for plan in calendar_plans(bodies, start)}
        self.first_year = (start + dt.timedelta(days=origin_day)).year
        self.last_year = horizon.year
        self.years = YearIndex(start, self.first_year)
        # Columns of the keys computed ahead: (body, year) -> window columns, extraordinary-count column.
        self.window_columns: dict[tuple[str, int], tuple[int, ...]] = {}
        self.count_columns: dict[tuple[str, int], int] = {}
        for body, plan in self.plans.items():
            for year in range(self.first_year, min(self.last_year, self.first_year + YEARS_AHEAD) + 1):
                if plan.draws_windows(year):
                    columns = tuple(keys.add(session_window_key(body, year, w)) for w in range(plan.window_count))
                    self.window_columns[body, year] = columns
                if plan.has_extraordinary:
                    self.count_columns[body, year] = keys.add(extraordinary_count_key(body, year))


class Sessions:
    """The session days of every body with a calendar in one replication (days from the scenario's start)."""

    __slots__ = ("_draws", "_plan", "_years")

    def __init__(self, plan: SessionPlan, draws: Draws) -> None:
        self._plan = plan
        self._draws = draws
        self._years: dict[tuple[str, int], tuple[int, ...]] = {}

    def next_session(self, body: str, day: float) -> int | None:
        """The first session of ``body`` on or after ``day`` (the same day still counts), or ``None`` if there
        is none by the end of the horizon's year."""
        plan = self._plan
        whole = math.ceil(day)
        year = max(plan.years.year_of(whole), plan.first_year)
        while year <= plan.last_year:
            days = self.year(body, year)
            index = bisect.bisect_left(days, whole)
            if index < len(days):
                return days[index]
            year += 1
        return None

    def until(self, body: str, day: int) -> tuple[int, ...]:
        """Every session of ``body`` up to ``day`` (known sessions before the first simulated year included)."""
        plan = self._plan
        calendar = plan.plans[body]
        days = list(calendar.known_before(plan.first_year))
        last = min(plan.years.year_of(day), plan.last_year)
        for year in range(plan.first_year, last + 1):
            days.extend(self.year(body, year))
        return tuple(d for d in days if d <= day)

    def year(self, body: str, year: int) -> tuple[int, ...]:
        """The sorted session days of ``body`` in calendar ``year``."""
        sessions = self._years.get((body, year))
        if sessions is None:
            sessions = self._years[body, year] = self._draw_year(body, year)
        return sessions

    def _draw_year(self, body: str, year: int) -> tuple[int, ...]:
        plan, draws = self._plan, self._draws
        calendar = plan.plans[body]
        windows, first_day, length = calendar.year(year)
        days = set(calendar.known_days(year))
        if windows:
            columns = plan.window_columns.get((body, year))
            for number, (first, span) in enumerate(windows):
                u = draws.values[columns[number]] if columns else draws[session_window_key(body, year, number)]
                days.add(first + int(u * span))
        if calendar.has_extraordinary:
            column = plan.count_columns.get((body, year))
            u = draws.values[column] if column is not None else draws[extraordinary_count_key(body, year)]
            for number in range(calendar.extraordinary_count(u)):
                days.add(first_day + int(draws[extraordinary_day_key(body, year, number)] * length))
        if calendar.follows is not None:
            offset = calendar.offset_days
            low, high = first_day - offset, first_day + length - offset  # the followed body's days that land in year
            for leader_year in range(plan.years.year_of(low), plan.years.year_of(high - 1) + 1):
                if plan.first_year <= leader_year <= plan.last_year:
                    days.update(d + offset for d in self.year(calendar.follows, leader_year) if low <= d < high)
        return tuple(sorted(days))

"""What one replication produced: every milestone with its day, and the dated event log.

``None`` means "did not happen by the horizon". The log holds every event (``cstosim.engine.events``) in the
order of their days; the milestone fields are the same events picked out for quick access.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NamedTuple

from cstosim.engine.events import Adopted, Applied, EnteredIntoForce, Event, Granted, Ratified, Reviewed


class ReplicationResult(NamedTuple):
    """One replication: immutable (a named tuple, cheap to build in bulk runs)."""

    scenario: str
    start: dt.date
    horizon_day: int
    seed: int
    replication: int
    adoption: Adopted | None
    ratifications: tuple[Ratified, ...]  # in notification order
    stalled: tuple[str, ...]
    entry_into_force: EnteredIntoForce | None
    applications: tuple[Applied, ...]
    reviews: tuple[Reviewed, ...]
    grants: tuple[Granted, ...]
    # Every event in the order of their days, and body id -> session days up to the horizon: only from a
    # simulator run with ``detail`` (stories, timelines, facts); bulk runs keep the milestones above alone.
    log: tuple[Event, ...] = ()
    sessions: Mapping[str, tuple[int, ...]] | None = None

    def date(self, day: float) -> dt.date:
        return self.start + dt.timedelta(days=int(day // 1))

    def ratification_day(self, member: str) -> float | None:
        for ratification in self.ratifications:
            if ratification.member == member:
                return ratification.day
        return None

    @property
    def last_ratifier(self) -> str | None:
        """The member whose notification completed the entry-into-force rule."""
        return self.entry_into_force.trigger if self.entry_into_force else None

    def grant(self, candidate: str) -> Granted | None:
        for grant in self.grants:
            if grant.candidate == candidate:
                return grant
        return None

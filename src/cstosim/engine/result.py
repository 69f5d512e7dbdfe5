"""What one replication produced: every milestone with its day, and the dated event log.

Days count from the scenario's start (day 0) and may be negative for events before it (a scenario that starts
in 2024 still replays the 2018 adoption). ``None`` means "did not happen by the horizon". Records are named
tuples (immutable, and cheap to create on the engine's hot path); text for people is made from them by
``cstosim.analysis.narrate``, never here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from cstosim.model.rules import Vote
from cstosim.model.scenario import Participation, Status


class EventKind(StrEnum):
    ADOPTION = "adoption"
    RATIFICATION_STAGE = "ratification_stage"
    RATIFICATION_STALLED = "ratification_stalled"
    RATIFICATION = "ratification"
    ENTRY_INTO_FORCE = "entry_into_force"
    PARTICIPATION = "participation"
    APPLICATION = "application"
    INADMISSIBLE = "inadmissible"
    REVIEW_STAGE = "review_stage"
    DEFERRAL = "deferral"
    REVIEW = "review"
    GRANT = "grant"


class Adoption(NamedTuple):
    day: float
    body: str | None  # the session that adopted it, when adoption was simulated


class RatificationStageDone(NamedTuple):
    member: str
    stage: str
    day: float


class RatificationStalled(NamedTuple):
    member: str
    stage: str
    day: float


class Ratification(NamedTuple):
    member: str
    day: float
    known: bool  # a recorded fact of the scenario rather than a draw
    notification_number: int


class EntryIntoForce(NamedTuple):
    day: float
    rule: str
    trigger: str | None  # the member whose notification completed the rule; None: in force on adoption


class ParticipationChanged(NamedTuple):
    member: str
    state: Participation
    day: float


class Application(NamedTuple):
    candidate: str
    status: Status
    day: float
    attempt: int  # 1 for the first application, 2 for the first re-application, ...


class Inadmissible(NamedTuple):
    candidate: str
    day: float
    failures: tuple[str, ...]


class ReviewStageDone(NamedTuple):
    candidate: str
    body: str
    day: float
    attempt: int


class Deferral(NamedTuple):
    candidate: str
    body: str
    day: float
    attempt: int


class Review(NamedTuple):
    candidate: str
    status: Status
    body: str
    day: float
    attempt: int
    votes: tuple[tuple[str, Vote], ...]  # counted members only, in member order
    granted: bool
    reason: str

    def members_voting(self, vote: Vote) -> tuple[str, ...]:
        return tuple(member for member, cast in self.votes if cast is vote)


class Grant(NamedTuple):
    candidate: str
    status: Status
    day: float


Record = (
    Adoption
    | RatificationStageDone
    | RatificationStalled
    | Ratification
    | EntryIntoForce
    | ParticipationChanged
    | Application
    | Inadmissible
    | ReviewStageDone
    | Deferral
    | Review
    | Grant
)


class LogEntry(NamedTuple):
    day: float
    kind: EventKind
    record: Record


@dataclass(frozen=True)
class ReplicationResult:
    scenario: str
    start: dt.date
    horizon_day: int
    adoption: Adoption | None
    ratifications: tuple[Ratification, ...]  # in notification order
    stalled: tuple[str, ...]
    entry_into_force: EntryIntoForce | None
    applications: tuple[Application, ...]
    reviews: tuple[Review, ...]
    grants: tuple[Grant, ...]
    sessions: Mapping[str, tuple[int, ...]]  # body id -> session days up to the horizon
    log: tuple[LogEntry, ...]

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

    def grant(self, candidate: str) -> Grant | None:
        for grant in self.grants:
            if grant.candidate == candidate:
                return grant
        return None

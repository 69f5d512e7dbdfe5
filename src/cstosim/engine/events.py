"""The events one replication produces, each a small immutable record with its day.

Names are past participles, as events are (``Ratified``, ``Applied``, ``EnteredIntoForce``), so that they never
share a name with the parameters that describe the process (``cstosim.model.scenario.Ratification``). Days count
from the scenario's start (day 0) and may be negative for events before it (a scenario that starts in 2024
still replays the 2018 adoption). Records are named tuples (immutable, and cheap to create on the engine's hot
path); text for people is made from them in ``cstosim.analysis``, never here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from cstosim.model.rules import Vote
from cstosim.model.scenario import Participation, Stance, Status


class EventKind(StrEnum):
    """The kind of an event, as written in traces and facts files."""

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
    AWAITING_INSTRUMENT = "awaiting_instrument"
    WITHDRAWAL = "withdrawal"
    REVIVAL = "revival"
    STATUS_LOST = "status_lost"
    CRITERIA_MET = "criteria_met"
    STANCE_CHANGE = "stance_change"
    DRIVER = "driver"
    MEMBER_JOINED = "member_joined"
    MEMBER_LEFT = "member_left"


class Adopted(NamedTuple):
    day: float
    body: str | None  # the session that adopted it, when adoption was simulated

    @property
    def kind(self) -> EventKind:
        return EventKind.ADOPTION


class RatificationStageCompleted(NamedTuple):
    member: str
    stage: str
    day: float

    @property
    def kind(self) -> EventKind:
        return EventKind.RATIFICATION_STAGE


class RatificationStalled(NamedTuple):
    member: str
    stage: str
    day: float

    @property
    def kind(self) -> EventKind:
        return EventKind.RATIFICATION_STALLED


class Ratified(NamedTuple):
    member: str
    day: float
    known: bool  # a recorded fact of the scenario rather than a draw
    notification_number: int

    @property
    def kind(self) -> EventKind:
        return EventKind.RATIFICATION


class EnteredIntoForce(NamedTuple):
    day: float
    rule: str
    trigger: str | None  # the member whose notification completed the rule; None: in force on adoption

    @property
    def kind(self) -> EventKind:
        return EventKind.ENTRY_INTO_FORCE


class ParticipationChanged(NamedTuple):
    member: str
    state: Participation
    day: float

    @property
    def kind(self) -> EventKind:
        return EventKind.PARTICIPATION


class Applied(NamedTuple):
    candidate: str
    status: Status
    day: float
    attempt: int  # 1 for the first application, 2 for the first re-application, ...

    @property
    def kind(self) -> EventKind:
        return EventKind.APPLICATION


class FoundInadmissible(NamedTuple):
    candidate: str
    day: float
    failures: tuple[str, ...]

    @property
    def kind(self) -> EventKind:
        return EventKind.INADMISSIBLE


class ReviewStageCompleted(NamedTuple):
    candidate: str
    body: str
    day: float
    attempt: int
    status: Status

    @property
    def kind(self) -> EventKind:
        return EventKind.REVIEW_STAGE


class Deferred(NamedTuple):
    """A session of the deciding body met and did not take the pending request up."""

    candidate: str
    body: str
    day: float
    attempt: int
    status: Status

    @property
    def kind(self) -> EventKind:
        return EventKind.DEFERRAL


class AwaitingInstrument(NamedTuple):
    """A request made before the instrument creating the status is in force: it waits until it is."""

    candidate: str
    status: Status
    day: float

    @property
    def kind(self) -> EventKind:
        return EventKind.AWAITING_INSTRUMENT


class Withdrawn(NamedTuple):
    """The candidate withdrew its pending request."""

    candidate: str
    status: Status
    day: float
    attempt: int

    @property
    def kind(self) -> EventKind:
        return EventKind.WITHDRAWAL


class Revived(NamedTuple):
    """A withdrawn request came back to the agenda."""

    candidate: str
    status: Status
    day: float
    attempt: int

    @property
    def kind(self) -> EventKind:
        return EventKind.REVIVAL


class StatusLost(NamedTuple):
    candidate: str
    status: Status
    day: float

    @property
    def kind(self) -> EventKind:
        return EventKind.STATUS_LOST


class CriteriaMet(NamedTuple):
    """A candidate barred by the admission criteria came to meet them."""

    candidate: str
    day: float

    @property
    def kind(self) -> EventKind:
        return EventKind.CRITERIA_MET


class StanceChanged(NamedTuple):
    member: str
    towards: str  # the candidates concerned, in words
    stance: Stance
    reason: str
    day: float

    @property
    def kind(self) -> EventKind:
        return EventKind.STANCE_CHANGE


class DriverActed(NamedTuple):
    """A driver starts acting on the parameters it moves."""

    driver: str
    day: float

    @property
    def kind(self) -> EventKind:
        return EventKind.DRIVER


class MemberJoined(NamedTuple):
    member: str
    day: float

    @property
    def kind(self) -> EventKind:
        return EventKind.MEMBER_JOINED


class MemberLeft(NamedTuple):
    member: str
    day: float

    @property
    def kind(self) -> EventKind:
        return EventKind.MEMBER_LEFT


class Reviewed(NamedTuple):
    candidate: str
    status: Status
    body: str
    day: float
    attempt: int
    votes: tuple[tuple[str, Vote], ...]  # counted members only, in member order
    granted: bool
    reason: str

    @property
    def kind(self) -> EventKind:
        return EventKind.REVIEW

    def members_voting(self, vote: Vote) -> tuple[str, ...]:
        return tuple(member for member, cast in self.votes if cast is vote)


class Granted(NamedTuple):
    candidate: str
    status: Status
    day: float

    @property
    def kind(self) -> EventKind:
        return EventKind.GRANT


Event = (
    Adopted
    | RatificationStageCompleted
    | RatificationStalled
    | Ratified
    | EnteredIntoForce
    | ParticipationChanged
    | Applied
    | FoundInadmissible
    | ReviewStageCompleted
    | Deferred
    | Reviewed
    | Granted
    | AwaitingInstrument
    | Withdrawn
    | Revived
    | StatusLost
    | CriteriaMet
    | StanceChanged
    | DriverActed
    | MemberJoined
    | MemberLeft
)

"""The scenario: an organization, its instrument, its member states and the candidates, as plain data.

Nothing here knows about SimPy, files or plotting. The same objects describe the CSTO or any organization with
a similar status process; everything that differs between them is a field value, never a code path. Sources
(seed files, public record, assumptions) travel with the scenario in ``Scenario.sources``, keyed by the path of
the table they document, and the documents they cite in ``Scenario.documents``, so that the trace and the docs
can cite and quote them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from cstosim.model.citations import Catalogue
from cstosim.model.distributions import Distribution, Fixed


def _check_probability(name: str, value: float) -> None:
    if not (0.0 <= value <= 1.0):
        raise ValueError(f"{name} must be a probability between 0 and 1 (got {value})")


class Participation(StrEnum):
    """How a member state takes part in the organization's decisions at a given time."""

    ACTIVE = "active"  # attends and votes according to its stance
    ABSTAINING = "abstaining"  # attends and abstains on every status decision
    ABSENT = "absent"  # does not attend ("frozen" participation); its seat is empty
    SUSPENDED = "suspended"  # membership suspended: not counted at all


class ConsensusRule(StrEnum):
    """Who must agree for a status to be granted. One objection from a participating member always blocks."""

    UNANIMITY = "unanimity"  # every member (not suspended) must support
    CONSENSUS_OF_PRESENT = "consensus_of_present"  # every member present must support; absence does not block
    CONSTRUCTIVE_ABSTENTION = "constructive_abstention"  # no objection; abstention and absence do not block


class EntryIntoForceRule(StrEnum):
    """When a ratified instrument takes effect."""

    LAST_NOTIFICATION = "last_notification"  # when the depositary receives the last notification
    NTH_NOTIFICATION = "nth_notification"  # when the depositary receives the n-th notification
    RATIFIERS_ONLY = "ratifiers_only"  # from the first notification, binding only the states that ratified


class CandidateKind(StrEnum):
    STATE = "state"
    ORGANIZATION = "organization"


class Status(StrEnum):
    PARTNER = "partner"
    OBSERVER = "observer"


@dataclass(frozen=True)
class SessionWindow:
    """One regular session a year, on a day drawn uniformly between two month-days (inclusive)."""

    start_month: int
    start_day: int
    end_month: int
    end_day: int

    def __post_init__(self) -> None:
        for end, month, day in (("start", self.start_month, self.start_day), ("end", self.end_month, self.end_day)):
            try:
                dt.date(2000, month, day)  # a leap year: 02-29 is a day (the calendar takes Feb 28 in other years)
            except ValueError:
                raise ValueError(f"window {end} must be a day of the year, MM-DD (got {month:02d}-{day:02d})") from None
        if (self.end_month, self.end_day) < (self.start_month, self.start_day):
            raise ValueError(
                f"window must end after it starts (got {self.start_month:02d}-{self.start_day:02d} "
                f"to {self.end_month:02d}-{self.end_day:02d})"
            )

    def __str__(self) -> str:
        return f"{self.start_month:02d}-{self.start_day:02d} to {self.end_month:02d}-{self.end_day:02d}"


@dataclass(frozen=True)
class SessionCalendar:
    """When a body meets: regular yearly windows, known dates, and random extraordinary sessions.

    In a year with known ``fixed_dates`` the windows are not drawn: the year's regular calendar is known.
    ``with_body`` makes this body also meet ``offset_days`` from every session of another body (the CSTO's
    joint ministerial meeting on the eve of each summit).
    """

    windows: tuple[SessionWindow, ...] = ()
    fixed_dates: tuple[dt.date, ...] = ()
    extraordinary_dates: tuple[dt.date, ...] = ()
    extraordinary_per_year: float = 0.0
    with_body: str | None = None
    offset_days: int = 0

    def __post_init__(self) -> None:
        if not (0 <= self.extraordinary_per_year <= 12):
            raise ValueError(f"extraordinary_per_year must be between 0 and 12 (got {self.extraordinary_per_year})")


@dataclass(frozen=True)
class Body:
    """An organ of the organization. Without a calendar it works continuously (a secretariat)."""

    id: str
    name: str
    role: str = ""
    calendar: SessionCalendar | None = None


@dataclass(frozen=True)
class ReviewStage:
    """One step of a candidate's review: a working delay at ``body``, then, if ``at_session``, its next session."""

    body: str
    delay: Distribution = Fixed(0)
    at_session: bool = False


@dataclass(frozen=True)
class ReviewProcedure:
    """How an application travels to a decision: preparatory stages, then the deciding body's session.

    At the deciding session the item may be deferred to the next session (``deferral_probability``), at most
    ``max_deferrals`` times in a row; then the members vote under the consensus policy.
    """

    stages: tuple[ReviewStage, ...]
    deciding_body: str
    deferral_probability: float = 0.0
    max_deferrals: int = 0

    def __post_init__(self) -> None:
        _check_probability("deferral_probability", self.deferral_probability)
        if self.max_deferrals < 0:
            raise ValueError(f"max_deferrals must be >= 0 (got {self.max_deferrals})")


@dataclass(frozen=True)
class ConsensusPolicy:
    rule: ConsensusRule = ConsensusRule.CONSTRUCTIVE_ABSTENTION
    absence_counts_as_objection: bool = False


@dataclass(frozen=True)
class StatusDefinition:
    """What holding a status of the organization means, in the organization's own terms (for people to read)."""

    status: Status
    description: str


@dataclass(frozen=True)
class Organization:
    name: str
    short_name: str
    depositary: str
    bodies: tuple[Body, ...]
    review: ReviewProcedure
    consensus: ConsensusPolicy = ConsensusPolicy()
    # Descriptions for people (the trace, the diagrams); the simulation does not read them. Empty when the
    # scenario file does not describe them: nothing here is ever filled in with another organization's text.
    statuses: tuple[StatusDefinition, ...] = ()
    criteria_description: str | None = None

    def status_definition(self, status: Status) -> StatusDefinition | None:
        for definition in self.statuses:
            if definition.status is status:
                return definition
        return None

    def body(self, body_id: str) -> Body:
        for body in self.bodies:
            if body.id == body_id:
                return body
        raise KeyError(body_id)


@dataclass(frozen=True)
class EntryIntoForce:
    rule: EntryIntoForceRule = EntryIntoForceRule.LAST_NOTIFICATION
    notifications_required: int | None = None  # only for NTH_NOTIFICATION
    delay: Distribution = Fixed(0)  # from the triggering notification to entry into force

    def __post_init__(self) -> None:
        needs_n = self.rule is EntryIntoForceRule.NTH_NOTIFICATION
        if needs_n and (self.notifications_required is None or self.notifications_required < 1):
            raise ValueError(
                f"notifications_required must be >= 1 for rule nth_notification (got {self.notifications_required})"
            )
        if not needs_n and self.notifications_required is not None:
            raise ValueError(
                f"notifications_required applies only to rule nth_notification (got {self.notifications_required})"
            )


@dataclass(frozen=True)
class Instrument:
    """The decision that creates the statuses: adopted on a date, or at a session after a drafting stage."""

    name: str
    adopted_on: dt.date | None = None
    adopting_body: str | None = None
    drafting: Distribution | None = None
    requires_ratification: bool = True
    entry_into_force: EntryIntoForce = EntryIntoForce()

    def __post_init__(self) -> None:
        if (self.adopted_on is None) == (self.adopting_body is None):
            raise ValueError("give either adopted_on or adopting_body with drafting (got both or neither)")
        if self.adopting_body is not None and self.drafting is None:
            raise ValueError("drafting is required with adopting_body (got none)")


@dataclass(frozen=True)
class RatificationStage:
    name: str
    delay: Distribution


@dataclass(frozen=True)
class Ratification:
    """A member state's domestic procedure: stages run one after another from adoption, then notification.

    ``ratified_on`` records a notification already made (a known fact), replacing the stages. With
    probability ``stall_probability`` the procedure stalls and the state never notifies.
    """

    stages: tuple[RatificationStage, ...] = ()
    stall_probability: float = 0.0
    ratified_on: dt.date | None = None

    def __post_init__(self) -> None:
        _check_probability("stall_probability", self.stall_probability)
        if self.ratified_on is None and not self.stages:
            raise ValueError("give a delay, stages or ratified_on (got none)")


@dataclass(frozen=True)
class ParticipationChange:
    """A change of a member's participation: on a known date, or after a random delay from the start."""

    state: Participation
    on: dt.date | None = None
    after: Distribution | None = None
    probability: float = 1.0

    def __post_init__(self) -> None:
        _check_probability("probability", self.probability)
        if (self.on is None) == (self.after is None):
            raise ValueError("give either on (a date) or after (a delay) (got both or neither)")


@dataclass(frozen=True)
class Stance:
    """Chances that a participating member supports, abstains on, or objects to a candidate at one review."""

    support: float
    abstain: float
    object: float

    def __post_init__(self) -> None:
        for name in ("support", "abstain", "object"):
            _check_probability(name, getattr(self, name))
        total = self.support + self.abstain + self.object
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"support + abstain + object must sum to 1 (got {total:g})")


@dataclass(frozen=True)
class StanceRule:
    """A stance that applies to the candidates matching every given attribute."""

    stance: Stance
    candidate: str | None = None
    kind: CandidateKind | None = None
    status: Status | None = None
    tag: str | None = None

    def matches(self, candidate: Candidate) -> bool:
        return (
            (self.candidate is None or self.candidate == candidate.name)
            and (self.kind is None or self.kind is candidate.kind)
            and (self.status is None or self.status is candidate.status)
            and (self.tag is None or self.tag in candidate.tags)
        )


@dataclass(frozen=True)
class MemberState:
    name: str
    ratification: Ratification | None  # None only when the instrument needs no ratification
    stance: Stance
    stance_rules: tuple[StanceRule, ...] = ()
    participation: Participation = Participation.ACTIVE
    participation_changes: tuple[ParticipationChange, ...] = ()

    def stance_towards(self, candidate: Candidate) -> Stance:
        """The first matching rule's stance, else the member's default stance."""
        for rule in self.stance_rules:
            if rule.matches(candidate):
                return rule.stance
        return self.stance


@dataclass(frozen=True)
class Criteria:
    """The published admission criteria, as facts about the candidate."""

    un_member: bool = True
    no_relations_with: tuple[str, ...] = ()  # member states it has no diplomatic relations with
    peaceful_settlement: bool = True
    conflicting_obligations: bool = False  # security obligations contradicting the organization's treaties


@dataclass(frozen=True)
class Application:
    """Whether and when a candidate applies: with ``probability``, ``after`` entry into force or the start."""

    probability: float = 1.0
    after: Distribution = Fixed(0)

    def __post_init__(self) -> None:
        _check_probability("probability", self.probability)


@dataclass(frozen=True)
class Reapplication:
    """After a rejection, the candidate applies again with ``probability`` after ``after``, at most ``max_times``."""

    probability: float = 0.0
    after: Distribution = Fixed(365)
    max_times: int = 0

    def __post_init__(self) -> None:
        _check_probability("probability", self.probability)
        if self.max_times < 0:
            raise ValueError(f"max_times must be >= 0 (got {self.max_times})")


@dataclass(frozen=True)
class Candidate:
    name: str
    kind: CandidateKind
    status: Status
    criteria: Criteria = Criteria()
    application: Application = Application()
    reapplication: Reapplication = Reapplication()
    tags: tuple[str, ...] = ()

    @property
    def max_applications(self) -> int:
        return 1 + self.reapplication.max_times


@dataclass(frozen=True)
class Scenario:
    """Everything one replication needs. Day 0 is ``start``; the simulation stops at ``horizon``."""

    name: str
    title: str
    start: dt.date
    horizon: dt.date
    organization: Organization
    instrument: Instrument
    members: tuple[MemberState, ...]
    candidates: tuple[Candidate, ...] = ()
    description: str = ""
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # The documents those sources may cite, with quotes (from the sources file beside the scenario file). They
    # change what a trace can quote, never what a replication simulates.
    documents: Catalogue = field(default_factory=Catalogue, compare=False, repr=False)
    # The table the scenario was read from (``extends`` resolved), so that sweeps can change one parameter by its
    # dotted path and runs can record exactly what they simulated. ``None`` for a scenario built in code.
    source_table: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.horizon <= self.start:
            raise ValueError(f"horizon must be after start ({self.start}) (got {self.horizon})")
        if self.instrument.requires_ratification:
            for member in self.members:
                if member.ratification is None:
                    raise ValueError(f"{member.name} needs a ratification: the instrument requires ratification")

    def day(self, date: dt.date) -> int:
        """Days from ``start`` to ``date``."""
        return (date - self.start).days

    def date(self, day: float) -> dt.date:
        """The calendar date ``day`` days after ``start``."""
        return self.start + dt.timedelta(days=int(day // 1))

    @property
    def horizon_day(self) -> int:
        return self.day(self.horizon)

    def member(self, name: str) -> MemberState:
        for member in self.members:
            if member.name == name:
                return member
        raise KeyError(name)

    def candidate(self, name: str) -> Candidate:
        for candidate in self.candidates:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

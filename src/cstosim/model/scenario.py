"""The scenario: an organization, its instrument, its member states and the candidates, as plain data.

Nothing here knows about SimPy, files or plotting. The same objects describe the CSTO or any organization with
a similar status process; everything that differs between them is a field value, never a code path. Sources
(seed files, public record, assumptions) travel with the scenario in ``Scenario.sources``, keyed by the path of
the table they document, and the documents they cite in ``Scenario.documents``, so that the trace and the docs
can cite and quote them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from cstosim.model.citations import Catalogue
from cstosim.model.distributions import Distribution, Fixed
from cstosim.model.limits import MAX_OFFSET_DAYS, MAX_REAPPLICATIONS, MAX_SPREAD, period_problem


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


# A status is named by the organization that declares it ("partner", "observer", "dialogue_partner", "member").
Status = str


class Criterion(StrEnum):
    """A published admission criterion, checked against the facts a candidate's ``Criteria`` state."""

    UN_MEMBER = "un_member"  # states only
    DIPLOMATIC_RELATIONS = "diplomatic_relations"  # with every member state; states only
    PEACEFUL_SETTLEMENT = "peaceful_settlement"
    NO_CONFLICTING_OBLIGATIONS = "no_conflicting_obligations"  # no security obligations against the treaties


def yearly_rate(chance_per_year: float) -> float:
    """The hazard (events per year) of a yearly chance: an event with chance p in any year happens after an
    exponential time of rate -ln(1 - p); a chance of 1 means at once."""
    return math.inf if chance_per_year >= 1 else -math.log1p(-chance_per_year)


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
        if not (-MAX_OFFSET_DAYS <= self.offset_days <= MAX_OFFSET_DAYS):
            raise ValueError(
                f"offset_days must be between -{MAX_OFFSET_DAYS} and {MAX_OFFSET_DAYS} (got {self.offset_days})"
            )


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
    """How a request travels to a decision: preparatory stages, then the agenda of the deciding body."""

    stages: tuple[ReviewStage, ...]
    deciding_body: str


@dataclass(frozen=True)
class Agenda:
    """What happens to a prepared request while it waits for a decision.

    At each session of the deciding body a pending request is taken up with ``take_up_probability`` (else it
    stays pending: the session defers it). While pending, the candidate withdraws it with a yearly chance of
    ``withdrawal_per_year``; a withdrawn request comes back, with ``revival_probability``, ``revival_after`` its
    withdrawal, and waits again.
    """

    take_up_probability: float = 1.0
    withdrawal_per_year: float = 0.0
    revival_probability: float = 0.0
    revival_after: Distribution = Fixed(365)

    def __post_init__(self) -> None:
        _check_probability("take_up_probability", self.take_up_probability)
        _check_probability("withdrawal_per_year", self.withdrawal_per_year)
        _check_probability("revival_probability", self.revival_probability)
        if self.take_up_probability == 0:
            raise ValueError("take_up_probability must be above 0: a request no session takes up is never decided")
        if self.withdrawal_per_year == 1:
            raise ValueError(
                "withdrawal_per_year must be below 1: a request withdrawn as soon as it is made is never decided"
            )


@dataclass(frozen=True)
class ConsensusPolicy:
    rule: ConsensusRule = ConsensusRule.CONSTRUCTIVE_ABSTENTION
    absence_counts_as_objection: bool = False


PARTNER_CRITERIA = tuple(Criterion)
OBSERVER_CRITERIA = (Criterion.UN_MEMBER, Criterion.DIPLOMATIC_RELATIONS, Criterion.PEACEFUL_SETTLEMENT)


@dataclass(frozen=True)
class StatusDefinition:
    """A status the organization grants: what it means, who decides it and how, and what it takes.

    ``requires`` names a status a candidate must hold (for ``held_for``) before it may request this one: a path
    such as dialogue partner, then observer, then member. ``needs_instrument``: requests wait until the
    scenario's instrument is in force (the statuses it creates). ``effective_after``: from the decision to
    holding the status (signing a protocol, completing accession). ``membership``: holding it makes the
    candidate a voting member. ``deciding_body``, ``consensus`` and ``take_up_probability`` default to the
    organization's.
    """

    name: Status
    description: str = ""
    criteria: tuple[Criterion, ...] = ()
    requires: Status | None = None
    held_for: Distribution = Fixed(0)
    needs_instrument: bool = True
    effective_after: Distribution = Fixed(0)
    membership: bool = False
    deciding_body: str | None = None
    consensus: ConsensusPolicy | None = None
    take_up_probability: float | None = None

    def __post_init__(self) -> None:
        if self.take_up_probability is not None:
            _check_probability("take_up_probability", self.take_up_probability)
            if self.take_up_probability == 0:
                raise ValueError("take_up_probability must be above 0 (got 0)")
        if self.requires == self.name:
            raise ValueError(f"a status cannot require itself (got requires = {self.name!r})")


# The statuses of a file that declares none: the pair the format started with (the CSTO's).
DEFAULT_STATUSES = (
    StatusDefinition("partner", criteria=PARTNER_CRITERIA),
    StatusDefinition("observer", criteria=OBSERVER_CRITERIA),
)


@dataclass(frozen=True)
class Organization:
    name: str
    short_name: str
    depositary: str
    bodies: tuple[Body, ...]
    review: ReviewProcedure
    consensus: ConsensusPolicy = ConsensusPolicy()
    statuses: tuple[StatusDefinition, ...] = DEFAULT_STATUSES
    agenda: Agenda = Agenda()
    # The criteria in words, for people (the trace, the diagrams); the simulation reads ``statuses[].criteria``.
    # ``None`` when the file does not describe them: never filled in with another organization's text.
    criteria_description: str | None = None

    def __post_init__(self) -> None:
        # Names and references are checked where the file is read, with their paths; a path must end, though,
        # whoever builds the organization: no status may require itself through others.
        names = {status.name for status in self.statuses}
        for status in self.statuses:
            seen = {status.name}
            step = status
            while step.requires is not None and step.requires in names:
                if step.requires in seen:
                    raise ValueError(f"statuses require each other in a cycle (through {status.name!r})")
                seen.add(step.requires)
                step = self.status(step.requires)

    def status(self, name: Status) -> StatusDefinition:
        for definition in self.statuses:
            if definition.name == name:
                return definition
        raise KeyError(name)

    def status_definition(self, name: Status) -> StatusDefinition | None:
        """The declared status of that name, or ``None``."""
        for definition in self.statuses:
            if definition.name == name:
                return definition
        return None

    def path_to(self, name: Status) -> tuple[StatusDefinition, ...]:
        """The statuses a candidate holds one after another to reach ``name``, the first one first."""
        path = [self.status(name)]
        while path[0].requires is not None:
            path.insert(0, self.status(path[0].requires))
        return tuple(path)

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
    """The decision that creates the statuses: adopted on a date, or at a session after a drafting stage.

    ``ratification_frailty`` is the spread of a factor shared by every member's ratification delays in a
    replication (a shared frailty, as in survival models of treaty ratification): the delays are multiplied by
    ``exp(ratification_frailty * Z)`` with one standard normal ``Z`` per replication, so an instrument that is slow
    for one member tends to be slow for all. 0 makes the members' delays independent.
    """

    name: str
    adopted_on: dt.date | None = None
    adopting_body: str | None = None
    drafting: Distribution | None = None
    requires_ratification: bool = True
    entry_into_force: EntryIntoForce = EntryIntoForce()
    ratification_frailty: float = 0.0

    def __post_init__(self) -> None:
        if not (0 <= self.ratification_frailty <= MAX_SPREAD):
            raise ValueError(
                f"ratification_frailty must be between 0 and {MAX_SPREAD:g} (got {self.ratification_frailty})"
            )
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
class Towards:
    """Which candidates something applies to: those matching every attribute given (all, if none is given).

    ``status`` matches the status a request is for (a candidate on a path seeks several in turn).
    """

    candidate: str | None = None
    kind: CandidateKind | None = None
    status: Status | None = None
    tag: str | None = None

    def matches(self, candidate: Candidate, status: Status | None = None) -> bool:
        return (
            (self.candidate is None or self.candidate == candidate.name)
            and (self.kind is None or self.kind is candidate.kind)
            and (self.status is None or self.status == (status if status is not None else candidate.status))
            and (self.tag is None or self.tag in candidate.tags)
        )

    def describe(self) -> str:
        """``"every candidate"``, ``"Iran"``, ``"organizations"``, ``"candidates tagged x seeking partner status"``."""
        if self.candidate is not None:
            return self.candidate
        if self.kind is None and self.tag is None and self.status is None:
            return "every candidate"
        parts = (
            {CandidateKind.STATE: ["states"], CandidateKind.ORGANIZATION: ["organizations"]}.get(
                self.kind or CandidateKind.STATE, []
            )
            if self.kind is not None
            else ["candidates"]
        )
        if self.tag is not None:
            parts.append(f"tagged {self.tag}")
        if self.status is not None:
            parts.append(f"seeking {self.status} status")
        return " ".join(parts)


@dataclass(frozen=True)
class StanceRule:
    """A stance that applies to the candidates matching ``towards``."""

    stance: Stance
    towards: Towards = Towards()

    def matches(self, candidate: Candidate, status: Status | None = None) -> bool:
        return self.towards.matches(candidate, status)


@dataclass(frozen=True)
class StanceChange:
    """A member's stance towards some candidates changes: on a date from the record, or at random.

    ``per_year`` is the yearly chance of the change (it happens at most once, after an exponential time from the
    start); ``reason`` says why, for the trace.
    """

    stance: Stance
    towards: Towards = Towards()
    on: dt.date | None = None
    per_year: float | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if (self.on is None) == (self.per_year is None):
            raise ValueError("give either on (a date) or per_year (a yearly chance) (got both or neither)")
        if self.per_year is not None:
            _check_probability("per_year", self.per_year)


@dataclass(frozen=True)
class Membership:
    """When a member state belongs to the organization: it votes from ``joined_on`` (``None``: from before the
    start) until it leaves, on ``left_on`` or with a yearly chance ``withdrawal_per_year``. It must ratify the
    instrument if it was a member when the instrument was adopted, and no longer votes or ratifies once it has
    left."""

    joined_on: dt.date | None = None
    left_on: dt.date | None = None
    withdrawal_per_year: float = 0.0

    def __post_init__(self) -> None:
        _check_probability("withdrawal_per_year", self.withdrawal_per_year)
        if self.joined_on is not None and self.left_on is not None and self.left_on <= self.joined_on:
            raise ValueError(f"left_on must be after joined_on ({self.joined_on}) (got {self.left_on})")


@dataclass(frozen=True)
class MemberState:
    name: str
    ratification: Ratification | None  # None only when the member is not bound to ratify the instrument
    stance: Stance
    stance_rules: tuple[StanceRule, ...] = ()
    participation: Participation = Participation.ACTIVE
    participation_changes: tuple[ParticipationChange, ...] = ()
    stance_changes: tuple[StanceChange, ...] = ()
    membership: Membership = Membership()

    def stance_towards(self, candidate: Candidate, status: Status | None = None) -> Stance:
        """The first matching rule's stance, else the member's default stance (before any stance change)."""
        for rule in self.stance_rules:
            if rule.matches(candidate, status):
                return rule.stance
        return self.stance


@dataclass(frozen=True)
class Criteria:
    """The published admission criteria, as facts about the candidate.

    A candidate barred by them may come to meet them: on ``met_on``, or with ``met_probability`` after
    ``met_after`` from the start (sanctions lifted, diplomatic relations established).
    """

    un_member: bool = True
    no_relations_with: tuple[str, ...] = ()  # member states it has no diplomatic relations with
    peaceful_settlement: bool = True
    conflicting_obligations: bool = False  # security obligations contradicting the organization's treaties
    met_on: dt.date | None = None
    met_after: Distribution | None = None
    met_probability: float = 1.0

    def __post_init__(self) -> None:
        _check_probability("met_probability", self.met_probability)
        if self.met_on is not None and self.met_after is not None:
            raise ValueError("give met_on (a date) or met_after (a delay), not both")


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
        if not (0 <= self.max_times <= MAX_REAPPLICATIONS):
            raise ValueError(f"max_times must be between 0 and {MAX_REAPPLICATIONS} (got {self.max_times})")


@dataclass(frozen=True)
class Request:
    """A request recorded in the scenario: the candidate asked for ``status`` on ``on`` (perhaps before the
    instrument creating the status was in force: it then waits on the agenda)."""

    status: Status
    on: dt.date


@dataclass(frozen=True)
class HeldStatus:
    """A status the candidate held before the start: since ``since`` (if known), until ``until`` if it lost it
    (a former member); a status held with no ``until`` is held at the start."""

    status: Status
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(frozen=True)
class Promotion:
    """After holding a step of its path (for the step's ``held_for``), the candidate requests the next step
    with ``probability``, ``after`` that."""

    probability: float = 1.0
    after: Distribution = Fixed(0)

    def __post_init__(self) -> None:
        _check_probability("probability", self.probability)


@dataclass(frozen=True)
class Candidate:
    """A state or organization seeking ``status`` (following the path of statuses that leads to it).

    ``application`` governs its first random request, ``promotion`` each later step of the path, ``requests``
    the requests the record knows; ``held`` the statuses held before the start. ``loss_per_year`` is the yearly
    chance of losing a status it holds (which ends its path). ``member_stance`` is how it votes once a
    membership status makes it a member.
    """

    name: str
    kind: CandidateKind
    status: Status
    criteria: Criteria = Criteria()
    application: Application = Application()
    reapplication: Reapplication = Reapplication()
    tags: tuple[str, ...] = ()
    promotion: Promotion = Promotion()
    requests: tuple[Request, ...] = ()
    held: tuple[HeldStatus, ...] = ()
    loss_per_year: float = 0.0
    member_stance: Stance | None = None

    def __post_init__(self) -> None:
        _check_probability("loss_per_year", self.loss_per_year)

    @property
    def max_applications(self) -> int:
        return 1 + self.reapplication.max_times

    @property
    def holds(self) -> HeldStatus | None:
        """The status held at the start (the last one listed without ``until``), if any."""
        current = [held for held in self.held if held.until is None]
        return current[-1] if current else None

    def request(self, status: Status) -> Request | None:
        """The recorded request for ``status``, if any."""
        for request in self.requests:
            if request.status == status:
                return request
        return None


class DriverTarget(StrEnum):
    """What a driver acts on."""

    APPLICATION_PROBABILITY = "application_probability"  # added to the chance of a candidate's first request
    SUPPORT = "support"  # moved from objection (then abstention) to support in members' stances
    TAKE_UP_PROBABILITY = "take_up_probability"  # added to the chance that a session takes a request up


@dataclass(frozen=True)
class DriverEffect:
    target: DriverTarget
    change: float  # added (a negative change subtracts); the result is kept within [0, 1]
    towards: Towards = Towards()  # the candidates it acts for
    members: tuple[str, ...] = ()  # for ``support``: the members whose stances move (empty: every member)

    def __post_init__(self) -> None:
        if not (-1.0 <= self.change <= 1.0):
            raise ValueError(f"change must be between -1 and 1 (got {self.change})")


@dataclass(frozen=True)
class Driver:
    """Something in the world that moves many parameters at once (demand for peacekeeping cooperation, a
    presidency's push): with ``probability`` it acts in a replication, from ``on`` or ``after`` a delay from the
    start (or from the start), on every effect at once."""

    name: str
    effects: tuple[DriverEffect, ...]
    probability: float = 1.0
    on: dt.date | None = None
    after: Distribution | None = None

    def __post_init__(self) -> None:
        _check_probability("probability", self.probability)
        if self.on is not None and self.after is not None:
            raise ValueError("give on (a date) or after (a delay), not both")
        if not self.effects:
            raise ValueError("a driver needs at least one effect (got none)")


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
    drivers: tuple[Driver, ...] = ()
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
        problem = period_problem(self.start, self.horizon)
        if problem is not None:
            raise ValueError(f"horizon {problem}")
        if self.instrument.requires_ratification:
            for member in self.members:
                if member.ratification is None and self.bound_to_ratify(member):
                    raise ValueError(f"{member.name} needs a ratification: the instrument requires ratification")
        declared = {status.name for status in self.organization.statuses}
        for candidate in self.candidates:
            if candidate.status not in declared:
                raise ValueError(
                    f"{candidate.name} seeks {candidate.status!r}, which the organization does not declare"
                )

    def bound_to_ratify(self, member: MemberState) -> bool:
        """Whether the member must ratify the instrument: it was a member when it was adopted (a member that
        joins later, or left before, is not bound). With a simulated adoption, the members at the start."""
        adopted_on = self.instrument.adopted_on or self.start
        joined, left = member.membership.joined_on, member.membership.left_on
        return (joined is None or joined <= adopted_on) and (left is None or left > adopted_on)

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

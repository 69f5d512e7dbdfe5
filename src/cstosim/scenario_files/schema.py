"""The scenario file format (TOML), as pydantic models that build the domain objects.

The file format is kept apart from the domain (``cstosim.model``): these models only say which keys exist and
what types they hold, forbid unknown keys, and call the domain constructors, whose own checks (a negative
delay, probabilities that do not sum to 1) become errors at the right path in the file. Every table may carry
a ``source`` (a seed file, public record with a date, or "assumption: ..."), collected into
``Scenario.sources`` by the table's path. The sources file (``SourcesFileSpec``) lists the documents those
texts may cite, with short verbatim quotes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from cstosim.model import citations as c
from cstosim.model import distributions as d
from cstosim.model import limits
from cstosim.model import scenario as m
from cstosim.scenario_files.references import (
    BodyId,
    CandidateName,
    MemberName,
    RefersTo,
    SessionBodyId,
    SessionDate,
)

# Lists with a tighter limit than ``limits.MAX_ITEMS``, by key.
_LIST_LIMITS = {
    "members": limits.MAX_MEMBERS,
    "candidates": limits.MAX_CANDIDATES,
    "bodies": limits.MAX_BODIES,
    "windows": limits.MAX_WINDOWS,
    "statuses": limits.MAX_STATUSES,
    "stages": limits.MAX_STAGES,
}


def within_limits(value: Any, info: ValidationInfo) -> Any:
    """A list no longer than its limit, and every date (alone or in a list) within the calendar a scenario may
    use (``cstosim.model.limits``; texts are bounded by the models' ``str_max_length``)."""
    if isinstance(value, list):
        most = _LIST_LIMITS.get(info.field_name or "", limits.MAX_ITEMS)
        if len(value) > most:
            raise ValueError(f"must hold at most {most} items (got {len(value)})")
    for item in value if isinstance(value, list) else (value,):
        if isinstance(item, dt.date):
            problem = limits.date_problem(item)
            if problem is not None:
                raise ValueError(problem)
    return value


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, str_max_length=limits.MAX_TEXT)

    # Limits that hold in every table: list lengths and dates (and text lengths, above).
    _limits = field_validator("*")(within_limits)


class _Sourced(_Spec):
    source: str | None = Field(
        default=None,
        description='where the values of this table come from: a document listed in the sources file ("seed 003"), '
        '"public record, DATE", or "assumption: why"',
    )


# Distributions ----------------------------------------------------------------------------------------------


class _DistributionSpec(_Spec):
    """A delay law; building it checks its parameters, so a bad value is reported at the law's own path."""

    @model_validator(mode="after")
    def _check(self) -> _DistributionSpec:
        self.build()
        return self

    def build(self) -> Any:
        raise NotImplementedError


class FixedSpec(_DistributionSpec):
    """Always the same delay: ``days``."""

    kind: Literal["fixed"] = Field(description="the kind of delay: always that many days")
    days: float = Field(description="the delay in days (>= 0)")

    def build(self) -> d.Fixed:
        return d.Fixed(self.days)


class UniformSpec(_DistributionSpec):
    """Any delay between ``low_days`` and ``high_days``, equally likely."""

    kind: Literal["uniform"] = Field(description="the kind of delay: any day in between, equally likely")
    low_days: float = Field(description="the shortest delay in days (>= 0)")
    high_days: float = Field(description="the longest delay in days (>= low_days)")

    def build(self) -> d.Uniform:
        return d.Uniform(self.low_days, self.high_days)


class ExponentialSpec(_DistributionSpec):
    """A memoryless delay with mean ``mean_days``."""

    kind: Literal["exponential"] = Field(description="the kind of delay: memoryless")
    mean_days: float = Field(description="the mean delay in days (> 0)")

    def build(self) -> d.Exponential:
        return d.Exponential(self.mean_days)


class LogNormalSpec(_DistributionSpec):
    """A skewed delay: half are shorter than ``median_days``; mean median * exp(spread^2 / 2)."""

    kind: Literal["lognormal"] = Field(description="the kind of delay: skewed, with a long tail")
    median_days: float = Field(description="the median delay in days (> 0)")
    spread: float = Field(
        description="the standard deviation of the log of the delay (>= 0); 0.5 puts two thirds of the delays "
        "between median/1.65 and median*1.65"
    )

    def build(self) -> d.LogNormal:
        return d.LogNormal(self.median_days, self.spread)


class EmpiricalSpec(_DistributionSpec):
    """One of the observed delays ``values_days``, drawn with ``weights``."""

    kind: Literal["empirical"] = Field(description="the kind of delay: one of the observed delays")
    values_days: list[float] = Field(description="the observed delays in days (each >= 0)")
    weights: list[float] | None = Field(
        default=None, description="their weights (as many, each >= 0); equal weights if not given"
    )

    def build(self) -> d.Empirical:
        return d.Empirical(tuple(self.values_days), tuple(self.weights) if self.weights is not None else None)


DistributionSpec = Annotated[
    FixedSpec | UniformSpec | ExponentialSpec | LogNormalSpec | EmpiricalSpec, Field(discriminator="kind")
]
DISTRIBUTION_KINDS = frozenset({"fixed", "uniform", "exponential", "lognormal", "empirical"})


class _Checked(_Sourced):
    """A table whose domain object is built (and so checked) as soon as the table is read."""

    _built: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check(self) -> _Checked:
        self._built = self.build()
        return self

    def build(self) -> Any:
        raise NotImplementedError

    @property
    def built(self) -> Any:
        return self._built


def _distribution(spec: Any) -> Any:
    return spec.build() if spec is not None else None


# Organization -----------------------------------------------------------------------------------------------

# Enumerations are written as strings in TOML; everything else is read strictly (no "400" for 400).
ConsensusRuleValue = Annotated[m.ConsensusRule, Field(strict=False)]
EntryIntoForceRuleValue = Annotated[m.EntryIntoForceRule, Field(strict=False)]
ParticipationValue = Annotated[m.Participation, Field(strict=False)]
CandidateKindValue = Annotated[m.CandidateKind, Field(strict=False)]
CriterionValue = Annotated[m.Criterion, Field(strict=False)]
DriverTargetValue = Annotated[m.DriverTarget, Field(strict=False)]
StatusName = Annotated[
    str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_ -]*$", description="a status the organization declares")
]
Probability = Annotated[float, Field(ge=0, le=1)]
# A status named elsewhere than in its own definition: one the organization declares (partner and observer if it
# declares none).
DeclaredStatus = Annotated[
    StatusName,
    RefersTo(
        ("organization", "statuses"), "name", "a declared status", defaults=tuple(s.name for s in m.DEFAULT_STATUSES)
    ),
]

MonthDay = Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")]


class WindowSpec(_Spec):
    start: MonthDay = Field(description="first possible day of the session, MM-DD")
    end: MonthDay = Field(description="last possible day of the session, MM-DD")


class CalendarSpec(_Checked):
    """When a body meets: regular yearly windows, known dates, random extraordinary sessions."""

    windows: list[WindowSpec] = Field(
        default=[], description="one regular session a year on a day drawn uniformly in each window"
    )
    fixed_dates: list[SessionDate] = Field(
        default=[], description="known regular sessions; in a year with a known date the windows are not drawn"
    )
    extraordinary_dates: list[SessionDate] = Field(default=[], description="known extraordinary sessions")
    extraordinary_per_year: float = Field(
        default=0.0, description="rate of random extraordinary sessions a year (Poisson, at most 4 a year), 0 to 12"
    )
    with_body: SessionBodyId | None = Field(
        default=None, description="also meet around every session of this body (the id of a body with a calendar)"
    )
    offset_days: int = Field(default=0, description="days from that body's sessions (negative: before)")

    def build(self) -> m.SessionCalendar:
        windows = []
        for window in self.windows:
            (sm, sd), (em, ed) = (map(int, window.start.split("-")), map(int, window.end.split("-")))
            windows.append(m.SessionWindow(sm, sd, em, ed))
        return m.SessionCalendar(
            windows=tuple(windows),
            fixed_dates=tuple(self.fixed_dates),
            extraordinary_dates=tuple(self.extraordinary_dates),
            extraordinary_per_year=self.extraordinary_per_year,
            with_body=self.with_body,
            offset_days=self.offset_days,
        )


class BodySpec(_Checked):
    """An organ of the organization."""

    id: str = Field(description="how other tables name this body")
    name: str = Field(description="the body's full name")
    role: str = Field(default="", description="what it does, in words")
    calendar: CalendarSpec | None = Field(
        default=None, description="when it meets; a body without a calendar works continuously"
    )

    def build(self) -> m.Body:
        return m.Body(self.id, self.name, self.role, self.calendar.built if self.calendar else None)


class ReviewStageSpec(_Checked):
    """One step of a review: work at a body, then perhaps wait for its next session."""

    body: BodyId = Field(description="the body that works on the application (its id)")
    delay: DistributionSpec = Field(default=FixedSpec(kind="fixed", days=0), description="the working time")
    at_session: bool = Field(default=False, description="then wait for that body's next session")

    def build(self) -> m.ReviewStage:
        return m.ReviewStage(self.body, self.delay.build(), self.at_session)


class ReviewSpec(_Checked):
    """How an application reaches a decision: stages, then the deciding body's session."""

    stages: list[ReviewStageSpec] = Field(default=[], description="the steps before the decision, in order")
    deciding_body: SessionBodyId = Field(
        description="the body whose session decides (the id of a body with a calendar)"
    )

    @model_validator(mode="before")
    @classmethod
    def _replaced_keys(cls, data: Any) -> Any:
        """Files written before the agenda existed: say what replaces their deferral keys."""
        if isinstance(data, dict) and ("deferral_probability" in data or "max_deferrals" in data):
            chance = data.get("deferral_probability")
            take_up = (
                f"take_up_probability = {1 - chance:g}"
                if isinstance(chance, (int, float)) and 0 <= chance <= 1
                else "take_up_probability (1 - the old deferral_probability)"
            )
            raise ValueError(
                "deferral_probability and max_deferrals were replaced by the agenda: remove them and write "
                f"[organization.agenda] {take_up}, the chance that a session takes a pending request up; a request "
                "now stays pending until a session takes it up, it is withdrawn, or the horizon"
            )
        return data

    def build(self) -> m.ReviewProcedure:
        return m.ReviewProcedure(tuple(stage.built for stage in self.stages), self.deciding_body)


class AgendaSpec(_Checked):
    """``[organization.agenda]``: what happens to a prepared request while it waits for a decision."""

    take_up_probability: float = Field(1.0, description="chance that a session takes a pending request up")
    withdrawal_per_year: float = Field(0.0, description="yearly chance that the candidate withdraws a pending request")
    revival_probability: float = Field(0.0, description="chance that a withdrawn request comes back")
    revival_after: DistributionSpec = Field(
        FixedSpec(kind="fixed", days=365), description="delay from the withdrawal to the request's return"
    )

    def build(self) -> m.Agenda:
        return m.Agenda(
            self.take_up_probability, self.withdrawal_per_year, self.revival_probability, self.revival_after.build()
        )


class ConsensusSpec(_Checked):
    """Who must agree for a status to be granted."""

    rule: ConsensusRuleValue = Field(
        default=m.ConsensusRule.CONSTRUCTIVE_ABSTENTION,
        description="unanimity (every member not suspended must support), consensus_of_present (every member "
        "present must support; absence does not block) or constructive_abstention (no objection; abstention and "
        "absence do not block); under all three one objection blocks, and at least one member must support",
    )
    absence_counts_as_objection: bool = Field(default=False, description="an absent member blocks as if it objected")

    def build(self) -> m.ConsensusPolicy:
        return m.ConsensusPolicy(self.rule, self.absence_counts_as_objection)


Description = Annotated[str, Field(min_length=1)]


class StatusDefinitionSpec(_Checked):
    """``[[organization.statuses]]``: a status the organization grants; a list keyed by ``name`` (merged by name)."""

    name: StatusName = Field(description="the status, such as partner or observer (how other tables name it)")
    description: Description | None = Field(
        None, description="what holding the status means, in the organization's words (for people)"
    )
    criteria: list[CriterionValue] = Field([], description="the published criteria a candidate must meet")
    requires: DeclaredStatus | None = Field(
        None, description="a status a candidate must hold before requesting this one"
    )
    held_for: DistributionSpec = Field(
        FixedSpec(kind="fixed", days=0), description="how long `requires` must be held before a request"
    )
    needs_instrument: bool = Field(True, description="requests wait until the instrument is in force")
    effective_after: DistributionSpec = Field(
        FixedSpec(kind="fixed", days=0), description="delay from the decision to holding the status"
    )
    membership: bool = Field(False, description="holding it makes the candidate a voting member")
    deciding_body: SessionBodyId | None = Field(
        None, description="the body that decides on it (default: organization.review.deciding_body)"
    )
    consensus: ConsensusSpec | None = Field(None, description="who must agree (default: organization.consensus)")
    take_up_probability: float | None = Field(
        None, description="chance that a session takes a request up (default: organization.agenda)"
    )

    def build(self) -> m.StatusDefinition:
        return m.StatusDefinition(
            self.name,
            (self.description or "").strip(),
            tuple(dict.fromkeys(self.criteria)),
            self.requires,
            self.held_for.build(),
            self.needs_instrument,
            self.effective_after.build(),
            self.membership,
            self.deciding_body,
            self.consensus.built if self.consensus is not None else None,
            self.take_up_probability,
        )


class OrganizationCriteriaSpec(_Sourced):
    """``[organization.criteria]``: the organization's admission criteria in words, for people."""

    description: Description = Field(
        description="the admission criteria in words (the simulation checks each candidate's own criteria)"
    )


class OrganizationSpec(_Checked):
    """The organization: its bodies, how it reviews applications, how it decides."""

    name: str = Field(description="the organization's name")
    short_name: str = Field(description="its abbreviation")
    depositary: str = Field(description="who receives the ratification notifications")
    bodies: list[BodySpec] = Field(description="one table per organ")
    review: ReviewSpec = Field(description="how an application reaches a decision")
    consensus: ConsensusSpec = Field(default=ConsensusSpec(), description="who must agree for a status to be granted")
    agenda: AgendaSpec = Field(default=AgendaSpec(), description="what happens to a request waiting for a decision")
    statuses: list[StatusDefinitionSpec] = Field(
        [], description="the statuses it grants (none declared: partner and observer with the CSTO's criteria)"
    )
    criteria: OrganizationCriteriaSpec | None = Field(
        default=None, description="the admission criteria in words, for people"
    )

    def build(self) -> m.Organization:
        return m.Organization(
            self.name,
            self.short_name,
            self.depositary,
            tuple(body.built for body in self.bodies),
            self.review.built,
            self.consensus.built,
            tuple(status.built for status in self.statuses) or m.DEFAULT_STATUSES,
            self.agenda.built,
            self.criteria.description.strip() if self.criteria else None,
        )


# Instrument -------------------------------------------------------------------------------------------------


class EntryIntoForceSpec(_Checked):
    """When the ratified instrument takes effect."""

    rule: EntryIntoForceRuleValue = Field(
        default=m.EntryIntoForceRule.LAST_NOTIFICATION,
        description="last_notification (the CSTO case), nth_notification (with notifications_required), or "
        "ratifiers_only (in force from the first notification, binding only the states that ratified: the others "
        "do not vote on candidates)",
    )
    notifications_required: int | None = Field(
        default=None, description="n, for rule nth_notification only (1 to the number of members)"
    )
    delay: DistributionSpec = Field(
        default=FixedSpec(kind="fixed", days=0),
        description="delay from the triggering notification to entry into force",
    )

    def build(self) -> m.EntryIntoForce:
        return m.EntryIntoForce(self.rule, self.notifications_required, self.delay.build())


class RatificationFrailtySpec(_Sourced):
    """``[instrument.ratification_frailty]``: a factor shared by every member's ratification delays."""

    spread: float = Field(description="standard deviation of the log of the shared factor (0: independent delays)")


class InstrumentSpec(_Checked):
    """The decision that creates the statuses: adopted on a date, or at a session after drafting."""

    name: str = Field(description="the instrument's name")
    adopted_on: dt.date | None = Field(
        default=None,
        description="the adoption date, on or before the horizon (before start, the simulation starts at adoption); "
        "or instead adopting_body and drafting",
    )
    adopting_body: SessionBodyId | None = Field(
        default=None,
        description="adopted at this body's first session after drafting (the id of a body with a calendar)",
    )
    drafting: DistributionSpec | None = Field(default=None, description="delay from the start to the draft's readiness")
    requires_ratification: bool = Field(default=True, description="each member must ratify (else in force on adoption)")
    entry_into_force: EntryIntoForceSpec = Field(
        default=EntryIntoForceSpec(), description="when the ratified instrument takes effect"
    )
    ratification_frailty: RatificationFrailtySpec | None = Field(
        default=None, description="a factor shared by every member's ratification delays"
    )

    def build(self) -> m.Instrument:
        return m.Instrument(
            self.name,
            self.adopted_on,
            self.adopting_body,
            _distribution(self.drafting),
            self.requires_ratification,
            self.entry_into_force.built,
            self.ratification_frailty.spread if self.ratification_frailty is not None else 0.0,
        )


# Members ----------------------------------------------------------------------------------------------------


class RatificationStageSpec(_Checked):
    """One domestic stage of a ratification."""

    name: str = Field(description="the stage (unique within the member's stages), such as parliament")
    delay: DistributionSpec = Field(description="its duration")

    def build(self) -> m.RatificationStage:
        return m.RatificationStage(self.name, self.delay.build())


class RatificationSpec(_Checked):
    """A member state's domestic procedure: give one of delay, stages or ratified_on."""

    delay: DistributionSpec | None = Field(default=None, description="one delay from adoption to notification")
    stages: list[RatificationStageSpec] | None = Field(
        default=None, description="domestic stages run one after another, instead of one delay"
    )
    stall_probability: float = Field(
        default=0.0, description="chance that the procedure stalls (at a random stage) and never ends"
    )
    ratified_on: dt.date | None = Field(
        default=None, description="a notification already made (a recorded fact), on or after adoption"
    )

    def build(self) -> m.Ratification:
        given = [key for key in ("delay", "stages", "ratified_on") if getattr(self, key) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of delay, stages or ratified_on (got {' and '.join(given)})")
        if self.delay is not None:
            stages: tuple[m.RatificationStage, ...] = (m.RatificationStage("ratification", self.delay.build()),)
        else:
            stages = tuple(stage.built for stage in self.stages or [])
        return m.Ratification(stages, self.stall_probability, self.ratified_on)


class StanceSpec(_Checked):
    """Chances that a participating member supports, abstains or objects at one review; they sum to 1."""

    support: float = Field(description="chance of supporting the candidate at a review")
    abstain: float = Field(description="chance of abstaining")
    object: float = Field(description="chance of objecting (one objection blocks)")

    def build(self) -> m.Stance:
        return m.Stance(self.support, self.abstain, self.object)


class _TowardsSpec(_Checked):
    """Which candidates a table applies to: those matching every attribute given (all, if none is)."""

    candidate: CandidateName | None = Field(None, description="a candidate by name")
    kind: CandidateKindValue | None = Field(None, description="state or organization")
    status: DeclaredStatus | None = Field(None, description="the status requested")
    tag: str | None = Field(None, description="a tag of the candidate")

    @property
    def towards(self) -> m.Towards:
        return m.Towards(self.candidate, self.kind, self.status, self.tag)


class StanceRuleSpec(_TowardsSpec):
    """A stance for the candidates that match every attribute given."""

    support: float = Field(description="chance of supporting the candidate at a review")
    abstain: float = Field(description="chance of abstaining")
    object: float = Field(description="chance of objecting (one objection blocks)")

    def build(self) -> m.StanceRule:
        return m.StanceRule(m.Stance(self.support, self.abstain, self.object), self.towards)


class StanceChangeSpec(_TowardsSpec):
    """``[[members.stance_changes]]``: from a date, or after a random time, a new stance towards some candidates."""

    support: float = Field(description="chance of supporting the candidate at a review, from the change on")
    abstain: float = Field(description="chance of abstaining")
    object: float = Field(description="chance of objecting (one objection blocks)")
    on: dt.date | None = Field(None, description="the date of the change (from the record)")
    per_year: float | None = Field(None, description="or the yearly chance that the change happens")
    reason: str = Field("", description="why, in a few words (the trace says it)")

    def build(self) -> m.StanceChange:
        stance = m.Stance(self.support, self.abstain, self.object)
        return m.StanceChange(stance, self.towards, self.on, self.per_year, self.reason.strip())


class MembershipSpec(_Checked):
    """``[members.membership]``: when the state belongs to the organization."""

    joined_on: dt.date | None = Field(None, description="accession date (default: a member before the start)")
    left_on: dt.date | None = Field(None, description="the date it left")
    withdrawal_per_year: float = Field(0.0, description="yearly chance that it leaves")

    def build(self) -> m.Membership:
        return m.Membership(self.joined_on, self.left_on, self.withdrawal_per_year)


class ParticipationChangeSpec(_Checked):
    """A change of a member's participation: on a date, or with a chance after a delay."""

    state: ParticipationValue = Field(description="the participation from then on")
    on: dt.date | None = Field(default=None, description="the date of the change (within the simulated period); or")
    after: DistributionSpec | None = Field(default=None, description="the delay from the start to the change")
    probability: float = Field(default=1.0, description="chance that the change happens at all")

    def build(self) -> m.ParticipationChange:
        return m.ParticipationChange(self.state, self.on, _distribution(self.after), self.probability)


class MemberSpec(_Checked):
    """A member state: a ratification procedure, a stance towards candidates, a participation."""

    name: str = Field(description="the state (unique)")
    ratification: RatificationSpec | None = Field(
        default=None, description="its domestic procedure; required when the instrument requires ratification"
    )
    stance: StanceSpec = Field(description="chances at each review: { support, abstain, object }, summing to 1")
    stance_rules: list[StanceRuleSpec] = Field(
        default=[], description="the first rule whose given attributes all match the candidate replaces stance"
    )
    participation: ParticipationValue = Field(
        default=m.Participation.ACTIVE,
        description="at the start: active, abstaining (always abstains), absent (frozen: does not attend) or "
        "suspended (not counted)",
    )
    participation_changes: list[ParticipationChangeSpec] = Field(
        default=[], description="changes of participation: { state, on } or { state, after, probability }"
    )
    stance_changes: list[StanceChangeSpec] = Field(
        default=[], description="from a date, or after a random time, a new stance towards some candidates"
    )
    membership: MembershipSpec = Field(
        default=MembershipSpec(), description="when the state belongs to the organization"
    )

    def build(self) -> m.MemberState:
        return m.MemberState(
            self.name,
            self.ratification.built if self.ratification else None,
            self.stance.built,
            tuple(rule.built for rule in self.stance_rules),
            self.participation,
            tuple(change.built for change in self.participation_changes),
            tuple(change.built for change in self.stance_changes),
            self.membership.built,
        )


# Candidates -------------------------------------------------------------------------------------------------


class CriteriaSpec(_Checked):
    """The published admission criteria, as facts about the candidate."""

    un_member: bool = Field(default=True, description="is a UN member (states only)")
    no_relations_with: list[MemberName] = Field(
        default=[], description="member states it has no diplomatic relations with (states only)"
    )
    peaceful_settlement: bool = Field(default=True, description="commits to the peaceful settlement of disputes")
    conflicting_obligations: bool = Field(
        default=False,
        description="has security obligations contradicting the organization's treaties (partners only)",
    )
    met_on: dt.date | None = Field(None, description="the date a barred candidate comes to meet the criteria")
    met_after: DistributionSpec | None = Field(None, description="or the delay from the start until it does")
    met_probability: float = Field(1.0, description="chance that it ever does (with met_after)")

    def build(self) -> m.Criteria:
        return m.Criteria(
            self.un_member,
            tuple(self.no_relations_with),
            self.peaceful_settlement,
            self.conflicting_obligations,
            self.met_on,
            _distribution(self.met_after),
            self.met_probability,
        )


class ApplicationSpec(_Checked):
    """Whether and when the candidate applies."""

    probability: float = Field(default=1.0, description="chance that it applies at all")
    after: DistributionSpec = Field(
        default=FixedSpec(kind="fixed", days=0),
        description="delay from entry into force (or from start, if later) to the application",
    )

    def build(self) -> m.Application:
        return m.Application(self.probability, self.after.build())


class ReapplicationSpec(_Checked):
    """Whether and when the candidate applies again after a rejection."""

    probability: float = Field(default=0.0, description="chance of applying again after a rejection")
    after: DistributionSpec = Field(
        default=FixedSpec(kind="fixed", days=365), description="delay from the rejection to the new application"
    )
    max_times: int = Field(default=0, description="re-applications at most (>= 0)")

    def build(self) -> m.Reapplication:
        return m.Reapplication(self.probability, self.after.build(), self.max_times)


class PromotionSpec(_Checked):
    """``[candidates.promotion]``: requesting the next status of the path, once the last is held long enough."""

    probability: float = Field(default=1.0, description="chance of requesting the next status at all")
    after: DistributionSpec = Field(
        default=FixedSpec(kind="fixed", days=0), description="delay from being able to request it to the request"
    )

    def build(self) -> m.Promotion:
        return m.Promotion(self.probability, self.after.build())


class RequestSpec(_Checked):
    """``[[candidates.requests]]``: a request the record knows, on its date."""

    status: StatusName = Field(description="the status requested (on the path to the status sought)")
    on: dt.date = Field(description="the date of the request")

    def build(self) -> m.Request:
        return m.Request(self.status, self.on)


class HeldStatusSpec(_Checked):
    """``[[candidates.held]]``: a status held before the start (with ``until``: held, then lost)."""

    status: DeclaredStatus = Field(description="the status held")
    since: dt.date | None = Field(default=None, description="held since this date")
    until: dt.date | None = Field(default=None, description="held until this date, then lost")

    def build(self) -> m.HeldStatus:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError(f"until must be after since ({self.since}) (got {self.until})")
        return m.HeldStatus(self.status, self.since, self.until)


class CandidateSpec(_Checked):
    """A state or organization that may apply for a status."""

    name: str = Field(description="the state or organization (unique)")
    kind: CandidateKindValue = Field(description="state or organization")
    status: DeclaredStatus = Field(description="the status sought (the last of its path)")
    tags: list[str] = Field(default=[], description="labels that members' stance_rules can match")
    criteria: CriteriaSpec = Field(default=CriteriaSpec(), description="the admission criteria, as facts about it")
    application: ApplicationSpec = Field(default=ApplicationSpec(), description="whether and when it applies")
    reapplication: ReapplicationSpec = Field(
        default=ReapplicationSpec(), description="whether and when it applies again after a rejection"
    )
    promotion: PromotionSpec = Field(
        default=PromotionSpec(), description="requesting the next status of the path, once the last is held long enough"
    )
    requests: list[RequestSpec] = Field(default=[], description="requests the record knows, each on its date")
    held: list[HeldStatusSpec] = Field(default=[], description="statuses held before the start")
    loss_per_year: float = Field(0.0, description="yearly chance of losing a status it holds")
    member_stance: StanceSpec | None = Field(None, description="how it votes once it holds a membership status")

    def build(self) -> m.Candidate:
        return m.Candidate(
            self.name,
            self.kind,
            self.status,
            self.criteria.built,
            self.application.built,
            self.reapplication.built,
            tuple(self.tags),
            self.promotion.built,
            tuple(request.built for request in self.requests),
            tuple(held.built for held in self.held),
            self.loss_per_year,
            self.member_stance.built if self.member_stance is not None else None,
        )


# Drivers ----------------------------------------------------------------------------------------------------


class DriverEffectSpec(_TowardsSpec):
    """``[[drivers.effects]]``: one parameter a driver moves, for the candidates it names (all by default)."""

    target: DriverTargetValue = Field(
        description="what it moves: application_probability, support or take_up_probability"
    )
    change: float = Field(description="added to the parameter (kept within 0 and 1); may be negative")
    members: list[MemberName] = Field(
        [], description="for target = support: the members whose stances move (default all)"
    )

    def build(self) -> m.DriverEffect:
        return m.DriverEffect(self.target, self.change, self.towards, tuple(self.members))


class DriverSpec(_Checked):
    """``[[drivers]]``: something that moves several parameters at once, when it acts."""

    name: str = Field(description="what it is, in a few words (unique)")
    probability: float = Field(1.0, description="chance that it acts in a replication")
    on: dt.date | None = Field(None, description="the date it starts acting (default: the start)")
    after: DistributionSpec | None = Field(None, description="or the delay from the start until it does")
    effects: list[DriverEffectSpec] = Field(min_length=1, description="the parameters it moves")

    def build(self) -> m.Driver:
        return m.Driver(
            self.name,
            tuple(effect.built for effect in self.effects),
            self.probability,
            self.on,
            _distribution(self.after),
        )


# Sweeps -----------------------------------------------------------------------------------------------------


class SweepSpec(_Spec):
    """``[sweep]``: what ``cstosim sweep FILE`` varies when no ``--vary`` is given (the simulation ignores it).

    ``vary`` maps dotted parameter paths (quoted keys) to lists of values (``design = "grid"``) or to
    ``[low, high]`` ranges (``design = "lhs"``, with ``samples`` points). Paths are checked when the sweep runs.
    """

    design: Literal["grid", "lhs"] = Field(
        default="grid", description="grid (every combination) or lhs (Latin hypercube over the ranges)"
    )
    samples: int | None = Field(
        default=None, ge=1, le=limits.MAX_POINTS, description="points drawn with design lhs (required for lhs)"
    )
    replications: int | None = Field(
        default=None, ge=1, le=limits.MAX_REPLICATIONS, description="replications per point (default 1000)"
    )
    metric: str | None = Field(
        default=None,
        description="what to summarise and plot: entry_into_force, any_grant (the default), granted[NAME], "
        "ratified[MEMBER], years_to_entry_into_force or years_to_first_grant",
    )
    vary: dict[str, list[Any]] = Field(
        min_length=1,
        description="quoted dotted paths to value lists (grid) or [low, high] ranges (lhs), such as "
        '"members[Tajikistan].ratification.stall_probability" = [0, 0.25, 0.5]',
    )

    @model_validator(mode="after")
    def _check_design(self) -> SweepSpec:
        if self.design == "lhs" and self.samples is None:
            raise ValueError("design 'lhs' needs samples (the number of points to draw)")
        for path, values in self.vary.items():
            if not values:
                raise ValueError(f"vary.{path}: give at least one value (got [])")
        return self


# The file ---------------------------------------------------------------------------------------------------


class ScenarioSpec(_Sourced):
    """The whole file. Cross-references (names, bodies, dates in order) are checked by the loader."""

    name: str = Field(description="short name (the bundled file name)")
    title: str = Field(description="one-line title")
    description: str = Field(default="", description="a paragraph for people: what question the scenario answers")
    start: dt.date = Field(description="day 0 of the simulation")
    horizon: dt.date = Field(description="the last simulated day, after start")
    organization: OrganizationSpec = Field(description="the organization: its bodies, review and consensus")
    instrument: InstrumentSpec = Field(description="the decision that creates the statuses")
    members: list[MemberSpec] = Field(min_length=1, description="the member states")
    candidates: list[CandidateSpec] = Field(default=[], description="states and organizations that may apply")
    drivers: list[DriverSpec] = Field(
        default=[], description="things that move several parameters at once, when they act"
    )
    sweep: SweepSpec | None = Field(
        default=None, description="what `cstosim sweep FILE` varies when no --vary is given (the simulation ignores it)"
    )

    def build(self, sources: dict[str, str]) -> m.Scenario:
        from types import MappingProxyType

        return m.Scenario(
            name=self.name,
            title=self.title,
            start=self.start,
            horizon=self.horizon,
            organization=self.organization.built,
            instrument=self.instrument.built,
            members=tuple(member.built for member in self.members),
            candidates=tuple(candidate.built for candidate in self.candidates),
            drivers=tuple(driver.built for driver in self.drivers),
            description=self.description,
            sources=MappingProxyType(sources),
        )


# Sources files ----------------------------------------------------------------------------------------------


class QuoteSpec(_Spec):
    topic: Annotated[c.Topic, Field(strict=False)]
    text: Description

    def build(self) -> c.Quote:
        return c.Quote(self.topic, self.text)


class DocumentSpec(_Spec):
    """One document that scenario sources may cite by ``id``, with short verbatim quotes."""

    id: Annotated[str, Field(pattern=r"^\S(.*\S)?$")]
    file: Description
    title: str = ""
    published: dt.date | None = None
    quotes: list[QuoteSpec] = []

    def build(self, root: Path | None) -> c.Document:
        location = (root / self.file).resolve() if root is not None else None
        quotes = tuple(quote.build() for quote in self.quotes)
        return c.Document(self.id, self.file, self.title, self.published, quotes, location)


class SourcesFileSpec(_Spec):
    """A sources file (``sources.toml`` beside scenario files): ``root`` and ``[[documents]]``."""

    root: str = Field(default=".", description="the folder document files are relative to, relative to this file")
    documents: list[DocumentSpec] = Field(min_length=1)

    def build(self, folder: Path | None) -> c.Catalogue:
        root = folder / self.root if folder is not None else None
        return c.Catalogue(tuple(document.build(root) for document in self.documents))


def collect_sources(spec: BaseModel, path: str = "") -> dict[str, str]:
    """Every ``source`` in the file, keyed by the path of its table (``members[2].ratification``)."""
    found: dict[str, str] = {}
    if isinstance(spec, _Sourced) and spec.source:
        found[path or "scenario"] = spec.source
    for name, value in spec.__dict__.items():
        child = f"{path}.{name}" if path else name
        if isinstance(value, BaseModel):
            found.update(collect_sources(value, child))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    found.update(collect_sources(item, f"{child}[{index}]"))
    return found

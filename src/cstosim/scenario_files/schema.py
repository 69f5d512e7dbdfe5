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

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from cstosim.model import citations as c
from cstosim.model import distributions as d
from cstosim.model import scenario as m
from cstosim.scenario_files.references import BodyId, CandidateName, MemberName, SessionBodyId, SessionDate


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


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
StatusValue = Annotated[m.Status, Field(strict=False)]

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
    deferral_probability: float = Field(
        default=0.0, description="chance that the deciding session defers the item to its next session"
    )
    max_deferrals: int = Field(default=0, description="deferrals in a row at most (>= 0)")

    def build(self) -> m.ReviewProcedure:
        return m.ReviewProcedure(
            tuple(stage.built for stage in self.stages),
            self.deciding_body,
            self.deferral_probability,
            self.max_deferrals,
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
    """``[[organization.statuses]]``: what a status means, for people; a list keyed by ``name`` (merged by name)."""

    name: StatusValue = Field(description="the status: partner or observer")
    description: Description = Field(description="what holding the status means, in the organization's words")

    def build(self) -> m.StatusDefinition:
        return m.StatusDefinition(self.name, self.description.strip())


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
    statuses: list[StatusDefinitionSpec] = Field(
        default=[], description="what each status means, for people (trace, diagrams); merged by name under extends"
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
            tuple(status.built for status in self.statuses),
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

    def build(self) -> m.Instrument:
        return m.Instrument(
            self.name,
            self.adopted_on,
            self.adopting_body,
            _distribution(self.drafting),
            self.requires_ratification,
            self.entry_into_force.built,
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


class StanceRuleSpec(_Checked):
    """A stance for the candidates that match every attribute given."""

    candidate: CandidateName | None = Field(default=None, description="only towards this candidate (its name)")
    kind: CandidateKindValue | None = Field(default=None, description="only towards candidates of this kind")
    status: StatusValue | None = Field(default=None, description="only towards candidates seeking this status")
    tag: str | None = Field(default=None, description="only towards candidates with this tag")
    support: float = Field(description="chance of supporting the candidate at a review")
    abstain: float = Field(description="chance of abstaining")
    object: float = Field(description="chance of objecting (one objection blocks)")

    def build(self) -> m.StanceRule:
        stance = m.Stance(self.support, self.abstain, self.object)
        return m.StanceRule(stance, self.candidate, self.kind, self.status, self.tag)


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

    def build(self) -> m.MemberState:
        return m.MemberState(
            self.name,
            self.ratification.built if self.ratification else None,
            self.stance.built,
            tuple(rule.built for rule in self.stance_rules),
            self.participation,
            tuple(change.built for change in self.participation_changes),
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

    def build(self) -> m.Criteria:
        return m.Criteria(
            self.un_member, tuple(self.no_relations_with), self.peaceful_settlement, self.conflicting_obligations
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


class CandidateSpec(_Checked):
    """A state or organization that may apply for a status."""

    name: str = Field(description="the state or organization (unique)")
    kind: CandidateKindValue = Field(description="state or organization")
    status: StatusValue = Field(description="the status sought: partner or observer")
    tags: list[str] = Field(default=[], description="labels that members' stance_rules can match")
    criteria: CriteriaSpec = Field(default=CriteriaSpec(), description="the admission criteria, as facts about it")
    application: ApplicationSpec = Field(default=ApplicationSpec(), description="whether and when it applies")
    reapplication: ReapplicationSpec = Field(
        default=ReapplicationSpec(), description="whether and when it applies again after a rejection"
    )

    def build(self) -> m.Candidate:
        return m.Candidate(
            self.name,
            self.kind,
            self.status,
            self.criteria.built,
            self.application.built,
            self.reapplication.built,
            tuple(self.tags),
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
    samples: int | None = Field(default=None, ge=1, description="points drawn with design lhs (required for lhs)")
    replications: int | None = Field(default=None, ge=1, description="replications per point (default 1000)")
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

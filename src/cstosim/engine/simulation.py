"""The SimPy engine: one replication of a scenario, from adoption to the horizon.

The instrument is adopted (on its recorded date, or by a process that waits for a drafting delay and the
adopting body's next session); each member state bound to ratify it runs its ratification as a SimPy process;
the depositary counts notifications and brings the instrument into force; each candidate runs a process that
carries its requests, one status of its path after another, through review, the agenda of the deciding body
(sessions that take the request up or defer it, withdrawals and returns) and the vote. Sessions are dated days
drawn a year at a time when a process first asks (``cstosim.engine.sessions``), so a process waits for a session
with one timeout, and a replication costs events in proportion to what happens, not to the length of the
horizon.

The politics that change over time are settled when the replication starts, as dated changes that the
processes read when they need them: participation, stances (on recorded dates or at random), membership
(accession, withdrawal), drivers acting on several parameters at once, candidates coming to meet the criteria.

Every random number is looked up by the key of the choice it decides (``cstosim.engine.draws``), never by its
position in a layout. ``Simulator(scenario).run(seed, replication)`` is the entry point: pure, no globals, no
printing, no files.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Generator, Iterable, Iterator
from statistics import NormalDist
from typing import Any, NamedTuple

import simpy

from cstosim.engine import draws as keys
from cstosim.engine.draws import Draws, KeyTable
from cstosim.engine.events import (
    Adopted,
    Applied,
    AwaitingInstrument,
    CriteriaMet,
    Deferred,
    DriverActed,
    EnteredIntoForce,
    Event,
    FoundInadmissible,
    Granted,
    MemberJoined,
    MemberLeft,
    ParticipationChanged,
    RatificationStageCompleted,
    RatificationStalled,
    Ratified,
    Reviewed,
    ReviewStageCompleted,
    Revived,
    StanceChanged,
    StatusLost,
    Withdrawn,
)
from cstosim.engine.random_numbers import DrawKey, RandomNumbers
from cstosim.engine.result import ReplicationResult
from cstosim.engine.sessions import SessionPlan, Sessions
from cstosim.model.distributions import Distribution, Fixed
from cstosim.model.rules import (
    Vote,
    cast_vote,
    criteria_failures,
    decide,
    moved_towards_support,
    notifications_for_entry_into_force,
)
from cstosim.model.scenario import (
    Candidate,
    ConsensusPolicy,
    DriverTarget,
    EntryIntoForceRule,
    MemberState,
    Participation,
    Scenario,
    Stance,
    StanceChange,
    StatusDefinition,
    yearly_rate,
)

Process = Generator[simpy.Event, Any, None]

APPLICATIONS_AHEAD = 1  # applications per candidate and status whose keys are computed ahead for every replication
SESSIONS_AHEAD = 4  # sessions per application whose take-up keys are computed ahead
DAYS_PER_YEAR = 365.25
# The work one replication may do: sessions waited through, applications, votes cast. The scenario limits
# (cstosim.model.limits) bound each of these, but not their product (200 candidates re-applying 1000 times at
# weekly sessions for a century); a bundled scenario needs under a thousand steps, this budget about a second.
MAX_STEPS = 50_000
_NORMAL = NormalDist()
_DAY = operator.attrgetter("day")
_NEVER = math.inf
_ABSTAINS = Stance(0.0, 1.0, 0.0)  # how a new member votes when the file does not say


def run_replication(scenario: Scenario, seed: int, replication: int = 0) -> ReplicationResult:
    """Simulate replication ``replication`` of ``scenario`` under root seed ``seed``, with the whole event log.

    The milestones are those of row ``replication`` of any run of ``scenario`` with that seed.
    """
    return Simulator(scenario, detail=True).run(seed, replication)


def origin_day(scenario: Scenario) -> int:
    """The first simulated day: the start, or the adoption date if that is earlier."""
    adopted_on = scenario.instrument.adopted_on
    return min(0, scenario.day(adopted_on)) if adopted_on is not None else 0


def delay(distribution: Distribution, draws: Draws, key: DrawKey) -> float:
    """A delay drawn for ``key``; a fixed delay draws nothing (its quantile ignores the number)."""
    if type(distribution) is Fixed:
        return distribution.days
    return distribution.quantile(draws[key])


def frailty_factor(spread: float, u: float) -> float:
    """The shared factor ``exp(spread * Z)`` on every member's ratification delays, ``Z`` standard normal from
    the uniform ``u`` (inverse transform)."""
    return math.exp(spread * _NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12))) if spread > 0 else 1.0


def exponential_days(per_year: float, u: float) -> float:
    """Days until an event with a yearly chance ``per_year`` (inverse transform of the exponential law)."""
    rate = yearly_rate(per_year)
    if rate == 0:
        return _NEVER
    if math.isinf(rate):
        return 0.0
    return -math.log1p(-u) / rate * DAYS_PER_YEAR


# What a simulator prepares once per scenario ---------------------------------------------------------------


class _MemberPlan(NamedTuple):
    """What a replication needs of a member state's ratification, with the columns of its keys."""

    member_index: int
    name: str
    stages: tuple[tuple[str, Distribution, int], ...]  # stage name, delay, column of its key
    stall_probability: float
    stall_column: int
    stall_stage_column: int
    ratified_day: int | None  # a recorded notification (then no stage is drawn)
    bound: bool  # must ratify the instrument


class _ParticipationChange(NamedTuple):
    state: Participation
    on_day: int | None  # a change on a known day; else with ``probability`` after ``after``
    after: Distribution | None
    probability: float
    happens: DrawKey
    delay: DrawKey


class _StanceChangePlan(NamedTuple):
    change: StanceChange
    on_day: int | None
    key: DrawKey  # when a random change happens
    towards: str  # the candidates concerned, in words


class _ReviewStagePlan(NamedTuple):
    body: str
    delay: Distribution
    at_session: bool
    visit: int  # 1 for the first stage at this body, 2 for the second, ...


class _ApplicationKeys(NamedTuple):
    """The keys of one application's choices (for ``Draws`` lookups on the hot path)."""

    stages: tuple[DrawKey, ...]  # one per review stage
    votes: tuple[DrawKey, ...]  # one per member, in member order
    reapplies: DrawKey
    reapplication_delay: DrawKey


class _Step:
    """One status of a candidate's path: how it is decided, and the keys of its applications' choices."""

    __slots__ = (
        "_applications",
        "_members",
        "_stages",
        "candidate",
        "consensus",
        "deciding_body",
        "definition",
        "failures",
        "stances",
        "take_up",
    )

    def __init__(
        self,
        scenario: Scenario,
        candidate: Candidate,
        definition: StatusDefinition,
        stages: tuple[_ReviewStagePlan, ...],
    ) -> None:
        organization = scenario.organization
        self.candidate = candidate.name
        self.definition = definition
        self.deciding_body = definition.deciding_body or organization.review.deciding_body
        self.consensus: ConsensusPolicy = definition.consensus or organization.consensus
        self.take_up = (
            definition.take_up_probability
            if definition.take_up_probability is not None
            else organization.agenda.take_up_probability
        )
        self.failures = criteria_failures(candidate, definition, [m.name for m in scenario.members])
        self.stances = tuple(member.stance_towards(candidate, definition.name) for member in scenario.members)
        self._members = tuple(member.name for member in scenario.members)
        self._stages = stages
        self._applications: dict[int, _ApplicationKeys] = {}

    @property
    def status(self) -> str:
        return self.definition.name

    def application(self, number: int) -> _ApplicationKeys:
        """The keys of application ``number`` for this status (1 for the first)."""
        found = self._applications.get(number)
        if found is None:
            name, status = self.candidate, self.definition.name
            found = self._applications[number] = _ApplicationKeys(
                tuple(keys.review_stage_key(name, status, number, s.body, s.visit) for s in self._stages),
                tuple(keys.vote_key(name, status, number, member) for member in self._members),
                keys.reapplies_key(name, status, number),
                keys.reapplication_delay_key(name, status, number),
            )
        return found


class _CandidatePlan(NamedTuple):
    candidate: Candidate
    steps: tuple[_Step, ...]  # the statuses still to obtain, the first one first
    holds: str | None  # the status held at the start
    held_since: int | None
    starts_early: bool  # its process starts at the origin, not at entry into force
    eligible: bool  # meets the criteria of every step at the start


class _DriverPlan(NamedTuple):
    name: str
    probability: float
    on_day: int | None
    after: Distribution | None


class Simulator:
    """A scenario prepared for many replications: everything that does not depend on the random numbers.

    ``detail`` keeps the whole event log and every session up to the horizon in the results (for traces,
    timelines and facts about sessions or participation); without it a replication records only its milestones
    (adoption, ratifications, entry into force, applications, reviews, grants) and draws only the session
    years its processes ask about, which is what bulk runs need.
    """

    def __init__(self, scenario: Scenario, *, detail: bool = False) -> None:
        self.scenario = scenario
        self.detail = detail
        self.origin = origin_day(scenario)
        self.keys = table = KeyTable()
        instrument = scenario.instrument
        self.drafting = table.add(keys.drafting_key()) if instrument.drafting is not None else None
        self.entry_into_force_delay = table.add(keys.entry_into_force_delay_key())
        self.frailty = instrument.ratification_frailty
        self.frailty_column = table.add(keys.frailty_key()) if self.frailty > 0 else -1
        self.member_names = tuple(member.name for member in scenario.members)
        self.members = tuple(
            _member_plan(scenario, index, member, table) for index, member in enumerate(scenario.members)
        )
        self.bound_members = sum(plan.bound for plan in self.members)
        self.initial_participation = tuple(member.participation for member in scenario.members)
        self.participation_changes = {
            index: _participation_changes(scenario, member, table)
            for index, member in enumerate(scenario.members)
            if member.participation_changes
        }
        self.stance_changes = {
            index: _stance_changes(scenario, member, table)
            for index, member in enumerate(scenario.members)
            if member.stance_changes
        }
        self.memberships = tuple(
            (
                scenario.day(member.membership.joined_on) if member.membership.joined_on is not None else None,
                scenario.day(member.membership.left_on) if member.membership.left_on is not None else None,
                member.membership.withdrawal_per_year,
            )
            for member in scenario.members
        )
        for member in scenario.members:
            if member.membership.withdrawal_per_year > 0:
                table.add(keys.withdrawal_key(member.name))
        self.changes_membership = any(
            joined is not None or left is not None or per_year > 0 for joined, left, per_year in self.memberships
        )
        for driver in scenario.drivers:
            table.add_all((keys.driver_key(driver.name, "acts"), keys.driver_key(driver.name, "start")))
        self.support_drivers = any(
            effect.target is DriverTarget.SUPPORT for driver in scenario.drivers for effect in driver.effects
        )
        self.drivers = tuple(
            _DriverPlan(
                driver.name,
                driver.probability,
                scenario.day(driver.on) if driver.on is not None else None,
                driver.after,
            )
            for driver in scenario.drivers
        )
        visits: dict[str, int] = {}
        stages = []
        for stage in scenario.organization.review.stages:
            visits[stage.body] = visits.get(stage.body, 0) + 1
            stages.append(_ReviewStagePlan(stage.body, stage.delay, stage.at_session, visits[stage.body]))
        self.review_stages = tuple(stages)
        self.candidates = tuple(self._candidate_plan(candidate, table) for candidate in scenario.candidates)
        self.sessions = SessionPlan(scenario.organization.bodies, scenario.start, self.origin, scenario.horizon, table)
        self.notifications_required = (
            notifications_for_entry_into_force(instrument.entry_into_force, self.bound_members)
            if instrument.entry_into_force.rule is EntryIntoForceRule.LAST_NOTIFICATION
            else notifications_for_entry_into_force(instrument.entry_into_force, len(scenario.members))
        )
        self.only_ratifiers_vote = instrument.entry_into_force.rule is EntryIntoForceRule.RATIFIERS_ONLY

    def _candidate_plan(self, candidate: Candidate, table: KeyTable) -> _CandidatePlan:
        scenario = self.scenario
        path = scenario.organization.path_to(candidate.status)
        holds = candidate.holds
        held_names = [step.name for step in path]
        first = held_names.index(holds.status) + 1 if holds is not None and holds.status in held_names else 0
        steps = tuple(_Step(scenario, candidate, definition, self.review_stages) for definition in path[first:])
        name = candidate.name
        table.add_all((keys.applies_key(name), keys.application_delay_key(name)))
        for number, step in enumerate(steps):
            if number > 0 or holds is not None:
                table.add_all(
                    (keys.promotion_key(name, step.status, "applies"), keys.promotion_key(name, step.status, "delay"))
                )
            for application in range(1, min(candidate.max_applications, APPLICATIONS_AHEAD) + 1):
                application_keys = step.application(application)
                table.add_all(application_keys.stages)
                if step.take_up < 1:
                    sessions = range(1, SESSIONS_AHEAD + 1)
                    table.add_all(keys.take_up_key(name, step.status, application, k) for k in sessions)
                table.add_all(application_keys.votes)
                if self.scenario.organization.agenda.withdrawal_per_year > 0:
                    table.add(keys.agenda_withdrawal_key(name, step.status, application, 1))
                if application < candidate.max_applications:
                    table.add_all((application_keys.reapplies, application_keys.reapplication_delay))
        criteria = candidate.criteria
        if criteria.met_after is not None:
            table.add_all((keys.criteria_met_key(name, "happens"), keys.criteria_met_key(name, "delay")))
        starts_early = bool(candidate.requests) or (bool(steps) and not steps[0].definition.needs_instrument)
        return _CandidatePlan(
            candidate,
            steps,
            holds.status if holds is not None else None,
            scenario.day(holds.since) if holds is not None and holds.since is not None else None,
            starts_early,
            not any(step.failures for step in steps),
        )

    def frailty_factor(self, draws: Draws) -> float:
        """The factor that multiplies every member's ratification delays in this replication (1: none)."""
        return frailty_factor(self.frailty, draws.values[self.frailty_column]) if self.frailty > 0 else 1.0

    def draws(self, seed: int, replications: Iterable[int]) -> Iterator[Draws]:
        """Each replication's random numbers (which a forecast may condition before ``run_draws``)."""
        return iter(self.keys.draws(RandomNumbers(seed), replications))

    def run(self, seed: int, replication: int = 0) -> ReplicationResult:
        """Replication ``replication`` under root seed ``seed``."""
        return self.run_draws(next(self.draws(seed, [replication])))

    def run_many(self, seed: int, replications: Iterable[int]) -> Iterator[ReplicationResult]:
        """The given replications under root seed ``seed``, in order (their numbers computed a batch at a time)."""
        for draws in self.draws(seed, replications):
            yield self.run_draws(draws)

    def run_draws(self, draws: Draws) -> ReplicationResult:
        """Simulate with the given random numbers (``draws(seed, ...)``, perhaps conditioned by a forecast)."""
        return _Replication(self, draws).run()


def _member_plan(scenario: Scenario, index: int, member: MemberState, table: KeyTable) -> _MemberPlan:
    procedure = member.ratification
    bound = scenario.instrument.requires_ratification and scenario.bound_to_ratify(member)
    if procedure is None or not bound:
        return _MemberPlan(index, member.name, (), 0.0, -1, -1, None, False)
    if procedure.ratified_on is not None:
        return _MemberPlan(index, member.name, (), 0.0, -1, -1, scenario.day(procedure.ratified_on), True)
    stages = tuple(
        (stage.name, stage.delay, table.add(keys.ratification_stage_key(member.name, stage.name)))
        for stage in procedure.stages
    )
    return _MemberPlan(
        index,
        member.name,
        stages,
        procedure.stall_probability,
        table.add(keys.stall_key(member.name)),
        table.add(keys.stall_stage_key(member.name)),
        None,
        True,
    )


def _participation_changes(
    scenario: Scenario, member: MemberState, table: KeyTable
) -> tuple[_ParticipationChange, ...]:
    occurrences: dict[Participation, int] = {}
    changes = []
    for change in member.participation_changes:
        occurrences[change.state] = number = occurrences.get(change.state, 0) + 1
        happens = keys.participation_key(member.name, change.state.value, number, "happens")
        delay = keys.participation_key(member.name, change.state.value, number, "delay")
        on_day = scenario.day(change.on) if change.on is not None else None
        if on_day is None:
            table.add_all((happens, delay))
        changes.append(_ParticipationChange(change.state, on_day, change.after, change.probability, happens, delay))
    return tuple(changes)


def _stance_changes(scenario: Scenario, member: MemberState, table: KeyTable) -> tuple[_StanceChangePlan, ...]:
    occurrences: dict[str, int] = {}
    plans = []
    for change in member.stance_changes:
        towards = change.towards.describe()
        occurrences[towards] = number = occurrences.get(towards, 0) + (change.on is None)
        key = keys.stance_change_key(member.name, towards, number)
        if change.on is None:
            table.add(key)
        plans.append(
            _StanceChangePlan(change, scenario.day(change.on) if change.on is not None else None, key, towards)
        )
    return tuple(plans)


# One replication ---------------------------------------------------------------------------------------------


class ReplicationTooLarge(ValueError):
    """A replication that would do more than ``MAX_STEPS`` steps: the scenario asks too much of one history."""


class _Replication:
    """The state of one replication while its processes run."""

    def __init__(self, simulator: Simulator, draws: Draws) -> None:
        scenario = simulator.scenario
        self.simulator = simulator
        self.scenario = scenario
        self.draws = draws
        self.values = draws.values
        self.env = simpy.Environment(initial_time=simulator.origin)
        self.sessions = Sessions(simulator.sessions, draws)
        self.log: list[Event] | None = [] if simulator.detail else None
        self.steps = 0  # of the MAX_STEPS this replication may do
        self.adoption: Adopted | None = None
        self.ratifications: list[Ratified] = []
        self.stalled: list[str] = []
        self.entry_into_force: EnteredIntoForce | None = None
        self.applications: list[Applied] = []
        self.reviews: list[Reviewed] = []
        self.grants: list[Granted] = []
        self.required = simulator.notifications_required
        self._in_force: simpy.Event | None = None
        self.participation = self.plan_participation()
        self.stances = self.plan_stance_changes()
        self.membership = self.plan_membership() if simulator.changes_membership else None
        self.new_members: list[tuple[str, float, float, Stance]] = []  # candidates that became members: from, until
        self.drivers = self.plan_drivers() if simulator.drivers else ()

    def spend(self, steps: int) -> None:
        """Count ``steps`` of work; ``ReplicationTooLarge`` beyond ``MAX_STEPS``, so that no scenario, however
        large within the limits, holds a run (or a trace's event log) without end."""
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise ReplicationTooLarge(
                f"{self.scenario.name}: replication {self.draws.replication} of seed {self.draws.numbers.seed} takes "
                f"more than {MAX_STEPS:,} steps (sessions waited through, applications, votes) before the horizon: "
                "too much for one history; give fewer candidates, re-applications (max_times) or sessions, a "
                "shorter period, a higher take_up_probability or a lower withdrawal_per_year"
            )

    def note(self, event: Event) -> None:
        """Keep ``event`` in the log (only when the simulator records detail)."""
        if self.log is not None:
            self.log.append(event)

    def run(self) -> ReplicationResult:
        simulator, scenario, env = self.simulator, self.scenario, self.env
        instrument = scenario.instrument
        for plan in simulator.candidates:
            if plan.starts_early:
                env.process(self.pursue_status(plan))
        if instrument.adopted_on is not None and scenario.day(instrument.adopted_on) <= simulator.origin:
            self.adopt(None)
        else:
            env.process(self.adopt_instrument())
        horizon = scenario.horizon_day
        env.run(until=horizon + 1)
        log = sorted(self.log, key=_DAY) if self.log is not None else []
        end = horizon + 1  # the run covers the horizon's whole day: events before the next one happened
        if log and log[-1].day >= end:  # stages and applications laid out beyond the horizon did not happen
            log = [event for event in log if event.day < end]
        applications = self.applications
        if applications and max(a.day for a in applications) >= end:
            applications = [a for a in applications if a.day < end]
        sessions = None
        if simulator.detail:
            sessions = {body: self.sessions.until(body, horizon) for body in simulator.sessions.plans}
        return ReplicationResult(
            scenario=scenario.name,
            start=scenario.start,
            horizon_day=horizon,
            seed=self.draws.numbers.seed,
            replication=self.draws.replication,
            adoption=self.adoption,
            ratifications=tuple(self.ratifications),
            stalled=tuple(self.stalled),
            entry_into_force=self.entry_into_force,
            applications=tuple(sorted(applications, key=_DAY)),
            reviews=tuple(self.reviews),
            grants=tuple(self.grants),
            log=tuple(log),
            sessions=sessions,
        )

    def wait_until(self, day: float) -> simpy.Timeout:
        return self.env.timeout(max(day - self.env.now, 0))

    # Adoption, ratification, entry into force ----------------------------------------------------------------

    def adopt_instrument(self) -> Process:
        """Wait for the recorded adoption date, or for drafting and the adopting body's next session."""
        instrument = self.scenario.instrument
        body = instrument.adopting_body
        if instrument.adopted_on is not None:
            yield self.wait_until(self.scenario.day(instrument.adopted_on))
        else:
            assert instrument.drafting is not None and body is not None and self.simulator.drafting is not None
            yield self.env.timeout(instrument.drafting.quantile(self.values[self.simulator.drafting]))
            session = self.sessions.next_session(body, self.env.now)
            if session is None:
                return
            yield self.wait_until(session)
        self.adopt(body)

    def adopt(self, body: str | None) -> None:
        """Record the adoption and start what follows it: the ratifications, or entry into force at once."""
        self.adoption = Adopted(self.env.now, body)
        self.note(self.adoption)
        if not self.scenario.instrument.requires_ratification:
            self.env.process(self.enter_into_force(trigger=None))
            return
        frailty = self.simulator.frailty_factor(self.draws)
        for plan in self.simulator.members:
            if plan.bound:
                day = self.ratification_day(plan, frailty)
                left = self.left_day(plan.member_index)
                if day is not None and day < left:
                    self.env.process(self.ratify(plan, day))
                elif left < _NEVER:
                    self.env.process(self.leave_unratified(plan, left))

    def ratification_day(self, plan: _MemberPlan, frailty: float) -> float | None:
        """The day of the member's notification (its stages logged on their days), or ``None`` if it stalls.

        Nothing else in the model waits on a domestic stage, so the stages are laid out at once and the
        member's process sleeps until the notification: one event per member instead of one per stage. Every
        stage's delay is multiplied by the replication's shared ``frailty``.
        """
        if plan.ratified_day is not None:
            return float(plan.ratified_day)
        values, stages, log = self.values, plan.stages, self.log
        stall_at = -1
        if plan.stall_probability > 0 and values[plan.stall_column] < plan.stall_probability:
            stall_at = int(values[plan.stall_stage_column] * len(stages))
        day = self.env.now
        for number, (name, delay, column) in enumerate(stages):
            if number == stall_at:
                self.stalled.append(plan.name)
                if log is not None:
                    log.append(RatificationStalled(plan.name, name, day))
                return None
            day += delay.quantile(values[column]) * frailty
            if log is not None and number < len(stages) - 1:  # the last one ends with the notification
                log.append(RatificationStageCompleted(plan.name, name, day))
        return day

    def ratify(self, plan: _MemberPlan, day: float) -> Process:
        yield self.env.timeout(max(day - self.env.now, 0))
        ratified = Ratified(plan.name, self.env.now, plan.ratified_day is not None, len(self.ratifications) + 1)
        self.ratifications.append(ratified)
        self.note(ratified)
        if self.entry_into_force is None and ratified.notification_number == self.required:
            yield from self.enter_into_force(trigger=plan.name)

    def leave_unratified(self, plan: _MemberPlan, day: float) -> Process:
        """A member bound to ratify leaves first: the instrument no longer waits for its notification."""
        yield self.env.timeout(max(day - self.env.now, 0))
        rule = self.scenario.instrument.entry_into_force.rule
        if rule is EntryIntoForceRule.LAST_NOTIFICATION and self.entry_into_force is None:
            self.required -= 1
            if self.ratifications and len(self.ratifications) >= self.required:
                yield from self.enter_into_force(trigger=self.ratifications[-1].member)

    def enter_into_force(self, trigger: str | None) -> Process:
        rule = self.scenario.instrument.entry_into_force
        delay = rule.delay.quantile(self.values[self.simulator.entry_into_force_delay])
        if delay > 0:
            yield self.env.timeout(delay)
        self.entry_into_force = EnteredIntoForce(self.env.now, rule.rule.value, trigger)
        self.note(self.entry_into_force)
        if self._in_force is not None:
            self._in_force.succeed()
        for plan in self.simulator.candidates:
            if plan.starts_early or not plan.steps:
                continue
            eligible = self.eligible_from(plan)
            first_day = None
            if plan.holds is None and plan.candidate.request(plan.steps[0].status) is None:
                first_day = self.first_request_day(plan, eligible)
                if first_day is None:
                    continue  # it does not apply: no process
            self.env.process(self.pursue_status(plan, eligible, first_day))

    def in_force(self) -> simpy.Event:
        """The event of entry into force, for a request made before it (created when first needed)."""
        if self._in_force is None:
            self._in_force = self.env.event()
        return self._in_force

    # The politics, settled at the start as dated changes ---------------------------------------------------

    def plan_participation(self) -> dict[int, list[tuple[float, Participation]]]:
        """Each member's changes of participation in this replication (by member index), in the order of their
        days, and logged when they fall within the run; a change dated before the run applies from its start."""
        draws, origin, horizon = self.draws, self.simulator.origin, self.scenario.horizon_day
        planned: dict[int, list[tuple[float, Participation]]] = {}
        for index, changes in self.simulator.participation_changes.items():
            dated: list[tuple[float, int, Participation]] = []
            for number, change in enumerate(changes):
                if change.on_day is not None:
                    dated.append((max(float(change.on_day), origin), number, change.state))
                elif change.probability >= 1 or draws[change.happens] < change.probability:
                    assert change.after is not None
                    dated.append((max(change.after.quantile(draws[change.delay]), origin), number, change.state))
            dated.sort()
            planned[index] = [(day, state) for day, _, state in dated]
            member = self.simulator.member_names[index]
            if self.log is not None:
                self.log.extend(
                    ParticipationChanged(member, state, day) for day, _, state in dated if day < horizon + 1
                )
        return planned

    def participation_of(self, index: int, day: float) -> Participation:
        """Member ``index``'s participation on ``day`` (a change on that day already applies)."""
        state = self.simulator.initial_participation[index]
        for change_day, changed in self.participation.get(index, ()):
            if change_day > day:
                break
            state = changed
        return state

    def plan_stance_changes(self) -> dict[int, list[tuple[float, StanceChange]]]:
        """Each member's stance changes by day: recorded ones on their dates, random ones after an exponential
        time from the start (a yearly chance); logged when they fall within the run."""
        draws, origin, horizon = self.draws, self.simulator.origin, self.scenario.horizon_day
        planned: dict[int, list[tuple[float, StanceChange]]] = {}
        for index, plans in self.simulator.stance_changes.items():
            dated: list[tuple[float, int, _StanceChangePlan]] = []
            for number, plan in enumerate(plans):
                if plan.on_day is not None:
                    day = max(float(plan.on_day), origin)
                else:
                    assert plan.change.per_year is not None
                    day = max(origin, 0) + exponential_days(plan.change.per_year, draws[plan.key])
                dated.append((day, number, plan))
            dated.sort(key=lambda item: item[:2])
            planned[index] = [(day, plan.change) for day, _, plan in dated]
            if self.log is not None:
                member = self.simulator.member_names[index]
                self.log.extend(
                    StanceChanged(member, plan.towards, plan.change.stance, plan.change.reason, day)
                    for day, _, plan in dated
                    if day < horizon + 1
                )
        return planned

    def plan_membership(self) -> list[tuple[float, float]]:
        """Each member's (first day, last day + 1) as a member in this replication; joins and departures logged."""
        horizon = self.scenario.horizon_day
        spans = []
        for index, (joined, left, per_year) in enumerate(self.simulator.memberships):
            name = self.simulator.member_names[index]
            start = float(joined) if joined is not None else -_NEVER
            end = float(left) if left is not None else _NEVER
            if per_year > 0:
                withdrawal = max(self.simulator.origin, 0) + exponential_days(
                    per_year, self.draws[keys.withdrawal_key(name)]
                )
                end = min(end, max(withdrawal, start))
            spans.append((start, end))
            if joined is not None and self.simulator.origin <= joined < horizon + 1:
                self.note(MemberJoined(name, float(joined)))
            if self.simulator.origin <= end < horizon + 1:
                self.note(MemberLeft(name, end))
        return spans

    def left_day(self, index: int) -> float:
        return self.membership[index][1] if self.membership is not None else _NEVER

    def is_member(self, index: int, day: float) -> bool:
        if self.membership is None:
            return True
        start, end = self.membership[index]
        return start <= day < end

    def plan_drivers(self) -> tuple[float, ...]:
        """The day each driver starts acting in this replication (never, if it does not act)."""
        draws, origin = self.draws, max(self.simulator.origin, 0)
        starts = []
        for plan in self.simulator.drivers:
            day = _NEVER
            if plan.probability >= 1 or draws[keys.driver_key(plan.name, "acts")] < plan.probability:
                if plan.on_day is not None:
                    day = float(max(plan.on_day, self.simulator.origin))
                elif plan.after is not None:
                    day = origin + plan.after.quantile(draws[keys.driver_key(plan.name, "start")])
                else:
                    day = float(self.simulator.origin)
                if day < self.scenario.horizon_day + 1:
                    self.note(DriverActed(plan.name, day))
            starts.append(day)
        return tuple(starts)

    def driver_change(self, target: DriverTarget, candidate: Candidate, status: str, day: float) -> float:
        """What the drivers acting on ``day`` add to ``target`` for a request of ``candidate`` for ``status``."""
        total = 0.0
        for driver, start in zip(self.scenario.drivers, self.drivers, strict=True):
            if start <= day:
                for effect in driver.effects:
                    if effect.target is target and effect.towards.matches(candidate, status):
                        total += effect.change
        return total

    def stance_of(self, index: int, step: _Step, candidate: Candidate, day: float) -> Stance:
        """Member ``index``'s stance on ``day`` towards a request of ``candidate`` for ``step``'s status."""
        stance = step.stances[index]
        for change_day, change in self.stances.get(index, ()):
            if change_day > day:
                break
            if change.towards.matches(candidate, step.status):
                stance = change.stance
        if self.drivers and self.simulator.support_drivers:
            member = self.simulator.member_names[index]
            for driver, start in zip(self.scenario.drivers, self.drivers, strict=True):
                if start <= day:
                    for effect in driver.effects:
                        if (
                            effect.target is DriverTarget.SUPPORT
                            and effect.towards.matches(candidate, step.status)
                            and (not effect.members or member in effect.members)
                        ):
                            stance = moved_towards_support(stance, effect.change)
        return stance

    def eligible_from(self, plan: _CandidatePlan) -> float:
        """The day from which the candidate meets the criteria of its path (never: ``inf``)."""
        if plan.eligible:
            return -_NEVER
        criteria = plan.candidate.criteria
        name = plan.candidate.name
        if criteria.met_on is not None:
            day = float(max(self.scenario.day(criteria.met_on), self.simulator.origin))
        elif criteria.met_after is not None and (
            criteria.met_probability >= 1
            or self.draws[keys.criteria_met_key(name, "happens")] < criteria.met_probability
        ):
            day = max(self.simulator.origin, 0) + criteria.met_after.quantile(
                self.draws[keys.criteria_met_key(name, "delay")]
            )
        else:
            return _NEVER
        if day < self.scenario.horizon_day + 1:
            self.note(CriteriaMet(name, day))
        return day

    # Candidates -----------------------------------------------------------------------------------------------

    def first_request_day(self, plan: _CandidatePlan, eligible: float) -> float | None:
        """The day of the candidate's first request, drawn at random from now (entry into force, or the start,
        or the day it can be admitted if later), or ``None`` if it does not apply; its chance of applying is the
        chance as it stands on that day (drivers included)."""
        candidate, draws = plan.candidate, self.draws
        name = candidate.name
        base = max(self.env.now, 0.0, eligible if eligible < _NEVER else -_NEVER)
        day = base + delay(candidate.application.after, draws, keys.application_delay_key(name))
        chance = candidate.application.probability
        if self.drivers:
            chance += self.driver_change(DriverTarget.APPLICATION_PROBABILITY, candidate, plan.steps[0].status, day)
        return day if draws[keys.applies_key(name)] < chance else None

    def pursue_status(
        self, plan: _CandidatePlan, eligible: float | None = None, first_day: float | None = None
    ) -> Process:
        """One candidate's path: a request for each status in turn, the next once it holds the last (for the
        status's ``held_for``), until it holds the status it seeks, gives up, is refused for good, or loses one.

        ``eligible`` and ``first_day`` (the day of a random first request) are passed when already drawn."""
        env, draws = self.env, self.draws
        candidate = plan.candidate
        name = candidate.name
        if eligible is None:
            eligible = self.eligible_from(plan)
        holding: str | None = plan.holds
        since: float | None = plan.held_since
        for number, step in enumerate(plan.steps):
            self.spend(1)
            recorded = candidate.request(step.status)
            if recorded is not None:
                day = max(float(self.scenario.day(recorded.on)), self.simulator.origin)
            elif holding is None and number == 0:  # the first request, at random
                if first_day is None:
                    if step.definition.needs_instrument and self.entry_into_force is None:
                        yield self.in_force()  # counted from entry into force (a process started early)
                    first_day = self.first_request_day(plan, eligible)
                    if first_day is None:
                        return
                day = first_day
            else:  # the next step of the path, once the last is held long enough
                promotion = candidate.promotion
                if promotion.probability < 1 and (
                    draws[keys.promotion_key(name, step.status, "applies")] >= promotion.probability
                ):
                    return
                held_for = delay(step.definition.held_for, draws, keys.held_for_key(name, step.status))
                start = float(since) if since is not None else float(env.now)
                day = max(start + held_for, env.now) + promotion.after.quantile(
                    draws[keys.promotion_key(name, step.status, "delay")]
                )
            granted = yield from self.request(plan, step, day, eligible)
            if granted is None:
                return
            holding = step.status
            since = granted + delay(step.definition.effective_after, draws, keys.effective_key(name, step.status))
            lost = _NEVER
            if candidate.loss_per_year > 0:
                lost = since + exponential_days(candidate.loss_per_year, draws[keys.loss_key(name, step.status)])
                if lost < self.scenario.horizon_day + 1:
                    self.note(StatusLost(name, step.status, lost))
            if step.definition.membership:
                self.new_members.append((name, since, lost, candidate.member_stance or _ABSTAINS))
                if since < self.scenario.horizon_day + 1:
                    self.note(MemberJoined(name, since))
            if lost < _NEVER and number + 1 < len(plan.steps):
                yield env.timeout(max(lost - env.now, 0))
                return

    def request(
        self, plan: _CandidatePlan, step: _Step, day: float, eligible: float
    ) -> Generator[Any, Any, float | None]:
        """One status requested on ``day``: its applications through the review stages, the agenda and the vote.

        Returns the day the status was granted, or ``None``. The working stages interact with nothing else, so
        they are laid out at once (each logged on its day); the process sleeps only until the sessions that may
        take the request up, where the take-up, the withdrawal, the admission and the vote depend on the state
        of the organization at that time.
        """
        env, draws, sessions, log = self.env, self.draws, self.sessions, self.log
        candidate = plan.candidate
        name, status = candidate.name, step.status
        first_logged = False
        if step.definition.needs_instrument and self.entry_into_force is None:
            yield env.timeout(max(day - env.now, 0))
            if self.entry_into_force is None:  # still not in force on the day of the request: it waits
                applied = Applied(name, status, env.now, 1)
                self.applications.append(applied)
                if log is not None:
                    log.append(applied)
                    log.append(AwaitingInstrument(name, status, env.now))
                yield self.in_force()
                day = env.now
                first_logged = True
        not_before = day
        for attempt in range(1, candidate.max_applications + 1):
            self.spend(1 + len(self.simulator.review_stages))
            if not (attempt == 1 and first_logged):
                applied = Applied(name, status, day, attempt)
                self.applications.append(applied)
                if log is not None:
                    log.append(applied)
            if step.failures and day < eligible:
                if log is not None:
                    log.append(FoundInadmissible(name, day, step.failures))
                decided = False
                yield env.timeout(max(day - env.now, 0))
            else:
                application = step.application(attempt)
                for stage, key in zip(self.simulator.review_stages, application.stages, strict=True):
                    day += delay(stage.delay, draws, key)
                    if stage.at_session:
                        session = sessions.next_session(stage.body, day)
                        if session is None:
                            return None
                        day = session
                    if log is not None:
                        log.append(ReviewStageCompleted(name, stage.body, day, attempt, status))
                taken_up = yield from self.wait_on_agenda(plan, step, attempt, max(day, not_before))
                if not taken_up:
                    return None
                decided = self.decide_on(plan, step, attempt, application.votes)
                if decided:
                    return env.now
            reapplication = candidate.reapplication
            if attempt == candidate.max_applications or (
                draws[keys.reapplies_key(name, status, attempt)] >= reapplication.probability
            ):
                return None
            not_before = env.now + 1
            day = env.now + reapplication.after.quantile(draws[keys.reapplication_delay_key(name, status, attempt)])
            if step.failures and eligible < _NEVER:
                day = max(day, eligible)
            if step.failures and day < eligible:
                # found inadmissible again: no sooner than the next day, as a decision would be, so that
                # re-applications with no delay move through time instead of repeating at one instant
                day = max(day, not_before)
        return None

    def wait_on_agenda(
        self, plan: _CandidatePlan, step: _Step, attempt: int, ready: float
    ) -> Generator[Any, Any, bool]:
        """Wait from ``ready`` for a session that takes the request up (True), or until it is withdrawn for good
        or no session is left before the horizon (False)."""
        env, draws, sessions, log = self.env, self.draws, self.sessions, self.log
        candidate = plan.candidate
        name, status, body = candidate.name, step.status, step.deciding_body
        agenda = self.scenario.organization.agenda
        withdrawal = _NEVER
        round = 1
        if agenda.withdrawal_per_year > 0:
            u = draws[keys.agenda_withdrawal_key(name, status, attempt, round)]
            withdrawal = ready + exponential_days(agenda.withdrawal_per_year, u)
        session = sessions.next_session(body, ready)
        counted = 0
        while True:
            if session is None:
                return False
            if withdrawal < session:
                if log is not None:
                    log.append(Withdrawn(name, status, withdrawal, attempt))
                revives = agenda.revival_probability > 0 and (
                    draws[keys.revival_key(name, status, attempt, round, "happens")] < agenda.revival_probability
                )
                if not revives:
                    yield env.timeout(max(withdrawal - env.now, 0))
                    return False
                back = withdrawal + agenda.revival_after.quantile(
                    draws[keys.revival_key(name, status, attempt, round, "delay")]
                )
                if log is not None:
                    log.append(Revived(name, status, back, attempt))
                round += 1
                self.spend(3)  # two draws and a session looked up
                u = draws[keys.agenda_withdrawal_key(name, status, attempt, round)]
                withdrawal = back + exponential_days(agenda.withdrawal_per_year, u)
                session = sessions.next_session(body, back)
                continue
            yield env.timeout(session - env.now)
            counted += 1
            self.spend(1)
            chance = step.take_up
            if self.drivers:
                chance += self.driver_change(DriverTarget.TAKE_UP_PROBABILITY, candidate, status, env.now)
            if chance >= 1 or draws[keys.take_up_key(name, status, attempt, counted)] < chance:
                return True
            if log is not None:
                log.append(Deferred(name, body, env.now, attempt, status))
            session = sessions.next_session(body, env.now + 1)

    def decide_on(self, plan: _CandidatePlan, step: _Step, attempt: int, vote_keys: tuple[DrawKey, ...]) -> bool:
        """Take the votes at the deciding session and record the review; True if the status is granted."""
        candidate, draws, now, simulator = plan.candidate, self.draws, self.env.now, self.simulator
        self.spend(len(simulator.member_names) + len(self.new_members))
        bound = {r.member for r in self.ratifications} if simulator.only_ratifiers_vote else None
        changing = self.participation
        votes: dict[str, Vote] = {}
        for index, member in enumerate(simulator.member_names):
            if not self.is_member(index, now) or (bound is not None and member not in bound):
                continue  # not (or no longer) a member, or not bound by the instrument: not counted
            participation = (
                self.participation_of(index, now) if index in changing else simulator.initial_participation[index]
            )
            if participation is Participation.ACTIVE:
                stance = step.stances[index]
                if index in self.stances or (self.drivers and simulator.support_drivers):
                    stance = self.stance_of(index, step, candidate, now)
                vote = cast_vote(participation, stance, draws[vote_keys[index]])
            else:
                vote = cast_vote(participation, step.stances[index], 0.0)  # no choice to draw
            if vote is not None:
                votes[member] = vote
        for member, since, until, stance in self.new_members:
            if since <= now < until and member != candidate.name:
                key = keys.vote_key(candidate.name, step.status, attempt, member)
                votes[member] = cast_vote(Participation.ACTIVE, stance, draws[key]) or Vote.ABSTAIN
        decision = decide(votes, step.consensus)
        review = Reviewed(
            candidate.name,
            step.status,
            step.deciding_body,
            now,
            attempt,
            tuple(votes.items()),
            decision.granted,
            decision.reason,
        )
        self.reviews.append(review)
        self.note(review)
        if decision.granted:
            grant = Granted(candidate.name, step.status, now)
            self.grants.append(grant)
            self.note(grant)
        return decision.granted

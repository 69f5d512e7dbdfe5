"""The SimPy engine: one replication of a scenario, from adoption to the horizon.

The instrument is adopted (on its recorded date, or by a process that waits for a drafting delay and the
adopting body's next session); each member state that will notify runs its ratification as a SimPy process;
the depositary counts notifications and brings the instrument into force; then each candidate that applies runs
a process carrying its applications through review, deferral and the vote. Sessions are dated days drawn a
year at a time when a process first asks (``cstosim.engine.sessions``), so a process that must wait for a
session times out once until that day, never ticking through the calendar, and a replication costs events in
proportion to what happens, not to the length of the horizon.

Every random number is looked up by the key of the choice it decides (``cstosim.engine.draws``), never by its
position in a layout. Choices whose outcome is known without a process (a stalled ratification, a member's
changes of participation) are settled when the replication starts and logged on their days.

``Simulator(scenario).run(seed, replication)`` is the entry point: pure, no globals, no printing, no files.
"""

from __future__ import annotations

import operator
from collections.abc import Generator, Iterable, Iterator
from typing import Any, NamedTuple

import simpy

from cstosim.engine import draws as keys
from cstosim.engine.draws import Draws, KeyTable
from cstosim.engine.events import (
    Adopted,
    Applied,
    Deferred,
    EnteredIntoForce,
    Event,
    FoundInadmissible,
    Granted,
    ParticipationChanged,
    RatificationStageCompleted,
    RatificationStalled,
    Ratified,
    Reviewed,
    ReviewStageCompleted,
)
from cstosim.engine.random_numbers import DrawKey, RandomNumbers
from cstosim.engine.result import ReplicationResult
from cstosim.engine.sessions import SessionPlan, Sessions
from cstosim.model.distributions import Distribution
from cstosim.model.rules import Vote, cast_vote, criteria_failures, decide, notifications_for_entry_into_force
from cstosim.model.scenario import (
    Candidate,
    EntryIntoForceRule,
    MemberState,
    Participation,
    Scenario,
    Stance,
)

Process = Generator[simpy.Event, Any, None]

APPLICATIONS_AHEAD = 1  # applications per candidate whose keys are computed ahead for every replication
DEFERRALS_AHEAD = 2  # deferrals per application whose keys are computed ahead


def run_replication(scenario: Scenario, seed: int, replication: int = 0) -> ReplicationResult:
    """Simulate replication ``replication`` of ``scenario`` under root seed ``seed``, recording every session.

    The result is the row ``replication`` of any run of ``scenario`` with that seed.
    """
    return Simulator(scenario, detail=True).run(seed, replication)


def origin_day(scenario: Scenario) -> int:
    """The first simulated day: the start, or the adoption date if that is earlier."""
    adopted_on = scenario.instrument.adopted_on
    return min(0, scenario.day(adopted_on)) if adopted_on is not None else 0


class _MemberPlan(NamedTuple):
    """What a replication needs of a member state's ratification, with the columns of its keys."""

    name: str
    stages: tuple[tuple[str, Distribution, int], ...]  # stage name, delay, column of its key
    stall_probability: float
    stall_column: int
    stall_stage_column: int
    ratified_day: int | None  # a recorded notification (then no stage is drawn)


class _ParticipationChange(NamedTuple):
    state: Participation
    on_day: int | None  # a change on a known day; else with ``probability`` after ``after``
    after: Distribution | None
    probability: float
    happens: DrawKey
    delay: DrawKey


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


class _CandidatePlan:
    """What a replication needs of a candidate: its admission, stances, and the keys of its choices."""

    __slots__ = ("_applications", "_members", "_stages", "applies", "candidate", "delay", "failures", "stances")

    def __init__(
        self,
        candidate: Candidate,
        failures: tuple[str, ...],
        stances: tuple[Stance, ...],
        members: tuple[str, ...],
        stages: tuple[_ReviewStagePlan, ...],
    ) -> None:
        self.candidate = candidate
        self.failures = failures
        self.stances = stances  # one per member, in member order
        self.applies = keys.applies_key(candidate.name)
        self.delay = keys.application_delay_key(candidate.name)
        self._members = members
        self._stages = stages
        self._applications: dict[int, _ApplicationKeys] = {}

    def application(self, number: int) -> _ApplicationKeys:
        """The keys of application ``number`` (1 for the first)."""
        found = self._applications.get(number)
        if found is None:
            name = self.candidate.name
            found = self._applications[number] = _ApplicationKeys(
                tuple(keys.review_stage_key(name, number, s.body, s.visit) for s in self._stages),
                tuple(keys.vote_key(name, number, member) for member in self._members),
                keys.reapplies_key(name, number),
                keys.reapplication_delay_key(name, number),
            )
        return found


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
        self.member_names = tuple(member.name for member in scenario.members)
        self.members = tuple(_member_plan(scenario, member, table) for member in scenario.members)
        self.initial_participation = tuple(member.participation for member in scenario.members)
        self.participation_changes = {
            index: _participation_changes(scenario, member, table)
            for index, member in enumerate(scenario.members)
            if member.participation_changes
        }
        review = scenario.organization.review
        visits: dict[str, int] = {}
        stages = []
        for stage in review.stages:
            visits[stage.body] = visits.get(stage.body, 0) + 1
            stages.append(_ReviewStagePlan(stage.body, stage.delay, stage.at_session, visits[stage.body]))
        self.review_stages = tuple(stages)
        self.candidates = tuple(self._candidate_plan(candidate, table) for candidate in scenario.candidates)
        self.sessions = SessionPlan(scenario.organization.bodies, scenario.start, self.origin, scenario.horizon, table)
        self.notifications_required = notifications_for_entry_into_force(
            instrument.entry_into_force, len(scenario.members)
        )
        self.only_ratifiers_vote = instrument.entry_into_force.rule is EntryIntoForceRule.RATIFIERS_ONLY

    def _candidate_plan(self, candidate: Candidate, table: KeyTable) -> _CandidatePlan:
        members = self.scenario.members
        plan = _CandidatePlan(
            candidate,
            criteria_failures(candidate, self.member_names),
            tuple(member.stance_towards(candidate) for member in members),
            self.member_names,
            self.review_stages,
        )
        table.add_all((plan.applies, plan.delay))
        review = self.scenario.organization.review
        for number in range(1, min(candidate.max_applications, APPLICATIONS_AHEAD) + 1):
            application = plan.application(number)
            table.add_all(application.stages)
            if review.deferral_probability > 0:
                deferrals = min(review.max_deferrals, DEFERRALS_AHEAD)
                table.add_all(keys.deferral_key(candidate.name, number, d) for d in range(1, deferrals + 1))
            table.add_all(application.votes)
            if number < candidate.max_applications:
                table.add_all((application.reapplies, application.reapplication_delay))
        return plan

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


def _member_plan(scenario: Scenario, member: MemberState, table: KeyTable) -> _MemberPlan:
    procedure = member.ratification
    if procedure is None:
        return _MemberPlan(member.name, (), 0.0, -1, -1, None)
    if procedure.ratified_on is not None:
        return _MemberPlan(member.name, (), 0.0, -1, -1, scenario.day(procedure.ratified_on))
    stages = tuple(
        (stage.name, stage.delay, table.add(keys.ratification_stage_key(member.name, stage.name)))
        for stage in procedure.stages
    )
    return _MemberPlan(
        member.name,
        stages,
        procedure.stall_probability,
        table.add(keys.stall_key(member.name)),
        table.add(keys.stall_stage_key(member.name)),
        None,
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
        self.participation = self.plan_participation()
        self.adoption: Adopted | None = None
        self.ratifications: list[Ratified] = []
        self.stalled: list[str] = []
        self.entry_into_force: EnteredIntoForce | None = None
        self.applications: list[Applied] = []
        self.reviews: list[Reviewed] = []
        self.grants: list[Granted] = []

    def run(self) -> ReplicationResult:
        simulator, scenario, env = self.simulator, self.scenario, self.env
        instrument = scenario.instrument
        if instrument.adopted_on is not None and scenario.day(instrument.adopted_on) <= simulator.origin:
            self.adopt(None)
        else:
            env.process(self.adopt_instrument())
        horizon = scenario.horizon_day
        env.run(until=horizon + 1)
        log = sorted(self.log, key=_DAY) if self.log is not None else []
        if log and log[-1].day > horizon:  # stages and applications laid out beyond the horizon did not happen
            log = [event for event in log if event.day <= horizon]
        applications = self.applications
        if applications and max(a.day for a in applications) > horizon:
            applications = [a for a in applications if a.day <= horizon]
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

    # Adoption and ratification --------------------------------------------------------------------------------

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
        if self.log is not None:
            self.log.append(self.adoption)
        if not self.scenario.instrument.requires_ratification:
            self.env.process(self.enter_into_force(trigger=None))
            return
        for plan in self.simulator.members:
            day = self.ratification_day(plan)
            if day is not None:
                self.env.process(self.ratify(plan, day))

    def ratification_day(self, plan: _MemberPlan) -> float | None:
        """The day of the member's notification (its stages logged on their days), or ``None`` if it stalls.

        Nothing else in the model waits on a domestic stage, so the stages are laid out at once and the
        member's process sleeps until the notification: one event per member instead of one per stage.
        """
        if plan.ratified_day is not None:
            return float(plan.ratified_day)
        values, stages = self.values, plan.stages
        stall_at = -1
        if plan.stall_probability > 0 and values[plan.stall_column] < plan.stall_probability:
            stall_at = int(values[plan.stall_stage_column] * len(stages))
        day = self.env.now
        for number, (name, delay, column) in enumerate(stages):
            if number == stall_at:
                self.stalled.append(plan.name)
                if self.log is not None:
                    self.log.append(RatificationStalled(plan.name, name, day))
                return None
            day += delay.quantile(values[column])
            if self.log is not None and number < len(stages) - 1:  # the last one ends with the notification
                self.log.append(RatificationStageCompleted(plan.name, name, day))
        return day

    def ratify(self, plan: _MemberPlan, day: float) -> Process:
        yield self.env.timeout(max(day - self.env.now, 0))
        ratified = Ratified(plan.name, self.env.now, plan.ratified_day is not None, len(self.ratifications) + 1)
        self.ratifications.append(ratified)
        if self.log is not None:
            self.log.append(ratified)
        if ratified.notification_number == self.simulator.notifications_required:
            yield from self.enter_into_force(trigger=plan.name)

    def enter_into_force(self, trigger: str | None) -> Process:
        rule = self.scenario.instrument.entry_into_force
        delay = rule.delay.quantile(self.values[self.simulator.entry_into_force_delay])
        if delay > 0:
            yield self.env.timeout(delay)
        self.entry_into_force = EnteredIntoForce(self.env.now, rule.rule.value, trigger)
        if self.log is not None:
            self.log.append(self.entry_into_force)
        draws = self.draws
        for plan in self.simulator.candidates:
            if draws[plan.applies] < plan.candidate.application.probability:
                self.env.process(self.pursue_status(plan))

    # Participation --------------------------------------------------------------------------------------------

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
                self.log.extend(ParticipationChanged(member, state, day) for day, _, state in dated if day <= horizon)
        return planned

    def participation_of(self, index: int, day: float) -> Participation:
        """Member ``index``'s participation on ``day`` (a change on that day already applies)."""
        state = self.simulator.initial_participation[index]
        for change_day, changed in self.participation.get(index, ()):
            if change_day > day:
                break
            state = changed
        return state

    # Candidates -----------------------------------------------------------------------------------------------

    def pursue_status(self, plan: _CandidatePlan) -> Process:
        """One candidate's applications, each through the review stages to the deciding sessions and the vote.

        The working stages of a review interact with nothing else, so they are laid out at once, as a member's
        domestic stages are (each logged on its day); the process sleeps only until the sessions that take the
        request up, where the deferral and the vote depend on the state of the organization at that time.
        """
        env, draws, sessions, log = self.env, self.draws, self.sessions, self.log
        candidate = plan.candidate
        name, status = candidate.name, candidate.status
        review = self.scenario.organization.review
        deciding = review.deciding_body
        day = max(env.now, 0) + candidate.application.after.quantile(draws[plan.delay])
        not_before = day  # a re-application is never decided at the session that rejected the last one
        for attempt in range(1, candidate.max_applications + 1):
            applied = Applied(name, status, day, attempt)
            self.applications.append(applied)
            if log is not None:
                log.append(applied)
            if plan.failures:
                if log is not None:
                    log.append(FoundInadmissible(name, day, plan.failures))
                return
            application = plan.application(attempt)
            for stage, key in zip(self.simulator.review_stages, application.stages, strict=True):
                day += stage.delay.quantile(draws[key])
                if stage.at_session:
                    session = sessions.next_session(stage.body, day)
                    if session is None:
                        return
                    day = session
                if log is not None:
                    log.append(ReviewStageCompleted(name, stage.body, day, attempt))
            session = sessions.next_session(deciding, max(day, not_before))
            taken_up = 0
            while True:
                if session is None:
                    return
                yield env.timeout(session - env.now)
                taken_up += 1
                if (
                    taken_up > review.max_deferrals
                    or review.deferral_probability <= 0
                    or draws[keys.deferral_key(name, attempt, taken_up)] >= review.deferral_probability
                ):
                    break
                if log is not None:
                    log.append(Deferred(name, deciding, env.now, attempt))
                session = sessions.next_session(deciding, env.now + 1)
            if self.decide_on(plan, attempt, application.votes):
                return
            reapplication = candidate.reapplication
            if attempt == candidate.max_applications or draws[application.reapplies] >= reapplication.probability:
                return
            not_before = env.now + 1
            day = env.now + reapplication.after.quantile(draws[application.reapplication_delay])

    def decide_on(self, plan: _CandidatePlan, attempt: int, vote_keys: tuple[DrawKey, ...]) -> bool:
        """Take the votes at the deciding session and record the review; True if the status is granted."""
        candidate, draws, now, simulator = plan.candidate, self.draws, self.env.now, self.simulator
        bound = {r.member for r in self.ratifications} if simulator.only_ratifiers_vote else None
        changing = self.participation
        votes: dict[str, Vote] = {}
        for index, member in enumerate(simulator.member_names):
            participation = (
                self.participation_of(index, now) if index in changing else simulator.initial_participation[index]
            )
            if bound is not None and member not in bound:
                continue  # not bound by the instrument: not counted
            if participation is Participation.ACTIVE:
                vote = cast_vote(participation, plan.stances[index], draws[vote_keys[index]])
            else:
                vote = cast_vote(participation, plan.stances[index], 0.0)  # no choice to draw
            if vote is not None:
                votes[member] = vote
        decision = decide(votes, self.scenario.organization.consensus)
        review = Reviewed(
            candidate.name,
            candidate.status,
            self.scenario.organization.review.deciding_body,
            now,
            attempt,
            tuple(votes.items()),
            decision.granted,
            decision.reason,
        )
        self.reviews.append(review)
        if self.log is not None:
            self.log.append(review)
        if decision.granted:
            grant = Granted(candidate.name, candidate.status, now)
            self.grants.append(grant)
            if self.log is not None:
                self.log.append(grant)
        return decision.granted


_DAY = operator.attrgetter("day")

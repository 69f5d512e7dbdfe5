"""The SimPy engine: one replication of a scenario, from adoption to the horizon.

One process adopts the instrument, one per member state runs its ratification procedure (and one follows its
participation where that changes), the depositary counts notifications and brings the instrument into force,
and one process per candidate carries its applications through review. Sessions are drawn up front as dated
days (``cstosim.model.calendar``); a process that must wait for a session times out once until that day, so a
replication costs events in proportion to what happens, not to the length of the horizon.

``run_replication`` is the only entry point: pure, no globals, no printing, no files.
"""

from __future__ import annotations

import bisect
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from cstosim.engine import draws as slots
from cstosim.engine.draws import DrawLayout, Draws
from cstosim.engine.result import (
    Adoption,
    Application,
    Deferral,
    EntryIntoForce,
    EventKind,
    Grant,
    Inadmissible,
    LogEntry,
    ParticipationChanged,
    Ratification,
    RatificationStageDone,
    RatificationStalled,
    Record,
    ReplicationResult,
    Review,
    ReviewStageDone,
)
from cstosim.model.calendar import calendar_plans, next_session
from cstosim.model.rules import Vote, cast_vote, criteria_failures, decide, notifications_for_entry_into_force
from cstosim.model.scenario import Candidate, EntryIntoForceRule, MemberState, Participation, Scenario

Seed = int | np.random.SeedSequence | np.random.Generator | None
Process = Generator[simpy.Event, Any, None]


def run_replication(scenario: Scenario, seed: Seed) -> ReplicationResult:
    """Simulate ``scenario`` once with the random numbers of ``seed`` and return every milestone."""
    return Simulator(scenario).run(seed)


def origin_day(scenario: Scenario) -> int:
    """The first simulated day: the start, or the adoption date if that is earlier."""
    adopted_on = scenario.instrument.adopted_on
    return min(0, scenario.day(adopted_on)) if adopted_on is not None else 0


class Simulator:
    """A scenario prepared for many replications: everything that does not depend on the random numbers.

    ``Simulator(scenario).run(seed)`` is ``run_replication(scenario, seed)``; keeping the simulator between
    replications saves the preparation (draw layout, calendar arithmetic, stances, admission criteria).
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.origin = origin_day(scenario)
        self.layout = DrawLayout.of(scenario, self.origin)
        last_year = self.layout.first_year + self.layout.years - 1
        self.calendars = calendar_plans(scenario.organization.bodies, scenario.start, self.layout.first_year, last_year)
        self.member_names = [member.name for member in scenario.members]
        self.stances = [[m.stance_towards(c) for m in scenario.members] for c in scenario.candidates]
        self.criteria_failures = [criteria_failures(c, self.member_names) for c in scenario.candidates]
        self.notifications_required = notifications_for_entry_into_force(
            scenario.instrument.entry_into_force, len(scenario.members)
        )
        self.only_ratifiers_vote = scenario.instrument.entry_into_force.rule is EntryIntoForceRule.RATIFIERS_ONLY

    def run(self, seed: Seed) -> ReplicationResult:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        return _Replication(self, Draws(self.layout, rng)).run()

    def run_draws(self, draws: Draws) -> ReplicationResult:
        """Simulate with uniforms already drawn (laid out by ``self.layout``), some of which a forecast has
        replaced by draws conditioned on the record; ``run(seed)`` is ``run_draws(Draws(layout, rng))``."""
        return _Replication(self, draws).run()


class _Replication:
    """The state of one replication while its processes run."""

    def __init__(self, simulator: Simulator, draws: Draws) -> None:
        scenario = simulator.scenario
        self.simulator = simulator
        self.scenario = scenario
        self.draws = draws
        self.env = simpy.Environment(initial_time=simulator.origin)
        self.sessions: dict[str, tuple[int, ...]] = {}
        for plan in simulator.calendars:
            followed = self.sessions[plan.follows] if plan.follows is not None else ()
            self.sessions[plan.body] = plan.draw(draws.calendars[plan.body], followed)
        self.attempt_width = simulator.layout.attempt_width
        self.participation = {member.name: member.participation for member in scenario.members}
        self.adopted = self.env.event()
        self.in_force = self.env.event()
        self.adoption: Adoption | None = None
        self.ratifications: list[Ratification] = []
        self.stalled: list[str] = []
        self.entry_into_force: EntryIntoForce | None = None
        self.applications: list[Application] = []
        self.reviews: list[Review] = []
        self.grants: list[Grant] = []
        self.log: list[LogEntry] = []

    def run(self) -> ReplicationResult:
        env, scenario = self.env, self.scenario
        env.process(self.adopt_instrument())
        for index, member in enumerate(scenario.members):
            if scenario.instrument.requires_ratification:
                env.process(self.ratify(member, index))
            if member.participation_changes:
                env.process(self.change_participation(member, index))
        for index, candidate in enumerate(scenario.candidates):
            env.process(self.pursue_status(candidate, index))
        horizon = scenario.horizon_day
        env.run(until=horizon + 1)
        return ReplicationResult(
            scenario=scenario.name,
            start=scenario.start,
            horizon_day=horizon,
            adoption=self.adoption,
            ratifications=tuple(self.ratifications),
            stalled=tuple(self.stalled),
            entry_into_force=self.entry_into_force,
            applications=tuple(self.applications),
            reviews=tuple(self.reviews),
            grants=tuple(self.grants),
            sessions={body: days[: bisect.bisect_right(days, horizon)] for body, days in self.sessions.items()},
            log=tuple(sorted((e for e in self.log if e.day <= horizon), key=_day_of)),
        )

    def record(self, kind: EventKind, record: Record) -> None:
        self.log.append(LogEntry(self.env.now, kind, record))

    def wait_until(self, day: float) -> simpy.Timeout:
        return self.env.timeout(max(day - self.env.now, 0))

    def adopt_instrument(self) -> Process:
        instrument, scenario = self.scenario.instrument, self.scenario
        body = instrument.adopting_body
        if instrument.adopted_on is not None:
            yield self.wait_until(scenario.day(instrument.adopted_on))
        else:
            assert instrument.drafting is not None and body is not None
            yield self.env.timeout(instrument.drafting.quantile(self.draws.instrument[slots.DRAFTING]))
            session = next_session(self.sessions[body], self.env.now)
            if session is None:
                return
            yield self.wait_until(session)
        self.adoption = Adoption(self.env.now, body)
        self.record(EventKind.ADOPTION, self.adoption)
        self.adopted.succeed()
        if not instrument.requires_ratification:
            yield from self.enter_into_force(trigger=None)

    def ratify(self, member: MemberState, index: int) -> Process:
        yield self.adopted
        procedure = member.ratification
        assert procedure is not None, "checked when the scenario is built"
        if procedure.ratified_on is not None:
            yield self.wait_until(self.scenario.day(procedure.ratified_on))
        else:
            # Nothing else in the model waits on a domestic stage, so the stages are laid out at once and the
            # process sleeps until the notification: one event per member instead of one per stage.
            u = self.draws.members[index]
            stages = procedure.stages
            stall_at = int(u[slots.STALL_STAGE] * len(stages)) if u[slots.STALL] < procedure.stall_probability else None
            day = self.env.now
            for number, stage in enumerate(stages):
                if number == stall_at:
                    self.stalled.append(member.name)
                    stalled = RatificationStalled(member.name, stage.name, day)
                    self.log.append(LogEntry(day, EventKind.RATIFICATION_STALLED, stalled))
                    return
                day += stage.delay.quantile(u[slots.FIRST_STAGE + number])
                if number < len(stages) - 1:  # the last stage ends with the notification, recorded below
                    done = RatificationStageDone(member.name, stage.name, day)
                    self.log.append(LogEntry(day, EventKind.RATIFICATION_STAGE, done))
            yield self.env.timeout(day - self.env.now)
        ratification = Ratification(
            member.name, self.env.now, procedure.ratified_on is not None, len(self.ratifications) + 1
        )
        self.ratifications.append(ratification)
        self.record(EventKind.RATIFICATION, ratification)
        if len(self.ratifications) == self.simulator.notifications_required:
            yield from self.enter_into_force(trigger=member.name)

    def enter_into_force(self, trigger: str | None) -> Process:
        rule = self.scenario.instrument.entry_into_force
        yield self.env.timeout(rule.delay.quantile(self.draws.instrument[slots.ENTRY_INTO_FORCE_DELAY]))
        self.entry_into_force = EntryIntoForce(self.env.now, rule.rule.value, trigger)
        self.record(EventKind.ENTRY_INTO_FORCE, self.entry_into_force)
        self.in_force.succeed()

    def change_participation(self, member: MemberState, index: int) -> Process:
        u = self.draws.members[index]
        planned: list[tuple[float, int, Participation]] = []
        for number, change in enumerate(member.participation_changes):
            slot = self.simulator.layout.participation_slot(number)
            if change.on is not None:
                planned.append((self.scenario.day(change.on), number, change.state))
            elif u[slot] < change.probability:
                assert change.after is not None
                planned.append((change.after.quantile(u[slot + 1]), number, change.state))
        for day, _, state in sorted(planned):
            yield self.wait_until(day)
            self.participation[member.name] = state
            self.record(EventKind.PARTICIPATION, ParticipationChanged(member.name, state, self.env.now))

    def pursue_status(self, candidate: Candidate, index: int) -> Process:
        yield self.in_force
        u = self.draws.candidates[index]
        if u[slots.APPLIES] >= candidate.application.probability:
            return
        start = max(self.env.now, 0)
        yield self.wait_until(start + candidate.application.after.quantile(u[slots.APPLICATION_DELAY]))
        review = self.scenario.organization.review
        failures = self.simulator.criteria_failures[index]
        for attempt in range(candidate.max_applications):
            a = slots.FIRST_ATTEMPT + attempt * self.attempt_width
            application = Application(candidate.name, candidate.status, self.env.now, attempt + 1)
            self.applications.append(application)
            self.record(EventKind.APPLICATION, application)
            if failures:
                self.record(EventKind.INADMISSIBLE, Inadmissible(candidate.name, self.env.now, failures))
                return
            for number, stage in enumerate(review.stages):
                yield self.env.timeout(stage.delay.quantile(u[a + number]))
                if stage.at_session:
                    session = next_session(self.sessions[stage.body], self.env.now)
                    if session is None:
                        return
                    yield self.wait_until(session)
                self.record(
                    EventKind.REVIEW_STAGE, ReviewStageDone(candidate.name, stage.body, self.env.now, attempt + 1)
                )
            deciding = self.sessions[review.deciding_body]
            session = next_session(deciding, self.env.now)
            deferral_slot = a + len(review.stages)
            for deferral in range(review.max_deferrals + 1):
                if session is None:
                    return
                yield self.wait_until(session)
                if deferral == review.max_deferrals or u[deferral_slot + deferral] >= review.deferral_probability:
                    break
                self.record(
                    EventKind.DEFERRAL, Deferral(candidate.name, review.deciding_body, self.env.now, attempt + 1)
                )
                session = next_session(deciding, self.env.now + 1)
            if self.decide_on(candidate, index, attempt):
                return
            reapplies = a + len(review.stages) + review.max_deferrals
            if attempt + 1 == candidate.max_applications or u[reapplies] >= candidate.reapplication.probability:
                return
            yield self.env.timeout(candidate.reapplication.after.quantile(u[reapplies + 1]))

    def decide_on(self, candidate: Candidate, index: int, attempt: int) -> bool:
        """Take the votes at the deciding session and record the review; True if the status is granted."""
        u = self.draws.votes[index][attempt]
        stances = self.simulator.stances[index]
        bound = {r.member for r in self.ratifications} if self.simulator.only_ratifiers_vote else None
        votes: dict[str, Vote] = {}
        for number, member in enumerate(self.simulator.member_names):
            participation = self.participation[member]
            if bound is not None and member not in bound:
                participation = Participation.SUSPENDED
            vote = cast_vote(participation, stances[number], u[number])
            if vote is not None:
                votes[member] = vote
        decision = decide(votes, self.scenario.organization.consensus)
        review = Review(
            candidate.name,
            candidate.status,
            self.scenario.organization.review.deciding_body,
            self.env.now,
            attempt + 1,
            tuple(votes.items()),
            decision.granted,
            decision.reason,
        )
        self.reviews.append(review)
        self.record(EventKind.REVIEW, review)
        if decision.granted:
            grant = Grant(candidate.name, candidate.status, self.env.now)
            self.grants.append(grant)
            self.record(EventKind.GRANT, grant)
        return decision.granted


def _day_of(entry: LogEntry) -> float:
    return entry.day

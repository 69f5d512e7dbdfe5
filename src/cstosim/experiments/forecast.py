"""Forecasts conditioned on the record: simulate what is still to come, given the facts known as of a date.

Two methods, and every forecast says which it used and how each fact was honoured:

``start`` (the default) starts each replication from the recorded state. Facts with a known date become
scenario data (adoption date, a member's notification as ``ratified_on``, a session on a fixed date, a change
of participation on its date). A member's ratification known only to lie in a window ("ratified by D", "had
not ratified by D") is drawn from its law conditioned on that window: the earlier domestic stages are drawn as
usual and kept with the probability that the last stage can still end in the window, and the last stage is
then drawn by inverse transform on the truncated law (``truncated_uniform``; with only a lower bound this is
``conditional_quantile``), so the draw is exactly the conditional one, stalls included. The facts that cannot
be imposed by construction (no grant by a date, entry into force, applications) are checked on each
replication's event log, and replications that contradict one are rejected: accepted/total is reported.

``reject`` runs the scenario unchanged and rejects every replication that contradicts any fact (rejection
sampling of the prior predictive; events with a known date match within ``tolerance_days``, which makes it
ABC). It needs no knowledge of the model and serves as a cross-check of ``start``, but it accepts few
replications when the record is long.

Random numbers: replication ``i`` uses the numbers of seed ``s`` and replication ``i`` as in ``run_replications``;
the redraws of a conditioned member have keys of their own, so a forecast is reproducible from its seed and the
acceptance of one replication never shifts another's draws.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from cstosim.engine import ReplicationResult, Simulator
from cstosim.engine import draws as keys
from cstosim.engine.draws import Draws
from cstosim.engine.events import ParticipationChanged
from cstosim.engine.random_numbers import DrawKey
from cstosim.experiments.replications import fresh_seed, result_row, rows_to_table
from cstosim.model.distributions import Distribution
from cstosim.model.facts import Fact, FactEvent, Record
from cstosim.model.scenario import Body, MemberState, ParticipationChange, Ratification, Scenario
from cstosim.scenario_files.facts import check_record

MAX_REDRAWS = 1000  # proposals per replication; beyond it the replication is rejected


class Method(StrEnum):
    START = "start"
    REJECT = "reject"


METHOD_STATEMENTS = {
    Method.START: (
        "started from the recorded state: dated facts fixed in the scenario, pending ratifications drawn from "
        "their laws conditioned on the record; the other facts checked on each replication (rejection)"
    ),
    Method.REJECT: (
        "rejection: the scenario run unchanged, every replication that contradicts a fact rejected "
        "(events with a known date must match within the record's tolerance_days)"
    ),
}


# Checking facts against a replication -----------------------------------------------------------------------


def event_days(fact: Fact, result: ReplicationResult) -> list[float]:
    """The days of the replication's events that the fact speaks about (empty if none happened)."""
    match fact.event:
        case FactEvent.ADOPTION:
            return [result.adoption.day] if result.adoption else []
        case FactEvent.RATIFICATION:
            return [r.day for r in result.ratifications if r.member == fact.member]
        case FactEvent.ENTRY_INTO_FORCE:
            return [result.entry_into_force.day] if result.entry_into_force else []
        case FactEvent.PARTICIPATION:
            return [
                event.day
                for event in result.log
                if isinstance(event, ParticipationChanged) and event.member == fact.member and event.state is fact.state
            ]
        case FactEvent.APPLICATION:
            return [a.day for a in result.applications if fact.candidate in (None, a.candidate)]
        case FactEvent.SESSION:
            assert result.sessions is not None, "facts about sessions need a simulator that records sessions"
            return [float(day) for day in result.sessions.get(fact.body or "", ())]
        case FactEvent.GRANT:
            return [g.day for g in result.grants if fact.candidate in (None, g.candidate)]
    raise AssertionError(f"unknown event {fact.event}")


def fact_holds(fact: Fact, result: ReplicationResult, tolerance_days: int = 0) -> bool:
    """Whether the replication agrees with the fact (dates compared as whole days from the start)."""
    day = (fact.date - result.start).days
    days = [math.floor(d) for d in event_days(fact, result)]
    if not fact.happened:
        return all(d > day for d in days)
    if fact.exact:
        return any(abs(d - day) <= tolerance_days for d in days)
    return any(d <= day for d in days)


# The start method: the recorded state as scenario data, and conditioned ratification draws -------------------


@dataclass(frozen=True)
class RatificationWindow:
    """A member's notification must fall on or after ``first_day`` and before ``end_day`` (days from start)."""

    member: int
    first_day: int | None
    end_day: int | None


@dataclass(frozen=True)
class Conditioning:
    """What the start method imposes: the scenario with the dated facts, and the ratification windows."""

    scenario: Scenario
    imposed: frozenset[int]  # indices into record.facts imposed by construction
    windows: tuple[RatificationWindow, ...]


def condition_scenario(scenario: Scenario, record: Record) -> Conditioning:
    """The scenario with every dated fact it can hold as data, and the ratification windows to draw within."""
    imposed: set[int] = set()
    instrument = scenario.instrument
    members = list(scenario.members)
    bodies = list(scenario.organization.bodies)
    for index, fact in enumerate(record.facts):
        if not (fact.happened and fact.exact):
            continue
        assert fact.on is not None
        if fact.event is FactEvent.ADOPTION:
            instrument = dataclasses.replace(instrument, adopted_on=fact.on, adopting_body=None, drafting=None)
            imposed.add(index)
        elif fact.event is FactEvent.RATIFICATION and instrument.requires_ratification:
            number = _member_index(members, fact.member)
            procedure = members[number].ratification
            assert procedure is not None, "the scenario checks that every member has a ratification"
            ratification = Ratification(procedure.stages, procedure.stall_probability, fact.on)
            members[number] = dataclasses.replace(members[number], ratification=ratification)
            imposed.add(index)
        elif fact.event is FactEvent.SESSION:
            number = next(i for i, body in enumerate(bodies) if body.id == fact.body)
            bodies[number] = _with_session(bodies[number], fact.on)
            imposed.add(index)
        elif fact.event is FactEvent.PARTICIPATION:
            assert fact.state is not None
            number = _member_index(members, fact.member)
            member = members[number]
            change = ParticipationChange(fact.state, on=fact.on)
            if change not in member.participation_changes:
                changes = (*member.participation_changes, change)
                members[number] = dataclasses.replace(member, participation_changes=changes)
            imposed.add(index)
    organization = dataclasses.replace(scenario.organization, bodies=tuple(bodies))
    conditioned = dataclasses.replace(
        scenario, instrument=instrument, members=tuple(members), organization=organization
    )

    windows = []
    if instrument.requires_ratification and instrument.adopted_on is not None:
        for number, member in enumerate(conditioned.members):
            if member.ratification is None or member.ratification.ratified_on is not None:
                continue
            first_day: int | None = None
            end_day: int | None = None
            for index, fact in enumerate(record.facts):
                if fact.event is not FactEvent.RATIFICATION or fact.member != member.name or fact.exact:
                    continue
                day = conditioned.day(fact.date)
                if fact.happened:  # notified on or before that day
                    end_day = day + 1 if end_day is None else min(end_day, day + 1)
                else:  # not notified on or before that day
                    first_day = day + 1 if first_day is None else max(first_day, day + 1)
                imposed.add(index)
            if first_day is not None or end_day is not None:
                windows.append(RatificationWindow(number, first_day, end_day))
    return Conditioning(conditioned, frozenset(imposed), tuple(windows))


def _member_index(members: Sequence[MemberState], name: str | None) -> int:
    return next(i for i, member in enumerate(members) if member.name == name)


def _with_session(body: Body, date: dt.date) -> Body:
    calendar = body.calendar
    assert calendar is not None, "facts about sessions name bodies with a calendar (check_record)"
    if date in calendar.fixed_dates or date in calendar.extraordinary_dates:
        return body
    fixed = tuple(sorted((*calendar.fixed_dates, date)))
    return dataclasses.replace(body, calendar=dataclasses.replace(calendar, fixed_dates=fixed))


def truncated_uniform(distribution: Distribution, u: float, low: float | None, high: float | None) -> float:
    """The uniform whose quantile is the draw ``u`` of ``distribution`` truncated to [``low``, ``high``).

    ``distribution.quantile(truncated_uniform(d, u, low, None))`` is ``low + conditional_quantile(d, u, low)``:
    the same inverse transform, with an upper bound as well.
    """
    floor = distribution.cdf(low) if low is not None and low > 0 else 0.0
    ceiling = distribution.cdf(high) if high is not None else 1.0
    return floor + u * (ceiling - floor)


def window_probability(distribution: Distribution, low: float | None, high: float | None) -> float:
    """The probability that a draw of ``distribution`` falls in [``low``, ``high``)."""
    floor = distribution.cdf(low) if low is not None and low > 0 else 0.0
    ceiling = distribution.cdf(high) if high is not None else 1.0
    return max(ceiling - floor, 0.0)


def condition_members(
    simulator: Simulator, draws: Draws, adoption_day: float, windows: Sequence[RatificationWindow]
) -> str | None:
    """Condition the ratification numbers in ``draws`` so that every windowed member notifies in its window;
    the name of a member whose window no proposal met within ``MAX_REDRAWS``, else ``None``.

    A proposal (the factor shared by every member's delays, and for each windowed member: stall or not, the
    earlier stages) is drawn from the prior and kept with the probability that every last stage ends in its
    window (the product over members, since the last stages are independent given the proposal); each last
    stage is then drawn from its truncated law by inverse transform. Keeping the proposal with that probability
    is what makes the result the exact joint conditional draw, the shared factor included. Proposals after the
    first take their numbers from keys of their own (``("forecast", proposal, ...)``).
    """
    scenario = simulator.scenario
    numbers, replication = draws.numbers, draws.replication
    members = [scenario.members[window.member] for window in windows]
    redrawn: list[DrawKey] = [keys.frailty_key()] if scenario.instrument.ratification_frailty > 0 else []
    for member in members:
        procedure = member.ratification
        assert procedure is not None and procedure.stages
        stage_keys = [keys.ratification_stage_key(member.name, stage.name) for stage in procedure.stages]
        redrawn += [keys.stall_key(member.name), keys.stall_stage_key(member.name), *stage_keys]
    for proposal in range(MAX_REDRAWS):
        if proposal > 0:
            for key in redrawn:
                draws.replace(key, numbers.uniform(replication, ("forecast", proposal, *key)))
        frailty = simulator.frailty_factor(draws)
        accept = 1.0
        truncations: list[tuple[DrawKey, Distribution, float | None, float | None]] = []
        for member, window in zip(members, windows, strict=True):
            procedure = member.ratification
            assert procedure is not None
            stages = procedure.stages
            stage_keys = [keys.ratification_stage_key(member.name, stage.name) for stage in procedure.stages]
            if draws[keys.stall_key(member.name)] < procedure.stall_probability:
                if window.end_day is not None:  # a stalled procedure never notifies: only "not by" is met
                    accept = 0.0
                    break
                continue
            before_last = adoption_day + frailty * sum(
                stage.delay.quantile(draws[key]) for stage, key in zip(stages[:-1], stage_keys, strict=False)
            )
            low = (window.first_day - before_last) / frailty if window.first_day is not None else None
            high = (window.end_day - before_last) / frailty if window.end_day is not None else None
            accept *= window_probability(stages[-1].delay, low, high)
            truncations.append((stage_keys[-1], stages[-1].delay, low, high))
        if accept <= 0 or numbers.uniform(replication, ("forecast", proposal, "accept")) >= accept:
            continue
        for key, delay, low, high in truncations:
            draws.replace(key, truncated_uniform(delay, draws[key], low, high))
        return None
    return members[0].name if members else None


# Running a forecast -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactCheck:
    """How one fact was honoured, and how many replications contradicted it (counted before rejection)."""

    fact: Fact
    imposed: bool
    contradicted: int


@dataclass(frozen=True)
class Forecast:
    """A conditioned experiment: every replication's row (``accepted`` marks the ones the forecast uses)."""

    scenario: Scenario  # as simulated (with the recorded state for the start method)
    record: Record
    method: Method
    seed: int
    table: pd.DataFrame
    checks: tuple[FactCheck, ...]
    results: tuple[ReplicationResult | None, ...] = ()  # kept only when asked (tests, teaching)

    @property
    def statement(self) -> str:
        return METHOD_STATEMENTS[self.method]

    @property
    def replications(self) -> int:
        return len(self.table)

    @property
    def accepted(self) -> int:
        return int(self.table["accepted"].sum())

    @property
    def accepted_table(self) -> pd.DataFrame:
        return self.table[self.table["accepted"]].reset_index(drop=True)


def run_forecast(
    scenario: Scenario,
    record: Record,
    replications: int,
    seed: int | None = None,
    *,
    method: Method | str = Method.START,
    as_of: dt.date | None = None,
    keep_results: bool = False,
) -> Forecast:
    """Simulate ``scenario`` ``replications`` times conditioned on ``record`` (as known on ``as_of``).

    Raises ``ScenarioError`` if the record names what the scenario lacks, ``ValueError`` for bad arguments.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1 (got {replications})")
    method = Method(method)
    if as_of is not None:
        record = record.known_on(as_of)
    check_record(record, scenario)
    root_seed = fresh_seed() if seed is None else seed
    if method is Method.START:
        conditioning = condition_scenario(scenario, record)
    else:
        conditioning = Conditioning(scenario, frozenset(), ())
    simulated = conditioning.scenario
    simulator = Simulator(simulated, detail=keep_results or _needs_detail(record))
    adopted_on = simulated.instrument.adopted_on
    adoption_day = simulated.day(adopted_on) if adopted_on is not None else 0
    contradicted = [0] * len(record.facts)
    rows: list[dict[str, Any]] = []
    kept: list[ReplicationResult | None] = []
    for draws in simulator.draws(root_seed, range(replications)):
        rejected_by = None
        if conditioning.windows:
            failed = condition_members(simulator, draws, adoption_day, conditioning.windows)
            if failed is not None:
                rejected_by = f"{failed}: no ratification draw in the recorded windows after {MAX_REDRAWS} tries"
        result = simulator.run_draws(draws)
        for index, fact in enumerate(record.facts):
            if not fact_holds(fact, result, record.tolerance_days):
                contradicted[index] += 1
                rejected_by = rejected_by or fact.describe()
        rows.append(
            {"replication": draws.replication, "accepted": rejected_by is None, "rejected_by": rejected_by}
            | result_row(simulated, result)
        )
        if keep_results:
            kept.append(result)
    table = rows_to_table(simulated, rows, root_seed)
    checks = tuple(
        FactCheck(fact, index in conditioning.imposed, contradicted[index]) for index, fact in enumerate(record.facts)
    )
    return Forecast(simulated, record, method, root_seed, table, checks, tuple(kept))


# The prior predictive distribution of the facts (for the calibration view) ----------------------------------


def run_prior_predictive(
    scenario: Scenario, record: Record, replications: int, seed: int | None = None
) -> pd.DataFrame:
    """The scenario run unchanged, and for each fact and replication the first day of the event it speaks about
    (``first_day``, days from the start, NaN if it did not happen by the horizon) and whether the fact ``holds``.

    One row per replication and fact: ``replication``, ``seed``, ``fact`` (its index in ``record.facts``),
    ``first_day``, ``holds``.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1 (got {replications})")
    check_record(record, scenario)
    root_seed = fresh_seed() if seed is None else seed
    simulator = Simulator(scenario, detail=_needs_detail(record))
    rows = []
    for replication, result in enumerate(simulator.run_many(root_seed, range(replications))):
        for index, fact in enumerate(record.facts):
            days = event_days(fact, result)
            if fact.event is FactEvent.SESSION and days:  # the session nearest the recorded date
                target = (fact.date - result.start).days
                first = min(days, key=lambda day: abs(day - target))
            else:
                first = min(days) if days else math.nan
            holds = fact_holds(fact, result, record.tolerance_days)
            rows.append((replication, root_seed, index, first, holds))
    table = pd.DataFrame.from_records(rows, columns=["replication", "seed", "fact", "first_day", "holds"])
    table["seed"] = table["seed"].astype(np.uint64)
    return table


def _needs_detail(record: Record) -> bool:
    """Whether checking the record needs the event log and the sessions (``Simulator(detail=True)``)."""
    return any(fact.event in (FactEvent.SESSION, FactEvent.PARTICIPATION) for fact in record.facts)

"""Conditioning a scenario on the record: what a forecast imposes by construction.

Two methods, and every forecast says which it used and how each fact was honoured:

``start`` (the default) starts each replication from the recorded state. Facts with a known date become
scenario data (adoption date, a member's notification as ``ratified_on``, a session on a fixed date, a change
of participation on its date): ``condition_scenario``. A member's ratification known only to lie in a window
("ratified by D", "had not ratified by D") is drawn from its law conditioned on that window
(``condition_members``): the earlier domestic stages are drawn as usual and kept with the probability that the
last stage can still end in the window, and the last stage is then drawn by inverse transform on the truncated
law (``truncated_uniform``; with only a lower bound this is ``conditional_quantile``), so the draw is exactly
the conditional one, stalls included. The facts that cannot be imposed by construction (no grant by a date,
entry into force, applications) are checked on each replication (``cstosim.experiments.fact_checks``), and
replications that contradict one are rejected.

``reject`` runs the scenario unchanged and rejects every replication that contradicts any fact (rejection
sampling of the prior predictive; events with a known date match within ``tolerance_days``, which makes it
ABC). It needs no knowledge of the model and serves as a cross-check of ``start``.

The redraws of a conditioned member have keys of their own, so a forecast is reproducible from its seed and
the acceptance of one replication never shifts another's draws. Running a forecast is
``cstosim.experiments.forecast``'s job.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from cstosim.engine import draws as keys
from cstosim.engine.draws import Draws
from cstosim.engine.random_numbers import DrawKey
from cstosim.engine.simulation import frailty_factor
from cstosim.model.distributions import Distribution
from cstosim.model.facts import FactEvent, Record
from cstosim.model.scenario import Body, MemberState, ParticipationChange, Ratification, Scenario

MAX_REDRAWS = 1000  # per conditioned member and replication; beyond it the replication is rejected


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
    scenario: Scenario, draws: Draws, adoption_day: float, windows: Sequence[RatificationWindow]
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
    numbers, replication = draws.numbers, draws.replication
    members = [scenario.members[window.member] for window in windows]
    spread = scenario.instrument.ratification_frailty
    redrawn: list[DrawKey] = [keys.frailty_key()] if spread > 0 else []
    for member in members:
        procedure = member.ratification
        assert procedure is not None and procedure.stages
        stage_keys = [keys.ratification_stage_key(member.name, stage.name) for stage in procedure.stages]
        redrawn += [keys.stall_key(member.name), keys.stall_stage_key(member.name), *stage_keys]
    for proposal in range(MAX_REDRAWS):
        if proposal > 0:
            for key in redrawn:
                draws.replace(key, numbers.uniform(replication, ("forecast", proposal, *key)))
        frailty = frailty_factor(spread, draws[keys.frailty_key()]) if spread > 0 else 1.0
        accept = 1.0
        truncations: list[tuple[DrawKey, Distribution, float | None, float | None]] = []
        for member, window in zip(members, windows, strict=True):
            procedure = member.ratification
            assert procedure is not None
            stages = procedure.stages
            stage_keys = [keys.ratification_stage_key(member.name, stage.name) for stage in stages]
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


def conditioning(scenario: Scenario, record: Record, method: Method) -> Conditioning:
    """What ``method`` imposes of ``record`` on ``scenario`` (nothing for rejection)."""
    if method is Method.START:
        return condition_scenario(scenario, record)
    return Conditioning(scenario, frozenset(), ())


def condition_draws(conditioning: Conditioning, draws: Draws) -> str | None:
    """Condition one replication's numbers on every ratification window; why it is rejected if one member has
    no draw in its window (``None``: conditioned)."""
    scenario = conditioning.scenario
    adopted_on = scenario.instrument.adopted_on
    adoption_day = scenario.day(adopted_on) if adopted_on is not None else 0
    if not conditioning.windows:
        return None
    failed = condition_members(scenario, draws, adoption_day, conditioning.windows)
    if failed is not None:
        return f"{failed}: no ratification draw in the recorded windows after {MAX_REDRAWS} tries"
    return None

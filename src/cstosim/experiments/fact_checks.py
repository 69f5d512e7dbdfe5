"""Checking the facts of a record against one replication: does its event log agree with what happened?

A fact speaks about events of one kind (an adoption, a member's ratification, a session of a body, a grant...)
and says that one happened on a date, by a date, or not by a date. ``fact_holds`` reads the replication's
events of that kind; dates are compared as whole days from the scenario's start, an exact date within the
record's ``tolerance_days``.
"""

from __future__ import annotations

import math

from cstosim.engine import ReplicationResult
from cstosim.engine.events import ParticipationChanged
from cstosim.model.facts import Fact, FactEvent, Record


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


def event_day(fact: Fact, result: ReplicationResult) -> float:
    """The day of the event the fact speaks about, for placing the fact in a distribution: the first such
    event, or for a session the one nearest the recorded date; NaN if none happened by the horizon."""
    days = event_days(fact, result)
    if not days:
        return math.nan
    if fact.event is FactEvent.SESSION:
        target = (fact.date - result.start).days
        return min(days, key=lambda day: abs(day - target))
    return min(days)


def needs_detail(record: Record) -> bool:
    """Whether checking the record needs the replication's event log and every session (``Simulator(detail=
    True)``): facts about sessions or about participation."""
    return any(fact.event in (FactEvent.SESSION, FactEvent.PARTICIPATION) for fact in record.facts)

"""Finding a history: the first replication of a seed in which something happens.

A condition is written as a short text, the same on the command line (``cstosim trace --where ...``), in the
explorer and in Python:

* ``granted`` -- some candidate is granted a status by the horizon;
* ``granted:NAME`` -- candidate NAME is granted the status it seeks;
* ``objects:MEMBER`` -- member state MEMBER objects at some review;
* ``deferred`` -- a session of the deciding body leaves a request pending (the agenda at work);
  ``deferred:NAME`` -- candidate NAME's request;
* ``never-in-force`` -- the instrument does not enter into force by the horizon.

Names are matched without regard to case. ``find_replication(scenario, seed, where)`` runs replications
``start, start + 1, ...`` of ``seed`` one at a time (each the same row as in any run with that seed) and stops
at the first in which every condition holds, or after ``limit`` replications.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cstosim.analysis.narration.rules import possessive
from cstosim.engine import events as e
from cstosim.engine import run_replication
from cstosim.engine.result import ReplicationResult
from cstosim.model.rules import Vote
from cstosim.model.scenario import Scenario

WHERE_SYNTAX = "granted, granted:CANDIDATE, objects:MEMBER, deferred, deferred:CANDIDATE or never-in-force"
DEFAULT_LIMIT = 1000


class ConditionError(ValueError):
    """A ``--where`` text that names no condition, or a candidate or member the scenario does not have."""


@dataclass(frozen=True)
class Condition:
    """Something a replication may show: ``kind`` is granted, objects, deferred or never-in-force; ``name`` whom."""

    kind: str
    name: str | None = None

    @property
    def text(self) -> str:
        """The condition as written (``granted:Iran``)."""
        return self.kind if self.name is None else f"{self.kind}:{self.name}"

    def describe(self) -> str:
        """The condition in words, for people."""
        if self.kind == "granted":
            return "a status is granted" if self.name is None else f"{self.name} is granted its status"
        if self.kind == "objects":
            return f"{self.name} objects at a review"
        if self.kind == "deferred":
            whose = "a request" if self.name is None else f"{possessive(self.name)} request"
            return f"a session leaves {whose} pending"
        return "the instrument never enters into force"

    def first_event(self, result: ReplicationResult) -> int | None:
        """Index in ``result.log`` of the event that shows the condition; ``None`` if it does not hold.

        ``never-in-force`` has no event: it holds with the last index of the log (the history as a whole).
        """
        if self.kind == "never-in-force":
            return None if result.entry_into_force is not None else max(len(result.log) - 1, 0)
        for index, entry in enumerate(result.log):
            granted = isinstance(entry, e.Granted) and self.name in (None, entry.candidate)
            objected = isinstance(entry, e.Reviewed) and self.name in entry.members_voting(Vote.OBJECT)
            deferred = isinstance(entry, e.Deferred) and self.name in (None, entry.candidate)
            if (
                (self.kind == "granted" and granted)
                or (self.kind == "objects" and objected)
                or (self.kind == "deferred" and deferred)
            ):
                return index
        return None


def parse_condition(text: str, scenario: Scenario) -> Condition:
    """The condition written in ``text``; ``ConditionError`` (one line, with what is allowed) if there is none."""
    kind, colon, name = (part.strip() for part in text.strip().partition(":"))
    kind = kind.lower()
    if kind in ("granted", "deferred", "never-in-force") and not colon:
        return Condition(kind)
    if kind in ("granted", "objects", "deferred"):
        by_candidate = kind != "objects"
        names = [c.name for c in scenario.candidates] if by_candidate else [m.name for m in scenario.members]
        what = "candidate" if by_candidate else "member state"
        if not name:
            raise ConditionError(f"{text!r}: give a {what} after '{kind}:' (in {scenario.name}: {_list(names)})")
        for known in names:
            if known.lower() == name.lower():
                return Condition(kind, known)
        raise ConditionError(f"{text!r}: no {what} {name!r} in {scenario.name} (there are: {_list(names)})")
    raise ConditionError(f"{text!r}: not a condition (use {WHERE_SYNTAX})")


def _list(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none"


@dataclass(frozen=True)
class Found:
    """The outcome of a search: the first matching replication, if any, and how many were run."""

    conditions: tuple[Condition, ...]
    seed: int
    start: int
    searched: int
    replication: int | None = None
    result: ReplicationResult | None = None
    event: int | None = None  # index in ``result.log`` where the last of the conditions first shows

    @property
    def found(self) -> bool:
        return self.replication is not None

    def describe(self) -> str:
        """One sentence: which replication matched, or how many were searched in vain."""
        what = " and ".join(condition.describe() for condition in self.conditions)
        last = self.start + self.searched - 1
        span = f"replication {self.start}" if self.searched == 1 else f"replications {self.start} to {last}"
        if self.replication is not None:
            return (
                f"Replication {self.replication} of seed {self.seed} is the first where {what} "
                f"({self.searched:,} searched)."
            )
        return f"No replication of seed {self.seed} where {what}: searched {self.searched:,} ({span})."


def find_replication(
    scenario: Scenario,
    seed: int,
    where: str | Condition | Sequence[str | Condition],
    *,
    limit: int = DEFAULT_LIMIT,
    start: int = 0,
) -> Found:
    """The first replication of ``seed`` (from ``start``, at most ``limit`` of them) where every condition holds.

    ``where`` is a condition text such as ``"objects:Armenia"``, a ``Condition``, or several (all must hold).
    """
    if limit < 1:
        raise ValueError(f"limit must be >= 1 (got {limit})")
    items = [where] if isinstance(where, (str, Condition)) else list(where)
    if not items:
        raise ConditionError(f"give at least one condition ({WHERE_SYNTAX})")
    conditions = tuple(c if isinstance(c, Condition) else parse_condition(c, scenario) for c in items)
    for searched, replication in enumerate(range(start, start + limit), start=1):
        result = run_replication(scenario, seed, replication)
        events = [condition.first_event(result) for condition in conditions]
        if all(event is not None for event in events):
            event = max(event for event in events if event is not None)
            return Found(conditions, seed, start, searched, replication, result, event)
    return Found(conditions, seed, start, limit)

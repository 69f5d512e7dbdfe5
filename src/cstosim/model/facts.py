"""The record: what is known about a process as of a date, as plain data (no files, no engine).

A ``Fact`` says that an event happened (on a known date, or by a date when only an upper bound is known) or
that it had not happened by a date. Forecasts condition the simulation on a ``Record`` of facts; the
calibration view asks how likely each fact was before it was known. Facts are stated about the events the
engine produces (adoption, a member's ratification, entry into force, a change of participation, an
application, a session of a body, a grant), so that every fact can be checked against a replication.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from cstosim.model.scenario import Participation


class FactEvent(StrEnum):
    """The kinds of event a fact can be about."""

    ADOPTION = "adoption"
    RATIFICATION = "ratification"  # a member's notification to the depositary
    ENTRY_INTO_FORCE = "entry_into_force"
    PARTICIPATION = "participation"  # a member's participation changed to ``state``
    APPLICATION = "application"
    SESSION = "session"  # a body met
    GRANT = "grant"


@dataclass(frozen=True)
class Fact:
    """One thing the record says, with its source.

    ``happened`` with ``on``: the event happened on that date. ``happened`` with ``by``: it happened on or
    before that date (the exact date is not known). Not ``happened`` (always with ``by``): it had not happened
    on or before that date. ``candidate`` left out of an application or grant fact means "any candidate".
    """

    event: FactEvent
    happened: bool
    source: str
    on: dt.date | None = None
    by: dt.date | None = None
    member: str | None = None
    candidate: str | None = None
    body: str | None = None
    state: Participation | None = None

    def __post_init__(self) -> None:
        if (self.on is None) == (self.by is None):
            raise ValueError(f"give either on or by (got on={self.on}, by={self.by})")
        if not self.happened and self.on is not None:
            raise ValueError(f"a fact about what did not happen takes by, not on (got on={self.on})")

    @property
    def date(self) -> dt.date:
        """The date the fact speaks about (``on`` or ``by``)."""
        date = self.on if self.on is not None else self.by
        assert date is not None, "checked in __post_init__"
        return date

    @property
    def exact(self) -> bool:
        """True for an event with a known date."""
        return self.on is not None

    def describe(self) -> str:
        """The fact in a few words: ``Tajikistan had not ratified by 2020-05-26``."""
        subject = {
            FactEvent.ADOPTION: "the instrument was adopted",
            FactEvent.RATIFICATION: f"{self.member} ratified",
            FactEvent.ENTRY_INTO_FORCE: "the instrument entered into force",
            FactEvent.PARTICIPATION: f"{self.member} became {self.state}",
            FactEvent.APPLICATION: f"{self.candidate or 'a candidate'} applied",
            FactEvent.SESSION: f"{self.body} met",
            FactEvent.GRANT: f"{self.candidate or 'a candidate'} was granted a status",
        }[self.event]
        if self.happened:
            return f"{subject} {'on' if self.exact else 'by'} {self.date}"
        negative = {
            FactEvent.ADOPTION: "the instrument had not been adopted",
            FactEvent.RATIFICATION: f"{self.member} had not ratified",
            FactEvent.ENTRY_INTO_FORCE: "the instrument was not in force",
            FactEvent.PARTICIPATION: f"{self.member} had not become {self.state}",
            FactEvent.APPLICATION: f"{self.candidate or 'no candidate'} had {'not ' if self.candidate else ''}applied",
            FactEvent.SESSION: f"{self.body} had not met",
            FactEvent.GRANT: f"{self.candidate or 'no candidate'} had {'not ' if self.candidate else ''}been granted "
            "a status",
        }[self.event]
        return f"{negative} by {self.date}"


@dataclass(frozen=True)
class Record:
    """The facts known as of ``as_of``.

    ``tolerance_days`` is how far a simulated event may fall from a recorded date and still count as that
    event, for the facts a forecast can only check over replications (rejection), not impose.
    """

    title: str
    as_of: dt.date
    facts: tuple[Fact, ...]
    tolerance_days: int = 0
    file: str = "<record>"

    def __post_init__(self) -> None:
        if self.tolerance_days < 0:
            raise ValueError(f"tolerance_days must be >= 0 (got {self.tolerance_days})")
        for fact in self.facts:
            if fact.date > self.as_of:
                raise ValueError(f"fact dated after as_of ({self.as_of}): {fact.describe()}")

    def known_on(self, as_of: dt.date) -> Record:
        """The record as it stood on an earlier date: only the facts dated on or before it."""
        if as_of > self.as_of:
            raise ValueError(f"as_of must not be after the record's date ({self.as_of}) (got {as_of})")
        kept = tuple(fact for fact in self.facts if fact.date <= as_of)
        return Record(self.title, as_of, kept, self.tolerance_days, self.file)

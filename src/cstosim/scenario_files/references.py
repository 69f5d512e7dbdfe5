"""Types that say what a value of a scenario file refers to: another item of the file, or a day of the simulation.

A string field typed with one of the names below (``with_body: SessionBodyId``) must name an item of another
list of the file. The loader checks every such field on the table as read, wherever it is, and offers the
closest existing name for a misspelt one; a key added to the format with one of these types is checked
without any other change.

Every date of a file must be on or before the horizon (the simulation never reaches a later one). A date before
the first simulated day is a record of the past that holds from the start on (a member absent since 2023, a
status held since 2010), except a ``SessionDate``: a session before the first simulated day never happens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated


@dataclass(frozen=True)
class RefersTo:
    """A string that names an item of the list at ``collection``, by the item's ``key``.

    ``what`` says in the message what must be named; ``needs`` is a key the named item must have (a body whose
    sessions are awaited must have a ``calendar``); ``defaults`` are the names of the items a file that lists none
    has (the statuses partner and observer).
    """

    collection: tuple[str, ...]
    key: str
    what: str
    needs: str | None = None
    defaults: tuple[str, ...] = ()  # the names it may take when the file lists no such item


BodyId = Annotated[str, RefersTo(("organization", "bodies"), "id", "a body in organization.bodies")]
SessionBodyId = Annotated[str, RefersTo(("organization", "bodies"), "id", "a body with a calendar", "calendar")]
MemberName = Annotated[str, RefersTo(("members",), "name", "a member state")]
CandidateName = Annotated[str, RefersTo(("candidates",), "name", "a candidate")]


@dataclass(frozen=True)
class WithinPeriod:
    """A date that counts only within the simulated period, from the first simulated day to the horizon."""


SessionDate = Annotated[dt.date, WithinPeriod()]

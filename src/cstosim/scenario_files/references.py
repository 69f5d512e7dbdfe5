"""Names in a scenario file that refer to other items of the same file: a body by its id, a state by its name.

A string field typed with one of the names below (``with_body: SessionBodyId``) must name an item of another
list of the file. The loader checks every such field on the table as read, wherever it is, and offers the
closest existing name for a misspelt one; a key added to the format with one of these types is checked
without any other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated


@dataclass(frozen=True)
class RefersTo:
    """A string that names an item of the list at ``collection``, by the item's ``key``.

    ``what`` says in the message what must be named; ``needs`` is a key the named item must have (a body whose
    sessions are awaited must have a ``calendar``).
    """

    collection: tuple[str, ...]
    key: str
    what: str
    needs: str | None = None


BodyId = Annotated[str, RefersTo(("organization", "bodies"), "id", "a body in organization.bodies")]
SessionBodyId = Annotated[str, RefersTo(("organization", "bodies"), "id", "a body with a calendar", "calendar")]
MemberName = Annotated[str, RefersTo(("members",), "name", "a member state")]
CandidateName = Annotated[str, RefersTo(("candidates",), "name", "a candidate")]

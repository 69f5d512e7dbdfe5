"""The documents a scenario's sources cite, their short verbatim quotes, and how a source text names them.

A scenario's ``source`` texts are free text ("seeds 000 and 003: ...; public record, 2018-11-08"). The documents
they may cite come from a catalogue (a sources file beside the scenario files), each with an ``id`` that the texts
use: a numbered id such as ``seed 003``, which texts may group (``seeds 000 and 003``, ``seeds 000-004``), or a
path such as ``docs/domain.md``, which texts may follow with sections (``docs/domain.md sections 1 and 2.5``).
Each quote backs one ``Topic``, a rule of the process, so that a trace shows under a rule only the quotes about
it, and only from documents the scenario's own source for that rule cites.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path


class Topic(StrEnum):
    """The rules of the process a quote can back (the keys of the rules in a trace)."""

    ADOPTION = "adoption"
    RATIFICATION = "ratification"
    ENTRY_INTO_FORCE = "entry_into_force"
    REVIEW = "review"
    STATUSES = "statuses"
    CRITERIA = "criteria"
    CONSENSUS = "consensus"
    PARTICIPATION = "participation"
    STANCES = "stances"
    MEMBERSHIP = "membership"
    DRIVERS = "drivers"


@dataclass(frozen=True)
class Quote:
    topic: Topic
    text: str  # verbatim from the document


@dataclass(frozen=True)
class Document:
    """One document that source texts may cite by ``id``; ``file`` is its path as people should look it up."""

    id: str
    file: str
    title: str = ""
    published: dt.date | None = None
    quotes: tuple[Quote, ...] = ()
    location: Path | None = None  # the file on this machine, when the catalogue was read from disk

    def quotes_on(self, topic: Topic) -> tuple[Quote, ...]:
        return tuple(quote for quote in self.quotes if quote.topic is topic)


@dataclass(frozen=True)
class Reference:
    """One citation found in a source text: the document id it names, and the section if it names one."""

    document_id: str
    section: str | None = None

    def __str__(self) -> str:
        return self.document_id if self.section is None else f"{self.document_id} section {self.section}"


_NUMBERED_ID = re.compile(r"^(?P<kind>[A-Za-z]+) (?P<number>\d+)$")
_LIST_SEPARATOR = r"\s*(?:,|and|-|\u2013)\s*"
_SECTION = r"\d+(?:\.\d+)*"


@dataclass(frozen=True)
class Catalogue:
    """The documents a scenario may cite. Empty for a scenario without a sources file: nothing is then cited."""

    documents: tuple[Document, ...] = ()

    def __post_init__(self) -> None:
        ids = [document.id for document in self.documents]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"document ids must be unique (got {', '.join(map(repr, repeated))} more than once)")

    def __bool__(self) -> bool:
        return bool(self.documents)

    def document(self, document_id: str) -> Document | None:
        return self._by_id.get(document_id)

    def extended_by(self, other: Catalogue) -> Catalogue:
        """This catalogue with ``other``'s documents added; ``other`` wins where both have an id."""
        mine = {document.id: document for document in self.documents}
        mine.update({document.id: document for document in other.documents})
        return Catalogue(tuple(mine.values()))

    def references(self, text: str) -> tuple[Reference, ...]:
        """Every citation of a catalogued kind of document in ``text``, in order, whether catalogued or not.

        ``seeds 000 and 003`` gives ``seed 000`` and ``seed 003`` (and ``seed 007`` if written, though not
        catalogued, so that a typo can be reported); ``docs/domain.md sections 1 and 2.5`` gives two sections.
        """
        found: list[tuple[int, Reference]] = []
        for kind, pattern in self._numbered_patterns.items():
            for match in pattern.finditer(text):
                found += [(match.start(), Reference(f"{kind} {number}")) for number in _numbers(match["numbers"])]
        for document_id, pattern in self._named_patterns.items():
            for match in pattern.finditer(text):
                sections = re.findall(_SECTION, match["sections"]) if match["sections"] else [None]
                found += [(match.start(), Reference(document_id, section)) for section in sections]
        found.sort(key=lambda item: item[0])
        return tuple(dict.fromkeys(reference for _, reference in found))

    def cited(self, text: str) -> tuple[Document, ...]:
        """The catalogued documents ``text`` cites, each once, in order of first citation."""
        documents = (self.document(reference.document_id) for reference in self.references(text))
        return tuple(dict.fromkeys(document for document in documents if document is not None))

    def unknown(self, text: str) -> tuple[Reference, ...]:
        """Citations in ``text`` of documents the catalogue does not have (``seed 007`` when only 000-004 are)."""
        return tuple(ref for ref in self.references(text) if self.document(ref.document_id) is None)

    @cached_property
    def _by_id(self) -> dict[str, Document]:
        return {document.id: document for document in self.documents}

    @cached_property
    def _numbered_patterns(self) -> dict[str, re.Pattern[str]]:
        """For each kind of numbered id (``seed``), a pattern for it and its lists, numbers of the ids' widths."""
        widths: dict[str, set[int]] = {}
        for document in self.documents:
            numbered = _NUMBERED_ID.match(document.id)
            if numbered:
                widths.setdefault(numbered["kind"], set()).add(len(numbered["number"]))
        patterns = {}
        for kind, sizes in widths.items():
            # A number has exactly an id's width, so that "seed 000 (2020-03-06)" never reads 2020 as a seed.
            number = "(?:" + "|".join(rf"\d{{{size}}}" for size in sorted(sizes, reverse=True)) + r")(?!\d)"
            patterns[kind] = re.compile(
                rf"\b{re.escape(kind)}s?\s+(?P<numbers>{number}(?:{_LIST_SEPARATOR}{number})*)", re.IGNORECASE
            )
        return patterns

    @cached_property
    def _named_patterns(self) -> dict[str, re.Pattern[str]]:
        patterns = {}
        for document in self.documents:
            if not _NUMBERED_ID.match(document.id):
                patterns[document.id] = re.compile(
                    rf"(?<![\w/.-]){re.escape(document.id)}(?![\w/-])"
                    rf"(?:,?\s+sections?\s+(?P<sections>{_SECTION}(?:\s*(?:,|and)\s*{_SECTION})*))?"
                )
        return patterns


def _numbers(listed: str) -> Iterator[str]:
    """``000 and 003`` gives 000, 003; a range ``000-004`` gives every number from 000 to 004."""
    for match in re.finditer(r"(\d+)(?:\s*[-\u2013]\s*(\d+))?", listed):
        first, last = match.group(1), match.group(2)
        if last is None:
            yield first
        else:
            for value in range(int(first), int(last) + 1):
                yield f"{value:0{len(first)}d}"


class DateBasis(StrEnum):
    """What a date written in a scenario file (a ``ratified_on``, a request's ``on``) rests on, read from its source.

    The label a trace, a timeline or a report puts on such a date, so that an assumption never reads as a fact.
    """

    RECORDED = "recorded"  # the source is the public record or a document: the date happened
    ASSUMED = "assumed"  # the source says the date is an assumption
    KNOWN_BY = "known by then"  # the date of a statement that says it had happened: an upper bound
    UNSOURCED = "no source given"  # the file gives the date without a source


# A source that takes the date of a statement (or a report, an article) for the event, or calls its date an upper
# bound: the event happened on that date or before it.
_KNOWN_BY = re.compile(
    r"\bdate of (?:that|the|this) (?:statement|report|article|announcement)\b[^.;]*\bused\b|\bupper bound\b",
    re.IGNORECASE,
)
# A source that starts with "assumption", or says that the date is assumed.
_ASSUMED = re.compile(r"^\s*assumption\b|\bis assumed\b|\bassumed date\b", re.IGNORECASE)


def date_basis(source: str | None) -> DateBasis:
    """How far a date with this source is a fact: ``KNOWN_BY`` if the source says the date is that of a statement
    (``"... so the date of that statement is used"``) or an upper bound, ``ASSUMED`` if it starts with
    ``assumption`` or says the date is assumed, ``UNSOURCED`` without a source, else ``RECORDED`` (public record,
    a document)."""
    if not source or not source.strip():
        return DateBasis.UNSOURCED
    if _KNOWN_BY.search(source):
        return DateBasis.KNOWN_BY
    if _ASSUMED.search(source):
        return DateBasis.ASSUMED
    return DateBasis.RECORDED

"""A told replication (``Trace``) and its renderings: text for the terminal, markdown for documents, json for programs.

The text is short by default, for a student: the dated events in sentences, then the outcome, candidate by
candidate. With sources (``cstosim trace --sources``), and always in markdown and json, every event also names
the rules it applied by number (R1, R2, ..., in the order the trace states them) and the source of the parameter
that produced it, and the rules follow with their sources and quotes (each with the file it comes from, so that a
reader can check it).
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cstosim.analysis.narration.events import Outcome, TraceEvent, words
from cstosim.analysis.narration.rules import Rule

FORMATS = ("text", "markdown", "json")


@dataclass(frozen=True)
class Trace:
    """One replication as a cited story: the rules, the dated events, the outcome."""

    scenario: str
    title: str
    organization: str
    seed: int | None
    replication: int | None
    start: dt.date
    horizon: dt.date
    rules: tuple[Rule, ...]
    events: tuple[TraceEvent, ...]
    outcome: Outcome

    def rule(self, key: str) -> Rule:
        for rule in self.rules:
            if rule.key == key:
                return rule
        raise KeyError(f"no rule {key!r} in this trace (rules: {', '.join(r.key for r in self.rules)})")

    @property
    def which(self) -> str:
        """Which replication this is (``replication 3 of seed 1``), or ``""`` if the trace was not told so."""
        return "" if self.seed is None else f"replication {self.replication or 0} of seed {self.seed}"

    @property
    def heading(self) -> str:
        return f"{self.scenario}: {self.title}" + (f" ({self.which})" if self.which else "")

    def to_text(self, with_sources: bool = False) -> str:
        return to_text(self, with_sources)

    def to_markdown(self) -> str:
        return to_markdown(self)

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    def to_frame(self) -> pd.DataFrame:
        """The events as a table, one row each: ``date``, ``kind``, ``text``, ``rules`` (their keys), then each
        event's details as columns (``member``, ``candidate``, ``votes``, ``granted``, ``reason``, ``date_basis``...;
        missing where an event has none), to pick out, say, the reviews and their votes."""
        rows = [
            {"date": pd.Timestamp(e.date), "kind": e.kind, "text": e.text, "rules": list(e.rules), **e.details}
            for e in self.events
        ]
        return pd.DataFrame.from_records(rows)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def render(self, format: str = "text", with_sources: bool = False) -> str:
        if format == "text":
            return self.to_text(with_sources)
        if format == "markdown":
            return self.to_markdown()
        if format == "json":
            return self.to_json()
        raise ValueError(f"unknown trace format {format!r} (expected {', '.join(FORMATS)})")


def _rule_numbers(trace: Trace) -> dict[str, int]:
    return {rule.key: number for number, rule in enumerate(trace.rules, start=1)}


def _told(trace: Trace) -> tuple[TraceEvent, ...]:
    """The events a reader follows: the horizon's event repeats the outcome, which the renderings give apart."""
    return tuple(event for event in trace.events if event.kind != "horizon")


WIDTH = 100  # text lines wrap here, continued under the event's sentence, so that a terminal shows columns


def _wrapped(first: str, text: str, indent: int) -> list[str]:
    lines = textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=" " * indent, break_long_words=False)
    return lines or [first]


def to_text(trace: Trace, with_sources: bool = False) -> str:
    """The story for a terminal: the dated events in sentences, then the outcome, candidate by candidate.

    ``with_sources`` adds, to each event, the rules it applied ([R1] ...) and the source of the parameter that
    produced it (each source once), and after the outcome the rules themselves with their sources and quotes.
    """
    numbers = _rule_numbers(trace)
    lines = _wrapped("", f"{trace.scenario}: {trace.title}", 2)
    if trace.which:
        lines.append(trace.which[:1].upper() + trace.which[1:])
    lines += ["", "What happened"]
    shown: set[str] = set()
    for event in _told(trace):
        refs = ""
        if with_sources and event.rules:
            refs = "  " + " ".join(f"[R{n}]" for n in sorted(numbers[key] for key in event.rules))
        lines += _wrapped(f"  {event.date:%Y-%m-%d}  ", event.text + refs, 14)
        if with_sources and event.source and event.source not in shown:
            shown.add(event.source)
            lines += _wrapped(" " * 14, f"(source: {event.source})", 15)
    lines += ["", f"Outcome by {trace.horizon}"]
    lines += _wrapped("  ", trace.outcome.instrument, 4)
    for fate in trace.outcome.candidates:
        lines += _wrapped("  - ", f"{fate.candidate} ({words(fate.status)}): {fate.text}.", 4)
    if with_sources:
        lines += ["", "Rules applied (the [R] numbers above), each with its source and quotes"]
        for number, rule in enumerate(trace.rules, start=1):
            lines += _wrapped(f"  [R{number}] ", f"{rule.title}: {rule.statement}", 7)
            lines += _wrapped(" " * 7, f"source: {rule.citation.source}", 9)
            for quote in rule.citation.quotes:
                lines += _wrapped(" " * 7, f'{quote.file}: "{quote.text}"', 9)
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("*", r"\*").replace("_", r"\_")


def _cell(text: str) -> str:
    return _md(text).replace("|", "/")


def to_markdown(trace: Trace) -> str:
    """The whole story for a document: the events with the rules they applied and their sources (numbered, each
    once), the outcome, then the rules with their sources and quotes."""
    numbers = _rule_numbers(trace)
    sources: dict[str, int] = {}
    lines = [f"# {trace.heading}", "", "## What happened", "", "| date | event | rules | source |", "|---|---|---|---|"]
    for event in _told(trace):
        refs = ", ".join(f"R{n}" for n in sorted(numbers[key] for key in event.rules))
        source = ""
        if event.source:
            source = f"S{sources.setdefault(event.source, len(sources) + 1)}"
        lines.append(f"| {event.date:%Y-%m-%d} | {_cell(event.text)} | {refs} | {source} |")
    lines += ["", f"## Outcome by {trace.horizon}", "", _md(trace.outcome.instrument), ""]
    lines += [
        f"- **{_md(fate.candidate)}** ({words(fate.status)}): {_md(fate.text)}." for fate in trace.outcome.candidates
    ]
    lines += ["", "## Rules applied", ""]
    for number, rule in enumerate(trace.rules, start=1):
        lines.append(f"**R{number}. {rule.title}.** {_md(rule.statement)}  ")
        lines.append(f"*Source:* {_md(rule.citation.source)}")
        for quote in rule.citation.quotes:
            lines.append(f'> `{quote.file}`: "{_md(quote.text)}"')
        lines.append("")
    if sources:
        lines += ["## Sources of the events' parameters", ""]
        lines += [f"- **S{number}.** {_md(text)}" for text, number in sources.items()]
        lines.append("")
    return "\n".join(lines)


def to_dict(trace: Trace) -> dict[str, Any]:
    def date(value: dt.date | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "scenario": trace.scenario,
        "title": trace.title,
        "organization": trace.organization,
        "seed": trace.seed,
        "replication": trace.replication,
        "start": date(trace.start),
        "horizon": date(trace.horizon),
        "rules": [
            {
                "key": str(rule.key),
                "title": rule.title,
                "statement": rule.statement,
                "source": rule.citation.source,
                "quotes": [{"document": q.document, "file": q.file, "text": q.text} for q in rule.citation.quotes],
            }
            for rule in trace.rules
        ],
        "events": [
            {
                "date": date(event.date),
                "day": event.day,
                "kind": event.kind,
                "text": event.text,
                "rules": [str(key) for key in event.rules],
                "source": event.source,
                **({"details": dict(event.details)} if event.details else {}),
            }
            for event in trace.events
        ],
        "outcome": {
            "adoption": date(trace.outcome.adoption),
            "entry_into_force": date(trace.outcome.entry_into_force),
            "last_ratifier": trace.outcome.last_ratifier,
            "not_ratified": list(trace.outcome.not_ratified),
            "grants": [{"candidate": c, "status": s, "date": date(d)} for c, s, d in trace.outcome.grants],
            "candidates": [
                {"candidate": fate.candidate, "status": fate.status, "state": fate.state, "text": fate.text}
                for fate in trace.outcome.candidates
            ],
            "instrument": trace.outcome.instrument,
            "text": trace.outcome.text,
        },
    }

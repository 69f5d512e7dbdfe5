"""A told replication (``Trace``) and its renderings: text for the terminal, markdown for documents, json for programs.

Rules are numbered in the order the trace states them (R1, R2, ...), and every event refers to the rules it
applied by those numbers; quotes are shown with the file they come from, so that a reader can check them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from cstosim.analysis.narration.events import Outcome, TraceEvent
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
    def heading(self) -> str:
        which = ""
        if self.seed is not None:
            which = f"replication {self.replication or 0} of seed {self.seed}"
        return f"{self.scenario}: {self.title}" + (f" ({which})" if which else "")

    def to_text(self, with_sources: bool = True) -> str:
        return to_text(self, with_sources)

    def to_markdown(self) -> str:
        return to_markdown(self)

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def render(self, format: str = "text", with_sources: bool = True) -> str:
        if format == "text":
            return self.to_text(with_sources)
        if format == "markdown":
            return self.to_markdown()
        if format == "json":
            return self.to_json()
        raise ValueError(f"unknown trace format {format!r} (expected {', '.join(FORMATS)})")


def _rule_numbers(trace: Trace) -> dict[str, int]:
    return {rule.key: number for number, rule in enumerate(trace.rules, start=1)}


def to_text(trace: Trace, with_sources: bool = True) -> str:
    numbers = _rule_numbers(trace)
    lines = [trace.heading, ""]
    if with_sources:
        lines.append("Rules applied")
        for number, rule in enumerate(trace.rules, start=1):
            lines.append(f"  [R{number}] {rule.title}: {rule.statement}")
            lines.append(f"        source: {rule.citation.source}")
            for quote in rule.citation.quotes:
                lines.append(f'        {quote.file}: "{quote.text}"')
        lines += ["", "What happened"]
    for event in trace.events:
        refs = " ".join(f"[R{n}]" for n in sorted(numbers[key] for key in event.rules)) if with_sources else ""
        lines.append(f"  {event.date:%Y-%m-%d}  {event.text}" + (f"  {refs}" if refs else ""))
        if with_sources and event.source:
            lines.append(f"              (parameter source: {event.source})")
    lines += ["", "Outcome", f"  {trace.outcome.text}"]
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("*", r"\*").replace("_", r"\_")


def to_markdown(trace: Trace) -> str:
    numbers = _rule_numbers(trace)
    lines = [f"# {trace.heading}", "", "## Rules applied", ""]
    for number, rule in enumerate(trace.rules, start=1):
        lines.append(f"**R{number}. {rule.title}.** {_md(rule.statement)}  ")
        lines.append(f"*Source:* {_md(rule.citation.source)}")
        for quote in rule.citation.quotes:
            lines.append(f'> `{quote.file}`: "{_md(quote.text)}"')
        lines.append("")
    lines += ["## What happened", "", "| date | event | rules |", "|---|---|---|"]
    for event in trace.events:
        refs = ", ".join(f"R{n}" for n in sorted(numbers[key] for key in event.rules))
        lines.append(f"| {event.date:%Y-%m-%d} | {_md(event.text).replace('|', '/')} | {refs} |")
    lines += ["", "## Outcome", "", trace.outcome.text, ""]
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
            "text": trace.outcome.text,
        },
    }

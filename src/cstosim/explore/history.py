"""One replication stepped through event by event: what the page shows at each step.

A ``History`` holds one replication and its cited story (``cstosim.trace``). Step ``k`` (0-based) is the story's
event ``k``: its date and sentence, the rules it applied with their sources and quotes, the stage of the process
it belongs to (lit in the process diagram), and how many events of the log the timeline shows (it grows with
each step). The story's last event is the outcome at the horizon, after every event of the log.
"""

from __future__ import annotations

from dataclasses import dataclass

from cstosim.explore import library
from cstosim.explore.library import ReplicationResult, Scenario, Trace


@dataclass(frozen=True)
class CitedRule:
    """A rule an event applied, as the page cites it."""

    title: str
    statement: str
    source: str
    quotes: tuple[str, ...]  # 'seeds/FILE: "quote"'


@dataclass(frozen=True)
class Step:
    """What the page shows at one step of a history."""

    number: int  # 0-based
    total: int  # steps: the events of the log, then the outcome at the horizon
    date: str
    text: str
    rules: tuple[CitedRule, ...]
    stage: str | None  # the process-diagram stage to light; None for the outcome at the horizon
    shown_events: int  # events of the log drawn on the timeline

    @property
    def heading(self) -> str:
        if self.number + 1 == self.total:
            return f"Outcome at the horizon, {self.date}"
        return f"Event {self.number + 1} of {self.total - 1}, {self.date}"


@dataclass(frozen=True)
class History:
    """One replication of a scenario with its cited story."""

    scenario: Scenario
    seed: int
    replication: int
    result: ReplicationResult
    trace: Trace

    @property
    def steps(self) -> int:
        return len(self.trace.events)

    def clamp(self, number: int) -> int:
        """``number`` within the steps (Previous at the first step stays there; so does Next at the last)."""
        return min(max(number, 0), self.steps - 1)

    def step(self, number: int) -> Step:
        """Step ``number`` (clamped to the history)."""
        number = self.clamp(number)
        event = self.trace.events[number]
        log = self.result.log
        rules = []
        for key in event.rules:
            rule = self.trace.rule(key)
            quotes = tuple(f'{quote.file}: "{quote.text}"' for quote in rule.citation.quotes)
            rules.append(CitedRule(rule.title, rule.statement, rule.citation.source, quotes))
        return Step(
            number=number,
            total=self.steps,
            date=event.date.isoformat(),
            text=event.text,
            rules=tuple(rules),
            stage=library.stage_of(log[number]) if number < len(log) else None,
            shown_events=min(number + 1, len(log)),
        )


def stages(scenario: Scenario) -> list[tuple[str, str]]:
    """The process's stages in order, as ``(key, label)``: the keys ``Step.stage`` names, for a strip of labels."""
    org, instrument = scenario.organization, scenario.instrument
    bodies = {body.id: body.name for body in org.bodies}
    return [
        ("adoption", "Adoption"),
        ("ratification", "Ratification" if instrument.requires_ratification else "No ratification"),
        ("entry_into_force", "Entry into force"),
        ("application", "Application"),
        *[(f"review:{stage.body}", bodies[stage.body]) for stage in org.review.stages],
        ("decision", f"Decision: {bodies[org.review.deciding_body]}"),
        ("rules", "Participation"),
    ]


def history(scenario: Scenario, seed: int, replication: int, result: ReplicationResult | None = None) -> History:
    """Replication ``replication`` of ``seed`` (run now unless ``result`` is given) with its story."""
    result = result if result is not None else library.replicate(scenario, seed, replication)
    return History(scenario, seed, replication, result, library.tell(scenario, result, seed, replication))

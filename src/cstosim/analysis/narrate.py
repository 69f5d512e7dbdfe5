"""One replication told as a story with calendar dates, every rule it applies cited to its source.

``trace(scenario, result)`` builds a ``Trace``: the rules of the scenario's process (each with the scenario's
own source text and, where that source names one of the project's seed articles, a short verbatim quote from
it), the dated events of the replication in plain sentences (each pointing to the rules it applied), and the
outcome. ``Trace.to_text``, ``to_markdown`` and ``to_dict`` render it for the terminal, for documents and for
programs. Nothing here runs the engine: the trace reads a finished ``ReplicationResult``.

Which quote backs which rule is data (``SEED_QUOTES`` below), attached only when the scenario's source for
that rule cites the seed, so another organization's scenario is never credited with the CSTO's articles.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cstosim.engine import events as e
from cstosim.engine.result import ReplicationResult
from cstosim.model.rules import Vote, notifications_for_entry_into_force
from cstosim.model.scenario import (
    ConsensusRule,
    EntryIntoForceRule,
    Participation,
    Scenario,
    Status,
)

# The project's source articles (folder ``seeds/``), by the three-digit number scenario files cite them with.
SEED_FILES: Mapping[str, str] = {
    "000": "000_90eebc095526c97d.txt",
    "001": "001_09d780f391a6618d.txt",
    "002": "002_ebae6af5a4e7e56e.txt",
    "003": "003_a4e74b3ecd1ffde4.txt",
    "004": "004_5d910aacae258540.txt",
}

# Short verbatim quotes, by rule and seed number. The test suite checks each occurs in its seed file.
SEED_QUOTES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "adoption": {
        "003": ("adopted and signed by the heads of state at the summit in Kazakhstan",),
        "000": (
            "passed by the organization's heads of state at a session of the CSTO Collective Security Council "
            "in November 2018",
        ),
    },
    "ratification": {
        "003": ("They require ratification.",),
        "001": ("Some CSTO member states have to complete only several domestic approval procedures.",),
    },
    "entry_into_force": {
        "003": (
            "When this is done, the decision will enter into force immediately",
            "We will start reviewing potential candidates as soon as the ratification process is over",
        ),
    },
    "deciding_body": {
        "000": ("it is up to the CSTO heads of state to choose and approve the countries",),
    },
    "statuses": {
        "000": (
            "ready to undertake commitments to participate in practical events of the organization",
            "interested in studying the public legal base, the experience and practices of the CSTO's work "
            "without undertaking commitments",
        ),
    },
    "consensus": {
        "003": ("on the basis of consensus with consideration for each country\u2019s interests",),  # curly apostrophe
    },
    "participation": {
        "004": ("the Secretariat has not received any official statements from Yerevan on the suspension",),
    },
}

CRITERIA_SOURCE = (
    "public record: the published criteria for partner and observer status (UN membership; diplomatic relations "
    "with all member states; peaceful settlement of disputes; for a partner, no security obligations that "
    "contradict the organization's treaties), as summarised in DOMAIN.md section 2.5"
)

_SEED_MENTION = re.compile(r"seeds?\s+((?:\d{3}(?:\s*(?:,|and)\s*)?)+)")


def seeds_cited(text: str) -> list[str]:
    """The seed numbers a source text cites (``"seeds 000 and 003: ..."`` gives ``["000", "003"]``)."""
    numbers: list[str] = []
    for mention in _SEED_MENTION.finditer(text):
        for number in re.findall(r"\d{3}", mention.group(1)):
            if number in SEED_FILES and number not in numbers:
                numbers.append(number)
    return numbers


def readable_path(scenario: Scenario, path: str) -> str:
    """A source's path with list items named, as dotted paths accept them: ``members[0].stance`` becomes
    ``members[Armenia].stance``, ``organization.bodies[0]`` becomes ``organization.bodies[CSC]``."""
    names = {
        "members": [member.name for member in scenario.members],
        "candidates": [candidate.name for candidate in scenario.candidates],
        "organization.bodies": [body.id for body in scenario.organization.bodies],
    }

    def name(match: re.Match[str]) -> str:
        items, index = names[match.group(1)], int(match.group(2))
        return f"{match.group(1)}[{items[index]}]" if index < len(items) else match.group(0)

    return re.sub(r"^(members|candidates|organization\.bodies)\[(\d+)\]", name, path)


@dataclass(frozen=True)
class Quote:
    seed: str  # file name in seeds/
    text: str  # verbatim


@dataclass(frozen=True)
class Citation:
    source: str  # the scenario's source text (seed, public record with a date, or assumption)
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One rule of the process, as the scenario sets it, with where it comes from."""

    key: str
    title: str
    statement: str
    citation: Citation


@dataclass(frozen=True)
class TraceEvent:
    date: dt.date
    day: float
    kind: str  # an ``EventKind`` value, or "horizon"
    text: str
    rules: tuple[str, ...] = ()  # keys of the rules applied
    source: str | None = None  # the scenario's source for the parameter that produced the event, if any
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    adoption: dt.date | None
    entry_into_force: dt.date | None
    last_ratifier: str | None
    not_ratified: tuple[str, ...]
    grants: tuple[tuple[str, str, dt.date], ...]  # candidate, status, date
    text: str


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
        rule_numbers = {rule.key: number for number, rule in enumerate(self.rules, start=1)}
        lines = [self.heading, ""]
        if with_sources:
            lines.append("Rules applied")
            for number, rule in enumerate(self.rules, start=1):
                lines.append(f"  [R{number}] {rule.title}: {rule.statement}")
                lines.append(f"        source: {rule.citation.source}")
                for quote in rule.citation.quotes:
                    lines.append(f'        seeds/{quote.seed}: "{quote.text}"')
            lines += ["", "What happened"]
        for event in self.events:
            refs = " ".join(f"[R{n}]" for n in sorted(rule_numbers[key] for key in event.rules)) if with_sources else ""
            lines.append(f"  {event.date:%Y-%m-%d}  {event.text}" + (f"  {refs}" if refs else ""))
            if with_sources and event.source:
                lines.append(f"              (parameter source: {event.source})")
        lines += ["", "Outcome", f"  {self.outcome.text}"]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        rule_numbers = {rule.key: number for number, rule in enumerate(self.rules, start=1)}
        lines = [f"# {self.heading}", "", "## Rules applied", ""]
        for number, rule in enumerate(self.rules, start=1):
            lines.append(f"**R{number}. {rule.title}.** {rule.statement}  ")
            lines.append(f"*Source:* {_md(rule.citation.source)}")
            for quote in rule.citation.quotes:
                lines.append(f'> `seeds/{quote.seed}`: "{_md(quote.text)}"')
            lines.append("")
        lines += ["## What happened", "", "| date | event | rules |", "|---|---|---|"]
        for event in self.events:
            refs = ", ".join(f"R{n}" for n in sorted(rule_numbers[key] for key in event.rules))
            lines.append(f"| {event.date:%Y-%m-%d} | {_md(event.text).replace('|', '/')} | {refs} |")
        lines += ["", "## Outcome", "", self.outcome.text, ""]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        def date(value: dt.date | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "scenario": self.scenario,
            "title": self.title,
            "organization": self.organization,
            "seed": self.seed,
            "replication": self.replication,
            "start": date(self.start),
            "horizon": date(self.horizon),
            "rules": [
                {
                    "key": rule.key,
                    "title": rule.title,
                    "statement": rule.statement,
                    "source": rule.citation.source,
                    "quotes": [{"seed": f"seeds/{q.seed}", "text": q.text} for q in rule.citation.quotes],
                }
                for rule in self.rules
            ],
            "events": [
                {
                    "date": date(event.date),
                    "day": event.day,
                    "kind": event.kind,
                    "text": event.text,
                    "rules": list(event.rules),
                    "source": event.source,
                    **({"details": dict(event.details)} if event.details else {}),
                }
                for event in self.events
            ],
            "outcome": {
                "adoption": date(self.outcome.adoption),
                "entry_into_force": date(self.outcome.entry_into_force),
                "last_ratifier": self.outcome.last_ratifier,
                "not_ratified": list(self.outcome.not_ratified),
                "grants": [{"candidate": c, "status": s, "date": date(d)} for c, s, d in self.outcome.grants],
                "text": self.outcome.text,
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def render(self, format: str = "text", with_sources: bool = True) -> str:
        if format == "text":
            return self.to_text(with_sources)
        if format == "markdown":
            return self.to_markdown()
        if format == "json":
            return self.to_json()
        raise ValueError(f"unknown trace format {format!r} (expected text, markdown or json)")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _md(text: str) -> str:
    return text.replace("*", r"\*").replace("_", r"\_")


def trace(
    scenario: Scenario, result: ReplicationResult, *, seed: int | None = None, replication: int | None = None
) -> Trace:
    """Tell ``result`` (a replication of ``scenario``) as a cited story.

    ``seed`` and ``replication`` only label the trace (``cstosim trace --seed S --replication I``).
    """
    return _Teller(scenario, result).tell(seed, replication)


_VERBS = {Vote.SUPPORT: "supported", Vote.ABSTAIN: "abstained", Vote.OBJECT: "objected", Vote.ABSENT: "absent"}


class _Teller:
    def __init__(self, scenario: Scenario, result: ReplicationResult) -> None:
        self.scenario = scenario
        self.result = result
        self.org = scenario.organization
        self.bodies = {body.id: body.name for body in self.org.bodies}
        self.member_index = {member.name: index for index, member in enumerate(scenario.members)}
        self.candidate_index = {candidate.name: index for index, candidate in enumerate(scenario.candidates)}
        self.required = notifications_for_entry_into_force(scenario.instrument.entry_into_force, len(scenario.members))
        self.deferrals: dict[tuple[str, int], int] = {}

    # Sources ---------------------------------------------------------------------------------------------------

    def source(self, *paths: str) -> str:
        texts = [self.scenario.sources[path] for path in paths if path in self.scenario.sources]
        return "; ".join(texts) if texts else "not given in the scenario file"

    def citation(self, topic: str, *paths: str) -> Citation:
        text = self.source(*paths)
        quotes = tuple(
            Quote(SEED_FILES[number], quote)
            for number in seeds_cited(text)
            for quote in SEED_QUOTES.get(topic, {}).get(number, ())
        )
        return Citation(text, quotes)

    def member_source(self, name: str, table: str) -> str | None:
        return self.scenario.sources.get(f"members[{self.member_index[name]}].{table}")

    # Rules ------------------------------------------------------------------------------------------------------

    def rules(self) -> list[Rule]:
        scenario, instrument, org = self.scenario, self.scenario.instrument, self.org
        rules: list[Rule] = []
        if instrument.adopted_on is not None:
            adopted = f"adopted on {instrument.adopted_on}"
            session = self.adoption_session()
            if session:
                adopted += f" at a session of the {session}"
        else:
            assert instrument.adopting_body is not None
            adopted = f"adopted at the first session of the {self.bodies[instrument.adopting_body]} after drafting"
        rules.append(
            Rule(
                "adoption",
                "Adoption",
                f"The instrument ({instrument.name}) is {adopted}.",
                self.citation("adoption", "instrument"),
            )
        )
        if instrument.requires_ratification:
            rules.append(
                Rule(
                    "ratification",
                    "Ratification",
                    f"It amends a treaty, so each of the {len(scenario.members)} member states must ratify it by its "
                    f"own domestic procedure and notify the {org.depositary}, the depositary.",
                    self.citation("ratification", "instrument"),
                )
            )
        rules.append(
            Rule(
                "entry_into_force",
                "Entry into force",
                self.entry_into_force_rule() + " Candidates can be reviewed only once it is in force.",
                self.citation(
                    "entry_into_force",
                    "instrument.entry_into_force" if instrument.requires_ratification else "instrument",
                ),
            )
        )
        deciding = org.review.deciding_body
        deciding_index = next(i for i, body in enumerate(org.bodies) if body.id == deciding)
        stages = [
            f"the {self.bodies[stage.body]}" + (" (at its next session)" if stage.at_session else "")
            for stage in org.review.stages
        ]
        pipeline = f"to {', then '.join(stages)}, " if stages else ""
        deferral = (
            f" The session may defer an item to its next session (chance {org.review.deferral_probability:.0%}, "
            f"at most {org.review.max_deferrals} times in a row)."
            if org.review.max_deferrals and org.review.deferral_probability
            else ""
        )
        rules.append(
            Rule(
                "review",
                "Review of a request",
                f"A candidate applies in writing; its request goes {pipeline}"
                f"and is decided at the next session of the {self.bodies[deciding]}." + deferral,
                self.citation("deciding_body", f"organization.bodies[{deciding_index}]", "organization.review"),
            )
        )
        statuses = {candidate.status for candidate in scenario.candidates}
        if statuses:
            meaning = {
                Status.PARTNER: "a partner shares the organization's goals and takes on commitments to take part "
                "in practical events",
                Status.OBSERVER: "an observer studies its legal base and practice without commitments",
            }
            rules.append(
                Rule(
                    "statuses",
                    "Statuses",
                    _sentence("; ".join(meaning[status] for status in sorted(statuses))) + ".",
                    self.citation("statuses", "instrument", f"organization.bodies[{deciding_index}]"),
                )
            )
        if scenario.candidates:
            rules.append(
                Rule(
                    "criteria",
                    "Admission criteria",
                    "A state must be a UN member and have diplomatic relations with every member state; every "
                    "candidate commits to the peaceful settlement of disputes; a partner may not hold security "
                    "obligations contradicting the organization's treaties. A candidate failing them is never "
                    "granted a status, whatever the votes.",
                    Citation(CRITERIA_SOURCE),
                )
            )
        rules.append(
            Rule("consensus", "Consensus", self.consensus_rule(), self.citation("consensus", "organization.consensus"))
        )
        participation_paths = [
            f"members[{index}].participation_changes[{number}]"
            for index, member in enumerate(scenario.members)
            for number in range(len(member.participation_changes))
        ]
        if participation_paths or any(m.participation is not Participation.ACTIVE for m in scenario.members):
            rules.append(
                Rule(
                    "participation",
                    "Participation",
                    "A member's participation can change: an absent (frozen) member does not attend, an abstaining "
                    "member abstains on every status, a suspended member is not counted. " + self.absence_effect(),
                    self.citation("participation", *participation_paths),
                )
            )
        return rules

    def adoption_session(self) -> str | None:
        """The body that met on the adoption day, if the calendar has a session then (the deciding body first)."""
        adoption = self.result.adoption
        if adoption is None:
            return None
        if adoption.body is not None:
            return self.bodies[adoption.body]
        deciding = self.org.review.deciding_body
        sessions = self.result.sessions or {}
        for body in sorted(sessions, key=lambda b: b != deciding):
            if int(adoption.day) in sessions[body]:
                return self.bodies[body]
        return None

    def entry_into_force_rule(self) -> str:
        instrument = self.scenario.instrument
        rule = instrument.entry_into_force
        if not instrument.requires_ratification:
            return f"The instrument ({instrument.name}) needs no ratification and is in force on adoption."
        delay = rule.delay
        after = "" if delay.mean == 0 else f" ({delay} after the triggering notification)"
        if rule.rule is EntryIntoForceRule.LAST_NOTIFICATION:
            return (
                f"It enters into force when the {self.org.depositary} receives the last of the "
                f"{len(self.scenario.members)} notifications{after}."
            )
        if rule.rule is EntryIntoForceRule.NTH_NOTIFICATION:
            return f"It enters into force when the depositary receives notification number {self.required}{after}."
        return (
            f"It enters into force with the first notification{after}, binding only the states that have ratified; "
            "the others do not vote on candidates."
        )

    def consensus_rule(self) -> str:
        policy = self.org.consensus
        text = {
            ConsensusRule.UNANIMITY: "Unanimity: every member not suspended must support; an abstention or an "
            "absence blocks.",
            ConsensusRule.CONSENSUS_OF_PRESENT: "Consensus of those present: every member present must support; "
            "absence does not block, an abstention does.",
            ConsensusRule.CONSTRUCTIVE_ABSTENTION: "Consensus with constructive abstention: a status is granted "
            "unless a member objects; abstention and absence do not block.",
        }[policy.rule]
        text += " One objection always blocks, and at least one member must support."
        if policy.absence_counts_as_objection:
            text += " Here an absent member counts as objecting."
        return text

    def absence_effect(self) -> str:
        policy = self.org.consensus
        if policy.absence_counts_as_objection:
            return "Under this scenario's consensus rule an absence blocks like an objection."
        if policy.rule is ConsensusRule.UNANIMITY:
            return "Under unanimity an absence blocks."
        return "Under this scenario's consensus rule an absence does not block."

    # Events -----------------------------------------------------------------------------------------------------

    def tell(self, seed: int | None, replication: int | None) -> Trace:
        rules = self.rules()
        keys = {rule.key for rule in rules}
        events = []
        for entry in self.result.log:
            event = self.event(entry)
            events.append(
                TraceEvent(
                    event.date,
                    event.day,
                    event.kind,
                    event.text,
                    tuple(k for k in event.rules if k in keys),
                    event.source,
                    event.details,
                )
            )
        outcome = self.outcome()
        events.append(TraceEvent(self.scenario.horizon, float(self.scenario.horizon_day), "horizon", outcome.text))
        return Trace(
            scenario=self.scenario.name,
            title=self.scenario.title,
            organization=self.org.name,
            seed=seed,
            replication=replication,
            start=self.scenario.start,
            horizon=self.scenario.horizon,
            rules=tuple(rules),
            events=tuple(events),
            outcome=outcome,
        )

    def event(self, entry: e.Event) -> TraceEvent:
        date = self.result.date(entry.day)
        kind = entry.kind.value

        def make(text: str, rules: Iterable[str] = (), source: str | None = None, **details: Any) -> TraceEvent:
            return TraceEvent(date, entry.day, kind, text, tuple(rules), source, details)

        instrument, org = self.scenario.instrument, self.org.short_name
        record = entry
        match record:
            case e.Adopted():
                session = self.adoption_session()
                where = f" at the session of the {session}" if session else ""
                need = (
                    f"; each of the {len(self.scenario.members)} member states must now ratify it"
                    if instrument.requires_ratification
                    else "; it needs no ratification"
                )
                return make(f"The {org} adopts the {instrument.name}{where}{need}.", ["adoption", "ratification"])
            case e.RatificationStageCompleted(member=member, stage=stage):
                return make(f"{member} completes the domestic stage '{stage}'.", ["ratification"])
            case e.RatificationStalled(member=member, stage=stage):
                return make(
                    f"{_possessive(member)} ratification stalls at '{stage}' and will not finish by the horizon.",
                    ["ratification"],
                    self.member_source(member, "ratification"),
                )
            case e.Ratified(member=member, known=known, notification_number=number):
                fact = " (a recorded fact)" if known else ""
                adoption = self.result.adoption
                took = f", {record.day - adoption.day:,.0f} days after adoption" if adoption else ""
                return make(
                    f"{member} notifies the {self.org.depositary} of its ratification{fact}{took}: notification "
                    f"{number} of the {self.required} needed for entry into force.",
                    ["ratification", "entry_into_force"],
                    self.member_source(member, "ratification"),
                    member=member,
                    notification=number,
                )
            case e.EnteredIntoForce(rule=rule, trigger=trigger):
                return make(self.entry_into_force_text(rule, trigger), ["entry_into_force"], trigger=trigger)
            case e.ParticipationChanged(member=member, state=state):
                return make(
                    f"{_possessive(member)} participation becomes '{state.value}'. {self.absence_effect()}",
                    ["participation"],
                    member=member,
                    state=state.value,
                )
            case e.Applied(candidate=candidate, status=status, attempt=attempt):
                again = "" if attempt == 1 else f" again (application {attempt})"
                return make(
                    f"{candidate} applies{again} for {org} {status.value} status, in writing.",
                    ["review", "statuses"],
                    self.scenario.sources.get(f"candidates[{self.candidate_index[candidate]}].application"),
                    candidate=candidate,
                    attempt=attempt,
                )
            case e.FoundInadmissible(candidate=candidate, failures=failures):
                return make(
                    f"{_possessive(candidate)} request is inadmissible: it {' and '.join(failures)}. "
                    "It will not be granted whatever the votes.",
                    ["criteria"],
                    self.scenario.sources.get(f"candidates[{self.candidate_index[candidate]}]"),
                    candidate=candidate,
                    failures=list(failures),
                )
            case e.ReviewStageCompleted(candidate=candidate, body=body):
                return make(
                    f"The {self.bodies[body]} completes its work on {_possessive(candidate)} request.", ["review"]
                )
            case e.Deferred(candidate=candidate, body=body, attempt=attempt):
                key = (candidate, attempt)
                self.deferrals[key] = self.deferrals.get(key, 0) + 1
                return make(
                    f"The {self.bodies[body]} meets but defers {_possessive(candidate)} request to its next session "
                    f"(deferral {self.deferrals[key]}).",
                    ["review"],
                    candidate=candidate,
                )
            case e.Reviewed():
                return make(
                    self.review_text(record), ["review", "consensus", "criteria"], **self.review_details(record)
                )
            case e.Granted(candidate=candidate, status=status):
                return make(
                    f"{candidate} becomes {org} {status.value}: the status it sought is granted.",
                    ["statuses"],
                    candidate=candidate,
                    status=status.value,
                )
        raise TypeError(f"unknown record {record!r}")

    def entry_into_force_text(self, rule: str, trigger: str | None) -> str:
        if trigger is None:
            return "The instrument enters into force on adoption: it needs no ratification."
        ratifications = self.result.ratifications
        waiting = [m.name for m in self.scenario.members if m.name not in {x.member for x in ratifications}]
        if rule == EntryIntoForceRule.LAST_NOTIFICATION:
            adoption = self.result.adoption
            slowest = ""
            if adoption is not None and ratifications:
                last = ratifications[-1]
                slowest = (
                    f" {trigger} was the last to ratify, {last.day - adoption.day:,.0f} days after adoption; the "
                    "instrument waited for it."
                )
            why = f"the {self.org.depositary} holds all {self.required} notifications.{slowest}"
        elif rule == EntryIntoForceRule.NTH_NOTIFICATION:
            still = f" Not yet ratified: {', '.join(waiting)}." if waiting else ""
            why = f"{trigger}'s notification is number {self.required}, the number the rule requires.{still}"
        else:
            why = f"{trigger} ratified first; it binds only the states that have ratified."
        return f"The instrument enters into force: {why} Candidates can now be reviewed."

    def review_details(self, review: e.Reviewed) -> dict[str, Any]:
        counted = {member for member, _ in review.votes}
        return {
            "candidate": review.candidate,
            "attempt": review.attempt,
            "votes": {member: vote.value for member, vote in review.votes},
            "not_counted": [m.name for m in self.scenario.members if m.name not in counted],
            "granted": review.granted,
            "reason": review.reason,
        }

    def review_text(self, review: e.Reviewed) -> str:
        parts = []
        for vote, verb in _VERBS.items():
            members = review.members_voting(vote)
            if members:
                parts.append(f"{verb}: {', '.join(members)}")
        counted = {member for member, _ in review.votes}
        uncounted = [m.name for m in self.scenario.members if m.name not in counted]
        if uncounted:
            parts.append(f"not counted: {', '.join(uncounted)}")
        outcome = "granted" if review.granted else "not granted"
        rule = self.org.consensus.rule.value.replace("_", " ")
        again = "" if review.attempt == 1 else f" (application {review.attempt})"
        return (
            f"The {self.bodies[review.body]} reviews {_possessive(review.candidate)} request for {review.status.value} "
            f"status{again}; it meets the published criteria. {_sentence('; '.join(parts))}. Under {rule}, the status "
            f"is {outcome}: {review.reason}."
        )

    def outcome(self) -> Outcome:
        result = self.result
        adoption = result.date(result.adoption.day) if result.adoption else None
        in_force = result.date(result.entry_into_force.day) if result.entry_into_force else None
        ratified = {x.member for x in result.ratifications}
        not_ratified = (
            tuple(m.name for m in self.scenario.members if m.name not in ratified)
            if self.scenario.instrument.requires_ratification
            else ()
        )
        grants = tuple((g.candidate, g.status.value, result.date(g.day)) for g in result.grants)
        horizon = self.scenario.horizon
        if adoption is None:
            text = f"By {horizon} the instrument has not been adopted."
        elif in_force is None:
            text = (
                f"By {horizon} the instrument has not entered into force: still to ratify: "
                f"{', '.join(not_ratified) or 'none'}."
            )
        else:
            last = f" (last needed notification: {result.last_ratifier})" if result.last_ratifier else ""
            head = f"In force on {in_force}{last}."
            if grants:
                granted = ", ".join(f"{c} ({s}, {d})" for c, s, d in grants)
                text = f"{head} By {horizon}, statuses granted: {granted}."
            else:
                applied = {a.candidate for a in result.applications}
                why = "no candidate applied" if not applied else f"requests from {', '.join(sorted(applied))} failed"
                text = f"{head} By {horizon} no status has been granted: {why}."
        return Outcome(adoption, in_force, result.last_ratifier, not_ratified, grants, text)

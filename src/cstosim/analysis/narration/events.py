"""The events of one replication as dated sentences, each pointing to the rules it applied, and the outcome.

``tell_events`` turns every engine event of a ``ReplicationResult`` into a ``TraceEvent`` (its date, a sentence,
the keys of the rules it applied, the scenario's source for the parameter that produced it); ``tell_outcome``
says where the process stands at the horizon. Sentences use the names the scenario gives (the organization's
short name, its bodies, its depositary), never those of a particular organization.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cstosim.analysis.narration.rules import absence_effect, adoption_session, body_names, possessive, sentence
from cstosim.engine import events as e
from cstosim.engine.result import ReplicationResult
from cstosim.model.citations import Topic
from cstosim.model.rules import Vote, notifications_for_entry_into_force
from cstosim.model.scenario import EntryIntoForceRule, Scenario


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


_VERBS = {Vote.SUPPORT: "supported", Vote.ABSTAIN: "abstained", Vote.OBJECT: "objected", Vote.ABSENT: "absent"}


def tell_events(scenario: Scenario, result: ReplicationResult, rule_keys: Collection[str]) -> tuple[TraceEvent, ...]:
    """Every event of ``result`` as a sentence, citing only the rules in ``rule_keys`` (those the trace states)."""
    teller = _EventTeller(scenario, result)
    events = []
    for entry in result.log:
        event = teller.tell(entry)
        cited = tuple(key for key in event.rules if key in rule_keys)
        events.append(TraceEvent(event.date, event.day, event.kind, event.text, cited, event.source, event.details))
    return tuple(events)


class _EventTeller:
    def __init__(self, scenario: Scenario, result: ReplicationResult) -> None:
        self.scenario = scenario
        self.result = result
        self.org = scenario.organization
        self.bodies = body_names(scenario)
        self.member_index = {member.name: index for index, member in enumerate(scenario.members)}
        self.candidate_index = {candidate.name: index for index, candidate in enumerate(scenario.candidates)}
        self.required = notifications_for_entry_into_force(scenario.instrument.entry_into_force, len(scenario.members))
        self.deferrals: dict[tuple[str, str, int], int] = {}  # per application: the count restarts on reapplying
        self.holding: dict[str, str] = {c.name: c.holds.status for c in scenario.candidates if c.holds is not None}

    def member_source(self, name: str, table: str) -> str | None:
        return self.scenario.sources.get(f"members[{self.member_index[name]}].{table}")

    def candidate_source(self, name: str, table: str = "") -> str | None:
        return self.scenario.sources.get(f"candidates[{self.candidate_index[name]}]{table}")

    def tell(self, entry: e.Event) -> TraceEvent:
        date = self.result.date(entry.day)
        kind = entry.kind.value

        def make(text: str, rules: Iterable[str] = (), source: str | None = None, **details: Any) -> TraceEvent:
            return TraceEvent(date, entry.day, kind, text, tuple(rules), source, details)

        instrument, org = self.scenario.instrument, self.org.short_name
        match entry:
            case e.Adopted():
                session = adoption_session(self.scenario, self.result)
                where = f" at the session of the {session}" if session else ""
                need = (
                    f"; each of the {len(self.scenario.members)} member states must now ratify it"
                    if instrument.requires_ratification
                    else "; it needs no ratification"
                )
                return make(
                    f"The {org} adopts the {instrument.name}{where}{need}.", [Topic.ADOPTION, Topic.RATIFICATION]
                )
            case e.RatificationStageCompleted(member=member, stage=stage):
                return make(f"{member} completes the domestic stage '{stage}'.", [Topic.RATIFICATION])
            case e.RatificationStalled(member=member, stage=stage):
                return make(
                    f"{possessive(member)} ratification stalls at '{stage}' and will not finish by the horizon.",
                    [Topic.RATIFICATION],
                    self.member_source(member, "ratification"),
                )
            case e.Ratified(member=member, known=known, notification_number=number):
                fact = " (a recorded fact)" if known else ""
                adoption = self.result.adoption
                took = f", {entry.day - adoption.day:,.0f} days after adoption" if adoption else ""
                return make(
                    f"{member} notifies the {self.org.depositary} of its ratification{fact}{took}: notification "
                    f"{number} of the {self.required} needed for entry into force.",
                    [Topic.RATIFICATION, Topic.ENTRY_INTO_FORCE],
                    self.member_source(member, "ratification"),
                    member=member,
                    notification=number,
                )
            case e.EnteredIntoForce(rule=rule, trigger=trigger):
                return make(self.entry_into_force_text(rule, trigger), [Topic.ENTRY_INTO_FORCE], trigger=trigger)
            case e.ParticipationChanged(member=member, state=state):
                return make(
                    f"{possessive(member)} participation becomes '{state.value}'. {absence_effect(self.org.consensus)}",
                    [Topic.PARTICIPATION],
                    member=member,
                    state=state.value,
                )
            case e.Applied(candidate=candidate, status=status, attempt=attempt):
                again = "" if attempt == 1 else f" again (application {attempt})"
                held = self.holding.get(candidate)
                promotion = f", a step up from the {held} status it holds" if held and held != status else ""
                return make(
                    f"{candidate} applies{again} for {org} {status} status{promotion}.",
                    [Topic.REVIEW, Topic.STATUSES],
                    self.candidate_source(candidate, ".application"),
                    candidate=candidate,
                    attempt=attempt,
                )
            case e.FoundInadmissible(candidate=candidate, failures=failures):
                return make(
                    f"{possessive(candidate)} request is inadmissible: it {' and '.join(failures)}. "
                    "It will not be granted whatever the votes.",
                    [Topic.CRITERIA],
                    self.candidate_source(candidate),
                    candidate=candidate,
                    failures=list(failures),
                )
            case e.ReviewStageCompleted(candidate=candidate, body=body):
                return make(
                    f"The {self.bodies[body]} completes its work on {possessive(candidate)} request.", [Topic.REVIEW]
                )
            case e.Deferred(candidate=candidate, body=body, attempt=attempt, status=status):
                key = (candidate, status, attempt)
                self.deferrals[key] = self.deferrals.get(key, 0) + 1
                count = self.deferrals[key]
                return make(
                    f"The {self.bodies[body]} meets but does not take up {possessive(candidate)} request for "
                    f"{status} status; it stays on the agenda ({count} session{'s' if count > 1 else ''} without a "
                    "decision).",
                    [Topic.REVIEW],
                    candidate=candidate,
                )
            case e.AwaitingInstrument(candidate=candidate, status=status):
                return make(
                    f"{possessive(candidate)} request for {status} status waits on the agenda: the "
                    f"{instrument.name} that creates the status is not in force yet.",
                    [Topic.ENTRY_INTO_FORCE, Topic.REVIEW],
                    self.candidate_source(candidate, ".requests"),
                    candidate=candidate,
                )
            case e.Withdrawn(candidate=candidate, status=status):
                return make(
                    f"{candidate} withdraws its pending request for {status} status.",
                    [Topic.REVIEW],
                    self.scenario.sources.get("organization.agenda"),
                    candidate=candidate,
                )
            case e.Revived(candidate=candidate, status=status):
                return make(
                    f"{possessive(candidate)} withdrawn request for {status} status comes back to the agenda.",
                    [Topic.REVIEW],
                    self.scenario.sources.get("organization.agenda"),
                    candidate=candidate,
                )
            case e.StatusLost(candidate=candidate, status=status):
                self.holding.pop(candidate, None)
                return make(
                    f"{candidate} loses its {org} {status} status.",
                    [Topic.STATUSES],
                    self.candidate_source(candidate),
                    candidate=candidate,
                )
            case e.CriteriaMet(candidate=candidate):
                return make(
                    f"{candidate} now meets the admission criteria: what barred it no longer applies.",
                    [Topic.CRITERIA],
                    self.candidate_source(candidate, ".criteria"),
                    candidate=candidate,
                )
            case e.StanceChanged(member=member, towards=towards, stance=stance, reason=reason):
                why = f" ({reason})" if reason else ""
                return make(
                    f"{possessive(member)} stance towards {towards} changes{why}: from now on it supports with a "
                    f"chance of {stance.support:.0%}, abstains {stance.abstain:.0%}, objects {stance.object:.0%}.",
                    [Topic.STANCES],
                    self.member_source(member, "stance_changes"),
                    member=member,
                )
            case e.DriverActed(driver=driver):
                return make(
                    f"'{driver}' starts to act on the parameters it moves (see the rule on drivers).",
                    [Topic.DRIVERS],
                    member=None,
                )
            case e.MemberJoined(member=member):
                return make(
                    f"{member} joins the {org}: it votes on the decisions taken from now on.",
                    [Topic.MEMBERSHIP],
                    member=member,
                )
            case e.MemberLeft(member=member):
                return make(
                    f"{member} leaves the {org}: it no longer votes or ratifies.",
                    [Topic.MEMBERSHIP],
                    self.member_source(member, "membership"),
                    member=member,
                )
            case e.Reviewed():
                return make(
                    self.review_text(entry),
                    [Topic.REVIEW, Topic.CONSENSUS, Topic.CRITERIA],
                    **self.review_details(entry),
                )
            case e.Granted(candidate=candidate, status=status):
                held = self.holding.get(candidate)
                self.holding[candidate] = status
                sought = self.scenario.candidate(candidate).status
                if status == sought:
                    outcome = "the status it sought is granted"
                else:
                    outcome = f"a step on its path to {sought} status"
                promoted = f" (promoted from {held})" if held else ""
                return make(
                    f"{candidate} becomes {org} {status}{promoted}: {outcome}.",
                    [Topic.STATUSES],
                    candidate=candidate,
                    status=status,
                )
        raise TypeError(f"unknown event {entry!r}")

    def entry_into_force_text(self, rule: str, trigger: str | None) -> str:
        if trigger is None:
            return "The instrument enters into force on adoption: it needs no ratification."
        ratifications = self.result.ratifications
        ratified = {x.member for x in ratifications}
        waiting = [m.name for m in self.scenario.members if m.name not in ratified]
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
            why = f"{possessive(trigger)} notification is number {self.required}, the number the rule requires.{still}"
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
            f"The {self.bodies[review.body]} reviews {possessive(review.candidate)} request for {review.status} "
            f"status{again}; it meets the admission criteria. {sentence('; '.join(parts))}. Under {rule}, the status "
            f"is {outcome}: {review.reason}."
        )


def tell_outcome(scenario: Scenario, result: ReplicationResult) -> Outcome:
    """Where the process stands at the horizon, in one paragraph and as data."""
    adoption = result.date(result.adoption.day) if result.adoption else None
    in_force = result.date(result.entry_into_force.day) if result.entry_into_force else None
    ratified = {x.member for x in result.ratifications}
    not_ratified = (
        tuple(m.name for m in scenario.members if m.name not in ratified)
        if scenario.instrument.requires_ratification
        else ()
    )
    grants = tuple((g.candidate, g.status, result.date(g.day)) for g in result.grants)
    horizon = scenario.horizon
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

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

from cstosim.analysis.narration.rules import (
    absence_effect,
    adoption_session,
    body_names,
    driver_effects,
    possessive,
    sentence,
)
from cstosim.engine import events as e
from cstosim.engine.result import ReplicationResult
from cstosim.model.citations import DateBasis, Topic, date_basis
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


# What became of a candidate by the horizon (``CandidateFate.state``).
GRANTED = "granted"  # holds the status it sought
NOT_APPLIED = "did not apply"
PENDING = "pending"  # a request still on the agenda or under review
REFUSED = "not granted"  # its last request was reviewed and not granted
WITHDRAWN = "withdrawn"
INADMISSIBLE = "inadmissible"
HOLDS = "holds a step"  # granted a step of its path, no request for the next one
LOST = "lost its status"


@dataclass(frozen=True)
class CandidateFate:
    """What became of one candidate by the horizon: ``state`` (``GRANTED``, ``NOT_APPLIED``, ``PENDING``, ...) and
    a sentence saying it, for people."""

    candidate: str
    status: str  # the status it seeks
    state: str
    text: str


@dataclass(frozen=True)
class Outcome:
    adoption: dt.date | None
    entry_into_force: dt.date | None
    last_ratifier: str | None
    not_ratified: tuple[str, ...]
    grants: tuple[tuple[str, str, dt.date], ...]  # candidate, status, date
    text: str  # all of it in one paragraph
    instrument: str = ""  # where the instrument stands, one sentence
    candidates: tuple[CandidateFate, ...] = ()


def words(name: str) -> str:
    """A status or a rule as people write it: ``dialogue_partner`` is ``dialogue partner``."""
    return name.replace("_", " ")


def basis_words(basis: DateBasis) -> str:
    """How a trace qualifies a date taken from the scenario file, by what its source says (``date_basis``)."""
    return {
        DateBasis.RECORDED: "a recorded date",
        DateBasis.ASSUMED: "an assumed date, not a recorded one",
        DateBasis.KNOWN_BY: "known by then: on this date or earlier",
        DateBasis.UNSOURCED: "a date the scenario file gives without a source",
    }[basis]


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
        # The date and basis of the last notification dated by the file: the next one on that day is told short.
        self.last_known_notification: tuple[dt.date, DateBasis] | None = None

    def member_source(self, name: str, table: str) -> str | None:
        return self.scenario.sources.get(f"members[{self.member_index[name]}].{table}")

    def candidate_source(self, name: str, table: str = "") -> str | None:
        return self.scenario.sources.get(f"candidates[{self.candidate_index[name]}]{table}")

    def recorded_request(self, candidate: str, status: str) -> tuple[dt.date, str] | None:
        """The date of the candidate's request for ``status`` recorded in the scenario, and its source, if any."""
        model = self.scenario.candidate(candidate)
        for number, request in enumerate(model.requests):
            if request.status == status:
                return request.on, self.candidate_source(candidate, f".requests[{number}]") or ""
        return None

    def dated_change(self, member: str, table: str, day: float, matches: Any) -> str | None:
        """The source of the change in ``members[...].TABLE`` dated on ``day`` that ``matches``, if one is; a
        change drawn at random has no date in the file and gets ``None``."""
        if member not in self.member_index:
            return None
        date = self.result.date(day)
        for number, change in enumerate(getattr(self.scenario.members[self.member_index[member]], table)):
            if change.on == date and matches(change):
                return self.member_source(member, f"{table}[{number}]") or ""
        return None

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
                source = self.member_source(member, "ratification")
                adoption = self.result.adoption
                days = f"{entry.day - adoption.day:,.0f} days after adoption" if adoption else ""
                need = f"notification {number} of the {self.required} needed for entry into force"
                basis = date_basis(source) if known else None
                same_day = basis is not None and self.last_known_notification == (date, basis)
                self.last_known_notification = (date, basis) if basis else None
                if same_day and basis is DateBasis.KNOWN_BY:  # the first one said what the date rests on
                    text = f"By this date {member} has notified too: {need}."
                elif same_day and basis is not None:
                    text = f"{member} notifies on the same day ({basis_words(basis)}, as above): {need}."
                elif basis is DateBasis.KNOWN_BY:
                    text = (
                        f"By this date {member} has notified the {self.org.depositary} of its ratification "
                        f"({basis_words(basis)}){', at most ' + days if days else ''}: {need}."
                    )
                else:
                    label = f" ({basis_words(basis)})" if basis else ""
                    text = (
                        f"{member} notifies the {self.org.depositary} of its ratification{label}"
                        f"{', ' + days if days else ''}: {need}."
                    )
                details: dict[str, Any] = {"member": member, "notification": number}
                if basis:
                    details["date_basis"] = basis.value
                return make(text, [Topic.RATIFICATION, Topic.ENTRY_INTO_FORCE], source, **details)
            case e.EnteredIntoForce(rule=rule, trigger=trigger):
                return make(self.entry_into_force_text(rule, trigger), [Topic.ENTRY_INTO_FORCE], trigger=trigger)
            case e.ParticipationChanged(member=member, state=state):
                source = self.dated_change(member, "participation_changes", entry.day, lambda c: c.state is state)
                basis = None if source is None else date_basis(source)
                label = f" ({basis_words(basis)})" if basis else ""
                return make(
                    f"{possessive(member)} participation becomes '{state.value}'{label}. "
                    f"{absence_effect(self.org.consensus)}",
                    [Topic.PARTICIPATION],
                    source,
                    member=member,
                    state=state.value,
                    **({"date_basis": basis.value} if basis else {}),
                )
            case e.Applied(candidate=candidate, status=status, attempt=attempt):
                again = "" if attempt == 1 else f" again (application {attempt})"
                held = self.holding.get(candidate)
                promotion = f", a step up from the {words(held)} status it holds" if held and held != status else ""
                recorded = self.recorded_request(candidate, status) if attempt == 1 else None
                if recorded is None:
                    return make(
                        f"{candidate} applies{again} for {org} {words(status)} status{promotion}.",
                        [Topic.REVIEW, Topic.STATUSES],
                        self.candidate_source(candidate, ".application"),
                        candidate=candidate,
                        attempt=attempt,
                    )
                made, source = recorded
                basis = date_basis(source)
                if made == date:
                    text = f"{candidate} applies for {org} {words(status)} status{promotion} ({basis_words(basis)})."
                else:
                    when = "when the simulation starts" if entry.day == 0 else "from this date"
                    text = (
                        f"{possessive(candidate)} request for {org} {words(status)} status{promotion}, made on {made} "
                        f"({basis_words(basis)}), is on the agenda {when}."
                    )
                return make(
                    text,
                    [Topic.REVIEW, Topic.STATUSES],
                    source,
                    candidate=candidate,
                    attempt=attempt,
                    date_basis=basis.value,
                    requested_on=made.isoformat(),
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
                    f"{words(status)} status; it stays on the agenda ({count} session{'s' if count > 1 else ''} "
                    "without a decision).",
                    [Topic.REVIEW],
                    candidate=candidate,
                )
            case e.AwaitingInstrument(candidate=candidate, status=status):
                return make(
                    f"{possessive(candidate)} request for {words(status)} status waits on the agenda: the "
                    f"{instrument.name} that creates the status is not in force yet.",
                    [Topic.ENTRY_INTO_FORCE, Topic.REVIEW],
                    self.candidate_source(candidate, ".requests"),
                    candidate=candidate,
                )
            case e.Withdrawn(candidate=candidate, status=status):
                return make(
                    f"{candidate} withdraws its pending request for {words(status)} status.",
                    [Topic.REVIEW],
                    self.scenario.sources.get("organization.agenda"),
                    candidate=candidate,
                )
            case e.Revived(candidate=candidate, status=status):
                return make(
                    f"{possessive(candidate)} withdrawn request for {words(status)} status comes back to the agenda.",
                    [Topic.REVIEW],
                    self.scenario.sources.get("organization.agenda"),
                    candidate=candidate,
                )
            case e.StatusLost(candidate=candidate, status=status):
                self.holding.pop(candidate, None)
                return make(
                    f"{candidate} loses its {org} {words(status)} status.",
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
                source = self.dated_change(member, "stance_changes", entry.day, lambda c: c.stance == stance)
                basis = None if source is None else date_basis(source)
                notes = "; ".join(note for note in (reason, basis_words(basis) if basis else "") if note)
                why = f" ({notes})" if notes else ""
                return make(
                    f"{possessive(member)} stance towards {towards} changes{why}: from now on it supports "
                    f"with a chance of {stance.support:.0%}, abstains {stance.abstain:.0%}, objects "
                    f"{stance.object:.0%}.",
                    [Topic.STANCES],
                    source,
                    member=member,
                    **({"date_basis": basis.value} if basis else {}),
                )
            case e.DriverActed(driver=driver):
                model = next(d for d in self.scenario.drivers if d.name == driver)
                chance = f" (it acts in {model.probability:.0%} of histories; in this one it does)"
                return make(
                    f"{sentence(driver)} starts to act{chance if model.probability < 1 else ''}: "
                    f"{driver_effects(model)}.",
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
                    outcome = f"a step on its path to {words(sought)} status"
                promoted = f" (promoted from {words(held)})" if held else ""
                return make(
                    f"{candidate} becomes {org} {words(status)}{promoted}: {outcome}.",
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
            f"The {self.bodies[review.body]} reviews {possessive(review.candidate)} request for {words(review.status)} "
            f"status{again}; it meets the admission criteria. {sentence('; '.join(parts))}. Under {rule}, the status "
            f"is {outcome}: {review.reason}."
        )


def tell_outcome(scenario: Scenario, result: ReplicationResult) -> Outcome:
    """Where the process stands at the horizon: the instrument, then what became of each candidate."""
    adoption = result.date(result.adoption.day) if result.adoption else None
    in_force = result.date(result.entry_into_force.day) if result.entry_into_force else None
    ratified = {x.member for x in result.ratifications}
    not_ratified = (
        tuple(m.name for m in scenario.members if m.name not in ratified)
        if scenario.instrument.requires_ratification
        else ()
    )
    grants = tuple((g.candidate, g.status, result.date(g.day)) for g in result.grants)
    stalled = set(result.stalled)
    if adoption is None:
        head = "The instrument has not been adopted."
    elif in_force is None:
        waiting = ", ".join(f"{m} (stalled)" if m in stalled else m for m in not_ratified) or "none"
        head = f"The instrument has not entered into force: still to ratify: {waiting}."
    elif not scenario.instrument.requires_ratification:
        head = f"In force on adoption, {in_force}: it needs no ratification."
    elif result.last_ratifier:
        head = f"In force on {in_force}; the last notification needed was {possessive(result.last_ratifier)}."
    else:
        head = f"In force on {in_force}."
    candidates = tuple(candidate_fate(scenario, result, candidate.name) for candidate in scenario.candidates)
    told = " ".join(f"{fate.candidate}: {fate.text}." for fate in candidates)
    none = " No status has been granted." if candidates and not grants else ""
    text = f"By {scenario.horizon}: {head[:1].lower()}{head[1:]}{none}" + (f" {told}" if told else "")
    return Outcome(adoption, in_force, result.last_ratifier, not_ratified, grants, text, head, candidates)


def candidate_fate(scenario: Scenario, result: ReplicationResult, name: str) -> CandidateFate:
    """What became of candidate ``name`` by the horizon, read from the log of ``result``."""
    candidate = scenario.candidate(name)
    sought = candidate.status
    held = candidate.holds.status if candidate.holds is not None else None
    state, status, since, deferrals, note, attempts = NOT_APPLIED, sought, None, 0, "", 0
    for entry in result.log:
        if getattr(entry, "candidate", None) != name:
            continue
        date = result.date(entry.day)
        match entry:
            case e.Applied(status=asked, attempt=attempt):
                state, status, since, deferrals, note, attempts = PENDING, asked, date, 0, "", attempt
            case e.AwaitingInstrument():
                note = "waiting for the instrument that creates the status to enter into force"
            case e.Deferred():
                deferrals += 1
            case e.Revived():
                state, since = PENDING, date
            case e.Withdrawn():
                state, since = WITHDRAWN, date
            case e.FoundInadmissible(failures=failures):
                state, since, note = INADMISSIBLE, date, " and ".join(failures)
            case e.Reviewed(granted=False, reason=reason):
                state, since, note = REFUSED, date, reason
            case e.Granted(status=granted):
                held, since = granted, date
                state = GRANTED if granted == sought else HOLDS
            case e.StatusLost(status=lost):
                state, since, held = LOST, date, None
                status = lost
    waited = f", after {deferrals} session{'s' if deferrals > 1 else ''} without a decision" if deferrals else ""
    holding = f"holds {words(held)} status; " if held and state not in (GRANTED, LOST) else ""
    if state == GRANTED:
        again = f", on its application {attempts}" if attempts > 1 else ""
        text = f"granted {words(sought)} status on {since}{again}{waited}"
    elif state == NOT_APPLIED:
        text = f"{holding}did not apply" + (f" for {words(sought)} status" if held else "")
    elif state == HOLDS:
        text = (
            f"granted {words(held or sought)} status on {since}; did not apply for the next step towards "
            f"{words(sought)} status"
        )
    elif state == PENDING:
        still = note or (
            f"{deferrals} session{'s' if deferrals > 1 else ''} without a decision" if deferrals else "under review"
        )
        text = f"{holding}its request for {words(status)} status (made on {since}) was still pending: {still}"
    elif state == WITHDRAWN:
        text = f"{holding}withdrew its request for {words(status)} status on {since}"
    elif state == INADMISSIBLE:
        text = f"its request for {words(status)} status was inadmissible ({since}): it {note}"
    elif state == REFUSED:
        text = f"{holding}its request for {words(status)} status was not granted on {since} ({note})"
    else:
        text = f"lost its {words(status)} status on {since}"
    return CandidateFate(name, sought, state, text)

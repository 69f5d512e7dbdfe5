"""One replication told as dated lines in plain language, for teaching.

``narrate`` turns a result's event log into ``TraceLine``s (date, text, and the scenario source that backs
the rule applied, if any); ``format_trace`` renders them as text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cstosim.engine import result as r
from cstosim.engine.result import ReplicationResult
from cstosim.model.rules import Vote, notifications_for_entry_into_force
from cstosim.model.scenario import EntryIntoForceRule, Scenario


@dataclass(frozen=True)
class TraceLine:
    date: dt.date
    text: str
    source: str | None = None


def narrate(scenario: Scenario, result: ReplicationResult) -> list[TraceLine]:
    """The replication's events, in order, as sentences."""
    teller = _Teller(scenario, result)
    lines = [teller.line(entry) for entry in result.log]
    lines.append(teller.closing())
    return lines


def format_trace(lines: list[TraceLine], with_sources: bool = True) -> str:
    out = []
    for line in lines:
        out.append(f"{line.date:%Y-%m-%d}  {line.text}")
        if with_sources and line.source:
            out.append(f"            [source: {line.source}]")
    return "\n".join(out)


class _Teller:
    def __init__(self, scenario: Scenario, result: ReplicationResult) -> None:
        self.scenario = scenario
        self.result = result
        self.org = scenario.organization
        self.bodies = {body.id: body.name for body in self.org.bodies}
        self.required = notifications_for_entry_into_force(scenario.instrument.entry_into_force, len(scenario.members))

    def source(self, path: str) -> str | None:
        return self.scenario.sources.get(path)

    def member_source(self, name: str, table: str) -> str | None:
        for index, member in enumerate(self.scenario.members):
            if member.name == name:
                return self.source(f"members[{index}].{table}")
        return None

    def candidate_source(self, name: str) -> str | None:
        for index, candidate in enumerate(self.scenario.candidates):
            if candidate.name == name:
                return self.source(f"candidates[{index}]")
        return None

    def line(self, entry: r.LogEntry) -> TraceLine:
        date = self.result.date(entry.day)
        record = entry.record
        text, source = self.describe(record)
        return TraceLine(date, text, source)

    def describe(self, record: r.Record) -> tuple[str, str | None]:
        instrument = self.scenario.instrument
        org = self.org.short_name
        match record:
            case r.Adoption(body=body):
                where = f" at a session of the {self.bodies[body]}" if body else ""
                need = (
                    "; each member state must now ratify it"
                    if instrument.requires_ratification
                    else "; it needs no ratification"
                )
                return f"The {org} adopts the {instrument.name}{where}{need}.", self.source("instrument")
            case r.RatificationStageDone(member=member, stage=stage):
                return f"{member}: domestic stage '{stage}' completed.", self.member_source(member, "ratification")
            case r.RatificationStalled(member=member, stage=stage):
                return (
                    f"{member}: the ratification procedure stalls at '{stage}' and will not finish.",
                    self.member_source(member, "ratification"),
                )
            case r.Ratification(member=member, known=known, notification_number=number):
                fact = " (a recorded fact of the scenario)" if known else ""
                return (
                    f"{member} notifies the {self.org.depositary} of its ratification{fact}: "
                    f"notification {number} of the {self.required} required.",
                    self.member_source(member, "ratification"),
                )
            case r.EntryIntoForce(rule=rule, trigger=trigger):
                return self.entry_into_force(rule, trigger), self.source("instrument.entry_into_force")
            case r.ParticipationChanged(member=member, state=state):
                return (
                    f"{member}'s participation becomes '{state.value}'.",
                    self.member_source(member, "participation_changes[0]"),
                )
            case r.Application(candidate=candidate, status=status, attempt=attempt):
                again = "" if attempt == 1 else f" again (application {attempt})"
                return (
                    f"{candidate} applies{again} for {org} {status.value} status, writing to the Secretary General.",
                    self.candidate_source(candidate),
                )
            case r.Inadmissible(candidate=candidate, failures=failures):
                return (
                    f"{candidate}'s application is inadmissible: it {' and '.join(failures)}. "
                    "A candidate that fails the published criteria is never granted a status.",
                    "public record: published criteria (UN membership, diplomatic relations with all members, "
                    "peaceful settlement of disputes; for partners, no conflicting obligations)",
                )
            case r.ReviewStageDone(candidate=candidate, body=body):
                return f"{self.bodies[body]} completes its work on {candidate}'s application.", self.source(
                    "organization.review"
                )
            case r.Deferral(candidate=candidate, body=body):
                return (
                    f"The {self.bodies[body]} meets but defers {candidate}'s application to its next session.",
                    self.source("organization.review"),
                )
            case r.Review():
                return self.review(record), self.source("organization.consensus")
            case r.Grant(candidate=candidate, status=status):
                return f"{candidate} becomes {org} {status.value}: the status it sought is granted.", None
        raise TypeError(f"unknown record {record!r}")

    def entry_into_force(self, rule: str, trigger: str | None) -> str:
        instrument = self.scenario.instrument
        if trigger is None:
            return f"The {instrument.name} enters into force on adoption."
        if rule == EntryIntoForceRule.LAST_NOTIFICATION:
            why = f"the last notification, {trigger}'s, has been received"
        elif rule == EntryIntoForceRule.NTH_NOTIFICATION:
            why = f"notification number {self.required} ({trigger}'s) has been received"
        else:
            why = f"{trigger} ratified first; it binds only the states that ratified"
        return f"The {instrument.name} enters into force: {why}. Candidates can now be reviewed."

    def review(self, review: r.Review) -> str:
        parts = []
        for vote, verb in (
            (Vote.SUPPORT, "support"),
            (Vote.ABSTAIN, "abstain"),
            (Vote.OBJECT, "object"),
            (Vote.ABSENT, "absent"),
        ):
            members = review.members_voting(vote)
            if members:
                parts.append(f"{verb}: {', '.join(members)}")
        outcome = "granted" if review.granted else "not granted"
        rule = self.org.consensus.rule.value.replace("_", " ")
        return (
            f"The {self.bodies[review.body]} reviews {review.candidate}'s request for {review.status.value} status "
            f"({'; '.join(parts)}). Under {rule}, the status is {outcome}: {review.reason}."
        )

    def closing(self) -> TraceLine:
        horizon = self.scenario.horizon
        if self.result.entry_into_force is None:
            text = "Horizon reached: the instrument has not entered into force."
        elif not self.result.grants:
            text = "Horizon reached: no partner or observer status has been granted."
        else:
            granted = ", ".join(f"{g.candidate} ({g.status.value})" for g in self.result.grants)
            text = f"Horizon reached. Statuses granted: {granted}."
        return TraceLine(horizon, text)

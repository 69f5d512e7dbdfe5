"""The rules of a scenario's process in plain words, each with its citation.

Every statement is made from the scenario's parameters (how many members, which consensus rule, which bodies)
or from the descriptions its file gives (what a status means, the admission criteria). Every citation is the
scenario's own ``source`` text for that rule, with the quotes that the documents it cites hold on that rule's
topic (``Scenario.documents``). Where the file does not describe something, the rule says so: nothing here
supplies one organization's wording for another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cstosim.engine.result import ReplicationResult
from cstosim.model.citations import Topic
from cstosim.model.rules import notifications_for_entry_into_force
from cstosim.model.scenario import (
    ConsensusPolicy,
    ConsensusRule,
    Driver,
    EntryIntoForceRule,
    Membership,
    Participation,
    Scenario,
)

NOT_GIVEN = "not given in the scenario file"


@dataclass(frozen=True)
class CitedQuote:
    """A quote shown under a rule, with the document it comes from (``cstosim.model.citations.Quote`` is the
    quote as the sources file holds it, by topic)."""

    document: str  # the document's id, as source texts cite it ("seed 003")
    file: str  # where to read it ("seeds/003_....txt")
    text: str  # verbatim


@dataclass(frozen=True)
class Citation:
    source: str  # the scenario's source text (a document, public record with a date, or an assumption)
    quotes: tuple[CitedQuote, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One rule of the process, as the scenario sets it, with where it comes from."""

    key: str  # a ``Topic`` value
    title: str
    statement: str
    citation: Citation


def readable_path(scenario: Scenario, path: str) -> str:
    """A source's path with list items named, as dotted paths accept them: ``members[0].stance`` becomes
    ``members[Armenia].stance``, ``organization.bodies[0]`` becomes ``organization.bodies[CSC]``."""
    names = {
        "members": [member.name for member in scenario.members],
        "candidates": [candidate.name for candidate in scenario.candidates],
        "organization.bodies": [body.id for body in scenario.organization.bodies],
        "organization.statuses": [definition.name for definition in scenario.organization.statuses],
        "drivers": [driver.name for driver in scenario.drivers],
    }

    def name(match: re.Match[str]) -> str:
        items, index = names[match.group(1)], int(match.group(2))
        return f"{match.group(1)}[{items[index]}]" if index < len(items) else match.group(0)

    return re.sub(r"^(members|candidates|organization\.bodies|organization\.statuses|drivers)\[(\d+)\]", name, path)


def citation(scenario: Scenario, topic: Topic, *paths: str) -> Citation:
    """The scenario's sources at ``paths``, with the quotes on ``topic`` of the documents they cite."""
    texts = [scenario.sources[path] for path in paths if path in scenario.sources]
    return quoted(scenario, topic, "; ".join(dict.fromkeys(texts)))


def quoted(scenario: Scenario, topic: Topic, text: str) -> Citation:
    """``text`` (the scenario's source for a rule) with the quotes on ``topic`` of the documents it cites."""
    quotes = tuple(
        CitedQuote(document.id, document.file, quote.text)
        for document in scenario.documents.cited(text)
        for quote in document.quotes_on(topic)
    )
    return Citation(text or NOT_GIVEN, quotes)


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def body_names(scenario: Scenario) -> dict[str, str]:
    return {body.id: body.name for body in scenario.organization.bodies}


def adoption_session(scenario: Scenario, result: ReplicationResult) -> str | None:
    """The body that met on the adoption day, if the calendar has a session then (the deciding body first)."""
    adoption = result.adoption
    if adoption is None:
        return None
    bodies = body_names(scenario)
    if adoption.body is not None:
        return bodies[adoption.body]
    deciding = scenario.organization.review.deciding_body
    sessions = result.sessions or {}
    for body in sorted(sessions, key=lambda b: b != deciding):
        if int(adoption.day) in sessions[body]:
            return bodies[body]
    return None


def absence_effect(policy: ConsensusPolicy) -> str:
    if policy.absence_counts_as_objection:
        return "Under this scenario's consensus rule an absence blocks like an objection."
    if policy.rule is ConsensusRule.UNANIMITY:
        return "Under unanimity an absence blocks."
    return "Under this scenario's consensus rule an absence does not block."


def process_rules(scenario: Scenario, result: ReplicationResult) -> tuple[Rule, ...]:
    """The rules this scenario's process applies, in the order a story needs them."""
    rules = [adoption_rule(scenario, result)]
    if scenario.instrument.requires_ratification:
        rules.append(ratification_rule(scenario))
    rules += [entry_into_force_rule(scenario), review_rule(scenario)]
    if scenario.candidates:
        rules += [statuses_rule(scenario), criteria_rule(scenario)]
    rules.append(consensus_rule(scenario))
    participation = participation_rule(scenario)
    if participation is not None:
        rules.append(participation)
    rules += [rule for rule in (stances_rule(scenario), membership_rule(scenario), drivers_rule(scenario)) if rule]
    return tuple(rules)


def adoption_rule(scenario: Scenario, result: ReplicationResult) -> Rule:
    instrument = scenario.instrument
    if instrument.adopted_on is not None:
        adopted = f"adopted on {instrument.adopted_on}"
        session = adoption_session(scenario, result)
        if session:
            adopted += f" at a session of the {session}"
    else:
        assert instrument.adopting_body is not None
        adopted = f"adopted at the first session of the {body_names(scenario)[instrument.adopting_body]} after drafting"
    return Rule(
        Topic.ADOPTION,
        "Adoption",
        f"The instrument ({instrument.name}) is {adopted}.",
        citation(scenario, Topic.ADOPTION, "instrument"),
    )


def ratification_rule(scenario: Scenario) -> Rule:
    depositary = scenario.organization.depositary
    return Rule(
        Topic.RATIFICATION,
        "Ratification",
        f"It requires ratification: each of the {len(scenario.members)} member states ratifies it by its own "
        f"domestic procedure and notifies the {depositary}, the depositary.",
        citation(scenario, Topic.RATIFICATION, "instrument"),
    )


def entry_into_force_rule(scenario: Scenario) -> Rule:
    instrument = scenario.instrument
    return Rule(
        Topic.ENTRY_INTO_FORCE,
        "Entry into force",
        entry_into_force_statement(scenario) + " Candidates can be reviewed only once it is in force.",
        citation(
            scenario,
            Topic.ENTRY_INTO_FORCE,
            "instrument.entry_into_force" if instrument.requires_ratification else "instrument",
        ),
    )


def entry_into_force_statement(scenario: Scenario) -> str:
    instrument, depositary = scenario.instrument, scenario.organization.depositary
    rule = instrument.entry_into_force
    if not instrument.requires_ratification:
        return f"The instrument ({instrument.name}) needs no ratification and is in force on adoption."
    after = "" if rule.delay.mean == 0 else f" ({rule.delay} after the triggering notification)"
    if rule.rule is EntryIntoForceRule.LAST_NOTIFICATION:
        count = len(scenario.members)
        return f"It enters into force when the {depositary} receives the last of the {count} notifications{after}."
    if rule.rule is EntryIntoForceRule.NTH_NOTIFICATION:
        required = notifications_for_entry_into_force(rule, len(scenario.members))
        return f"It enters into force when the depositary receives notification number {required}{after}."
    return (
        f"It enters into force with the first notification{after}, binding only the states that have ratified; "
        "the others do not vote on candidates."
    )


def review_rule(scenario: Scenario) -> Rule:
    review, bodies = scenario.organization.review, body_names(scenario)
    deciding_index = next(i for i, body in enumerate(scenario.organization.bodies) if body.id == review.deciding_body)
    stages = [
        f"the {bodies[stage.body]}" + (" (at its next session)" if stage.at_session else "") for stage in review.stages
    ]
    pipeline = f"to {', then '.join(stages)}, " if stages else ""
    agenda = scenario.organization.agenda
    if agenda.take_up_probability >= 1:
        waiting = f"is decided at the next session of the {bodies[review.deciding_body]}."
    else:
        waiting = (
            f"then waits on the agenda of the {bodies[review.deciding_body]}: each session takes a pending request "
            f"up with a chance of {agenda.take_up_probability:.0%}; otherwise it stays pending for the next."
        )
    if agenda.withdrawal_per_year > 0:
        waiting += (
            f" While it waits, the candidate may withdraw it (a chance of {agenda.withdrawal_per_year:.0%} a year)"
            + (
                f"; a withdrawn request comes back with a chance of {agenda.revival_probability:.0%}."
                if agenda.revival_probability > 0
                else "."
            )
        )
    return Rule(
        Topic.REVIEW,
        "Review of a request",
        f"A candidate applies; its request goes {pipeline}and {waiting}",
        citation(
            scenario,
            Topic.REVIEW,
            f"organization.bodies[{deciding_index}]",
            "organization.review",
            "organization.agenda",
        ),
    )


def statuses_rule(scenario: Scenario) -> Rule:
    """What each status means, as the file describes it; a status sought but not described is named as such."""
    organization = scenario.organization
    sought = {step.name for candidate in scenario.candidates for step in organization.path_to(candidate.status)}
    described = [
        definition.description.rstrip(".") + "." for definition in organization.statuses if definition.description
    ]
    described += [
        f"The scenario file does not say what the {definition.name} status means (no description in its "
        f'[[organization.statuses]] entry with name = "{definition.name}").'
        for definition in organization.statuses
        if definition.name in sought and not definition.description
    ]
    for definition in organization.statuses:
        if definition.requires is not None:
            held = "" if definition.held_for.mean == 0 else f" for {definition.held_for}"
            described.append(
                f"A candidate may request {definition.name} status only after holding {definition.requires} "
                f"status{held}."
            )
        if definition.membership:
            described.append(f"Holding {definition.name} status makes a candidate a voting member.")
    sources = [
        f"{definition.name}: {scenario.sources[path]}"
        for index, definition in enumerate(organization.statuses)
        if (path := f"organization.statuses[{index}]") in scenario.sources
    ]
    return Rule(Topic.STATUSES, "Statuses", " ".join(described), quoted(scenario, Topic.STATUSES, "; ".join(sources)))


def criteria_rule(scenario: Scenario) -> Rule:
    description = scenario.organization.criteria_description
    if description is None:
        described = (
            "The scenario file does not describe the organization's admission criteria ([organization.criteria]). "
            "The model checks each candidate's own criteria table (un_member, no_relations_with, "
            "peaceful_settlement, conflicting_obligations)."
        )
    else:
        described = description.rstrip(".") + "."
    return Rule(
        Topic.CRITERIA,
        "Admission criteria",
        f"{described} A candidate failing them is found inadmissible and never granted a status, whatever the votes.",
        citation(scenario, Topic.CRITERIA, "organization.criteria"),
    )


def consensus_rule(scenario: Scenario) -> Rule:
    policy = scenario.organization.consensus
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
    return Rule(Topic.CONSENSUS, "Consensus", text, citation(scenario, Topic.CONSENSUS, "organization.consensus"))


def participation_rule(scenario: Scenario) -> Rule | None:
    """Only when some member does not take part fully at some point."""
    paths = [
        f"members[{index}].participation_changes[{number}]"
        for index, member in enumerate(scenario.members)
        for number in range(len(member.participation_changes))
    ]
    if not paths and all(member.participation is Participation.ACTIVE for member in scenario.members):
        return None
    return Rule(
        Topic.PARTICIPATION,
        "Participation",
        "A member's participation can change: an absent member does not attend, an abstaining member abstains on "
        "every status, a suspended member is not counted. " + absence_effect(scenario.organization.consensus),
        citation(scenario, Topic.PARTICIPATION, *paths),
    )


def stances_rule(scenario: Scenario) -> Rule | None:
    """Only when some member's stance changes over time."""
    paths = [
        f"members[{index}].stance_changes[{number}]"
        for index, member in enumerate(scenario.members)
        for number in range(len(member.stance_changes))
    ]
    if not paths:
        return None
    return Rule(
        Topic.STANCES,
        "Stances that change",
        "A member's stance towards some candidates can change, on a date from the record or at random (a yearly "
        "chance); from then on it votes by its new stance whenever those candidates' requests are decided.",
        citation(scenario, Topic.STANCES, *paths),
    )


def membership_rule(scenario: Scenario) -> Rule | None:
    """Only when membership can change: a member joins or leaves, or a status makes a candidate a member."""
    paths = [
        f"members[{index}].membership"
        for index, member in enumerate(scenario.members)
        if member.membership != Membership()
    ]
    paths += [
        f"organization.statuses[{index}]"
        for index, definition in enumerate(scenario.organization.statuses)
        if definition.membership
    ]
    if not paths:
        return None
    return Rule(
        Topic.MEMBERSHIP,
        "Membership that changes",
        "A state votes from the day it joins the organization and must ratify the instruments adopted while it is "
        "a member; once it leaves it no longer votes or ratifies, and the instrument no longer waits for its "
        "notification.",
        citation(scenario, Topic.MEMBERSHIP, *paths),
    )


def driver_effects(driver: Driver) -> str:
    """What a driver moves, in words: ``application probability +10% for every candidate; ...``."""
    return "; ".join(
        f"{effect.target.value.replace('_', ' ')} {effect.change:+.0%} for {effect.towards.describe()}"
        for effect in driver.effects
    )


def drivers_rule(scenario: Scenario) -> Rule | None:
    """Only when the scenario has drivers."""
    if not scenario.drivers:
        return None
    described = []
    for driver in scenario.drivers:
        effects = driver_effects(driver)
        chance = "" if driver.probability >= 1 else f" (in {driver.probability:.0%} of histories)"
        described.append(f"{driver.name}{chance}: {effects}.")
    return Rule(
        Topic.DRIVERS,
        "Drivers",
        "Some forces move several parameters at once when they act: " + " ".join(described),
        citation(scenario, Topic.DRIVERS, *(f"drivers[{index}]" for index in range(len(scenario.drivers)))),
    )

"""The institutional rules as pure functions: admission criteria, votes, consensus, entry into force."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import NamedTuple

from cstosim.model.scenario import (
    Candidate,
    CandidateKind,
    ConsensusPolicy,
    ConsensusRule,
    Criterion,
    EntryIntoForce,
    EntryIntoForceRule,
    Participation,
    Stance,
    StatusDefinition,
)


class Vote(StrEnum):
    SUPPORT = "support"
    ABSTAIN = "abstain"
    OBJECT = "object"
    ABSENT = "absent"


def criteria_failures(candidate: Candidate, status: StatusDefinition, member_names: Iterable[str]) -> tuple[str, ...]:
    """The criteria of ``status`` the candidate fails, in plain words; empty if it is eligible.

    UN membership and diplomatic relations apply to states only (an organization is neither).
    """
    criteria = candidate.criteria
    required = status.criteria
    failures = []
    if candidate.kind is CandidateKind.STATE:
        if Criterion.UN_MEMBER in required and not criteria.un_member:
            failures.append("is not a UN member")
        members = set(member_names)
        missing = [name for name in criteria.no_relations_with if name in members]
        if Criterion.DIPLOMATIC_RELATIONS in required and missing:
            failures.append(f"has no diplomatic relations with {', '.join(missing)}")
    if Criterion.PEACEFUL_SETTLEMENT in required and not criteria.peaceful_settlement:
        failures.append("does not commit to the peaceful settlement of disputes")
    if Criterion.NO_CONFLICTING_OBLIGATIONS in required and criteria.conflicting_obligations:
        failures.append("has security obligations that contradict the organization's treaties")
    return tuple(failures)


def cast_vote(participation: Participation, stance: Stance, u: float) -> Vote | None:
    """A member's vote at one review; ``None`` if it is not counted (suspended or not bound)."""
    if participation is Participation.SUSPENDED:
        return None
    if participation is Participation.ABSENT:
        return Vote.ABSENT
    if participation is Participation.ABSTAINING:
        return Vote.ABSTAIN
    if u < stance.support:
        return Vote.SUPPORT
    if u < stance.support + stance.abstain:
        return Vote.ABSTAIN
    return Vote.OBJECT


class Decision(NamedTuple):
    granted: bool
    reason: str


def decide(votes: Mapping[str, Vote], policy: ConsensusPolicy) -> Decision:
    """Apply the consensus policy to the counted members' votes."""
    objecting: list[str] = []
    absent: list[str] = []
    abstaining: list[str] = []
    supported = False
    for member, vote in votes.items():
        if vote is Vote.SUPPORT:
            supported = True
        elif vote is Vote.ABSTAIN:
            abstaining.append(member)
        elif vote is Vote.OBJECT:
            objecting.append(member)
        else:
            absent.append(member)
    if policy.absence_counts_as_objection and absent:
        objecting = objecting + absent
        absent = []
    if objecting:
        return Decision(False, f"objection by {', '.join(objecting)}")
    if not supported:
        return Decision(False, "no member supported")
    if policy.rule is ConsensusRule.UNANIMITY and (abstaining or absent):
        return Decision(False, f"unanimity not reached: {_not_supporting(abstaining, absent)}")
    if policy.rule is ConsensusRule.CONSENSUS_OF_PRESENT and abstaining:
        return Decision(False, f"consensus of those present not reached: {_not_supporting(abstaining, [])}")
    return Decision(True, _consensus_reason(abstaining, absent))


def _not_supporting(abstaining: list[str], absent: list[str]) -> str:
    parts = []
    if abstaining:
        parts.append(f"{', '.join(abstaining)} abstained")
    if absent:
        parts.append(f"{', '.join(absent)} absent")
    return "; ".join(parts)


def _consensus_reason(abstaining: list[str], absent: list[str]) -> str:
    if not abstaining and not absent:
        return "every member supported"
    return f"no objection ({_not_supporting(abstaining, absent)}; this does not block)"


def notifications_for_entry_into_force(rule: EntryIntoForce, bound_members: int) -> int:
    """How many ratification notifications the depositary must hold for the instrument to take effect."""
    if rule.rule is EntryIntoForceRule.LAST_NOTIFICATION:
        return bound_members
    if rule.rule is EntryIntoForceRule.NTH_NOTIFICATION:
        assert rule.notifications_required is not None
        return rule.notifications_required
    return 1


def moved_towards_support(stance: Stance, change: float) -> Stance:
    """``stance`` with ``change`` of probability moved to support, from objection first, then abstention (a
    negative change moves support to objection); what cannot move stays."""
    if change >= 0:
        from_object = min(change, stance.object)
        from_abstain = min(change - from_object, stance.abstain)
        return Stance(
            stance.support + from_object + from_abstain, stance.abstain - from_abstain, stance.object - from_object
        )
    moved = min(-change, stance.support)
    return Stance(stance.support - moved, stance.abstain, stance.object + moved)

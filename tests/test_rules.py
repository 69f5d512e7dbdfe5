"""The institutional rules: admission criteria, votes and the three consensus rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cstosim.model.rules import Vote, cast_vote, criteria_failures, decide
from cstosim.model.scenario import (
    DEFAULT_STATUSES,
    Candidate,
    CandidateKind,
    ConsensusPolicy,
    ConsensusRule,
    Criteria,
    Participation,
    Stance,
    StatusDefinition,
)

S, A, OBJ, X = Vote.SUPPORT, Vote.ABSTAIN, Vote.OBJECT, Vote.ABSENT
RULES = list(ConsensusRule)


def policy(rule: ConsensusRule, absence_objects: bool = False) -> ConsensusPolicy:
    return ConsensusPolicy(rule, absence_objects)


@pytest.mark.parametrize(
    ("votes", "unanimity", "present", "constructive"),
    [
        ((S, S, S), True, True, True),
        ((S, S, A), False, False, True),
        ((S, S, X), False, True, True),
        ((S, A, X), False, False, True),
        ((S, S, OBJ), False, False, False),
        ((A, A, A), False, False, False),  # nobody supports: nothing to adopt
        ((X, X, X), False, False, False),
    ],
)
def test_consensus_rules(votes, unanimity, present, constructive):
    ballot = {f"M{i}": vote for i, vote in enumerate(votes)}
    assert decide(ballot, policy(ConsensusRule.UNANIMITY)).granted is unanimity
    assert decide(ballot, policy(ConsensusRule.CONSENSUS_OF_PRESENT)).granted is present
    assert decide(ballot, policy(ConsensusRule.CONSTRUCTIVE_ABSTENTION)).granted is constructive


@given(
    others=st.lists(st.sampled_from([S, A, X]), min_size=0, max_size=8),
    rule=st.sampled_from(RULES),
    absence_objects=st.booleans(),
)
def test_one_objection_blocks_under_every_rule(others, rule, absence_objects):
    ballot = {f"M{i}": vote for i, vote in enumerate(others)} | {"Objector": OBJ}
    decision = decide(ballot, policy(rule, absence_objects))
    assert not decision.granted
    assert "Objector" in decision.reason


def test_absence_counted_as_objection_blocks():
    ballot = {"M0": S, "M1": S, "M2": X}
    assert decide(ballot, policy(ConsensusRule.CONSTRUCTIVE_ABSTENTION)).granted
    blocked = decide(ballot, policy(ConsensusRule.CONSTRUCTIVE_ABSTENTION, absence_objects=True))
    assert not blocked.granted and "M2" in blocked.reason


def test_votes_follow_participation_then_stance():
    stance = Stance(0.5, 0.3, 0.2)
    assert cast_vote(Participation.SUSPENDED, stance, 0.1) is None
    assert cast_vote(Participation.ABSENT, stance, 0.1) is X
    assert cast_vote(Participation.ABSTAINING, stance, 0.1) is A
    assert cast_vote(Participation.ACTIVE, stance, 0.49) is S
    assert cast_vote(Participation.ACTIVE, stance, 0.79) is A
    assert cast_vote(Participation.ACTIVE, stance, 0.81) is OBJ


def candidate(kind=CandidateKind.STATE, status="observer", **criteria) -> Candidate:
    return Candidate("X", kind, status, Criteria(**criteria))


PARTNER, OBSERVER = DEFAULT_STATUSES


def test_criteria_are_those_of_the_status_requested():
    members = ["A", "B"]
    assert criteria_failures(candidate(), OBSERVER, members) == ()
    assert criteria_failures(candidate(un_member=False), OBSERVER, members) == ("is not a UN member",)
    assert criteria_failures(candidate(no_relations_with=("B",)), OBSERVER, members) == (
        "has no diplomatic relations with B",
    )
    assert criteria_failures(candidate(peaceful_settlement=False), OBSERVER, members)
    # Conflicting security obligations rule out a partner, not an observer (the default statuses' criteria).
    assert criteria_failures(candidate(status="partner", conflicting_obligations=True), PARTNER, members)
    assert criteria_failures(candidate(conflicting_obligations=True), OBSERVER, members) == ()
    # UN membership and diplomatic relations are criteria for states, not organizations.
    assert criteria_failures(candidate(kind=CandidateKind.ORGANIZATION, un_member=False), OBSERVER, members) == ()
    # A status declared without criteria bars nobody.
    assert criteria_failures(candidate(un_member=False), StatusDefinition("dialogue_partner"), members) == ()


@pytest.mark.parametrize("values", [(0.5, 0.5, 0.1), (1.2, 0.0, -0.2)])
def test_stance_must_be_probabilities_summing_to_one(values):
    with pytest.raises(ValueError):
        Stance(*values)

"""The narrated trace: dated events, every milestone, cited rules, quotes from the scenario's sources file."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from click.testing import CliRunner

import cstosim
from conftest import base_table, build
from cstosim.cli import main


def deterministic_trace(**changes):
    table = base_table(members=3, candidates=1)
    table["organization"]["bodies"][0]["calendar"] = {"fixed_dates": [dt.date(2021, 11, 15), dt.date(2022, 11, 15)]}
    for key, value in changes.items():
        table[key] = value
    scenario = build(table)
    return cstosim.trace(scenario, cstosim.run_replication(scenario, 1), seed=1, replication=0)


def test_deterministic_trace_has_exact_dates_and_the_reason_for_entry_into_force():
    story = deterministic_trace()
    by_kind = {}
    for event in story.events:
        by_kind.setdefault(event.kind, []).append(event)
    assert [e.date for e in by_kind["ratification"]] == [
        dt.date(2020, 4, 10),
        dt.date(2020, 7, 19),
        dt.date(2020, 10, 27),
    ]
    (in_force,) = by_kind["entry_into_force"]
    assert in_force.date == dt.date(2020, 10, 27)
    assert "M2 was the last to ratify, 300 days after adoption" in in_force.text
    assert by_kind["application"][0].date == dt.date(2020, 11, 26)  # 30 days after entry into force
    (review,) = by_kind["review"]
    assert review.date == dt.date(2021, 11, 15)  # the next session after the Secretariat's 10 days
    assert "Supported: M0, M1, M2" in review.text and "granted" in review.text
    assert review.details["votes"] == {"M0": "support", "M1": "support", "M2": "support"}
    assert story.outcome.entry_into_force == dt.date(2020, 10, 27)
    assert story.outcome.grants == (("C0", "observer", dt.date(2021, 11, 15)),)
    assert [e.date for e in story.events] == sorted(e.date for e in story.events)


def test_an_objection_and_an_absence_are_named_and_explain_the_outcome():
    table = base_table(members=3, candidates=1)
    table["members"][0]["stance"] = {"support": 0.0, "abstain": 0.0, "object": 1.0}
    table["members"][1]["participation"] = "absent"
    scenario = build(table)
    story = cstosim.trace(scenario, cstosim.run_replication(scenario, 2))
    (review,) = [e for e in story.events if e.kind == "review"]
    assert "Supported: M2; objected: M0; absent: M1" in review.text
    assert "not granted: objection by M0" in review.text
    assert review.details["granted"] is False
    assert "no status has been granted" in story.outcome.text


def test_inadmissible_candidate_is_explained_by_the_criteria():
    table = base_table(members=2, candidates=1)
    table["candidates"][0]["criteria"] = {"no_relations_with": ["M1"]}
    scenario = build(table)
    story = cstosim.trace(scenario, cstosim.run_replication(scenario, 3))
    (event,) = [e for e in story.events if e.kind == "inadmissible"]
    assert "has no diplomatic relations with M1" in event.text and event.rules == ("criteria",)
    assert "never granted" in story.rule("criteria").statement


def test_an_organization_that_describes_nothing_is_told_what_is_missing_not_given_csto_text():
    table = base_table(members=2, candidates=2)
    table["candidates"][1]["status"] = "partner"
    scenario = build(table)
    story = cstosim.trace(scenario, cstosim.run_replication(scenario, 1))
    statuses, criteria = story.rule("statuses"), story.rule("criteria")
    for status in ("observer", "partner"):
        assert f"does not say what the {status} status means" in statuses.statement
    assert "does not describe the organization's admission criteria" in criteria.statement
    assert "never granted" in criteria.statement
    for rule in story.rules:
        assert rule.citation.source == "not given in the scenario file" and not rule.citation.quotes, rule.key
    text = story.to_text()
    assert "UN member" not in text and "practical events" not in text and "CSTO" not in text


def test_statuses_and_criteria_are_told_in_the_files_words():
    table = base_table(members=2, candidates=1)
    table["organization"]["statuses"] = [
        {"name": "observer", "description": "An observer may sit in on the Council", "source": "assumption: test"}
    ]
    table["organization"]["criteria"] = {"description": "Candidates must border a member.", "source": "treaty art. 9"}
    scenario = build(table)
    story = cstosim.trace(scenario, cstosim.run_replication(scenario, 1))
    assert story.rule("statuses").statement == "An observer may sit in on the Council."
    assert story.rule("statuses").citation.source == "observer: assumption: test"
    assert story.rule("criteria").statement.startswith("Candidates must border a member. A candidate failing them")
    assert story.rule("criteria").citation.source == "treaty art. 9"


@pytest.mark.parametrize("name", ["csto-2018", "csto-2024", "csto-2018-absence-objects", "sco-like-observer"])
def test_bundled_traces_tell_every_milestone_and_cite_every_rule(name):
    scenario = cstosim.load_scenario(name)
    result = cstosim.run_replication(scenario, 5, 0)
    story = cstosim.trace(scenario, result, seed=5, replication=0)
    kinds = [event.kind for event in story.events]
    assert kinds.count("adoption") == 1
    assert kinds.count("ratification") == len(result.ratifications)
    assert kinds.count("entry_into_force") == (result.entry_into_force is not None)
    assert kinds.count("application") == len(result.applications)
    assert kinds.count("review") == len(result.reviews)
    assert kinds.count("grant") == len(result.grants)
    assert kinds[-1] == "horizon"
    keys = {rule.key for rule in story.rules}
    for event in story.events:
        assert set(event.rules) <= keys
    for rule in story.rules:
        source = rule.citation.source
        assert rule.citation.quotes or re.search(r"public record|assumption|docs/domain\.md", source), (
            rule.key,
            source,
        )
    applied = {key for event in story.events for key in event.rules}
    assert {"adoption", "entry_into_force"} <= applied
    text = story.to_text()
    for ratification in result.ratifications:
        assert f"{result.date(ratification.day)}  {ratification.member} notifies" in text


def test_csto_trace_quotes_the_seeds_for_ratification_entry_into_force_and_consensus():
    scenario = cstosim.load_scenario("csto-2018")
    story = cstosim.trace(scenario, cstosim.run_replication(scenario, 1))
    quotes = {rule.key: [q.text for q in rule.citation.quotes] for rule in story.rules}
    assert "They require ratification." in quotes["ratification"]
    assert "When this is done, the decision will enter into force immediately" in quotes["entry_into_force"]
    assert any("on the basis of consensus" in q for q in quotes["consensus"])
    assert all(q.file == "seeds/003_a4e74b3ecd1ffde4.txt" for q in story.rule("entry_into_force").citation.quotes)
    assert any("practical events" in q for q in quotes["statuses"])
    assert "public record" in story.rule("criteria").citation.source
    assert "UN member" in story.rule("criteria").statement


def test_another_organization_is_not_credited_with_the_csto_articles():
    scenario = cstosim.load_scenario("sco-like-observer")
    story = cstosim.trace(scenario, cstosim.run_replication(scenario, 1))
    assert all(not rule.citation.quotes for rule in story.rules)
    assert "needs no ratification" in story.rule("entry_into_force").statement


def test_a_changed_rule_changes_the_story():
    scenario = cstosim.load_scenario("csto-2018-absence-objects")
    story = cstosim.trace(scenario, cstosim.run_replication(scenario, 1))
    assert "an absent member counts as objecting" in story.rule("consensus").statement
    assert "absence blocks like an objection" in story.rule("participation").statement


def test_cli_trace_formats():
    runner = CliRunner()
    text = runner.invoke(main, ["trace", "--seed", "4"])
    assert text.exit_code == 0, text.output
    assert "Rules applied" in text.output and "[R1]" in text.output and "seeds/003_a4e74b3ecd1ffde4.txt" in text.output
    markdown = runner.invoke(main, ["trace", "--seed", "4", "--format", "markdown"])
    assert markdown.output.startswith("# csto-2018") and "## What happened" in markdown.output
    assert "| date | event | rules |" in markdown.output
    data = json.loads(runner.invoke(main, ["trace", "csto-2024", "--seed", "4", "--format", "json"]).output)
    assert data["scenario"] == "csto-2024" and data["seed"] == 4 and data["replication"] == 0
    (ratification,) = [rule for rule in data["rules"] if rule["key"] == "ratification"]
    assert {"document": "seed 003", "file": "seeds/003_a4e74b3ecd1ffde4.txt", "text": "They require ratification."} in (
        ratification["quotes"]
    )
    assert data["events"][0]["kind"] == "adoption" and data["events"][0]["date"] == "2018-11-08"
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", event["date"]) for event in data["events"])
    assert {rule["key"] for rule in data["rules"]} >= {"adoption", "ratification", "entry_into_force", "consensus"}
    plain = runner.invoke(main, ["trace", "--seed", "4", "--no-sources"])
    assert "[R1]" not in plain.output and "source:" not in plain.output

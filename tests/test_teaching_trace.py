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
    assert "No status has been granted" in story.outcome.text
    (fate,) = story.outcome.candidates
    assert fate.state == "not granted" and fate.text == "its request for observer status was not granted on " + (
        f"{review.date} (objection by M0)"
    )


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
    text = " ".join(story.to_text().split())  # the sentences, as wrapped lines rejoined
    for event in story.events[:-1]:
        assert f"{event.date} {' '.join(event.text.split())}" in text
    assert [fate.candidate for fate in story.outcome.candidates] == [c.name for c in scenario.candidates]


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
    cited = runner.invoke(main, ["trace", "--seed", "4", "--sources"])
    assert cited.exit_code == 0, cited.output
    assert "Rules applied" in cited.output and "[R1]" in cited.output
    assert "seeds/003_a4e74b3ecd1ffde4.txt" in cited.output and "(source: " in cited.output
    markdown = runner.invoke(main, ["trace", "--seed", "4", "--format", "markdown"])
    assert markdown.output.startswith("# csto-2018") and "## What happened" in markdown.output
    assert "| date | event | rules | source |" in markdown.output and "## Rules applied" in markdown.output
    assert "They require ratification." in markdown.output and "- **S1.** " in markdown.output
    data = json.loads(runner.invoke(main, ["trace", "csto-2024", "--seed", "4", "--format", "json"]).output)
    assert data["scenario"] == "csto-2024" and data["seed"] == 4 and data["replication"] == 0
    (ratification,) = [rule for rule in data["rules"] if rule["key"] == "ratification"]
    assert {"document": "seed 003", "file": "seeds/003_a4e74b3ecd1ffde4.txt", "text": "They require ratification."} in (
        ratification["quotes"]
    )
    assert data["events"][0]["kind"] == "adoption" and data["events"][0]["date"] == "2018-11-08"
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", event["date"]) for event in data["events"])
    assert {rule["key"] for rule in data["rules"]} >= {"adoption", "ratification", "entry_into_force", "consensus"}
    assert data["outcome"]["candidates"][0].keys() == {"candidate", "status", "state", "text"}
    for plain in (
        runner.invoke(main, ["trace", "--seed", "4"]),
        runner.invoke(main, ["trace", "--seed", "4", "--no-sources"]),
    ):
        assert "[R1]" not in plain.output and "source:" not in plain.output and "Rules applied" not in plain.output
        assert "What happened" in plain.output and "Outcome by 2032-12-31" in plain.output


def test_the_default_trace_is_short_events_then_the_outcome_of_every_candidate():
    """What a student reads: no rules or quotes before the events, no source under every notification, and a line
    for every candidate, including those that never applied."""
    scenario = cstosim.load_scenario("csto-2024")
    story = cstosim.trace(scenario, cstosim.run_replication(scenario, 3, 0), seed=3, replication=0)
    short, cited = story.to_text().splitlines(), story.to_text(with_sources=True).splitlines()
    first = short.index("What happened") + 1
    assert first <= 4 and short[first].startswith("  2018-11-08  The CSTO adopts")
    assert len(short) < len(cited) / 2 and max(len(line) for line in short) <= 100
    outcome = short[short.index("Outcome by 2036-12-31") + 1 :]
    assert outcome[0] == "  In force on 2021-06-30; the last notification needed was Tajikistan's."
    assert "  - Uzbekistan (observer): did not apply." in outcome and "  - Iran (observer): did not apply." in outcome
    # With sources, a source shared by several events is printed once, under the first.
    assert sum("every member except Tajikistan had ratified" in line for line in cited) == 1  # five events, one source
    assert cited.index("Rules applied (the [R] numbers above), each with its source and quotes") > cited.index(
        "Outcome by 2036-12-31"
    )


def pending_scenario(**agenda):
    """One candidate whose request reaches a deciding body that never takes it up."""
    table = base_table(members=2, candidates=2)
    table["organization"]["agenda"] = {"take_up_probability": 1e-9, **agenda}  # never, in practice
    table["candidates"][1]["application"] = {"probability": 0.0}
    return build(table)


def test_the_outcome_says_what_became_of_each_candidate():
    scenario = pending_scenario()
    result = cstosim.run_replication(scenario, 1)
    story = cstosim.trace(scenario, result)
    pending, never = story.outcome.candidates
    sessions = sum(1 for event in story.events if event.kind == "deferral")
    assert sessions == 11  # one session a year from 2020 to 2030, none takes the request up
    (applied,) = [event for event in story.events if event.kind == "application"]
    assert applied.date == dt.date(2020, 8, 18)  # 30 days after entry into force on M1's notification (day 200)
    assert pending.state == "pending" and pending.text == (
        "its request for observer status (made on 2020-08-18) was still pending: 11 sessions without a decision"
    )
    assert never.state == "did not apply" and never.text == "did not apply"
    assert "C1 (observer): did not apply." in story.to_text()


@pytest.mark.parametrize(
    ("source", "basis"),
    [
        ("public record: notified on 2019-05-02", "recorded"),
        ("seed 003: the notification of 2019-05-02", "recorded"),
        ("assumption: the sources say only that it had not ratified by mid-2020", "assumed"),
        (
            "seeds 000 and 003: not ratified by 2020; in force by 2024, so a date between is assumed",
            "assumed",
        ),
        (
            "seed 000 (2020-03-06): all had ratified; the day is not known, so the date of that statement is used",
            "known by then",
        ),
        (
            "approved in May 2020; the day is not known, so the last day of May is used (an upper bound)",
            "known by then",
        ),
        (None, "no source given"),
    ],
)
def test_a_date_from_the_file_is_labelled_by_what_its_source_says(source, basis):
    table = base_table(members=2, candidates=0)
    table["start"] = dt.date(2021, 1, 1)
    table["members"][0]["ratification"] = {"ratified_on": dt.date(2020, 3, 6)}
    if source is not None:
        table["members"][0]["ratification"]["source"] = source
    scenario = build(table)
    result = cstosim.run_replication(scenario, 1)
    story = cstosim.trace(scenario, result)
    (event,) = [event for event in story.events if event.kind == "ratification" and event.details["member"] == "M0"]
    assert event.details["date_basis"] == basis
    assert "recorded fact" not in event.text
    if basis == "known by then":
        assert event.text.startswith("By this date M0 has notified") and "on this date or earlier" in event.text
    else:
        assert {"recorded": "(a recorded date)", "assumed": "(an assumed date", "no source given": "without a source"}[
            basis
        ] in event.text
    (simulated,) = [event for event in story.events if event.kind == "ratification" and event.details["member"] == "M1"]
    assert "date_basis" not in simulated.details and "date" not in simulated.text.partition(":")[0]
    labels = [text.get_text() for text in cstosim.timeline(scenario, result).axes[0].texts]
    short = {"recorded": "(recorded)", "assumed": "(assumed)", "known by then": "by 2020-03-06 (known by then)"}
    assert any(short.get(basis, "(no source)") in label for label in labels), labels


def test_csto_2024_labels_the_assumed_and_the_statement_dates_and_the_recorded_events():
    scenario = cstosim.load_scenario("csto-2024")
    story = cstosim.trace(scenario, cstosim.run_replication(scenario, 3, 0))
    notifications = {e.details["member"]: e for e in story.events if e.kind == "ratification"}
    assert notifications["Tajikistan"].details["date_basis"] == "assumed"
    assert "(an assumed date, not a recorded one)" in notifications["Tajikistan"].text
    for member in ("Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russia"):
        assert notifications[member].details["date_basis"] == "known by then", member
        assert notifications[member].text.startswith(f"By this date {member} has notified")
    (request,) = [e for e in story.events if e.kind == "application"]
    assert request.details["date_basis"] == "recorded" and "(a recorded date)" in request.text
    absent = next(e for e in story.events if e.kind == "participation")
    assert absent.date == dt.date(2023, 11, 23) and "(a recorded date)" in absent.text

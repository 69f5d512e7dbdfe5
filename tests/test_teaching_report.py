"""The HTML report: one self-contained page with the scenario's sources, the summary, plots, timeline and trace."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

import cstosim
from cstosim.analysis.narration import readable_path
from cstosim.cli import main


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    output = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(main, ["report", "csto-2018", "-n", "60", "--seed", "7", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {output}" in result.output
    return output.read_text(encoding="utf-8")


def test_report_is_self_contained(page):
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing loaded from the network
    assert "<script" not in page and "<link" not in page
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(images) == 6  # process diagram, four plots, the example timeline
    assert all(src.startswith("data:image/png;base64,iVBOR") for src in images)


def test_report_has_the_scenario_summary_and_sources(page):
    scenario = cstosim.load_scenario("csto-2018")
    table = cstosim.run_replications(scenario, 60, seed=7)
    summary = cstosim.summarize(scenario, table)
    assert scenario.title in page and "60 replications, seed 7" in page
    assert f"{summary.entry_into_force.reached.estimate:.1%}" in page
    assert str(summary.entry_into_force.median) in page
    for outcome in summary.candidates:
        assert f'<td class="first">{outcome.candidate}</td>' in page
    for path in scenario.sources:
        where = "scenario (top level)" if path == "scenario" else readable_path(scenario, path)
        assert f'<code class="where">{where}</code>' in page, path
    # Every value with its source: the values follow the path and the source that covers them.
    tajikistan = page.index('<code class="where">members[Tajikistan].ratification</code>')
    assert page.index("Source: seeds 000 and 003: the only member still to ratify", tajikistan) < page.index(
        "<code>stall_probability = 0.02</code>", tajikistan
    )
    assert "<code>take_up_probability = 0.5</code>" in page
    for number in ("000", "003", "004"):
        document = scenario.documents.document(f"seed {number}")
        assert document is not None and f"<code>{document.file}</code>" in page


def test_report_example_trace_matches_the_replication(page):
    scenario = cstosim.load_scenario("csto-2018")
    example = int(re.search(r"replication (\d+) of seed 7", page).group(1))
    result = cstosim.run_replication(scenario, 7, example)
    story = cstosim.trace(scenario, result, seed=7, replication=example)
    assert f"cstosim trace csto-2018 --seed 7 --replication {example}" in page
    assert "This replication is the first of this run in which a status is granted" in page
    for event in story.events[:-1]:  # the last, at the horizon, is the outcome, told apart
        assert f'<td class="date">{event.date}</td>' in page
    for fate in story.outcome.candidates:
        assert f"<li><strong>{fate.candidate}</strong> ({fate.status}): {fate.text}.</li>" in page
    for rule in story.rules:
        assert f'id="rule-{rule.key}"' in page
    assert "They require ratification." in page
    assert result.grants, "the default example is a replication that grants a status"


def test_report_refuses_a_missing_folder(tmp_path):
    result = CliRunner().invoke(main, ["report", "-n", "5", "--seed", "1", "-o", str(tmp_path / "no" / "r.html")])
    assert result.exit_code == 2 and "does not exist" in result.output and "Traceback" not in result.output


def test_report_leaves_out_plots_that_would_say_nothing():
    sco = cstosim.render_report(
        cstosim.build_report(cstosim.load_scenario("sco-like-observer"), replications=30, seed=1)
    )
    assert sco.count("data:image/png;base64,") == 4  # diagram, first grant, grant probability, timeline
    assert "enters into force on 2004-06-17 in every replication reaching it (it needs no ratification)" in sco
    assert "Whose ratification" not in sco
    recorded = cstosim.build_report(cstosim.load_scenario("csto-2024"), replications=30, seed=1)
    assert [image.title for image in recorded.plots] == [
        "How long from entry into force to the first status?",
        "Which candidates obtain the status they seek?",
    ]
    assert "Tajikistan's notification completes entry into force in every replication reaching it." in recorded.notes


def test_report_labels_dates_from_the_file_by_their_source():
    page = cstosim.render_report(cstosim.build_report(cstosim.load_scenario("csto-2024"), replications=20, seed=1))
    assert "<code>ratified_on = 2021-06-30 (assumed)</code>" in page
    assert "<code>ratified_on = 2020-03-06 (known by then)</code>" in page
    assert "(an assumed date, not a recorded one)" in page and "recorded fact" not in page
    assert "every notification date is set in the scenario file: 5 known by then, 1 assumed" in page


def test_report_with_a_baseline_compares_the_two_replication_by_replication(tmp_path):
    output = tmp_path / "what-if.html"
    arguments = ["report", "csto-2018-absence-objects", "--baseline", "csto-2018", "-n", "80", "--seed", "3"]
    result = CliRunner().invoke(main, [*arguments, "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "compared with csto-2018" in result.output
    page = output.read_text(encoding="utf-8")
    assert '<h2 id="baseline">Against the baseline, csto-2018</h2>' in page and 'href="#baseline"' in page
    paired = cstosim.compare("csto-2018", "csto-2018-absence-objects", 80, seed=3)
    any_grant = paired[paired["outcome"] == "any_grant"].iloc[0]
    cells = (
        f'<td class="num" data-label="csto-2018">{any_grant["baseline"]:.1%}</td>'
        f'<td class="num" data-label="csto-2018-absence-objects">{any_grant["what_if"]:.1%}</td>'
    )
    assert '<tr><td class="first">any status granted</td>' + cells in page  # the same figures as cstosim compare
    assert "--baseline csto-2018</code>" in page  # how to reproduce it
    plain = CliRunner().invoke(main, ["report", "csto-2018", "-n", "5", "--seed", "3", "-o", str(tmp_path / "r.html")])
    assert plain.exit_code == 0 and 'id="baseline"' not in (tmp_path / "r.html").read_text(encoding="utf-8")
    bad = CliRunner().invoke(main, ["report", "--baseline", "no-such-scenario", "-n", "5", "-o", str(output)])
    assert bad.exit_code == 2 and "no-such-scenario" in bad.output and "Traceback" not in bad.output

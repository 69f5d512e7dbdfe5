"""The scenario library: ``cstosim scenarios --show``, ``cstosim new`` and the docs table of bundled scenarios."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import cstosim
from cstosim.analysis.narration import readable_path
from cstosim.cli import main

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_show_wraps_its_summary_for_a_terminal():
    for name in cstosim.bundled_scenarios():
        result = CliRunner().invoke(main, ["scenarios", "--show", name])
        summary = result.output.split("Values and their sources")[0]
        assert max(len(line) for line in summary.splitlines()[1:]) <= 100, name  # under the title line
    flat = " ".join(summary.split())
    scenario = cstosim.load_scenario(name)
    assert all(" ".join(f"{c.name} ({c.status})".split()) in flat for c in scenario.candidates)


def test_show_prints_the_scenario_with_every_source():
    result = CliRunner().invoke(main, ["scenarios", "--show", "csto-2024"])
    assert result.exit_code == 0, result.output
    scenario = cstosim.load_scenario("csto-2024")
    assert result.output.startswith(f"csto-2024: {scenario.title}")
    assert "Consensus:      constructive_abstention" in result.output
    assert "Armenia (absent" in result.output
    lines = result.output.splitlines()
    flat = " ".join(result.output.split())  # long sources are wrapped
    for path, source in scenario.sources.items():
        where = "  (top level)" if path == "scenario" else f"  {readable_path(scenario, path)}"
        assert where in lines and " ".join(source.split()) in flat, path
    # Every value under its source; dated facts say what their date rests on.
    tajikistan = lines.index("  members[Tajikistan].ratification")
    assert lines[tajikistan + 1].startswith("      source: assumption: the sources say only")
    assert "      ratified_on = 2021-06-30 (assumed)" in lines[tajikistan:]
    assert "      ratified_on = 2020-03-06 (known by then)" in lines
    assert "      take_up_probability = 0.5" in lines
    assert "      stance = { support = 0.8, abstain = 0.15, object = 0.05 }" not in lines  # its own source: a table
    assert "      object = 0.05" in lines
    assert "Statuses:       partner: A partner is" in result.output and "\n                observer: " in result.output
    assert "Criteria:       A state must be a UN member" in result.output
    assert "Documents:      seed 000, seed 001, seed 002, seed 003, seed 004, docs/domain.md cited" in result.output


def test_show_says_what_a_file_does_not_describe(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["new", "plain"]).exit_code == 0
    text = (tmp_path / "plain.toml").read_text(encoding="utf-8")
    described = text.index("[[organization.statuses]]"), text.index("# The decision that creates the statuses.")
    (tmp_path / "plain.toml").write_text(text[: described[0]] + text[described[1] :], encoding="utf-8")
    result = runner.invoke(main, ["scenarios", "--show", "plain.toml"])
    assert result.exit_code == 0, result.output
    assert "Statuses:       not described in the scenario file" in result.output
    assert "Criteria:       not described in the scenario file" in result.output
    assert "Documents:      none: no sources.toml beside the scenario files" in result.output


def test_show_an_unknown_scenario_is_a_user_error():
    result = CliRunner().invoke(main, ["scenarios", "--show", "no-such-scenario"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_new_writes_a_commented_scenario_that_validates_and_never_overwrites(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["new", "my-organization"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "my-organization.toml"
    text = path.read_text()
    assert text.count("\n#") > 10 and 'name = "my-organization"' in text
    scenario = cstosim.load_scenario(path)
    assert scenario.name == "my-organization" and len(scenario.members) == 3
    assert runner.invoke(main, ["validate", str(path)]).exit_code == 0
    table = cstosim.run_replications(scenario, 20, seed=1)
    assert table["entry_into_force"].notna().any()
    path.write_text(text + "# edited\n")
    again = runner.invoke(main, ["new", "my-organization"])
    assert again.exit_code == 2 and "already exists" in again.output
    assert path.read_text().endswith("# edited\n")


def test_new_extends_a_bundled_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["new", "what-if.toml", "--extends", "csto-2018"])
    assert result.exit_code == 0, result.output
    scenario = cstosim.load_scenario(tmp_path / "what-if.toml")
    base = cstosim.load_scenario("csto-2018")
    assert scenario.name == "what-if" and scenario.members == base.members
    bad = CliRunner().invoke(main, ["new", "other", "--extends", "no-such-base"])
    assert bad.exit_code == 2 and not (tmp_path / "other.toml").exists()


def test_docs_table_lists_every_bundled_scenario_with_its_sources():
    text = (DOCS / "scenarios.md").read_text()
    for name in cstosim.bundled_scenarios():
        assert f"`{name}`" in text, name
    assert "| question it answers |" in text.replace("Question", "question")


def test_readable_path_names_list_items():
    scenario = cstosim.load_scenario("csto-2018")
    assert readable_path(scenario, "members[5].ratification") == "members[Tajikistan].ratification"
    assert readable_path(scenario, "candidates[2]") == "candidates[Commonwealth of Independent States]"
    assert readable_path(scenario, "organization.bodies[0].calendar") == "organization.bodies[CSC].calendar"
    assert readable_path(scenario, "organization.review.stages[1]") == "organization.review.stages[1]"
    assert readable_path(scenario, "organization.statuses[1]") == "organization.statuses[observer]"


def test_params_lists_every_value_by_the_path_a_sweep_takes():
    result = CliRunner().invoke(main, ["params", "csto-2018"])
    assert result.exit_code == 0, result.output
    values = dict(line.split(" = ", 1) for line in result.output.splitlines() if " = " in line and line[0] != "#")
    assert values["members[Tajikistan].ratification.stall_probability"] == "0.02"
    assert values["members[Tajikistan].ratification.stages[parliament].delay.median_days"] == "240"
    assert values["organization.consensus.rule"] == '"constructive_abstention"'
    assert values["organization.agenda.take_up_probability"] == "0.5"
    assert values["drivers[demand for peacekeeping cooperation].probability"] == "0.5"
    assert values["candidates[Uzbekistan].application.probability"] == "0.5"
    assert not any(path.endswith((".source", ".name", ".description")) for path in values)
    numeric = CliRunner().invoke(main, ["params", "csto-2018", "--numeric"]).output
    assert "organization.consensus.rule" not in numeric and "stall_probability = 0.02" in numeric


def test_every_listed_path_reads_its_value_and_takes_it_back():
    """For every bundled scenario: each path names the value listed, and a number set at a path validates (what
    ``sweep --vary`` and ``sensitivity --param`` do with it)."""
    from cstosim.analysis.parameters import parameters
    from cstosim.scenario_files.paths import get_value, with_value

    for name in cstosim.bundled_scenarios():
        scenario = cstosim.load_scenario(name)
        table = dict(scenario.source_table)
        listed = parameters(scenario)
        assert len({p.path for p in listed}) == len(listed), name
        for parameter in listed:
            assert get_value(table, parameter.path) == parameter.value, (name, parameter.path)
            if parameter.numeric:
                cstosim.parse_scenario(with_value(table, parameter.path, parameter.value), name)


def test_a_listed_path_with_a_stage_name_sweeps_from_the_command_line(tmp_path):
    path = "members[Tajikistan].ratification.stages[parliament].delay.median_days"
    result = CliRunner().invoke(
        main, ["sweep", "csto-2018", "-n", "20", "--seed", "1", "--workers", "1", "--vary", f"{path}=60,960"]
    )
    assert result.exit_code == 0, result.output
    assert "960" in result.output

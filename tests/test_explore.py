"""The explorer without a browser: controls from the scenario, what-ifs, paired comparisons, history steps,
the ``explore`` command's errors, and the rule that only ``cstosim.explore`` imports the web libraries."""

from __future__ import annotations

import ast
import copy
import datetime as dt
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cstosim
from conftest import base_table, build
from cstosim.cli import main
from cstosim.explore import comparison as cmp
from cstosim.explore.controls import CHOICE, DAYS, PROBABILITY, SWITCH, changes, controls_for, what_if
from cstosim.explore.history import history, stages
from cstosim.explore.server import bind, should_open_browser
from cstosim.scenario_files.paths import get_value

SOURCE = Path(cstosim.__file__).parent
WEB_LIBRARIES = {"solara", "reacton", "ipyvuetify", "ipywidgets", "uvicorn", "starlette", "playwright"}


@pytest.fixture(scope="module")
def csto() -> cstosim.Scenario:
    return cstosim.load_scenario("csto-2018")


# Controls ---------------------------------------------------------------------------------------------------------


def test_csto_controls_cover_rules_every_member_and_candidate(csto):
    controls = {control.path: control for control in controls_for(csto)}
    for path, kind, value in [
        ("organization.consensus.rule", CHOICE, "constructive_abstention"),
        ("organization.consensus.absence_counts_as_objection", SWITCH, False),
        ("instrument.entry_into_force", CHOICE, "last_notification"),
        ("organization.agenda.take_up_probability", PROBABILITY, 0.5),
        ("organization.agenda.withdrawal_per_year", PROBABILITY, 0.1),
        ("instrument.ratification_frailty.spread", PROBABILITY, 0.3),
        ("drivers[demand for peacekeeping cooperation].probability", PROBABILITY, 0.5),
        ("members[Tajikistan].ratification.stall_probability", PROBABILITY, 0.02),
        ("members[Tajikistan].ratification.stages[1].delay.median_days", DAYS, 240),
        ("members[Armenia].stance.object", PROBABILITY, 0.05),
        ("members[Armenia].participation", CHOICE, "active"),
        ("candidates[Uzbekistan].application.probability", PROBABILITY, 0.5),
    ]:
        assert controls[path].kind == kind and controls[path].value == value, path
    for member in csto.members:
        assert f"members[{member.name}].stance.abstain" in controls
    # every candidate that applies at random; the CIS's request is recorded (2022-05-16)
    assert len([p for p in controls if p.startswith("candidates[")]) == len(csto.candidates) - 1
    eif = controls["instrument.entry_into_force"]
    assert [value for _, value in eif.options] == [
        "last_notification",
        *(f"nth_notification:{k}" for k in range(5, 0, -1)),
        "ratifiers_only",
    ]
    assert controls["organization.consensus.rule"].hint.startswith("source: seed 003")


def test_every_control_path_reads_the_value_the_control_shows():
    for name in cstosim.bundled_scenarios():
        scenario = cstosim.load_scenario(name)
        table = dict(scenario.source_table or {})
        for control in controls_for(scenario):
            if control.path == "instrument.entry_into_force":
                continue
            try:
                assert get_value(table, control.path) == control.value, (name, control.path)
            except cstosim.ScenarioError:  # left to its default in the file: the control shows the default
                assert control.kind in (PROBABILITY, SWITCH, CHOICE), (name, control.path)


def test_another_organization_gets_its_own_controls():
    sco = controls_for(cstosim.load_scenario("sco-like-observer"))
    paths = [control.path for control in sco]
    assert "members[China].stance.object" in paths and "candidates[Neighbour State A].application.probability" in paths
    assert not [p for p in paths if "ratification" in p or p == "instrument.entry_into_force"]  # none needed
    recorded = controls_for(cstosim.load_scenario("csto-2024"))  # every ratification is a recorded date
    assert not [control for control in recorded if ".ratification." in control.path]
    small = controls_for(build(base_table(members=2, candidates=1)))  # one `delay` per member, fixed days
    assert "members[M1].ratification.delay.days" in [control.path for control in small]


def test_what_if_applies_the_changes_and_validates_them(csto):
    controls = controls_for(csto)
    assert what_if(csto, controls, {}) is csto
    assert what_if(csto, controls, {"organization.agenda.take_up_probability": 0.5}) is csto  # unchanged value
    values = {
        "organization.consensus.rule": "unanimity",
        "organization.consensus.absence_counts_as_objection": True,
        "instrument.entry_into_force": "nth_notification:4",
        "members[Tajikistan].ratification.stall_probability": 0.5,
        "members[Tajikistan].ratification.stages[0].delay.median_days": 60,
        "members[Armenia].stance.object": 0.4,
        "members[Belarus].participation": "absent",
        "candidates[Iran].application.probability": 1.0,
    }
    assert changes(controls, values) == values  # in the controls' order
    changed = what_if(csto, controls, values)
    assert changed.organization.consensus.rule.value == "unanimity"
    assert changed.organization.consensus.absence_counts_as_objection
    assert changed.instrument.entry_into_force.notifications_required == 4
    tajikistan = changed.members[5].ratification
    assert tajikistan is not None and tajikistan.stall_probability == 0.5
    assert tajikistan.stages[0].delay.median_days == 60  # type: ignore[attr-defined]
    armenia = changed.members[0].stance
    assert (armenia.support, armenia.abstain, armenia.object) == pytest.approx((0.45, 0.15, 0.4))
    assert changed.members[1].participation.value == "absent"
    assert changed.candidates[3].application.probability == 1.0
    back = what_if(changed, controls_for(changed), {"instrument.entry_into_force": "last_notification"})
    assert back.instrument.entry_into_force.notifications_required is None
    assert csto.organization.consensus.rule.value == "constructive_abstention"  # the baseline is untouched


def test_what_if_creates_tables_the_file_left_to_defaults():
    table = base_table(members=2, candidates=1)
    del table["candidates"][0]["application"], table["organization"]["consensus"]
    scenario = build(table)
    controls = controls_for(scenario)
    changed = what_if(
        scenario,
        controls,
        {"candidates[C0].application.probability": 0.3, "organization.consensus.absence_counts_as_objection": True},
    )
    assert changed.candidates[0].application.probability == 0.3
    assert changed.organization.consensus.absence_counts_as_objection


def test_bad_what_ifs_are_one_line_problems(csto):
    controls = controls_for(csto)
    with pytest.raises(cstosim.ScenarioError) as error:
        what_if(csto, controls, {"members[Armenia].stance.object": 0.7, "members[Armenia].stance.abstain": 0.5})
    assert error.value.problems == [
        "csto-2018 (what-if): members[Armenia].stance: abstain (0.5) and object (0.7) leave no room for support"
    ]
    with pytest.raises(cstosim.ScenarioError) as error:
        what_if(
            csto, controls, {"organization.consensus.rule": "majority", "candidates[Iran].application.probability": 2}
        )
    assert [line.split(": ", 2)[1] for line in error.value.problems] == [
        "organization.consensus.rule",
        "candidates[Iran].application.probability",
    ]


# Comparison -------------------------------------------------------------------------------------------------------


def test_the_explorer_measures_a_change_with_the_library_paired_interval():
    """The page and ``cstosim compare`` give the same interval for the same pairs (one statistic, not two)."""
    from cstosim.outcomes.paired import paired_proportions

    before, after = np.array([0, 0, 1, 1, 0, 1], dtype=bool), np.array([1, 0, 1, 1, 0, 1], dtype=bool)
    change = cmp.outcome_change("granted", before, after)
    assert change.difference == paired_proportions(before, after)
    assert change.gained == 1 and change.lost == 0
    same = cmp.outcome_change("granted", before, before).difference
    assert same.estimate == 0 and same.low < 0 < same.high  # no pair differs, yet the interval is honest


def test_common_random_numbers_leave_unchanged_choices_alone(csto):
    controls = controls_for(csto)
    values = {"members[Tajikistan].ratification.stall_probability": 0.3}
    stalls = what_if(csto, controls, values)
    steps = []
    comparison = cmp.run_comparison(csto, stalls, 300, 7, changes(controls, values), lambda s, w: steps.append(s))
    assert steps == sorted(steps) and steps[0] == 0.0
    in_force = comparison.outcomes[0]
    assert in_force.outcome == "in force by the horizon"
    assert in_force.gained == 0 and in_force.lost > 0  # a stall in the baseline is a stall in the what-if
    assert in_force.difference.estimate == pytest.approx(-in_force.lost / 300) and in_force.difference.high < 0
    shift = comparison.entry_into_force
    assert shift.both + shift.only_baseline + shift.only_what_if <= 300 and shift.only_what_if == 0
    assert np.all(shift.shifts == 0)  # where Tajikistan does not stall, every date is the same
    rows = cmp.summary_rows(comparison)
    assert rows[0][0] == "in force by the horizon" and rows[-1][0] == "entry into force date"
    assert [row.outcome for row in comparison.outcomes[2:]] == [f"{c.name} granted" for c in csto.candidates]


def test_an_unchanged_what_if_runs_once_and_differs_nowhere(csto):
    comparison = cmp.run_comparison(csto, csto, 100, 3, {})
    assert comparison.baseline is comparison.what_if and comparison.unchanged
    assert all(row.difference.estimate == 0 and row.gained == row.lost == 0 for row in comparison.outcomes)
    assert "the what-if is the baseline" in cmp.headline(comparison)


def test_faster_ratification_moves_entry_into_force_earlier(csto):
    controls = controls_for(csto)
    values = {f"members[Tajikistan].ratification.stages[{i}].delay.median_days": 20 for i in range(3)}
    faster = what_if(csto, controls, values)
    shift = cmp.run_comparison(csto, faster, 200, 1, changes(controls, values)).entry_into_force
    assert shift.days.high < 0 and shift.median_days < 0


def test_figures_draw_both_runs_and_the_differences(csto):
    controls = controls_for(csto)
    values = {"members[Armenia].stance.object": 0.5}
    comparison = cmp.run_comparison(csto, what_if(csto, controls, values), 200, 2, changes(controls, values))
    figures = cmp.figures(comparison)
    assert set(figures) == {"entry_into_force", "grants", "differences", "shift"}
    grants = figures["grants"].axes[0]
    assert [label.get_text() for label in grants.get_legend().get_texts()] == ["baseline", "what-if"]
    assert len(grants.patches) == 2 * (len(csto.candidates) + 1)
    assert figures["differences"].axes[0].get_xlabel() == "what-if minus baseline, percentage points"
    never = cmp.run_comparison(*(2 * [build(base_table(members=1, candidates=0))]), 10, 1, {})
    cmp.figures(never)  # nothing granted, nothing shifted: still drawn


# History ----------------------------------------------------------------------------------------------------------


def test_history_steps_through_every_event_then_the_outcome(csto):
    story = history(csto, 1, 0)
    log = story.result.log
    assert story.steps == len(log) + 1
    first = story.step(0)
    assert first.stage == "adoption" and first.shown_events == 1 and first.date == "2018-11-08"
    assert first.heading == f"Event 1 of {len(log)}, 2018-11-08"
    assert [rule.title for rule in first.rules] == ["Adoption", "Ratification"]
    assert first.rules[0].source.startswith("seed 003") and first.rules[0].quotes
    last = story.step(10_000)  # clamped
    assert last.number == len(log) and last.stage is None and last.shown_events == len(log)
    assert last.heading.startswith("Outcome at the horizon") and last.text == story.trace.outcome.text
    assert story.step(-3).number == 0
    keys = {key for key, _ in stages(csto)}
    assert {story.step(i).stage for i in range(len(log))} <= keys
    again = history(csto, 1, 0, result=story.result)
    assert again.trace == story.trace


# The command and the server ---------------------------------------------------------------------------------------


def test_a_browser_opens_only_on_a_desktop():
    assert should_open_browser(False, {"DISPLAY": ":0"}, "linux")
    assert should_open_browser(False, {"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not should_open_browser(False, {}, "linux")  # a server, CI, ssh
    assert should_open_browser(False, {}, "darwin") and should_open_browser(False, {}, "win32")
    assert not should_open_browser(True, {"DISPLAY": ":0"}, "darwin")


def test_explore_reports_a_bad_scenario_and_a_busy_port_in_one_line(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n')
    result = runner.invoke(main, ["explore", str(bad), "--no-browser"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.startswith(f"Error: {bad}: ")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = runner.invoke(main, ["explore", "--port", str(port), "--no-browser"])
        with pytest.raises(OSError):
            bind(port)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert (
        result.output
        == f"Error: --port {port}: cannot serve there: it is in use (choose another, or 0 for any free port)\n"
    )


def test_explore_without_the_web_libraries_says_how_to_install_them(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "solara" else real(name, *a))
    result = CliRunner().invoke(main, ["explore", "--no-browser"])
    assert result.exit_code == 2
    assert result.output == "Error: the explorer needs solara: install it with  pip install 'cstosim[explore]'\n"


def test_the_notebook_explorer_without_the_web_libraries_says_how_to_install_them():
    code = (
        "import sys; sys.modules['solara'] = None\n"  # as if it were not installed
        "import cstosim\n"
        "try:\n    cstosim.explorer('csto-2018')\nexcept ImportError as error:\n    print(error)"
    )
    told = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert told == "the explorer needs solara: install it with  pip install 'cstosim[explore]'\n"


def test_the_notebook_explorer_is_the_page():
    import reacton

    import cstosim
    from cstosim.explore.app import Explorer

    element = cstosim.explorer("csto-2024")
    assert isinstance(element, reacton.core.Element)
    assert element.component.f is Explorer.f
    assert element.kwargs == {} and element.args == ("csto-2024",)


def test_only_the_explore_package_imports_the_web_libraries():
    offenders = []
    for path in SOURCE.rglob("*.py"):
        if "explore" in path.relative_to(SOURCE).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in WEB_LIBRARIES]
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cstosim.explore"):
                offenders += [] if path.name == "explore.py" else [f"{path.name}: {node.module}"]
    assert offenders == []
    code = (
        "import sys, cstosim, cstosim.cli, cstosim.analysis.search; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in %r))"
    )
    loaded = subprocess.run([sys.executable, "-c", code % WEB_LIBRARIES], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_controls_do_not_change_the_scenario_table(csto):
    before = copy.deepcopy(dict(csto.source_table or {}))
    what_if(csto, controls_for(csto), {"members[Russia].stance.object": 0.2})
    assert dict(csto.source_table or {}) == before
    assert csto.start == dt.date(2018, 11, 8)


def test_every_slider_starts_on_its_grid():
    """A slider moves a value that is off its grid as soon as it is drawn: a change nobody made."""
    for name in cstosim.bundled_scenarios():
        for control in controls_for(cstosim.load_scenario(name)):
            if control.kind in (PROBABILITY, DAYS):
                steps = (control.value - control.low) / control.step
                assert steps == pytest.approx(round(steps)), (name, control.path, control.value, control.step)
                assert control.low <= control.value <= control.high
    odd = base_table(members=1, candidates=1)
    odd["members"][0]["ratification"] = {"delay": {"kind": "fixed", "days": 12.5}, "stall_probability": 0.005}
    controls = {c.path: c for c in controls_for(build(odd))}
    assert controls["members[M0].ratification.stall_probability"].step == pytest.approx(0.001)
    assert controls["members[M0].ratification.delay.days"].step == pytest.approx(0.1)

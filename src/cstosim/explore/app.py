"""The explorer page, as Solara components: pick a scenario, change it, run, compare, step through a history.

``Page`` is what ``cstosim explore`` serves (its scenario comes from the ``CSTOSIM_EXPLORE_SCENARIO``
environment variable the server sets); ``Explorer(scenario)`` is the same page for a notebook cell. The page only
arranges and wires: what it shows is computed by the pure modules ``controls``, ``comparison`` and ``history``.

Layout: one column on a phone; on a laptop the controls sit beside the results. Every figure is a PNG scaled to
its column; the two wide teaching figures (process diagram, timeline) keep a legible minimum width and scroll
sideways on a narrow screen.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any, cast

import solara
import solara.lab
from matplotlib.figure import Figure

from cstosim.explore import comparison as cmp
from cstosim.explore import controls as ctl
from cstosim.explore import library
from cstosim.explore.history import History, history, stages
from cstosim.explore.library import Scenario, ScenarioError
from cstosim.explore.server import SCENARIO_VARIABLE

DEFAULT_SCENARIO = "csto-2018"
REPLICATION_CHOICES = ["200", "1000", "5000"]
SEARCH_LIMIT = 1000
FIND_KINDS = {
    "a status is granted": "granted",
    "a member state objects": "objects",
    "a session leaves a request pending": "deferred",
    "the instrument never enters into force": "never-in-force",
}
ANY_CANDIDATE = "any candidate"
LAST_STEP = 1_000_000  # a step past every history's end: clamped to its outcome

CSS = """
.cstosim-explorer { max-width: 1500px; margin: 0 auto; padding: 8px 12px; font-size: 16px; line-height: 1.45; }
.cstosim-explorer h1 { font-size: 1.7rem; margin: 0.3em 0; }
.cstosim-explorer h2 { font-size: 1.35rem; margin: 0.8em 0 0.3em; }
.cstosim-figure { width: 100%; }
.cstosim-figure img { width: 100%; height: auto; display: block; }
.cstosim-wide { width: 100%; overflow-x: auto; margin: 8px 0; }
.cstosim-wide img { width: 100%; height: auto; display: block; }
.cstosim-narrow-only { display: none; color: #555; font-size: 0.85rem; }
@media (max-width: 900px) {
  /* the teaching figures are drawn for a wide page: keep their text legible and let them scroll sideways */
  .cstosim-wide img { min-width: 1100px; }
  .cstosim-narrow-only { display: block; }
}
.cstosim-stepbar { position: sticky; top: 0; z-index: 5; background: white; padding: 6px 0;
  border-bottom: 1px solid #ddd; }
.cstosim-stages { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
.cstosim-stage { font-size: 0.8rem; padding: 2px 8px; border: 1px solid #bbb; border-radius: 12px; color: #555; }
.cstosim-stage.cstosim-lit { background: #e07a1f; border-color: #e07a1f; color: white; font-weight: 600; }
.cstosim-label { font-size: 0.95rem; margin-top: 6px; }
.cstosim-changed .cstosim-label, .cstosim-changed .v-label { color: #b35900 !important; font-weight: 600; }
.cstosim-control .v-input__slot { margin-bottom: 0; }
.cstosim-control .v-messages { display: none; }
.cstosim-hint { color: #555; font-size: 0.82rem; margin: -4px 0 10px; overflow-wrap: anywhere; }
.cstosim-changes { font-family: monospace; font-size: 0.85rem; overflow-wrap: anywhere; }
.cstosim-event { font-size: 1.05rem; border-left: 4px solid #e07a1f; padding: 2px 10px; margin: 6px 0; }
.cstosim-explorer h3 { font-size: 1.1rem; margin: 0.6em 0 0.2em; }
.cstosim-rule { font-size: 0.9rem; margin: 6px 0 10px 10px; overflow-wrap: anywhere; }
.cstosim-rule blockquote { border-left: 3px solid #bbb; margin: 4px 0 0 12px; padding-left: 8px; color: #444; }
.cstosim-headline { margin: 6px 0; }
.cstosim-summary table { width: 100%; border-collapse: collapse; font-size: 0.95rem; }
.cstosim-summary th, .cstosim-summary td {
  padding: 4px 6px; border-bottom: 1px solid #ddd; text-align: left !important; }
.cstosim-summary td:first-child { font-weight: 600; }
.cstosim-problems { white-space: pre-wrap; overflow-wrap: anywhere; }
"""


def png(figure: Figure) -> bytes:
    """A figure as PNG bytes, at the figure's own size and resolution."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@dataclass(frozen=True)
class Loaded:
    """A scenario as loaded, with its controls; ``version`` changes with every load (memo key)."""

    scenario: Scenario
    controls: tuple[ctl.Control, ...]
    version: int


@dataclass(frozen=True)
class RunOutcome:
    comparison: cmp.Comparison
    pictures: dict[str, bytes]


def _load(name: str, version: int) -> tuple[Loaded | None, list[str]]:
    try:
        scenario = library.load(name)
    except ScenarioError as error:
        return None, list(error.problems)
    return Loaded(scenario, tuple(ctl.controls_for(scenario)), version), []


@solara.component
def Problems(problems: list[str]) -> None:
    """Problems, one line each (a scenario file's problems, a bad what-if), never a traceback."""
    if problems:
        solara.Error("\n".join(problems), classes=["cstosim-problems"])


@solara.component
def ScenarioPicker(current: str, on_load: Callable[[str], None]) -> None:
    names = library.bundled_names()
    path, set_path = solara.use_state("")
    with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
        with solara.Div(style={"min-width": "240px", "flex": "1 1 240px"}):
            solara.Select(
                "Bundled scenario",
                values=names,
                value=current if current in names else None,
                on_value=lambda name: on_load(name) if name else None,
                classes=["cstosim-bundled"],
            )
        with solara.Div(style={"min-width": "240px", "flex": "2 1 320px"}):
            solara.InputText(
                "... or a scenario file (path)",
                value=path,
                on_value=set_path,
                continuous_update=True,
                classes=["cstosim-path"],
            )
        solara.Button(
            "Load file", on_click=lambda: on_load(path.strip()), disabled=not path.strip(), classes=["cstosim-load"]
        )


def _label(control: ctl.Control, value: Any) -> str:
    for text, option in control.options:
        if option == value:
            return text
    return str(value)


def _shown(control: ctl.Control, value: Any) -> str:
    if control.kind == ctl.PROBABILITY:
        return f"{value:.0%}"
    if control.kind == ctl.DAYS:
        return f"{value:,.0f} days"
    return _label(control, value) if control.kind == ctl.CHOICE else str(value)


@solara.component
def ControlWidget(control: ctl.Control, value: Any, on_value: Callable[[str, Any], None]) -> None:
    changed = value != control.value
    was = f" (scenario: {_shown(control, control.value)})" if changed else ""
    css = ["cstosim-control", "cstosim-changed"] if changed else ["cstosim-control"]
    with solara.Div(classes=css, attributes={"data-path": control.path}):
        if control.kind == ctl.CHOICE:
            labels = [text for text, _ in control.options]
            lookup = dict(control.options)
            solara.Select(
                control.label + was,
                values=labels,
                value=_label(control, value),
                on_value=lambda text: on_value(control.path, lookup[text]) if text else None,
            )
        elif control.kind == ctl.SWITCH:
            solara.Switch(
                label=f"{control.label}: {'yes' if value else 'no'}{was}",
                value=bool(value),
                on_value=lambda v: on_value(control.path, bool(v)),
            )
        else:  # a slider under its own label, so that a long label never squeezes the slider
            solara.Div(children=[f"{control.label}: {_shown(control, value)}{was}"], classes=["cstosim-label"])
            whole = control.kind == ctl.DAYS and control.step == 1
            solara.SliderFloat(
                "",
                value=float(value),
                min=control.low,
                max=control.high,
                step=control.step,
                thumb_label=False,
                on_value=lambda v: on_value(control.path, round(v) if whole else round(float(v), 6)),
            )
        if control.hint:
            solara.Div(children=[control.hint], classes=["cstosim-hint"])


@solara.component
def Controls(loaded: Loaded, values: dict[str, Any], on_value: Callable[[str, Any], None]) -> None:
    groups: dict[str, list[ctl.Control]] = {}
    for control in loaded.controls:
        groups.setdefault(control.group, []).append(control)
    for number, (group, members) in enumerate(groups.items()):
        changed = sum(values.get(c.path, c.value) != c.value for c in members)
        summary = group + (f" ({changed} changed)" if changed else "")
        with solara.Details(summary=summary, expand=number == 0):
            for control in members:
                ControlWidget(control, values.get(control.path, control.value), on_value)


@solara.component
def Figures(outcome: RunOutcome) -> None:
    comparison = outcome.comparison
    solara.Div(children=[cmp.headline(comparison)], classes=["cstosim-headline"])
    header = ("outcome", "baseline", "what-if", "paired difference (95%)")
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(text)}</td>" for text in row) + "</tr>" for row in cmp.summary_rows(comparison)
    )
    head = "<tr>" + "".join(f"<th>{text}</th>" for text in header) + "</tr>"
    solara.HTML(tag="div", unsafe_innerHTML=f"<table>{head}{rows}</table>", classes=["cstosim-summary"])
    with solara.ColumnsResponsive(default=12, large=6):
        for name, picture in outcome.pictures.items():
            with solara.Div(classes=["cstosim-figure", f"cstosim-figure-{name}"]):
                solara.Image(picture)


@solara.component
def HistoryView(source: History, step_number: int, set_step: Callable[[int], None]) -> None:
    step = source.step(step_number)
    diagram = solara.use_memo(
        lambda: png(library.draw_process(source.scenario, step.stage)), dependencies=[id(source), step.stage]
    )
    chart = solara.use_memo(
        lambda: png(library.draw_timeline(source.scenario, source.result, step.shown_events)),
        dependencies=[id(source), step.shown_events],
    )
    with solara.Div(classes=["cstosim-stepbar"]):  # stays in view while the figures below scroll
        with solara.Row(gap="8px", style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.Button(
                "Previous",
                on_click=lambda: set_step(step.number - 1),
                disabled=step.number == 0,
                classes=["cstosim-previous"],
            )
            solara.Button(
                "Next",
                on_click=lambda: set_step(step.number + 1),
                disabled=step.number + 1 == step.total,
                color="primary",
                classes=["cstosim-next"],
            )
            solara.Button("Last", on_click=lambda: set_step(step.total - 1), text=True, classes=["cstosim-last"])
            solara.Text(step.heading, classes=["cstosim-step-heading"])
        with solara.Div(classes=["cstosim-event"]):
            solara.Text(step.text)
        with solara.Div(classes=["cstosim-stages"]):
            for key, label in stages(source.scenario):
                lit = key == step.stage
                solara.Div(children=[label], classes=["cstosim-stage", "cstosim-lit"] if lit else ["cstosim-stage"])
    solara.Div(children=["These two wide figures scroll sideways."], classes=["cstosim-narrow-only"])
    with solara.Div(classes=["cstosim-wide", "cstosim-timeline"]):
        solara.Image(chart)
    with solara.Div(classes=["cstosim-wide", "cstosim-process"]):
        solara.Image(diagram)
    if step.rules:
        solara.HTML(tag="h3", unsafe_innerHTML="Rules this event applied, with their sources")
    for rule in step.rules:
        quotes = "".join(f"<blockquote>{escape(quote)}</blockquote>" for quote in rule.quotes)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<b>{escape(rule.title)}.</b> {escape(rule.statement)}<br>"
            f"<i>Source:</i> {escape(rule.source)}{quotes}",
            classes=["cstosim-rule"],
        )


@solara.component
def Finder(scenario: Scenario, seed: int, on_found: Callable[[int, int | None], None]) -> None:
    kind_label, set_kind_label = solara.use_state(next(iter(FIND_KINDS)))
    who, set_who = solara.use_state(ANY_CANDIDATE)
    message, set_message = solara.use_state("")
    kind = FIND_KINDS[kind_label]
    names = (
        [ANY_CANDIDATE] + [c.name for c in scenario.candidates]
        if kind in ("granted", "deferred")  # whose request: a candidate's
        else [m.name for m in scenario.members]
    )
    chosen = who if who in names else (names[0] if names else "")

    def find() -> None:
        where = kind if kind == "never-in-force" or chosen == ANY_CANDIDATE else f"{kind}:{chosen}"
        try:
            found = library.search(scenario, seed, where, SEARCH_LIMIT)
        except ValueError as error:
            set_message(str(error))
            return
        set_message(found.describe())
        if found.replication is not None:  # "never in force" is told by the outcome: open there
            on_found(found.replication, None if kind == "never-in-force" else found.event)

    with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.Text("Find a history where")
        with solara.Div(style={"min-width": "220px", "flex": "1 1 220px"}):
            solara.Select(
                "what happens",
                values=list(FIND_KINDS),
                value=kind_label,
                on_value=set_kind_label,
                classes=["cstosim-find-kind"],
            )
        if kind != "never-in-force":
            with solara.Div(style={"min-width": "200px", "flex": "1 1 200px"}):
                solara.Select("who", values=names, value=chosen, on_value=set_who, classes=["cstosim-find-who"])
        solara.Button("Find", on_click=find, classes=["cstosim-find"])
    if message:
        solara.Div(children=[message], classes=["cstosim-found"])


@solara.component
def Explorer(scenario: str = DEFAULT_SCENARIO) -> None:
    """The whole page for ``scenario`` (a bundled name or a path)."""
    version, set_version = solara.use_state(0)
    initial = solara.use_memo(lambda: _load(scenario, 0), dependencies=[scenario])
    first: tuple[str, Loaded | None, list[str]] = (scenario, *initial)
    state, set_state = solara.use_state(first)
    name, loaded, load_problems = state
    values, set_values = solara.use_state(cast(dict[str, Any], {}))
    seed, set_seed = solara.use_state(1)
    replications, set_replications = solara.use_state("1000")
    run_problems, set_run_problems = solara.use_state(cast(list[str], []))
    run_message = solara.use_reactive("")
    which, set_which = solara.use_state("baseline")
    replication, set_replication = solara.use_state(0)
    step_number, set_step = solara.use_state(0)

    def load(new_name: str) -> None:
        attempt, problems = _load(new_name, version + 1)
        set_version(version + 1)
        if attempt is None:  # keep the scenario in use; say why the new one cannot be used
            set_state((name, loaded, problems))
            return
        set_state((new_name, attempt, []))
        set_values({})
        set_run_problems([])
        set_replication(0)
        set_step(0)

    def choose_source(value: str) -> None:
        set_which(value)
        set_step(0)

    def choose_replication(value: int | None) -> None:
        set_replication(max(int(value or 0), 0))
        set_step(0)

    def set_value(path: str, value: Any) -> None:
        set_values({**values, path: value})

    def what_if() -> tuple[Scenario | None, list[str]]:
        if loaded is None:
            return None, []
        try:
            return ctl.what_if(loaded.scenario, list(loaded.controls), values), []
        except ScenarioError as error:
            return None, list(error.problems)

    def simulate() -> RunOutcome | None:
        if loaded is None:
            return None
        changed_scenario, problems = what_if()
        set_run_problems(problems)
        if changed_scenario is None:
            return None

        def progress(share: float, what: str) -> None:
            run.progress = share * 100
            run_message.value = what

        comparison = cmp.run_comparison(
            loaded.scenario,
            changed_scenario,
            int(replications),
            int(seed),
            ctl.changes(list(loaded.controls), values),
            progress,
        )
        progress(0.9, "Drawing the figures")
        pictures = {key: png(figure) for key, figure in cmp.figures(comparison).items()}
        return RunOutcome(comparison, pictures)

    run: solara.lab.Task[[], RunOutcome | None] = solara.lab.use_task(simulate, dependencies=None)

    source_scenario: Scenario | None = None
    history_problems: list[str] = []
    if loaded is not None:
        if which == "baseline":
            source_scenario = loaded.scenario
        else:
            source_scenario, history_problems = what_if()
    source = solara.use_memo(
        lambda: history(source_scenario, int(seed), int(replication)) if source_scenario is not None else None,
        dependencies=[
            loaded.version if loaded else -1,
            which,
            repr(sorted(values.items())) if which != "baseline" else "",
            seed,
            replication,
        ],
    )

    solara.Style(CSS)
    solara.Title(f"cstosim explorer: {name}")
    with solara.Column(classes=["cstosim-explorer"], gap="6px"):
        solara.HTML(tag="h1", unsafe_innerHTML="cstosim explorer")
        title = loaded.scenario.title if loaded else "no scenario loaded"
        solara.HTML(tag="div", unsafe_innerHTML=f"<b>{escape(name)}</b>: {escape(title)}")
        ScenarioPicker(name, load)
        Problems(load_problems)
        if loaded is None:
            return
        changed = ctl.changes(list(loaded.controls), values)
        with solara.ColumnsResponsive(default=12, large=[4, 8]):
            with solara.Column(gap="4px"):
                solara.HTML(tag="h2", unsafe_innerHTML="1. Change the scenario")
                Controls(loaded, values, set_value)
                if changed:
                    solara.HTML(tag="b", unsafe_innerHTML="Your what-if, as dotted-path changes:")
                    with solara.Div(classes=["cstosim-changes"]):
                        for path, value in changed.items():
                            solara.Div(children=[f"{path} = {value!r}"])
                    solara.Button(
                        "Reset to the scenario", on_click=lambda: set_values({}), text=True, classes=["cstosim-reset"]
                    )
            with solara.Column(gap="4px"):
                solara.HTML(tag="h2", unsafe_innerHTML="2. Run the baseline and the what-if")
                with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
                    with solara.Div(style={"width": "140px"}):
                        solara.InputInt("Seed", value=seed, on_value=lambda v: set_seed(max(int(v or 0), 0)))
                    with solara.Div(style={"width": "160px"}):
                        solara.Select(
                            "Replications",
                            values=REPLICATION_CHOICES,
                            value=replications,
                            on_value=lambda v: set_replications(v or "1000"),
                        )
                    solara.Button("Run", on_click=run, color="primary", disabled=run.pending, classes=["cstosim-run"])
                Problems(run_problems)
                if run.pending:
                    solara.ProgressLinear(value=float(run.progress or 0.0), classes=["cstosim-progress"])
                    solara.Text(run_message.value or "Starting")
                if run.error:
                    solara.Error(f"The run failed: {run.exception}")
                if run.latest is not None:
                    Figures(run.latest)
                elif not run.pending:
                    solara.Info(
                        "Press Run: the scenario as loaded (baseline) and with your changes (what-if) are "
                        "simulated on the same seed, and their outcomes drawn side by side."
                    )
        solara.HTML(tag="h2", unsafe_innerHTML="3. One history, event by event")
        with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.ToggleButtonsSingle(value=which, values=["baseline", "what-if"], on_value=choose_source)
            with solara.Div(style={"width": "150px"}):
                solara.InputInt(
                    "Replication",
                    value=replication,
                    on_value=choose_replication,
                    classes=["cstosim-replication"],
                )
            solara.Text(f"of seed {seed}")
        Problems(history_problems)
        if source_scenario is not None:

            def found(number: int, event: int | None) -> None:
                set_replication(number)
                set_step(event if event is not None else LAST_STEP)

            Finder(source_scenario, int(seed), found)
        if source is not None:
            HistoryView(source, source.clamp(step_number), set_step)


@solara.component
def Page() -> None:
    """The page ``cstosim explore`` serves."""
    Explorer(os.environ.get(SCENARIO_VARIABLE, DEFAULT_SCENARIO))

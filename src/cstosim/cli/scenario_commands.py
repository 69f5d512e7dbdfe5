"""``cstosim validate``, ``scenarios``, ``params``, ``new`` and ``schema``: checking, listing, reading, starting and
editing scenarios."""

from __future__ import annotations

import json
import re
import textwrap
from importlib.resources import files
from pathlib import Path

import click

from cstosim.cli.common import UserError, load, scenario_argument
from cstosim.model.scenario import MemberState, Scenario
from cstosim.scenario_files import ScenarioError, bundled_scenarios, load_scenario
from cstosim.scenario_files.loader import SOURCES_FILE


@click.command()
@click.argument("scenarios", nargs=-1, required=True)
def validate(scenarios: tuple[str, ...]) -> None:
    """Check scenario files (paths or bundled names) and report every problem."""
    problems: list[str] = []
    for name in scenarios:
        try:
            scenario = load_scenario(name)
        except ScenarioError as error:
            problems.extend(error.problems)
        else:
            click.echo(
                f"{name}: ok ({scenario.title}; {len(scenario.members)} members, {len(scenario.candidates)} candidates)"
            )
    if problems:
        raise UserError("\n".join(problems))


@click.command()
@click.option(
    "--show", metavar="NAME", default=None, help="Print one scenario (a bundled name or a path) with its sources."
)
def scenarios(show: str | None) -> None:
    """List the bundled scenarios, one line each, or print one with --show NAME."""
    if show is not None:
        click.echo(describe(load(show)))
        return
    for name, path in bundled_scenarios().items():
        try:
            title = load_scenario(path).title
        except ScenarioError as error:
            title = f"(invalid: {error.problems[0]})"
        click.echo(f"{name:<28} {title}")


def describe(scenario: Scenario) -> str:
    """A scenario in plain text: what it is, its main rules and parties, then every value it sets under the source
    that covers it (dated facts say what their date rests on: recorded, assumed, known by then)."""
    org, instrument = scenario.organization, scenario.instrument
    eif = instrument.entry_into_force
    rule = eif.rule.value + (f" ({eif.notifications_required})" if eif.notifications_required else "")
    adopted = str(instrument.adopted_on) if instrument.adopted_on else f"at a session of {instrument.adopting_body}"
    facts = [
        f"Period:         {scenario.start} to {scenario.horizon}",
        f"Organization:   {org.name} ({org.short_name}); depositary: {org.depositary}",
        f"Bodies:         {', '.join(f'{b.id} ({b.name})' for b in org.bodies)}",
        f"Instrument:     {instrument.name}; adopted {adopted}; "
        + (
            "ratification required; entry into force: " + rule
            if instrument.requires_ratification
            else "no ratification"
        ),
        f"Review:         {' -> '.join([s.body for s in org.review.stages] + [org.review.deciding_body + ' session'])}",
        f"Consensus:      {org.consensus.rule.value}"
        + ("; absence counts as an objection" if org.consensus.absence_counts_as_objection else ""),
        f"Members:        {', '.join(_member(m) for m in scenario.members)}",
        f"Candidates:     {', '.join(f'{c.name} ({c.status})' for c in scenario.candidates) or 'none'}",
    ]
    lines = [
        f"{scenario.name}: {scenario.title}",
        "",
        *_paragraphs(scenario.description),
        "",
        *(wrapped for fact in [*facts, *_descriptions(scenario)] for wrapped in _wrapped(fact, "", " " * 16)),
        "",
        "Values and their sources (where in the file; its source; the values it covers)",
    ]
    from cstosim.analysis.parameters import parameter_tables

    for table in parameter_tables(scenario, compact=True):
        lines.append(f"  {table.path or '(top level)'}")
        lines += _wrapped(f"source: {table.source or 'none given'}", "      ", "        ")
        lines += [f"      {table.key(parameter)} = {parameter.label}" for parameter in table.parameters]
    return "\n".join(lines)


def _paragraphs(text: str) -> list[str]:
    """``text`` rewrapped at ``WIDTH``, its paragraphs (blank-line separated) kept apart."""
    lines: list[str] = []
    for number, paragraph in enumerate(text.strip().split("\n\n")):
        lines += [""] * (number > 0) + textwrap.wrap(" ".join(paragraph.split()), WIDTH, break_long_words=False)
    return lines


def _wrapped(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest, break_long_words=False)


WIDTH = 100  # long sources wrap here, so that a terminal shows the values under them


@click.command()
@scenario_argument()
@click.option("--numeric", is_flag=True, help="Only numbers: the parameters sensitivity --param can vary.")
def params(scenario: str, numeric: bool) -> None:
    """List the parameters of SCENARIO with their values and sources, by the paths sweep --vary, sensitivity
    --param and what-if files use."""
    from cstosim.analysis.parameters import parameter_tables

    model = load(scenario)
    tables = parameter_tables(model)
    count = sum(1 for table in tables for p in table.parameters if p.numeric or not numeric)
    lines = _wrapped(
        f"{model.name}: {count} {'numeric ' if numeric else ''}values set in the file, each under the source that "
        f"covers it. Vary one with `cstosim sweep {scenario} --vary PATH=V1,V2`, a number over a range with "
        f"`cstosim sensitivity {scenario} --param PATH=LOW:HIGH`, or set it in a what-if file (`cstosim new NAME "
        f"--extends {scenario}`). Keys the file leaves at their default can be set the same way (the scenario "
        "file reference lists them).",
        "",
        "",
    )
    for table in tables:
        shown = [p for p in table.parameters if p.numeric or not numeric]
        if not shown:
            continue
        lines += ["", f"# {table.path or '(top level)'}"]
        lines += _wrapped(f"source: {table.source or 'none given'}", "#   ", "#   ")
        lines += [f"{p.path} = {p.text}" + (f"  # {p.basis.value}" if p.basis else "") for p in shown]
    click.echo("\n".join(lines))


def _descriptions(scenario: Scenario) -> list[str]:
    """What the statuses mean, the criteria, and the documents the sources cite, or that the file gives none."""
    org = scenario.organization
    statuses = [f"{d.name}: {d.description}" for d in org.statuses if d.description] or [
        "not described in the scenario file"
    ]
    lines = [f"{'Statuses:' if number == 0 else '':<16}{text}" for number, text in enumerate(statuses)]
    lines.append(f"Criteria:       {org.criteria_description or 'not described in the scenario file'}")
    catalogue = scenario.documents
    if catalogue:
        used = set(catalogue.cited("\n".join(scenario.sources.values())))
        cited = ", ".join(document.id for document in catalogue.documents if document in used)
        where = f"of the {len(catalogue.documents)} listed in the {SOURCES_FILE} beside the scenario files"
        lines.append(f"Documents:      {cited or 'none'} cited, {where}")
    else:
        lines.append(f"Documents:      none: no {SOURCES_FILE} beside the scenario files")
    return lines


def _member(member: MemberState) -> str:
    changes = [
        f"{c.state.value} from {c.on}" if c.on else f"{c.state.value} with chance {c.probability:.0%}"
        for c in member.participation_changes
    ]
    notes = ([] if member.participation.value == "active" else [member.participation.value]) + changes
    return member.name + (f" ({'; '.join(notes)})" if notes else "")


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@click.command()
@click.argument("name")
@click.option(
    "--extends",
    "base",
    metavar="SCENARIO",
    default=None,
    help="Write a short what-if that inherits SCENARIO (a bundled name or a path) instead of a full file.",
)
def new(name: str, base: str | None) -> None:
    """Write NAME.toml: a commented starting scenario that validates (never overwrites a file)."""
    path = Path(name if name.endswith(".toml") else f"{name}.toml")
    stem = path.stem
    if not _NAME.fullmatch(stem):
        raise UserError(f"{name}: a scenario name uses letters, digits, '-', '_' and '.' (got {stem!r})")
    if path.exists():
        raise UserError(f"{path}: already exists; choose another name or remove it first")
    if not path.parent.is_dir():
        raise UserError(f"{path}: the folder {path.parent} does not exist")
    if base is not None:
        load(base)  # fail now, not at the first run
    template = "extends.toml" if base is not None else "new.toml"
    text = files("cstosim.scenario_files").joinpath("templates", template).read_text(encoding="utf-8")
    text = text.replace("{name}", stem).replace("{file}", str(path)).replace("{base}", base or "")
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise UserError(f"{path}: cannot write it: {error.strerror or error}") from None
    click.echo(f"Wrote {path}. Check it with: cstosim validate {path}")


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the schema to this file (replaced whole) instead of printing it.",
)
def schema(out: Path | None) -> None:
    """Print the JSON Schema of scenario files, for editors that check TOML as it is typed (Taplo, Even Better TOML).

    Put `#:schema ./scenario.schema.json` on the first line of a scenario file, or a [[rule]] in .taplo.toml; see
    docs/scenario-format.md.
    """
    from cstosim.scenario_files.json_schema import scenario_json_schema

    text = json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    from cstosim.experiments.files import atomic_path

    if not out.parent.is_dir():
        raise UserError(f"{out}: the folder {out.parent} does not exist")
    try:
        with atomic_path(out) as temporary:
            temporary.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UserError(f"{out}: cannot write the schema: {error.strerror or error}") from None
    click.echo(f"Wrote {out}. Name it on a scenario file's first line, #:schema PATH (relative to that file).")

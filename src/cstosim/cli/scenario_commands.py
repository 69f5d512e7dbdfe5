"""``cstosim validate`` and ``cstosim scenarios``: checking and listing scenario files."""

from __future__ import annotations

import click

from cstosim.cli.common import UserError
from cstosim.scenario_files import ScenarioError, bundled_scenarios, load_scenario


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
def scenarios() -> None:
    """List the bundled scenarios, one line each."""
    for name, path in bundled_scenarios().items():
        try:
            title = load_scenario(path).title
        except ScenarioError as error:
            title = f"(invalid: {error.problems[0]})"
        click.echo(f"{name:<28} {title}")

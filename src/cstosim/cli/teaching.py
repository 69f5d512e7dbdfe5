"""``cstosim trace``: one replication told step by step, for teaching."""

from __future__ import annotations

import click

from cstosim.analysis.narrate import format_trace, narrate
from cstosim.cli.common import load, scenario_argument
from cstosim.engine import run_replication
from cstosim.experiments.replications import replication_seed


@click.command()
@scenario_argument()
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Root seed of the replication to tell."
)
@click.option(
    "--replication",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Which replication of that seed (as numbered in the run table).",
)
@click.option("--sources/--no-sources", default=True, show_default=True, help="Show the source of each rule.")
def trace(scenario: str, seed: int, replication: int, sources: bool) -> None:
    """Tell one replication of SCENARIO as dated events in plain language."""
    model = load(scenario)
    result = run_replication(model, replication_seed(seed, replication))
    click.echo(f"{model.title}\nReplication {replication} of seed {seed}\n")
    click.echo(format_trace(narrate(model, result), with_sources=sources))

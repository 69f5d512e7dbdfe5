"""Teaching commands: ``cstosim trace`` (one replication told as a cited story) and ``cstosim report``."""

from __future__ import annotations

from pathlib import Path

import click

from cstosim.analysis.search import DEFAULT_LIMIT
from cstosim.cli.common import (
    NamedPath,
    UserError,
    load,
    replications_option,
    scenario_argument,
    seed_option,
    user_errors,
)
from cstosim.engine import ReplicationTooLarge
from cstosim.engine.random_numbers import MAX_SEED
from cstosim.experiments.plan import fresh_seed
from cstosim.model.limits import MAX_REPLICATIONS, MAX_ROWS_IN_MEMORY

MAX_SEARCH = 100_000  # replications trace --where may search (a few hundred microseconds each)


@click.command()
@scenario_argument()
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=MAX_SEED),
    default=0,
    show_default=True,
    help="Root seed of the replication to tell.",
)
@click.option(
    "--replication",
    type=click.IntRange(min=0, max=MAX_REPLICATIONS - 1),
    default=0,
    show_default=True,
    help="Which replication of that seed (as numbered in the run table).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text for the terminal, markdown for documents, json for programs.",
)
@click.option(
    "--sources/--no-sources",
    default=False,
    show_default=True,
    help="Text format: add the rules each event applied, the source of every parameter, and the rules with their "
    "sources and quotes (markdown and json always have them).",
)
@click.option(
    "--where",
    "where",
    multiple=True,
    metavar="CONDITION",
    help="Tell the first replication (from --replication on) where CONDITION holds: granted, granted:CANDIDATE, "
    "objects:MEMBER, deferred, deferred:CANDIDATE or never-in-force. Repeat to require several.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=MAX_SEARCH),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="With --where: replications searched at most.",
)
def trace(
    scenario: str,
    seed: int,
    replication: int,
    output_format: str,
    sources: bool,
    where: tuple[str, ...],
    limit: int,
) -> None:
    """Tell one replication of SCENARIO: its dated events, then what became of each candidate (--sources: with the
    rules applied and their sources)."""
    from cstosim.analysis.narration import trace as tell
    from cstosim.analysis.search import ConditionError, find_replication
    from cstosim.engine import run_replication

    model = load(scenario)
    if where:
        with user_errors():  # a replication too large to simulate is refused in one line
            try:
                found = find_replication(model, seed, where, limit=limit, start=replication)
            except ConditionError as error:
                raise UserError(f"--where {error}") from None
        if found.result is None or found.replication is None:
            raise click.ClickException(found.describe() + " Try another --seed or a larger --limit.")
        click.echo(found.describe(), err=True)
        result, replication = found.result, found.replication
    else:
        with user_errors():  # a replication too large to simulate is refused in one line
            result = run_replication(model, seed, replication)
    story = tell(model, result, seed=seed, replication=replication)
    click.echo(story.render(output_format, with_sources=sources))
    if output_format == "text" and not sources:
        click.echo("(--sources adds the rules each event applied, with their sources and quotes)", err=True)


@click.command()
@scenario_argument()
@replications_option(
    1000, "Number of Monte Carlo replications behind the summary and the plots.", most=MAX_ROWS_IN_MEMORY
)
@seed_option("Root seed; the same seed gives the same page. Default: fresh, and printed.")
@click.option(
    "--example",
    type=click.IntRange(min=0, max=MAX_REPLICATIONS - 1),
    default=None,
    help="Replication shown as the example timeline and trace. Default: the first that grants a status, if any.",
)
@click.option(
    "-o",
    "--output",
    type=NamedPath(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write.",
)
@click.option(
    "--baseline",
    default=None,
    metavar="SCENARIO",
    help="Also run this scenario on the same seed and compare SCENARIO with it, replication by replication.",
)
def report(
    scenario: str, replications: int, seed: int | None, example: int | None, output: Path, baseline: str | None
) -> None:
    """Write a self-contained HTML page on SCENARIO: sources, summary, plots, an example timeline and trace."""
    from cstosim.analysis.report import write_report

    model = load(scenario)
    base = load(baseline) if baseline is not None else None
    root_seed = fresh_seed() if seed is None else seed
    if output.parent and not output.parent.exists():
        raise UserError(f"{output}: the folder {output.parent} does not exist")
    try:
        written = write_report(model, output, replications=replications, seed=root_seed, example=example, baseline=base)
    except OSError as error:
        raise UserError(f"{output}: cannot write the report: {error.strerror or error}") from None
    except ReplicationTooLarge as error:
        raise UserError(str(error)) from None
    against = f", compared with {base.name}" if base is not None else ""
    click.echo(f"Wrote {written} ({replications:,} replications, seed {root_seed}{against}).")

"""``cstosim compare``: what-ifs against a baseline on common random numbers (``cstosim.api`` does the work)."""

from __future__ import annotations

from pathlib import Path

import click

from cstosim.cli.common import (
    end_lines,
    execution_options,
    load,
    out_option,
    prepare_experiment,
    replications_option,
    seed_option,
    user_errors,
)
from cstosim.experiments.pipeline import terminal_progress


@click.command()
@click.argument("baseline")
@click.argument("what_ifs", nargs=-1, required=True, metavar="WHATIF...")
@replications_option(1000, "Replications of each scenario (replication i of each is a pair).")
@seed_option("Root seed, the same for every scenario; the same seed gives the same comparison. Default: fresh.")
@out_option("Folder for comparison.csv, comparison.parquet, comparison.json and comparison.png.")
@click.option("--force", is_flag=True, help="Replace a comparison already in --out.")
@execution_options
def compare(
    baseline: str,
    what_ifs: tuple[str, ...],
    replications: int,
    seed: int | None,
    out: Path | None,
    force: bool,
    workers: int | None,
    scheduler: str | None,
    dask: bool,
    chunk_size: int | None,
    quiet: bool,
) -> None:
    """Compare each WHATIF with BASELINE (paths or bundled names) on the same random numbers, replication by
    replication: each outcome's paired difference with its 95% interval."""
    from cstosim.analysis.compare import format_comparison
    from cstosim.api import paired_comparison

    base = load(baseline)
    others = [load(what_if) for what_if in what_ifs]
    where = prepare_experiment(out, scheduler, dask)
    with user_errors():
        result = paired_comparison(
            base,
            others,
            replications,
            seed,
            out=out,
            force=force,
            workers=workers,
            scheduler=where,
            chunk_size=chunk_size,
            progress=terminal_progress(quiet),
        )
    click.echo(format_comparison(result.table, result.baseline, result.what_ifs, result.replications, result.seed))
    click.echo(end_lines(result.report, out, result.written))

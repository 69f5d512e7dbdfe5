"""``cstosim sensitivity``, ``cstosim forecast`` and ``cstosim calibrate``: which assumption matters, what comes
next given the record, and which facts the scenario finds surprising (``cstosim.api`` does the work)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cstosim.cli.common import (
    end_lines,
    execution_options,
    load,
    prepare_experiment,
    replications_option,
    results_options,
    scenario_argument,
    seed_option,
    user_errors,
)
from cstosim.experiments.pipeline import terminal_progress
from cstosim.model.limits import MAX_POINTS, MAX_ROWS_IN_MEMORY

_DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.command()
@scenario_argument(required=True)
@click.option(
    "--param",
    "params",
    multiple=True,
    required=True,
    metavar="PATH=LOW:HIGH",
    help="An uncertain parameter (a dotted path in the scenario file) and the range it is sampled in, as in "
    "sweep --vary; repeat for each.",
)
@click.option("--method", type=click.Choice(["sobol", "morris"]), default="sobol", show_default=True)
@click.option(
    "--samples",
    type=click.IntRange(min=2, max=MAX_POINTS),
    default=None,
    help="SALib's N: base sample (Sobol, a power of two; default 64) or trajectories (Morris; default 16).",
)
@replications_option(
    None, "Replications per sample point (the same seeds at every point).  [default: 20; on --resume: recorded]"
)
@click.option(
    "--outcome",
    default="years_to_entry_into_force",
    show_default=True,
    help="years_to_entry_into_force, years_to_first_grant, entry_into_force, any_grant, granted[CANDIDATE] "
    "or ratified[MEMBER].",
)
@click.option("--by", type=_DATE, default=None, help="Date for the probability outcomes (default: the horizon).")
@seed_option()
@results_options("Folder for replications.parquet/, indices.csv, indices.parquet, points.parquet and sensitivity.png.")
@execution_options
def sensitivity(
    scenario: str,
    params: tuple[str, ...],
    method: str,
    samples: int | None,
    replications: int | None,
    outcome: str,
    by: dt.datetime | None,
    seed: int | None,
    out: Path | None,
    resume: bool,
    force: bool,
    workers: int | None,
    scheduler: str | None,
    dask: bool,
    chunk_size: int | None,
    quiet: bool,
) -> None:
    """Rank the parameters of SCENARIO by their influence on an outcome (Sobol or Morris indices, SALib)."""
    from cstosim.analysis.sensitivity_plots import format_sensitivity
    from cstosim.api import sensitivity as analyse

    where = prepare_experiment(out, scheduler, dask)
    with user_errors(out):
        result = analyse(
            scenario,
            list(params),
            method=method,
            outcome=outcome,
            by=by.date() if by is not None else None,
            samples=samples,
            replications=replications,
            seed=seed,
            out=out,
            resume=resume,
            force=force,
            workers=workers,
            scheduler=where,
            chunk_size=chunk_size,
            progress=terminal_progress(quiet),
        )
    click.echo(format_sensitivity(result.sensitivity))
    click.echo(end_lines(result.report, out, result.written))


@click.command()
@scenario_argument(required=True)
@click.option("--facts", required=True, help="Facts file: a path or a bundled name (e.g. csto-record-2026).")
@click.option("--as-of", "as_of", type=_DATE, default=None, help="Use only the facts known on this date.")
@replications_option(
    None,
    "Replications simulated (the accepted ones are a part of them).  [default: 1000; on --resume: recorded]",
    most=MAX_ROWS_IN_MEMORY,
)
@seed_option()
@click.option(
    "--method",
    type=click.Choice(["start", "reject"]),
    default="start",
    show_default=True,
    help="start: from the recorded state (conditioned draws); reject: rejection over unconditioned runs.",
)
@results_options("Folder for forecast.parquet/ (every replication, with accepted), forecast.json and forecast.png.")
@execution_options
def forecast(
    scenario: str,
    facts: str,
    as_of: dt.datetime | None,
    replications: int | None,
    seed: int | None,
    method: str,
    out: Path | None,
    resume: bool,
    force: bool,
    workers: int | None,
    scheduler: str | None,
    dask: bool,
    chunk_size: int | None,
    quiet: bool,
) -> None:
    """Forecast what is still to come in SCENARIO, given the facts known as of a date."""
    from cstosim.analysis.forecast_report import format_forecast
    from cstosim.api import forecast as run_forecast

    model = load(scenario)
    where = prepare_experiment(out, scheduler, dask)
    with user_errors(out):
        result = run_forecast(
            model,
            facts,
            replications,
            seed,
            method=method,
            as_of=as_of.date() if as_of is not None else None,
            out=out,
            resume=resume,
            force=force,
            workers=workers,
            scheduler=where,
            chunk_size=chunk_size,
            progress=terminal_progress(quiet),
        )
    click.echo(format_forecast(result.summary))
    click.echo(end_lines(result.report, out, result.written))


@click.command()
@scenario_argument(required=True)
@click.option("--facts", required=True, help="Facts file: a path or a bundled name (e.g. csto-record-2026).")
@replications_option(
    None,
    "Replications of the prior predictive distribution.  [default: 1000; on --resume: the recorded number]",
    most=MAX_ROWS_IN_MEMORY,
)
@seed_option()
@results_options("Folder for prior_predictive.parquet/, calibration.csv and calibration.png.")
@execution_options
def calibrate(
    scenario: str,
    facts: str,
    replications: int | None,
    seed: int | None,
    out: Path | None,
    resume: bool,
    force: bool,
    workers: int | None,
    scheduler: str | None,
    dask: bool,
    chunk_size: int | None,
    quiet: bool,
) -> None:
    """Show where each recorded fact falls in SCENARIO's prior predictive distribution."""
    from cstosim.analysis.calibration import format_calibration
    from cstosim.api import calibrate as place_facts

    model = load(scenario)
    where = prepare_experiment(out, scheduler, dask)
    with user_errors(out):
        result = place_facts(
            model,
            facts,
            replications,
            seed,
            out=out,
            resume=resume,
            force=force,
            workers=workers,
            scheduler=where,
            chunk_size=chunk_size,
            progress=terminal_progress(quiet),
        )
    click.echo(format_calibration(result.table, model.name, result.replications, result.seed))
    click.echo(end_lines(result.report, out, result.written))

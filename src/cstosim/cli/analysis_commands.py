"""``cstosim sensitivity``, ``cstosim forecast`` and ``cstosim calibrate``: which assumption matters, what comes
next given the record, and which facts the scenario finds surprising."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from cstosim.cli.common import (
    UserError,
    load,
    out_option,
    output_folder,
    replications_option,
    scenario_argument,
    seed_option,
)
from cstosim.experiments.files import atomic_path, write_json
from cstosim.experiments.replications import fresh_seed
from cstosim.model.facts import Record
from cstosim.scenario_files import ScenarioError

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _load_record(name_or_path: str) -> Record:
    from cstosim.scenario_files.facts import load_record

    try:
        return load_record(name_or_path)
    except ScenarioError as error:
        raise UserError("\n".join(error.problems)) from None


@click.command()
@scenario_argument(required=True)
@click.option(
    "--param",
    "params",
    multiple=True,
    required=True,
    metavar="PATH=LOW:HIGH",
    help="An uncertain parameter (a dotted path in the scenario file) and its range; repeat for each.",
)
@click.option("--method", type=click.Choice(["sobol", "morris"]), default="sobol", show_default=True)
@click.option(
    "--samples",
    type=click.IntRange(min=2),
    default=None,
    help="SALib's N: base sample (Sobol, a power of two; default 64) or trajectories (Morris; default 16).",
)
@replications_option(20, "Replications per sample point (the same seeds at every point).")
@click.option(
    "--outcome",
    default="years_to_entry_into_force",
    show_default=True,
    help="years_to_entry_into_force, years_to_first_grant, entry_into_force, any_grant, granted[CANDIDATE] "
    "or ratified[MEMBER].",
)
@click.option("--by", type=_DATE, default=None, help="Date for the probability outcomes (default: the horizon).")
@seed_option()
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Parallel workers.")
@click.option(
    "--scheduler",
    default=None,
    help="A Dask scheduler address, or 'local' for a Dask LocalCluster; default: local processes (--workers).",
)
@out_option("Folder for indices.csv, indices.parquet, points.parquet and sensitivity.png.")
def sensitivity(
    scenario: str,
    params: tuple[str, ...],
    method: str,
    samples: int | None,
    replications: int,
    outcome: str,
    by: dt.datetime | None,
    seed: int | None,
    workers: int,
    scheduler: str | None,
    out: Path | None,
) -> None:
    """Rank the parameters of SCENARIO by their influence on an outcome (Sobol or Morris indices, SALib)."""
    from cstosim.analysis.sensitivity_plots import format_sensitivity, sensitivity_plot
    from cstosim.experiments.sensitivity import run_sensitivity

    if out is not None:
        output_folder(out)
    root_seed = fresh_seed() if seed is None else seed
    started = time.perf_counter()
    try:
        result = run_sensitivity(
            scenario,
            list(params),
            method=method,
            outcome=outcome,
            by=by.date() if by is not None else None,
            samples=samples,
            replications=replications,
            seed=root_seed,
            workers=workers,
            scheduler=scheduler,
        )
    except ScenarioError as error:
        raise UserError("\n".join(error.problems)) from None
    except ValueError as error:
        raise UserError(str(error)) from None
    click.echo(format_sensitivity(result))
    click.echo(f"\nRan in {time.perf_counter() - started:.1f} s.")
    if out is not None:
        with atomic_path(out / "indices.csv") as temporary:
            result.indices.to_csv(temporary, index=False)
        with atomic_path(out / "indices.parquet") as temporary:
            result.indices.to_parquet(temporary, index=False)
        with atomic_path(out / "points.parquet") as temporary:
            result.points.to_parquet(temporary, index=False)
        with atomic_path(out / "sensitivity.png") as temporary:
            sensitivity_plot(result).savefig(temporary, format="png")
        names = ("indices.csv", "indices.parquet", "points.parquet", "sensitivity.png")
        click.echo("Wrote " + ", ".join(str(out / name) for name in names))


@click.command()
@scenario_argument(required=True)
@click.option("--facts", required=True, help="Facts file: a path or a bundled name (e.g. csto-record-2026).")
@click.option("--as-of", "as_of", type=_DATE, default=None, help="Use only the facts known on this date.")
@replications_option(1000, "Replications simulated (the accepted ones are a part of them).")
@seed_option()
@click.option(
    "--method",
    type=click.Choice(["start", "reject"]),
    default="start",
    show_default=True,
    help="start: from the recorded state (conditioned draws); reject: rejection over unconditioned runs.",
)
@out_option("Folder for forecast.json, forecast.parquet (every replication, with accepted) and forecast.png.")
def forecast(
    scenario: str,
    facts: str,
    as_of: dt.datetime | None,
    replications: int,
    seed: int | None,
    method: str,
    out: Path | None,
) -> None:
    """Forecast what is still to come in SCENARIO, given the facts known as of a date."""
    from cstosim.analysis.forecast_report import forecast_plot, format_forecast, summarize_forecast
    from cstosim.experiments.forecast import run_forecast

    model = load(scenario)
    record = _load_record(facts)
    if out is not None:
        output_folder(out)
    try:
        result = run_forecast(
            model,
            record,
            replications,
            fresh_seed() if seed is None else seed,
            method=method,
            as_of=as_of.date() if as_of is not None else None,
        )
        summary = summarize_forecast(result)
    except ScenarioError as error:
        raise UserError("\n".join(error.problems)) from None
    except ValueError as error:
        raise UserError(str(error)) from None
    click.echo(format_forecast(summary))
    if out is not None:
        write_json(out / "forecast.json", summary.to_json())
        with atomic_path(out / "forecast.parquet") as temporary:
            result.table.to_parquet(temporary, index=False)
        with atomic_path(out / "forecast.png") as temporary:
            forecast_plot(result, summary).savefig(temporary, format="png")
        names = ("forecast.json", "forecast.parquet", "forecast.png")
        click.echo("Wrote " + ", ".join(str(out / name) for name in names))


@click.command()
@scenario_argument(required=True)
@click.option("--facts", required=True, help="Facts file: a path or a bundled name (e.g. csto-record-2026).")
@replications_option(1000, "Replications of the prior predictive distribution.")
@seed_option()
@out_option("Folder for calibration.csv and calibration.png.")
def calibrate(scenario: str, facts: str, replications: int, seed: int | None, out: Path | None) -> None:
    """Show where each recorded fact falls in SCENARIO's prior predictive distribution."""
    from cstosim.analysis.calibration import calibration_plot, calibration_table, format_calibration
    from cstosim.experiments.forecast import run_prior_predictive

    model = load(scenario)
    record = _load_record(facts)
    if out is not None:
        output_folder(out)
    root_seed = fresh_seed() if seed is None else seed
    try:
        prior = run_prior_predictive(model, record, replications, root_seed)
    except ScenarioError as error:
        raise UserError("\n".join(error.problems)) from None
    table = calibration_table(record, prior, model.start)
    click.echo(format_calibration(table, model.name, replications, root_seed))
    if out is not None:
        with atomic_path(out / "calibration.csv") as temporary:
            table.to_csv(temporary, index=False)
        with atomic_path(out / "calibration.png") as temporary:
            calibration_plot(table, model.name, replications).savefig(temporary, format="png")
        click.echo(f"Wrote {out / 'calibration.csv'}, {out / 'calibration.png'}")

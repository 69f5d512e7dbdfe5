"""``cstosim plot`` (redraw the plots of saved results) and ``cstosim sweep`` (parameter sweeps)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import pandas as pd

from cstosim.cli.common import (
    UserError,
    end_lines,
    execution_options,
    prepare_experiment,
    replications_option,
    results_options,
    scenario_argument,
    seed_option,
    user_errors,
)
from cstosim.experiments.pipeline import terminal_progress
from cstosim.experiments.sweep import parse_vary
from cstosim.model.limits import MAX_POINTS


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--metric",
    default=None,
    help="For a sweep folder: the metric to summarise and plot.  [default: the sweep's, else any_grant]",
)
def plot(folder: Path, metric: str | None) -> None:
    """Redraw the files of the results in FOLDER: a ``cstosim run --out`` folder (summary.json and the four
    plots) or a ``cstosim sweep --out`` folder (sweep_summary.csv, sweep.json and sweep_METRIC.png).

    Reads the saved Parquet chunks (a run's one at a time, so it works for runs of any size).
    """
    from cstosim.api import replot

    with user_errors():
        result = replot(folder, metric)
    status = "" if result.complete else f" ({result.kind} not complete: plots of the chunks saved so far)"
    size = f"{result.points:,} points x " if result.kind == "sweep" else ""
    wrote = ", ".join(str(path) for path in result.written)
    click.echo(f"{size}{result.replications:,} replications{status}. Wrote {wrote}")


@click.command()
@scenario_argument(required=True)
@click.option(
    "--vary",
    "vary_options",
    multiple=True,
    metavar="PATH=V1,V2,...|PATH=LOW:HIGH",
    help="A parameter (dotted path) and its values (PATH=V1,V2,...: a grid), or the range to sample with "
    "--design lhs (PATH=LOW:HIGH); repeat for more parameters. "
    "Default: the scenario file's [sweep] table.",
)
@click.option("--design", type=click.Choice(["grid", "lhs"]), default=None, help="Full grid, or Latin hypercube.")
@click.option(
    "--samples", type=click.IntRange(min=1, max=MAX_POINTS), default=None, help="Points to draw with --design lhs."
)
@replications_option(
    None,
    "Replications per point (the same seeds at every point).  "
    "[default: [sweep] replications, else 1000; on --resume: the recorded number]",
)
@seed_option()
@click.option("--metric", default=None, help="Metric to summarise and plot.  [default: [sweep] metric, else any_grant]")
@results_options(
    "Folder for sweep.parquet/ (tidy table, chunk by chunk), sweep_summary.csv, sweep.json, sweep_METRIC.png."
)
@execution_options
def sweep(
    scenario: str,
    vary_options: tuple[str, ...],
    design: str | None,
    samples: int | None,
    replications: int | None,
    seed: int | None,
    metric: str | None,
    out: Path | None,
    resume: bool,
    force: bool,
    workers: int | None,
    scheduler: str | None,
    dask: bool,
    chunk_size: int | None,
    quiet: bool,
) -> None:
    """Run SCENARIO at every point of a parameter sweep and compare the points, with 95% intervals."""
    from cstosim.api import sweep as run_sweep

    vary: dict[str, Sequence[Any]] = {}
    for text in vary_options:
        try:
            path, values = parse_vary(text)
        except ValueError as error:
            raise UserError(str(error)) from None
        vary[path] = values
    where = prepare_experiment(out, scheduler, dask)
    with user_errors(out):
        result = run_sweep(
            scenario,
            vary or None,
            replications,
            seed,
            design=design,
            samples=samples,
            metric=metric,
            out=out,
            resume=resume,
            force=force,
            workers=workers,
            scheduler=where,
            chunk_size=chunk_size,
            progress=terminal_progress(quiet),
        )
    model = result.scenario
    click.echo(f"{model.name}: {model.title}")
    size = f"{result.points} points x {result.replications:,} replications"
    click.echo(f"Sweep ({result.design}) of {size}, seed {result.seed}\n")
    click.echo(format_sweep(result.summary, result.metric))
    click.echo(end_lines(result.report, out, result.written))


def format_sweep(summary: pd.DataFrame, metric: str) -> str:
    """One line per point: parameter values, then the estimate and its 95% interval."""
    parameters = list(summary.columns[1 : summary.columns.get_loc("replications")])
    cells = [[_cell(value) for value in summary[parameters].iloc[i].tolist()] for i in range(len(summary))]
    widths = [max(len(name), *(len(cell[i]) for cell in cells)) for i, name in enumerate(parameters)]
    header = "point  " + "  ".join(f"{name:<{w}}" for name, w in zip(parameters, widths, strict=True))
    lines = [f"{header}  {metric} (95% interval)"]
    for (_, row), cell in zip(summary.iterrows(), cells, strict=True):
        values = "  ".join(f"{text:<{w}}" for text, w in zip(cell, widths, strict=True))
        lines.append(f"{int(row['point']):>5}  {values}  {_figure(row['estimate'], row['low'], row['high'], metric)}")
    return "\n".join(lines)


def _figure(value: float, low: float, high: float, metric: str) -> str:
    if metric.startswith("years_to_"):
        return f"{_years(value)}  ({_years(low)} to {_years(high)})"
    return f"{value:6.1%}  ({low:.1%} to {high:.1%})"


def _cell(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _years(value: float) -> str:
    return f"{value:.2f} y" if math.isfinite(value) else "beyond the horizon"

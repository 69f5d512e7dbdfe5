"""``cstosim plot`` (redraw the plots of saved results) and ``cstosim sweep`` (parameter sweeps)."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import click
import pandas as pd

from cstosim.cli.common import (
    UserError,
    load,
    out_option,
    output_folder,
    replications_option,
    scenario_argument,
    seed_option,
)
from cstosim.cli.simulate import end_line, execution_options, executor_for, scheduler_of
from cstosim.experiments.executors import DEFAULT_CHUNK_SIZE
from cstosim.experiments.files import atomic_path, write_json
from cstosim.experiments.replications import fresh_seed
from cstosim.experiments.runner import terminal_progress
from cstosim.scenario_files import ScenarioError

SWEEP_FILES = ("sweep.parquet", "sweep_summary.csv", "sweep.json")


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def plot(folder: Path) -> None:
    """Redraw the plots and summary.json of the results in FOLDER (a ``cstosim run --out`` folder).

    Reads the Parquet chunks one at a time, so it works for runs of any size.
    """
    from cstosim.analysis.plots import save_plots
    from cstosim.analysis.statistics import summarize_tally
    from cstosim.analysis.tally import Tally
    from cstosim.experiments.store import ResultStore, StoreError, scenario_fingerprint

    try:
        store = ResultStore.open(folder)
    except StoreError as error:
        raise UserError(str(error)) from None
    if store.manifest.get("scenario_file") is None:
        raise UserError(f"{folder}: the run's scenario was built in code and not saved; plot it from Python")
    model = load(str(folder / store.manifest["scenario_file"]))
    if scenario_fingerprint(model)[1] != store.manifest["scenario_hash"]:
        raise UserError(f"{folder / store.manifest['scenario_file']}: changed since the run (its hash differs)")
    if not store.manifest["chunks"]:
        raise UserError(f"{folder}: no replications saved yet")
    tally = Tally(model)
    for table in store.tables():
        tally.add(table)
    summary = summarize_tally(model, tally)
    write_json(folder / "summary.json", summary.to_json())
    paths = save_plots(tally, summary, folder)
    status = "" if store.manifest["status"] == "complete" else " (run not complete: plots of the chunks saved so far)"
    click.echo(f"{tally.replications:,} replications{status}. Wrote " + ", ".join(str(path) for path in paths))


@click.command()
@scenario_argument(required=True)
@click.option(
    "--vary",
    "vary_options",
    multiple=True,
    metavar="PATH=V1,V2,...",
    help="A parameter (dotted path) and its values; repeat for a grid. With --design lhs: PATH=LOW,HIGH. "
    "Default: the scenario file's [sweep] table.",
)
@click.option("--design", type=click.Choice(["grid", "lhs"]), default=None, help="Full grid, or Latin hypercube.")
@click.option("--samples", type=click.IntRange(min=1), default=None, help="Points to draw with --design lhs.")
@replications_option(
    None, "Replications per point (the same seeds at every point).  [default: [sweep] replications, else 1000]"
)
@seed_option()
@click.option("--metric", default=None, help="Metric to summarise and plot.  [default: [sweep] metric, else any_grant]")
@out_option("Folder for sweep.parquet (tidy table), sweep_summary.csv, sweep.json and sweep_METRIC.png.")
@click.option("--force", is_flag=True, help="Replace sweep results already in --out.")
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
    force: bool,
    workers: int | None,
    scheduler: str | None,
    dask: bool,
    chunk_size: int | None,
    quiet: bool,
) -> None:
    """Run SCENARIO at every point of a parameter sweep and compare the points, with 95% intervals."""
    from cstosim.analysis.metrics import parse_metric
    from cstosim.analysis.sweeps import plot_sweep, sweep_summary
    from cstosim.experiments.runner import points_table
    from cstosim.experiments.sweep import build_points, design_points, parse_vary, with_parameters

    model = load(scenario)
    table = dict(model.source_table or {})
    settings: dict[str, Any] = dict(table.get("sweep") or {})
    if vary_options:
        vary: dict[str, list[Any]] = {}
        for text in vary_options:
            try:
                path, values = parse_vary(text)
            except ValueError as error:
                raise UserError(str(error)) from None
            vary[path] = values
    elif settings.get("vary"):
        vary = dict(settings["vary"])
    else:
        raise UserError(f"{scenario}: nothing to vary: give --vary PATH=V1,V2,... or a [sweep] table in the file")
    design = design or settings.get("design", "grid")
    samples = samples or settings.get("samples")
    replications = replications or settings.get("replications") or 1000
    metric = metric or settings.get("metric") or "any_grant"
    try:
        parse_metric(model, metric)
    except ValueError as error:
        raise UserError(f"--metric: {error}") from None
    root_seed = fresh_seed() if seed is None else seed
    try:
        points = design_points(vary, design or "grid", samples, root_seed)
        scenarios = build_points(table, points, str(scenario))
    except ValueError as error:  # ScenarioError is a ValueError, one line per problem
        problems = error.problems if isinstance(error, ScenarioError) else [f"{scenario}: {error}"]
        raise UserError("\n".join(problems)) from None
    if out is not None:
        output_folder(out)
        existing = [name for name in SWEEP_FILES if (out / name).exists()]
        if existing and not force:
            raise UserError(f"{out} already holds sweep results ({', '.join(existing)}): use --force to replace them")
    size = chunk_size or DEFAULT_CHUNK_SIZE
    chunks = len(points) * math.ceil(replications / size)
    executor = executor_for(workers, scheduler_of(scheduler, dask), chunks)
    started = time.perf_counter()
    try:
        result = points_table(
            scenarios, replications, root_seed, executor, progress=terminal_progress(quiet), chunk_size=size
        )
    finally:
        executor.close()
    elapsed = time.perf_counter() - started
    result = with_parameters(result, points)
    summary = sweep_summary(model, result, metric)
    click.echo(f"{model.name}: {model.title}")
    click.echo(f"Sweep ({design}) of {len(points)} points x {replications:,} replications, seed {root_seed}\n")
    click.echo(format_sweep(summary, metric))
    click.echo(end_line(len(result), elapsed, executor))
    if out is not None:
        with atomic_path(out / "sweep.parquet") as temporary:
            result.to_parquet(temporary, index=False)
        with atomic_path(out / "sweep_summary.csv") as temporary:
            summary.to_csv(temporary, index=False)
        write_json(
            out / "sweep.json",
            {
                "scenario": model.name,
                "design": design,
                "samples": samples,
                "vary": {path: [_plain(value) for value in values] for path, values in vary.items()},
                "replications": replications,
                "seed": root_seed,
                "metric": metric,
            },
        )
        figure = plot_sweep(result, metric, scenario=model)
        picture = out / f"sweep_{_file_name(metric)}.png"
        figure.savefig(picture)
        click.echo(f"Wrote {out / 'sweep.parquet'}, {out / 'sweep_summary.csv'}, {out / 'sweep.json'}, {picture}")


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


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, bool)) else str(value)


def _file_name(metric: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in metric).strip("_")

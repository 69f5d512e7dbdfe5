"""``cstosim run``: simulate a scenario many times and summarise the outcomes."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd

from cstosim.analysis.metrics import estimate, parse_metric
from cstosim.analysis.statistics import Proportion, Summary, summarize_tally
from cstosim.analysis.tally import Tally
from cstosim.cli.common import (
    UserError,
    load,
    out_option,
    output_folder,
    replications_option,
    scenario_argument,
    seed_option,
)
from cstosim.experiments.executors import DEFAULT_CHUNK_SIZE, LOCAL, Executor, make_executor
from cstosim.experiments.files import atomic_path, write_json
from cstosim.experiments.replications import fresh_seed
from cstosim.experiments.runner import terminal_progress
from cstosim.experiments.store import MANIFEST, ResultStore, StoreError, run_chunked
from cstosim.model.scenario import Scenario


def execution_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by ``run`` and ``sweep``: where replications run, chunking, progress."""
    options = [
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            default=None,
            help="Local worker processes. Default: every core of this machine.",
        ),
        click.option("--scheduler", metavar="ADDRESS", default=None, help="Run on the Dask cluster at ADDRESS."),
        click.option("--dask", is_flag=True, help="Run on a Dask LocalCluster started for this run."),
        click.option(
            "--chunk-size",
            type=click.IntRange(min=1),
            default=None,
            help=f"Replications per chunk (unit of work and of the files written). Default: {DEFAULT_CHUNK_SIZE}.",
        ),
        click.option("--quiet", is_flag=True, help="No progress bar (it is shown only on a terminal anyway)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def scheduler_of(scheduler: str | None, dask: bool) -> str | None:
    if scheduler is not None and dask:
        raise UserError("--scheduler and --dask: give one of them")
    return LOCAL if dask else scheduler


def executor_for(workers: int | None, scheduler: str | None, chunks: int) -> Executor:
    try:
        return make_executor(workers, scheduler, chunks=chunks)
    except RuntimeError as error:  # Dask missing or its scheduler unreachable
        raise UserError(str(error)) from None


def parse_precision(model: Scenario, text: str) -> tuple[str, float]:
    """``METRIC=HALFWIDTH`` checked against the scenario, or a user error naming the rule."""
    metric, sep, value = text.rpartition("=")
    try:
        half_width = float(value)
    except ValueError:
        half_width = math.nan
    if not sep or not metric or not half_width > 0:
        raise UserError(
            f"--precision: must be METRIC=HALFWIDTH with HALFWIDTH > 0, e.g. any_grant=0.005 (got {text!r})"
        )
    try:
        parse_metric(model, metric)
    except ValueError as error:
        raise UserError(f"--precision: {error}") from None
    return metric, half_width


def end_line(replications: int, elapsed: float, executor: Executor) -> str:
    rate = replications / elapsed if elapsed > 0 else math.inf
    return f"\n{replications:,} replications in {elapsed:.1f} s ({rate:,.0f} per second, {executor.description})."


@click.command()
@scenario_argument()
@replications_option(None, "Number of Monte Carlo replications.  [default: 1000; on --resume: the recorded number]")
@seed_option()
@out_option("Folder for the results: replications.parquet/ (chunks), manifest.json, summary.json, plots.")
@click.option(
    "--table-format",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
    help="csv also writes replications.csv (for spreadsheets; the Parquet chunks are always written).",
)
@execution_options
@click.option("--resume", is_flag=True, help="Continue the run in --out: compute only the missing chunks.")
@click.option("--force", is_flag=True, help="Replace results already in --out.")
@click.option(
    "--precision",
    metavar="METRIC=HALFWIDTH",
    default=None,
    help="Add chunks until METRIC's 95% interval half-width is below HALFWIDTH (e.g. any_grant=0.005).",
)
@click.option(
    "--max-replications",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="With --precision: stop here even if the target is not reached.",
)
def run(
    scenario: str,
    replications: int | None,
    seed: int | None,
    out: Path | None,
    table_format: str,
    workers: int | None,
    scheduler: str | None,
    dask: bool,
    chunk_size: int | None,
    quiet: bool,
    resume: bool,
    force: bool,
    precision: str | None,
    max_replications: int,
) -> None:
    """Simulate SCENARIO (a path or a bundled name; default: csto-2018) and summarise the outcomes."""
    model = load(scenario)
    target = parse_precision(model, precision) if precision is not None else None
    where = scheduler_of(scheduler, dask)
    if target is not None and replications is not None:
        raise UserError("-n and --precision: precision decides how many replications; cap them with --max-replications")
    if resume and out is None:
        raise UserError("--resume needs --out (the folder of the run to continue)")
    store = None
    if out is not None:
        output_folder(out)
        try:
            store = ResultStore.prepare(
                out,
                model,
                seed,
                replications,
                chunk_size,
                resume=resume,
                force=force,
            )
        except StoreError as error:
            raise UserError(str(error)) from None
        replications = int(store.manifest["replications"])
    root_seed = store.seed if store is not None else (fresh_seed() if seed is None else seed)
    size = store.chunk_size if store is not None else chunk_size or DEFAULT_CHUNK_SIZE
    planned = max_replications if target is not None else replications or 1000
    if store is not None:
        store.manifest["replications"] = planned
    tally = Tally(model)

    def on_table(table: pd.DataFrame) -> bool:
        tally.add(table)
        return target is not None and estimate(model, tally, target[0]).half_width < target[1]

    executor = executor_for(workers, where, chunks=math.ceil(planned / size))
    started = time.perf_counter()
    try:
        report = run_chunked(
            model,
            root_seed,
            planned,
            executor,
            chunk_size=size,
            store=store,
            on_table=on_table,
            progress=terminal_progress(quiet),
        )
    except KeyboardInterrupt:
        hint = f"; continue it with --resume --out {out}" if out is not None else ""
        raise UserError(f"interrupted{hint}") from None
    finally:
        executor.close()
    elapsed = time.perf_counter() - started
    summary = summarize_tally(model, tally)
    click.echo(format_summary(model.title, summary))
    if target is not None:
        click.echo("\n" + format_precision(model, tally, target, report.replications, planned))
    click.echo(end_line(report.computed_replications, elapsed, executor))
    if report.reused:
        click.echo(f"Reused {report.reused} chunk(s) already in {out}.")
    if out is not None and store is not None:
        from cstosim.analysis.plots import save_plots

        write_json(out / "summary.json", summary.to_json())
        written = [out / "summary.json", store.table_folder]
        if table_format == "csv":
            written.append(export_csv(store, out / "replications.csv"))
        written += save_plots(tally, summary, out)
        store.finish(report.replications, {"precision": precision} if precision else None)
        written.append(out / MANIFEST)
        click.echo("Wrote " + ", ".join(str(path) for path in written))


def format_precision(model: Scenario, tally: Tally, target: tuple[str, float], done: int, planned: int) -> str:
    metric, goal = target
    result = estimate(model, tally, metric)
    figures = f"{metric} = {result.estimate:.4g} (95% interval {result.low:.4g} to {result.high:.4g})"
    if result.half_width < goal:
        return (
            f"Precision reached: {figures}, half-width {result.half_width:.4g} < {goal:g} after {done:,} replications."
        )
    return (
        f"Precision NOT reached: {figures}, half-width {result.half_width:.4g} >= {goal:g} "
        f"after {done:,} replications (--max-replications {planned:,})."
    )


def export_csv(store: ResultStore, target: Path) -> Path:
    """The run table as one CSV file, written chunk by chunk (memory stays flat)."""
    with atomic_path(target) as temporary, temporary.open("w", encoding="utf-8", newline="") as file:
        for number, table in enumerate(store.tables()):
            table.to_csv(file, index=False, header=number == 0)
    return target


def format_summary(title: str, summary: Summary) -> str:
    """The run summary as plain-text tables, columns sized to the longest name."""
    seed = f", seed {summary.seed}" if summary.seed is not None else ""
    candidates = [f"{o.candidate} ({o.status})" for o in summary.candidates]
    names = [m.milestone for m in summary.milestones] + candidates + list(summary.last_ratifier)
    width = max(len(name) for name in [*names, "Candidate (status sought)"]) + 2
    horizon = summary.horizon
    lines = [
        f"{summary.scenario}: {title}",
        f"{summary.replications:,} replications{seed}; horizon {horizon}",
        "",
        f"{'Milestone':<{width}}{'reached':>8}   {'median':<12}{'5%':<12}95%",
    ]
    for m in summary.milestones:
        dates = f"{_date(m.median):<12}{_date(m.p05):<12}{_date(m.p95)}"
        lines.append(f"  {m.milestone:<{width - 2}}{m.reached.estimate:>8.1%}   {dates}")
    lines += [
        "",
        f"Entry into force by {horizon}:   {_interval(summary.entry_into_force.reached)}",
        f"Any status granted by {horizon}: {_interval(summary.any_grant)}",
        "",
        f"{'Candidate (status sought)':<{width}}{'applied':>8}   granted by {horizon} (95% interval)",
    ]
    for label, outcome in zip(candidates, summary.candidates, strict=True):
        lines.append(f"  {label:<{width - 2}}{outcome.applied.estimate:>8.1%}   {_interval(outcome.granted)}")
    if summary.last_ratifier:
        lines += ["", "Last to ratify (whose notification completed entry into force), share of replications"]
        for member, share in sorted(summary.last_ratifier.items(), key=lambda item: -item[1].estimate):
            lines.append(f"  {member:<{width - 2}}{_interval(share)}")
        missing = summary.replications - summary.entry_into_force.reached.successes
        if missing:
            lines.append(f"  {'(not in force by the horizon)':<{width - 2}}{missing / summary.replications:6.1%}")
    return "\n".join(lines)


def _date(value: object) -> str:
    return str(value) if value is not None else "-"


def _interval(proportion: Proportion) -> str:
    return f"{proportion.estimate:6.1%}  ({proportion.low:.1%} to {proportion.high:.1%})"

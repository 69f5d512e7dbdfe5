"""``cstosim run``: simulate a scenario many times and summarise the outcomes (``cstosim.run`` does the work)."""

from __future__ import annotations

from pathlib import Path

import click

from cstosim.analysis.summary import Summary
from cstosim.api import DEFAULT_MAX_REPLICATIONS, PrecisionOutcome
from cstosim.api import run as run_scenario
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
from cstosim.model.limits import MAX_REPLICATIONS
from cstosim.outcomes.statistics import Proportion, replications_for_quantile


@click.command()
@scenario_argument()
@replications_option(None, "Number of Monte Carlo replications.  [default: 1000; on --resume: the recorded number]")
@seed_option()
@results_options("Folder for the results: replications.parquet/ (chunks), manifest.json, summary.json, plots.")
@click.option(
    "--table-format",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
    help="csv also writes replications.csv (for spreadsheets; the Parquet chunks are always written).",
)
@execution_options
@click.option(
    "--precision",
    metavar="METRIC=HALFWIDTH",
    default=None,
    help="Add chunks until METRIC's 95% interval half-width is below HALFWIDTH (e.g. any_grant=0.005).",
)
@click.option(
    "--max-replications",
    type=click.IntRange(min=1, max=MAX_REPLICATIONS),
    default=DEFAULT_MAX_REPLICATIONS,
    show_default=True,
    help="With --precision: stop here even if the target is not reached.",
)
def run(
    scenario: str,
    replications: int | None,
    seed: int | None,
    out: Path | None,
    resume: bool,
    force: bool,
    table_format: str,
    workers: int | None,
    scheduler: str | None,
    dask: bool,
    chunk_size: int | None,
    quiet: bool,
    precision: str | None,
    max_replications: int,
) -> None:
    """Simulate SCENARIO (a path or a bundled name; default: csto-2018) and summarise the outcomes."""
    model = load(scenario)
    where = prepare_experiment(out, scheduler, dask)
    with user_errors(out):
        result = run_scenario(
            model,
            replications,
            seed,
            precision=precision,
            max_replications=max_replications,
            out=out,
            resume=resume,
            force=force,
            table_format=table_format,
            keep_table=False,
            workers=workers,
            scheduler=where,
            chunk_size=chunk_size,
            progress=terminal_progress(quiet),
        )
    click.echo(format_summary(model.title, result.summary))
    if result.precision is not None:
        click.echo("\n" + format_precision(result.precision, result.report.replications))
    click.echo(end_lines(result.report, out, result.written))


def format_precision(outcome: PrecisionOutcome, done: int) -> str:
    metric, goal, estimate = outcome.target.metric, outcome.target.half_width, outcome.estimate
    figures = f"{metric} = {estimate.estimate:.4g} (95% interval {estimate.low:.4g} to {estimate.high:.4g})"
    if outcome.reached:
        width = f"half-width {estimate.half_width:.4g} < {goal:g}"
        return f"Precision reached: {figures}, {width} after {done:,} replications."
    return (
        f"Precision NOT reached: {figures}, half-width {estimate.half_width:.4g} >= {goal:g} "
        f"after {done:,} replications (--max-replications {outcome.max_replications:,})."
    )


def format_summary(title: str, summary: Summary) -> str:
    """The run summary as plain-text tables, columns sized to the longest name."""
    seed = f", seed {summary.seed}" if summary.seed is not None else ""
    candidates = [f"{o.candidate} ({o.status})" for o in summary.candidates]
    names = [m.milestone for m in summary.milestones] + candidates + list(summary.last_ratifier)
    if summary.last_ratifier:
        names.append("(not in force by the horizon)")
    width = max(len(name) for name in [*names, "Candidate (status sought)"]) + 2
    horizon = summary.horizon
    lines = [
        f"{summary.scenario}: {title}",
        f"{summary.replications:,} replications{seed}; horizon {horizon}",
        "",
        f"{'':<{width}}{'':>8}   {'over the replications that reached it':<39}over all",
        f"{'Milestone':<{width}}{'reached':>8}   {'median':<12}{'5%':<12}{'95%':<15}50% reached by",
    ]
    for m in summary.milestones:
        dates = f"{_date(m.median):<12}{_date(m.p05):<12}{_date(m.p95):<15}{_date(m.median_all, 'not reached')}"
        lines.append(f"  {m.milestone:<{width - 2}}{m.reached.estimate:>8.1%}   {dates}".rstrip())
    if any(m.too_few for m in summary.milestones):
        lines.append(
            f"  -: too few replications reached it for that date (a median needs {replications_for_quantile(0.5)}, "
            f"a 5% or 95% date {replications_for_quantile(0.05)})"
        )
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


def _date(value: object, missing: str = "-") -> str:
    return str(value) if value is not None else missing


def _interval(proportion: Proportion) -> str:
    return f"{proportion.estimate:6.1%}  ({proportion.low:.1%} to {proportion.high:.1%})"

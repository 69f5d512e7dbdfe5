"""``cstosim run``: simulate a scenario many times and summarise the outcomes."""

from __future__ import annotations

import time
from pathlib import Path

import click

from cstosim.analysis.statistics import Proportion, Summary, summarize
from cstosim.cli.common import load, output_folder, scenario_argument
from cstosim.experiments.files import atomic_path, write_json
from cstosim.experiments.replications import fresh_seed, run_replications


@click.command()
@scenario_argument()
@click.option(
    "-n",
    "--replications",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Number of Monte Carlo replications.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Root seed; the same seed gives the same results. Default: fresh, and printed.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for summary.json, the per-replication table and the plots.",
)
@click.option(
    "--table-format",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
    help="File format of the per-replication table.",
)
def run(scenario: str, replications: int, seed: int | None, out: Path | None, table_format: str) -> None:
    """Simulate SCENARIO (a path or a bundled name; default: csto-2018) and summarise the outcomes."""
    model = load(scenario)
    if out is not None:
        output_folder(out)
    root_seed = fresh_seed() if seed is None else seed
    started = time.perf_counter()
    table = run_replications(model, replications, root_seed)
    elapsed = time.perf_counter() - started
    summary = summarize(model, table)
    click.echo(format_summary(model.title, summary))
    click.echo(f"\n{replications:,} replications in {elapsed:.1f} s ({replications / elapsed:,.0f} per second).")
    if out is not None:
        from cstosim.analysis.plots import save_plots

        write_json(out / "summary.json", summary.to_json())
        table_path = out / f"replications.{table_format}"
        with atomic_path(table_path) as temporary:
            if table_format == "csv":
                table.to_csv(temporary, index=False)
            else:
                table.to_parquet(temporary, index=False)
        written = [out / "summary.json", table_path, *save_plots(table, summary, out)]
        click.echo("Wrote " + ", ".join(str(path) for path in written))


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

"""What every command shares: the scenario argument, the execution and results-folder options, and turning
user errors into one-line messages."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from cstosim.engine.random_numbers import MAX_SEED
from cstosim.experiments.executors import LOCAL, ExecutorError, check_scheduler, default_workers
from cstosim.experiments.files import WriteError
from cstosim.experiments.pipeline import RunReport
from cstosim.experiments.plan import DEFAULT_CHUNK_SIZE
from cstosim.experiments.store import StoreError
from cstosim.model.limits import MAX_CHUNK_SIZE, MAX_REPLICATIONS, MAX_WORKERS_PER_CORE
from cstosim.model.scenario import Scenario
from cstosim.scenario_files import DEFAULT_SCENARIO, ScenarioError, load_scenario


class UserError(click.ClickException):
    """A problem with the user's input: printed as ``Error: ...`` with exit code 2 and no traceback."""

    exit_code = 2


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def scenario_argument(required: bool = False) -> Decorator:
    return click.argument("scenario", required=required, default=None if required else DEFAULT_SCENARIO)


def replications_option(default: int | None, help: str, most: int = MAX_REPLICATIONS) -> Decorator:
    """``-n/--replications N`` (1 to ``most``); ``default=None`` lets the command choose and says so in ``help``."""
    return click.option(
        "-n",
        "--replications",
        type=click.IntRange(min=1, max=most),
        default=default,
        show_default=default is not None,
        help=help,
    )


def seed_option(
    help: str = "Root seed; the same seed gives the same results. Default: fresh (on --resume: the recorded one).",
) -> Decorator:
    return click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=None, help=help)


class NamedPath(click.Path):
    """A path that must be named: an empty ``--out ""`` (an unset shell variable) is refused, not taken as the
    current folder."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail(f"give a name (got {value!r})", param, ctx)
        return super().convert(value, param, ctx)


def out_option(help: str) -> Decorator:
    return click.option("--out", type=NamedPath(file_okay=False, path_type=Path), default=None, help=help)


def results_options(what: str) -> Decorator:
    """``--out``, ``--resume`` and ``--force``: a results folder, continued or replaced."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        options = [
            out_option(what),
            click.option("--resume", is_flag=True, help="Continue the results in --out: compute only what is missing."),
            click.option("--force", is_flag=True, help="Replace results already in --out."),
        ]
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def execution_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Where replications run, how they are chunked, and the progress bar (every experiment command)."""
    options = [
        click.option(
            "--workers",
            type=click.IntRange(min=1, max=MAX_WORKERS_PER_CORE * default_workers()),
            default=None,
            help="Local worker processes. Default: every core of this machine.",
        ),
        click.option(
            "--scheduler",
            metavar="ADDRESS",
            default=None,
            help="Run on the Dask cluster whose scheduler is at ADDRESS.",
        ),
        click.option("--dask", is_flag=True, help="Run on a Dask cluster started on this machine for this run."),
        click.option(
            "--chunk-size",
            type=click.IntRange(min=1, max=MAX_CHUNK_SIZE),
            default=None,
            help=f"Replications per chunk (unit of work and of the files written). Default: {DEFAULT_CHUNK_SIZE}; "
            "with --workers, smaller if that would leave workers idle.",
        ),
        click.option("--quiet", is_flag=True, help="No progress bar (it is shown only on a terminal anyway)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def scheduler_of(scheduler: str | None, dask: bool) -> str | None:
    """The Dask scheduler to run on (``None``: not on Dask): ``--dask`` is the one way to ask for a cluster on this
    machine, ``--scheduler`` takes the address of a running one, checked now, before anything runs."""
    if scheduler is not None and dask:
        raise UserError("--scheduler and --dask: give one of them")
    if scheduler is not None and scheduler.strip().lower() == LOCAL:
        raise UserError(
            "--scheduler takes the address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
            f"(got {scheduler!r}); for a Dask cluster on this machine use --dask"
        )
    if scheduler is not None:
        with user_errors():
            check_scheduler(scheduler)
    return LOCAL if dask else scheduler


def prepare_experiment(out: Path | None, scheduler: str | None, dask: bool) -> str | None:
    """What an experiment command checks before anything runs: where it runs (the Dask scheduler, as
    ``scheduler_of`` gives it) and, with ``out``, that the results folder can be created and written."""
    where = scheduler_of(scheduler, dask)
    if out is not None:
        output_folder(out)
    return where


@contextlib.contextmanager
def user_errors(out: Path | None = None) -> Iterator[None]:
    """Turn the library's errors about what was asked into one-line messages (one line per problem)."""
    try:
        yield
    except ScenarioError as error:
        raise UserError("\n".join(error.problems)) from None
    except (StoreError, ExecutorError, ValueError) as error:
        raise UserError(str(error)) from None
    except OSError as error:  # a full disk, a folder made read-only: what was written so far is kept
        where = f"{error.filename}: " if error.filename else ""
        message = str(error) if isinstance(error, WriteError) else f"{where}{error.strerror or error}"
        hint = f"; {out} keeps what was written: make room, then continue with --resume --out {out}" if out else ""
        raise UserError(f"{message}{hint}") from None
    except KeyboardInterrupt:
        hint = f"; continue it with --resume --out {out}" if out is not None else ""
        raise UserError(f"interrupted{hint}") from None


def load(name_or_path: str) -> Scenario:
    """Load a scenario, turning every validation problem into a user error (one line per problem)."""
    try:
        return load_scenario(name_or_path)
    except ScenarioError as error:
        raise UserError("\n".join(error.problems)) from None


def output_folder(folder: Path) -> Path:
    """Create the output folder and check it is writable, or fail with a one-line message."""
    from cstosim.experiments.files import prepare_folder

    try:
        prepare_folder(folder)
    except OSError as error:
        reason = error.strerror or str(error)
        raise UserError(f"{folder}: cannot write results there: {reason}") from None
    return folder


def end_lines(report: RunReport, out: Path | None, written: tuple[Path, ...] = ()) -> str:
    """How the experiment went: replications computed, time, rate, executor; chunks reused; files written."""
    if report.computed == 0:
        lines = [f"\nNothing to compute: all {report.replications:,} replications were already in {out}."]
    else:
        rate = f"{report.rate:,.0f}" if math.isfinite(report.rate) else "-"
        lines = [
            f"\n{report.computed_replications:,} replications in {report.seconds:.1f} s "
            f"({rate} per second, {report.executor})."
        ]
        if report.reused:
            lines.append(f"Reused {report.reused} chunk(s) already in {out}.")
    if written:
        lines.append("Wrote " + ", ".join(str(path) for path in written))
    return "\n".join(lines)

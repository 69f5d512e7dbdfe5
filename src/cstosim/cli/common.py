"""What every command shares: the scenario argument, turning user errors into one-line messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cstosim.engine.random_numbers import MAX_SEED
from cstosim.model.scenario import Scenario
from cstosim.scenario_files import DEFAULT_SCENARIO, ScenarioError, load_scenario


class UserError(click.ClickException):
    """A problem with the user's input: printed as ``Error: ...`` with exit code 2 and no traceback."""

    exit_code = 2


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def scenario_argument(required: bool = False) -> Decorator:
    return click.argument("scenario", required=required, default=None if required else DEFAULT_SCENARIO)


def replications_option(default: int | None, help: str) -> Decorator:
    """``-n/--replications N`` (at least 1); ``default=None`` lets the command choose and says so in ``help``."""
    return click.option(
        "-n",
        "--replications",
        type=click.IntRange(min=1),
        default=default,
        show_default=default is not None,
        help=help,
    )


def seed_option(
    help: str = "Root seed; the same seed gives the same results. Default: fresh, and printed.",
) -> Decorator:
    return click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=None, help=help)


def out_option(help: str) -> Decorator:
    return click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help=help)


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

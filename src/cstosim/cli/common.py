"""What every command shares: the scenario argument, turning user errors into one-line messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cstosim.model.scenario import Scenario
from cstosim.scenario_files import DEFAULT_SCENARIO, ScenarioError, load_scenario


class UserError(click.ClickException):
    """A problem with the user's input: printed as ``Error: ...`` with exit code 2 and no traceback."""

    exit_code = 2


def scenario_argument(required: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.argument("scenario", required=required, default=None if required else DEFAULT_SCENARIO)


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

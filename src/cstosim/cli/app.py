"""The ``cstosim`` command: a click group whose commands live in one module per topic."""

from __future__ import annotations

import click

from cstosim.cli.analysis_commands import calibrate, forecast, sensitivity
from cstosim.cli.compare import compare
from cstosim.cli.experiments import plot, sweep
from cstosim.cli.explore import explore
from cstosim.cli.scenario_commands import new, params, scenarios, schema, validate
from cstosim.cli.simulate import run
from cstosim.cli.teaching import report, trace


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="cstosim")
def main() -> None:
    """Simulate how the CSTO (or an organization like it) grants partner and observer statuses."""


for command in (run, validate, scenarios, params, new, schema, trace, report, explore):
    main.add_command(command)
for command in (compare, plot, sweep):
    main.add_command(command)
for command in (sensitivity, forecast, calibrate):
    main.add_command(command)

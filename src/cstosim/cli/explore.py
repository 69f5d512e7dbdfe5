"""``cstosim explore``: the explorer page in a browser (a local Solara web app)."""

from __future__ import annotations

import errno
import importlib.util
import os

import click

from cstosim.cli.common import UserError, load, scenario_argument


@click.command()
@scenario_argument()
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=8765,
    show_default=True,
    help="Local port to serve on (0: any free port).",
)
@click.option("--no-browser", is_flag=True, help="Do not open a browser (one opens only on a desktop anyway).")
def explore(scenario: str, port: int, no_browser: bool) -> None:
    """Open SCENARIO in the explorer: change its parameters, run, compare with the baseline, step through a history.

    Prints the page's address (http://localhost:PORT/) and serves it until Ctrl+C.
    """
    missing = [name for name in ("solara", "uvicorn") if importlib.util.find_spec(name) is None]
    if missing:
        raise UserError(f"the explorer needs {' and '.join(missing)}: install it with  pip install 'cstosim[explore]'")
    load(scenario)  # a bad scenario is a one-line error here, before any server starts
    from cstosim.explore.server import bind, serve, should_open_browser

    try:
        sock = bind(port)
    except OSError as error:
        reason = "it is in use" if error.errno == errno.EADDRINUSE else (error.strerror or str(error))
        raise UserError(
            f"--port {port}: cannot serve there: {reason} (choose another, or 0 for any free port)"
        ) from None
    try:
        serve(scenario, sock, open_browser=should_open_browser(no_browser, os.environ), announce=click.echo)
    finally:
        sock.close()

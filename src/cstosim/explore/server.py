"""Serving the explorer: Solara's web server (uvicorn) on a local port, for ``cstosim explore``.

The socket is bound before anything is printed, so a port in use is a one-line error and the printed address
answers at once. Solara's page assets come from the ``solara-assets`` package (no network needed) and its
telemetry is off. A browser is opened only on a desktop (a display, or macOS or Windows), never when asked not to.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Callable, Mapping

SCENARIO_VARIABLE = "CSTOSIM_EXPLORE_SCENARIO"  # the scenario the page opens with
HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP = "cstosim.explore.app"


def should_open_browser(no_browser: bool, environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Open a browser only on a desktop terminal: macOS, Windows, or an X11 or Wayland display."""
    if no_browser:
        return False
    if platform in ("darwin", "win32"):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def bind(port: int, host: str = HOST) -> socket.socket:
    """A listening socket on ``host:port`` (0: a free port); ``OSError`` if the port cannot be had."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(
    scenario: str,
    sock: socket.socket,
    *,
    open_browser: bool = False,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve the explorer for ``scenario`` on the bound ``sock`` until interrupted (Ctrl+C)."""
    os.environ[SCENARIO_VARIABLE] = scenario
    os.environ["SOLARA_APP"] = APP
    import uvicorn
    from solara.server import settings

    settings.main.mode = "production"
    settings.telemetry.mixpanel_enable = False
    settings.theme.show_banner = False  # no "runs on Solara" banner over the page
    host, port = sock.getsockname()[:2]
    url = f"http://{'localhost' if host == HOST else host}:{port}/"
    config = uvicorn.Config("solara.server.starlette:app", log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    announce(f"The cstosim explorer for {scenario} is at {url}  (Ctrl+C stops it)")
    if open_browser:

        def open_when_started() -> None:
            while not server.started and not server.should_exit:
                time.sleep(0.1)
            if server.started:
                webbrowser.open(url)

        threading.Thread(target=open_when_started, daemon=True).start()
    server.run(sockets=[sock])

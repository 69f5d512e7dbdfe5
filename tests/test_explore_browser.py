"""The explorer as a person uses it: ``cstosim explore`` served on a free local port, driven in headless Chromium.

Needs Playwright (the ``test`` extra) and a Chromium at ``/usr/bin/chromium`` (Debian's package, which
``.ci/run`` installs; ``CSTOSIM_CHROMIUM`` names another). Without them these tests are skipped with the reason.
Playwright's own browser download is never used.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CSTOSIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = [name for name in ("playwright", "solara") if importlib.util.find_spec(name) is None]
pytestmark = [
    pytest.mark.skipif(bool(MISSING), reason=f"the browser tests need {', '.join(MISSING)} (pip install '.[test]')"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no browser at {CHROMIUM} (apt-get install chromium)"),
]
TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def explorer() -> Iterator[str]:
    """``cstosim explore csto-2018`` in a subprocess, until it answers; its address."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cstosim", "explore", "csto-2018", "--port", str(port), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://localhost:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else ""
                    pytest.fail(f"cstosim explore did not answer at {url}:\n{output}")
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    output = process.stdout.read() if process.stdout else ""
    assert f"The cstosim explorer for csto-2018 is at {url}" in output
    assert "Traceback" not in output, output


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextlib.contextmanager
def opened(browser: Any, url: str, width: int = 1280, height: int = 800) -> Iterator[Any]:
    """A fresh page on the explorer; on leaving, no console error and no uncaught page error may have been logged."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.locator(".cstosim-run").wait_for()
    try:
        yield page
    except Exception:
        page.screenshot(path=os.environ.get("CSTOSIM_FAILED_SCREENSHOT", "/tmp/cstosim-explore-failed.png"))
        raise
    finally:
        context.close()
    assert errors == [], f"the page logged errors: {errors}"


def picture(page: Any, name: str) -> bytes:
    image = page.locator(f".cstosim-figure-{name} img")
    image.scroll_into_view_if_needed()
    return bytes(image.screenshot())


def cell(page: Any, outcome: str, column: int) -> str:
    row = page.locator(".cstosim-summary tr", has=page.locator("td", has_text=outcome)).first
    return str(row.locator("td").nth(column).inner_text())


def test_moving_a_control_and_running_redraws_the_figures(explorer, browser):
    with opened(browser, explorer) as page:
        page.locator(".cstosim-run").click()
        page.get_by_text("No control changed: the what-if is the baseline.").wait_for()
        assert cell(page, "in force by the horizon", 1) == cell(page, "in force by the horizon", 2)
        before = {name: picture(page, name) for name in ("entry_into_force", "differences")}

        page.get_by_text("Member state: Tajikistan").click()
        control = page.locator('[data-path="members[Tajikistan].ratification.stall_probability"]')
        control.locator('[role="slider"]').press("End")  # the keyboard moves a slider as a hand does
        control.get_by_text("Chance that ratification stalls: 100% (scenario: 2%)").wait_for()
        page.get_by_text("members[Tajikistan].ratification.stall_probability = 1.0").wait_for()

        page.locator(".cstosim-run").click()
        page.get_by_text("1 change(s)").wait_for()
        assert cell(page, "in force by the horizon", 2) == "0.0%"  # Tajikistan never ratifies
        assert cell(page, "in force by the horizon", 1) != "0.0%"
        assert cell(page, "in force by the horizon", 3).startswith("-")
        after = {name: picture(page, name) for name in ("entry_into_force", "differences")}
        for name in before:
            assert after[name] != before[name], f"the {name} figure did not change"


def test_stepping_through_a_history_and_finding_one(explorer, browser):
    with opened(browser, explorer) as page:
        heading = page.locator(".cstosim-step-heading")
        assert heading.inner_text().startswith("Event 1 of ") and heading.inner_text().endswith("2018-11-08")
        assert page.locator(".cstosim-stage.cstosim-lit").inner_text() == "Adoption"
        first_text = page.locator(".cstosim-event").inner_text()
        first_chart = bytes(page.locator(".cstosim-timeline img").screenshot())
        for number in (2, 3, 4):
            page.locator(".cstosim-next").click()
            heading.get_by_text(f"Event {number} of ").wait_for()
        assert page.locator(".cstosim-event").inner_text() != first_text
        assert page.locator(".cstosim-stage.cstosim-lit").inner_text() == "Ratification"
        page.wait_for_timeout(500)  # the new picture replaces the old one
        assert bytes(page.locator(".cstosim-timeline img").screenshot()) != first_chart, "the timeline did not grow"
        page.locator(".cstosim-previous").click()
        heading.get_by_text("Event 3 of ").wait_for()
        page.locator(".cstosim-last").click()
        heading.get_by_text("Outcome at the horizon").wait_for()

        page.locator(".cstosim-find-kind").click()
        page.locator(".menuable__content__active .v-list-item", has_text="never enters into force").click()
        page.locator(".cstosim-find-who").wait_for(state="detached")  # the page has taken the choice: no "who"
        page.locator(".cstosim-find").click()
        found = page.locator(".cstosim-found")
        found.get_by_text("Replication 36 of seed 1 is the first where the instrument never enters").wait_for()
        assert "(37 searched)" in found.inner_text()
        page.locator(".cstosim-event", has_text="has not entered into force").wait_for()  # opens at the end
        assert heading.inner_text().startswith("Outcome at the horizon")
        assert page.locator(".cstosim-replication input").input_value() == "36"


def test_a_bad_file_is_reported_in_one_line_and_a_phone_gets_one_column(explorer, browser, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "broken"\ntitle = 3\n')
    with opened(browser, explorer, width=400) as page:
        page.locator(".cstosim-path input").fill(str(bad))
        page.locator(".cstosim-load").click()
        problems = page.locator(".cstosim-problems")
        problems.get_by_text(f"{bad}: title:").wait_for()
        assert "Traceback" not in problems.inner_text()
        assert all(line.startswith(str(bad)) for line in problems.inner_text().strip().splitlines())
        assert page.locator(".cstosim-run").is_visible()  # the scenario in use stays loaded
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"the page is {width} px wide on a 400 px screen"
        run, controls = (page.locator(selector).first.bounding_box() for selector in (".cstosim-run", "[data-path]"))
        assert run["y"] > controls["y"]  # the controls and the run stack in one column

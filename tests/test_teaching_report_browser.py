"""The HTML report in a real browser: at 400 px (a phone) and 1280 px, the page is never wider than the screen,
every column of its tables can be read, and nothing is logged as an error.

Needs Playwright (the ``test`` extra) and a Chromium at ``/usr/bin/chromium`` (``CSTOSIM_CHROMIUM`` names
another), as the explorer's browser tests do; without them these tests are skipped with the reason.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cstosim.cli import main

CHROMIUM = os.environ.get("CSTOSIM_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None, reason="needs playwright (pip install '.[test]')"
    ),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no browser at {CHROMIUM} (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> str:
    """csto-2024: long sources, dates from the file, a candidate that waits on the agenda."""
    output = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(main, ["report", "csto-2024", "-n", "40", "--seed", "1", "-o", str(output)])
    assert result.exit_code == 0, result.output
    return output.as_uri()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def opened(browser: Any, url: str, width: int) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return context, page, errors


@pytest.mark.parametrize("width", [400, 1280])
def test_the_report_fits_the_screen_and_every_column_can_be_read(report, browser, width):
    context, page, errors = opened(browser, report, width)
    try:
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= width, f"the page is {page_width} px wide on a {width} px screen"
        # The candidates' "granted by" figure lies inside the screen.
        granted = page.locator("table.stack").nth(1).locator("tbody tr").first.locator("td").nth(3)
        box = granted.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert granted.inner_text().endswith("%")
        # A source reads as a paragraph, not a column a few characters wide.
        source = page.locator(".values .source").nth(3).bounding_box()
        assert source is not None and source["width"] >= min(300, width - 60)
        # The wide figures keep a readable size on a phone: they scroll inside their frame, never the page.
        frame = page.locator(".wide").first
        scrolls = frame.evaluate("element => element.scrollWidth > element.clientWidth")
        assert scrolls == (width < 640)
        assert page.locator(".hint").first.is_visible() == (width < 640)
    finally:
        context.close()
    assert errors == [], f"the page logged errors: {errors}"

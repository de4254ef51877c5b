"""axe-core finds no WCAG 2.2 A/AA violation on every page, in each language, and after an htmx swap; nor does
the browser report a CSP violation."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

AXE = Axe()
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


def violations(page: Page) -> str:
    results = AXE.run(page, options=WCAG)
    return "" if results.violations_count == 0 else results.generate_report()


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
@pytest.mark.parametrize(
    "path",
    [
        "/", "/groups", "/groups/be-psybru", "/crisis", "/about", "/offline", "/groups/nope",
        "/guide", "/guide/support-group-or-therapy", "/guide/questions", "/start", "/start?now=very_bad&talk=peers", "/saved", "/submit",
    ],
)  # fmt: skip
def test_no_violations(page: Page, live_server: str, lang: str, path: str) -> None:
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(f"{live_server}/{lang}{path}")
    assert violations(page) == ""
    assert not [m for m in console if "Content Security Policy" in m], console  # no CSP violation either


@pytest.mark.parametrize("dark", [False, True])
def test_no_violations_after_an_htmx_swap(page: Page, live_server: str, dark: bool) -> None:
    page.emulate_media(color_scheme="dark" if dark else "light")
    page.goto(f"{live_server}/en/groups")
    with page.expect_response(re.compile(r"/results\?")):
        page.locator("#f-format-online").check()
    page.locator("details.more summary").click()
    assert violations(page) == ""

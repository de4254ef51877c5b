"""axe-core finds no WCAG 2.2 A/AA violation on every page, in each language, and after an htmx swap; nor does
the browser report a CSP violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import start_server
from tests.helpers.browser import violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/groups",
        "/groups/be-psybru",
        "/crisis",
        "/about",
        "/offline",
        "/groups/nope",
        "/guide",
        "/guide/support-group-or-therapy",
        "/guide/questions",
        "/start",
        "/start?now=very_bad&talk=peers",
        "/saved",
        "/submit",
    ],
)
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


@pytest.fixture(scope="module")
def fixture_server(fixture_db: Path) -> Iterator[str]:
    """The made-up fixture listings, some of them stale and one hidden (tests/fixtures.py)."""
    process, base = start_server(fixture_db)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.parametrize("dark", [False, True])
@pytest.mark.parametrize(
    "path", ["/en/groups?near=be-gent&within=100", "/nl/groups/test-gent-stale", "/fr/groups/test-hidden"]
)
def test_no_violations_where_listings_are_stale(page: Page, fixture_server: str, path: str, dark: bool) -> None:
    page.emulate_media(color_scheme="dark" if dark else "light")
    page.goto(f"{fixture_server}{path}")
    assert page.locator(".checked.stale, .stale-note").count() >= 1
    assert violations(page) == ""

"""axe-core finds no WCAG 2.2 A/AA violation on every page, in each language, and after an htmx swap; nor does
the browser report a CSP violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

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


@pytest.mark.parametrize("dark", [False, True])
@pytest.mark.parametrize(
    "path", ["/en/groups?near=be-gent&within=100", "/nl/groups/test-gent-stale", "/fr/groups/test-hidden"]
)
def test_no_violations_where_listings_are_stale(page: Page, fixture_server: str, path: str, dark: bool) -> None:
    page.emulate_media(color_scheme="dark" if dark else "light")
    page.goto(f"{fixture_server}{path}")
    assert page.locator(".checked.stale, .stale-note").count() >= 1
    assert violations(page) == ""


@pytest.mark.parametrize("dark", [False, True])
@pytest.mark.parametrize(
    "path",
    [
        *(f"/{lang}/groups/test-cafe-ecoute" for lang in ("nl", "fr", "en")),
        "/fr/groups/test-workshop-liege",  # its dates have passed
        "/nl/groups/test-many-towns",  # a meeting whose days are not known
        "/en/groups?day=tue&day=thu&time=evening&order=next",
    ],
)
def test_no_violations_on_pages_with_meetings(page: Page, fixture_server: str, path: str, dark: bool) -> None:
    page.emulate_media(color_scheme="dark" if dark else "light")
    page.goto(f"{fixture_server}{path}")
    assert page.locator("section.when li.meeting, #results p.next").count() >= 1
    if "day=" in path:
        page.locator("details.days summary").click()  # open already; a click must keep it usable
    assert violations(page) == ""

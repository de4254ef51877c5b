"""Private by design, in Chromium: no request leaves the origin, no CSP violation, the quick exit, saved
groups on the device only, "forget this device", near me without coordinates, no htmx snapshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.helpers.browser import EXIT, install, neutral_site

pytestmark = pytest.mark.browser


def test_a_whole_journey_stays_on_the_origin_without_csp_violations(
    persistent: BrowserContext, live_server: str
) -> None:
    requests: list[str] = []
    problems: list[str] = []
    persistent.on("request", lambda r: requests.append(r.url))
    page = persistent.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    install(page, f"{live_server}/en/")
    page.goto(f"{live_server}/en/groups")
    with page.expect_response(re.compile(r"/results\?")):
        page.locator("#f-format-online").check()
    page.goto(f"{live_server}/en/groups/be-psybru")
    page.locator("button.save").click()
    for path in ("/en/crisis", "/en/guide/questions", "/en/start", "/en/saved", "/en/about"):
        page.goto(f"{live_server}{path}")
    page.locator("#forget").click()
    expect(page.locator("#forget-done")).not_to_be_empty()
    outside = [url for url in requests if not url.startswith(live_server)]
    assert outside == []
    assert not [p for p in problems if "Content Security Policy" in p or "Refused to" in p], problems
    # htmx kept no history snapshot (historyCacheSize 0), and nothing else is left either.
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0


def test_quick_exit_by_button_leaves_no_history_entry(context: BrowserContext, live_server: str) -> None:
    neutral_site(context)
    page = context.new_page()
    page.goto(f"{live_server}/en/")
    page.goto(f"{live_server}/en/crisis")
    before = page.evaluate("history.length")
    page.locator("#quick-exit").click()
    expect(page).to_have_url(EXIT)
    assert page.evaluate("history.length") == before
    page.go_back()
    expect(page).to_have_url(f"{live_server}/en/")  # Back skips the page that was left
    expect(page.locator("h1")).to_be_visible()


def test_quick_exit_by_pressing_shift_three_times(context: BrowserContext, live_server: str) -> None:
    neutral_site(context)
    page = context.new_page()
    page.goto(f"{live_server}/fr/groups")
    before = page.evaluate("history.length")
    for _ in range(3):
        page.keyboard.press("Shift")
    expect(page).to_have_url(EXIT)
    assert page.evaluate("history.length") == before


def test_two_shifts_and_a_letter_do_not_leave(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/en/groups")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.keyboard.press("a")
    page.keyboard.press("Shift")
    page.wait_for_timeout(300)
    expect(page).to_have_url(f"{live_server}/en/groups")


def test_saved_groups_stay_on_the_device_and_work_offline(persistent: BrowserContext, live_server: str) -> None:
    page = persistent.new_page()
    install(page, f"{live_server}/nl/")
    page.goto(f"{live_server}/nl/groups/be-werkgroep-verder")
    star = page.locator("button.save")
    expect(star).to_have_attribute("aria-pressed", "false")
    star.click()
    expect(star).to_have_attribute("aria-pressed", "true")
    persistent.set_offline(True)
    page.goto(f"{live_server}/nl/saved")
    expect(page.locator("#saved-list a")).to_have_text(["Werkgroep Verder – voor nabestaanden na zelfdoding"])
    assert page.evaluate("localStorage.getItem('kring-saved')") == '["be-werkgroep-verder"]'


def test_forget_this_device_leaves_no_cache_storage_or_worker(persistent: BrowserContext, live_server: str) -> None:
    page = persistent.new_page()
    install(page, f"{live_server}/en/")
    page.goto(f"{live_server}/en/groups/be-psybru")
    page.locator("button.save").click()
    page.goto(f"{live_server}/en/about")
    page.locator("#forget").click()
    expect(page.locator("#forget-done")).to_contain_text("Kring has forgotten this device")
    left = page.evaluate(
        """async () => ({
            caches: (await caches.keys()).length,
            workers: (await navigator.serviceWorker.getRegistrations()).length,
            storage: localStorage.length + sessionStorage.length,
        })"""
    )
    assert left == {"caches": 0, "workers": 0, "storage": 0}


def test_near_me_sends_a_place_never_coordinates(context: BrowserContext, live_server: str) -> None:
    context.grant_permissions(["geolocation"], origin=live_server)
    context.set_geolocation({"latitude": 51.0536, "longitude": 3.7253})  # in the centre of Ghent
    sent: list[str] = []
    context.on("request", lambda r: sent.append(r.url))
    page = context.new_page()
    page.goto(f"{live_server}/en/groups")
    with page.expect_response(re.compile(r"/results\?.*near=be-gent")):
        page.locator("#near-me").click()
    expect(page.locator("#near")).to_have_value("be-gent")
    assert not [url for url in sent if "51.05" in url or "3.72" in url]

"""Finding a group in a real browser: htmx updates in place, the same form works without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser


def listed(page: Page) -> list[str]:
    return [
        href.rsplit("/", 1)[1]
        for href in page.locator("#results .listing h2 a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    ]


def test_a_filter_updates_results_in_place_and_the_address(page: Page, live_server: str) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/en/groups")
    page.evaluate("window.kringMarker = 'still here'")
    before = page.locator("#result-count").inner_text()
    with page.expect_response(re.compile(r"/en/groups/results\?")):
        page.get_by_label(re.compile(r"^Online")).check()
    expect(page).to_have_url(re.compile(r"/en/groups\?format=online$"))
    expect(page.locator("#result-count")).not_to_have_text(before)
    assert page.evaluate("window.kringMarker") == "still here"  # no full page load
    ids = listed(page)
    assert ids == [i["id"] for i in page.request.get(f"{live_server}/api/v1/groups?format=online").json()["items"]]
    # Each option's count was refreshed by the fragment: "Online" is now the only format chosen.
    total = int(re.match(r"\d+", page.locator("#result-count").inner_text()).group())
    assert page.locator("#n-format-online").inner_text() == str(total)
    assert not errors, errors


def test_typing_words_narrows_the_results(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/en/groups")
    with page.expect_response(re.compile(r"/en/groups/results\?q=anon")):
        page.locator("#q").fill("anon")
    expect(page).to_have_url(re.compile(r"q=anon"))
    ids = listed(page)
    assert ids and ids == [i["id"] for i in page.request.get(f"{live_server}/api/v1/groups?q=anon").json()["items"]]


def test_back_button_restores_the_previous_results(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/en/groups")
    everything = listed(page)
    with page.expect_response(re.compile(r"/results\?")):
        page.get_by_label(re.compile(r"^Help to find help")).check()
    expect(page).to_have_url(re.compile(r"kind=orientation"))
    assert listed(page) != everything
    page.go_back()
    expect(page).to_have_url(re.compile(r"/en/groups$"))
    expect(page.locator("#results .listing")).to_have_count(len(everything))


def test_the_form_works_without_javascript(browser: Browser, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/fr/groups")
    page.locator("#f-format-online").check()
    page.locator("#near").select_option("be-brussels")
    page.locator("#within").select_option("100")
    page.locator("#filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/fr/groups\?.*format=online.*near=be-brussels.*within=100"))
    api = page.request.get(f"{live_server}/api/v1/groups?format=online&near=be-brussels&within=100").json()
    assert listed(page) == [i["id"] for i in api["items"]]
    context.close()


def test_day_time_soon_and_order_answer_in_place_and_without_javascript(
    browser: Browser, page: Page, fixture_server: str
) -> None:
    """With htmx the results follow each choice; without JavaScript the same form gives the same ids."""
    page.goto(f"{fixture_server}/en/groups")
    page.locator("details.days summary").click()
    with page.expect_response(re.compile(r"/en/groups/results\?")):
        page.get_by_label(re.compile(r"^Tuesday")).check()
    with page.expect_response(re.compile(r"/en/groups/results\?")):
        page.get_by_label(re.compile(r"^Evening")).check()
    with page.expect_response(re.compile(r"/en/groups/results\?")):
        page.locator("#order").select_option("next")
    expect(page).to_have_url(re.compile(r"/en/groups\?day=tue&time=evening&order=next$"))
    api = page.request.get(f"{fixture_server}/api/v1/groups?day=tue&time=evening&order=next").json()
    assert listed(page) == [i["id"] for i in api["items"]] and "test-rouwgroep-gent" in listed(page)
    with page.expect_response(re.compile(r"/en/groups/results\?")):
        page.locator("#soon").check()
    expect(page).to_have_url(re.compile(r"soon=7"))
    with_js = listed(page)
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(f"{fixture_server}/en/groups")
    plain.locator("details.days summary").click()
    for label in (r"^Tuesday", r"^Evening", r"^Meets in the next"):
        plain.get_by_label(re.compile(label)).check()
    plain.locator("#order").select_option("next")
    plain.locator("#filters button[type=submit]").click()
    for part in ("day=tue", "time=evening", "soon=7", "order=next"):
        expect(plain).to_have_url(re.compile(part))
    assert listed(plain) == with_js
    context.close()


def test_language_switch_keeps_the_page_and_the_filters(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/en/groups?kind=orientation")
    page.locator("nav.langs a[hreflang=nl]").click()
    expect(page).to_have_url(f"{live_server}/nl/groups?kind=orientation")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator("#f-kind-orientation")).to_be_checked()


def test_crisis_button_is_visible_on_a_phone_and_opens_the_numbers(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/en/groups")
    page.mouse.wheel(0, 3000)
    button = page.locator("a.crisis-button")
    expect(button).to_be_in_viewport()
    button.click()
    expect(page).to_have_url(f"{live_server}/en/crisis")
    expect(page.locator("a[href='tel:1813']")).to_be_visible()
    expect(page.locator("a[href='tel:113']")).to_be_visible()

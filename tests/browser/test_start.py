"""The helper in a browser: the same first step as the server, at once, and offline."""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.conftest import soup
from tests.helpers.browser import install

pytestmark = pytest.mark.browser

ANSWERS = {"now": "very_bad", "talk": "peers", "pace": "calm", "where": "near", "speak": "fr"}


def answer(page: Page) -> None:
    for question, value in ANSWERS.items():
        page.locator(f"#a-{question}-{value}").check()
    page.locator("#start-near").select_option("be-liege")
    page.locator("#start button[type=submit]").click()


def server_suggestion(base: str, lang: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in ANSWERS.items()) + "&near=be-liege"
    with urllib.request.urlopen(f"{base}/{lang}/start?{query}") as response:
        return soup(response.read().decode()).select_one("#suggest-finder")["href"]


def test_the_helper_answers_at_once_like_the_server(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/fr/start")
    expect(page.locator("#suggestion")).to_be_hidden()
    answer(page)
    expect(page.locator("#suggestion")).to_be_visible()
    expect(page.locator("#suggest-crisis a[href='tel:080032123']")).to_be_visible()
    assert page.locator("#suggest-finder").get_attribute("href") == server_suggestion(live_server, "fr")
    expect(page.locator(".suggest-guides li:not([hidden]) a")).to_have_attribute("href", "/fr/guide/your-first-time")


def test_the_helper_works_offline(persistent: BrowserContext, live_server: str) -> None:
    page = persistent.new_page()
    install(page, f"{live_server}/en/")
    persistent.set_offline(True)
    page.goto(f"{live_server}/nl/start")
    answer(page)
    assert page.locator("#suggest-finder").get_attribute("href") == server_suggestion(live_server, "nl")
    page.locator("#suggest-finder").click()
    expect(page.locator(".offline-note")).to_be_visible()

"""A moderator in a real browser: the __Host- session works, the service worker never keeps a moderator page
(online or offline), and the moderator pages have no WCAG 2.2 A/AA violation either."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import msgspec
import pyotp
import pytest
from playwright.sync_api import BrowserContext, Page

from server import accounts, db, listings, models, moderation
from tests.browser.conftest import start_server
from tests.helpers.browser import violations
from tests.helpers.data import TUESDAYS_IN_GENT

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def moderated(real_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A server on its own copy of the data, with a moderator, one pending submission, and a listing with two
    meetings: one the form shows as a row, one it cannot show whole (on a day of the month)."""
    path = tmp_path_factory.mktemp("moderated") / "kring.sqlite"
    shutil.copy(real_db, path)

    def prepare(conn: sqlite3.Connection) -> str:
        conn.execute(
            "INSERT INTO submission (received, lang, doc) VALUES ('2026-11-20T10:00:00+00:00', 'en', ?)",
            (
                b'{"name":"Evening talk circle","kind":"talk_circle","country":"NL","format":"online",'
                b'"description":"A talk circle online for people who feel lonely in the evening.",'
                b'"email":"circle@example.org"}',
            ),
        )
        found = moderation.get_listing(conn, "be-aa-vlaanderen")
        assert found is not None
        on_the_15th = models.Meeting(freq="monthly", bymonthday=[15], place=models.Place(place_id="be-leuven"))
        group = msgspec.structs.replace(found[0], meetings=[on_the_15th, TUESDAYS_IN_GENT])
        listings.write(conn, group, found[1], {})
        return accounts.add(conn, "ilse", PASSWORD)

    uri = db.run_write(path, prepare)
    process, base = start_server(path)
    try:
        yield base, parse_qs(urlparse(uri).query)["secret"][0]
    finally:
        process.terminate()
        process.wait(timeout=10)


_last_step = [0]


def next_code(secret: str) -> str:
    """A code not used yet: each is accepted once, and a step ahead is accepted too; wait when both are used."""
    totp = pyotp.TOTP(secret)
    step = max(totp.timecode(dt.datetime.now(dt.UTC)), _last_step[0] + 1)
    while step > totp.timecode(dt.datetime.now(dt.UTC)) + 1:
        time.sleep(1)
    _last_step[0] = step
    return totp.generate_otp(step)


def sign_in(page: Page, base: str, secret: str) -> None:
    code = next_code(secret)
    page.goto(f"{base}/moderate/sign-in?lang=en")
    page.fill("#m-name", "ilse")
    page.fill("#m-password", PASSWORD)
    page.fill("#m-code", code)
    page.click("form.submit button[type=submit]")
    page.wait_for_url(f"{base}/moderate?lang=en")


def test_the_worker_never_keeps_a_moderator_page(persistent: BrowserContext, moderated: tuple[str, str]) -> None:
    base, secret = moderated
    page = persistent.new_page()
    page.goto(f"{base}/en/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now the worker controls the page, and would see every request
    assert page.evaluate("!!navigator.serviceWorker.controller")

    sign_in(page, base, secret)
    assert page.locator("h1").inner_text() == "Moderation queue"
    cookies = {c["name"]: c for c in persistent.cookies(base)}
    session = cookies["__Host-kring-session"]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict" and session["path"] == "/"
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script on the page can read either cookie
    page.goto(f"{base}/moderate/listings?lang=en")
    page.goto(f"{base}/moderate/submissions/1?lang=en")
    assert page.locator("h1").inner_text() == "Check a new group"

    kept = page.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
            }
            return urls;
        }"""
    )
    assert kept, "the worker cached nothing at all: the test would prove nothing"
    assert not [u for u in kept if "/moderate" in u]

    persistent.set_offline(True)
    try:
        page.goto(f"{base}/moderate?lang=en")
        assert page.locator("h1").first.inner_text() != "Moderation queue"
    except Exception as exc:  # the browser's own offline error page is just as good: nothing was kept
        assert "ERR_INTERNET_DISCONNECTED" in str(exc) or "ERR_FAILED" in str(exc)
    finally:
        persistent.set_offline(False)


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_moderator_pages_have_no_violations(context: BrowserContext, moderated: tuple[str, str], lang: str) -> None:
    base, secret = moderated
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(f"{base}/moderate/sign-in?lang={lang}")
    assert violations(page) == ""
    sign_in(page, base, secret)
    for path in (
        "/moderate",
        "/moderate/listings",
        "/moderate/audit",
        "/moderate/submissions/1",
        "/moderate/listings/be-psybru",
        "/moderate/listings/be-aa-vlaanderen",
    ):
        page.goto(f"{base}{path}?lang={lang}")
        assert violations(page) == "", path
    assert not [m for m in console if "Content Security Policy" in m], console


def test_from_the_organizers_form_to_the_results(context: BrowserContext, moderated: tuple[str, str]) -> None:
    """An organizer fills in the form, a moderator approves it, and a visitor finds the group.

    In a real browser, because Chromium sends `Origin: null` with a form when the page says no-referrer."""
    base, secret = moderated
    organizer = context.new_page()
    organizer.goto(f"{base}/en/submit")
    organizer.fill("#s-name", "Morning walk and talk Leuven")
    organizer.select_option("#s-kind", "support_group")
    organizer.fill("#s-description", "We walk for an hour and talk about what weighs on us. Everyone is welcome.")
    organizer.select_option("#s-country", "BE")
    organizer.select_option("#s-format", "in_person")
    organizer.fill("#s-city", "Leuven")
    organizer.fill("#s-email", "walk@example.org")
    organizer.get_by_role("button", name="Send for checking").click()
    organizer.wait_for_url(f"{base}/en/submit/thanks")

    moderator = context.new_page()
    sign_in(moderator, base, secret)
    moderator.get_by_role("link", name="Morning walk and talk Leuven").click()
    assert moderator.locator("#s-place_id").input_value() == "be-leuven"  # the town became a Kring place
    moderator.get_by_role("button", name="Approve: the group goes live").click()
    moderator.wait_for_url(f"{base}/moderate/listings/morning-walk-and-talk-leuven?done=approved&lang=en")

    visitor = context.new_page()
    deadline = time.monotonic() + 15  # each worker looks at the data version every second
    while True:
        visitor.goto(f"{base}/en/groups?q=walk&near=be-leuven&within=5")
        if visitor.locator("li.listing h2 a", has_text="Morning walk and talk Leuven").count():
            break
        assert time.monotonic() < deadline, "the approved group did not appear in the results"
        time.sleep(0.5)
    visitor.click("li.listing h2 a >> text=Morning walk and talk Leuven")
    assert visitor.locator("h1").inner_text() == "Morning walk and talk Leuven"


def test_a_visitor_reports_a_change_and_a_moderator_sees_it(
    context: BrowserContext, moderated: tuple[str, str]
) -> None:
    base, secret = moderated
    visitor = context.new_page()
    visitor.goto(f"{base}/en/groups/be-psybru")
    visitor.locator("details.report summary").click()
    visitor.locator("#r-wrong_number").check()
    visitor.fill("#r-details", "The phone number on the site has changed.")
    visitor.locator("details.report button[type=submit]").click()
    visitor.wait_for_url(f"{base}/en/groups/be-psybru/reported")
    assert context.cookies(base) == []  # an anonymous report: no cookie

    moderator = context.new_page()
    sign_in(moderator, base, secret)
    assert "The phone number on the site has changed." in moderator.locator("main").inner_text()

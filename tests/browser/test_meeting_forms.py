"""The organizers' form with its meeting rows in Chromium: "Add a meeting" puts a third row in place (htmx) and
what the organizer types in it arrives; Enter still sends the form; no WCAG 2.2 A/AA violation with the rows,
also after a failed send, in each language; offline, the worker puts nothing in place of a row it lacks."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from server import db, inbox, models
from tests.browser.conftest import start_server
from tests.helpers.browser import install, until, violations
from tests.helpers.data import SECOND_THURSDAYS_ONLINE, TUESDAYS_IN_GENT, TWO_MEETINGS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def inbox_server(real_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A server on its own copy of the data, whose submissions the tests read back."""
    path = tmp_path_factory.mktemp("meetings") / "kring.sqlite"
    shutil.copy(real_db, path)
    process, base = start_server(path, KRING_FORM_RATE_LIMIT="1000")
    try:
        yield base, path
    finally:
        process.terminate()
        process.wait(timeout=10)


def fill_group(page: Page) -> None:
    page.fill("#s-name", "Dinsdagavond praatgroep")
    page.select_option("#s-kind", "talk_circle")
    page.fill("#s-description", "A talk circle for people who feel low, in Gent and online.")
    page.select_option("#s-country", "BE")
    page.select_option("#s-format", "hybrid")
    page.fill("#s-city", "Gent")
    page.fill("#s-email", "praatgroep@example.org")


def fill_rows(page: Page, rows: dict[str, str]) -> None:
    """Fill meeting inputs by name, as the organizer would."""
    for name, value in rows.items():
        field = page.locator(f"#s-{name}")
        if field.evaluate("(e) => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def submissions(path: Path) -> list:
    rows = db.run_read(path, lambda conn: conn.execute("SELECT shape, doc FROM submission ORDER BY id").fetchall())
    return [inbox.read(shape, doc)[0] for shape, doc in rows]


def test_add_a_meeting_puts_a_third_row_in_place_and_it_arrives(page: Page, inbox_server: tuple[str, Path]) -> None:
    base, path = inbox_server
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(f"{base}/en/submit")
    assert page.locator("fieldset.meeting").count() == 2
    fill_group(page)
    fill_rows(page, TWO_MEETINGS)
    with page.expect_response(lambda r: "/en/submit/meeting?index=2" in r.url):
        page.get_by_role("button", name="Add a meeting").click()
    page.wait_for_selector("#s-meeting-2-where")
    assert page.locator("fieldset.meeting").count() == 3
    assert page.locator("fieldset.meeting legend").nth(2).inner_text() == "Meeting 3"
    # The focus goes to the new row on htmx:load, which comes after the swap (once htmx has settled the row).
    until(page, "document.activeElement.id === 's-meeting-2-where'", seconds=5)
    assert page.url == f"{base}/en/submit"  # in place: nothing was sent
    # The button is there again for a fourth row.
    assert page.get_by_role("button", name="Add a meeting").get_attribute("hx-get") == "/en/submit/meeting?index=3"
    assert violations(page) == ""
    fill_rows(
        page,
        {
            "meeting-2-where": "online",
            "meeting-2-weekday": "wed",
            "meeting-2-opens_at": "18:00",
            "meeting-2-how_often": "series",
            "meeting-2-count": "8",
            "meeting-2-dtstart": "2027-01-13",
        },
    )
    page.locator("#s-meeting-2-count").press("Enter")  # Enter sends the form, it does not add a row
    page.wait_for_url(f"{base}/en/submit/thanks")
    series = models.Meeting(
        freq="weekly",
        byday=["WE"],
        opens_at="18:00",
        count=8,
        dtstart=dt.date(2027, 1, 13),
        timezone="Europe/Brussels",
        online=True,
    )
    assert submissions(path)[-1].meetings == [TUESDAYS_IN_GENT, SECOND_THURSDAYS_ONLINE, series]
    assert not [m for m in console if "Content Security Policy" in m], console


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_no_violations_after_a_failed_send_with_meeting_rows(
    page: Page, inbox_server: tuple[str, Path], lang: str
) -> None:
    base, path = inbox_server
    before = len(submissions(path))
    page.goto(f"{base}/{lang}/submit")
    fill_group(page)
    fill_rows(page, {**TWO_MEETINGS, "meeting-0-closes_at": "18:00", "meeting-1-ordinal": ""})
    page.locator("form.submit .actions:not(.add-meeting) button").click()
    page.wait_for_selector("#err-meeting-0-closes_at")
    assert page.locator("#err-meeting-1-ordinal").count() == 1
    assert page.locator("fieldset.meeting").count() == 3  # the two filled rows, and one to fill
    assert violations(page) == ""
    assert len(submissions(path)) == before


def test_offline_add_a_meeting_puts_nothing_in_place(
    persistent: BrowserContext, inbox_server: tuple[str, Path]
) -> None:
    """The worker answers a row it never fetched with nothing, never with the offline page or another row."""
    base, _ = inbox_server
    page = persistent.new_page()
    install(page, f"{base}/en/submit")
    page.reload()  # now the worker controls the page and has it
    persistent.set_offline(True)
    try:
        page.evaluate("document.body.addEventListener('htmx:sendError', () => { window.rowFailed = true; })")
        page.get_by_role("button", name="Add a meeting").click()
        until(page, "window.rowFailed === true")
        assert page.locator("fieldset.meeting").count() == 2
        assert page.locator("h1").count() == 1  # no page inside the page
    finally:
        persistent.set_offline(False)

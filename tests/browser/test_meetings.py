"""A group's meetings in Chromium, on the made-up fixture listings: the calendar button downloads a file whose
dates are the server's, the worker keeps no copy of it, sharing falls back to copying the link, the copy
buttons say what they did, printing leaves out the header and the filters but keeps the crisis numbers, and
axe-core finds nothing on a group page with meetings in any language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import Browser, BrowserContext, Page, expect

from server import schedules, search
from tests.helpers.browser import install, until, violations
from tests.helpers.calendar import calendar_dates, day_and_time

pytestmark = pytest.mark.browser

LANGS = ("nl", "fr", "en")
SCREENSHOTS = Path(__file__).parent / "screenshots"  # git-ignored: pictures for a person, not for the suite
# app.js finds these stand-ins instead of the real share sheet and print dialog, which a test cannot close.
SHARE_SHEET = "Navigator.prototype.share = function (data) { window.shared = data; return Promise.resolve(); };"
NO_SHARE_SHEET = "delete Navigator.prototype.share;"
PRINT_DIALOG = "window.print = () => { window.printed = true; };"


@pytest.fixture
def clipboard(browser: Browser, fixture_server: str) -> Iterator[BrowserContext]:
    """A phone-sized context without a share sheet, whose page may write and read the clipboard."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=fixture_server)
    ctx.add_init_script(NO_SHARE_SHEET)
    yield ctx
    ctx.close()


def test_the_calendar_button_downloads_a_file_with_the_servers_next_dates(page: Page, fixture_server: str) -> None:
    page.goto(f"{fixture_server}/en/groups/test-cafe-ecoute")
    page.get_by_label("Use the group's name as title").check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Add to my calendar").click()
    download = download_info.value
    assert download.suggested_filename == "appointment.ics"
    cal = Calendar.from_ical(Path(download.path()).read_bytes())
    assert [e["SUMMARY"] for e in cal.events] == ["Café Écoute Bruxelles"] * 2
    assert all("LOCATION" not in e for e in cal.events)  # not asked for
    # The dates icalendar and dateutil read from the file are the ones the server works out (its API says them).
    detail = page.request.get(f"{fixture_server}/api/v1/groups/test-cafe-ecoute").json()
    starts = [(dt.datetime.fromisoformat(d["starts"]), d["time_known"]) for d in detail["next_dates"]]
    today = search.today()
    end = today + dt.timedelta(weeks=schedules.WINDOW_WEEKS)
    assert calendar_dates(cal, today, end) == sorted(day_and_time(s, timed) for s, timed in starts) != []
    # The page lists the first of them.
    assert page.locator("ul.dates time").first.get_attribute("datetime") == detail["next_dates"][0]["starts"]


def test_the_worker_keeps_no_copy_of_a_calendar_file(persistent: BrowserContext, fixture_server: str) -> None:
    page = persistent.new_page()
    install(page, f"{fixture_server}/en/")
    page.goto(f"{fixture_server}/en/groups/test-rouwgroep-gent")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Add to my calendar").click()
    assert download_info.value.suggested_filename == "appointment.ics"
    kept = page.evaluate(
        """(async () => {
          const urls = [];
          for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
          }
          return urls;
        })()"""
    )
    assert any(url.endswith("/en/groups/test-rouwgroep-gent") for url in kept)  # the page, yes
    assert not [url for url in kept if ".ics" in url]
    # Offline, asking for it gets the offline page, which prints the crisis numbers.
    persistent.set_offline(True)
    page.goto(f"{fixture_server}/en/groups/test-rouwgroep-gent.ics")
    expect(page.locator("h1")).to_have_text("You are offline")
    expect(page.locator(".countries a[href='tel:112']").first).to_be_visible()


def test_without_a_share_sheet_the_link_and_the_address_are_copied(
    clipboard: BrowserContext, fixture_server: str
) -> None:
    page = clipboard.new_page()
    page.goto(f"{fixture_server}/en/groups/test-cafe-ecoute")
    expect(page.locator("#share")).to_be_hidden()
    page.get_by_role("button", name="Copy the link").click()
    expect(page.locator("#share-status")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{fixture_server}/en/groups/test-cafe-ecoute"
    page.get_by_role("button", name="Copy the address").click()
    expect(page.locator("#copied-0")).to_have_text("Address copied")
    assert page.evaluate("navigator.clipboard.readText()") == "Brussels"
    # The SMS link needs no script: it is there, with the page's address in its text.
    assert f"{fixture_server}/en/groups/test-cafe-ecoute".replace(":", "%3A").replace("/", "%2F") in (
        page.locator("a.sms").get_attribute("href") or ""
    )


def test_with_a_share_sheet_the_phone_shares_the_group(context: BrowserContext, fixture_server: str) -> None:
    context.add_init_script(SHARE_SHEET)
    page = context.new_page()
    page.goto(f"{fixture_server}/fr/groups/test-rouwgroep-gent")
    expect(page.locator("#copy-link")).to_be_hidden()  # one way to share, not two
    page.locator("#share").click()
    until(page, "!!window.shared")
    assert page.evaluate("window.shared") == {
        "title": "Rouwgroep Gent",
        "url": f"{fixture_server}/fr/groups/test-rouwgroep-gent",
    }


@pytest.mark.parametrize("path", ["/en/groups", "/en/groups/test-cafe-ecoute"])
def test_print_leaves_out_the_header_and_the_filters_and_keeps_the_crisis_numbers(
    context: BrowserContext, fixture_server: str, path: str
) -> None:
    context.add_init_script(PRINT_DIALOG)
    page = context.new_page()
    page.goto(f"{fixture_server}{path}")
    expect(page.locator(".print-crisis")).to_be_hidden()  # on the screen the header's crisis button is there
    page.locator("button.print").click()
    until(page, "window.printed === true")
    page.emulate_media(media="print")
    for hidden in ("header.top", "#quick-exit", ".crisis-button", "#filters", "button", "footer.bottom", "form"):
        for element in page.locator(hidden).all():
            expect(element).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    printed = page.locator(".print-crisis")
    expect(printed).to_be_visible()
    for number in ("112", "1813", "113"):
        expect(printed.get_by_text(number, exact=True).first).to_be_visible()
    if path == "/en/groups":
        expect(page.locator(".listing h2").first).to_be_visible()
        expect(page.locator(".listing .next").first).to_be_visible()
    else:
        expect(page.locator("ul.dates li").first).to_be_visible()
        expect(page.locator("li.meeting .place").first).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    target = SCREENSHOTS / f"print{path.replace('/', '-')}.png"
    page.screenshot(path=target, full_page=True)
    assert target.stat().st_size > 5000


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "group_id", ["test-cafe-ecoute", "test-rouwgroep-gent", "test-many-towns", "test-antwerp-parents"]
)
def test_no_violations_on_a_group_page_with_meetings(page: Page, fixture_server: str, lang: str, group_id: str) -> None:
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(f"{fixture_server}/{lang}/groups/{group_id}")
    expect(page.locator("li.meeting").first).to_be_visible()
    expect(page.locator("button.print")).to_be_visible()  # app.js ran
    assert violations(page) == ""
    assert not [m for m in console if "Content Security Policy" in m], console


@pytest.mark.parametrize("lang", LANGS)
def test_no_violations_on_the_page_that_says_there_is_nothing_to_put_in_a_calendar(
    page: Page, fixture_server: str, lang: str
) -> None:
    page.goto(f"{fixture_server}/{lang}/groups/test-workshop-liege.ics")
    assert violations(page) == ""

"""Directions, sharing and print in the HTML (tests/browser/test_meetings.py drives them): a geo: link and a
"copy" button for each in-person meeting, the share and SMS links of a group, and what a printed listing or
group page keeps of the crisis numbers."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote

from litestar.testing import TestClient

from server import web
from server.app import create_app
from server.settings import Settings
from tests.conftest import BASE_URL, soup


def test_each_in_person_meeting_opens_in_the_map_app_and_can_copy_its_address(fclient) -> None:
    page = soup(fclient.get("/en/groups/test-cafe-ecoute").text)
    in_person, online = page.select("li.meeting")
    # The listing's own coordinates; the map app looks the place up near them. Kring sends nothing.
    assert in_person.select_one("a.geo")["href"] == "geo:50.84660,4.35280?q=Brussels"
    copy = in_person.select_one("button.copy")
    assert copy.has_attr("hidden") and copy["data-copy"] == "Brussels"
    status = page.select_one(f"#{copy['data-status']}")
    assert status["role"] == "status" and status["data-done"] and status["data-failed"]
    assert online.select_one("a.geo") is None and online.select_one("button.copy") is None
    # Without coordinates of its own, a meeting takes its Kring place's (data/places: Hasselt).
    hasselt = fclient.app.state.catalog.snapshot.places["be-hasselt"]
    page = soup(fclient.get("/en/groups/test-many-towns").text)
    links = [a["href"] for a in page.select("li.meeting a.geo")]
    assert f"geo:{hasselt.lat:.5f},{hasselt.lon:.5f}?q=Hasselt" in links


def sms_lines(page) -> list[str]:
    href = page.select_one("a.sms")["href"]
    assert href.startswith("sms:?&body=")
    return unquote(href.removeprefix("sms:?&body=")).split("\n")


def test_a_group_is_shared_by_the_share_sheet_a_copied_link_or_an_sms(fclient) -> None:
    page = soup(fclient.get("/en/groups/test-rouwgroep-gent").text)
    url = f"{BASE_URL}/en/groups/test-rouwgroep-gent"
    share, copy = page.select_one("#share"), page.select_one("#copy-link")
    assert share.has_attr("hidden") and copy.has_attr("hidden")  # app.js shows the one that works
    assert share["data-url"] == copy["data-copy"] == url and share["data-title"] == "Rouwgroep Gent"
    assert page.select_one(f"#{copy['data-status']}")["role"] == "status"
    first = page.select_one("ul.dates li").get_text()
    assert sms_lines(page) == ["Rouwgroep Gent", f"Next date: {first}", url]
    # No date to come: the name and the link.
    page = soup(fclient.get("/en/groups/test-workshop-liege").text)
    assert sms_lines(page) == ["Atelier gestion du stress", f"{BASE_URL}/en/groups/test-workshop-liege"]


def test_shared_links_use_the_public_origin(tmp_path: Path, fixture_db: Path) -> None:
    db_path = tmp_path / "kring.sqlite"
    shutil.copy(fixture_db, db_path)
    settings = Settings(db=db_path, public_url="https://kring.example.org")
    with TestClient(app=create_app(settings), base_url=BASE_URL) as other:
        page = soup(other.get("/nl/groups/test-rouwgroep-gent").text)
    assert page.select_one("#copy-link")["data-copy"] == "https://kring.example.org/nl/groups/test-rouwgroep-gent"
    assert sms_lines(page)[-1] == "https://kring.example.org/nl/groups/test-rouwgroep-gent"


def test_a_printed_listing_or_group_keeps_the_urgent_crisis_numbers_of_both_countries(fclient) -> None:
    lines = fclient.app.state.catalog.snapshot.crisis_lines
    urgent = {line.phone.number for line in lines if line.kind in ("emergency", "suicide")}
    assert {"112", "1813", "0800 32 123", "113", "0800-0113"} <= urgent
    for url in ("/fr/groups", "/fr/groups?kind=talk_circle", "/fr/groups/test-rouwgroep-gent"):
        page = soup(fclient.get(url).text)
        printed = page.select_one("section.print-only.print-crisis")
        assert {strong.text for strong in printed.select("li strong")} >= urgent, url
        assert f"{BASE_URL}/fr/crisis" in printed.text
        button = page.select_one("button.print")
        assert button.has_attr("hidden"), url  # app.js shows it and calls window.print()


def test_the_print_rules_stay_out_of_the_crisis_pages_inline_css() -> None:
    css = (web.STATIC_DIR / "css" / "kring.css").read_text()
    assert "@media print" in css and "@media print" not in web.INLINE_CSS and ".print-only" not in web.INLINE_CSS

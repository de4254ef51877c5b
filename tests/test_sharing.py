"""Directions and sharing in the HTML (tests/browser/test_meetings.py drives them): a geo: link and a "copy"
button for each in-person meeting, and the share and SMS links of a group."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote

from litestar.testing import TestClient

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

"""Freshness (issue 6): stale after 12 months ("not checked since"), hidden after 18, on Brussels' calendar."""

from __future__ import annotations

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server import catalog, i18n, models, search, web
from server.cache import PageCache
from server.catalog import Snapshot
from server.places import known_places
from tests import fixtures
from tests.conftest import result_ids, soup
from tests.helpers.data import months_before as plain_months_before

# --- the rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (dt.date(2026, 8, 31), 18, dt.date(2025, 2, 28)),  # the month is shorter: its last day
        (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 3, 31), 1, dt.date(2024, 2, 29)),  # a leap year's February
        (dt.date(2024, 2, 29), 12, dt.date(2023, 2, 28)),
        (dt.date(2025, 2, 28), 12, dt.date(2024, 2, 28)),  # not the 29th: the same day of the month
        (dt.date(2025, 8, 29), 18, dt.date(2024, 2, 29)),
        (dt.date(2026, 5, 31), 12, dt.date(2025, 5, 31)),
        (dt.date(2026, 1, 15), 1, dt.date(2025, 12, 15)),  # across the new year
        (dt.date(2026, 11, 23), 18, dt.date(2025, 5, 23)),
        (dt.date(2026, 11, 23), 0, dt.date(2026, 11, 23)),
        (dt.date(2026, 12, 31), 30, dt.date(2024, 6, 30)),
    ],
)
def test_months_before(day: dt.date, n: int, expected: dt.date) -> None:
    assert search.months_before(day, n) == expected


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)), st.integers(0, 40))
def test_months_before_is_the_plain_reading(day: dt.date, n: int) -> None:
    assert search.months_before(day, n) == plain_months_before(day, n)


def test_today_is_the_date_in_brussels() -> None:
    before = dt.datetime.now(ZoneInfo("Europe/Brussels")).date()
    found = search.today()
    after = dt.datetime.now(ZoneInfo("Europe/Brussels")).date()
    assert found in (before, after)


@pytest.mark.parametrize("today", [dt.date(2026, 8, 31), dt.date(2024, 2, 29), dt.date(2027, 1, 1), fixtures.TODAY])
def test_stale_from_exactly_12_months_and_hidden_from_exactly_18(today: dt.date) -> None:
    one = dt.timedelta(days=1)
    twelve, eighteen = search.months_before(today, 12), search.months_before(today, 18)
    assert search.stale_since(today) == twelve and search.hidden_since(today) == eighteen
    assert not search.is_stale(twelve + one, today)
    assert search.is_stale(twelve, today) and not search.is_hidden(twelve, today)
    assert search.is_stale(eighteen + one, today) and not search.is_hidden(eighteen + one, today)
    assert search.is_hidden(eighteen, today) and search.is_stale(eighteen, today)


# --- the snapshot, on a day given explicitly ----------------------------------------------------

PLACES = known_places()
TODAY = dt.date(2026, 8, 31)  # 12 months before: 2025-08-31; 18 months before: 2025-02-28 (clamped)


def snapshot(groups: list[models.Group]) -> Snapshot:
    listings = [catalog.listing(rowid, g, None, PLACES, TODAY) for rowid, g in enumerate(groups, 1)]
    return Snapshot("test", listings, [], PLACES, today=TODAY)


def find(snap: Snapshot, today: dt.date, page: int = 1, **filters: object):  # type: ignore[no-untyped-def]
    """Snapshot.search without full text, which is all that needs a database connection."""
    f = search.Filters.of(page=page, **filters)
    # In a thread of its own: after the browser tests, Playwright's sync API keeps a loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, snap.search(None, f, today)).result()  # type: ignore[arg-type]


def ids(results) -> list[str]:  # type: ignore[no-untyped-def]
    return [item.group.id for item, _ in results.items]


def on(place_id: str) -> models.Place:
    return models.Place(place_id=place_id)


BOUNDARIES = [
    fixtures.group("fresh-by-a-day", "A", last_checked=dt.date(2025, 9, 1), kind="talk_circle"),
    fixtures.group("stale-exactly", "B", last_checked=dt.date(2025, 8, 31), kind="talk_circle"),
    fixtures.group("stale-by-a-day-more", "C", last_checked=dt.date(2025, 3, 1)),
    fixtures.group("hidden-exactly", "D", last_checked=dt.date(2025, 2, 28), kind="talk_circle"),
    fixtures.group("hidden-long-ago", "E", last_checked=dt.date(2023, 1, 1)),
]


def test_stale_and_hidden_at_the_boundaries_on_a_given_day() -> None:
    snap = snapshot(BOUNDARIES)
    found = find(snap, TODAY)
    assert ids(found) == ["fresh-by-a-day", "stale-exactly", "stale-by-a-day-more"]
    assert [found.is_stale(item) for item, _ in found.items] == [False, True, True]
    assert found.total == 3 and found.today == TODAY
    assert found.counts["kind"] == {"talk_circle": 2, "support_group": 1}  # the hidden ones count nowhere
    assert snap.visible_count(TODAY) == 3
    # A day earlier "stale-exactly" is still fresh; February being short, 18 months before the 28th, 29th,
    # 30th and 31st of August is the 28th of February each time: "hidden-exactly" shows again on the 27th.
    day_before = find(snap, TODAY - dt.timedelta(days=1))
    assert ids(day_before) == ["fresh-by-a-day", "stale-exactly", "stale-by-a-day-more"]
    assert [day_before.is_stale(item) for item, _ in day_before.items] == [False, False, True]
    earlier = find(snap, dt.date(2026, 8, 27))
    assert ids(earlier) == ["fresh-by-a-day", "stale-exactly", "stale-by-a-day-more", "hidden-exactly"]
    assert [earlier.is_stale(item) for item, _ in earlier.items] == [False, False, True, True]
    # The masks of each day are kept apart.
    assert find(snap, TODAY).total == 3


def test_with_near_stale_listings_come_after_every_fresh_one() -> None:
    groups = [
        fixtures.group("stale-in-gent", "A", last_checked=dt.date(2025, 6, 1), format="in_person", place=on("be-gent")),
        fixtures.group(
            "fresh-in-brussels", "B", last_checked=dt.date(2026, 1, 1), format="in_person", place=on("be-brussels")
        ),
        fixtures.group(
            "fresh-in-gent", "C", last_checked=dt.date(2025, 12, 1), format="in_person", place=on("be-gent")
        ),
        fixtures.group(
            "stale-in-brussels", "D", last_checked=dt.date(2025, 8, 1), format="in_person", place=on("be-brussels")
        ),
        fixtures.group(
            "hidden-in-gent", "E", last_checked=dt.date(2024, 1, 1), format="in_person", place=on("be-gent")
        ),
    ]
    snap = snapshot(groups)
    # Without near: rank (last checked, newest first), which already puts stale ones last.
    assert ids(find(snap, TODAY)) == ["fresh-in-brussels", "fresh-in-gent", "stale-in-brussels", "stale-in-gent"]
    # With near: (stale, distance, rank).
    near = find(snap, TODAY, near="be-gent", within=100)
    assert ids(near) == ["fresh-in-gent", "fresh-in-brussels", "stale-in-gent", "stale-in-brussels"]
    assert near.items[0][1] == 0.0
    assert near.counts["format"]["in_person"] == 4


@pytest.mark.parametrize("near", [None, "be-gent"])
def test_pages_run_through_the_fresh_listings_then_the_stale_ones(near: str | None) -> None:
    towns = ("be-gent", "be-brussels", "be-antwerp", "be-liege", "nl-utrecht")
    groups = [
        fixtures.group(
            f"g{i:03d}",
            f"Group {i:03d}",
            format="in_person",
            place=on(towns[i % len(towns)]),
            last_checked=TODAY - dt.timedelta(days=(i * 37) % 700),
        )
        for i in range(90)
    ]
    snap = snapshot(groups)
    within = 100 if near else None
    first = find(snap, TODAY, near=near, within=within)
    every = [i for page in range(1, first.pages + 2) for i in ids(find(snap, TODAY, page, near=near, within=within))]
    by_id = {g.id: g for g in groups}

    def distance(g: models.Group) -> int:
        if near is None:
            return 0
        here, there = PLACES[near], PLACES[g.place.place_id]  # type: ignore[union-attr]
        return search.tenths(here.lat, here.lon, there.lat, there.lon)

    hidden_since, stale_since = search.hidden_since(TODAY), search.stale_since(TODAY)
    shown = [g for g in groups if g.last_checked > hidden_since and distance(g) <= 1000]
    rank = {g.id: (-g.last_checked.toordinal(), search.normalise(g.name), g.id) for g in groups}
    expected = sorted(shown, key=lambda g: (g.last_checked <= stale_since, distance(g), rank[g.id]))
    assert every == [g.id for g in expected]
    assert len(every) == first.total and first.pages == -(-first.total // search.PER_PAGE)
    stale = [search.is_stale(by_id[i].last_checked, TODAY) for i in every]
    assert stale == sorted(stale) and True in stale and False in stale
    assert len(groups) > first.total  # some are hidden


# --- the pages, the API, the caches (the fixture listings, on the real today) ------------------


def test_hidden_listings_are_in_no_result_total_count_or_api_list(fclient) -> None:
    page = fclient.get("/en/groups?theme=grief")
    assert result_ids(page.text) == ["test-rouwgroep-gent"]  # test-hidden has the theme too
    tree = soup(page.text)
    assert tree.select_one("#n-theme-grief").text == "1"
    everything = soup(fclient.get("/en/groups").text)
    assert everything.select_one("#n-kind-talk_circle").text == "2"  # Café Écoute and the stale Praatgroep Gent
    assert everything.select_one("#result-count").get_text(strip=True) == "10 groups found"
    assert result_ids(fclient.get("/en/groups/results?q=verborgen").text) == []
    api = fclient.get("/api/v1/groups").json()
    assert "test-hidden" not in [item["id"] for item in api["items"]]
    assert api["total"] == 10  # 11 active listings, one of them hidden
    # The offline catalog keeps it: the worker hides it by the same rule, on the device's own day.
    assert "test-hidden" in [row[0] for row in fclient.get("/api/v1/catalog").json()["items"]]
    home = soup(fclient.get("/en/").text)
    assert "See all 10 groups" in home.get_text(" ", strip=True)


def test_a_hidden_listing_keeps_its_page_and_api_answer_with_the_note(fclient) -> None:
    response = fclient.get("/en/groups/test-hidden")
    assert response.status_code == 200
    note = soup(response.text).select_one("article.group .stale-note[role=note]")
    assert note is not None
    date = i18n.date(fixtures.checked(19), "en")
    assert note.get_text(" ", strip=True).startswith(f"Not checked since {date}")
    assert "ask the organizer" in note.get_text(" ", strip=True).lower()
    assert fclient.get("/api/v1/groups/test-hidden").json()["id"] == "test-hidden"


def test_stale_cards_say_since_when_and_fresh_ones_when_checked(fclient) -> None:
    tree = soup(fclient.get("/en/groups?near=be-gent&within=100").text)
    cards = {li.select_one("h2 a")["href"].rsplit("/", 1)[1]: li for li in tree.select("#results .listing")}
    stale = cards["test-gent-stale"].select_one("p.checked.stale")
    assert stale is not None and stale.text.startswith("Not checked since ")
    fresh = cards["test-rouwgroep-gent"].select_one("p.checked")
    assert fresh.text.startswith("Checked on ") and "stale" not in fresh["class"]
    ids_in_order = list(cards)
    assert ids_in_order.index("test-gent-stale") > ids_in_order.index("test-cafe-ecoute")  # 50 km, but fresh
    for lang in ("nl", "fr", "en"):
        tree = soup(fclient.get(f"/{lang}/groups/test-gent-stale").text)
        assert len(tree.select(".stale-note[role=note] p")) == 2
    fresh_page = soup(fclient.get("/en/groups/test-rouwgroep-gent").text)
    assert fresh_page.select_one(".stale-note") is None


def test_cards_are_kept_per_data_version_language_freshness_and_day(fclient) -> None:
    web._CARDS.clear()  # other tests render cards in both freshnesses (test_offline_data)
    fclient.app.page_cache.clear()
    fclient.get("/fr/groups?kind=orientation")
    snapshot = fclient.blocking_portal.call(fclient.app.state.catalog.current)
    today = snapshot.day().today
    assert (snapshot.version, "test-orientation", "fr", True, today) in web._CARDS
    assert (snapshot.version, "test-orientation", "fr", False, today) not in web._CARDS


def test_the_page_cache_key_holds_the_day() -> None:
    cache = PageCache()
    scope = {"method": "GET", "path": "/en/groups", "query_string": b"", "headers": []}
    monday, tuesday = dt.date(2026, 11, 23), dt.date(2026, 11, 24)
    key = cache.key(scope, "v1", monday)
    assert key is not None and monday in key
    cache.entries[key] = ({"type": "http.response.start", "status": 200, "headers": []}, b"")
    assert cache.key(scope, "v1", monday) == key and cache.entries
    assert cache.key(scope, "v1", tuesday) != key
    assert not cache.entries  # a new day: every kept page may have changed
    assert cache.key(scope, "v1") == cache.key(scope, "v1", search.today())


def test_a_new_day_is_served_at_once(fclient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without new data, the same URL answers differently when the date moves past a boundary."""
    before = soup(fclient.get("/en/groups?kind=group_therapy").text)
    assert result_ids(str(before)) == ["test-therapy-utrecht"]
    assert not before.select("#results p.checked.stale")
    later = fixtures.TODAY + dt.timedelta(days=31 * 5)  # test-therapy-utrecht, checked 8 months ago, is stale
    monkeypatch.setattr(search, "today", lambda: later)
    after = soup(fclient.get("/en/groups?kind=group_therapy").text)
    assert after.select_one("#results p.checked.stale") is not None
    monkeypatch.setattr(search, "today", lambda: later + dt.timedelta(days=31 * 6))  # and then hidden
    assert result_ids(fclient.get("/en/groups?kind=group_therapy").text) == []
    assert fclient.get("/en/groups/test-therapy-utrecht").status_code == 200

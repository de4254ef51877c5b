"""Meetings as people read them: the rule in words, next dates on the group page and the cards, and the API."""

from __future__ import annotations

import datetime as dt

import pytest

from server import meetings, schedules, search
from tests import fixtures
from tests.conftest import soup

S = schedules.Schedule


@pytest.mark.parametrize(
    ("schedule", "words"),
    [
        (
            S(freq="monthly", byday=["2TU"], opens_at="19:30", closes_at="21:30"),
            {
                "nl": "elke tweede dinsdag van de maand, 19:30–21:30",
                "fr": "chaque deuxième mardi du mois, 19:30–21:30",
                "en": "every second Tuesday of the month, 19:30–21:30",
            },
        ),
        (
            S(freq="weekly", byday=["TU", "TH"], opens_at="10:00"),
            {
                "nl": "elke dinsdag en donderdag, vanaf 10:00",
                "fr": "chaque mardi et jeudi, à partir de 10:00",
                "en": "every Tuesday and Thursday, from 10:00",
            },
        ),
        (
            S(freq="monthly", byday=["-1FR"]),
            {
                "nl": "elke laatste vrijdag van de maand",
                "fr": "chaque dernier vendredi du mois",
                "en": "every last Friday of the month",
            },
        ),
        (
            S(freq="weekly", interval=2, byday=["WE"], dtstart=dt.date(2026, 1, 7), opens_at="14:00"),
            {
                "nl": "om de 2 weken op woensdag, vanaf 14:00",
                "fr": "toutes les 2 semaines, le mercredi, à partir de 14:00",
                "en": "every 2 weeks on Wednesday, from 14:00",
            },
        ),
        (
            S(freq="monthly", bymonthday=[15, -1]),
            {
                "nl": "elke maand op dag 15 en de laatste dag",
                "fr": "chaque mois, le 15 et le dernier jour",
                "en": "every month on day 15 and the last day",
            },
        ),
        (
            S(freq="weekly", byday=["MO"], dtstart=dt.date(2027, 1, 11), count=8, opens_at="19:00", closes_at="21:00"),
            {
                "nl": "elke maandag, 19:00–21:00, 8 bijeenkomsten vanaf 11 januari 2027",
                "fr": "chaque lundi, 19:00–21:00, 8 séances à partir du 11 janvier 2027",
                "en": "every Monday, 19:00–21:00, 8 sessions from January 11, 2027",
            },
        ),
        (S(), {"nl": "", "fr": "", "en": ""}),
    ],
)
def test_the_rule_in_words(schedule: schedules.Schedule, words: dict[str, str]) -> None:
    assert {lang: meetings.describe(schedule, lang) for lang in words} == words


def test_a_cards_short_date_is_babels_pattern_put_together_from_the_names_the_worker_gets() -> None:
    """The worker writes 'Tue 8 Dec' from calendar_names(); for every day of a year it is Babel's own date."""
    for lang in ("nl", "fr", "en"):
        days, months = meetings.calendar_names(lang)
        for n in range(366):
            day = dt.date(2026, 12, 1) + dt.timedelta(days=n)
            assert meetings.short_date(day, lang) == f"{days[day.weekday()]} {day.day} {months[day.month - 1]}"


def test_the_part_of_day_follows_the_opening_time() -> None:
    assert [meetings.part_of_day(t) for t in (None, "09:00", "11:59", "12:00", "17:59", "18:00", "23:30")] == [
        None,
        "morning",
        "morning",
        "afternoon",
        "afternoon",
        "evening",
        "evening",
    ]


def test_the_group_page_shows_the_next_three_dates_and_each_meetings_rule(fclient) -> None:
    page = soup(fclient.get("/nl/groups/test-cafe-ecoute").text)
    section = page.select_one("section.when")
    dates = [li.get_text(" ", strip=True) for li in section.select("ul.dates li")]
    assert len(dates) == 3
    # Two meetings, one of them online: each date says where.
    assert all(d.endswith(("Online", "Brussel")) or "Brussel" in d for d in dates), dates
    rules = [p.get_text(strip=True) for p in section.select("li.meeting p.rule")]
    assert rules == ["elke tweede donderdag van de maand, 14:00–16:00", "elke maandag, vanaf 20:00"]
    # The date it does not meet is not among the next dates of the Monday meeting.
    skipped = fixtures.TODAY + 7 * fixtures.DAY
    assert all(t["datetime"][:10] != skipped.isoformat() or skipped.weekday() != 0 for t in section.select("time"))


def test_a_series_that_ended_says_its_dates_have_passed(fclient) -> None:
    for lang, words in (("en", "have all passed"), ("fr", "sont toutes passées"), ("nl", "allemaal voorbij")):
        section = soup(fclient.get(f"/{lang}/groups/test-workshop-liege").text).select_one("section.when")
        assert section.select_one("ul.dates") is None
        assert words in section.select_one(".notice").text


def test_a_meeting_without_a_schedule_says_ask_the_organizer(fclient) -> None:
    section = soup(fclient.get("/en/groups/test-many-towns").text).select_one("section.when")
    rules = [p.get_text(strip=True) for p in section.select("li.meeting p.rule")]
    assert rules == ["When: ask the organizer", "every month on day 15, from 10:00"]
    places = [p.get_text(strip=True) for p in section.select("li.meeting p.place")]
    assert places == ["Leuven", "Hasselt"]


def test_a_group_without_meetings_says_kring_does_not_know(fclient) -> None:
    section = soup(fclient.get("/en/groups/test-angst-online").text).select_one("section.when")
    assert "does not know when" in section.text


def test_cards_show_the_next_date_and_the_api_gives_it(fclient) -> None:
    snapshot = fclient.app.state.catalog.snapshot
    listing = snapshot.by_id["test-rouwgroep-gent"]
    first = listing.upcoming(search.today())[0]
    assert first.starts.weekday() == 1 and first.starts.strftime("%H:%M") == "19:30"
    card = next(
        li
        for li in soup(fclient.get("/en/groups/results?q=rouwgroep").text).select("li.listing")
        if "test-rouwgroep-gent" in li.a["href"]
    )
    assert (
        card.select_one("p.next").get_text(strip=True)
        == f"Next meeting: {first.starts:%a} {first.starts.day} {first.starts:%b}, 19:30"
    )
    api = fclient.get("/api/v1/groups?q=rouwgroep").json()["items"][0]
    assert api["next_date"] == first.starts.isoformat()
    detail = fclient.get("/api/v1/groups/test-rouwgroep-gent").json()
    assert detail["meetings"] == [{"freq": "weekly", "byday": ["TU"], "opens_at": "19:30", "closes_at": "21:30"}]
    assert [d["starts"] for d in detail["next_dates"]] == [
        w.starts.isoformat() for w in listing.upcoming(search.today())
    ]
    assert all(d["time_known"] for d in detail["next_dates"])


def test_soon_and_the_next_meeting_first(fclient) -> None:
    """soon=7 keeps the listings with a date within a week; order=next puts the soonest first (fresh ones
    before stale ones); listings without a date come after those with one."""
    snapshot = fclient.app.state.catalog.snapshot
    today = search.today()
    soon = soup(fclient.get("/en/groups/results?soon=7").text)
    ids = [a["href"].rsplit("/", 1)[1] for a in soon.select("li.listing h2 a")]
    within = {
        item.group.id
        for item in snapshot.active
        if (up := item.upcoming(today)) and up[0].starts.date() < today + dt.timedelta(days=7)
    }
    assert set(ids) == within - {"test-hidden"} and "test-rouwgroep-gent" in ids
    ordered = soup(fclient.get("/en/groups/results?order=next").text)
    ids = [a["href"].rsplit("/", 1)[1] for a in ordered.select("li.listing h2 a")]
    keys = [snapshot.by_id[i].upcoming(today)[0].key if snapshot.by_id[i].upcoming(today) else None for i in ids]
    dated = [k for k in keys if k is not None]
    assert dated == sorted(dated) and keys[: len(dated)] == dated


@pytest.mark.parametrize(
    ("near", "town"),
    [("be-genk", "Hasselt"), ("be-brussels", "Leuven"), ("be-liege", "Hasselt")],
)
def test_near_a_place_a_listing_in_several_towns_names_the_nearest(fclient, near: str, town: str) -> None:
    """test-many-towns meets in Leuven and in Hasselt: its card and the API name the town nearest to the place
    chosen, and its distance is that town's; without a place, the first."""
    api = {g["id"]: g for g in fclient.get(f"/api/v1/groups?near={near}&within=100").json()["items"]}
    assert api["test-many-towns"]["city"] == town
    page = soup(fclient.get(f"/en/groups/results?near={near}&within=100").text)
    card = next(li for li in page.select("li.listing") if li.a["href"].endswith("/test-many-towns"))
    where = card.select_one(".meta span:not(.kind)").get_text()
    assert where.startswith(f"{town} · ") and "km away" in where
    plain = soup(fclient.get("/en/groups/results?q=overal").text).select_one("li.listing .meta span:not(.kind)")
    assert plain.get_text().startswith("Leuven")

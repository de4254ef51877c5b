"""A group's calendar entry (/{lang}/groups/{id}.ics): valid iCalendar that icalendar reads back, neutral unless
the person asks for the name or the place, with the dates the server works out (dateutil expands its RRULE,
EXDATE and DTSTART back into them, across the clock changes too), and a clear page, never a 500, for a link
it cannot answer."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import msgspec
import pytest
from icalendar import Calendar

from server import i18n, ics, models, schedules, search
from tests import fixtures
from tests.conftest import soup
from tests.helpers.calendar import calendar_dates, day_and_time, expanded, server_dates

LANGS = ("nl", "fr", "en")
# The fixture listings with a meeting that has a date to come (the others have none, or it has passed).
SCHEDULED = (
    "test-rouwgroep-gent",
    "test-cafe-ecoute",
    "test-therapy-utrecht",
    "test-many-towns",
    "test-antwerp-parents",
    "test-amsterdam-english",
)
UNSCHEDULED = ("test-angst-online", "test-workshop-liege", "test-paused")
D = dt.date
DEC_1 = D(2026, 12, 1)  # a Tuesday


def download(fclient, url: str) -> Calendar:
    response = fclient.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    assert "set-cookie" not in response.headers
    return Calendar.from_ical(response.content)


def the_calendar(fields: dict, today: dt.date, chosen: ics.Options = ics.Options(False, False)) -> Calendar:
    group = fixtures.group("test-made-up", "Made-up group", meetings=[msgspec.convert(fields, models.Meeting)])
    body = ics.calendar(group, "en", chosen, today, {})
    assert body is not None
    return Calendar.from_ical(body)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("group_id", SCHEDULED)
def test_a_calendar_entry_is_neutral_by_default_in_each_language(fclient, lang: str, group_id: str) -> None:
    cal = download(fclient, f"/{lang}/groups/{group_id}.ics")
    assert cal["VERSION"] == "2.0" and cal["PRODID"] == ics.PRODID
    group = next(g for g in fixtures.groups() if g.id == group_id)
    scheduled = [m for m in group.meetings if m.freq is not None]
    assert len(cal.events) == len(scheduled)
    neutral = i18n.gettext(lang, ics.SUMMARY)
    assert lang != "en" or neutral == "Appointment"
    for event, meeting in zip(cal.events, scheduled, strict=True):
        assert event["SUMMARY"] == neutral
        assert "DESCRIPTION" not in event and "LOCATION" not in event
        assert "RRULE" in event and event["DTSTAMP"].to_ical().endswith(b"Z")  # UTC
        assert group.id not in event["UID"] and group.name not in event.to_ical().decode()
        if meeting.opens_at:
            assert event["DTSTART"].params["TZID"] == meeting.timezone
        else:
            assert type(event.start) is dt.date  # an all-day event: Kring does not know the time
    # Every TZID the file names has its VTIMEZONE, made from the zone's rules.
    assert cal.get_missing_tzids() == set()
    assert {tz.tz_name for tz in cal.timezones} == {m.timezone for m in scheduled if m.opens_at}
    # The file's name is the neutral word, never the group's.
    disposition = fclient.get(f"/{lang}/groups/{group_id}.ics").headers["content-disposition"]
    assert disposition == f'attachment; filename="{ics.filename(lang)}"' and group_id not in disposition


@pytest.mark.parametrize("group_id", SCHEDULED)
def test_the_dates_a_calendar_reads_from_the_file_are_the_servers_next_dates(fclient, group_id: str) -> None:
    cal = download(fclient, f"/en/groups/{group_id}.ics")
    listing = fclient.app.state.catalog.snapshot.by_id[group_id]
    today = search.today()
    end = today + dt.timedelta(weeks=schedules.WINDOW_WEEKS)
    found = calendar_dates(cal, today, end)
    assert found == server_dates(listing.upcoming(today))
    assert found  # each of these listings has a date to come
    # Where the server knows when a meeting ends, so does the calendar; an all-day event lasts its day.
    for event, meeting in zip(cal.events, [m for m in listing.group.meetings if m.freq], strict=True):
        if meeting.opens_at is None:
            assert event.end == event.start + dt.timedelta(days=1)
        else:
            assert (f"{event.end:%H:%M}" if "DTEND" in event else None) == meeting.closes_at


def test_the_options_put_the_name_and_the_place_of_each_meeting(fclient) -> None:
    cal = download(fclient, "/fr/groups/test-cafe-ecoute.ics?title=name&address=1")
    assert [e["SUMMARY"] for e in cal.events] == ["Café Écoute Bruxelles"] * 2
    # One meeting in Brussels (the listing's own place), one online.
    brussels = fclient.app.state.catalog.snapshot.places["be-brussels"].label("fr")
    assert [e["LOCATION"] for e in cal.events] == [brussels, i18n.gettext("fr", "Online")]
    cal = download(fclient, "/en/groups/test-many-towns.ics?address=1")
    assert [e["LOCATION"] for e in cal.events] == ["Hasselt"]  # its other meeting has no schedule
    assert cal.events[0]["SUMMARY"] == "Appointment"
    cal = download(fclient, "/en/groups/test-rouwgroep-gent.ics?title=name&utm=ignored")
    assert cal.events[0]["SUMMARY"] == "Rouwgroep Gent" and "LOCATION" not in cal.events[0]


def test_not_on_becomes_an_exdate_for_the_dates_the_rule_would_meet_on(fclient) -> None:
    cal = download(fclient, "/en/groups/test-cafe-ecoute.ics")
    online = next(m for m in fixtures.groups() if m.id == "test-cafe-ecoute").meetings[1]
    on_mondays = [d for d in online.not_on if d.weekday() == 0]
    assert [d.date() for d in cal.events[1].exdates] == on_mondays
    # A made-up weekly meeting on today's weekday that skips next week: EXDATE at its time, in its zone.
    today = fixtures.TODAY
    day = schedules.WEEKDAYS[today.weekday()]
    skipped = today + dt.timedelta(weeks=1)
    made = the_calendar({"freq": "weekly", "byday": [day], "opens_at": "19:30", "not_on": [skipped]}, today)
    (event,) = made.events
    assert event.exdates == [dt.datetime.combine(skipped, dt.time(19, 30), ZoneInfo("Europe/Brussels"))]
    assert event["EXDATE"].params["TZID"] == "Europe/Brussels"
    assert (skipped, "19:30") not in expanded(event, today, today + dt.timedelta(weeks=4))


# Schedules whose file must say exactly what schedules.occurrences() says, for 60 weeks from 1 December 2026.
CASES = {
    "weekly, over both changes of the clock": {
        "freq": "weekly",
        "byday": ["TU"],
        "opens_at": "19:30",
        "closes_at": "21:30",
    },
    "two days a week": {"freq": "weekly", "byday": ["MO", "TH"], "opens_at": "10:00"},
    "fortnightly from a Sunday": {
        "freq": "weekly",
        "interval": 2,
        "byday": ["FR"],
        "dtstart": "2026-11-29",
        "opens_at": "12:30",
    },
    "a series of 8 from a day it does not meet": {
        "freq": "weekly",
        "byday": ["WE"],
        "dtstart": "2026-12-05",
        "count": 8,
        "opens_at": "18:00",
    },
    "a series that began before valid_from": {
        "freq": "weekly",
        "byday": ["WE"],
        "dtstart": "2026-11-04",
        "count": 10,
        "valid_from": "2026-12-10",
        "opens_at": "18:00",
    },
    "a series cut short by valid_to": {
        "freq": "weekly",
        "byday": ["WE"],
        "dtstart": "2026-12-02",
        "count": 20,
        "valid_to": "2027-01-20",
        "opens_at": "18:00",
    },
    "until, with an earlier valid_to": {
        "freq": "weekly",
        "byday": ["SA"],
        "until": "2027-06-30",
        "valid_to": "2027-02-13",
        "opens_at": "10:00",
    },
    "the second Tuesday": {"freq": "monthly", "byday": ["2TU"], "opens_at": "19:00", "not_on": ["2027-01-12"]},
    "every other month, last Friday": {
        "freq": "monthly",
        "interval": 2,
        "byday": ["-1FR"],
        "dtstart": "2026-10-30",
        "opens_at": "20:00",
    },
    "the 15th and the last day": {
        "freq": "monthly",
        "bymonthday": [15, -1],
        "opens_at": "10:00",
        "timezone": "Europe/Amsterdam",
    },
    "no time known": {"freq": "monthly", "byday": ["-1FR"], "until": "2027-08-31", "not_on": ["2027-01-29"]},
    "starting later": {"freq": "weekly", "byday": ["TH"], "valid_from": "2027-02-01", "opens_at": "14:00"},
    "02:30 on the night the clocks go forward": {
        "freq": "weekly",
        "byday": ["SU"],
        "opens_at": "02:30",
        "timezone": "Europe/Amsterdam",
    },
}


@pytest.mark.parametrize("fields", CASES.values(), ids=CASES.keys())
def test_the_file_gives_the_same_dates_as_the_schedule(fields: dict) -> None:
    schedule = msgspec.convert(fields, schedules.Schedule)
    assert schedules.problems(schedule) == []
    (event,) = the_calendar(fields, DEC_1).events
    weeks = 60
    expected = [day_and_time(o.starts, o.timed) for o in schedules.occurrences(schedule, DEC_1, weeks)]
    assert expanded(event, DEC_1, DEC_1 + dt.timedelta(weeks=weeks)) == expected
    # RFC 5545: DTSTART is the first date, so it must be one of the rule's; COUNT and UNTIL never together.
    first = event.start if isinstance(event.start, dt.datetime) else dt.datetime.combine(event.start, dt.time())
    assert first.replace(tzinfo=None) in schedules.rule(schedule, DEC_1)
    assert not {"COUNT", "UNTIL"} <= set(event["RRULE"])
    if schedule.opens_at and "UNTIL" in event["RRULE"]:
        assert re.search(rb"UNTIL=\d{8}T\d{6}Z", event["RRULE"].to_ical())  # with a TZID, UNTIL is in UTC


def test_a_schedule_with_no_date_left_has_no_event() -> None:
    group = fixtures.group(
        "test-made-up",
        "Made-up group",
        meetings=[
            fixtures.meeting(freq="weekly", byday=["MO"], until=DEC_1 - dt.timedelta(days=1)),
            fixtures.meeting(freq="weekly", byday=["MO"], dtstart=D(2026, 11, 2), count=3),
            fixtures.meeting(freq="weekly", byday=["MO"], valid_to=D(2026, 11, 30)),
            fixtures.meeting(place=fixtures.place("be-gent")),  # known place, unknown days
        ],
    )
    assert ics.scheduled(group, DEC_1) == [] and ics.calendar(group, "en", ics.Options(True, True), DEC_1, {}) is None
    # A paused listing's dates are not taking place.
    paused = fixtures.group(
        "test-made-up",
        "Made-up group",
        status="paused",
        meetings=[
            fixtures.meeting(freq="weekly", byday=["MO"], opens_at="19:00"),
        ],
    )
    assert ics.scheduled(paused, DEC_1) == []


@pytest.mark.parametrize(
    "query",
    ["title=yes", "address=0", "address=", "title=name&title=%3Cb%3E", "address=" + "x" * 500, "title=NAME"],
)
def test_an_option_value_kring_does_not_know_is_a_400_page_that_names_it(fclient, query: str) -> None:
    response = fclient.get(f"/en/groups/test-rouwgroep-gent.ics?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    page = soup(response.text)
    message = page.select_one("main h1 + p").text
    assert "calendar link" in message and len(message) < 400
    assert page.select_one('main a[href="/en/groups/test-rouwgroep-gent"]') is not None
    assert "<b>" not in response.text.split("<main", 1)[1]  # escaped


def test_an_unknown_group_is_a_404_and_a_group_without_dates_a_404_that_says_why(fclient) -> None:
    assert fclient.get("/en/groups/no-such-group.ics").status_code == 404
    assert fclient.get("/xx/groups/test-rouwgroep-gent.ics").status_code == 404
    assert fclient.get("/en/groups/test-rouwgroep-gent.ics.ics").status_code == 404
    for group_id in UNSCHEDULED:
        response = fclient.get(f"/nl/groups/{group_id}.ics")
        assert response.status_code == 404, group_id
        page = soup(response.text)
        assert page.h1.text == i18n.gettext("nl", "Nothing to put in your calendar")
        assert page.select_one(f'main a[href="/nl/groups/{group_id}"]') is not None
        # Its page offers no calendar entry, while a group with dates does.
        assert soup(fclient.get(f"/nl/groups/{group_id}").text).select_one("form.calendar") is None


def test_the_group_page_form_asks_for_the_calendar_file_with_exactly_its_options(fclient) -> None:
    page = soup(fclient.get("/en/groups/test-rouwgroep-gent").text)
    form = page.select_one("form.calendar")
    assert form["action"] == "/en/groups/test-rouwgroep-gent.ics" and form["method"] == "get"
    boxes = {box["name"]: box["value"] for box in form.select("input[type=checkbox]")}
    assert boxes == ics.OPTIONS
    assert all(not box.has_attr("checked") for box in form.select("input"))  # neutral unless ticked
    for box in form.select("input"):
        assert form.select_one(f'label[for="{box["id"]}"]') is not None
    note = page.select_one(f"#{form.select_one('button')['aria-describedby']}")
    assert "Appointment" in note.text


def test_the_page_cache_keeps_a_calendar_file_per_address(fclient) -> None:
    fclient.app.page_cache.clear()
    first = fclient.get("/en/groups/test-rouwgroep-gent.ics?title=name")
    again = fclient.get("/en/groups/test-rouwgroep-gent.ics?title=name")
    assert again.content == first.content and again.headers == first.headers
    neutral = fclient.get("/en/groups/test-rouwgroep-gent.ics")
    assert b"Rouwgroep Gent" not in neutral.content
    fclient.get("/en/groups/test-rouwgroep-gent.ics?title=bad")
    fclient.get("/en/groups/test-workshop-liege.ics")
    assert len(fclient.app.page_cache.entries) == 2  # the two files; no error page

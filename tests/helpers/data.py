"""Data that several test modules share: a good organizer's submission and two meetings as its form sends them,
and months counted plainly."""

from __future__ import annotations

import datetime as dt

from server import models

# A submission that passes every check of /submit (each test changes one field).
GOOD = {
    "name": "Praatgroep voor mantelzorgers",
    "kind": "talk_circle",
    "country": "BE",
    "format": "in_person",
    "city": "Gent",
    "postcode": "9000",
    "description": "A monthly talk circle for people who care for someone close to them.",
    "themes": ["relatives", "loneliness"],
    "languages": ["nl"],
    "email": "contact@example.org",
}

# Two meetings as the form's rows send them (with format = "hybrid"): every Tuesday from 19:30 to 21:30 at an
# address in Gent, and online on the second Thursday of the month from 20:00 to 21:00.
TWO_MEETINGS = {
    "meeting-0-where": "other",
    "meeting-0-city": "Gent",
    "meeting-0-postcode": "9000",
    "meeting-0-address": "Voorbeeldstraat 1",
    "meeting-0-weekday": "tue",
    "meeting-0-opens_at": "19:30",
    "meeting-0-closes_at": "21:30",
    "meeting-0-how_often": "weekly",
    "meeting-1-where": "online",
    "meeting-1-weekday": "thu",
    "meeting-1-opens_at": "20:00",
    "meeting-1-closes_at": "21:00",
    "meeting-1-how_often": "monthly",
    "meeting-1-ordinal": "2",
}

# The same two, as the listing's meetings (before a moderator approves it: no Kring place yet).
TUESDAYS_IN_GENT = models.Meeting(
    freq="weekly",
    byday=["TU"],
    opens_at="19:30",
    closes_at="21:30",
    timezone="Europe/Brussels",
    place=models.Place(address="Voorbeeldstraat 1", postcode="9000", city="Gent"),
)
SECOND_THURSDAYS_ONLINE = models.Meeting(
    freq="monthly", byday=["2TH"], opens_at="20:00", closes_at="21:00", timezone="Europe/Brussels", online=True
)


def months_before(day: dt.date, n: int) -> dt.date:
    """search.py's months_before, read plainly: count the months back, then step back to a day the month has."""
    year, month = day.year, day.month - n
    while month < 1:
        year, month = year - 1, month + 12
    for last in range(day.day, 0, -1):
        try:
            return dt.date(year, month, last)
        except ValueError:
            continue
    raise AssertionError("every month has a first day")

"""Data that several test modules share: a good organizer's submission, and months counted plainly."""

from __future__ import annotations

import datetime as dt

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

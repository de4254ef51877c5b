"""Reading a calendar file back as a calendar app would (tests/test_ics.py, tests/browser/test_meetings.py):
dateutil expands each event's DTSTART, RRULE and EXDATE into its dates."""

from __future__ import annotations

import datetime as dt

from dateutil import rrule
from icalendar import Calendar, Event

from server.catalog import When


def day_and_time(moment: dt.date | dt.datetime, timed: bool) -> tuple[dt.date, str | None]:
    """A date as both sides can say it: the local day, and the local time when it is known."""
    if isinstance(moment, dt.datetime):
        return moment.date(), f"{moment:%H:%M}" if timed else None
    return moment, None


def expanded(event: Event, start: dt.date, end: dt.date) -> list[tuple[dt.date, str | None]]:
    """The dates of one event from `start` to `end` (excluded), in order."""
    first = event.start
    timed = isinstance(first, dt.datetime)
    origin = first if timed else dt.datetime.combine(first, dt.time())
    zone = first.tzinfo if timed else None
    rule = rrule.rrulestr(event["RRULE"].to_ical().decode(), dtstart=origin)
    skipped = {d if timed else dt.datetime.combine(d, dt.time()) for d in event.exdates}
    window = (dt.datetime.combine(start, dt.time(), zone), dt.datetime.combine(end, dt.time(), zone))
    return [day_and_time(d, timed) for d in rule.between(*window, inc=True) if d not in skipped and d < window[1]]


def calendar_dates(cal: Calendar, start: dt.date, end: dt.date) -> list[tuple[dt.date, str | None]]:
    """Every event's dates from `start` to `end` (excluded), in order."""
    return sorted(d for event in cal.events for d in expanded(event, start, end))


def server_dates(dates: list[When]) -> list[tuple[dt.date, str | None]]:
    """A listing's dates (catalog.Listing.upcoming) the same way."""
    return sorted(day_and_time(w.starts, w.timed) for w in dates)

"""A listing's meetings as an iCalendar file (RFC 5545, written with the icalendar package): what
/{lang}/groups/{id}.ics answers.

Discreet unless the person asks for more, because a calendar is seldom private: it syncs to other devices
and to a provider, may be shared with a partner or at work, and shows its titles on a locked phone. So each
event is called "Appointment" in the page's language, with no description and no place; `title=name` puts
the group's name instead, `address=1` adds the place (or "Online"). The UID is a hash, not the group's id,
and the file's name is the neutral word too.

Each meeting with a schedule is one VEVENT whose RRULE is the schedule's own rule (schedules.rule()), so
that a calendar app expands the same dates as schedules.occurrences(), also past the 12 weeks the server
works out (tests/test_ics.py reads them back). Times are local with their TZID, and the VTIMEZONE is made
from the zone's rules in zoneinfo, so that a 19:30 meeting stays at 19:30 when the clocks change. A meeting
whose time is not known is an all-day event on its days.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from server import i18n, models, schedules, web
from server.labels import N_

MEDIA_TYPE = "text/calendar"  # Litestar adds "; charset=utf-8" to text types
PRODID = "-//Kring//Kring calendar entry//EN"
SUMMARY = N_("Appointment")
# The options and the one value each takes (a checkbox of the group page's form); other parameters are
# ignored, as on the pages.
OPTIONS: dict[str, str] = {"title": "name", "address": "1"}
# Stable UIDs, so that a calendar that imports the file again updates its events instead of doubling them.
UID_NAMESPACE = uuid.UUID("51420144-4887-4cd9-84fd-32b902160c0e")


class Options(NamedTuple):
    """What the person asked the calendar entry to say beyond the neutral title."""

    name: bool  # title=name: the group's name as the title
    address: bool  # address=1: the meeting's address, or "Online", as its location


def options(items: Iterable[tuple[str, str]]) -> tuple[Options, list[tuple[str, str]]]:
    """The options of a query string, and each of their values Kring does not know, as (parameter, value)."""
    asked = dict.fromkeys(OPTIONS, False)
    wrong = []
    for key, value in items:
        if key not in OPTIONS:
            continue
        if value == OPTIONS[key]:
            asked[key] = True
        else:
            wrong.append((key, value[:40]))
    return Options(name=asked["title"], address=asked["address"]), wrong


class Series(NamedTuple):
    """One meeting as a recurring event: its first date and its rule, in iCalendar's terms."""

    meeting: int  # index in group.meetings
    first: dt.datetime  # naive local time (midnight when the time is not known)
    rule: dict[str, Any]  # the RRULE, for icalendar's vRecur
    not_on: list[dt.date]  # EXDATE: the dates of the rule, from `first` on, that it does not meet


def series(meeting: schedules.Schedule, index: int, today: dt.date) -> Series | None:
    """A meeting's recurrence, or None when its schedule is not known or it has no date left.

    DTSTART always counts as the first date (RFC 5545 §3.8.5.3), so it must be one of the rule's own: the
    first from dtstart (or from valid_from, then COUNT loses the sessions before it), or without a dtstart
    the first upcoming date. valid_to becomes UNTIL when it ends the series first.
    """
    if meeting.freq is None:
        return None
    since = max(d for d in (meeting.dtstart or today, meeting.valid_from) if d is not None)
    recurrence = schedules.rule(meeting, since)
    skipped = set(meeting.not_on)
    coming = next(
        (d for d in recurrence.xafter(_midnight(max(today, since)), inc=True) if d.date() not in skipped), None
    )
    if coming is None or (meeting.valid_to is not None and coming.date() > meeting.valid_to):
        return None  # a series that has ended: nothing to put in a calendar
    # Without a dtstart no count hangs on the first date, so it is the first one the group really meets.
    first = recurrence.after(_midnight(since), inc=True) if meeting.dtstart else coming
    rule: dict[str, Any] = {"freq": meeting.freq.upper()}
    if meeting.interval > 1:
        rule["interval"] = meeting.interval
        rule["wkst"] = "MO"  # which weeks count as every other one (schedules.rule() counts from Monday)
    if meeting.byday:
        rule["byday"] = list(meeting.byday)
    if meeting.bymonthday:
        rule["bymonthday"] = list(meeting.bymonthday)
    last: dt.date | None = meeting.until
    if meeting.count is not None:
        dates = list(recurrence)
        if meeting.valid_to is not None and dates[-1].date() > meeting.valid_to:
            last = meeting.valid_to
        else:
            rule["count"] = meeting.count - sum(1 for d in dates if d < first)
            last = None
    elif meeting.valid_to is not None and (last is None or meeting.valid_to < last):
        last = meeting.valid_to
    if last is not None:
        rule["until"] = _until(meeting, last)
    # Only the dates it would otherwise meet on: any other date in not_on would be noise in the file.
    not_on = [d for d in sorted(skipped) if d >= first.date() and dt.datetime.combine(d, first.time()) in recurrence]
    return Series(index, first, rule, not_on)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _until(meeting: schedules.Schedule, last: dt.date) -> dt.date | dt.datetime:
    """UNTIL for a series whose last day is `last`: a date for an all-day event, else the end of that day in
    UTC, as RFC 5545 wants with a DTSTART that has a TZID."""
    if meeting.opens_at is None:
        return last
    end = dt.datetime.combine(last, dt.time(23, 59, 59), tzinfo=ZoneInfo(meeting.timezone))
    return end.astimezone(dt.UTC)


def scheduled(group: models.Group, today: dt.date) -> list[Series]:
    """The meetings a calendar entry can hold: those with a schedule and a date left. None for a listing that
    is paused or ended: its dates are not taking place."""
    if group.status != "active":
        return []
    return [s for i, m in enumerate(group.meetings) if (s := series(m, i, today)) is not None]


def uid(group: models.Group, index: int) -> str:
    """The same for a listing's meeting each time, and naming neither (UUID 5, RFC 9562)."""
    return str(uuid.uuid5(UID_NAMESPACE, f"{group.id}/{index}"))


def filename(lang: str) -> str:
    """The file's name: the neutral title in `lang` ('afspraak.ics'), never the group's."""
    word = re.sub(r"[^a-z0-9-]+", "-", i18n.gettext(lang, SUMMARY).lower()).strip("-")
    return f"{word or 'calendar'}.ics"


def calendar(
    group: models.Group,
    lang: str,
    chosen: Options,
    today: dt.date,
    places: dict[str, models.KnownPlace],
) -> bytes | None:
    """The calendar file of a listing's meetings, or None when it has none with a schedule and a date left.
    `places`: the snapshot's, which name a meeting's town (web.meeting_place())."""
    found = scheduled(group, today)
    if not found:
        return None
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)  # when this file was made (RFC 5545 DTSTAMP)
    title = group.name if chosen.name else i18n.gettext(lang, SUMMARY)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    for s in found:
        meeting = group.meetings[s.meeting]
        zone = ZoneInfo(meeting.timezone)
        event = Event()
        event.add("uid", uid(group, s.meeting))
        event.add("dtstamp", stamp)
        event.add("summary", title)
        if meeting.opens_at is None:
            event.add("dtstart", s.first.date())
            event.add("dtend", s.first.date() + dt.timedelta(days=1))
        else:
            event.add("dtstart", s.first.replace(tzinfo=zone))
            if meeting.closes_at is not None:
                closes = dt.time.fromisoformat(meeting.closes_at)
                event.add("dtend", dt.datetime.combine(s.first.date(), closes, tzinfo=zone))
        event.add("rrule", s.rule)
        if s.not_on:
            opens = s.first.time()
            skipped = [d if meeting.opens_at is None else dt.datetime.combine(d, opens, tzinfo=zone) for d in s.not_on]
            event.add("exdate", skipped)
        if chosen.address and (where := web.meeting_place(group, meeting, lang, places).where):
            event.add("location", where)
        cal.add_component(event)
    # The zones' rules from the first event's year (VTIMEZONE generation is slow from 1970, and needless).
    first_year = dt.date(min(s.first.year for s in found), 1, 1)
    cal.add_missing_timezones(first_date=first_year)
    return cal.to_ical()

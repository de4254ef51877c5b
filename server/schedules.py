"""When a meeting takes place: its schedule in Open Referral HSDS 3 terms, and its next dates (dateutil's rrule).

A schedule is a rule in local time: "every second Tuesday of the month, 19:30 to 21:30, Europe/Brussels". The
rule is expanded on the calendar of that time zone, with naive local times, and only then given the zone, so
that a 19:30 meeting stays at 19:30 on both sides of a change to or from summer time. The field names are
HSDS 3's (schedule.json): `freq`, `interval`, `byday`, `bymonthday`, `opens_at`, `closes_at`, `dtstart`,
`until`, `count`, `valid_from`, `valid_to`, `timezone`, `notes`; `not_on` lists the dates it does not meet
(iCalendar's EXDATE, which HSDS lacks). Values are lower case in Kring's data (`weekly`), as in its other keys.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal, NamedTuple
from zoneinfo import ZoneInfo

import msgspec
from cachetools import LRUCache
from dateutil import rrule
from msgspec import Meta, Struct

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # iCalendar's codes, Monday first (date.weekday())
DAY = re.compile(r"^(?P<ordinal>-?[1-5])?(?P<day>MO|TU|WE|TH|FR|SA|SU)$")
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
WINDOW_WEEKS = 12  # how far ahead the server works out dates (DESIGN.md §4)

Day = Annotated[str, Meta(pattern=DAY.pattern, description="MO … SU; monthly: with an ordinal, 2TU or -1FR")]
MonthDay = Annotated[int, Meta(ge=-31, le=31)]
Time = Annotated[str, Meta(pattern=TIME.pattern, description="HH:MM, local time")]
TimeZone = Literal["Europe/Brussels", "Europe/Amsterdam"]


class Schedule(Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    # None: not known (a meeting whose place a source names, but not when it meets); then no other field.
    freq: Literal["weekly", "monthly"] | None = None
    interval: Annotated[int, Meta(ge=1, le=12)] = 1
    byday: list[Day] = []
    bymonthday: list[MonthDay] = []
    opens_at: Time | None = None
    closes_at: Time | None = None
    dtstart: dt.date | None = None
    until: dt.date | None = None
    count: Annotated[int, Meta(ge=1, le=100)] | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    timezone: TimeZone = "Europe/Brussels"
    not_on: list[dt.date] = []
    notes: dict[Literal["nl", "fr", "en", "de"], Annotated[str, Meta(min_length=1, max_length=400)]] = {}


class Occurrence(Struct, frozen=True):
    """One date of a meeting: when it starts (and ends, when known), in the meeting's time zone."""

    starts: dt.datetime  # aware; midnight when the schedule gives no time
    ends: dt.datetime | None
    timed: bool  # False: the schedule gives the day but not the time


class Problem(NamedTuple):
    """What makes a meeting impossible to follow: the field, the rule it breaks, and what is wrong.

    `rule` is a stable key: the loader prints `why` (words for someone who edits a data file) with the file and
    line; the forms show their own plain words for the rule beside the input it comes from (server/forms.py).
    """

    field: str
    rule: str
    why: str


def problems(schedule: Schedule) -> list[Problem]:
    """What makes a schedule impossible to follow; empty when it is sound."""
    found: list[Problem] = []
    if schedule.freq is None:
        given = [name for name in RULE_FIELDS if getattr(schedule, name) != getattr(UNKNOWN, name)]
        if given:
            why = f"give freq (weekly or monthly) with {', '.join(given)}, or leave them out"
            found.append(Problem("freq", "needs_freq", why))
        return found
    ordinals = [d for d in schedule.byday if (m := DAY.fullmatch(d)) and m["ordinal"]]
    if schedule.freq == "weekly":
        if not schedule.byday:
            found.append(Problem("byday", "weekly_needs_day", "a weekly meeting needs its day of the week"))
        if ordinals:
            why = "an ordinal (2TU, -1FR) only makes sense for a monthly meeting"
            found.append(Problem("byday", "ordinal_not_monthly", why))
        if schedule.bymonthday:
            why = "a day of the month only makes sense for a monthly meeting"
            found.append(Problem("bymonthday", "month_day_not_monthly", why))
    elif not schedule.byday and not schedule.bymonthday:
        why = "a monthly meeting needs a day (2TU, -1FR) or a day of the month"
        found.append(Problem("byday", "monthly_needs_day", why))
    elif schedule.byday and schedule.bymonthday:
        found.append(Problem("bymonthday", "day_or_month_day", "give either byday or bymonthday, not both"))
    elif schedule.byday and len(ordinals) != len(schedule.byday):
        why = "each day of a monthly meeting needs its ordinal: 2TU, -1FR"
        found.append(Problem("byday", "monthly_needs_ordinal", why))
    if 0 in schedule.bymonthday:
        why = "days of the month count from 1 (or from -1, the last day)"
        found.append(Problem("bymonthday", "month_day_zero", why))
    if schedule.interval > 1 and schedule.dtstart is None:
        why = "a meeting every few weeks or months needs the date it started from"
        found.append(Problem("dtstart", "interval_needs_start", why))
    if schedule.count is not None and schedule.dtstart is None:
        found.append(Problem("dtstart", "series_needs_start", "a series of sessions needs the date of the first one"))
    if schedule.count is not None and schedule.until is not None:
        found.append(Problem("count", "count_or_until", "give either until or count, not both"))
    if schedule.closes_at and not schedule.opens_at:
        found.append(Problem("opens_at", "closes_needs_opens", "a closing time needs an opening time"))
    if schedule.opens_at and schedule.closes_at and schedule.closes_at <= schedule.opens_at:
        why = "the meeting must close after it opens (same day)"
        found.append(Problem("closes_at", "closes_before_opens", why))
    if schedule.valid_from and schedule.valid_to and schedule.valid_to < schedule.valid_from:
        found.append(Problem("valid_to", "valid_to_before_from", "valid_to is before valid_from"))
    if schedule.dtstart and schedule.until and schedule.until < schedule.dtstart:
        found.append(Problem("until", "until_before_start", "until is before dtstart"))
    return found


UNKNOWN = Schedule()
RULE_FIELDS = tuple(name for name in Schedule.__struct_fields__ if name not in ("freq", "timezone", "notes"))


def _weekday(code: str) -> rrule.weekday:
    match = DAY.fullmatch(code)
    if match is None:  # the Struct's pattern lets none through; a hand-made Schedule might
        raise ValueError(f"not a day of the week: {code!r}")
    day = getattr(rrule, match["day"])
    return day(int(match["ordinal"])) if match["ordinal"] else day


def _clock(text: str | None) -> dt.time:
    return dt.time.fromisoformat(text) if text else dt.time()


def rule(schedule: Schedule, origin: dt.date) -> rrule.rrule:
    """The schedule's recurrence in naive local time, at its opening time (midnight without one), counted from
    its dtstart (interval, count), or from `origin` when it has none: a weekly or monthly rule without one can
    start anywhere. The calendar file (server/ics.py) writes this same rule as its RRULE."""
    if schedule.freq is None:
        raise ValueError("a schedule that is not known has no rule")
    return rrule.rrule(
        rrule.WEEKLY if schedule.freq == "weekly" else rrule.MONTHLY,
        dtstart=dt.datetime.combine(schedule.dtstart or origin, _clock(schedule.opens_at)),
        interval=schedule.interval,
        byweekday=[_weekday(d) for d in schedule.byday] or None,
        bymonthday=schedule.bymonthday or None,
        until=dt.datetime.combine(schedule.until, dt.time.max) if schedule.until else None,
        count=schedule.count,
        wkst=rrule.MO,
    )


def occurrences(schedule: Schedule, start: dt.date, weeks: int = WINDOW_WEEKS) -> list[Occurrence]:
    """The dates from `start` (included) to `weeks` weeks later (excluded), in order. The schedule must be
    sound (problems() is empty); none when it is not known."""
    if schedule.freq is None:
        return []
    zone = ZoneInfo(schedule.timezone)
    first = max(d for d in (start, schedule.valid_from) if d is not None)
    end = start + dt.timedelta(weeks=weeks)
    if schedule.valid_to is not None:
        end = min(end, schedule.valid_to + dt.timedelta(days=1))
    closes = schedule.closes_at and _clock(schedule.closes_at)
    skipped = set(schedule.not_on)
    out = []
    for local in rule(schedule, first).between(
        dt.datetime.combine(first, dt.time()), dt.datetime.combine(end, dt.time()), inc=True
    ):
        if local.date() in skipped or local.date() >= end:
            continue
        ends = dt.datetime.combine(local.date(), closes, tzinfo=zone) if closes else None
        out.append(Occurrence(local.replace(tzinfo=zone), ends, schedule.opens_at is not None))
    return out


_EXPANDED: LRUCache[tuple[bytes, dt.date], list[Occurrence]] = LRUCache(maxsize=8192)


def expand(schedule: Schedule, start: dt.date) -> list[Occurrence]:
    """occurrences() for the default window, kept: many groups share a rule ("every Tuesday at 19:30"), and a
    snapshot of 100,000 listings is built in seconds instead of a minute. Only the schedule's own fields
    count (a Meeting's place does not)."""
    key = (msgspec.json.encode([getattr(schedule, name) for name in Schedule.__struct_fields__]), start)
    found = _EXPANDED.get(key)
    if found is None:
        found = _EXPANDED[key] = occurrences(schedule, start)
    return found

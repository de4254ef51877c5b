"""A listing's meetings as a person reads them: the rule in words, its dates and times, each in nl, fr and en.

Dates, times, names of days and lists are Babel's (CLDR); the sentences around them are Kring's own messages.
Times are written on the 24-hour clock in every language, as they are in Belgium and the Netherlands.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list

from server import i18n, schedules
from server.labels import N_

# The parts of the day the `time` filter offers, by the hour a meeting opens (search.py).
MORNING_ENDS = 12
AFTERNOON_ENDS = 18


def part_of_day(opens_at: str | None) -> str | None:
    """morning (before 12:00), afternoon (12:00 to 18:00) or evening (from 18:00); None without a time."""
    if opens_at is None:
        return None
    hour = int(opens_at[:2])
    return "morning" if hour < MORNING_ENDS else "afternoon" if hour < AFTERNOON_ENDS else "evening"


# iCalendar's day codes and Kring's weekday keys (labels.WEEKDAY, the `day` filter), Monday first.
DAY_KEYS = dict(zip(schedules.WEEKDAYS, ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), strict=True))


def weekdays(schedule: schedules.Schedule) -> list[str]:
    """The weekday keys a schedule names (byday, ordinals dropped); none for a day of the month."""
    found = []
    for code in schedule.byday:
        match = schedules.DAY.fullmatch(code)
        if match and DAY_KEYS[match["day"]] not in found:
            found.append(DAY_KEYS[match["day"]])
    return found


# "the second Tuesday": each ordinal a message of its own, since the word for it changes with the language.
ORDINAL_DAY = {
    "1": N_("first %(weekday)s"),
    "2": N_("second %(weekday)s"),
    "3": N_("third %(weekday)s"),
    "4": N_("fourth %(weekday)s"),
    "5": N_("fifth %(weekday)s"),
    "-1": N_("last %(weekday)s"),
}


@cache
def _day_name(code: str, lang: str) -> str:
    """A day's name as it stands inside a sentence: 'dinsdag', 'mardi', 'Tuesday'."""
    return Locale(lang).days["format"]["wide"][schedules.WEEKDAYS.index(code)]


def clock(text: str, lang: str) -> str:
    return format_time(dt.time.fromisoformat(text), "HH:mm", locale=lang)


def hours(schedule: schedules.Schedule, lang: str) -> str:
    """'19:30-21:30' (an en dash between), 'from 19:30', or '' when the schedule gives no time."""
    if schedule.opens_at and schedule.closes_at:
        return f"{clock(schedule.opens_at, lang)}\u2013{clock(schedule.closes_at, lang)}"
    if schedule.opens_at:
        return i18n.gettext(lang, N_("from %(time)s")) % {"time": clock(schedule.opens_at, lang)}
    return ""


def describe(schedule: schedules.Schedule, lang: str) -> str:
    """The rule in words: 'every second Tuesday of the month, 19:30-21:30'; '' when it is not known."""
    if schedule.freq is None:
        return ""

    def say(message: str) -> str:
        return i18n.gettext(lang, message)

    days: list[str] = []
    for code in schedule.byday:
        match = schedules.DAY.fullmatch(code)
        if match is None:
            continue
        name = _day_name(match["day"], lang)
        days.append(say(ORDINAL_DAY[match["ordinal"]]) % {"weekday": name} if match["ordinal"] else name)
    listed = format_list(days, locale=lang) if days else ""
    n = schedule.interval
    if schedule.freq == "weekly":
        rule = (
            say(N_("every %(days)s")) % {"days": listed}
            if n == 1
            else (say(N_("every %(n)s weeks on %(days)s")) % {"n": n, "days": listed})
        )
    elif days:
        rule = (
            say(N_("every %(days)s of the month")) % {"days": listed}
            if n == 1
            else (say(N_("every %(n)s months: %(days)s")) % {"n": n, "days": listed})
        )
    else:
        numbers = [str(d) if d > 0 else say(N_("the last day")) for d in schedule.bymonthday]
        listed = format_list(numbers, locale=lang)
        rule = (
            say(N_("every month on day %(days)s")) % {"days": listed}
            if n == 1
            else (say(N_("every %(n)s months on day %(days)s")) % {"n": n, "days": listed})
        )
    parts = [rule]
    if when := hours(schedule, lang):
        parts.append(when)
    if schedule.count is not None and schedule.dtstart is not None:
        sessions = i18n.translations(lang).ngettext("%(n)s session", "%(n)s sessions", schedule.count)
        parts.append(
            say(N_("%(sessions)s from %(date)s"))
            % {"sessions": sessions % {"n": schedule.count}, "date": i18n.date(schedule.dtstart, lang)}
        )
    if schedule.until is not None:
        parts.append(say(N_("until %(date)s")) % {"date": i18n.date(schedule.until, lang)})
    if schedule.valid_from is not None:
        parts.append(say(N_("starting %(date)s")) % {"date": i18n.date(schedule.valid_from, lang)})
    if schedule.valid_to is not None:
        parts.append(say(N_("until %(date)s")) % {"date": i18n.date(schedule.valid_to, lang)})
    return ", ".join(parts)


@cache
def weekday_date(value: dt.date, lang: str) -> str:
    """'Tuesday 8 December', for the next dates of a group."""
    return format_date(value, "EEEE d MMMM", locale=lang)


@cache
def short_date(value: dt.date, lang: str) -> str:
    """'Tue 8 Dec', for a result card. The offline worker writes the same from `calendar_names` (worker.py)."""
    return format_date(value, "EEE d MMM", locale=lang)


def calendar_names(lang: str) -> tuple[list[str], list[str]]:
    """The abbreviated day names (Monday first) and month names that short_date() puts together."""
    locale = Locale(lang)
    days = [locale.days["format"]["abbreviated"][i] for i in range(7)]
    months = [locale.months["format"]["abbreviated"][i] for i in range(1, 13)]
    return days, months

"""Meetings' next dates against calendars read by hand (2026-2027; summer time ends on 25 October 2026 and
starts on 28 March 2027 in Belgium and the Netherlands), and the schedules that cannot be followed."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from server.schedules import Schedule, occurrences, problems

D = dt.date
DEC_1 = D(2026, 12, 1)  # a Tuesday


def schedule(**fields: object) -> Schedule:
    found = msgspec.convert(fields, Schedule)
    assert problems(found) == [], problems(found)
    return found


def days(s: Schedule, start: dt.date = DEC_1, weeks: int = 12) -> list[dt.date]:
    return [o.starts.date() for o in occurrences(s, start, weeks)]


def test_a_weekly_evening_meeting_stays_at_its_local_time_across_both_changes_of_the_clock() -> None:
    s = schedule(freq="weekly", byday=["TU"], opens_at="19:30", closes_at="21:30")
    autumn = occurrences(s, D(2026, 10, 20), weeks=2)
    assert [o.starts.isoformat() for o in autumn] == ["2026-10-20T19:30:00+02:00", "2026-10-27T19:30:00+01:00"]
    assert [o.ends.isoformat() for o in autumn if o.ends] == ["2026-10-20T21:30:00+02:00", "2026-10-27T21:30:00+01:00"]
    spring = occurrences(s, D(2027, 3, 23), weeks=2)
    assert [o.starts.isoformat() for o in spring] == ["2027-03-23T19:30:00+01:00", "2027-03-30T19:30:00+02:00"]
    amsterdam = schedule(freq="weekly", byday=["SU"], opens_at="02:30", timezone="Europe/Amsterdam")
    # 02:30 on 28 March 2027 does not exist there (the clocks go from 02:00 to 03:00): the date stays, and
    # the instant is 03:30 summer time, 01:30 UTC.
    (gap,) = occurrences(amsterdam, D(2027, 3, 28), weeks=1)
    assert gap.starts.astimezone(dt.UTC) == dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)


def test_weekly_on_two_days_and_fortnightly() -> None:
    assert days(schedule(freq="weekly", byday=["MO", "TH"]), weeks=1) == [D(2026, 12, 3), D(2026, 12, 7)]
    fortnightly = schedule(freq="weekly", interval=2, byday=["TU"], dtstart="2026-11-24")
    assert days(fortnightly, weeks=6) == [D(2026, 12, 8), D(2026, 12, 22), D(2027, 1, 5)]


def test_monthly_by_ordinal_day_fifth_tuesday_and_last_friday() -> None:
    # Five Tuesdays in December 2026 and March 2027; four in January and February 2027.
    assert days(schedule(freq="monthly", byday=["5TU"]), weeks=18) == [D(2026, 12, 29), D(2027, 3, 30)]
    assert days(schedule(freq="monthly", byday=["-1FR"]), weeks=13) == [
        D(2026, 12, 25),
        D(2027, 1, 29),
        D(2027, 2, 26),
    ]
    assert days(schedule(freq="monthly", byday=["2TU"]), weeks=9) == [D(2026, 12, 8), D(2027, 1, 12)]


def test_monthly_by_day_of_the_month() -> None:
    assert days(schedule(freq="monthly", bymonthday=[1, -1]), weeks=5) == [
        D(2026, 12, 1),
        D(2026, 12, 31),
        D(2027, 1, 1),
    ]


def test_a_cycle_of_sessions_by_count_and_until() -> None:
    eight = schedule(freq="weekly", byday=["TU"], dtstart="2027-01-12", count=8, opens_at="18:00")
    assert days(eight, D(2027, 1, 1), weeks=20) == [D(2027, 1, 12) + dt.timedelta(weeks=n) for n in range(8)]
    assert days(eight, D(2027, 2, 20), weeks=20) == [D(2027, 2, 23), D(2027, 3, 2)]  # the last two of the eight
    until = schedule(freq="weekly", byday=["MO"], until="2026-12-21")
    assert days(until) == [D(2026, 12, 7), D(2026, 12, 14), D(2026, 12, 21)]


def test_dates_it_does_not_meet_and_the_period_it_is_valid() -> None:
    holidays = schedule(freq="weekly", byday=["WE"], not_on=["2026-12-23", "2026-12-30"])
    assert days(holidays, weeks=6) == [D(2026, 12, 2), D(2026, 12, 9), D(2026, 12, 16), D(2027, 1, 6)]
    season = schedule(freq="weekly", byday=["TU"], valid_from="2026-12-10", valid_to="2026-12-22")
    assert days(season) == [D(2026, 12, 15), D(2026, 12, 22)]
    over = schedule(freq="weekly", byday=["TU"], valid_to="2026-11-30")
    assert days(over) == []  # its dates have run out


def test_a_day_without_a_time_is_a_date_only() -> None:
    (first, *_) = occurrences(schedule(freq="weekly", byday=["SA"]), DEC_1)
    assert (first.starts.date(), first.timed, first.ends) == (D(2026, 12, 5), False, None)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"freq": "weekly"}, "byday"),
        ({"freq": "weekly", "byday": ["2TU"]}, "byday"),
        ({"freq": "weekly", "byday": ["TU"], "bymonthday": [3]}, "bymonthday"),
        ({"freq": "monthly"}, "byday"),
        ({"freq": "monthly", "byday": ["TU"]}, "byday"),
        ({"freq": "monthly", "byday": ["2TU"], "bymonthday": [3]}, "bymonthday"),
        ({"freq": "monthly", "bymonthday": [0]}, "bymonthday"),
        ({"freq": "weekly", "byday": ["TU"], "interval": 2}, "dtstart"),
        ({"freq": "weekly", "byday": ["TU"], "count": 8}, "dtstart"),
        ({"freq": "weekly", "byday": ["TU"], "dtstart": "2027-01-12", "count": 8, "until": "2027-03-01"}, "count"),
        ({"freq": "weekly", "byday": ["TU"], "closes_at": "21:00"}, "opens_at"),
        ({"freq": "weekly", "byday": ["TU"], "opens_at": "21:00", "closes_at": "19:00"}, "closes_at"),
        ({"freq": "weekly", "byday": ["TU"], "valid_from": "2027-01-01", "valid_to": "2026-12-01"}, "valid_to"),
        ({"freq": "weekly", "byday": ["TU"], "dtstart": "2027-01-01", "until": "2026-12-01"}, "until"),
    ],
)
def test_a_schedule_that_cannot_be_followed_says_which_field_and_why(fields: dict, field: str) -> None:
    found = problems(msgspec.convert(fields, Schedule))
    assert [p.field for p in found] == [field], found
    assert all(p.rule and p.why for p in found)


@pytest.mark.parametrize(
    "fields",
    [
        {"freq": "daily", "byday": ["TU"]},
        {"freq": "weekly", "byday": ["tuesday"]},
        {"freq": "monthly", "byday": ["6TU"]},
        {"freq": "weekly", "byday": ["TU"], "opens_at": "7:30"},
        {"freq": "weekly", "byday": ["TU"], "opens_at": "24:00"},
        {"freq": "weekly", "byday": ["TU"], "timezone": "Europe/Paris"},
        {"freq": "weekly", "byday": ["TU"], "interval": 0},
        {"freq": "weekly", "byday": ["TU"], "wkst": "MO"},
    ],
)
def test_values_outside_the_schedule_fields_are_refused_by_their_type(fields: dict) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(fields, Schedule)

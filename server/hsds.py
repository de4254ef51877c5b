"""Open Referral HSDS 3.0: Kring's listings as services (export, the /api/hsds/ records) and back (import).

HSDS 3.0 (openreferral.org, schema/compiled/service.json) describes a service with its organization, the
places it is offered at (service_at_locations, each with a location and its addresses), schedules,
languages, phones and cost options. The fields Kring uses are the Structs below; each says which HSDS object
it is. What HSDS has no field for (kind, led by, open or closed, registration, themes, audience, how the facts
were checked, the text in each language) are attributes with terms of Kring's taxonomy (TAXONOMY).

Ids are UUIDs, as HSDS asks: the same Kring id always gives the same UUID (uuid5 in Kring's namespace), so a
reader can follow a service from one export to the next. The Kring id itself is the attribute `kring_id`.

The mapping, both ways:
- listing → service: name, description (English, else the first language given; every language is also an
  attribute `description` with the term's `language`), url and email (contact), phones, status (active,
  temporarily closed, defunct), assured_date (last_checked), last_modified, languages, cost_options and
  fees_description.
- each place → a service_at_location with its location: `name` the town, latitude/longitude, the Kring place
  as external_identifier (type `kring-place`), an address when the street or postcode is known. The listing's
  own place has the attribute `listing_place`. An online meeting's location is `virtual`. A town written as
  its Kring place is named comes back as the place alone (HSDS has one name for both).
- each meeting → a schedule of the service, in order, linked to its service_at_location: freq (WEEKLY,
  MONTHLY), interval, byday ("2TU,4TU"), bymonthday, opens_at, closes_at, dtstart, until, count, valid_from,
  valid_to, notes; the dates it does not meet and a time zone other than the country's are attributes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any, Literal, get_args

import msgspec
from msgspec import Struct

from server import models
from server.places import country_of, place_named, point

VERSION = "3.0"
PROFILE = "https://docs.openreferral.org/en/3.0/"
NAMESPACE = uuid.UUID("6f7a3c2e-5a4b-4d8e-9c1f-2b6e8d0a4c71")  # Kring's; never change it: ids would change


def uid(kind: str, key: str) -> str:
    """The stable UUID of a Kring record (kind: service, organization, location, …; key: its Kring id)."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


# --- the HSDS 3.0 objects Kring reads and writes ---------------------------------------------------------
# Unknown fields are accepted (another system's export has more), missing optional ones are left out.


class Base(Struct, omit_defaults=True, kw_only=True):
    pass


class TaxonomyTerm(Base, kw_only=True):
    """taxonomy_term.json (required: id, name, description)."""

    id: str
    code: str | None = None
    name: str
    description: str
    taxonomy: str | None = None
    language: str | None = None


class Attribute(Base, kw_only=True):
    """attribute.json: a term of a taxonomy, with a value, linked to the object it is in."""

    id: str
    link_id: str | None = None
    link_type: str | None = None
    link_entity: str | None = None
    taxonomy_term_id: str | None = None
    taxonomy_term: TaxonomyTerm | None = None
    value: str | None = None


class Language(Base, kw_only=True):
    """language.json: a spoken language (ISO 639-1 `code`)."""

    id: str
    service_id: str | None = None
    name: str | None = None
    code: str | None = None


class Phone(Base, kw_only=True):
    """phone.json (required: id, number)."""

    id: str
    service_id: str | None = None
    number: str
    type: str | None = None


class Schedule(Base, kw_only=True):
    """schedule.json: iCalendar-like terms; freq is upper case, byday a comma-separated list."""

    id: str
    service_id: str | None = None
    location_id: str | None = None
    service_at_location_id: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    dtstart: str | None = None
    until: str | None = None
    count: int | None = None
    freq: str | None = None
    interval: int | None = None
    byday: str | None = None
    bymonthday: str | None = None
    opens_at: str | None = None
    closes_at: str | None = None
    description: str | None = None
    notes: str | None = None
    attributes: list[Attribute] = []


class Address(Base, kw_only=True):
    """address.json (required: id, address_1, city, state_province, postal_code, country, address_type)."""

    id: str
    location_id: str | None = None
    address_1: str
    city: str
    region: str | None = None
    state_province: str
    postal_code: str
    country: str
    address_type: Literal["physical", "postal", "virtual"]


class Accessibility(Base, kw_only=True):
    """accessibility.json: what a location offers, in words."""

    id: str
    location_id: str | None = None
    description: str | None = None
    details: str | None = None


class Location(Base, kw_only=True):
    """location.json (required: id, location_type)."""

    id: str
    location_type: Literal["physical", "postal", "virtual"]
    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    external_identifier: str | None = None
    external_identifier_type: str | None = None
    addresses: list[Address] = []
    accessibility: list[Accessibility] = []


class ServiceAtLocation(Base, kw_only=True):
    """service_at_location.json: a service offered at one location."""

    id: str
    service_id: str | None = None
    location_id: str | None = None
    location: Location | None = None
    schedules: list[Schedule] = []  # Kring writes the service's schedules; another system may put them here
    attributes: list[Attribute] = []


class CostOption(Base, kw_only=True):
    """cost_option.json: what taking part costs."""

    id: str
    service_id: str | None = None
    option: str | None = None
    amount: float | None = None
    currency: str | None = None
    amount_description: str | None = None


class Organization(Base, kw_only=True):
    """organization.json (required: id, name, description)."""

    id: str
    name: str
    description: str
    website: str | None = None
    email: str | None = None
    attributes: list[Attribute] = []


class Service(Base, kw_only=True):
    """service.json (required: id, name, status), with its nested objects as the compiled schema has them."""

    id: str
    organization_id: str | None = None
    name: str
    description: str | None = None
    url: str | None = None
    email: str | None = None
    status: Literal["active", "inactive", "defunct", "temporarily closed"]
    fees_description: str | None = None
    assured_date: str | None = None
    last_modified: str | None = None
    phones: list[Phone] = []
    schedules: list[Schedule] = []
    service_at_locations: list[ServiceAtLocation] = []
    languages: list[Language] = []
    organization: Organization | None = None
    cost_options: list[CostOption] = []
    attributes: list[Attribute] = []


class PageHeader(Base, kw_only=True):
    """The HSDS API's Page: the head of every list answer, whose records are in `contents`."""

    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool


class Page(PageHeader, kw_only=True):
    contents: list[Service] = []


class OrganizationPage(PageHeader, kw_only=True):
    contents: list[Organization] = []


class Root(Base, kw_only=True):
    """The HSDS API's `/`: its version, profile and OpenAPI document."""

    version: str
    profile: str
    openapi_url: str


# --- Kring's taxonomy: what HSDS has no field for ----------------------------------------------------------

TAXONOMY = "kring"
TAXONOMY_URI = "https://kring.example/taxonomy"  # a name, not a page: terms are described below
# code -> (name, description)
TERMS: dict[str, tuple[str, str]] = {
    "kring_id": ("Kring id", "The listing's or organization's stable id in Kring."),
    "kind": ("Kind", "support_group, talk_circle, group_therapy, workshop or orientation."),
    "theme": ("Theme", "What the group is about (one attribute per theme)."),
    "audience": ("Audience", "Who the group is for (one attribute per audience)."),
    "format": ("Format", "in_person, online or hybrid."),
    "led_by": ("Led by", "professional, peer (lived experience), volunteer or mixed."),
    "membership": ("Membership", "open (drop in) or closed (a fixed group)."),
    "registration": ("Registration", "none, required, or intake (a talk before you join)."),
    "cost": ("Cost", "free, contribution or paid."),
    "checked_by": ("Checked by", "organizer, moderator, or public_source (read on a public page)."),
    "source": ("Source", "Where the facts come from (a web page)."),
    "source_date": ("Source date", "The date the public page itself carries."),
    "description": ("Description", "The description in the term's language."),
    "cost_text": ("Cost in words", "What it costs, in the term's language."),
    "reimbursement": ("Reimbursement", "Reimbursement, in the term's language."),
    "accessibility": ("Accessibility", "wheelchair, hearing_loop, sign_language or interpreter: yes or no."),
    "accessibility_notes": ("Accessibility notes", "Accessibility, in the term's language."),
    "phone": ("Phone", "The listing's phone number as people write it."),
    "listing_place": ("Listing's own place", "This location is where the listing itself is."),
    "notes": ("Notes", "The schedule's notes in the term's language."),
    "not_on": ("Not on", "A date the meeting does not take place (one attribute per date)."),
    "timezone": ("Time zone", "The meeting's IANA time zone (Europe/Brussels or Europe/Amsterdam)."),
    "status": ("Status", "active, paused or ended."),
    "country": ("Country", "BE or NL."),
}
LANGS: tuple[str, ...] = get_args(get_args(models.Localized)[0])  # the languages a text may be in
STATUS = {"active": "active", "paused": "temporarily closed", "ended": "defunct"}
STATUS_BACK = {"active": "active", "temporarily closed": "paused", "defunct": "ended", "inactive": "ended"}
LANGUAGE_NAMES = {"nl": "Dutch", "fr": "French", "en": "English", "de": "German"}


def term(code: str, language: str | None = None) -> TaxonomyTerm:
    name, description = TERMS[code]
    key = f"{code}:{language}" if language else code
    return TaxonomyTerm(
        id=uid("term", key), code=code, name=name, description=description, taxonomy=TAXONOMY, language=language
    )


def taxonomy_terms() -> list[TaxonomyTerm]:
    terms = []
    for code in TERMS:
        localized = code in ("description", "cost_text", "reimbursement", "accessibility_notes", "notes")
        terms.extend(term(code, lang) for lang in LANGS) if localized else terms.append(term(code))
    return terms


_TERM_BY_ID: dict[str, TaxonomyTerm] = {t.id: t for t in taxonomy_terms()}


class _Attributes:
    """Builds the attributes of one object: each with a stable id, linked to the object."""

    def __init__(self, link_id: str, entity: str) -> None:
        self.link_id, self.entity, self.items = link_id, entity, []

    def add(self, code: str, value: str | None, language: str | None = None) -> None:
        if value is None or value == "":
            return
        t = term(code, language)
        self.items.append(
            Attribute(
                id=uid("attribute", f"{self.link_id}:{t.id}:{value}"),
                link_id=self.link_id,
                link_type=code,
                link_entity=self.entity,
                taxonomy_term_id=t.id,  # the term itself is in taxonomy_terms.json (and known to the importer)
                value=value,
            )
        )

    def texts(self, code: str, texts: dict[str, str]) -> None:
        for lang, text in texts.items():
            self.add(code, text, lang)


def _text(texts: dict[str, str]) -> str | None:
    """One text for HSDS's single field: English, else the first language given."""
    return texts.get("en") or next(iter(texts.values()), None)


# --- export ------------------------------------------------------------------------------------------------


def organization(org: models.Organization) -> Organization:
    oid = uid("organization", org.id)
    attrs = _Attributes(oid, "organization")
    attrs.add("kring_id", org.id)
    attrs.texts("description", org.description)
    attrs.add("checked_by", org.checked_by)
    attrs.add("source", org.source)
    attrs.add("source_date", org.source_date.isoformat() if org.source_date else None)
    return Organization(
        id=oid,
        name=org.name,
        description=_text(org.description) or "",
        website=org.website,
        attributes=attrs.items,
    )


def _place_key(place: models.Place | None) -> str:
    return msgspec.json.encode(place).decode() if place else "online"


def _location(
    key: str,
    place: models.Place | None,
    country: str,
    places: dict[str, models.KnownPlace],
    access: list[Accessibility],
) -> Location:
    lid = uid("location", key)
    if place is None:
        return Location(id=lid, location_type="virtual", name="Online")
    known = places.get(place.place_id or "")
    town = place.city or (known.name if known else None)
    lat, lon = point(place, known)
    addresses = []
    if place.address or place.postcode:
        addresses.append(
            Address(
                id=uid("address", key),
                location_id=lid,
                address_1=place.address or "",
                city=town or "",
                state_province="",  # not kept by Kring
                postal_code=place.postcode or "",
                country=country,
                address_type="physical",
            )
        )
    return Location(
        id=lid,
        location_type="physical",
        name=town,
        latitude=lat,
        longitude=lon,
        external_identifier=place.place_id,
        external_identifier_type="kring-place" if place.place_id else None,
        addresses=addresses,
        accessibility=[
            msgspec.structs.replace(a, id=uid("accessibility", f"{key}:{a.id}"), location_id=lid) for a in access
        ],
    )


def _schedule(meeting: models.Meeting, index: int, group: models.Group, sid: str, sal: ServiceAtLocation) -> Schedule:
    key = f"{group.id}:meeting:{index}"
    schedule_id = uid("schedule", key)
    attrs = _Attributes(schedule_id, "schedule")
    attrs.texts("notes", meeting.notes)
    for day in meeting.not_on:
        attrs.add("not_on", day.isoformat())
    attrs.add("timezone", meeting.timezone)  # HSDS's own timezone is a UTC offset, which summer time changes
    attrs.add("source", meeting.source)
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return Schedule(
        id=schedule_id,
        service_id=sid,
        location_id=sal.location_id,
        service_at_location_id=sal.id,
        freq=meeting.freq.upper() if meeting.freq else None,
        interval=meeting.interval if meeting.freq and meeting.interval != 1 else None,
        byday=",".join(meeting.byday) or None,
        bymonthday=",".join(map(str, meeting.bymonthday)) or None,
        opens_at=meeting.opens_at,
        closes_at=meeting.closes_at,
        dtstart=iso(meeting.dtstart),
        until=iso(meeting.until),
        count=meeting.count,
        valid_from=iso(meeting.valid_from),
        valid_to=iso(meeting.valid_to),
        notes=_text(meeting.notes),
        attributes=attrs.items,
    )


ACCESS: tuple[str, ...] = get_args(models.Access)


def service(
    group: models.Group,
    org: models.Organization | None,
    places: dict[str, models.KnownPlace],
    modified: str = "",
) -> Service:
    """One listing as an HSDS service, with every nested object."""
    sid = uid("service", group.id)
    attrs = _Attributes(sid, "service")
    attrs.add("kring_id", group.id)
    attrs.add("kind", group.kind)
    attrs.add("country", group.country)
    for theme in group.themes:
        attrs.add("theme", theme)
    for audience in group.audience:
        attrs.add("audience", audience)
    for name in ("format", "led_by", "membership", "registration", "cost", "checked_by", "status"):
        attrs.add(name, getattr(group, name))
    attrs.add("source", group.source)
    attrs.add("source_date", group.source_date.isoformat() if group.source_date else None)
    attrs.texts("description", group.description)
    attrs.texts("cost_text", group.cost_text)
    attrs.texts("reimbursement", group.reimbursement)
    access = group.accessibility
    facts = [(name, getattr(access, name)) for name in ACCESS if getattr(access, name) is not None]
    for name, value in facts:
        attrs.add("accessibility", f"{name}:{'yes' if value else 'no'}")
    attrs.texts("accessibility_notes", access.notes)
    attrs.add("phone", group.contact.phone)
    in_words = [
        Accessibility(id=name, description=f"{name.replace('_', ' ')}: {'yes' if value else 'no'}")
        for name, value in facts
    ]
    if access.notes:
        in_words.append(Accessibility(id="notes", details=_text(access.notes)))

    # One service_at_location per distinct place: the listing's own, then each meeting's, online last.
    sals: dict[str, ServiceAtLocation] = {}

    def at(place: models.Place | None, own: bool = False) -> ServiceAtLocation:
        # The listing's own place is one location; a meeting that names a place has its own, also the same one.
        key = f"{group.id}:{'own' if own else _place_key(place)}"
        if key not in sals:
            location = _location(key, place, group.country, places, in_words if place else [])
            sal_id = uid("service_at_location", key)
            sal_attrs = _Attributes(sal_id, "service_at_location")
            if own:
                sal_attrs.add("listing_place", "yes")
            sals[key] = ServiceAtLocation(
                id=sal_id, service_id=sid, location_id=location.id, location=location, attributes=sal_attrs.items
            )
        return sals[key]

    if group.place:
        at(group.place, own=True)
    schedules = []
    for i, meeting in enumerate(group.meetings):
        sal = at(None) if meeting.online else at(meeting.place) if meeting.place else at(group.place, own=True)
        schedules.append(_schedule(meeting, i, group, sid, sal))

    costs = []
    if group.cost or group.cost_text:
        costs.append(
            CostOption(
                id=uid("cost_option", group.id),
                service_id=sid,
                option=group.cost,
                amount=0.0 if group.cost == "free" else None,
                currency="EUR" if group.cost == "free" else None,
                amount_description=_text(group.cost_text),
            )
        )
    c = group.contact
    return Service(
        id=sid,
        organization_id=uid("organization", org.id) if org else None,
        name=group.name,
        description=_text(group.description),
        url=c.website,
        email=c.email,
        status=STATUS[group.status],
        fees_description=_text(group.cost_text),
        assured_date=group.last_checked.isoformat(),
        last_modified=modified or None,
        phones=[Phone(id=uid("phone", group.id), service_id=sid, number=c.phone)] if c.phone else [],
        schedules=schedules,
        service_at_locations=list(sals.values()),
        languages=[
            Language(id=uid("language", f"{group.id}:{code}"), service_id=sid, code=code, name=LANGUAGE_NAMES.get(code))
            for code in group.languages
        ],
        organization=organization(org) if org else None,
        cost_options=costs,
        attributes=attrs.items,
    )


def page(items: list[Any], number: int, per_page: int, total: int, shape: type = Page) -> Any:
    pages = max(1, -(-total // per_page))
    return shape(
        total_items=total,
        total_pages=pages,
        page_number=number,
        size=len(items),
        first_page=number == 1,
        last_page=number >= pages,
        empty=total == 0,
        contents=items,
    )


# --- import ------------------------------------------------------------------------------------------------


class Unusable(Exception):
    """A record Kring cannot use, and why (the import skips it and says so)."""


def _kring(attributes: Iterable[Attribute]) -> dict[str, list[tuple[str | None, str]]]:
    """Kring's attributes of an object: code -> [(language, value)]; other taxonomies' are left alone."""
    found: dict[str, list[tuple[str | None, str]]] = {}
    for a in attributes:
        t = a.taxonomy_term or _TERM_BY_ID.get(a.taxonomy_term_id or "")
        if t is None or t.taxonomy != TAXONOMY or not t.code or a.value is None:
            continue
        found.setdefault(t.code, []).append((t.language, a.value))
    return found


def _one(found: dict[str, list[tuple[str | None, str]]], code: str) -> str | None:
    values = found.get(code)
    return values[0][1] if values else None


def _many(found: dict[str, list[tuple[str | None, str]]], code: str) -> list[str]:
    return [v for _, v in found.get(code, [])]


def _texts(found: dict[str, list[tuple[str | None, str]]], code: str) -> dict[str, str]:
    return {lang: v for lang, v in found.get(code, []) if lang in LANGS}


def _place(location: Location, places: dict[str, models.KnownPlace]) -> tuple[dict[str, Any], str | None]:
    """A Kring place from an HSDS location, and the country its address names (None when it names none)."""
    place: dict[str, Any] = {}
    known = None
    if location.external_identifier_type == "kring-place" and location.external_identifier in places:
        known = places[location.external_identifier]
        place["place_id"] = known.id
    address = next((a for a in location.addresses if a.address_type == "physical"), None)
    country = None
    if address:
        country = country_of(address.country)
        if country is None:
            raise Unusable(f"the address is in {address.country!r}, not in Belgium or the Netherlands")
        if address.address_1:
            place["address"] = address.address_1
        if address.postal_code:
            place["postcode"] = address.postal_code
    town = (address.city if address and address.city else None) or location.name
    if town and not (known and town == known.name):
        place["city"] = town
    point = (location.latitude, location.longitude)
    # The Kring place's own centre says nothing more than the place: only other coordinates are kept.
    if None not in point and not (known and point == (known.lat, known.lon)):
        place["lat"], place["lon"] = point
    if "place_id" not in place and "city" in place and country:
        # A town Kring knows by that name in that country: "near" finds it.
        match = place_named(place["city"], country, places)
        if match:
            place["place_id"] = match
            del place["city"]  # the place's own name says nothing more
    return place, known.country if known else country


def _schedule_fields(schedule: Schedule, today: dt.date) -> dict[str, Any] | None:
    """A Kring meeting's schedule fields; None when the schedule has ended."""
    found = _kring(schedule.attributes)
    fields: dict[str, Any] = {}
    if schedule.freq:
        fields["freq"] = schedule.freq.lower()
    if schedule.interval not in (None, 1):
        fields["interval"] = schedule.interval
    if schedule.byday:
        fields["byday"] = [d.strip().upper() for d in schedule.byday.split(",") if d.strip()]
    if schedule.bymonthday:
        try:
            fields["bymonthday"] = [int(d) for d in schedule.bymonthday.split(",") if d.strip()]
        except ValueError:
            raise Unusable(
                f"schedule {schedule.id}: bymonthday {schedule.bymonthday!r} is not a list of days"
            ) from None
    for name in ("opens_at", "closes_at"):
        value = getattr(schedule, name)
        if value:
            fields[name] = value[:5] if len(value) == 8 and value[5:] == ":00" else value
    for name in ("dtstart", "until", "valid_from", "valid_to"):
        value = getattr(schedule, name)
        if value:
            fields[name] = value[:10]
    if schedule.count is not None:
        fields["count"] = schedule.count
    for name in ("until", "valid_to"):
        if name in fields:
            try:
                ended = dt.date.fromisoformat(fields[name]) < today
            except ValueError:
                raise Unusable(f"schedule {schedule.id}: {name} {fields[name]!r} is not a date") from None
            if ended:
                return None
    notes = _texts(found, "notes") or ({"en": schedule.notes} if schedule.notes else {})
    if notes:
        fields["notes"] = notes
    if not_on := _many(found, "not_on"):
        fields["not_on"] = not_on
    if timezone := _one(found, "timezone"):
        fields["timezone"] = timezone
    if source := _one(found, "source"):
        fields["source"] = source
    return fields


class Mapped(msgspec.Struct, kw_only=True):
    """An HSDS service as Kring's fields (not yet checked), and what the import should say about it."""

    fields: dict[str, Any]
    organization: dict[str, Any] | None
    notes: list[str] = []  # what was left out, e.g. "schedule 2: ended"


def to_group(
    svc: Service,
    places: dict[str, models.KnownPlace],
    today: dt.date,
    kind: str | None = None,
) -> Mapped:
    """An HSDS service as the fields of a Kring listing; Unusable when Kring cannot use it."""
    found = _kring(svc.attributes)
    notes: list[str] = []
    fields: dict[str, Any] = {"name": svc.name}
    if kring_id := _one(found, "kring_id"):
        fields["id"] = kring_id
    fields["kind"] = _one(found, "kind") or kind
    if not fields["kind"]:
        raise Unusable("no kind (a Kring attribute `kind`); say which with --kind")
    for code, name in (("theme", "themes"), ("audience", "audience")):
        if values := _many(found, code):
            fields[name] = values
    for name in ("format", "led_by", "membership", "registration", "cost"):
        if value := _one(found, name):
            fields[name] = value
    fields["status"] = _one(found, "status") or STATUS_BACK.get(svc.status, "active")
    if svc.status in ("defunct", "inactive") and not _one(found, "status"):
        # Kring's own export says "ended" when a person saw that the group stopped; another system's defunct
        # service is one Kring has no use for.
        raise Unusable(f"the service's status is {svc.status!r}")
    description = _texts(found, "description")
    if not description and svc.description:
        language = next((lang.code for lang in svc.languages if lang.code in ("nl", "fr", "en")), "en")
        description = {language: svc.description}
    if description:
        fields["description"] = description
    for code in ("cost_text", "reimbursement"):
        if texts := _texts(found, code):
            fields[code] = texts
    if "cost_text" not in fields and svc.fees_description:
        fields["cost_text"] = {"en": svc.fees_description}
    if "cost" not in fields:
        for option in svc.cost_options:
            if option.option in ("free", "contribution", "paid"):
                fields["cost"] = option.option
            elif option.amount == 0:
                fields["cost"] = "free"
    access: dict[str, Any] = {}
    for value in _many(found, "accessibility"):
        name, _, yes = value.partition(":")
        access[name] = yes == "yes"
    if access_notes := _texts(found, "accessibility_notes"):
        access["notes"] = access_notes
    if access:
        fields["accessibility"] = access
    contact = {k: v for k, v in (("website", svc.url), ("email", svc.email)) if v}
    phone = _one(found, "phone") or next((p.number for p in svc.phones), None)
    if phone:
        contact["phone"] = phone
    if contact:
        fields["contact"] = contact
    languages = [lang.code for lang in svc.languages if lang.code]
    if languages:
        fields["languages"] = list(dict.fromkeys(languages))

    # Places: the service_at_locations; the one marked listing_place (or, from another system, the only
    # physical one) is the listing's place; meetings are the schedules, each at its service_at_location.
    countries: set[str] = set()
    by_sal: dict[str, tuple[dict[str, Any] | None, bool]] = {}
    for sal in svc.service_at_locations:
        location = sal.location
        if location is None:
            continue
        own = _one(_kring(sal.attributes), "listing_place") == "yes"
        if location.location_type == "virtual":
            by_sal[sal.id] = (None, own)
            continue
        place, country = _place(location, places)
        if country:
            countries.add(country)
        by_sal[sal.id] = (place, own)
    physical = [p for p, _ in by_sal.values() if p is not None]
    own_place = next((p for p, own in by_sal.values() if own and p is not None), None)
    if own_place is None and len(physical) == 1 and not found:
        own_place = physical[0]
    if own_place:
        fields["place"] = own_place
    meetings = []
    nested = [(s, sal.id) for sal in svc.service_at_locations for s in sal.schedules]
    for i, (schedule, sal_id) in enumerate([*((s, s.service_at_location_id) for s in svc.schedules), *nested]):
        meeting = _schedule_fields(schedule, today)
        if meeting is None:
            notes.append(f"schedule {i + 1} left out: it has ended")
            continue
        if sal_id in by_sal and by_sal[sal_id][0] is None:
            meeting["online"] = True
        elif sal_id in by_sal and not by_sal[sal_id][1] and by_sal[sal_id][0] is not own_place:
            meeting["place"] = by_sal[sal_id][0]  # a place of its own, not the listing's
        meetings.append(meeting)
    if (svc.schedules or nested) and not meetings:
        raise Unusable("every schedule has ended")
    if meetings:
        fields["meetings"] = meetings
    if "format" not in fields and by_sal and not found:  # another system's service: say what its places show
        online = any(p is None for p, _ in by_sal.values())
        fields["format"] = "hybrid" if online and physical else "online" if online else "in_person"
    country = _one(found, "country")
    if not countries and country is None:
        raise Unusable("no address in Belgium or the Netherlands says where it is")
    if len(countries) > 1:
        raise Unusable("its places are in both Belgium and the Netherlands; Kring lists each country's apart")
    fields["country"] = country or countries.pop()
    for meeting in meetings:
        meeting.setdefault("timezone", models.TIMEZONE[fields["country"]])
    if svc.assured_date:  # the feed's own date: when its publisher last checked the service
        fields["_assured_date"] = svc.assured_date[:10]
    org = None
    if svc.organization:
        o = svc.organization
        ofound = _kring(o.attributes)
        org = {
            "id": _one(ofound, "kring_id"),
            "name": o.name,
            "website": o.website,
            "description": _texts(ofound, "description") or ({"en": o.description} if o.description else {}),
        }
    return Mapped(fields=fields, organization=org, notes=notes)


# --- the export's files -------------------------------------------------------------------------------------


class Taxonomy(Base, kw_only=True):
    """taxonomy.json (required: id, name, description)."""

    id: str
    name: str
    description: str
    uri: str | None = None
    version: str | None = None


def taxonomy() -> Taxonomy:
    return Taxonomy(
        id=uid("taxonomy", TAXONOMY),
        name="Kring",
        description="What Kring says of a group that HSDS has no field for: its kind, who leads it, whether it is "
        "open, how to join, its themes and audience, and how its facts were checked.",
        version="1",
    )


def export(snapshot: Any) -> dict[str, list[Any]]:
    """Every listing and organization of a catalog snapshot: the nested services (as the HSDS API gives them), and
    the same records one file per kind, as HSDS's tables are."""
    items = sorted(snapshot.by_id.values(), key=lambda i: i.group.id)
    services = [service(i.group, i.organization, snapshot.places, i.modified) for i in items]
    orgs = [organization(o) for o in sorted(snapshot.organizations.values(), key=lambda o: o.id)]
    files: dict[str, list[Any]] = {"services": services, "organizations": orgs}
    flat: dict[str, list[Any]] = {name: [] for name in (
        "locations", "service_at_locations", "schedules", "languages", "phones", "contacts", "cost_options",
        "accessibility", "attributes")}  # fmt: skip
    for s in services:
        flat["schedules"].extend(msgspec.structs.replace(x, attributes=[]) for x in s.schedules)
        flat["languages"].extend(s.languages)
        flat["phones"].extend(s.phones)
        flat["cost_options"].extend(s.cost_options)
        flat["attributes"].extend(s.attributes)
        for x in s.schedules:
            flat["attributes"].extend(x.attributes)
        for sal in s.service_at_locations:
            flat["service_at_locations"].append(msgspec.structs.replace(sal, location=None, attributes=[]))
            flat["attributes"].extend(sal.attributes)
            if sal.location and all(loc.id != sal.location.id for loc in flat["locations"]):
                flat["locations"].append(msgspec.structs.replace(sal.location, accessibility=[]))
                flat["accessibility"].extend(sal.location.accessibility)
    for o in orgs:
        flat["attributes"].extend(o.attributes)
    files.update(flat)
    files["taxonomies"] = [taxonomy()]
    files["taxonomy_terms"] = taxonomy_terms()
    return files

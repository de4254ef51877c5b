"""Moderation: the queue of submissions and reports, and the decisions on them, each with its audit entry.

Every function takes a synchronous `sqlite3.Connection` and begins or commits nothing: the queries are fns for
Database.read, the decisions fns for Database.write (server/db.py), which runs each as one transaction on
the writer. So a decision, its audit entry and the new data version are written together, and a crash (or a
Gone halfway) leaves either all of it or none of it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any, Literal

import msgspec
from msgspec import Struct

from server import forms, inbox, listings, models, search
from server.forms import GroupSubmission
from server.places import place_named

_GROUP = msgspec.json.Decoder(models.Group)
_ENCODER = msgspec.json.Encoder()
LANGS = ("nl", "fr", "en", "de")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def audit(conn: sqlite3.Connection, moderator: str, action: str, target: str, details: str = "") -> None:
    conn.execute(
        "INSERT INTO audit (at, moderator, action, target, details) VALUES (?, ?, ?, ?, ?)",
        (iso(now()), moderator, action, target, details[:2000]),
    )


# --- the queue --------------------------------------------------------------------------------


class Submission(Struct, kw_only=True):
    id: int
    received: str
    lang: str
    status: str
    group: GroupSubmission
    reason: str = ""
    listing_id: str = ""
    decided_by: str = ""
    said_when: str = ""  # sent with the first form: how often and when it meets, in the organizer's words


class Report(Struct, kw_only=True):
    id: int
    received: str
    listing_id: str
    reason: str
    details: str
    status: str


class Entry(Struct, kw_only=True):
    at: str
    moderator: str
    action: str
    target: str
    details: str


def _submission(row: tuple[Any, ...]) -> Submission:
    id_, received, lang, status, shape, doc, reason, listing_id, decided_by = row
    group, said_when = inbox.read(shape, doc)
    return Submission(
        id=id_,
        received=received,
        lang=lang,
        status=status,
        group=group,
        reason=reason,
        listing_id=listing_id,
        decided_by=decided_by,
        said_when=said_when,
    )


_SUBMISSION_COLUMNS = "id, received, lang, status, shape, doc, reason, listing_id, decided_by"


def pending_submissions(conn: sqlite3.Connection) -> list[Submission]:
    rows = conn.execute(f"SELECT {_SUBMISSION_COLUMNS} FROM submission WHERE status = 'pending' ORDER BY id")
    return [_submission(row) for row in rows]


def get_submission(conn: sqlite3.Connection, submission_id: int) -> Submission | None:
    row = conn.execute(f"SELECT {_SUBMISSION_COLUMNS} FROM submission WHERE id = ?", (submission_id,)).fetchone()
    return _submission(row) if row else None


def pending_reports(conn: sqlite3.Connection, listing_id: str | None = None) -> list[Report]:
    sql = "SELECT id, received, listing_id, reason, details, status FROM report WHERE status = 'pending'"
    args: tuple[str, ...] = ()
    if listing_id is not None:
        sql += " AND listing_id = ?"
        args = (listing_id,)
    return [
        Report(id=r[0], received=r[1], listing_id=r[2], reason=r[3], details=r[4], status=r[5])
        for r in conn.execute(sql + " ORDER BY id", args)
    ]


def audit_log(conn: sqlite3.Connection, limit: int = 200) -> list[Entry]:
    rows = conn.execute("SELECT at, moderator, action, target, details FROM audit ORDER BY id DESC LIMIT ?", (limit,))
    return [Entry(at=r[0], moderator=r[1], action=r[2], target=r[3], details=r[4]) for r in rows]


def all_listings(conn: sqlite3.Connection) -> list[tuple[models.Group, str]]:
    """Every listing with its origin, the longest unchecked first: what needs a look comes first."""
    rows = conn.execute("SELECT doc, origin FROM listing ORDER BY last_checked, id")
    return [(_GROUP.decode(doc), origin) for doc, origin in rows]


def get_listing(conn: sqlite3.Connection, listing_id: str) -> tuple[models.Group, str] | None:
    row = conn.execute("SELECT doc, origin FROM listing WHERE id = ?", (listing_id,)).fetchone()
    return (_GROUP.decode(row[0]), row[1]) if row else None


class Changes(Struct, frozen=True, kw_only=True):
    """What the moderator's form adds to the organizer's fields."""

    description_lang: Literal["nl", "fr", "en", "de"]
    source: str
    place_id: str | None = None
    status: models.Status = "active"


def _localized(old: dict[str, str], lang: str, text: str) -> dict[str, str]:
    """Replace one language's text, keeping the others (the form edits one language at a time)."""
    out = {k: v for k, v in old.items() if k != lang}
    if text:
        out[lang] = text
    return out


def _organization(conn: sqlite3.Connection, name: str, country: str, today: dt.date, moderator: str) -> str | None:
    """The id of the organization called `name` (any spelling of case and accents), created when new."""
    if not name:
        return None
    wanted = search.normalise(name).strip()
    for org_id, org_name in conn.execute("SELECT id, name FROM organization"):
        if search.normalise(org_name).strip() == wanted:
            return str(org_id)
    org_id = listings.free_id(conn, "organization", listings.slug(name))
    org = models.Organization(
        id=org_id,
        name=name,
        country=country,
        source="Kring's form for organizers",
        checked_by="organizer",
        last_checked=today,
    )
    conn.execute(
        "INSERT INTO organization (id, name, doc, origin) VALUES (?, ?, ?, 'moderated')",
        (org.id, org.name, _ENCODER.encode(org)),
    )
    audit(conn, moderator, "organization_created", org.id, org.name)
    return org_id


def to_group(
    conn: sqlite3.Connection,
    form: GroupSubmission,
    changes: Changes,
    *,
    group_id: str,
    old: models.Group | None,
    places: dict[str, models.KnownPlace],
    today: dt.date,
    moderator: str,
) -> models.Group:
    """The listing a moderator's form describes; what the form does not show is kept from `old`.

    A new or changed meeting in a town of its own gets the Kring place guessed from the town's name, as the
    listing does on approval, so that "near" finds it there too.
    """
    lang = changes.description_lang
    place = None
    if form.city or form.address or form.postcode or changes.place_id:
        kept = old.place if old and old.place else models.Place()
        place = models.Place(
            address=form.address or None,
            postcode=form.postcode,
            city=form.city or None,
            place_id=changes.place_id,
            lat=kept.lat,
            lon=kept.lon,
        )
    meetings = []
    for meeting in form.meetings:
        if meeting.place and not meeting.place.place_id and (old is None or meeting not in old.meetings):
            place_id = guess_place(meeting.place.city or "", form.country, places)
            meeting = msgspec.structs.replace(meeting, place=msgspec.structs.replace(meeting.place, place_id=place_id))
        meetings.append(meeting)
    values: dict[str, Any] = msgspec.structs.asdict(old) if old else {}
    values.update(
        id=group_id,
        name=form.name,
        organization=_organization(conn, form.organization, form.country, today, moderator),
        kind=form.kind,
        country=form.country,
        themes=form.themes,
        audience=form.audience,
        format=form.format,
        place=place,
        languages=form.languages,
        led_by=form.led_by,
        membership=form.membership,
        registration=form.registration,
        cost=form.cost,
        cost_text=_localized(old.cost_text if old else {}, lang, form.cost_text),
        meetings=meetings,
        contact=models.Contact(website=form.website, email=form.email, phone=form.phone),
        description=_localized(old.description if old else {}, lang, form.description),
        source=changes.source,
        # A new listing is what its organizer stated; a moderator's edit does not change who checked the facts.
        checked_by=old.checked_by if old else "organizer",
        last_checked=old.last_checked if old else today,
        status=changes.status,
    )
    # Through msgspec once more, so that a listing made here obeys exactly the rules of the data files.
    return msgspec.convert(values, models.Group)


def form_values(group: models.Group, organization_name: str, lang: str) -> dict[str, Any]:
    """A listing as the moderator's form shows it, with the texts of one language."""
    place = group.place or models.Place()
    return {
        "name": group.name,
        "organization": organization_name,
        "kind": group.kind,
        "description": group.description.get(lang, ""),
        "themes": list(group.themes),
        "audience": list(group.audience),
        "country": group.country,
        "format": group.format or "",
        "city": place.city or "",
        "postcode": place.postcode or "",
        "address": place.address or "",
        "place_id": place.place_id or "",
        "languages": list(group.languages),
        "led_by": group.led_by or "",
        "membership": group.membership or "",
        "registration": group.registration or "",
        "cost": group.cost or "",
        "cost_text": group.cost_text.get(lang, ""),
        "website": group.contact.website or "",
        "email": group.contact.email or "",
        "phone": group.contact.phone or "",
        "source": group.source,
        "status": group.status,
        "description_lang": lang,
        **forms.meeting_values(group.meetings),
    }


def submission_values(sub: Submission, places: dict[str, models.KnownPlace]) -> dict[str, Any]:
    """A submission as the moderator's form shows it, with a Kring place guessed from the town's name."""
    values: dict[str, Any] = msgspec.structs.asdict(sub.group)
    values = {k: ("" if v is None else v) for k, v in values.items()}
    values["description_lang"] = sub.lang
    values["source"] = f"Sent by the organizer through Kring's form on {sub.received[:10]}"
    values["status"] = "active"
    values["place_id"] = guess_place(sub.group.city, sub.group.country, places) or ""
    values.update(forms.meeting_values(sub.group.meetings))
    return values


def guess_place(city: str, country: str, places: dict[str, models.KnownPlace]) -> str | None:
    return place_named(city, country, places)


class Gone(Exception):
    """The submission, listing or report was decided or removed meanwhile (by another moderator, say)."""


def _still_pending(conn: sqlite3.Connection, submission_id: int) -> None:
    row = conn.execute("SELECT status FROM submission WHERE id = ?", (submission_id,)).fetchone()
    if row is None or row[0] != "pending":
        raise Gone


def approve(
    conn: sqlite3.Connection,
    moderator: str,
    submission_id: int,
    form: GroupSubmission,
    changes: Changes,
    places: dict[str, models.KnownPlace],
    today: dt.date,
) -> str:
    """The group goes live, checked today. Returns its id.

    One write: the listing, its full-text words, the submission's status, the audit entry, the data version.
    """
    _still_pending(conn, submission_id)
    group_id = listings.free_id(conn, "listing", listings.slug(form.name))
    group = to_group(conn, form, changes, group_id=group_id, old=None, places=places, today=today, moderator=moderator)
    listings.write(conn, group, "submitted", places)
    conn.execute(
        "UPDATE submission SET status = 'approved', decided = ?, decided_by = ?, listing_id = ? WHERE id = ?",
        (iso(now()), moderator, group_id, submission_id),
    )
    audit(conn, moderator, "approve", f"submission {submission_id}", f"listing {group_id}")
    listings.refresh_version(conn)
    return group_id


def reject(conn: sqlite3.Connection, moderator: str, submission_id: int, reason: str) -> None:
    _still_pending(conn, submission_id)
    conn.execute(
        "UPDATE submission SET status = 'rejected', decided = ?, decided_by = ?, reason = ? WHERE id = ?",
        (iso(now()), moderator, reason, submission_id),
    )
    audit(conn, moderator, "reject", f"submission {submission_id}", reason)


def edit(
    conn: sqlite3.Connection,
    moderator: str,
    listing_id: str,
    form: GroupSubmission,
    changes: Changes,
    places: dict[str, models.KnownPlace],
    today: dt.date,
) -> None:
    """Save a moderator's changes. A listing from data/ is then the moderator's: `kring load` keeps it."""
    found = get_listing(conn, listing_id)
    if found is None:
        raise Gone
    old, origin = found
    group = to_group(conn, form, changes, group_id=listing_id, old=old, places=places, today=today, moderator=moderator)
    changed = [f for f in models.Group.__struct_fields__ if getattr(group, f) != getattr(old, f)]
    if not changed:  # a save without a change leaves a listing from data/ to the data files
        return
    # Then the listing is the moderator's: `kring load` and `kring import` keep it as it is now.
    listings.write(conn, group, "moderated" if origin in ("data", "imported") else origin, places)
    audit(conn, moderator, "edit", f"listing {listing_id}", ", ".join(changed))
    listings.refresh_version(conn)


def mark_checked(
    conn: sqlite3.Connection, moderator: str, listing_id: str, places: dict[str, models.KnownPlace], today: dt.date
) -> None:
    """The moderator confirmed the listing with its organizer today."""
    found = get_listing(conn, listing_id)
    if found is None:
        raise Gone
    old, origin = found
    checked = msgspec.structs.replace(old, checked_by="moderator", last_checked=today, source_date=None)
    # `kring load` keeps a later check of a listing from data/; an import would not, so it is the moderator's.
    listings.write(conn, checked, "moderated" if origin == "imported" else origin, places)
    audit(conn, moderator, "check", f"listing {listing_id}", f"checked on {today.isoformat()}")
    listings.refresh_version(conn)


def close_report(conn: sqlite3.Connection, moderator: str, report_id: int, note: str) -> None:
    row = conn.execute("SELECT status, listing_id FROM report WHERE id = ?", (report_id,)).fetchone()
    if row is None or row[0] != "pending":
        raise Gone
    conn.execute(
        "UPDATE report SET status = 'done', decided = ?, decided_by = ? WHERE id = ?",
        (iso(now()), moderator, report_id),
    )
    audit(conn, moderator, "close_report", f"report {report_id}", f"listing {row[1]}" + (f": {note}" if note else ""))

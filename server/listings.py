"""Writing listings, which the loader, moderation and imports share: ids, the row, its full-text words, the data
version."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from typing import Literal

import msgspec

from server import models, search

_ENCODER = msgspec.json.Encoder()


def data_version(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    return row[0] if row else ""


def listing_words(group: models.Group, organization_name: str | None, places: dict[str, models.KnownPlace]) -> str:
    """The listing's own words for full text: name, organization and place names (search.py rules)."""
    texts = [group.name, organization_name or ""]
    if group.place:
        texts.append(group.place.city or "")
        if group.place.place_id and group.place.place_id in places:
            known = places[group.place.place_id]
            texts.extend([known.name, *known.names.values()])
    return " ".join(dict.fromkeys(w for text in texts for w in search.words(text)))


def index_words(
    conn: sqlite3.Connection,
    rowid: int,
    group: models.Group,
    organization_name: str | None,
    places: dict[str, models.KnownPlace],
) -> None:
    """(Re)write a listing's words in the full-text index (the loader and moderators both change listings)."""
    conn.execute("DELETE FROM listing_words WHERE rowid = ?", (rowid,))
    conn.execute(
        "INSERT INTO listing_words (rowid, words) VALUES (?, ?)",
        (rowid, listing_words(group, organization_name, places)),
    )


def slug(text: str, empty: str = "group") -> str:
    """An id made of a name's words: "Praatgroep Gent" -> praatgroep-gent."""
    return "-".join(search.words(text))[:60].strip("-") or empty


def free_id(conn: sqlite3.Connection, table: Literal["listing", "organization"], base: str) -> str:
    """`base`, or `base-2`, `base-3`, … : the first id not taken in the table."""
    candidate, n = base, 1
    while conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (candidate,)).fetchone():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def now() -> str:
    """The time a listing changes, as HSDS's last_modified and the API's modified_after write it (UTC)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# A listing's `modified` moves only when its record changes: loading the same files again changes nothing. A
# write without a feed (a moderator's) keeps the feed an imported listing came from, so that the next import of
# that feed finds it, and leaves it alone.
UPSERT = """INSERT INTO listing (id, status, origin, last_checked, doc, modified, feed, feed_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, origin = excluded.origin,
              last_checked = excluded.last_checked, doc = excluded.doc,
              feed = CASE WHEN excluded.feed = '' THEN listing.feed ELSE excluded.feed END,
              feed_id = CASE WHEN excluded.feed = '' THEN listing.feed_id ELSE excluded.feed_id END,
              modified = CASE WHEN listing.doc = excluded.doc THEN listing.modified ELSE excluded.modified END"""


def write(
    conn: sqlite3.Connection,
    group: models.Group,
    origin: str,
    places: dict[str, models.KnownPlace],
    feed: tuple[str, str] = ("", ""),
) -> None:
    """Write one listing (a moderator's change, an import's record); `feed` is (the feed, its id there)."""
    org_name = None
    if group.organization:
        row = conn.execute("SELECT name FROM organization WHERE id = ?", (group.organization,)).fetchone()
        org_name = row[0] if row else None
    doc = _ENCODER.encode(group)
    row = (group.id, group.status, origin, group.last_checked.isoformat(), doc, now(), *feed)
    rowid = conn.execute(UPSERT + " RETURNING rowid", row).fetchone()[0]
    index_words(conn, rowid, group, org_name, places)


def refresh_version(conn: sqlite3.Connection) -> str:
    """Set the data version from the content (inside the caller's transaction); servers rebuild on a change."""
    version = _content_version(conn)
    # The date visitors see offline ("data from <date>") moves only when the data changes.
    on_conflict = "UPDATE SET value = excluded.value" if version != data_version(conn) else "NOTHING"
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('data_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (version,),
    )
    conn.execute(
        f"INSERT INTO meta (key, value) VALUES ('data_date', ?) ON CONFLICT (key) DO {on_conflict}",
        (search.today().isoformat(),),
    )
    return version


def _content_version(conn: sqlite3.Connection) -> str:
    """A short hash of everything a visitor can see, so that equal data gives an equal version."""
    digest = hashlib.sha256()
    for table in ("organization", "crisis_line", "listing", "guide"):
        key = "slug, lang" if table == "guide" else "id"
        for (doc,) in conn.execute(f"SELECT doc FROM {table} ORDER BY {key}"):
            digest.update(doc)
    for row in conn.execute("SELECT id, lat, lon, names FROM place ORDER BY id"):
        digest.update(repr(row).encode())
    return digest.hexdigest()[:16]

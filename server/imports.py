"""`kring import hsds|meeting-guide PATH_OR_URL`: records from another directory, checked like data/, in one go.

Each record is decoded into msgspec Structs (server/hsds.py, server/meeting_guide.py), mapped onto Kring's
model and checked with the loader's rules. What Kring cannot use is skipped, with its reason. Everything is
written in one transaction (with `stop_at_first_error`, nothing at all when one record is skipped). Importing
the same feed again updates its listings: they are known by (feed, id in the feed). An imported listing was
read on a public page (checked_by public_source, with the feed's own date), and an import never writes over a
listing that a person curated: one from data/, approved from the form, or edited by a moderator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import msgspec

from server import hsds, listings, loader, meeting_guide, models, search

MAX_BYTES = 20 * 1024 * 1024  # a feed of 50,000 meetings is about 25 MB; Kring's own catalog is 0.5 MB
TIMEOUT = 20.0  # seconds, per request
MAX_PAGES = 500  # of an HSDS API: at 50 a page, 25,000 services
Format = Literal["hsds", "meeting-guide"]


class FeedError(Exception):
    """The feed as a whole cannot be read: nothing is changed."""


# --- reading a feed -----------------------------------------------------------------------------------------


def _get(client: httpx.Client, url: str) -> bytes:
    if urlsplit(url).scheme != "https":
        raise FeedError(f"{url}: only https:// addresses are fetched")
    try:
        with client.stream("GET", url, headers={"Accept": "application/json"}) as response:
            if response.url.scheme != "https":
                raise FeedError(f"{url}: redirected to {response.url}, which is not https")
            if response.status_code != 200:
                raise FeedError(f"{url}: the server answered {response.status_code}, not 200")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > MAX_BYTES:
                raise FeedError(f"{url}: {int(declared):,} bytes is more than the limit of {MAX_BYTES:,}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > MAX_BYTES:
                    raise FeedError(f"{url}: more than the limit of {MAX_BYTES:,} bytes")
            return bytes(body)
    except httpx.TimeoutException:
        raise FeedError(f"{url}: no answer within {TIMEOUT:.0f} seconds") from None
    except httpx.HTTPError as exc:
        raise FeedError(f"{url}: could not be fetched ({exc})") from None


def _read_file(path: Path) -> bytes:
    if not path.is_file():
        raise FeedError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise FeedError(f"{path}: {size:,} bytes is more than the limit of {MAX_BYTES:,}")
    return path.read_bytes()


def parse(body: bytes, where: str) -> Any:
    """The JSON of a feed, or FeedError saying what it is instead."""
    body = body.removeprefix(b"\xef\xbb\xbf")  # a byte order mark, which some editors write
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FeedError(f"{where}: not UTF-8 text (byte {exc.start}); JSON feeds are UTF-8") from None
    start = text.lstrip()[:1]
    if start == "<":
        raise FeedError(f"{where}: this is HTML or XML, not JSON (is it a web page rather than the feed?)")
    if not start:
        raise FeedError(f"{where}: empty")
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise FeedError(f"{where}: not valid JSON ({exc})") from None


def records(location: str, fmt: Format, transport: httpx.BaseTransport | None = None) -> Iterator[tuple[str, Any]]:
    """(where, record) for every record of the feed: a file, a URL, or an HSDS API's base URL (all its pages).

    HSDS: one service, a page of them ({"contents": […]}), a list, or the API's root ({"version": …}), whose
    /services pages are followed. Meeting Guide: a list of meetings.
    """
    remote = location.startswith(("https://", "http://"))
    client = httpx.Client(timeout=TIMEOUT, follow_redirects=True, transport=transport) if remote else None
    try:
        body = _get(client, location) if client else _read_file(Path(location))
        data = parse(body, location)
        if fmt == "meeting-guide":
            if not isinstance(data, list):
                raise FeedError(f"{location}: a Meeting Guide feed is a JSON array of meetings, not {_kind(data)}")
            for i, item in enumerate(data):
                yield f"[{i}]", item
            return
        if isinstance(data, dict) and "version" in data and "contents" not in data and "name" not in data:
            if client is None:
                raise FeedError(f"{location}: this is an HSDS API's root; give its https:// address to follow it")
            yield from _api_pages(client, location.rstrip("/"))
            return
        if isinstance(data, dict) and "contents" in data:
            items = data["contents"]
            if not isinstance(items, list):
                raise FeedError(f"{location}: `contents` is {_kind(items)}, not a list of services")
        elif isinstance(data, dict):
            items = [data]
        elif isinstance(data, list):
            items = data
        else:
            raise FeedError(f"{location}: an HSDS feed is a service, a page or a list, not {_kind(data)}")
        for i, item in enumerate(items):
            yield f"[{i}]", item
    finally:
        if client:
            client.close()


def _api_pages(client: httpx.Client, base: str) -> Iterator[tuple[str, Any]]:
    for number in range(1, MAX_PAGES + 1):
        url = f"{base}/services?page={number}&full=true"
        page = parse(_get(client, url), url)
        if not isinstance(page, dict) or not isinstance(page.get("contents"), list):
            raise FeedError(f"{url}: not an HSDS page (an object with `contents`)")
        for i, item in enumerate(page["contents"]):
            yield f"page {number} [{i}]", item
        if page.get("last_page", True) or not page["contents"] or number >= int(page.get("total_pages") or 1):
            return
    raise FeedError(f"{base}: more than {MAX_PAGES} pages")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), "null" if value is None else "a value of another type"
    )


# --- checking and writing -------------------------------------------------------------------------------------


@dataclass
class Line:
    """What the import says about one record."""

    action: Literal["added", "updated", "unchanged", "skipped"]
    record: str  # its place in the feed and its id there
    listing: str = ""  # Kring's id
    why: str = ""

    def __str__(self) -> str:
        what = f"{self.action} {self.record}"
        if self.listing:
            what += f" as {self.listing}"
        return f"{what}: {self.why}" if self.why else what


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)
    written: bool = False

    def count(self, action: str) -> int:
        return sum(line.action == action for line in self.lines)


class Stopped(Exception):
    """Raised inside the transaction at the first skipped record, when asked to stop: nothing is written."""


def _why(exc: msgspec.ValidationError) -> str:
    """msgspec's message about a mapped record, in the loader's words (`field: what`)."""
    _where, named, detail = loader.explain(exc)
    return f"{loader.field_name(['', *named]) if named else 'record'}: {detail}"


def _new_id(conn: sqlite3.Connection, name: str, feed: str, feed_id: str) -> str:
    """The name's words and a short hash of where it came from: the same name in two feeds gives two ids."""
    digest = hashlib.sha256(f"{feed}\n{feed_id}".encode()).hexdigest()[:6]
    return listings.free_id(conn, "listing", f"{listings.slug(name)}-{digest}")


def _organization(
    conn: sqlite3.Connection, org: dict[str, Any] | None, country: str, source: str, today: dt.date
) -> tuple[str | None, models.Organization | None]:
    """The Kring organization of an imported service: one Kring has (same id or name), or a new one."""
    if not org or not org.get("name"):
        return None, None
    if org.get("id"):
        row = conn.execute("SELECT id FROM organization WHERE id = ?", (org["id"],)).fetchone()
        if row:
            return row[0], None
    row = conn.execute("SELECT id FROM organization WHERE lower(name) = lower(?)", (org["name"],)).fetchone()
    if row:
        return row[0], None
    oid = listings.free_id(conn, "organization", org.get("id") or listings.slug(org["name"], "organization"))
    website = org.get("website") if (org.get("website") or "").startswith("https://") else None
    new = msgspec.convert(
        {
            "id": oid,
            "name": org["name"],
            "country": country,
            "website": website,
            "description": org.get("description") or {},
            "source": source,
            "checked_by": "public_source",
            "last_checked": today,
        },
        models.Organization,
        strict=False,
    )
    return oid, new


def _map(fmt: Format, item: Any, places: dict[str, models.KnownPlace], today: dt.date, kind: str | None):
    """(feed id, fields, organization, notes) of one record; raises Unusable or ValidationError."""
    if fmt == "hsds":
        svc = msgspec.convert(item, hsds.Service)
        mapped = hsds.to_group(svc, places, today, kind)
        return svc.id, mapped.fields, mapped.organization, mapped.notes
    meeting = meeting_guide.decode(item)
    fields, notes = meeting_guide.to_group(meeting, kind)
    return str(meeting.slug), fields, None, notes


def run(
    conn: sqlite3.Connection,
    fmt: Format,
    feed: str,
    items: list[tuple[str, Any]],
    places: dict[str, models.KnownPlace],
    *,
    kind: str | None = None,
    stop_at_first_error: bool = False,
    today: dt.date | None = None,
    report: Report | None = None,
) -> Report:
    """Check and write the records of one feed (a write: the caller's transaction is all or nothing)."""
    today = today or search.today()
    report = report if report is not None else Report()
    report.lines.clear()  # a write that was retried starts again
    if conn.execute("SELECT 1 FROM place LIMIT 1").fetchone() is None:
        # A database that `kring load` never filled: the site needs the places to find "near" the imported ones.
        loader.write_places(conn, places)
    org_ids = {oid for (oid,) in conn.execute("SELECT id FROM organization")}
    seen: set[str] = set()

    def skip(record: str, why: str) -> None:
        report.lines.append(Line("skipped", record, why=why))
        if stop_at_first_error:
            raise Stopped(f"{record}: {why}")

    for where, item in items:
        record = where
        try:
            feed_id, fields, org, notes = _map(fmt, item, places, today, kind)
        except (hsds.Unusable, meeting_guide.Unusable) as exc:
            skip(_label(where, item), str(exc))
            continue
        except msgspec.ValidationError as exc:
            skip(_label(where, item), f"{exc}")
            continue
        record = f"{where} {feed_id!r}"
        if feed_id in seen:
            skip(record, "the same id is in the feed twice; the first was kept")
            continue
        seen.add(feed_id)
        existing = conn.execute(
            "SELECT id, origin, doc FROM listing WHERE feed = ? AND feed_id = ?", (feed, feed_id)
        ).fetchone()
        if existing is None and fields.get("id"):
            existing = conn.execute("SELECT id, origin, doc FROM listing WHERE id = ?", (fields["id"],)).fetchone()
        if existing and existing[1] != "imported":
            who = {"data": "is curated in data/", "submitted": "was approved by a moderator"}.get(
                existing[1], "was edited by a moderator"
            )
            skip(record, f"listing {existing[0]} {who}; an import does not write over it")
            continue
        listing_id = existing[0] if existing else fields.get("id") or _new_id(conn, fields["name"], feed, feed_id)
        page = fields.pop("_page", None)
        source = page or feed
        source_date = fields.pop("_source_date", None) or fields.pop("_assured_date", None)
        for name in [k for k in fields if k.startswith("_")]:
            fields.pop(name)
        fields.update(id=listing_id, source=source, checked_by="public_source", last_checked=today)
        if source_date and source_date <= today.isoformat():
            fields["source_date"] = source_date
        try:
            org_id, new_org = _organization(conn, org, fields["country"], source, today)
        except msgspec.ValidationError as exc:
            skip(record, f"its organization: {_why(exc)}")
            continue
        if org_id:
            fields["organization"] = org_id
        try:
            group = msgspec.convert(fields, models.Group, strict=False)
        except msgspec.ValidationError as exc:
            skip(record, _why(exc))
            continue
        known_orgs = org_ids | {new_org.id} if new_org else org_ids
        problems = list(loader.group_problems(group, known_orgs, places, today, lambda _g, name, why: f"{name}: {why}"))
        if problems:
            skip(record, "; ".join(problems))
            continue
        if new_org:
            conn.execute(
                "INSERT INTO organization (id, name, doc, origin) VALUES (?, ?, ?, 'imported')",
                (new_org.id, new_org.name, msgspec.json.encode(new_org)),
            )
            org_ids.add(new_org.id)
        doc = msgspec.json.encode(group)
        if existing and bytes(existing[2]) == doc:
            report.lines.append(Line("unchanged", record, listing_id, "; ".join(notes)))
            continue
        listings.write(conn, group, "imported", places, feed=(feed, feed_id))
        report.lines.append(Line("updated" if existing else "added", record, listing_id, "; ".join(notes)))
    if report.count("added") or report.count("updated"):
        listings.refresh_version(conn)
    report.written = True
    return report


def _label(where: str, item: Any) -> str:
    if isinstance(item, dict):
        key = item.get("id", item.get("slug"))
        if isinstance(key, str | int):
            return f"{where} {str(key)!r}"
    return where


def feed_name(location: str) -> str:
    """How a feed is known (with each listing's id in it): its URL, or the file's absolute path."""
    if location.startswith(("https://", "http://")):
        return location
    return str(Path(location).resolve())


def import_feed(
    write: Callable[[Callable[[sqlite3.Connection], Report]], Report],
    places: dict[str, models.KnownPlace],
    fmt: Format,
    location: str,
    *,
    kind: str | None = None,
    stop_at_first_error: bool = False,
    transport: httpx.BaseTransport | None = None,
) -> Report:
    """Read the whole feed first (a malformed one changes nothing), then check and write it in one transaction."""
    items = list(records(location, fmt, transport))
    feed = feed_name(location)
    report = Report()
    try:
        return write(
            lambda conn: run(
                conn, fmt, feed, items, places, kind=kind, stop_at_first_error=stop_at_first_error, report=report
            )
        )
    except Stopped:
        report.written = False  # rolled back: the lines say what was found up to the first skipped record
        return report

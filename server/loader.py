"""data/ -> validated Structs -> one transaction. A bad file is refused whole, with file:line: field: what."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args
from urllib.parse import parse_qsl

import msgspec
from markdown_it import MarkdownIt

from server import facets, i18n, listings, models, places, schedules, search

# Belgium and the Netherlands, with a margin: a coordinate outside is a typo (swapped lat/lon, say).
LAT_RANGE = (49.3, 53.8)
LON_RANGE = (2.3, 7.4)
POSTCODE = {"BE": re.compile(r"^[1-9][0-9]{3}$"), "NL": re.compile(r"^[1-9][0-9]{3} [A-Z]{2}$")}


class DataError(Exception):
    """Raised with every problem found; the database was not touched."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Dataset:
    groups: list[models.Group] = field(default_factory=list)
    organizations: list[models.Organization] = field(default_factory=list)
    crisis_lines: list[models.CrisisLine] = field(default_factory=list)
    place_names: list[models.PlaceName] = field(default_factory=list)
    places: dict[str, models.KnownPlace] = field(default_factory=dict)
    guides: list[models.Guide] = field(default_factory=list)
    regions: dict[str, str] = field(default_factory=dict)  # a group's id -> its file's name, e.g. "be-flanders"


# --- reading and checking -----------------------------------------------------------------

_FILES: dict[str, type[msgspec.Struct]] = {
    "crisis_lines.toml": models.CrisisLinesFile,
    "organizations.toml": models.OrganizationsFile,
    "places.toml": models.PlaceNamesFile,
}


def data_files(folder: Path) -> Iterator[tuple[Path, type[msgspec.Struct] | None]]:
    for path in sorted(folder.rglob("*.toml")):
        rel = path.relative_to(folder)
        if len(rel.parts) == 1 and rel.name in _FILES:
            yield path, _FILES[rel.name]
        elif rel.parts[0] == "groups" and len(rel.parts) == 2:
            yield path, models.GroupsFile
        else:
            yield path, None


class _Lines:
    """Finds the line of a path like $.group[3].place.city in a hand-written TOML file.

    The line is the one whose key (with its table header, or dotted) shares the most names with the path;
    when a field is missing, that is the line of the record's [[table]] header.
    """

    _HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\"-]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\"-]+(?:\s*\.\s*[A-Za-z0-9_\"-]+)*)\s*=")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def find(self, path: list[str | int]) -> int:
        if not path:
            return 1
        table, *rest = path
        index = rest.pop(0) if rest and isinstance(rest[0], int) else 0
        prefix = [str(table)]
        start, end = self._nth_table(str(table), index, 0, len(self.lines)) or (0, len(self.lines))
        # A nested array of tables, such as the second [[group.meetings]] of the fourth [[group]].
        while len(rest) >= 2 and isinstance(rest[0], str) and isinstance(rest[1], int):
            inner = self._nth_table(".".join([*prefix, rest[0]]), rest[1], start, end)
            if inner is None:
                break
            start, end = inner
            prefix.append(rest[0])
            rest = rest[2:]
        names = [str(p) for p in rest if not isinstance(p, int)]
        best, best_shared = start, 0
        current: list[str] = []
        for i in range(start + 1, end):
            text = self.lines[i]
            if header := self._HEADER.match(text):
                current = header.group(1).replace('"', "").split(".")[len(prefix) :]
                parts = current
            elif key := self._KEY.match(text):
                parts = current + re.sub(r"[\s\"]", "", key.group(1)).split(".")
            else:
                continue
            shared = 0
            while shared < min(len(parts), len(names)) and parts[shared] == names[shared]:
                shared += 1
            if shared > best_shared:
                best, best_shared = i, shared
        return best + 1

    def _nth_table(self, name: str, index: int, start: int, end: int) -> tuple[int, int] | None:
        """The lines of the index-th [[name]] record between start and end: from its header to the next [[name]]
        (or the end); None when there are fewer such records."""
        headers = [i for i in range(start, end) if self.lines[i].strip().startswith(f"[[{name}]]")]
        if index >= len(headers):
            return None
        stop = headers[index + 1] if index + 1 < len(headers) else end
        return headers[index], stop


_MSGSPEC_PATH = re.compile(r" - at (?:`key` in )?`\$(.*)`$")
_PATH_PART = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")


def _split_path(text: str) -> list[str | int]:
    return [name if name else int(number) for name, number in _PATH_PART.findall(text)]


def _plain(message: str) -> str:
    """msgspec's message, said for a person who edits TOML."""
    replacements = (
        (r"^Object missing required field `(\w+)`$", r"the field \1 is required but missing"),
        (r"^Object contains unknown field `(\w+)`$", r"unknown field \1 (check the spelling)"),
        (r"^Invalid enum value (.+)$", r"\1 is not one of the allowed values"),
        (r"^Expected `str` matching regex .*$", "this value does not have the expected form"),
        (r"^Expected `str` of length >= (\d+)$", r"must be at least \1 characters"),
        (r"^Expected `str` of length <= (\d+)$", r"must be at most \1 characters"),
        (r"^Expected `(\w+)`, got `(\w+)`$", r"expected a value of type \1, got \2"),
    )
    for pattern, replacement in replacements:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


def field_name(path: list[str | int]) -> str:
    names = [str(p) for p in path[1:] if not isinstance(p, int)]
    return ".".join(names) or str(path[0] if path else "(file)")


def decode_file(path: Path, shape: type[msgspec.Struct], shown: str) -> tuple[msgspec.Struct | None, list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [f"{shown}:{line}: (file): not UTF-8 text (byte {exc.start}); save the file as UTF-8"]
    try:
        return msgspec.toml.decode(raw, type=shape), []
    except msgspec.ValidationError as exc:
        where, named, detail = explain(exc)
        return None, [f"{shown}:{_Lines(text).find(where)}: {field_name(named)}: {detail}"]
    except msgspec.DecodeError as exc:
        return None, [f"{shown}:{_syntax_line(exc)}: (syntax): this is not valid TOML: {exc}"]


def explain(exc: msgspec.ValidationError) -> tuple[list[str | int], list[str | int], str]:
    """From msgspec's message: the path to point at, the path to name (with a missing or unknown field), what."""
    message = str(exc)
    m = _MSGSPEC_PATH.search(message)
    where = _split_path(m.group(1)) if m else []
    detail = _plain(message[: m.start()] if m else message)
    field = re.match(r"the field (\w+) is required", detail) or re.match(r"unknown field (\w+)", detail)
    return where, [*where, field.group(1)] if field else where, detail


def _syntax_line(exc: msgspec.DecodeError) -> int:
    m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
    return int(m.group(1)) if m else 1


def read(folder: Path) -> Dataset:
    """Read and check every data file; raise DataError with all problems found."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError([f"{folder}: no such folder"])
    data = Dataset()
    problems: list[str] = []
    where: dict[int, tuple[str, _Lines, str, int]] = {}  # id(record) -> (file, lines, table, index)
    found_any = False
    for path, shape in data_files(folder):
        shown = str(path)
        if shape is None:
            problems.append(
                f"{shown}:1: (file): not a Kring data file; use crisis_lines.toml, organizations.toml, "
                "places.toml or groups/<name>.toml"
            )
            continue
        found_any = True
        decoded, errors = decode_file(path, shape, shown)
        problems.extend(errors)
        if decoded is None:
            continue
        lines = _Lines(path.read_text("utf-8"))
        table = {
            models.GroupsFile: "group",
            models.OrganizationsFile: "organization",
            models.CrisisLinesFile: "line",
            models.PlaceNamesFile: "place",
        }[shape]
        records = getattr(decoded, table)
        for index, record in enumerate(records):
            where[id(record)] = (shown, lines, table, index)
            if table == "group":
                data.regions.setdefault(record.id, path.stem)
        {
            "group": data.groups,
            "organization": data.organizations,
            "line": data.crisis_lines,
            "place": data.place_names,
        }[table].extend(records)
    if not found_any:
        problems.append(f"{folder}: (folder): no data files found")
    if problems:
        raise DataError(problems)

    def at(record: msgspec.Struct, field_path: str, message: str) -> str:
        shown, lines, table, index = where[id(record)]
        # "meetings.1.opens_at": the second meeting's opening time, named as in the file (meetings.opens_at).
        parts: list[str | int] = [table, index, *(int(p) if p.isdigit() else p for p in field_path.split("."))]
        return f"{shown}:{lines.find(parts)}: {field_name(parts)}: {message}"

    data.places = places.known_places(data.place_names)
    problems.extend(check(data, at))
    guides, guide_problems = read_guides(folder / "guides", data.places)
    data.guides = guides
    problems.extend(guide_problems)
    if problems:
        raise DataError(problems)
    return data


# --- guides -----------------------------------------------------------------------------------

GUIDE_LANGS = ("nl", "fr", "en")
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "typographer": False})


def read_guides(folder: Path, places: dict[str, models.KnownPlace]) -> tuple[list[models.Guide], list[str]]:
    """data/guides/<lang>/<slug>.md: TOML front matter between lines of +++, then Markdown."""
    if not folder.exists():
        return [], []
    guides: list[models.Guide] = []
    problems: list[str] = []
    broken: set[tuple[str, str]] = set()  # files with problems of their own: not also "missing"
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            continue
        rel = path.relative_to(folder)
        if len(rel.parts) != 2 or rel.parts[0] not in GUIDE_LANGS or path.suffix != ".md":
            problems.append(f"{path}:1: (file): guides are data/guides/<nl|fr|en>/<slug>.md")
            continue
        guide, errors = _read_guide(path, rel.parts[0], places)
        problems.extend(errors)
        if guide:
            guides.append(guide)
        else:
            broken.add((path.stem, rel.parts[0]))
    by_slug: dict[str, dict[str, models.Guide]] = {}
    for guide in guides:
        by_slug.setdefault(guide.slug, {})[guide.lang] = guide
    for slug, found in sorted(by_slug.items()):
        for lang in GUIDE_LANGS:
            if lang not in found and (slug, lang) not in broken:
                problems.append(
                    f"{folder / lang / (slug + '.md')}:1: (file): missing; every guide exists in nl, fr and en"
                )
        if len({g.order for g in found.values()}) > 1:
            first = next(iter(found.values()))
            problems.append(
                f"{folder / first.lang / (slug + '.md')}:1: order: differs between the languages of this guide"
            )
    return guides, problems


def _read_guide(path: Path, lang: str, places: dict[str, models.KnownPlace]) -> tuple[models.Guide | None, list[str]]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [f"{path}:1: (file): not UTF-8 text (byte {exc.start}); save the file as UTF-8"]
    slug = path.stem
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        return None, [f"{path}:1: (file): the file name must be a slug: lowercase words joined by hyphens"]
    if not text.startswith("+++\n") or "\n+++\n" not in text[3:]:
        return None, [f"{path}:1: (front matter): start with a line +++, the TOML front matter, and a line +++"]
    front, body = text[4:].split("\n+++\n", 1)
    try:
        meta = msgspec.toml.decode(front.encode(), type=models.GuideFront)
    except msgspec.ValidationError as exc:
        where, named, detail = explain(exc)
        return None, [f"{path}:{1 + _front_line(front, where)}: {field_name(['', *named])}: {detail}"]
    except msgspec.DecodeError as exc:
        return None, [f"{path}:{1 + _syntax_line(exc)}: (syntax): this is not valid TOML: {exc}"]
    problems = []
    for i, link in enumerate(meta.finder):
        _, errors = search.parse_filters(parse_qsl(link.query, keep_blank_values=True), place_ids=places)
        for e in errors:
            line = 1 + _front_line(front, ["finder", i, "query"])
            problems.append(f"{path}:{line}: finder.query: {e.param}={e.value!r} is not a valid filter ({e.problem})")
    if not body.strip():
        problems.append(f"{path}:1: (body): the guide has no text")
    if problems:
        return None, problems
    html = _MARKDOWN.render(body)
    return models.Guide(**msgspec.structs.asdict(meta), slug=slug, lang=lang, html=html), []


def _front_line(front: str, path: list[str | int]) -> int:
    """The line (from 1) of a path in the front matter: a top-level key, or a key of a [[table]]."""
    if len(path) == 1 and isinstance(path[0], str):
        for i, line in enumerate(front.splitlines()):
            if re.match(rf"^\s*{re.escape(path[0])}\s*=", line):
                return i + 1
        return 1
    return _Lines(front).find(path) if path else 1


def _check_problems(
    record: models.Group | models.Organization | models.CrisisLine,
    checked: dt.date,
    name: str,
    today: dt.date,
    at: Callable[[msgspec.Struct, str, str], str],
) -> Iterator[str]:
    """The date of the check is not in the future; a public page's own date comes before the day it was read."""
    if checked > today:
        yield at(record, name, f"{checked} is in the future")
    if record.source_date is None:
        return
    if record.checked_by != "public_source":
        why = f"only a public page has a date of its own, and checked_by is {record.checked_by!r}"
        yield at(record, "source_date", why)
    elif record.source_date > checked:
        why = f"the page's date {record.source_date} is after {name} = {checked}, the day it was read"
        yield at(record, "source_date", why)


def _missing_languages(texts: dict[str, str]) -> str:
    """The site's languages a text shown on every page lacks, e.g. "fr, en"; empty when none."""
    return ", ".join(code for code in i18n.KNOWN_LOCALES if code not in texts)


class RegionSummary(msgspec.Struct, kw_only=True):
    """What `kring check` says of one region's listings (one groups/<region>.toml file)."""

    region: str
    listings: int = 0
    town: int = 0  # meets in person in a named town (its own place or a meeting's)
    schedule: int = 0  # at least one meeting says when (a freq)
    contact: int = 0  # a website, an e-mail or a phone number
    confirmed: int = 0  # checked by the organizer or a moderator, not only read on a public page
    oldest: dt.date | None = None  # the oldest last_checked


def summary(data: Dataset) -> list[RegionSummary]:
    """Per region, in the files' order of names, then a total."""
    rows: dict[str, RegionSummary] = {}
    total = RegionSummary(region="total")
    for group in data.groups:
        region = data.regions.get(group.id, "?")
        for row in (rows.setdefault(region, RegionSummary(region=region)), total):
            row.listings += 1
            in_person = [m.place for m in group.meetings if not m.online] or [None]
            row.town += group.format != "online" and any(_has_town(p or group.place) for p in in_person)
            row.schedule += any(m.freq for m in group.meetings)
            c = group.contact
            row.contact += bool(c.website or c.email or c.phone)
            row.confirmed += group.checked_by != "public_source"
            row.oldest = min(filter(None, (row.oldest, group.last_checked)))
    return [*(rows[r] for r in sorted(rows)), total]


def _has_town(place: models.Place | None) -> bool:
    return place is not None and bool(place.city or place.place_id)


Problem = schedules.Problem


def place_problems(place: models.Place, country: str, known: Mapping[str, models.KnownPlace]) -> Iterator[Problem]:
    """What is wrong with a place: a listing's place or a meeting's."""
    if place.place_id and place.place_id not in known:
        yield Problem("place.place_id", "unknown_place", f"no known place has the id {place.place_id!r}")
    elif place.place_id and known[place.place_id].country != country:
        yield Problem("place.place_id", "place_in_other_country", f"{place.place_id!r} is not in {country}")
    if (place.lat is None) != (place.lon is None):
        yield Problem("place", "lat_without_lon", "give both lat and lon, or neither")
    if place.lat is not None and not LAT_RANGE[0] <= place.lat <= LAT_RANGE[1]:
        yield Problem("place.lat", "outside_the_countries", f"{place.lat} is not in Belgium or the Netherlands")
    if place.lon is not None and not LON_RANGE[0] <= place.lon <= LON_RANGE[1]:
        yield Problem("place.lon", "outside_the_countries", f"{place.lon} is not in Belgium or the Netherlands")
    if place.postcode and not POSTCODE[country].match(place.postcode):
        example = "1000" if country == "BE" else "1234 AB"
        why = f"{place.postcode!r} is not a postcode of {country} ({example})"
        yield Problem("place.postcode", "postcode_of_other_country", why)


def meeting_problems(
    meeting: models.Meeting,
    country: str,
    format: str | None,
    place: models.Place | None,
    known: Mapping[str, models.KnownPlace],
) -> Iterator[Problem]:
    """What is wrong with one meeting of a listing in `country`, with that `format` and `place`.

    The loader prints these for data files; the forms show them beside a meeting row's inputs.
    """
    yield from schedules.problems(meeting)
    if meeting.online and meeting.place:
        yield Problem("online", "online_with_place", "an online meeting has no place; give one or the other")
    elif meeting.place and not _has_town(meeting.place):
        yield Problem("place", "place_without_town", "a meeting's own place needs place.city or place.place_id")
    elif not meeting.online and not meeting.place and not _has_town(place):
        why = "say where it meets (place.city or place.place_id), or online = true"
        yield Problem("place", "no_place", why)
    if meeting.place:
        yield from place_problems(meeting.place, country, known)
    if format == "online" and not meeting.online:
        why = 'the listing is online only (format = "online"), so each meeting is online = true'
        yield Problem("online", "listing_online_only", why)
    if format == "in_person" and meeting.online:
        why = 'the listing meets in person only (format = "in_person"); use format = "hybrid"'
        yield Problem("online", "listing_in_person_only", why)
    if len(set(meeting.not_on)) != len(meeting.not_on):
        yield Problem("not_on", "date_twice", "a date is listed twice")
    if meeting.notes and (missing := _missing_languages(meeting.notes)):
        why = f"give the notes in every language of the site; missing: {missing}"
        yield Problem("notes", "notes_in_every_language", why)


def group_problems(
    group: models.Group,
    organizations: Container[str],
    places: Mapping[str, models.KnownPlace],
    today: dt.date,
    at: Callable[[msgspec.Struct, str, str], str],
) -> Iterator[str]:
    """What is wrong with one listing (data/ and imports alike): its organization exists, its facts and meetings."""
    if group.organization and group.organization not in organizations:
        yield at(group, "organization", f"no organization has the id {group.organization!r}")
    yield from _check_problems(group, group.last_checked, "last_checked", today, at)
    for name in ("themes", "audience", "languages"):
        values = getattr(group, name)
        if len(set(values)) != len(values):
            yield at(group, name, "a value is listed twice")
    for code in group.languages:
        if code not in facets.LANGUAGE_CODES:
            yield at(group, "languages", f"{code!r} is not an ISO 639-1 language code")
    in_person = [m for m in group.meetings if not m.online]
    if (
        group.format in ("in_person", "hybrid")
        and not _has_town(group.place)
        and not any(_has_town(m.place) for m in in_person)
    ):
        yield at(group, "place", "a group that meets in person needs at least place.city or place.place_id")
    if group.place:
        for problem in place_problems(group.place, group.country, places):
            yield at(group, problem.field, problem.why)
    for i, meeting in enumerate(group.meetings):
        for problem in meeting_problems(meeting, group.country, group.format, group.place, places):
            yield at(group, f"meetings.{i}.{problem.field}", problem.why)


def check(data: Dataset, at: Any) -> Iterator[str]:
    """Rules that span records and files, or that a type cannot say."""
    today = search.today()
    seen: dict[tuple[str, str], msgspec.Struct] = {}
    for kind, records in (
        ("group", data.groups),
        ("organization", data.organizations),
        ("line", data.crisis_lines),
        ("place", data.place_names),
    ):
        for record in records:
            key = (kind, record.id)
            if key in seen:
                yield at(record, "id", f"the id {record.id!r} is used twice; each {kind} needs its own id")
            seen[key] = record

    organizations = {o.id for o in data.organizations}
    lines = {line.id: line for line in data.crisis_lines}
    for place_name in data.place_names:
        if place_name.id not in data.places:
            yield at(place_name, "id", f"no known place has the id {place_name.id!r}")

    for org in data.organizations:
        yield from _check_problems(org, org.last_checked, "last_checked", today, at)

    for group in data.groups:
        yield from group_problems(group, organizations, data.places, today, at)

    for line in data.crisis_lines:
        yield from _check_problems(line, line.verified_on, "verified_on", today, at)
        for name, facts in (("phone", line.phone), ("chat", line.chat)):
            if facts is None:
                continue
            for code in facts.languages:
                if code not in facets.LANGUAGE_CODES:
                    yield at(line, f"{name}.languages", f"{code!r} is not an ISO 639-1 language code")
            if isinstance(facts.hours, dict) and (missing := _missing_languages(facts.hours)):
                yield at(line, f"{name}.hours", f"give the hours in every language of the site; missing: {missing}")
        if line.notes and (missing := _missing_languages(line.notes)):
            yield at(line, "notes", f"give the notes in every language of the site; missing: {missing}")
        if line.pair:
            other = lines.get(line.pair)
            if other is None:
                yield at(line, "pair", f"no crisis line has the id {line.pair!r}")
            elif other.pair != line.id:
                yield at(line, "pair", f"{other.id!r} must name {line.id!r} as its pair too")
            elif other.country != line.country:
                yield at(line, "pair", "paired lines must be in the same country")


# --- loading --------------------------------------------------------------------------------

_ENCODER = msgspec.json.Encoder()
CHECKERS = get_args(models.CheckedBy)


def write_places(conn: sqlite3.Connection, places: Mapping[str, models.KnownPlace]) -> None:
    conn.executemany(
        "INSERT INTO place (id, country, name, lat, lon, names) VALUES (?, ?, ?, ?, ?, ?)",
        [(p.id, p.country, p.name, p.lat, p.lon, _ENCODER.encode(p.names).decode()) for p in places.values()],
    )


def load(conn: sqlite3.Connection, data: Dataset) -> dict[str, int]:
    """Replace what came from data/ with `data`; submitted listings are kept.

    A write: through db.run_write (`kring load`) or Database.write it is one transaction, all or nothing.
    """
    org_names = {o.id: o.name for o in data.organizations}
    # Organizations a moderator created for an approved group stay, unless data/ now has the same id.
    conn.execute("DELETE FROM organization WHERE origin = 'data'")
    conn.executemany(
        """INSERT INTO organization (id, name, doc) VALUES (?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, doc = excluded.doc, origin = 'data'""",
        [(o.id, o.name, _ENCODER.encode(o)) for o in data.organizations],
    )
    conn.execute("DELETE FROM crisis_line")
    conn.executemany(
        "INSERT INTO crisis_line (id, position, doc) VALUES (?, ?, ?)",
        [(line.id, i, _ENCODER.encode(line)) for i, line in enumerate(data.crisis_lines)],
    )
    conn.execute("DELETE FROM place")
    write_places(conn, data.places)
    conn.execute("DELETE FROM guide")
    conn.executemany(
        "INSERT INTO guide (slug, lang, position, doc) VALUES (?, ?, ?, ?)",
        [(g.slug, g.lang, g.order, _ENCODER.encode(g)) for g in data.guides],
    )
    ids = [g.id for g in data.groups]
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS loaded (id TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM loaded")
    conn.executemany("INSERT INTO loaded (id) VALUES (?)", [(i,) for i in ids])
    stale = conn.execute(
        "SELECT rowid FROM listing WHERE origin = 'data' AND id NOT IN (SELECT id FROM loaded)"
    ).fetchall()
    conn.executemany("DELETE FROM listing_words WHERE rowid = ?", stale)
    conn.executemany("DELETE FROM listing WHERE rowid = ?", stale)
    # A moderator's work is newer than the file: a later check (its date, and who checked) is kept, and a
    # listing a moderator approved or edited (origin 'submitted' or 'moderated') is not overwritten at all.
    checked = {
        row[0]: row[1:]
        for row in conn.execute(
            """SELECT id, last_checked, json_extract(CAST(doc AS TEXT), '$.checked_by'),
                      json_extract(CAST(doc AS TEXT), '$.source_date')
               FROM listing WHERE origin = 'data'"""
        )
    }
    kept = 0
    changed = listings.now()
    for group in data.groups:
        before = checked.get(group.id)
        if before and before[0] > group.last_checked.isoformat() and before[1] in CHECKERS:
            group = msgspec.structs.replace(
                group,
                checked_by=before[1],
                last_checked=dt.date.fromisoformat(before[0]),
                source_date=dt.date.fromisoformat(before[2]) if before[2] else None,
            )
        doc = _ENCODER.encode(group)
        row = conn.execute(
            listings.UPSERT + " WHERE listing.origin = 'data' RETURNING rowid",
            (group.id, group.status, "data", group.last_checked.isoformat(), doc, changed, "", ""),
        ).fetchone()
        if row is None:
            kept += 1
            continue
        listings.index_words(conn, row[0], group, org_names.get(group.organization or ""), data.places)
    listings.refresh_version(conn)
    conn.execute("DROP TABLE loaded")
    return {
        "groups": len(data.groups),
        "organizations": len(data.organizations),
        "crisis_lines": len(data.crisis_lines),
        "places": len(data.places),
        "guides": len(data.guides),
        "removed": len(stale),
        "kept": kept,
    }

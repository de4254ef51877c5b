"""The queries behind finding groups: filters, full text (FTS5) and facet counts, per search.py's rules.

The active listings of one data version are held in memory in their default order (their rank), with a
bitmask per filter value; a search is then a few big-integer ANDs, and each facet count one popcount.
Full text goes to SQLite FTS5 on the listing's own words, plus the translated labels of its facets.
Which listings are stale or hidden depends on the day, not on the data: a snapshot keeps one data version
and works those masks out for each day it is asked about (Snapshot.day()). The dates of the meetings are
worked out when the snapshot is built, for 12 weeks from its day (a new day gets a new snapshot: Catalog).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import time
from collections.abc import Iterable

import msgspec
import numpy as np
from cachetools import LRUCache
from msgspec import Struct

from server import db, facets, i18n, listings, models, schedules, search
from server.places import point

_GROUP = msgspec.json.Decoder(models.Group)
_ORG = msgspec.json.Decoder(models.Organization)
_LINE = msgspec.json.Decoder(models.CrisisLine)
_NAMES = msgspec.json.Decoder(dict[str, str])
_GUIDE = msgspec.json.Decoder(models.Guide)


class When(Struct, frozen=True):
    """One date of a listing: which of its meetings, and when (schedules.Occurrence)."""

    meeting: int  # index into group.meetings
    starts: dt.datetime  # aware, in the meeting's time zone
    ends: dt.datetime | None
    timed: bool
    # The date as search.py orders dates: the local day's ordinal, then HHMM (search.NO_TIME: no time).
    # Worked out once (when_of), since every card and search compares it.
    key: int


def when_of(meeting: int, o: schedules.Occurrence) -> When:
    hhmm = o.starts.hour * 100 + o.starts.minute if o.timed else search.NO_TIME
    return When(meeting, o.starts, o.ends, o.timed, o.starts.toordinal() * 10_000 + hhmm)


class Listing(Struct, kw_only=True):
    """A listing as the server holds it: the record, its organization, where it meets and its next dates."""

    rank: int  # position in the default order; -1 when not active
    rowid: int
    group: models.Group
    organization: models.Organization | None
    # Where it meets, for "near": its place and its meetings' places (each once), as (lat, lon).
    points: list[tuple[float, float]]
    place: models.KnownPlace | None  # the Kring place the card names
    city: str | None  # the town the data writes, which the card prefers
    # The town of each point, as (the town the data writes, the Kring place): near a place, the card names the
    # town of the nearest point, where that listing meets.
    towns: list[tuple[str | None, models.KnownPlace | None]] = []
    dates: list[When]  # from the snapshot's day, for 12 weeks, in order
    modified: str = ""  # when the record last changed (UTC, ISO 8601), for the open data feeds

    def summary(
        self, lang: str, distance: float | None, today: dt.date, near: models.KnownPlace | None = None
    ) -> models.GroupSummary:
        """The API's card: near a place, its town is the nearest one where the listing meets."""
        g = self.group
        upcoming = self.upcoming(today)
        return models.GroupSummary(
            id=g.id,
            name=g.name,
            kind=g.kind,
            country=g.country,
            format=g.format,
            city=self.nearest_town(lang, near) if near else self.town(lang),
            themes=g.themes,
            languages=g.languages,
            led_by=g.led_by,
            cost=g.cost,
            membership=g.membership,
            checked_by=g.checked_by,
            last_checked=g.last_checked,
            distance_km=distance,
            next_date=upcoming[0].starts if upcoming else None,
        )

    def town(self, lang: str) -> str | None:
        """The town a card names: the one the data writes, or the Kring place's name in `lang`."""
        return self.city or (self.place.label(lang) if self.place else None)

    def nearest_town(self, lang: str, near: models.KnownPlace) -> str | None:
        """The town of the point nearest to `near` (the first of equally near ones, as in the worker), or the
        card's town when it meets in one place or no point has a town (search.js nearestTown())."""
        if len(self.points) < 2:
            return self.town(lang)
        best: tuple[int, str] | None = None
        for (lat, lon), (city, known) in zip(self.points, self.towns, strict=True):
            name = city or (known.label(lang) if known else None)
            if name:
                d = search.tenths(near.lat, near.lon, lat, lon)
                if best is None or d < best[0]:
                    best = (d, name)
        return best[1] if best else self.town(lang)

    def upcoming(self, today: dt.date) -> list[When]:
        """The dates from `today` on (the snapshot's dates start on its own day)."""
        first = today.toordinal() * 10_000
        return [w for w in self.dates if w.key >= first]

    def next_date(self, today: dt.date) -> When | None:
        """The first of upcoming(today), without listing the others (a card asks for it)."""
        first = today.toordinal() * 10_000
        return next((w for w in self.dates if w.key >= first), None)


class Results(Struct, kw_only=True):
    filters: search.Filters
    total: int
    pages: int
    items: list[tuple[Listing, float | None]]
    counts: dict[str, dict[str, int]]
    version: str
    today: dt.date  # the day the freshness rules were applied for
    stale_since: dt.date  # search.stale_since(today), worked out once per day

    def is_stale(self, listing: Listing) -> bool:
        return listing.group.last_checked <= self.stale_since


class Day(Struct, frozen=True, kw_only=True):
    """Which active listings are stale or hidden on one day (search.py's freshness rules), by rank."""

    today: dt.date
    stale_since: dt.date  # search.stale_since(today)
    visible: int  # bitmask: not hidden
    fresh: int  # bitmask: visible and not stale
    stale: int  # bitmask: visible and stale
    stale_flags: np.ndarray  # bool per rank: stale (hidden ones included)
    next_key: np.ndarray  # per rank: the first date from this day on (When.key), NO_DATE when none


def _sort_key(group: models.Group) -> tuple[int, str, str]:
    return (-group.last_checked.toordinal(), search.normalise(group.name), group.id)


NO_DATE = np.iinfo(np.int64).max  # after every date: listings without one come last in order=next
_BLOCK_BITS = 4096
_BLOCK = (1 << _BLOCK_BITS) - 1


def _mask(positions: Iterable[int] | np.ndarray, size: int) -> int:
    """A bitmask (bit i = the listing of rank i) from ranks."""
    flags = np.zeros(size, dtype=bool)
    flags[np.fromiter(positions, dtype=np.int64) if not isinstance(positions, np.ndarray) else positions] = True
    return _from_flags(flags)


def _from_flags(flags: np.ndarray) -> int:
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")


def _to_flags(mask: int, size: int) -> np.ndarray:
    raw = np.frombuffer(mask.to_bytes((size + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, count=size, bitorder="little").astype(bool)


def _bits(mask: int) -> Iterable[int]:
    """Positions of the set bits, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


TENTHS_BYTES = 64 * 2**20  # about 400 places' distances with 10,000 listings, 40 with 100,000
NEAR_BYTES = 8 * 2**20


class Snapshot:
    """Everything visitors can see of one data version, ready to search."""

    def __init__(
        self,
        version: str,
        listings: list[Listing],
        crisis_lines: list[models.CrisisLine],
        places: dict[str, models.KnownPlace],
        date: str = "",
        guides: list[models.Guide] | None = None,
        today: dt.date | None = None,
        organizations: dict[str, models.Organization] | None = None,
    ) -> None:
        self.version = version
        self.today = today or search.today()  # the day the meetings' dates start from
        self.date = date  # when this data version was loaded (ISO), for "offline: data from <date>"
        self.guides: dict[str, list[models.Guide]] = {}  # by language, in their order
        for guide in guides or []:
            self.guides.setdefault(guide.lang, []).append(guide)
        self.by_id = {item.group.id: item for item in listings}
        active = sorted((i for i in listings if i.group.status == "active"), key=lambda i: _sort_key(i.group))
        for rank, item in enumerate(active):
            item.rank = rank
        self.active = active
        self.size = len(active)
        self.everything = (1 << self.size) - 1
        self.crisis_lines = crisis_lines
        self.places = places
        # Every organization, also one without a listing (the open data feeds list them all); when not given, those
        # of the listings.
        self.organizations: dict[str, models.Organization] = (
            organizations
            if organizations is not None
            else {item.organization.id: item.organization for item in listings if item.organization}
        )
        self.facets = facets.REGISTRY  # the filters of this snapshot, kept: searching uses the same ones
        self.masks: dict[str, dict[str, int]] = {}
        for facet in self.facets:
            found: dict[str, list[int]] = {}
            for item in active:
                for value in facet.of(item.group):
                    found.setdefault(value, []).append(item.rank)
            self.masks[facet.param] = {value: _mask(ranks, self.size) for value, ranks in found.items()}
        # Each query word may also match the translated label of a facet value (in nl, fr and en).
        self.label_words: list[tuple[frozenset[str], int]] = []
        for facet in self.facets:
            for key, label in (facet.labels or {}).items() if facet.words else ():
                mask = self.masks[facet.param].get(key, 0)
                if mask:
                    texts = [i18n.gettext(lang, label) for lang in i18n.KNOWN_LOCALES]
                    found_words = frozenset(w for text in texts for w in search.words(text))
                    self.label_words.append((found_words, mask))
        # Where each listing meets, for "near": every point with the rank of its listing. Distances are kept
        # for the places last asked.
        self.point_rank = np.array([i.rank for i in active for _ in i.points], dtype=np.int64)
        self.point_lat = np.array([lat for i in active for lat, _ in i.points], dtype=np.float64)
        self.point_lon = np.array([lon for i in active for _, lon in i.points], dtype=np.float64)
        self.date_keys = [np.array([w.key for w in i.dates], dtype=np.int64) for i in active]
        # The date each listing was last checked (proleptic ordinal), for the freshness masks of each day.
        self.checked = np.array([i.group.last_checked.toordinal() for i in active], dtype=np.int64)
        self._days: LRUCache[dt.date, Day] = LRUCache(maxsize=4)
        self.rank_of_rowid = np.full(max((i.rowid for i in listings), default=0) + 1, -1, dtype=np.int64)
        for item in active:
            self.rank_of_rowid[item.rowid] = item.rank
        # The distances to the places visitors chose, and the masks within each radius, bounded by their bytes: a
        # count of 64 places thrashed when visitors chose among more (each near query worked out 10,000
        # distances again, bench/crowd.py), and would have held 100 MB with 100,000 listings.
        self._tenths: LRUCache[str, tuple[np.ndarray, np.ndarray]] = LRUCache(
            maxsize=TENTHS_BYTES, getsizeof=lambda found: found[0].nbytes + found[1].nbytes
        )
        self._near: LRUCache[tuple[str, int], int] = LRUCache(
            maxsize=NEAR_BYTES, getsizeof=lambda mask: mask.bit_length() // 8 + 64
        )
        self._text: LRUCache[str, int] = LRUCache(maxsize=2048)

    def guide(self, lang: str, slug: str) -> models.Guide | None:
        return next((g for g in self.guides.get(lang, []) if g.slug == slug), None)

    # -- freshness ------------------------------------------------------------------------

    def day(self, today: dt.date | None = None) -> Day:
        """The stale and hidden listings on `today` (default: search.today()); kept for the last few days asked."""
        today = today or search.today()
        found = self._days.get(today)
        if found is None:
            stale_since = search.stale_since(today)
            stale_flags = self.checked <= stale_since.toordinal()
            hidden_flags = self.checked <= search.hidden_since(today).toordinal()
            visible = _from_flags(~hidden_flags)
            stale = _from_flags(stale_flags & ~hidden_flags)
            first = today.toordinal() * 10_000
            next_key = np.full(self.size, NO_DATE, dtype=np.int64)
            for rank, keys in enumerate(self.date_keys):
                later = keys[keys >= first]
                if len(later):
                    next_key[rank] = later[0]
            found = Day(
                today=today,
                stale_since=stale_since,
                visible=visible,
                fresh=visible & ~stale,
                stale=stale,
                stale_flags=stale_flags,
                next_key=next_key,
            )
            self._days[today] = found
        return found

    def visible_count(self, today: dt.date | None = None) -> int:
        """How many listings the results can show today (active and not hidden)."""
        return self.day(today).visible.bit_count()

    # -- distances ------------------------------------------------------------------------

    def tenths(self, place_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(distance from the place to each listing in tenths of a km, -1 for none; ranks by distance then rank)."""
        found = self._tenths.get(place_id)
        if found is None:
            place = self.places[place_id]
            far = np.iinfo(np.int64).max  # no point: no distance (-1 below)
            tenths = np.full(self.size, far, dtype=np.int64)
            np.minimum.at(
                tenths, self.point_rank, search.tenths_np(place.lat, place.lon, self.point_lat, self.point_lon)
            )
            tenths[tenths == far] = -1
            located = np.flatnonzero(tenths >= 0)
            order = located[np.lexsort((located, tenths[located]))]
            found = self._tenths[place_id] = (tenths, order)
        return found

    def soon_mask(self, day: Day, days: int) -> int:
        """The listings with a date from `day` to `days` days later (excluded)."""
        return _from_flags(day.next_key < (day.today.toordinal() + days) * 10_000)

    def near_mask(self, place_id: str, radius: int) -> int:
        key = (place_id, radius)
        mask = self._near.get(key)
        if mask is None:
            tenths, _ = self.tenths(place_id)
            mask = self._near[key] = _from_flags((tenths >= 0) & (tenths <= radius * 10))
        return mask

    # -- full text ------------------------------------------------------------------------

    async def text_mask(self, database: db.Database, query_words: tuple[str, ...]) -> int:
        mask = self.everything
        for word in query_words:
            mask &= await self._word_mask(database, word)
            if not mask:
                break
        return mask

    async def _word_mask(self, database: db.Database, word: str) -> int:
        cached = self._text.get(word)
        if cached is not None:
            return cached
        rowids = await database.read(lambda conn: _word_rowids(conn, word))
        ranks = self.rank_of_rowid[rowids[rowids < len(self.rank_of_rowid)]]
        mask = _mask(ranks[ranks >= 0], self.size)
        for label_words, label_mask in self.label_words:
            if any(w.startswith(word) for w in label_words):
                mask |= label_mask
        self._text[word] = mask
        return mask

    # -- the search -----------------------------------------------------------------------

    def present(self, param: str) -> list[str]:
        """The values of a facet that some active listing has (hidden ones included), sorted."""
        return sorted(self.masks[param])

    def _param_mask(self, param: str, values: tuple[str, ...]) -> int:
        masks = self.masks[param]
        if self.facets[param].rule == "all":
            mask = self.everything
            for value in values:
                mask &= masks.get(value, 0)
            return mask
        mask = 0
        for value in values:
            mask |= masks.get(value, 0)
        return mask

    async def search(self, database: db.Database, filters: search.Filters, today: dt.date | None = None) -> Results:
        day = self.day(today)
        # The mask of each constraint; a facet's counts use every constraint but its own (OR facets).
        # Hidden listings are in no result and no count: every mask starts from the visible ones.
        constraints: dict[str, int] = {
            param: self._param_mask(param, values) for param, values in filters.lists.items()
        }
        if filters.query_words:
            constraints["q"] = await self.text_mask(database, filters.query_words)
        if filters.near:
            constraints["near"] = self.near_mask(filters.near, filters.radius)
        if filters.soon:
            constraints["soon"] = self.soon_mask(day, filters.soon)
        mask = day.visible
        for value in constraints.values():
            mask &= value
        counts: dict[str, dict[str, int]] = {}
        for facet in self.facets:
            if not facet.counted:
                continue
            param, table = facet.param, self.masks[facet.param]
            base = mask
            if param in constraints and facet.rule != "all":
                base = day.visible
                for other, value in constraints.items():
                    if other != param:
                        base &= value
            counts[param] = {value: (base & value_mask).bit_count() for value, value_mask in table.items()}
        total = mask.bit_count()
        start = (filters.page - 1) * search.PER_PAGE
        if filters.order == "next":
            page_ranks = self._page_by_date(mask, start, filters.near, day)
        else:
            page_ranks = self._page(mask, start, filters.near, day)
        tenths = self.tenths(filters.near)[0] if filters.near else None
        items = [(self.active[r], None if tenths is None else int(tenths[r]) / 10) for r in page_ranks]
        return Results(
            filters=filters,
            total=total,
            pages=max(1, -(-total // search.PER_PAGE)),
            items=items,
            counts=counts,
            version=self.version,
            today=day.today,
            stale_since=day.stale_since,
        )

    def _page(self, mask: int, start: int, near: str | None, day: Day) -> list[int]:
        """The ranks on the page that begins at `start`: fresh listings first, then stale ones (search.py)."""
        if not mask or start >= mask.bit_count():
            return []
        if near is None:
            fresh = mask & day.fresh
            skipped = fresh.bit_count()
            if start >= skipped:
                return self._by_rank(mask & day.stale, start - skipped)
            out = self._by_rank(fresh, start)
            if len(out) < search.PER_PAGE:
                out += self._by_rank(mask & day.stale, 0)[: search.PER_PAGE - len(out)]
            return out
        _, order = self.tenths(near)
        ordered = order[_to_flags(mask, self.size)[order]]
        stale = day.stale_flags[ordered]
        fresh = ordered[~stale]
        end = start + search.PER_PAGE
        if end <= len(fresh):
            return [int(r) for r in fresh[start:end]]
        stale_ranks = ordered[stale]
        page = np.concatenate((fresh[start:], stale_ranks[max(0, start - len(fresh)) : end - len(fresh)]))
        return [int(r) for r in page]

    def _page_by_date(self, mask: int, start: int, near: str | None, day: Day) -> list[int]:
        """The ranks on the page that begins at `start` in order=next: (stale, next date, distance, rank)."""
        ranks = np.flatnonzero(_to_flags(mask, self.size))
        keys = [ranks, day.next_key[ranks], day.stale_flags[ranks]]
        if near is not None:
            keys.insert(1, self.tenths(near)[0][ranks])
        ordered = ranks[np.lexsort(keys)]
        return [int(r) for r in ordered[start : start + search.PER_PAGE]]

    @staticmethod
    def _by_rank(mask: int, start: int) -> list[int]:
        """Up to a page of the set bits of `mask`, lowest first, after skipping the first `start`."""
        if start >= mask.bit_count():  # also keeps the block loop below from running past the end
            return []
        base = 0
        while (n := (mask & _BLOCK).bit_count()) <= start:  # skip whole blocks before the page
            start -= n
            mask >>= _BLOCK_BITS
            base += _BLOCK_BITS
        out = []
        for rank in _bits(mask):
            if start:
                start -= 1
                continue
            out.append(base + rank)
            if len(out) == search.PER_PAGE:
                break
        return out


def _word_rowids(conn: sqlite3.Connection, word: str) -> np.ndarray:
    """The rowids of the listings with a word that starts with `word` (a read)."""
    # `word` is [a-z0-9]+ (search.words), so it is safe inside an FTS5 string; * asks for a prefix.
    rows = conn.execute("SELECT rowid FROM listing_words WHERE words MATCH ?", (f'"{word}"*',)).fetchall()
    return np.fromiter((r for (r,) in rows), dtype=np.int64, count=len(rows))


class Catalog:
    """The current Snapshot, rebuilt when `kring load` (or a moderator) changes the data version.

    A rebuild is a read on one of the database's readers; meanwhile the previous snapshot keeps answering.
    """

    # Seconds between two looks at the data version: a moderator's change reaches every worker within 2 s, the
    # look and the rebuild included (tests/test_workers.py). A look is one small SELECT.
    CHECK_EVERY = 1.0

    def __init__(self, database: db.Database) -> None:
        self.database = database
        self.snapshot: Snapshot | None = None
        self._checked = 0.0
        self._lock = asyncio.Lock()

    async def current(self) -> Snapshot:
        fresh = time.monotonic() - self._checked < self.CHECK_EVERY
        if self.snapshot is not None and (fresh or self._lock.locked()):
            return self.snapshot
        async with self._lock:
            if self.snapshot is None or time.monotonic() - self._checked >= self.CHECK_EVERY:
                version = await self.database.read(listings.data_version)
                today = search.today()
                if self.snapshot is None or self.snapshot.version != version or self.snapshot.today != today:
                    # A new data version, or a new day: the meetings' dates start from today.
                    self.snapshot = await self.database.read(lambda conn: build(conn, today))
                self._checked = time.monotonic()
        return self.snapshot


def listing(
    rowid: int,
    group: models.Group,
    organization: models.Organization | None,
    places: dict[str, models.KnownPlace],
    today: dt.date,
    modified: str = "",
) -> Listing:
    """A listing as the snapshot holds it: where it meets (its place, then its meetings'), and its dates."""
    spots = [group.place, *(m.place for m in group.meetings if not m.online)]
    points: list[tuple[float, float]] = []
    towns: list[tuple[str | None, models.KnownPlace | None]] = []
    shown: tuple[models.Place, models.KnownPlace | None] | None = None
    for spot in spots:
        if spot is None:
            continue
        known = places.get(spot.place_id) if spot.place_id else None
        if shown is None and (spot.city or known):
            shown = (spot, known)
        lat, lon = point(spot, known)
        if lat is not None and lon is not None and (lat, lon) not in points:
            points.append((lat, lon))
            towns.append((spot.city, known))
    return Listing(
        rank=-1,
        rowid=rowid,
        group=group,
        organization=organization,
        points=points,
        place=shown[1] if shown else None,
        city=shown[0].city if shown else None,
        towns=towns,
        dates=dates(group, today),
        modified=modified,
    )


def dates(group: models.Group, today: dt.date) -> list[When]:
    """The dates of a listing's meetings from `today` for 12 weeks, in order (of starts, then meeting)."""
    found = [when_of(i, o) for i, meeting in enumerate(group.meetings) for o in schedules.expand(meeting, today)]
    found.sort(key=lambda w: (w.key, w.meeting))
    return found


def build(conn: sqlite3.Connection, today: dt.date | None = None) -> Snapshot:
    """Read everything visitors can see into a Snapshot (a read: one moment of the data, its version included)."""
    version = listings.data_version(conn)
    places = {
        pid: models.KnownPlace(pid, country, name, lat, lon, _NAMES.decode(names))
        for pid, country, name, lat, lon, names in conn.execute("SELECT id, country, name, lat, lon, names FROM place")
    }
    orgs = [_ORG.decode(doc) for (doc,) in conn.execute("SELECT doc FROM organization")]
    organizations = {org.id: org for org in orgs}
    found: list[Listing] = []
    today = today or search.today()
    for rowid, doc, modified in conn.execute("SELECT rowid, doc, modified FROM listing"):
        group = _GROUP.decode(doc)
        found.append(listing(rowid, group, organizations.get(group.organization or ""), places, today, modified))
    lines = [_LINE.decode(doc) for (doc,) in conn.execute("SELECT doc FROM crisis_line ORDER BY position")]
    row = conn.execute("SELECT value FROM meta WHERE key = 'data_date'").fetchone()
    guides = [_GUIDE.decode(doc) for (doc,) in conn.execute("SELECT doc FROM guide ORDER BY position, slug")]
    return Snapshot(version, found, lines, places, row[0] if row else "", guides, today, organizations)

"""Whole public responses kept in memory, answered before Litestar routes the request.

Each public answer carries an ETag made from its key and a short Cache-Control, so that a reverse proxy or a
CDN in front can keep it too (DESIGN.md §10) and ask again with If-None-Match, which is answered with a 304
before anything is rendered, also by a worker that has not made the page yet.

Why not Litestar's response cache: a hit there still goes through routing, the middleware stack and the
handler machinery, and reaches about a fifth of a bare ASGI app's throughput; DESIGN.md §7 asks a cached
listing page to reach half (bench/throughput.py measures it). Every public page, API answer and static
file depends only on its URL (its host included), the data version, the negotiated encoding and the day
(listings turn stale or hidden as days pass: search.py), so those four are the key.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import re
from collections.abc import Iterator

from cachetools import LRUCache
from litestar.types import HTTPResponseStartEvent, Message, Scope

from server import search

# Public GET responses that depend on nothing but the URL and the data (never moderator pages, later); a
# group's calendar file (/{lang}/groups/{id}.ics) too, its DTSTAMP then being when the day's copy was made.
CACHEABLE = re.compile(
    r"^/(?:(?:nl|fr|en)(?:/[^/]+)*|api/v1/[a-z-]+(?:/[a-z0-9-]+)?|api/hsds(?:/[a-z_]+(?:/[a-z0-9-]+)?)?"
    r"|api/meeting-guide\.json|static/.+|schema/openapi\.json)$"
)

# How long a shared cache (the reverse proxy, a CDN) may keep a public answer without asking again: long enough
# to take a crowd off the app, short enough that a moderator's change is out within a minute. A browser asks
# again each time (max-age=0), with If-None-Match: a refresh shows new data at once, and costs a 304.
MAX_AGE = 60
CACHE_CONTROL = f"public, max-age=0, s-maxage={MAX_AGE}".encode()

Key = tuple[str, dt.date, str, str, bytes]
Entry = tuple[HTTPResponseStartEvent, bytes]


def encoding(scope: Scope) -> str:
    """The encoding Litestar's compression will choose for this request (the same substring rule)."""
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return "br" if b"br" in value else "gzip" if b"gzip" in value else "identity"
    return "identity"


def host(scope: Scope) -> str:
    """The Host the request named: pages carry absolute links to their origin (hreflang), so answers differ."""
    for name, value in scope["headers"]:
        if name == b"host":
            return value.decode("latin-1")
    return ""


def if_none_match(scope: Scope, tag: bytes) -> bool:
    """Whether the request's If-None-Match names `tag`."""
    return any(name == b"if-none-match" and tag in value for name, value in scope["headers"])


def not_modified(scope: Scope, start: HTTPResponseStartEvent) -> bool:
    """Whether the request's If-None-Match names the kept answer's ETag (then a 304 is enough)."""
    tag = next((value for name, value in start["headers"] if name == b"etag"), None)
    return tag is not None and if_none_match(scope, tag)


class PageCache:
    """A bounded LRU of (start message, body) by (data version, day, encoding, path, query string)."""

    WAIT = 5.0  # seconds a request waits for another one's rendering of the same page, at most

    def __init__(self, max_entries: int = 2048, max_body: int = 1 << 20, build: str = "") -> None:
        self.build = build  # worker.build_version(): the code and files that shape the answers
        self.max_entries = max_entries
        self.max_body = max_body
        self.entries: LRUCache[Key, Entry] = LRUCache(maxsize=max_entries)
        self.pending: dict[Key, asyncio.Event] = {}  # the keys being rendered now, set when each is done
        self.version = ""
        self.day = dt.date.min

    def key(self, scope: Scope, version: str, today: dt.date | None = None) -> Key | None:
        """The key of a cacheable request on `today` (default: search.today()), or None."""
        if scope["method"] != "GET" or not CACHEABLE.match(scope["path"]):
            return None
        day = today or search.today()
        if version != self.version or day != self.day:  # new data or a new day: every page may have changed
            self.entries.clear()
            self.version = version
            self.day = day
        return (version, day, encoding(scope), host(scope) + scope["path"], scope["query_string"])

    def etag(self, key: Key) -> bytes:
        """The ETag of the answer to `key` from this build: the same key gives the same answer (the calendar
        file's DTSTAMP apart, hence weak), so a worker knows it without rendering, and every worker of the same
        release gives the same one; another release gives another one."""
        digest = hashlib.blake2b(repr((self.build, key)).encode(), digest_size=10).hexdigest()
        return b'W/"' + digest.encode() + b'"'

    def get(self, key: Key) -> Entry | None:
        return self.entries.get(key)

    async def rendered_by_another(self, key: Key) -> Entry | None:
        """When another request is rendering `key`, wait for it and take its answer. A crowd that reaches a new
        worker, or comes just after new data emptied the cache, has each page rendered once, not once each."""
        event = self.pending.get(key)
        if event is None:
            return None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), self.WAIT)
        return self.entries.get(key)  # None when that answer was not one to keep (an error, a cookie): render

    @contextlib.contextmanager
    def rendering(self, key: Key) -> Iterator[None]:
        event = self.pending.setdefault(key, asyncio.Event())
        try:
            yield
        finally:
            if self.pending.get(key) is event:
                del self.pending[key]
            event.set()

    def recorder(self, key: Key, send):  # type: ignore[no-untyped-def]
        """Wrap `send` so that a complete 200 response without cookies is kept under `key`, with its ETag and
        (unless it has its own) the public Cache-Control."""
        start: HTTPResponseStartEvent | None = None
        chunks: list[bytes] = []
        size = 0

        async def record(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", ()))
                keep = message["status"] == 200 and b"set-cookie" not in headers
                cache_control = headers.get(b"cache-control", b"")
                start = message if keep and b"no-store" not in cache_control else None
                if start is not None:
                    extra = [] if b"etag" in headers else [(b"etag", self.etag(key))]
                    extra += [] if cache_control else [(b"cache-control", CACHE_CONTROL)]
                    message = start = {**message, "headers": [*message.get("headers", ()), *extra]}
            elif message["type"] == "http.response.body" and start is not None:
                body = message.get("body", b"")
                size += len(body)
                chunks.append(body)
                if size > self.max_body:
                    start = None
                elif not message.get("more_body", False):
                    self.entries[key] = (start, b"".join(chunks))  # the least recently used one goes when full
            await send(message)

        return record

    def clear(self) -> None:
        self.entries.clear()

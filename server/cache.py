"""Whole public responses kept in memory, answered before Litestar routes the request.

Why not Litestar's response cache: a hit there still goes through routing, the middleware stack and the
handler machinery, and reaches about a fifth of a bare ASGI app's throughput; DESIGN.md §7 asks a cached
listing page to reach half (bench/throughput.py measures it). Every public page, API answer and static
file depends only on its URL (its host included), the data version, the negotiated encoding and the day
(listings turn stale or hidden as days pass: search.py), so those four are the key.
"""

from __future__ import annotations

import datetime as dt
import re

from cachetools import LRUCache
from litestar.types import HTTPResponseStartEvent, Message, Scope

from server import search

# Public GET responses that depend on nothing but the URL and the data (never moderator pages, later); a
# group's calendar file (/{lang}/groups/{id}.ics) too, its DTSTAMP then being when the day's copy was made.
CACHEABLE = re.compile(
    r"^/(?:(?:nl|fr|en)(?:/[^/]+)*|api/v1/[a-z-]+(?:/[a-z0-9-]+)?|api/hsds(?:/[a-z_]+(?:/[a-z0-9-]+)?)?"
    r"|api/meeting-guide\.json|static/.+|schema/openapi\.json)$"
)

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


def not_modified(scope: Scope, start: HTTPResponseStartEvent) -> bool:
    """Whether the request's If-None-Match names the kept answer's ETag (then a 304 is enough)."""
    etag = next((value for name, value in start["headers"] if name == b"etag"), None)
    if etag is None:
        return False
    return any(name == b"if-none-match" and etag in value for name, value in scope["headers"])


class PageCache:
    """A bounded LRU of (start message, body) by (data version, day, encoding, path, query string)."""

    def __init__(self, max_entries: int = 2048, max_body: int = 1 << 20) -> None:
        self.max_entries = max_entries
        self.max_body = max_body
        self.entries: LRUCache[Key, Entry] = LRUCache(maxsize=max_entries)
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

    def get(self, key: Key) -> Entry | None:
        return self.entries.get(key)

    def recorder(self, key: Key, send):  # type: ignore[no-untyped-def]
        """Wrap `send` so that a complete 200 response without cookies is kept under `key`."""
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

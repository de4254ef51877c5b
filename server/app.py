"""create_app(settings) -> Litestar: plugins, middleware, routes, lifespan. Nothing else."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Request
from litestar.config.compression import CompressionConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.exceptions import HTTPException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.file import FileStore
from litestar.template import TemplateConfig
from litestar.types import Message, Receive, Scope, Send

from server import db, deps, web, worker
from server.cache import CACHE_CONTROL, PageCache, if_none_match, not_modified
from server.catalog import Catalog
from server.compression import OneFlushBrotli
from server.routes import api, moderate, offline, opendata, pages, submit
from server.settings import Settings, secret, state_dir

# Public pages rendered at once by a worker. With none, 256 connections asking for different pages left hundreds
# waiting past 2 s; with 2, 4, 8 or 32, mostly none did, at the same rate (bench/crowd.py; 2 workers, 2 cores).
RENDERS = 4


class Kring(Litestar):
    """Litestar, with the public page cache (server/cache.py) answering before routing, and HEAD answered as GET."""

    page_cache: PageCache
    hosts: tuple[str, ...]
    headers: list[tuple[bytes, bytes]]  # the security headers of an answer sent before Litestar
    renders: asyncio.Semaphore  # the public pages being rendered at once (the others wait, in order)

    def allowed_host(self, scope: Scope) -> bool:
        """Whether the Host header, without its port, is allowed (Litestar's allowed_hosts compares the port too)."""
        raw = next((v for k, v in scope["headers"] if k == b"host"), b"").decode("latin-1")
        host = raw if raw.endswith("]") or ":" not in raw else raw.rsplit(":", 1)[0]
        return any(h == "*" or h == host or (h.startswith("*.") and host.endswith(h[1:])) for h in self.hosts)

    @staticmethod
    async def send_not_modified(send: Send, headers: list[tuple[bytes, bytes]]) -> None:
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "HEAD":
            # Litestar's @get serves no HEAD (405), yet link checkers, monitors and caches ask with it, and RFC 9110
            # §9.1 wants it wherever GET is: the GET's answer, its headers kept (Content-Length, ETag), no body.
            scope, send = {**scope, "method": "GET"}, without_body(send)
        if scope["type"] == "http" and not self.allowed_host(scope):
            headers = [(b"content-type", b"text/plain"), *self.headers]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send(
                {"type": "http.response.body", "body": b"This host name is not served here.", "more_body": False}
            )
            return
        catalog: Catalog | None = getattr(self.state, "catalog", None)
        if scope["type"] != "http" or catalog is None:
            await super().__call__(scope, receive, send)
            return
        version = (await catalog.current()).version
        key = self.page_cache.key(scope, version)
        if key is None:
            await super().__call__(scope, receive, send)
            return
        hit = self.page_cache.get(key)
        if hit is None:
            tag = self.page_cache.etag(key)
            if if_none_match(scope, tag):  # a proxy asks again for what it keeps: the same key, the same answer
                headers = [(b"etag", tag), (b"cache-control", CACHE_CONTROL), (b"vary", b"Accept-Encoding")]
                await self.send_not_modified(send, [*headers, *self.headers])
                return
            hit = await self.page_cache.rendered_by_another(key)
        if hit is None:
            # At most a few renders at a time, the others wait their turn in order (an asyncio.Semaphore is
            # first come, first served), while kept pages go on being answered at once. Without this, a crowd
            # of different URLs shares the loop among all of them, and a request that awaits more often (a
            # full-text word read on a reader thread) waits behind every other one each time, for seconds.
            async with self.renders:
                hit = self.page_cache.get(key)  # made meanwhile by one that went before
                if hit is None:
                    with self.page_cache.rendering(key):
                        await super().__call__(scope, receive, self.page_cache.recorder(key, send))
                    return
        start, body = hit
        if not_modified(scope, start):
            # A 304 has no body, so none of the headers that describe one (RFC 9110 §15.4.5).
            body_headers = (b"content-length", b"content-type", b"content-encoding")
            await self.send_not_modified(send, [h for h in start["headers"] if h[0] not in body_headers])
            return
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})


def without_body(send: Send) -> Send:
    """A send that passes an answer's start on and keeps its body back (an answer to HEAD)."""

    async def head_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            await send(message)
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    return head_send


async def throttled(request: Request) -> bool:
    """Anonymous sends and sign-in attempts are rate limited; a signed-in moderator's work is not."""
    if request.method != "POST":  # most requests: no need to build their URL
        return False
    path = request.scope["path"]
    return not path.startswith("/moderate/") or path == "/moderate/sign-in"


# Brotli 1 with a 256 KB window. Every answer the app compresses is one the page cache does not have yet, and under
# a crowd of different URLs compression was a fifth of the work: on an uncached listing page (58 KB of HTML, 10,000
# listings) quality 1 takes a third of the time of quality 3 (0.23 ms against 0.68) for 9 % more bytes (12.4 KB
# against 11.3, still in one round trip), and quality 3 was a third of Litestar's default (5, 4 MB) (bench/pages.py,
# bench/crowd.py).
BROTLI_QUALITY, BROTLI_LGWIN = 1, 18


def compression_config() -> CompressionConfig:
    """Litestar checks the quality and window of its own brotli, then this one (server/compression.py) takes its
    place."""
    config = CompressionConfig(
        backend="brotli",
        brotli_quality=BROTLI_QUALITY,
        brotli_lgwin=BROTLI_LGWIN,
        brotli_gzip_fallback=True,
        minimum_size=400,
    )
    config.compression_facade = OneFlushBrotli
    return config


def create_app(settings: Settings | None = None) -> Kring:
    settings = settings or Settings.from_env()
    key = secret(settings)
    state = State({"settings": settings})

    @asynccontextmanager
    async def open_database(app: Litestar) -> AsyncIterator[None]:
        app.state.database = await db.Database.open(settings.db, read_only=settings.read_only)
        try:
            app.state.catalog = Catalog(app.state.database)
            await app.state.catalog.current()
            # What start-up built (the snapshot, the templates, the place list) lives as long as the worker: out
            # of the collector's reach, a full collection no longer walks it, which took about 0.1 s each time,
            # all requests of the worker waiting (bench/crowd.py). Garbage of it is still freed when unreferenced.
            gc.collect()
            gc.freeze()
            yield
        finally:
            await app.state.database.close()

    app = Kring(
        route_handlers=[
            pages.root,
            pages.router,
            submit.router,
            moderate.router(key),
            api.GroupsController,
            opendata.HSDSController,
            opendata.meeting_guide_feed,
            offline.manifest,
            offline.service_worker,
            offline.catalog,
            offline.places,
            create_static_files_router(
                path="/static",
                directories=[web.STATIC_DIR],
                cache_control=CacheControlHeader(public=True, max_age=31_536_000, immutable=True),
            ),
        ],
        lifespan=[open_database],
        dependencies=deps.provided(state),
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(engine=JinjaTemplateEngine(engine_instance=web.environment(settings))),
        compression_config=compression_config(),
        before_send=[web.security_headers(settings)],
        # Anonymous forms: a few sends a minute per visitor, counted in files that every worker shares.
        middleware=[
            RateLimitConfig(
                rate_limit=("minute", settings.form_rate_limit),
                identifier_for_request=submit.client_key(key),
                check_throttle_handler=throttled,
            ).middleware
        ],
        stores={"rate_limit": FileStore(state_dir(settings) / "rate-limit")},
        exception_handlers={HTTPException: web.http_error, db.ReadOnly: web.read_only, Exception: web.server_error},
        openapi_config=OpenAPIConfig(
            title="Kring API",
            version="1",
            description="Support groups, talk circles and group psychotherapy in Belgium and the Netherlands, "
            "and the crisis lines of both countries. No account, no cookies.",
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
        ),
        state=state,
        debug=settings.debug,
    )
    app.page_cache = PageCache(build=worker.build_version(settings.release))
    app.hosts = settings.allowed_hosts
    app.headers = web.header_pairs(settings)
    app.renders = asyncio.Semaphore(RENDERS)
    return app

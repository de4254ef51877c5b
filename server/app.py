"""create_app(settings) -> Litestar: plugins, middleware, routes, lifespan. Nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.response_cache import ResponseCacheConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.datastructures import CacheControlHeader, State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from server import db, web
from server.catalog import Catalog
from server.routes import api, pages
from server.settings import Settings


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        conn = db.connect(settings.db)  # migrations run on a short-lived synchronous connection
        try:
            db.migrate(conn)
        finally:
            conn.close()
        reader = await db.connect_async(settings.db)
        app.state.catalog = Catalog(reader)
        await app.state.catalog.current()
        try:
            yield
        finally:
            await reader.close()

    return Litestar(
        route_handlers=[
            pages.root,
            pages.router,
            api.GroupsController,
            create_static_files_router(
                path="/static",
                directories=[web.STATIC_DIR],
                cache_control=CacheControlHeader(public=True, max_age=31_536_000, immutable=True),
            ),
        ],
        lifespan=[database],
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(engine=JinjaTemplateEngine(engine_instance=web.environment())),
        compression_config=CompressionConfig(backend="brotli", brotli_gzip_fallback=True, minimum_size=400),
        response_cache_config=ResponseCacheConfig(key_builder=pages.cache_key, default_expiration=300),
        before_send=[web.security_headers],
        exception_handlers={HTTPException: web.http_error, Exception: web.server_error},
        openapi_config=OpenAPIConfig(
            title="Kring API",
            version="1",
            description="Support groups, talk circles and group psychotherapy in Belgium and the Netherlands, "
            "and the crisis lines of both countries. No account, no cookies.",
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
        ),
        state=State({"settings": settings}),
        debug=settings.debug,
    )

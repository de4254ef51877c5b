"""What every page shares: the Jinja environment, hashed static URLs, security headers, error pages."""

from __future__ import annotations

import hashlib
import logging
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request, Response
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import HTTPException
from litestar.response import Template
from litestar.types import Message, Scope

from server import i18n, labels, search

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"

log = logging.getLogger("kring")


@cache
def static(path: str) -> str:
    """The URL of a static asset with its content hash, so that it can be cached for a year."""
    file = (STATIC_DIR / path).resolve()
    if not file.is_relative_to(STATIC_DIR) or not file.is_file():
        raise FileNotFoundError(f"no static asset {path!r} in {STATIC_DIR} (run `make setup`?)")
    digest = hashlib.sha256(file.read_bytes()).hexdigest()[:12]
    return f"/static/{path}?v={digest}"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.jinja_gettext, ngettext=i18n.jinja_ngettext, pgettext=i18n.jinja_pgettext, newstyle=True
    )
    env.globals.update(static=static, labels=labels, search=search, locales=i18n.KNOWN_LOCALES)
    env.filters.update(
        date=lambda value, lang, form="long": i18n.date(value, lang, form),
        language=lambda code, lang: i18n.language_name(code, lang),
        decimal=lambda number, lang: format_decimal(number, locale=lang),
        label=lambda key, table, lang: i18n.gettext(lang, table[key]),
        weekday=lambda key, lang: i18n.gettext(lang, labels.WEEKDAY[key]),
    )
    env.globals["spoken_languages"] = lambda results: sorted({*results.counts["lang"], *results.filters.lang})
    return env


# --- security headers (DESIGN.md §6) ---------------------------------------------------------

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "permissions-policy": "camera=(), microphone=(), geolocation=(self), interest-cohort=(), browsing-topics=()",
    "cross-origin-resource-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


async def security_headers(message: Message, scope: Scope) -> None:
    """Adds the security headers to every HTTP response: pages, errors, redirects and static files."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in HEADERS.items():
            if name not in headers:
                headers[name] = value


def page_context(request: Request, lang: str) -> dict[str, Any]:
    """What base.html needs: the language, and the same page in each other language."""
    parts = request.url.path.split("/", 2)
    rest = parts[2] if len(parts) > 2 and parts[1] in i18n.KNOWN_LOCALES else ""
    query = f"?{request.url.query}" if request.url.query else ""
    switch = [(code, name, f"/{code}/{rest}{query}") for code, name in i18n.KNOWN_LOCALES.items()]
    return {"lang": lang, "switch": switch, "path": request.url.path}


# --- errors ---------------------------------------------------------------------------------


def _lang_of(request: Request) -> str:
    first = request.url.path.strip("/").split("/", 1)[0]
    return first if first in i18n.KNOWN_LOCALES else i18n.negotiate(request.headers.get("accept-language"))


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/schema"))


def http_error(request: Request, exc: HTTPException) -> Response[Any]:
    if _wants_json(request):
        body = {"status": exc.status_code, "detail": exc.detail}
        extra = exc.extra.get("errors") if isinstance(exc.extra, dict) else exc.extra
        if extra:
            body["errors"] = extra
        return Response(
            msgspec.json.encode(body), status_code=exc.status_code, media_type=MediaType.JSON, headers=exc.headers
        )
    lang = _lang_of(request)
    return Template(
        "pages/error.html",
        context={**page_context(request, lang), "status": exc.status_code},
        status_code=exc.status_code,
        headers=exc.headers,
        media_type=MediaType.HTML,
    )


def server_error(request: Request, exc: Exception) -> Response[Any]:
    # The traceback goes to the log (without the query string); the visitor gets a calm page.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return http_error(request, HTTPException(status_code=500, detail="Internal server error"))

"""Installable and offline: the web app manifest, the service worker, and the worker's offline data."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import MediaType, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from server import i18n, web, worker
from server.catalog import Snapshot
from server.settings import Settings

# Icons and screenshots live in web/static; sizes are those of the files (see web/static/icons/README.md).
ICONS = [
    ("icons/icon-192.png", "192x192", "any"),
    ("icons/icon-512.png", "512x512", "any"),
    ("icons/maskable-192.png", "192x192", "maskable"),
    ("icons/maskable-512.png", "512x512", "maskable"),
]
SCREENSHOTS = [
    ("screenshots/narrow-{lang}.png", "540x1170", "narrow"),
    ("screenshots/wide-{lang}.png", "1280x800", "wide"),
]


# What catalog_json and places_json encode, for the schema: Litestar would document a Response[bytes] as a
# string, and an array_like Struct as an object. Each item and each place is an array of the fields of
# worker.CatalogItem / worker.OfflinePlace, in order (the descriptions say which).
OfflineCatalogJSON = msgspec.defstruct(
    "OfflineCatalog",
    [
        (field.name, list[list[Any]] if field.name == "items" else field.type)
        for field in msgspec.structs.fields(worker.OfflineCatalog)
    ],
    module=__name__,
)
PlacesJSON = list[list[Any]]
NOT_MODIFIED = ResponseSpec(
    None, description="Not modified: the request's If-None-Match is the current ETag (the data version)."
)


def _etagged(request: Request, body: bytes, etag: str, media_type: str) -> Response[bytes]:
    """An answer browsers and the worker revalidate each time: 304 while the data version is the same."""
    headers = {"etag": f'"{etag}"', "cache-control": "no-cache"}
    if request.headers.get("if-none-match") == f'"{etag}"':
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@get("/manifest.webmanifest", include_in_schema=False)
async def manifest(lang: str = Parameter(default=i18n.DEFAULT, pattern="^(nl|fr|en)$")) -> Response[dict]:
    """The web app manifest, in the page's language (each page links the one of its language)."""
    _ = i18n.translations(lang).gettext
    body = {
        "id": "/",
        "name": "Kring",
        "short_name": "Kring",
        "description": _(
            "Find a support group, a talk circle or group psychotherapy in Belgium and the Netherlands. Crisis numbers on every page."
        ),
        "lang": lang,
        "start_url": f"/{lang}/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f1ea",
        "theme_color": "#f6f1ea",
        "icons": [
            {"src": web.static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
        "screenshots": [
            {"src": web.static(path.format(lang=lang)), "sizes": sizes, "type": "image/png", "form_factor": factor}
            for path, sizes, factor in SCREENSHOTS
        ],
        "shortcuts": [
            {
                "name": _("Crisis numbers"),
                "url": f"/{lang}/crisis",
                "icons": [{"src": web.static("icons/crisis-96.png"), "sizes": "96x96", "type": "image/png"}],
            },
            {
                "name": _("Find a group"),
                "url": f"/{lang}/groups",
                "icons": [{"src": web.static("icons/find-96.png"), "sizes": "96x96", "type": "image/png"}],
            },
        ],
    }
    return Response(body, media_type="application/manifest+json", headers={"cache-control": "no-cache"})


@get("/sw.js", include_in_schema=False)
async def service_worker(settings: NamedDependency[Settings], snapshot: NamedDependency[Snapshot]) -> Response[bytes]:
    """The worker, from the root so that its scope is the whole site; revalidated on every check."""
    release = settings.release
    guides = tuple(g.slug for g in snapshot.guides.get(i18n.DEFAULT, []))
    return Response(
        worker.worker_js(release, guides),
        media_type="text/javascript",
        headers={"cache-control": "no-cache", "etag": f'"{worker.app_version(release, guides)}"'},
    )


@get(
    "/api/v1/catalog",
    operation_id="offlineCatalog",
    tags=["offline"],
    responses={
        200: ResponseSpec(
            OfflineCatalogJSON,
            generate_examples=False,
            description="The catalog; ETag: the data version and the day its dates start from.",
        ),
        304: NOT_MODIFIED,
    },
)
async def catalog(request: Request, snapshot: NamedDependency[Snapshot]) -> Response[bytes]:
    """Every active listing, compact, in the listing's order: what the service worker searches offline.

    Arrays instead of objects (see server/worker.py CatalogItem); the ETag is the data version and the day the
    meetings' dates start from, which changes every day.
    """
    etag = f"{snapshot.version}-{snapshot.today.isoformat()}"
    return _etagged(request, worker.catalog_json(snapshot), etag, MediaType.JSON)


@get(
    "/api/v1/places",
    operation_id="listPlaces",
    tags=["offline"],
    responses={
        200: ResponseSpec(PlacesJSON, generate_examples=False, description="The places; ETag: the data version."),
        304: NOT_MODIFIED,
    },
)
async def places(request: Request, snapshot: NamedDependency[Snapshot]) -> Response[bytes]:
    """The places "near" accepts: [id, country, name, lat, lon, names by language, words]."""
    return _etagged(request, worker.places_json(snapshot), snapshot.version, MediaType.JSON)

"""What the service worker needs to answer offline: the compact catalog, the places, its texts and itself.

The catalog holds every active listing in rank order (search.py) with just what the rules and a result
card need; keys are sent once and values as indexes or bitmasks, so a listing costs about 100 bytes
before compression (DESIGN.md §7: at most 120 bytes compressed). Hidden listings stay in it: whether a
listing is stale or hidden depends on the day, which the worker works out itself (search.js), so the
catalog only changes with the data.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import msgspec
from msgspec import Struct

from server import i18n, labels, search, web
from server.catalog import Listing, Snapshot
from server.labels import N_

KEYS: dict[str, tuple[str, ...]] = {**search.CHOICES, "country": ("BE", "NL")}


class CatalogItem(Struct, array_like=True):
    id: str
    name: str
    kind: int
    format: int  # -1: not known
    themes: int  # bit i: KEYS["theme"][i]
    audience: int
    access: int
    languages: str  # space-separated ISO 639-1 codes
    led_by: int
    cost: int
    membership: int
    place: str  # a place id, or ""
    lat: float | None  # only when the listing has coordinates of its own; else those of `place`
    lon: float | None
    city: str  # place.city when the data gives one
    country: int
    checked: str  # last_checked, ISO
    words: str  # the listing's own words (name, organization, city), search.words()


class OfflineCatalog(Struct):
    version: str
    date: str
    keys: dict[str, tuple[str, ...]]
    labels: dict[str, dict[str, str]]  # param -> value -> the words of its label in nl, fr and en
    items: list[CatalogItem]


class OfflinePlace(Struct, array_like=True):
    id: str
    country: str
    name: str
    lat: float
    lon: float
    names: dict[str, str]
    words: str


def _index(param: str, value: str | None) -> int:
    return -1 if value is None else KEYS[param].index(value)


def _bits(param: str, values: list[str] | tuple[str, ...]) -> int:
    return sum(1 << KEYS[param].index(v) for v in values)


def item(listing: Listing) -> CatalogItem:
    g = listing.group
    own = g.place is not None and g.place.lat is not None
    organization = listing.organization.name if listing.organization else ""
    city = g.place.city if g.place and g.place.city else ""
    return CatalogItem(
        id=g.id,
        name=g.name,
        kind=_index("kind", g.kind),
        format=_index("format", g.format),
        themes=_bits("theme", g.themes),
        audience=_bits("audience", g.audience),
        access=_bits("access", [k for k in KEYS["access"] if getattr(g.accessibility, k) is True]),
        languages=" ".join(g.languages),
        led_by=_index("led_by", g.led_by),
        cost=_index("cost", g.cost),
        membership=_index("membership", g.membership),
        place=g.place.place_id or "" if g.place else "",
        lat=listing.lat if own else None,
        lon=listing.lon if own else None,
        city=city,
        country=_index("country", g.country),
        checked=g.last_checked.isoformat(),
        words=" ".join(dict.fromkeys(search.words(f"{g.name} {organization} {city}"))),
    )


def label_words() -> dict[str, dict[str, str]]:
    """The words of each kind, theme and audience label in every language (a query word may match them)."""
    out: dict[str, dict[str, str]] = {}
    for param, table in (("kind", labels.KIND), ("theme", labels.THEME), ("audience", labels.AUDIENCE)):
        out[param] = {
            key: " ".join(
                dict.fromkeys(w for lang in i18n.KNOWN_LOCALES for w in search.words(i18n.gettext(lang, text)))
            )
            for key, text in table.items()
        }
    return out


def catalog_json(snapshot: Snapshot) -> bytes:
    cached = getattr(snapshot, "_offline_catalog", None)
    if cached is None:
        catalog = OfflineCatalog(
            version=snapshot.version,
            date=snapshot.date,
            keys=KEYS,
            labels=label_words(),
            items=[item(listing) for listing in snapshot.active],
        )
        cached = snapshot._offline_catalog = msgspec.json.encode(catalog)  # type: ignore[attr-defined]
    return cached


def places_json(snapshot: Snapshot) -> bytes:
    cached = getattr(snapshot, "_offline_places", None)
    if cached is None:
        places = [
            OfflinePlace(
                id=p.id,
                country=p.country,
                name=p.name,
                lat=p.lat,
                lon=p.lon,
                names=p.names,
                words=" ".join(dict.fromkeys(w for text in (p.name, *p.names.values()) for w in search.words(text))),
            )
            for p in snapshot.places.values()
        ]
        cached = snapshot._offline_places = msgspec.json.encode(places)  # type: ignore[attr-defined]
    return cached


# --- the worker --------------------------------------------------------------------------------

WORKER_SOURCE = web.STATIC_DIR / "js" / "sw.js"
# The texts the worker writes into offline results, per language.
WORKER_MESSAGES = (
    N_("Checked on %(date)s"),
    N_("Not checked since %(date)s"),
    N_("%(km)s km away"),
    N_("in several places"),
    N_("No group fits all of these filters."),
    N_("Try fewer filters, a larger distance, or online groups."),
    N_("Clear all filters"),
    N_("Pages"),
    N_("Previous page"),
    N_("Next page"),
    N_("Page %(page)d of %(pages)d"),
    N_("You are offline. These results come from the data Kring saved on %(date)s."),
)


def worker_texts() -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for lang in i18n.KNOWN_LOCALES:
        t = i18n.translations(lang)
        table = i18n.labels_in(lang)
        out[lang] = {
            "messages": {m: t.gettext(m) for m in WORKER_MESSAGES},
            "found": [t.ngettext("%(num)d group found", "%(num)d groups found", n) for n in (1, 2)],
            "kind": table.KIND,
            "theme": table.THEME,
            "format": table.FORMAT,
            "country": table.COUNTRY,
        }
    return out


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@cache
def app_version(release: str = "", guides: tuple[str, ...] = ()) -> str:
    """A hash of what the worker precaches or is: static files, templates, translations, guides, release."""
    digest = hashlib.sha256(" ".join((release, *guides)).encode())
    for folder in (web.STATIC_DIR, web.TEMPLATES_DIR, i18n.LOCALES_DIR):
        for path in _files(folder):
            digest.update(str(path.relative_to(folder.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


PAGES = ("", "groups", "crisis", "start", "guide", "saved", "about", "offline")


def precache_urls(guides: tuple[str, ...] = ()) -> list[str]:
    """What the worker stores at install: the app shell, and the pages that must open offline."""
    assets = [web.static(path) for path in ("css/kring.css", "vendor/htmx.min.js", "js/app.js")]
    pages = [f"/{lang}/{page}" for lang in i18n.KNOWN_LOCALES for page in (*PAGES, *(f"guide/{g}" for g in guides))]
    return [*assets, *pages, "/api/v1/catalog", "/api/v1/places"]


@cache
def worker_js(release: str = "", guides: tuple[str, ...] = ()) -> bytes:
    """The worker, with its settings; `guides` are the slugs of the guides (the same in every language)."""
    settings = msgspec.json.encode(
        {
            "version": app_version(release, guides),
            "precache": precache_urls(guides),
            "search": web.static("js/search.js"),
            "texts": worker_texts(),
            "languages": list(i18n.KNOWN_LOCALES),
            "languageCodes": sorted(search.LANGUAGE_CODES),
        }
    )
    return b"const KRING = " + settings + b";\n" + WORKER_SOURCE.read_bytes()

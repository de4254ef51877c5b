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
from types import SimpleNamespace
from typing import Any

import msgspec
from markupsafe import Markup, escape
from msgspec import Struct

from server import i18n, labels, search, web
from server.catalog import Listing, Snapshot

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


def worker_texts() -> dict[str, dict[str, object]]:
    """The words the worker puts into its skeletons' slots, per language: labels, and the messages that
    hold numbers (gettext's %(num)d takes no slot, so the worker formats those itself)."""
    out: dict[str, dict[str, object]] = {}
    for lang in i18n.KNOWN_LOCALES:
        table = i18n.labels_in(lang)
        out[lang] = {
            "found": [web.count_message(lang, n) for n in (1, 2)],
            "page": i18n.gettext(lang, web.PAGE_OF),
            "kind": table.KIND,
            "theme": table.THEME,
            "country": table.COUNTRY,
        }
    return out


def slot(name: str) -> str:
    """Where the worker puts a value into a skeleton (in one pass, so a value holding these brackets stays text)."""
    return f"\u27e6{name}\u27e7"


def _listed(html: str, name: str) -> tuple[str, str]:
    """`html` drew a loop over two stand-ins that each print slot `name`: the loop as if it had one, and what
    the template writes between two (the worker joins a list with it)."""
    before, between, after = html.split(slot(name))
    return before + slot(name) + after, between


def _shown(**empty: str) -> web.Shown:
    """web.Shown with a slot in every field but those given (empty: the shape without that part)."""
    return web.Shown(**({name: slot(name) for name in web.Shown._fields} | empty))


@cache
def skeletons(lang: str) -> dict[str, Any]:
    """The offline results in `lang` as the server's templates draw them, with a slot wherever a value goes:
    partials/_offline_results.html and _card.html in each of their shapes, _result_counts.html, and web.py's
    pieces of text and markup. sw.js fills the slots with text only."""
    env = web.environment()
    some = SimpleNamespace(items=[(None, None)] * 2, is_stale=lambda _: False)
    # _results.html's shapes: no results; one page of them; the first, a middle and the last of several pages.
    shapes = {
        "none": (SimpleNamespace(items=[]), _shown()),
        "one": (some, _shown(page="", previous="", next="")),
        "first": (some, _shown(previous="")),
        "middle": (some, _shown()),
        "last": (some, _shown(next="")),
    }
    results: dict[str, str] = {}
    between: dict[str, str] = {}
    for shape, (found, shown) in shapes.items():
        html = env.get_template("partials/_offline_results.html").render(
            lang=lang,
            saved_on=slot("date"),
            results=found,
            shown=shown,
            card=lambda *_: Markup(slot("cards")),  # noqa: S704 (a slot: the worker puts the cards there)
        )
        if found.items:
            results[shape], between["cards"] = _listed(html, "cards")
        else:
            results[shape] = html
    # _card.html's shapes: fresh or stale, with or without themes.
    cards: dict[str, dict[str, str]] = {"fresh": {}, "stale": {}}
    for freshness in cards:
        for look, themes in (("plain", []), ("themed", [slot("themes")] * 2)):
            html = env.get_template("partials/_card.html").render(
                lang=lang,
                card=web.Card(**({name: slot(name) for name in web.Card._fields} | {"themes": themes})),
                distance=slot("distance"),
                stale=freshness == "stale",
            )
            if themes:
                cards[freshness][look], between["themes"] = _listed(html, "themes")
            else:
                cards[freshness][look] = html
    counts = env.get_template("partials/_result_counts.html").render(
        lang=lang,
        results=None,
        shown=_shown(),
        count_updates=lambda _: Markup(slot("options")),  # noqa: S704 (a slot: the worker puts the options there)
    )
    return {
        "results": results,
        "card": cards,
        "where": {f or "": str(escape(web.where(lang, f, slot("place")))) for f in (*labels.FORMAT, None)},
        "away": str(escape(web.away(lang, slot("km")))),
        "counts": counts,
        "option": web.OPTION_COUNT.format(param=slot("param"), value=slot("value"), n=slot("n")),
        "between": between,
    }


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
            "skeletons": {lang: skeletons(lang) for lang in i18n.KNOWN_LOCALES},
            # The options whose counts a fragment updates (web.count_updates): every value of each facet, then
            # the languages the listings speak (and any chosen) under this parameter.
            "facets": {param: list(table) for param, table in labels.FACETS.items()},
            "spoken": "lang",
            "languages": list(i18n.KNOWN_LOCALES),
            "languageCodes": sorted(search.LANGUAGE_CODES),
        }
    )
    return b"const KRING = " + settings + b";\n" + WORKER_SOURCE.read_bytes()

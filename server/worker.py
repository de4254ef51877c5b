"""What the service worker needs to answer offline: the compact catalog, the places, its texts and itself.

The catalog holds every active listing in rank order (search.py) with just what the rules and a result
card need. The facets (server/facets.py) and search.py's constants travel with it, so search.js applies
the same filters without naming any; values are sent once and each listing's as indexes or bitmasks, so a
listing costs about 100 bytes before compression (DESIGN.md §7: at most 120 bytes compressed). Hidden listings stay in it: whether a
listing is stale or hidden depends on the day, which the worker works out itself (search.js), so the
catalog only changes with the data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import msgspec
from markupsafe import Markup, escape
from msgspec import Struct

from server import facets, i18n, labels, meetings, search, web
from server.catalog import Listing, Snapshot
from server.facets import Registry
from server.settings import Settings

COUNTRIES = ("BE", "NL")
MAX_FACET_VALUES = 53  # an item's facet bits must stay exact in a JavaScript number (2**53)


class Rules(Struct):
    """search.py's constants, which search.js takes from the catalog instead of retyping them."""

    per_page: int
    max_page: int
    max_query_length: int
    max_query_words: int
    within_choices: tuple[int, ...]
    default_within: int
    stale_months: int
    hidden_months: int
    spelled_out: dict[str, str]
    earth_radius_km: float
    window_days: int
    orders: tuple[str, ...]
    no_time: int


RULES = Rules(
    per_page=search.PER_PAGE,
    max_page=search.MAX_PAGE,
    max_query_length=search.MAX_QUERY_LENGTH,
    max_query_words=search.MAX_QUERY_WORDS,
    within_choices=search.WITHIN_CHOICES,
    default_within=search.DEFAULT_WITHIN,
    stale_months=search.STALE_MONTHS,
    hidden_months=search.HIDDEN_MONTHS,
    spelled_out=search.SPELLED_OUT,
    earth_radius_km=search.EARTH_RADIUS_KM,
    window_days=search.WINDOW_DAYS,
    orders=search.ORDERS,
    no_time=search.NO_TIME,
)


class OfflineFacet(Struct):
    """A facet (server/facets.py) as search.js applies it."""

    param: str
    rule: str  # "any" or "all"
    counted: bool
    open: bool  # any ISO 639-1 code is accepted (the worker has the list), not only `values`
    values: tuple[str, ...]  # bit i of an item's number for this facet: it has values[i]
    words: dict[str, str] | None  # value -> the words of its label in nl, fr and en, which query words match


class CatalogItem(Struct, array_like=True):
    """One listing; `fields` in the catalog names these in order, so search.js reads them by name."""

    id: str
    name: str
    kind: int  # the card's kind: an index into the values of the kind facet
    format: int  # the card's format: an index into the values of the format facet; -1: not known
    themes: int  # the card's tags: bits over the values of the theme facet
    place: str  # the place id the card names, or ""
    # Where it meets, for "near": a place id (its coordinates are in the places list) or [lat, lon].
    points: list[str | tuple[float, float]]
    # With two points or more, each point's town: (the town the data writes, or "", and the Kring place id, or
    # ""), so that near a place the card names the nearest town, as the server's (Listing.nearest_town).
    towns: list[tuple[str, str]]
    city: str  # the town the card names when the data writes one
    country: int  # index into COUNTRIES
    checked: str  # last_checked, ISO
    words: str  # the listing's own words (name, organization, city), search.words()
    facets: list[int]  # one number per facet of the catalog, in order: its bits say which values it has
    meetings: int  # how many meetings the data gives (with none, the card says nothing of dates)
    # The listing's dates (search.py), as days after the catalog's `dated` * 10000 + HHMM (2400: no time).
    dates: list[int]


class OfflineCatalog(Struct):
    version: str
    date: str
    dated: str  # the day the items' dates count from (ISO), the snapshot's
    rules: Rules
    countries: tuple[str, ...]
    facets: list[OfflineFacet]
    fields: tuple[str, ...]  # the names of an item's fields
    items: list[CatalogItem]


class OfflinePlace(Struct, array_like=True):
    id: str
    country: str
    name: str
    lat: float
    lon: float
    names: dict[str, str]
    words: str


def offline_facets(snapshot: Snapshot) -> list[OfflineFacet]:
    out = []
    for facet in snapshot.facets:
        values = facet.values if facet.labels is not None else tuple(snapshot.present(facet.param))
        if len(values) > MAX_FACET_VALUES:
            raise ValueError(f"facet {facet.param!r} has {len(values)} values; the offline catalog takes 53 at most")
        words = None
        if facet.words and facet.labels is not None:
            words = {key: _label_words(text) for key, text in facet.labels.items()}
        out.append(OfflineFacet(facet.param, facet.rule, facet.counted, facet.labels is None, values, words))
    return out


def _label_words(text: str) -> str:
    return " ".join(dict.fromkeys(w for lang in i18n.KNOWN_LOCALES for w in search.words(i18n.gettext(lang, text))))


def _bits(values: tuple[str, ...], have: Iterable[str]) -> int:
    return sum(1 << values.index(v) for v in dict.fromkeys(have))


def item(
    listing: Listing,
    facets: list[OfflineFacet],
    values: dict[str, tuple[str, ...]],
    registry: Registry,
    ids: dict[tuple[float, float], str],
    dated: dt.date,
) -> CatalogItem:
    """One listing's row; `values`: each offline facet's values by parameter, `ids`: the place ids by their
    coordinates (both worked out once per catalog); `dated`: the day its dates count from."""
    first = dated.toordinal() * 10_000
    g = listing.group
    organization = listing.organization.name if listing.organization else ""
    city = listing.city or ""
    return CatalogItem(
        id=g.id,
        name=g.name,
        kind=values["kind"].index(g.kind),
        format=-1 if g.format is None else values["format"].index(g.format),
        themes=_bits(values["theme"], g.themes),
        place=listing.place.id if listing.place else "",
        points=[ids.get(point, point) for point in listing.points],
        towns=[(c or "", k.id if k else "") for c, k in listing.towns] if len(listing.points) > 1 else [],
        city=city,
        country=COUNTRIES.index(g.country),
        checked=g.last_checked.isoformat(),
        words=" ".join(dict.fromkeys(search.words(f"{g.name} {organization} {city}"))),
        facets=[_bits(f.values, registry[f.param].of(g)) for f in facets],
        meetings=len(g.meetings),
        dates=[w.key - first for w in listing.dates],
    )


def catalog_json(snapshot: Snapshot) -> bytes:
    cached = getattr(snapshot, "_offline_catalog", None)
    if cached is None:
        facets = offline_facets(snapshot)
        values = {f.param: f.values for f in facets}
        ids = {(p.lat, p.lon): p.id for p in snapshot.places.values()}
        catalog = OfflineCatalog(
            version=snapshot.version,
            date=snapshot.date,
            dated=snapshot.today.isoformat(),
            rules=RULES,
            countries=COUNTRIES,
            facets=facets,
            fields=CatalogItem.__struct_fields__,
            items=[item(listing, facets, values, snapshot.facets, ids, snapshot.today) for listing in snapshot.active],
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
            # What meetings.short_date() writes ('Tue 8 Dec'), in its parts.
            "calendar": meetings.calendar_names(lang),
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
    env = web.environment(Settings())  # no setting changes what the partials draw
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
            # A slot for each card (the worker puts them there), with what web.cards() writes between two.
            cards=lambda found: Markup(web.BETWEEN_CARDS.join(slot("cards") for _ in found.items)),  # noqa: S704
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
                next=Markup(slot("next")),  # noqa: S704 (a slot: the worker puts the line on the next date there)
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
    next_line = env.get_template("partials/_card_next.html")
    return {
        "results": results,
        "card": cards,
        # The card's line on its next date, and the one for a listing whose known dates have all passed.
        "next": next_line.render(lang=lang, when=slot("when")).strip(),
        "ended": next_line.render(lang=lang, when="").strip(),
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


@cache
def build_version(release: str = "") -> str:
    """A hash of everything that shapes an answer but the data: the code (server/), the files app_version
    covers, and the release. Part of every public answer's ETag, so that a new release is never taken for the
    old one's page by a cache that asks with If-None-Match."""
    digest = hashlib.sha256(app_version(release).encode())
    code = web.WEB_DIR.parent / "server"
    for path in _files(code):
        if path.suffix in (".py", ".sql"):
            digest.update(str(path.relative_to(code)).encode())
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
            "languages": list(i18n.KNOWN_LOCALES),
            "languageCodes": sorted(facets.LANGUAGE_CODES),
        }
    )
    return b"const KRING = " + settings + b";\n" + WORKER_SOURCE.read_bytes()

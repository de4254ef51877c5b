"""What every page shares: the Jinja environment, hashed static URLs, security headers, error pages."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

import msgspec
from babel.numbers import format_decimal
from cachetools import LRUCache
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Template
from litestar.types import Message, Scope
from markupsafe import Markup, escape

from server import forms, i18n, labels, meetings, models, search
from server.catalog import Listing, Results, Snapshot, When
from server.facets import Facet
from server.labels import N_
from server.settings import Settings

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


# The crisis page must show its call buttons after one round trip on a slow phone (DESIGN.md §4), so it
# carries the first part of the stylesheet inline (what it draws; kring.css marks where that part ends).
# The CSP allows exactly this text by its hash, never 'unsafe-inline'.
_CSS = (STATIC_DIR / "css" / "kring.css").read_text(encoding="utf-8")
INLINE_CSS = _CSS[: _CSS.index("/* --- The crisis page carries everything above this line")].rstrip() + "\n"
INLINE_CSS_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(INLINE_CSS.encode()).digest()).decode() + "'"


def environment(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        auto_reload=settings.debug,
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.jinja_gettext, ngettext=i18n.jinja_ngettext, pgettext=i18n.jinja_pgettext, newstyle=True
    )
    env.globals["_"] = i18n.jinja_text  # the same answers as the extension's `_`, kept (i18n.jinja_text)
    env.globals.update(
        static=static,
        labels=labels,
        search=search,
        locales=i18n.KNOWN_LOCALES,
        report_reasons=forms.REPORT_REASONS,
        max_meetings=forms.MAX_MEETINGS,
        describe_meeting=meetings.describe,
        inline_css=Markup(INLINE_CSS),  # noqa: S704 (our own stylesheet)
        public_url=settings.public_url,
        exit_url=settings.exit_url,
    )
    env.filters.update(
        date=lambda value, lang, form="long": i18n.date(value, lang, form),
        language=lambda code, lang: i18n.language_name(code, lang),
        decimal=decimal,
        label=lambda key, table, lang: i18n.gettext(lang, table[key]),
        weekday=lambda key, lang: i18n.gettext(lang, labels.WEEKDAY[key]),
    )
    env.globals.update(
        facet_options=facet_options,
        count_updates=count_updates,
        card=card,
        cards=cards,
        sms_link=sms_link,
        place_choices=place_choices,
        print_crisis=print_crisis,
    )
    # The icons' macros (partials/_icons.html) for every template, made once: an `{% import %}` in each template
    # that draws one made them anew each time, a fortieth of an uncached listing request (its cards did it too).
    env.globals["icon"] = env.get_template("partials/_icons.html").module
    return env


_PLACES: LRUCache[tuple[str, str], list[tuple[str, list[tuple[str, str]]]]] = LRUCache(maxsize=16)


def place_options(snapshot: Snapshot, lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The places to choose from, by country, sorted by their name in `lang` (sorted once per data version)."""
    key = (snapshot.version, lang)
    found = _PLACES.get(key)
    if found is None:
        found = []
        for country in ("BE", "NL"):
            places = [(p.id, p.label(lang)) for p in snapshot.places.values() if p.country == country]
            places.sort(key=lambda item: (search.normalise(item[1]), item[0]))
            found.append((country, places))
        _PLACES[key] = found
    return found


_PLACE_CHOICES: LRUCache[tuple[str, str], str] = LRUCache(maxsize=16)


def place_options_html(env: Environment, snapshot: Snapshot, lang: str) -> str:
    """The options of a place select (partials/_places.html): about 470 of them, rendered once per data version
    and language."""
    key = (snapshot.version, lang)
    html = _PLACE_CHOICES.get(key)
    if html is None:
        template = env.get_template("partials/_place_choices.html")
        html = template.render(L=i18n.labels_in(lang), places=place_options(snapshot, lang)).strip()
        _PLACE_CHOICES[key] = html
    return html


@pass_context
def place_choices(context: Context, selected: str | None) -> Markup:
    """A place select's options, the chosen one marked (mark_place)."""
    snapshot = context["snapshot"]
    return mark_place(place_options_html(context.environment, snapshot, context["lang"]), snapshot, selected)


def option_values(snapshot: Snapshot, results: Results, facet: Facet) -> list[str]:
    """A facet's options in the form: every declared value; for an open facet (any ISO 639-1 code) the
    values the data has, and any chosen."""
    if facet.labels is not None:
        return list(facet.labels)
    return sorted({*snapshot.present(facet.param), *results.filters.selected(facet.param)})


def facet_options(snapshot: Snapshot, results: Results, facet: Facet, lang: str) -> list[tuple[str, str]]:
    """The options with their labels in `lang`, as (value, label)."""
    values = option_values(snapshot, results, facet)
    if facet.labels is not None:
        return [(value, i18n.gettext(lang, facet.labels[value])) for value in values]
    return [(code, i18n.language_name(code, lang)) for code in values]


# Where a cached piece of markup leaves room for the request's own part: a NUL, which none of Kring's own texts
# (templates, translations, facet keys) holds. Names from data files and values from the request are put into the
# slots; they are never in the markup that is split.
SLOT = "\x00"
_FIELDSETS: LRUCache[tuple[str, str, str, tuple[str, ...]], list[str]] = LRUCache(maxsize=512)
_FORMS: LRUCache[tuple[str, str, tuple[tuple[str, str], ...]], list[str]] = LRUCache(maxsize=16)


def slot(name: str, value: object = "") -> Markup:
    return Markup(f"{SLOT}{name}:{value}{SLOT}")  # noqa: S704 (a slot's name and a key, a number or a language code)


def fill(parts: list[str], fillers: dict[str, Callable[[str], str]]) -> str:
    """Cached markup split at its slots (the odd parts, "name:value"), each slot replaced by its filler's text (which
    the filler escapes)."""
    out = parts[:]
    for i in range(1, len(out), 2):
        name, _, value = out[i].partition(":")
        out[i] = fillers[name](value)
    return "".join(out)


def fieldset(env: Environment, snapshot: Snapshot, results: Results, lang: str, facet: Facet) -> str:
    """A facet's fieldset of checkboxes (partials/_filters.html). Its options and labels depend on the data version,
    the language and the options shown, so it is rendered once for each; which boxes are checked and how many
    groups each would leave are filled into its slots for every request."""
    values = option_values(snapshot, results, facet)
    key = (snapshot.version, lang, facet.param, tuple(values))
    parts = _FIELDSETS.get(key)
    if parts is None:
        options = facet_options(snapshot, results, facet, lang)
        html = env.get_template("partials/_filters.html").render(lang=lang, facet=facet, options=options, slot=slot)
        parts = _FIELDSETS[key] = html.split(SLOT)
    selected = results.filters.selected(facet.param)
    counts = results.counts.get(facet.param, {})
    # fill() with its two fillers written out: this runs for about 170 slots a page, and a lambda call for each
    # made the form of filters take 74 µs instead of 60.
    out = parts[:]
    for i in range(1, len(out), 2):
        name, _, value = out[i].partition(":")
        out[i] = str(counts.get(value, 0)) if name == "count" else " checked" if value in selected else ""
    return "".join(out)


def filter_form(
    env: Environment, snapshot: Snapshot, lang: str, results: Results, problems: list[search.ParamError]
) -> str:
    """The listing's form of filters (partials/_filter_form.html), about half of rendering the listing page when
    it was rendered whole for each request. Now it is rendered once per data version, language and layout of the
    facets, and what the request chose is filled into its slots."""
    filters = results.filters
    key = (snapshot.version, lang, snapshot.facets.layout)
    parts = _FORMS.get(key)
    if parts is None:
        template = env.get_template("partials/_filter_form.html")
        # The places are a slot too: their names come from data files, and only our own texts are split at SLOT.
        places = slot("places")
        L = i18n.labels_in(lang)
        html = template.render(lang=lang, L=L, snapshot=snapshot, slot=slot, place_choices=lambda _: places)
        parts = _FORMS[key] = html.split(SLOT)

    def told(_: str) -> str:
        # Outside the form's markup: a value in the address may hold anything, a NUL too.
        return (
            "\n" + env.get_template("partials/_problems.html").render(lang=lang, problems=problems) if problems else ""
        )

    def opened(section: str) -> str:
        chosen = any(facet.param in filters.lists for facet in snapshot.facets.section(section))
        return " open" if chosen or (section == "when" and filters.soon) else ""

    return fill(
        parts,
        {
            "problems": told,
            "q": lambda _: str(escape(filters.q)),
            "fieldset": lambda param: fieldset(env, snapshot, results, lang, snapshot.facets[param]),
            "within": lambda km: " selected" if km == str(filters.radius) else "",
            "open": opened,
            "soon": lambda _: " checked" if filters.soon else "",
            "soon-days": lambda _: str(filters.soon or search.SOON_CHOICE),
            "order": lambda key: " selected" if key == filters.order else "",
            "places": lambda _: mark_place(place_options_html(env, snapshot, lang), snapshot, filters.near),
        },
    )


_PRINT_CRISIS: LRUCache[tuple[str, str, str, str], str] = LRUCache(maxsize=64)


@pass_context
def print_crisis(context: Context, sections: list[Any]) -> Markup:
    """The crisis numbers a printed page keeps (partials/_print_crisis.html), from routes/pages.py
    crisis_sections()."""
    origin = context["public_url"] or context["origin"]
    html = print_crisis_html(
        context.environment, context["snapshot"].version, context["lang"], origin, sections[0].country, lambda: sections
    )
    return Markup(html)  # noqa: S704 (our own rendered, escaped template)


def print_crisis_html(
    env: Environment, version: str, lang: str, origin: str, first: str, sections: Callable[[], list[Any]]
) -> str:
    """The printed crisis numbers follow from the data version and the country put `first`, so they are rendered
    once for each, per language and origin (the full link to the crisis page); `sections` gives them, when needed."""
    key = (version, lang, first, origin)
    html = _PRINT_CRISIS.get(key)
    if html is None:
        template = env.get_template("partials/_print_crisis.html")
        html = _PRINT_CRISIS[key] = template.render(lang=lang, sections=sections(), origin=origin)
    return html


def mark_place(html: str, snapshot: Snapshot, selected: str | None) -> Markup:
    """A place select's options with the chosen place marked: a place id is a slug, so its option is found
    exactly."""
    if selected and selected in snapshot.places:
        html = html.replace(f'<option value="{selected}">', f'<option value="{selected}" selected>', 1)
    return Markup(html)  # noqa: S704 (our own rendered, escaped template)


# One filter option's new count, swapped out of band; the worker's skeletons hold it with slots (worker.py).
OPTION_COUNT = '<span id="n-{param}-{value}" hx-swap-oob="true" class="n">{n}</span>'


_COUNT_HEAD, _COUNT_TAIL = OPTION_COUNT.split("{n}")


@cache
def _count_head(param: str, value: str) -> str:
    """The span of one option's count up to its number (a facet key and a value: a known label's key, or an
    ISO 639-1 code)."""
    return _COUNT_HEAD.format(param=param, value=value)


@pass_context
def count_updates(context: Context, results: Results) -> Markup:
    """Each filter option's new count, for htmx to swap out of band (about 60 spans: built here, not in Jinja)."""
    snapshot = context["snapshot"]
    spans = [
        f"{_count_head(facet.param, value)}{results.counts[facet.param].get(value, 0)}{_COUNT_TAIL}"
        for facet in snapshot.facets
        if facet.counted
        for value in option_values(snapshot, results, facet)
    ]
    return Markup("\n".join(spans))  # noqa: S704 (keys and numbers only, none from the request)


class Shown(NamedTuple):
    """What the listing prints around its cards (partials/_results.html, _result_counts.html), as text, so
    that the worker's skeletons (server/worker.py) can stand in for each field with a slot."""

    count: str  # "12 groups found"
    start: str  # the number of the first card on this page
    page: str  # "Page 2 of 5", or "" when one page holds every result
    previous: str  # the URL of the page before, or ""
    next: str  # the URL of the page after, or ""


class Card(NamedTuple):
    """What a listing's card (partials/_card.html) prints, as text, for the same reason as Shown."""

    id: str
    name: str
    kind: str
    where: str
    themes: list[str]
    checked: str  # the day a person last checked it


SEVERAL_PLACES = N_("in several places")
AWAY = N_("%(km)s km away")
PAGE_OF = N_("Page %(page)d of %(pages)d")


def count_message(lang: str, n: int) -> str:
    """The live region's words for n groups found, %(num)d still in them (the worker formats them too)."""
    return i18n.translations(lang).ngettext("%(num)d group found", "%(num)d groups found", n)


def where(lang: str, format: str | None, place: str) -> str:
    """Where a card says a group meets: online, or its place, with "online" when it meets both ways and "in
    several places" when the data gives no format."""
    online = i18n.labels_in(lang).FORMAT["online"]
    if format == "online":
        return online
    if format == "hybrid":
        return f"{place} · {online}"
    if format is None:
        return f"{place} · {i18n.gettext(lang, SEVERAL_PLACES)}"
    return place


def away(lang: str, km: str) -> str:
    """What follows the place on a card when the visitor chose a place to be near."""
    return " · " + i18n.gettext(lang, AWAY) % {"km": km}


def card_fields(item: Listing, lang: str) -> Card:
    """The card's words that depend on the listing and the language only; where it meets (which depends on the
    place the visitor chose) is put in by card()."""
    g = item.group
    L = i18n.labels_in(lang)
    return Card(
        id=g.id,
        name=g.name,
        kind=L.KIND[g.kind],
        where=_WHERE,
        themes=[L.THEME[t] for t in g.themes],
        checked=checked_on(g.last_checked, lang),
    )


def card_where(item: Listing, lang: str, near: models.KnownPlace | None) -> str:
    """Where the card says it meets: near a place, the nearest town it meets in (a listing may meet in several)."""
    g = item.group
    town = item.nearest_town(lang, near) if near else item.town(lang)
    return where(lang, g.format, town or i18n.labels_in(lang).COUNTRY[g.country])


class MeetingShown(NamedTuple):
    """One meeting as the group page prints it (partials/_meetings.html)."""

    index: int  # in group.meetings
    rule: str  # the rule in words with its hours; "" when the data does not say when
    where: str  # "Online", or the address, postcode and town ("" when the data gives none)
    notes: Any  # dict of texts by language (field.localized), or {}
    address: str  # the address line to copy; "" when it meets online
    geo: str  # a geo: link that opens the phone's map app at the place; "" without coordinates


class DateShown(NamedTuple):
    """One of the next dates on the group page."""

    day: str  # "Tuesday 8 December"
    hours: str  # "19:30-21:30" (with an en dash), "from 19:30", or ""
    where: str  # the town, "Online", or "" when all meetings are in one place
    starts: str  # ISO, for <time datetime>


NEXT_DATES = 3  # how many the group page lists


def address(place: Any, town: str | None) -> str:
    """A place as one line: street and number, postcode, town (what the data gives)."""
    return ", ".join(part for part in (place.address, place.postcode, town) if part)


def geo_link(lat: float, lon: float, line: str) -> str:
    """A geo: URI (RFC 5870) that the phone hands to its own map app, which then looks up `line` near the
    point (Android's ?q=). Kring itself sends nothing anywhere."""
    return f"geo:{lat:.5f},{lon:.5f}" + (f"?q={quote(line, safe='')}" if line else "")


class MeetingPlace(NamedTuple):
    """Where one meeting is, as the group page and the calendar file (server/ics.py) say it."""

    where: str  # "Online", or the address line ("" when the data gives none)
    address: str  # the address line of an in-person meeting; "" online
    geo: str  # a geo: link that opens the phone's map app at the place; "" online or without coordinates


def meeting_place(
    group: models.Group, meeting: models.Meeting, lang: str, places: dict[str, models.KnownPlace]
) -> MeetingPlace:
    """Where a meeting is: online, or in person at its own place, else the listing's. `places`: the
    snapshot's Kring places, which name a place_id's town and give its coordinates when the data has none."""
    if meeting.online:
        return MeetingPlace(i18n.labels_in(lang).FORMAT["online"], "", "")
    place = meeting.place or group.place
    if place is None:
        return MeetingPlace("", "", "")
    known = places.get(place.place_id) if place.place_id else None
    line = address(place, place.city or (known.label(lang) if known else None))
    lat = place.lat if place.lat is not None else (known.lat if known else None)
    lon = place.lon if place.lon is not None else (known.lon if known else None)
    return MeetingPlace(line, line, geo_link(lat, lon, line) if lat is not None and lon is not None else "")


def meetings_shown(item: Listing, lang: str, places: dict[str, Any]) -> list[MeetingShown]:
    """The listing's meetings in words; `places`: the snapshot's Kring places (meeting_place())."""
    out = []
    for i, m in enumerate(item.group.meetings):
        where, line, geo = meeting_place(item.group, m, lang, places)
        out.append(MeetingShown(i, meetings.describe(m, lang), where, m.notes, line, geo))
    return out


def next_dates(item: Listing, lang: str, today: Any, shown: list[MeetingShown]) -> list[DateShown]:
    """The next NEXT_DATES dates from `today`, with where each is when the meetings are in several places."""
    several = len({m.where for m in shown}) > 1
    out = []
    for when in item.upcoming(today)[:NEXT_DATES]:
        meeting = item.group.meetings[when.meeting]
        out.append(
            DateShown(
                day=meetings.weekday_date(when.starts.date(), lang),
                hours=meetings.hours(meeting, lang),
                where=shown[when.meeting].where if several else "",
                starts=when.starts.isoformat(),
            )
        )
    return out


NEXT_DATE = N_("Next date: %(date)s")


@pass_context
def sms_link(context: Context, name: str, next_date: DateShown | None, url: str) -> str:
    """An sms: link whose message holds the group's name, its next date and the page's address, for a phone
    without data (it needs no JavaScript either). `sms:?&body=` is the form both Android and iOS read."""
    lang = context["lang"]
    lines = [name]
    if next_date is not None:
        when = ", ".join(part for part in (next_date.day, next_date.hours) if part)
        if next_date.where:
            when += f" · {next_date.where}"
        lines.append(i18n.gettext(lang, NEXT_DATE) % {"date": when})
    lines.append(url)
    return "sms:?&body=" + quote("\n".join(lines), safe="")


_DISTANCE = "\x00distance\x00"
_WHERE = "\x00where\x00"


def when_short(lang: str, when: When) -> str:
    """A date as a card says it: 'Tue 8 Dec, 19:30' (the worker writes the same from the catalog)."""
    text = meetings.short_date(when.starts.date(), lang)
    return f"{text}, {when.starts:%H:%M}" if when.timed else text


_NEXT_LINES: LRUCache[tuple[str, dt.datetime | None, bool], str] = LRUCache(maxsize=4096)


def next_line(env: Environment, lang: str, item: Listing, today: dt.date) -> str:
    """The card's line on the listing's next date from `today`; '' when it has no meetings (markup)."""
    if not item.group.meetings:
        return ""
    upcoming = item.next_date(today)
    key = (lang, upcoming.starts, upcoming.timed) if upcoming else (lang, None, False)
    html = _NEXT_LINES.get(key)
    if html is None:
        when = when_short(lang, upcoming) if upcoming else ""
        template = env.get_template("partials/_card_next.html")
        html = _NEXT_LINES[key] = template.render(lang=lang, when=when).strip()
    return html


class CardShape(NamedTuple):
    """partials/_card.html in one language and freshness, rendered once with a slot in each field and split at them:
    without themes and with them, and what the template writes between two themes."""

    plain: list[str]
    themed: list[str]
    between_themes: str


_CARD_SHAPES: dict[tuple[str, bool], CardShape] = {}


def card_shape(env: Environment, lang: str, stale: bool) -> CardShape:
    shape = _CARD_SHAPES.get((lang, stale))
    if shape is None:
        template = env.get_template("partials/_card.html")
        shapes = []
        for themes in ([], [slot("themes")] * 2):
            fields = Card(**({name: slot(name) for name in Card._fields} | {"themes": themes}))
            html = template.render(lang=lang, card=fields, distance=slot("distance"), next=slot("next"), stale=stale)
            shapes.append(html.split(SLOT))
        plain, themed = shapes
        # The loop over two themes drew [..., "themes:", between, "themes:", ...]: keep one slot, and what is between.
        first = themed.index("themes:")
        shape = _CARD_SHAPES[(lang, stale)] = CardShape(
            plain, themed[: first + 1] + themed[first + 3 :], themed[first + 1]
        )
    return shape


@cache
def checked_on(day: dt.date, lang: str) -> str:
    """The day a person last checked a listing, as its card says it."""
    return i18n.date(day, lang, "medium")


# Rendered cards by (data version, listing, language, stale, day), the least recently used going first: a card
# keeps two texts: with where it meets and its distance still to put in (they change with the visitor's place), and
# finished, as a listing with no place chosen shows it. An OrderedDict (the LRU of the collections docs), not
# cachetools': a page looks up 20 cards, and cachetools' Python-level lookups were a fortieth of an uncached
# listing request (a py-spy profile of bench/crowd.py's URLs).
CARDS_KEPT = 30_000
_CARDS: OrderedDict[tuple[str, str, str, bool, dt.date], tuple[str, str]] = OrderedDict()


class CardsFor(NamedTuple):
    """What the cards of one page share: read from the template's context once, not for each card."""

    env: Environment
    lang: str
    version: str
    today: dt.date
    near: models.KnownPlace | None  # the place the visitor chose to be near

    @classmethod
    def of(cls, context: Context) -> CardsFor:
        snapshot, results = context["snapshot"], context["results"]
        near = snapshot.places[results.filters.near] if results.filters.near else None
        return cls(context.environment, context["lang"], snapshot.version, results.today, near)


def card_html(page: CardsFor, item: Listing, distance: float | None, stale: bool) -> str:
    """A listing's card: made once per data version, language, freshness and day (the next date changes with the
    day) by filling the card's shape (card_shape()) with the listing's words, escaped as the template escapes them
    (rendering the template for each listing took 40 times as long); where it meets and the distance, which change
    with the visitor's place, are put in after."""
    key = (page.version, item.group.id, page.lang, stale, page.today)
    kept = _CARDS.get(key)
    if kept is None:
        kept = _CARDS[key] = new_card(page, item, stale)
        if len(_CARDS) > CARDS_KEPT:
            _CARDS.popitem(last=False)
    else:
        _CARDS.move_to_end(key)
    html, finished = kept
    if distance is None or page.near is None:
        return finished
    html = html.replace(_WHERE, str(escape(card_where(item, page.lang, page.near))))
    return html.replace(_DISTANCE, str(escape(away(page.lang, decimal(distance, page.lang)))))


def new_card(page: CardsFor, item: Listing, stale: bool) -> tuple[str, str]:
    """A card's two texts (card_html()): with its place and distance to fill in, and finished without them."""
    lang = page.lang
    fields = card_fields(item, lang)
    shape = card_shape(page.env, lang, stale)
    fillers: dict[str, Callable[[str], str]] = {
        name: (lambda _, text=getattr(fields, name): str(escape(text))) for name in ("id", "name", "kind", "checked")
    }
    fillers |= {
        "where": lambda _: fields.where,
        "distance": lambda _: _DISTANCE,
        "next": lambda _: next_line(page.env, lang, item, page.today),
        "themes": lambda _: shape.between_themes.join(str(escape(theme)) for theme in fields.themes),
    }
    html = fill(shape.themed if fields.themes else shape.plain, fillers)
    return html, html.replace(_WHERE, str(escape(card_where(item, lang, None)))).replace(_DISTANCE, "")


@pass_context
def card(context: Context, item: Listing, distance: float | None, stale: bool) -> Markup:
    """One listing's card, for a template (card_html())."""
    return Markup(card_html(CardsFor.of(context), item, distance, stale))  # noqa: S704 (our own, escaped)


# What the listing's list writes between two cards: each on its own line, indented as the <ol> in _results.html.
BETWEEN_CARDS = "\n    "


@pass_context
def cards(context: Context, results: Results) -> Markup:
    """The cards of a page of results (partials/_results.html), in one call instead of a template call per card
    (Jinja's call machinery each time): with 20 cards a page, that was a visible part of a results fragment."""
    page = CardsFor.of(context)
    html = BETWEEN_CARDS.join(
        card_html(page, item, distance, results.is_stale(item)) for item, distance in results.items
    )
    return Markup(html)  # noqa: S704 (our own rendered, escaped cards)


@cache
def decimal(number: float, lang: str) -> str:
    return format_decimal(number, locale=lang)


# --- security headers (DESIGN.md §6) ---------------------------------------------------------

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        f"style-src 'self' {INLINE_CSS_HASH}",
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


HSTS = "max-age=63072000; includeSubDomains"
_PAIRS = [(name.encode(), value.encode()) for name, value in HEADERS.items()]


def header_pairs(settings: Settings) -> list[tuple[bytes, bytes]]:
    """The security headers as ASGI pairs, for the answers the app sends before Litestar (server/app.py)."""
    return [*_PAIRS, (b"strict-transport-security", HSTS.encode())] if settings.hsts else list(_PAIRS)


def _put(headers: list[tuple[bytes, bytes]], name: bytes, value: bytes) -> None:
    """Set a header in an ASGI message's list, in place of any of that name (as MutableScopeHeaders does)."""
    found = [i for i, (key, _) in enumerate(headers) if key.lower() == name]
    for i in reversed(found[1:]):
        del headers[i]
    if found:
        headers[found[0]] = (name, value)
    else:
        headers.append((name, value))


def security_headers(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """A before_send hook adding the security headers to every HTTP response: pages, errors, files. It works on the
    message's list of pairs: Litestar's MutableScopeHeaders decodes every header for each one it looks up or sets,
    and the eleven of them were a thirtieth of an uncached results fragment."""
    hsts = HSTS.encode()

    async def hook(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = message.setdefault("headers", [])
        present = {name.lower() for name, _ in headers}
        headers.extend(pair for pair in _PAIRS if pair[0] not in present)
        if settings.hsts or scope.get("scheme") == "https":
            _put(headers, b"strict-transport-security", hsts)
        # An answer that sets a cookie is nobody else's: no cache (the service worker's included) keeps it.
        if b"set-cookie" in present:
            _put(headers, b"cache-control", b"no-store")
        # Compressed and plain answers differ; say so on both, so that a shared cache keeps them apart.
        vary = next((value for name, value in headers if name.lower() == b"vary"), None)
        if vary is None:
            headers.append((b"vary", b"Accept-Encoding"))
        elif b"accept-encoding" not in vary.lower():
            _put(headers, b"vary", vary + b",Accept-Encoding")

    return hook


def page_context(request: Request, lang: str) -> dict[str, Any]:
    """What base.html needs: the language, and the same page in each other language."""
    parts = request.url.path.split("/", 2)
    rest = parts[2] if len(parts) > 2 and parts[1] in i18n.KNOWN_LOCALES else ""
    query = f"?{request.url.query}" if request.url.query else ""
    switch = [(code, name, f"/{code}/{rest}{query}") for code, name in i18n.KNOWN_LOCALES.items()]
    # hreflang wants absolute URLs: base.html puts the configured public origin before these, else this
    # request's own (the page cache keeps answers per host for that reason). x-default is the root's fallback.
    alternates = [(code, url) for code, _, url in switch]
    alternates.append(("x-default", f"/{i18n.DEFAULT}/{rest}{query}"))
    return {
        "lang": lang,
        "switch": switch,
        "alternates": alternates,
        "origin": f"{request.url.scheme}://{request.url.netloc}",
        "path": request.url.path,
        "L": i18n.labels_in(lang),
    }


def jinja(request: Request) -> Environment:
    """The app's Jinja environment (the one its template engine renders with), for the parts rendered here."""
    env: Environment = request.app.template_engine.engine  # type: ignore[attr-defined]
    return env


# --- the listing page, kept with slots ----------------------------------------------------------

_LISTING_PAGES: LRUCache[tuple[str, str, str], list[str]] = LRUCache(maxsize=16)


def listing_page(
    request: Request,
    lang: str,
    snapshot: Snapshot,
    results: Results,
    problems: list[search.ParamError],
    shown: Shown,
    first: str,
    sections: Callable[[], list[Any]],
) -> str:
    """The listing page (pages/groups.html). Around its form and results, the page (base.html's head, header and
    footer) is the same for every search in a language: it is rendered once per language and the settings it
    prints (pages/_groups_shape.html), with a slot for each part that changes with the request. Those are filled in
    for each request: the links to the page in the other languages, the origin, the form (filter_form()), the count,
    the results (partials/_results.html, rendered) and the printed crisis numbers (print_crisis_html(), `first`
    country first)."""
    env = jinja(request)
    page = page_context(request, lang)
    public_url = env.globals["public_url"]
    key = (lang, public_url, env.globals["exit_url"])
    parts = _LISTING_PAGES.get(key)
    if parts is None:
        html = env.get_template("pages/_groups_shape.html").render(
            {
                **page,
                "switch": [(code, name, slot("switch", code)) for code, name, _ in page["switch"]],
                "alternates": [(code, slot("alternate", code)) for code, _ in page["alternates"]],
                "origin": slot("origin"),
                "shown": Shown(count=slot("count"), start="", page="", previous="", next=""),
                "filter_form": lambda *_: slot("form"),
                "print_crisis": lambda *_: slot("print_crisis"),
                "results": None,
                "problems": None,
                "sections": None,
                "snapshot": snapshot,
                "slot": slot,
            }
        )
        parts = _LISTING_PAGES[key] = html.split(SLOT)
    urls = {code: url for code, _, url in page["switch"]} | dict(page["alternates"])
    origin = page["origin"]
    results_html = results_part(env, "partials/_results.html", lang, snapshot, results, shown)
    return fill(
        parts,
        {
            "switch": lambda code: str(escape(urls[code])),
            "alternate": lambda code: str(escape(urls[code])),
            "origin": lambda _: str(escape(origin)),
            "count": lambda _: str(escape(shown.count)),
            "form": lambda _: filter_form(env, snapshot, lang, results, problems),
            "results": lambda _: results_html,
            "print_crisis": lambda _: print_crisis_html(
                env, snapshot.version, lang, public_url or origin, first, sections
            ),
        },
    )


def results_part(env: Environment, template: str, lang: str, snapshot: Snapshot, results: Results, shown: Shown) -> str:
    """The results (partials/_results.html), or the fragment htmx swaps in (partials/_results_fragment.html): they
    print nothing of the page around them, so they are rendered with what they print only (the page's context,
    its links in the other languages among them, was a fiftieth of an uncached results fragment)."""
    return env.get_template(template).render(lang=lang, snapshot=snapshot, results=results, shown=shown)


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
    headers = dict(exc.headers or {})
    if exc.status_code == 429:  # say when to try again (the rate limit's reset, in seconds)
        headers["retry-after"] = headers.get("RateLimit-Reset", "60")
    return Template(
        "pages/error.html",
        context={**page_context(request, lang), "status": exc.status_code},
        status_code=exc.status_code,
        headers=headers,
        media_type=MediaType.HTML,
    )


def read_only(request: Request, exc: Exception) -> Response[Any]:
    """A send that reached a read-only instance (the proxy should have sent it to the writer): try again."""
    log.warning("a write reached a read-only instance: %s %s", request.method, request.url.path)
    return http_error(
        request, HTTPException(status_code=503, detail="This instance only reads", headers={"retry-after": "60"})
    )


def server_error(request: Request, exc: Exception) -> Response[Any]:
    # The traceback goes to the log (without the query string); the visitor gets a calm page.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return http_error(request, HTTPException(status_code=500, detail="Internal server error"))

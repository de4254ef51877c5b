"""The search semantics, defined once: normalisation, words, filter parameters and their rules.

The offline catalog of the service worker applies exactly these rules (DESIGN.md §5):
- normalise: lower case, accents removed (NFKD, then every mark, Unicode category M, dropped), a few letters spelled out
  (ß→ss, æ→ae, œ→oe, ø→o, ł→l, đ→d, þ→th);
- words: maximal runs of [a-z0-9] in the normalised text;
- q matches a listing when every query word is a prefix of one of the listing's words;
- a facet (a list parameter, declared in server/facets.py) matches when the listing has any of the chosen
  values (OR), or, for a facet whose rule is "all" (`access`), every one of them (AND); different
  facets combine with AND;
- format: `online` also matches hybrid groups and `in_person` also matches hybrid groups;
- near + within: the listing has a location no further than `within` km from the place (haversine
  distance in tenths of a km, rounded half up: see tenths()); listings without a location do not match;
- today: the calendar date in Europe/Brussels (today()); months_before(day, n) is the same day of the
  month n calendar months earlier, or that month's last day when it is shorter (31 August minus 18
  months is 28 February);
- a listing is stale when last_checked <= months_before(today, 12): it says "not checked since <date>";
  it is hidden when last_checked <= months_before(today, 18): it is left out of the results, their
  totals and every count (its own page still answers, with the note) until someone checks it again;
- near + within with meetings in several places: the distance is the one to the nearest of them;
- dates: each meeting's dates from today (included) for 12 weeks, worked out on the server in the
  meeting's time zone (server/schedules.py); a date is its local day and opening time (HHMM; 2400 when
  the schedule gives no time, after every timed meeting of that day);
- day: the listing has a meeting on any of the chosen weekdays (the days its schedules name); time: a
  meeting opens in any of the chosen parts of the day (morning before 12:00, afternoon from 12:00 to
  18:00, evening from 18:00); both are facets;
- soon=n: the listing has a date from today to n days later (excluded), 1 <= n <= 84;
- order: stale listings after all fresh ones; then, with order=next, by the listing's next date (listings
  without one after those with one); then, with `near`, by rounded distance; then the rank of the
  listing, which is its position when all listings are sorted by last_checked (newest first),
  normalised name, then id. So the key is (stale, next date when order=next, rounded distance when `near`
  is given, rank).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import time
import unicodedata
from collections.abc import Container, Iterable
from zoneinfo import ZoneInfo

import msgspec
import numpy as np
from msgspec import Struct

from server import facets, schedules

PER_PAGE = 20
MAX_PAGE = 10_000
MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 8
WITHIN_CHOICES = (5, 10, 25, 50, 100)
DEFAULT_WITHIN = 25
WINDOW_DAYS = schedules.WINDOW_WEEKS * 7  # how far ahead the server works out dates (DESIGN.md §4)
SOON_CHOICE = 7  # what the form offers: "meets in the next 7 days"; the API takes 1 to WINDOW_DAYS
ORDERS = ("checked", "next")  # the default first: it stays out of the canonical URL
NO_TIME = 2400  # the HHMM of a date whose schedule gives no time

SPELLED_OUT = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th"}
_SPELLED_OUT = str.maketrans(SPELLED_OUT)
_WORD = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"^[0-9]{1,9}$")


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_SPELLED_OUT))
    return "".join(c for c in decomposed if unicodedata.category(c)[0] != "M")


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


# Freshness (issue 6): a person checks each listing; after a year it says so, after eighteen months it
# leaves the results until someone checks it again.
TIMEZONE = ZoneInfo("Europe/Brussels")
STALE_MONTHS = 12
HIDDEN_MONTHS = 18


_today: tuple[float, dt.date] = (0.0, dt.date.min)  # (the next midnight as a Unix time, the date until then)


def today() -> dt.date:
    """The calendar date in Belgium and the Netherlands: a listing's age moves at their midnight, not UTC's."""
    global _today
    # Kept until the next midnight in Brussels: the page cache asks on every request, and reading the clock
    # is several times cheaper than converting it to a date in a time zone.
    now = time.time()
    if now >= _today[0]:
        day = dt.datetime.fromtimestamp(now, TIMEZONE).date()
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=TIMEZONE).timestamp()
        _today = (midnight, day)
    return _today[1]


def months_before(day: dt.date, n: int) -> dt.date:
    """The same day of the month n calendar months earlier, or that month's last day when it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - n, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def stale_since(today: dt.date) -> dt.date:
    """Listings checked on this day or before are stale."""
    return months_before(today, STALE_MONTHS)


def hidden_since(today: dt.date) -> dt.date:
    """Listings checked on this day or before are hidden."""
    return months_before(today, HIDDEN_MONTHS)


def is_stale(last_checked: dt.date, today: dt.date) -> bool:
    return last_checked <= stale_since(today)


def is_hidden(last_checked: dt.date, today: dt.date) -> bool:
    return last_checked <= hidden_since(today)


EARTH_RADIUS_KM = 6371.0088
_DEGREE = math.pi / 180


def tenths(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Great-circle distance (haversine) in tenths of a km, rounded half up.

    Written as plain operations in a fixed order (no ** and no round()), so that numpy below and the
    service worker's JavaScript compute the same number.
    """
    p1, p2 = lat1 * _DEGREE, lat2 * _DEGREE
    a = math.sin((p2 - p1) / 2)
    b = math.sin((lon2 - lon1) * _DEGREE / 2)
    h = a * a + math.cos(p1) * math.cos(p2) * b * b
    t = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h)) * 10
    r = math.floor(t)
    return r + 1 if t - r >= 0.5 else r


def tenths_np(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """tenths() for many points at once; -1 where a point has no coordinates (NaN)."""
    p1, p2 = lat1 * _DEGREE, lat2 * _DEGREE
    a = np.sin((p2 - p1) / 2)
    b = np.sin((lon2 - lon1) * _DEGREE / 2)
    h = a * a + math.cos(p1) * np.cos(p2) * b * b
    t = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h)) * 10
    r = np.floor(t)
    out = r + (t - r >= 0.5)
    return np.where(np.isnan(out), -1, out).astype(np.int64)


# The parameters that are not facets (server/facets.py declares those); each may appear once.
SCALARS = ("q", "near", "within", "soon", "order", "page")


class Filters(Struct, frozen=True, kw_only=True):
    q: str = ""
    # Facet parameter -> the values chosen, in the registry's order; only facets with a choice are here.
    lists: dict[str, tuple[str, ...]] = msgspec.field(default_factory=dict)
    near: str | None = None
    within: int | None = None
    soon: int | None = None  # days ahead
    order: str = ORDERS[0]
    page: int = 1

    @classmethod
    def of(
        cls,
        *,
        q: str = "",
        near: str | None = None,
        within: int | None = None,
        soon: int | None = None,
        order: str = ORDERS[0],
        page: int = 1,
        **lists: Iterable[str],
    ) -> Filters:
        """Filters from keyword arguments, one per facet: Filters.of(kind=("talk_circle",), near="be-gent")."""
        params = facets.REGISTRY.params
        unknown = set(lists) - set(params)
        if unknown:
            raise TypeError(f"not a facet: {', '.join(sorted(unknown))}")
        chosen = {param: tuple(lists[param]) for param in params if lists.get(param)}
        return cls(q=q, lists=chosen, near=near, within=within, soon=soon, order=order, page=page)

    @property
    def radius(self) -> int:
        return self.within or DEFAULT_WITHIN

    @property
    def query_words(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(words(self.q)))[:MAX_QUERY_WORDS]

    def selected(self, param: str) -> tuple[str, ...]:
        return self.lists.get(param, ())

    def to_params(self, *, page: int | None = None) -> list[tuple[str, str]]:
        """The canonical query string of these filters (what the page URL and the API use)."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        for param, values in self.lists.items():
            out.extend((param, value) for value in values)
        if self.near:
            out.append(("near", self.near))
            if self.within:
                out.append(("within", str(self.within)))
        if self.soon:
            out.append(("soon", str(self.soon)))
        if self.order != ORDERS[0]:
            out.append(("order", self.order))
        page = self.page if page is None else page
        if page > 1:
            out.append(("page", str(page)))
        return out


class ParamError(Struct, frozen=True):
    """A parameter value that was not understood; `problem` is a key of server/labels.py PROBLEMS."""

    param: str
    value: str
    problem: str


def parse_filters(
    items: Iterable[tuple[str, str]], *, place_ids: Container[str], registry: facets.Registry | None = None
) -> tuple[Filters, list[ParamError]]:
    """Read filter parameters, keeping every valid value and reporting each invalid one.

    `registry`: the facets of the snapshot searched (default: facets.REGISTRY)."""
    registry = registry or facets.REGISTRY
    errors: list[ParamError] = []
    lists: dict[str, list[str]] = {}
    single: dict[str, str] = {}
    for key, raw in items:
        value = raw.strip()
        facet = registry.by_param.get(key)
        if facet is not None:
            if not value:
                continue
            if not facet.accepts(value):
                errors.append(ParamError(key, raw[:60], "unknown_value"))
            elif value not in (chosen := lists.setdefault(key, [])):
                chosen.append(value)
        elif key not in SCALARS:
            errors.append(ParamError(key, raw[:60], "unknown_param"))
        elif key in single:
            errors.append(ParamError(key, raw[:60], "repeated"))
        else:
            single[key] = value
    q = single.get("q", "")
    if len(q) > MAX_QUERY_LENGTH:
        errors.append(ParamError("q", q[:60], "too_long"))
        q = ""
    near = single.get("near") or None
    if near is not None and near not in place_ids:
        errors.append(ParamError("near", near[:60], "unknown_place"))
        near = None
    within = None
    if single.get("within"):
        raw = single["within"]
        if _NUMBER.match(raw) and int(raw) in WITHIN_CHOICES:
            within = int(raw)
        else:
            errors.append(ParamError("within", raw[:60], "not_a_distance"))
    soon = None
    if single.get("soon"):
        raw = single["soon"]
        if _NUMBER.match(raw) and 1 <= int(raw) <= WINDOW_DAYS:
            soon = int(raw)
        else:
            errors.append(ParamError("soon", raw[:60], "not_soon"))
    order = ORDERS[0]
    if single.get("order"):
        if single["order"] in ORDERS:
            order = single["order"]
        else:
            errors.append(ParamError("order", single["order"][:60], "unknown_order"))
    page = 1
    if single.get("page"):
        raw = single["page"]
        if _NUMBER.match(raw) and 1 <= int(raw) <= MAX_PAGE:
            page = int(raw)
        else:
            errors.append(ParamError("page", raw[:60], "not_a_page"))
    filters = Filters(
        q=q,
        near=near,
        within=within if near else None,
        soon=soon,
        order=order,
        page=page,
        lists={param: tuple(lists[param]) for param in registry.params if lists.get(param)},
    )
    return filters, errors

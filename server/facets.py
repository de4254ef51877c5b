"""The listing's filters, each declared once: its parameter, values and labels, rule, counts and place in the form.

Everything else follows from REGISTRY: search.parse_filters reads the parameters by it, catalog.py builds a
bitmask per value and counts them, the filter form and the htmx count updates loop over it, routes/api.py
documents it in OpenAPI, and worker.py ships it in the offline catalog, from which search.js takes every
parameter, value and rule (it retypes none). Adding a filter is adding a Facet here, with its labels.

REGISTRY is read when it is used, not copied at import: a test may build an app with one more facet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Literal, get_args

from babel import Locale
from msgspec import Struct

from server import labels, meetings, models
from server.labels import N_

# `lang` accepts any ISO 639-1 code, which Babel names in every language.
LANGUAGE_CODES = frozenset(code for code in Locale("en").languages if len(code) == 2)


class Facet(Struct, frozen=True, kw_only=True):
    """One filter of the listing: a repeatable URL parameter whose values a listing has or has not."""

    param: str
    label: str  # the form's legend, marked with N_()
    # The values with their labels (N_()), in the form's order; None: any ISO 639-1 code (named by Babel).
    labels: dict[str, str] | None
    of: Callable[[models.Group], Iterable[str]]  # the values a listing has
    rule: Literal["any", "all"] = "any"  # the listing has any of the chosen values, or all of them
    counted: bool = True  # each option says how many groups it would leave
    # Where the form shows it: beside the place ("where"), with the days and times ("when"), after them
    # ("what"), or under "More filters".
    section: Literal["where", "when", "what", "more"] = "more"
    words: bool = False  # a query word also matches the words of this facet's labels (in nl, fr and en)
    doc: str = ""  # for the API's OpenAPI description

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(self.labels) if self.labels is not None else tuple(sorted(LANGUAGE_CODES))

    def accepts(self, value: str) -> bool:
        return value in self.labels if self.labels is not None else value in LANGUAGE_CODES


def _one(value: str | None) -> tuple[str, ...]:
    return () if value is None else (value,)


def _format(group: models.Group) -> tuple[str, ...]:
    # A hybrid group meets in person and online: it matches both (search.py).
    return ("hybrid", "online", "in_person") if group.format == "hybrid" else _one(group.format)


def _days(group: models.Group) -> tuple[str, ...]:
    found = dict.fromkeys(day for m in group.meetings for day in meetings.weekdays(m))
    return tuple(day for day in labels.WEEKDAY if day in found)


def _times(group: models.Group) -> tuple[str, ...]:
    found = {meetings.part_of_day(m.opens_at) for m in group.meetings}
    return tuple(part for part in labels.TIME_OF_DAY if part in found)


def _access(group: models.Group) -> tuple[str, ...]:
    return tuple(k for k in get_args(models.Access) if getattr(group.accessibility, k) is True)


# In the order of the canonical query string (search.Filters.to_params) and, within a section, of the form.
FACETS: tuple[Facet, ...] = (
    Facet(
        param="kind",
        label=N_("Kind of group"),
        labels=labels.KIND,
        of=lambda g: (g.kind,),
        section="what",
        words=True,
        doc="What kind of group.",
    ),
    Facet(
        param="theme",
        label=N_("Theme"),
        labels=labels.THEME,
        of=lambda g: g.themes,
        words=True,
        doc="What the group is about.",
    ),
    Facet(
        param="format",
        label=N_("Where"),
        labels=labels.FORMAT,
        of=_format,
        section="where",
        doc="In person, online, or both; online and in_person also match hybrid groups.",
    ),
    Facet(
        param="day",
        label=N_("Day"),
        labels=labels.WEEKDAY,
        of=_days,
        section="when",
        doc="A day of the week it meets on (mon … sun): the days its meetings name; a meeting on a day of the "
        "month (the 15th) has no fixed weekday.",
    ),
    Facet(
        param="time",
        label=N_("Time of day"),
        labels=labels.TIME_OF_DAY,
        of=_times,
        section="when",
        doc="When a meeting starts: morning (before 12:00), afternoon (12:00 to 18:00), evening (from 18:00).",
    ),
    Facet(
        param="lang",
        label=N_("Spoken language"),
        labels=None,
        of=lambda g: g.languages,
        doc="Spoken language, ISO 639-1.",
    ),
    Facet(
        param="led_by",
        label=N_("Led by"),
        labels=labels.LED_BY,
        of=lambda g: _one(g.led_by),
        doc="Who leads the group.",
    ),
    Facet(param="cost", label=N_("Cost"), labels=labels.COST, of=lambda g: _one(g.cost), doc="What it costs."),
    Facet(
        param="access",
        label=N_("Accessibility"),
        labels=labels.ACCESS,
        of=_access,
        rule="all",
        doc="Needs that must all be met.",
    ),
    Facet(
        param="audience",
        label=N_("For whom"),
        labels=labels.AUDIENCE,
        of=lambda g: g.audience,
        words=True,
        doc="Who the group is for.",
    ),
    Facet(
        param="membership",
        label=N_("Open or closed"),
        labels=labels.MEMBERSHIP,
        of=lambda g: _one(g.membership),
        doc="Open (drop in) or closed (the same people each time).",
    ),
)


class Registry:
    """The facets, with the lookups the hot paths need worked out once."""

    def __init__(self, facets: Iterable[Facet]) -> None:
        self.all = tuple(facets)
        self.by_param = {f.param: f for f in self.all}
        if len(self.by_param) != len(self.all):
            raise ValueError("two facets have the same parameter")
        self.params = tuple(self.by_param)
        # Which facet the form shows where, in order: part of the key of the form's kept markup (server/web.py).
        self.layout = tuple((f.param, f.section) for f in self.all)

    def __iter__(self) -> Iterator[Facet]:
        return iter(self.all)

    def __getitem__(self, param: str) -> Facet:
        return self.by_param[param]

    def __contains__(self, param: object) -> bool:
        return param in self.by_param

    def section(self, name: str) -> tuple[Facet, ...]:
        return tuple(f for f in self.all if f.section == name)


REGISTRY = Registry(FACETS)

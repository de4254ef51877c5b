"""Each filter alone and combined, against a plain reference reading of the rules in server/search.py."""

from __future__ import annotations

import datetime as dt
from typing import get_args
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server import catalog, facets, i18n, labels, listings, loader, models, schedules, search
from tests import fixtures
from tests.conftest import result_ids
from tests.helpers.data import months_before

DATA = fixtures.dataset()
PLACES = DATA.places
ORGS = {o.id: o.name for o in DATA.organizations}
ACTIVE = [g for g in DATA.groups if g.status == "active"]


def _coords(place: models.Place | None) -> tuple[float, float] | None:
    if place is None:
        return None
    if place.lat is not None:
        return place.lat, place.lon  # type: ignore[return-value]
    if place.place_id:
        p = PLACES[place.place_id]
        return p.lat, p.lon
    return None


def _points(g: models.Group) -> list[tuple[float, float]]:
    """Where a listing meets: its place and each in-person meeting's."""
    found = [_coords(g.place), *(_coords(m.place) for m in g.meetings if not m.online)]
    return [p for p in found if p is not None]


# Days and parts of the day as search.py states them, restated here.
WEEKDAYS = {"MO": "mon", "TU": "tue", "WE": "wed", "TH": "thu", "FR": "fri", "SA": "sat", "SU": "sun"}


def _days(g: models.Group) -> set[str]:
    return {WEEKDAYS[code[-2:]] for m in g.meetings for code in m.byday}


def _times(g: models.Group) -> set[str]:
    hours = [int(m.opens_at[:2]) for m in g.meetings if m.opens_at]
    return {"morning" if h < 12 else "afternoon" if h < 18 else "evening" for h in hours}


def _next(g: models.Group, today: dt.date) -> tuple[dt.date, int] | None:
    """The first date from `today` on, of the dates worked out from the snapshot's day (BUILT)."""
    dates = [
        (o.starts.date(), o.starts.hour * 100 + o.starts.minute if o.timed else 2400)
        for m in g.meetings
        for o in schedules.occurrences(m, BUILT)
        if o.starts.date() >= today
    ]
    return min(dates) if dates else None


BUILT = search.today()  # the day the test app's snapshot counts its dates from


def _words(g: models.Group) -> set[str]:
    texts = [g.name, ORGS.get(g.organization or "", "")]
    if g.place:
        texts.append(g.place.city or "")
        if g.place.place_id:
            texts += [PLACES[g.place.place_id].name, *PLACES[g.place.place_id].names.values()]
    for key, table in (
        (g.kind, labels.KIND),
        *((t, labels.THEME) for t in g.themes),
        *((a, labels.AUDIENCE) for a in g.audience),
    ):
        texts += [i18n.gettext(lang, table[key]) for lang in i18n.KNOWN_LOCALES]
    return {w for text in texts for w in search.words(text)}


# The filters as DESIGN.md lists them, restated here so that the reference does not lean on server/facets.py.
LIST_PARAMS = ("kind", "theme", "format", "day", "time", "lang", "led_by", "cost", "access", "audience", "membership")
CHOICES = {param: facets.REGISTRY[param].values for param in LIST_PARAMS if param != "lang"}


def _values(g: models.Group, param: str) -> set[str]:
    if param == "format":
        return {"hybrid", "online", "in_person"} if g.format == "hybrid" else ({g.format} if g.format else set())
    if param == "theme":
        return set(g.themes)
    if param == "lang":
        return set(g.languages)
    if param == "audience":
        return set(g.audience)
    if param == "access":
        return {k for k in get_args(models.Access) if getattr(g.accessibility, k) is True}
    if param == "day":
        return _days(g)
    if param == "time":
        return _times(g)
    value = getattr(g, param)
    return {value} if value else set()


def reference(f: search.Filters, today: dt.date | None = None) -> list[str]:
    """The rules of search.py, read plainly, over every active listing, on `today` (default: Brussels' today)."""
    today = today or search.today()
    stale_since, hidden_since = months_before(today, 12), months_before(today, 18)
    found = []
    for g in ACTIVE:
        if g.last_checked <= hidden_since:
            continue
        if any(not any(w.startswith(q) for w in _words(g)) for q in f.query_words):
            continue
        ok = True
        for param in LIST_PARAMS:
            chosen = set(f.selected(param))
            if not chosen:
                continue
            have = _values(g, param)
            ok &= chosen <= have if param == "access" else bool(chosen & have)
        distance = None
        if f.near:
            points = _points(g)
            if not points:
                continue
            p = PLACES[f.near]
            distance = min(search.tenths(p.lat, p.lon, *where) for where in points)
            ok &= distance <= f.radius * 10
        first = _next(g, today)
        if f.soon:
            ok &= first is not None and first[0] < today + dt.timedelta(days=f.soon)
        if ok:
            key = (-g.last_checked.toordinal(), search.normalise(g.name), g.id)
            when = (first or (dt.date.max, 0)) if f.order == "next" else (dt.date.min, 0)
            found.append((g.last_checked <= stale_since, when, (distance if distance is not None else 0.0), key, g.id))
    found.sort()
    return [i for *_, i in found]


def query(f: search.Filters) -> str:
    return urlencode(f.to_params())


SINGLE = [(param, value) for param, values in CHOICES.items() for value in values] + [
    ("lang", code) for code in ("nl", "fr", "en", "de", "it")
]


@pytest.mark.parametrize(("param", "value"), SINGLE)
def test_each_filter_alone(fclient, param: str, value: str) -> None:
    f = search.Filters.of(**{param: (value,)})
    response = fclient.get(f"/en/groups/results?{query(f)}")
    assert response.status_code == 200
    assert result_ids(response.text) == reference(f)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "rouw"},
        {"q": "ROUW gent"},
        {"q": "cafe ecou"},  # accents and case do not matter
        {"q": "Écoute"},
        {"q": "angst"},  # a word of the Dutch label of the theme "anxiety"
        {"q": "anxi"},
        {"q": "voorbeeld"},  # the organization's name
        {"q": "gand"},  # the French name of the listing's place
        {"q": "nothingmatches"},
        {"near": "be-gent", "within": 25},
        {"near": "be-gent", "within": 100},
        {"near": "nl-utrecht", "within": 50},
        {"near": "be-brussels"},
    ],
)
def test_text_and_place(fclient, params: dict) -> None:
    f = search.Filters.of(**params)
    response = fclient.get(f"/en/groups/results?{query(f)}")
    assert result_ids(response.text) == reference(f)


def test_a_few_combinations(fclient) -> None:
    combos = [
        search.Filters.of(kind=("support_group",), format=("online",)),
        search.Filters.of(format=("in_person",), lang=("nl",), cost=("free", "paid")),
        search.Filters.of(access=("wheelchair", "hearing_loop")),
        search.Filters.of(q="groep", led_by=("professional", "peer")),
        search.Filters.of(near="be-brussels", within=100, theme=("grief", "loneliness", "stress")),
    ]
    for f in combos:
        assert result_ids(fclient.get(f"/en/groups/results?{query(f)}").text) == reference(f), f


def test_paused_and_ended_listings_are_not_results_but_keep_their_page(fclient) -> None:
    everything = result_ids(fclient.get("/en/groups").text)
    assert "test-paused" not in everything and "test-ended" not in everything
    page = fclient.get("/en/groups/test-ended")
    assert page.status_code == 200
    assert "This group has ended" in page.text


def test_hybrid_groups_count_as_online_and_in_person(fclient) -> None:
    online = result_ids(fclient.get("/en/groups/results?format=online").text)
    in_person = result_ids(fclient.get("/en/groups/results?format=in_person").text)
    assert "test-cafe-ecoute" in online and "test-cafe-ecoute" in in_person


def test_listings_without_a_format_match_no_format_filter(fclient) -> None:
    for value in CHOICES["format"]:
        assert "test-many-towns" not in result_ids(fclient.get(f"/en/groups/results?format={value}").text)


filters_strategy = st.builds(
    search.Filters.of,
    q=st.sampled_from(["", "", "g", "gr", "groep", "an", "zelf", "e", "online", "gent", "x"]),
    kind=st.lists(st.sampled_from(CHOICES["kind"]), max_size=2, unique=True).map(tuple),
    theme=st.lists(st.sampled_from(CHOICES["theme"]), max_size=2, unique=True).map(tuple),
    format=st.lists(st.sampled_from(CHOICES["format"]), max_size=2, unique=True).map(tuple),
    lang=st.lists(st.sampled_from(["nl", "fr", "en", "de"]), max_size=2, unique=True).map(tuple),
    led_by=st.lists(st.sampled_from(CHOICES["led_by"]), max_size=2, unique=True).map(tuple),
    cost=st.lists(st.sampled_from(CHOICES["cost"]), max_size=2, unique=True).map(tuple),
    access=st.lists(st.sampled_from(CHOICES["access"]), max_size=2, unique=True).map(tuple),
    audience=st.lists(st.sampled_from(CHOICES["audience"]), max_size=2, unique=True).map(tuple),
    membership=st.lists(st.sampled_from(CHOICES["membership"]), max_size=1).map(tuple),
    day=st.lists(st.sampled_from(CHOICES["day"]), max_size=2, unique=True).map(tuple),
    time=st.lists(st.sampled_from(CHOICES["time"]), max_size=2, unique=True).map(tuple),
    near=st.sampled_from([None, None, "be-gent", "be-brussels", "nl-amsterdam", "be-leuven"]),
    within=st.sampled_from(search.WITHIN_CHOICES),
    soon=st.sampled_from([None, None, 1, 3, 7, 14, 84]),
    order=st.sampled_from(search.ORDERS),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters_strategy)
def test_combinations_match_the_reference_and_the_counts(fclient, f: search.Filters) -> None:
    f = search.Filters.of(**{**_fields(f), "within": f.within if f.near else None})
    response = fclient.get(f"/en/groups?{query(f)}")
    ids = reference(f)
    assert result_ids(response.text)[: search.PER_PAGE] == ids[: search.PER_PAGE]
    # Each option's count is how many listings would be left with that option as the facet's only choice
    # (for `access`, where choices add up, with that option added).
    from tests.conftest import soup

    page = soup(response.text)
    for param in ("kind", "format", "day", "time", "lang", "access"):
        for span in page.select(f"span.n[id^='n-{param}-']"):
            value = span["id"].removeprefix(f"n-{param}-")
            chosen = (*f.selected("access"), value) if param == "access" else (value,)
            expected = len(reference(search.Filters.of(**{**_fields(f), param: tuple(dict.fromkeys(chosen))})))
            assert int(span.text) == expected, (param, value)


def _fields(f: search.Filters) -> dict:
    """Filters.of's arguments for `f`."""
    return {"q": f.q, "near": f.near, "within": f.within, "soon": f.soon, "order": f.order, "page": f.page, **f.lists}


def test_pages_follow_each_other(fclient) -> None:
    # 11 active fixture listings; the real suite checks pages on larger data in test_pages.py.
    assert len(ACTIVE) == 11
    assert result_ids(fclient.get("/en/groups/results?page=2").text) == []


def test_load_is_idempotent_and_keeps_no_stale_listing(tmp_path) -> None:
    from server import db

    path = tmp_path / "k.sqlite"
    data = fixtures.dataset()

    def load() -> dict[str, int]:
        return db.run_write(path, lambda conn: loader.load(conn, data))

    load()
    first = db.run_read(path, listings.data_version)
    load()
    assert db.run_read(path, listings.data_version) == first
    data.groups = data.groups[1:]
    counts = load()
    assert counts["removed"] == 1
    assert db.run_read(path, listings.data_version) != first
    ids = {row[0] for row in db.run_read(path, lambda conn: conn.execute("SELECT id FROM listing").fetchall())}
    assert fixtures.groups()[0].id not in ids
    words = db.run_read(path, lambda conn: conn.execute("SELECT count(*) FROM listing_words").fetchone()[0])
    assert words == len(ids)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters_strategy, st.integers(min_value=-40, max_value=640))
def test_on_any_day_the_search_matches_the_reference(fclient, f: search.Filters, days: int) -> None:
    """Over 20 months every fixture listing turns stale, then hidden; the answers follow the reference."""
    f = search.Filters.of(**{**_fields(f), "within": f.within if f.near else None})
    today = fixtures.TODAY + dt.timedelta(days=days)
    catalog = fclient.app.state.catalog
    snapshot = fclient.blocking_portal.call(catalog.current)
    results = fclient.blocking_portal.call(snapshot.search, catalog.database, f, today)
    ids = reference(f, today)
    assert [item.group.id for item, _ in results.items] == ids[: search.PER_PAGE]
    assert results.total == len(ids)
    for param in ("kind", "theme", "day"):  # as many as the option alone would leave, hidden listings not counted
        for value, n in results.counts[param].items():
            assert n == len(reference(search.Filters.of(**{**_fields(f), param: (value,)}), today)), (param, value)


def test_the_distances_kept_are_bounded_by_their_bytes_not_their_count(fclient) -> None:
    # Visitors choosing among many places: with the fixture data each place's distances are a few hundred
    # bytes, so all of them stay (a count of 64 once made each near query work them out again).
    snapshot = fclient.app.state.catalog.snapshot
    chosen = list(snapshot.places)[:150]
    for place in chosen:
        assert fclient.get(f"/en/groups/results?near={place}&within=5").status_code == 200
    kept = snapshot._tenths
    assert all(place in kept for place in chosen)
    assert 0 < kept.currsize <= catalog.TENTHS_BYTES

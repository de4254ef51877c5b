"""The search rules of server/search.py: words, distances, and reading the filter parameters."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from server import search


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Café Écoute", ["cafe", "ecoute"]),
        ("ROUWGROEP  gent!", ["rouwgroep", "gent"]),
        ("Straße & Œuvre", ["strasse", "oeuvre"]),
        ("'s-Hertogenbosch", ["s", "hertogenbosch"]),
        ("Beëindigd – 2026", ["beeindigd", "2026"]),
        ("", []),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert search.words(text) == expected


def test_distances_in_tenths_of_a_km() -> None:
    brussels, antwerp = (50.85045, 4.34878), (51.22047, 4.40026)
    assert search.tenths(*brussels, *antwerp) == 413  # about 41 km
    assert search.tenths(*brussels, *brussels) == 0


def test_numpy_and_plain_distances_agree() -> None:
    rng = random.Random(7)
    lat = np.array([rng.uniform(49.5, 53.5) for _ in range(5000)] + [math.nan])
    lon = np.array([rng.uniform(2.5, 7.2) for _ in range(5000)] + [math.nan])
    got = search.tenths_np(50.85, 4.35, lat, lon)
    assert got[-1] == -1
    assert [int(t) for t in got[:-1]] == [
        search.tenths(50.85, 4.35, a, b) for a, b in zip(lat[:-1], lon[:-1], strict=True)
    ]


def test_parse_keeps_good_values_and_reports_each_bad_one() -> None:
    items = [
        ("kind", "support_group"),
        ("kind", "club"),
        ("lang", "nl"),
        ("lang", "xx"),
        ("page", "0"),
        ("near", "be-gent"),
        ("within", "7"),
        ("utm_source", "x"),
        ("q", "rouw"),
        ("q", "again"),
    ]
    filters, problems = search.parse_filters(items, place_ids={"be-gent"})
    assert (
        filters.selected("kind") == ("support_group",)
        and filters.selected("lang") == ("nl",)
        and filters.near == "be-gent"
    )
    assert filters.page == 1 and filters.within is None and filters.q == "rouw"
    assert {(p.param, p.problem) for p in problems} == {
        ("kind", "unknown_value"),
        ("lang", "unknown_value"),
        ("page", "not_a_page"),
        ("within", "not_a_distance"),
        ("utm_source", "unknown_param"),
        ("q", "repeated"),
    }


def test_canonical_parameters_read_back_the_same() -> None:
    f = search.Filters.of(q="rouw gent", kind=("talk_circle", "support_group"), near="be-gent", within=50, page=3)
    again, problems = search.parse_filters(f.to_params(), place_ids={"be-gent"})
    assert again == f and problems == []


def test_within_without_near_is_dropped() -> None:
    filters, _ = search.parse_filters([("within", "50")], place_ids=set())
    assert filters.within is None and filters.to_params() == []

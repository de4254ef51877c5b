"""The "where do I start?" helper: answers map to the documented filters; nothing is kept."""

from __future__ import annotations

import pytest

from server import search, start
from tests.conftest import soup

CASES = [
    ({}, [], "support-group-or-therapy", False),
    ({"talk": "peers"}, [("kind", "support_group"), ("kind", "talk_circle")], "your-first-time", False),
    ({"talk": "deeper"}, [("kind", "group_therapy")], "without-a-diagnosis", False),
    ({"talk": "learn"}, [("kind", "workshop")], "your-first-time", False),
    ({"talk": "unsure", "pace": "calm"}, [("membership", "open")], "support-group-or-therapy", False),
    ({"pace": "structured"}, [("membership", "closed")], "support-group-or-therapy", False),
    ({"where": "online"}, [("format", "online")], "support-group-or-therapy", False),
    ({"where": "near", "near": "be-gent"}, [("near", "be-gent"), ("within", "25")], "support-group-or-therapy", False),
    ({"where": "near"}, [], "support-group-or-therapy", False),
    ({"where": "either", "near": "be-gent"}, [], "support-group-or-therapy", False),
    ({"speak": "fr"}, [("lang", "fr")], "support-group-or-therapy", False),
    ({"now": "very_bad"}, [], "support-group-or-therapy", True),
    (
        {"now": "very_bad", "talk": "peers", "pace": "calm", "where": "online", "speak": "en"},
        [
            ("kind", "support_group"),
            ("kind", "talk_circle"),
            ("membership", "open"),
            ("format", "online"),
            ("lang", "en"),
        ],
        "your-first-time",
        True,
    ),
]


@pytest.mark.parametrize(("answers", "filters", "guide", "crisis_first"), CASES)
def test_answers_map_to_the_documented_filters(answers: dict, filters: list, guide: str, crisis_first: bool) -> None:
    suggestion = start.suggest(answers)
    assert suggestion.filters == filters
    assert suggestion.guide == guide and suggestion.crisis_first is crisis_first
    # Every suggestion is a valid finder address.
    _, problems = search.parse_filters(filters, place_ids={"be-gent"})
    assert problems == []


def test_unknown_answers_are_skipped() -> None:
    items = [("talk", "shout"), ("speak", "xx"), ("near", "atlantis"), ("talk", "peers"), ("talk", "deeper")]
    assert start.answers_from(items, place_ids={"be-gent"}) == {"talk": "peers"}


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_the_page_shows_the_suggestion_and_keeps_nothing(client, lang: str) -> None:
    empty = soup(client.get(f"/{lang}/start").text)
    assert empty.select_one("#suggestion").has_attr("hidden")
    response = client.get(f"/{lang}/start?talk=peers&where=online&now=okay")
    assert response.headers["cache-control"] == "no-store" and "set-cookie" not in response.headers
    page = soup(response.text)
    assert not page.select_one("#suggestion").has_attr("hidden")
    assert (
        page.select_one("#suggest-finder")["href"]
        == f"/{lang}/groups?kind=support_group&kind=talk_circle&format=online"
    )
    assert page.select_one("#suggest-crisis").has_attr("hidden")
    assert not [key for key in client.app.page_cache.entries if key[2].endswith("/start") and key[3]]


def test_very_bad_puts_the_crisis_lines_first(client) -> None:
    page = soup(client.get("/en/start?now=very_bad&talk=deeper").text)
    section = page.select_one("#suggestion")
    crisis = section.select_one("#suggest-crisis")
    assert not crisis.has_attr("hidden")
    assert crisis.select_one("a[href='tel:1813']") and crisis.select_one("a[href='tel:113']")
    order = [el.get("id") for el in section.find_all(id=True)]
    assert order.index("suggest-crisis") < order.index("suggest-finder")

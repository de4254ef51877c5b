"""search.js takes a facet declared only in the test (tests/helpers/facets.py) from the offline catalog, and
answers with the server's ids, order and counts: the worker's offline answer needs no change either."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from playwright.sync_api import Page

from server import facets, web
from server.app import create_app
from server.settings import Settings
from tests.conftest import BASE_URL
from tests.helpers.facets import country_facet

pytestmark = pytest.mark.browser

CASES = [
    "country=NL",
    "country=BE",
    "country=NL&country=BE",
    "country=NL&format=online",
    "country=BE&kind=support_group",
    "country=NL&lang=nl&q=groep",
    "country=BE&near=be-gent&within=50",
]


@pytest.fixture(scope="module")
def with_country(real_db: Path) -> Iterator[TestClient]:
    with country_facet(), TestClient(create_app(Settings(db=real_db)), base_url=BASE_URL) as client:
        yield client


def test_search_js_applies_a_facet_it_was_never_told_about(page: Page, with_country: TestClient) -> None:
    source = (web.STATIC_DIR / "js" / "search.js").read_text(encoding="utf-8")
    page.set_content("<title>search.js</title>")  # about:blank: no CSP, so the script can be given inline
    page.add_script_tag(content=source)
    catalog = with_country.get("/api/v1/catalog").json()
    places = with_country.get("/api/v1/places").json()
    codes = sorted(facets.LANGUAGE_CODES)  # what /sw.js gives the worker as languageCodes
    for case in CASES:
        api = with_country.get(f"/api/v1/groups?{case}").json()
        offline = page.evaluate(
            """([catalog, places, query, codes]) => {
                const prepared = KringSearch.prepare(catalog, places);
                const filters = KringSearch.parse(new URLSearchParams(query), prepared, (c) => codes.includes(c));
                const found = KringSearch.search(prepared, filters);
                return {ids: found.items.map(([g]) => g.id), total: found.total, counts: found.counts.country,
                        query: KringSearch.toParams(filters)};
            }""",
            [catalog, places, case, codes],
        )
        assert offline["ids"] == [g["id"] for g in api["items"]], case
        assert offline["total"] == api["total"], case
        response = with_country.get(f"/en/groups/results?{case}")
        assert response.headers["hx-push-url"] == f"/en/groups?{offline['query']}", case  # the canonical address
        fragment = response.text
        for country in ("BE", "NL"):
            span = f'<span id="n-country-{country}" hx-swap-oob="true" class="n">{offline["counts"].get(country, 0)}</span>'
            assert span in fragment, (case, country)

"""search.js takes a facet declared only in the test (tests/helpers/facets.py) from the offline catalog, and
answers with the server's ids, order and counts; the worker's offline answer, on a live server with that
facet, filters and counts by it too: neither needs a change."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from litestar.testing import TestClient
from playwright.sync_api import BrowserContext, Page, expect

from server import facets, web
from server.app import create_app
from server.settings import Settings
from tests.browser.conftest import _free_port
from tests.conftest import BASE_URL, result_ids
from tests.helpers.browser import install
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


@pytest.fixture(scope="module")
def live_with_country(real_db: Path) -> Iterator[str]:
    """A live server whose app has the extra facet: uvicorn in a thread of this process, where the facet is."""
    port = _free_port()
    with country_facet():
        server = uvicorn.Server(uvicorn.Config(create_app(Settings(db=real_db)), port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def test_the_workers_offline_answer_filters_and_counts_by_it(
    persistent: BrowserContext, live_with_country: str
) -> None:
    base = live_with_country
    page = persistent.new_page()
    install(page, f"{base}/en/groups")
    online = page.request.get(f"{base}/en/groups/results?country=NL&format=online").text()
    expected_ids = result_ids(online)
    expected_be = re.search(r'id="n-country-BE"[^>]*>(\d+)<', online).group(1)
    assert expected_ids  # the real data has online groups in the Netherlands
    persistent.set_offline(True)
    page.goto(f"{base}/en/groups?country=NL&format=online")
    expect(page.locator(".offline-note")).to_be_visible()
    expect(page.locator("#f-country-NL")).to_be_checked()  # app.js set the form from the address
    expect(page.locator("#results .listing")).to_have_count(len(expected_ids))
    assert result_ids(page.content()) == expected_ids
    expect(page.locator("#n-country-BE")).to_have_text(expected_be)

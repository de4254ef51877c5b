"""One facet more, declared only in the test (tests/helpers/facets.py): the API, its schema, the listing page,
its fragment and the offline catalog all take it, with no other change. (search.js: browser/test_facets.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from server import facets, search
from server.app import create_app
from server.settings import Settings
from tests.conftest import BASE_URL, result_ids, soup
from tests.helpers.facets import country_facet


@pytest.fixture(scope="module")
def with_country(real_db: Path) -> Iterator[TestClient]:
    with country_facet(), TestClient(create_app(Settings(db=real_db)), base_url=BASE_URL) as client:
        yield client


def every_group(client: TestClient, query: str = "") -> list[dict]:
    """Every item of /api/v1/groups?<query>, page after page."""
    first = client.get(f"/api/v1/groups?{query}").json()
    items = first["items"]
    for page in range(2, first["pages"] + 1):
        items += client.get(f"/api/v1/groups?{query}&page={page}").json()["items"]
    return items


def test_without_the_declaration_the_parameter_is_unknown(client: TestClient) -> None:
    response = client.get("/api/v1/groups?country=NL")
    assert response.status_code == 400
    assert response.json()["errors"][0]["problem"] == "Kring does not know this parameter."


def test_the_api_filters_by_the_new_facet(with_country: TestClient) -> None:
    everything = every_group(with_country)
    for country in ("BE", "NL"):
        expected = [g["id"] for g in everything if g["country"] == country]
        assert expected, country  # the real data has groups in both countries
        assert [g["id"] for g in every_group(with_country, f"country={country}")] == expected
    both = every_group(with_country, "country=BE&country=NL")
    assert [g["id"] for g in both] == [g["id"] for g in everything]
    bad = with_country.get("/api/v1/groups?country=FR")
    assert bad.status_code == 400
    assert bad.json()["errors"] == [{"param": "country", "value": "FR", "problem": "This is not one of the choices."}]


def test_the_schema_documents_the_new_facet(with_country: TestClient) -> None:
    schema = with_country.get("/schema/openapi.json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/groups"]["get"]["parameters"]}
    assert parameters["country"]["schema"]["items"]["anyOf"][0]["enum"] == ["BE", "NL"]
    assert parameters["country"]["description"].startswith("BE or NL.")
    # Every parameter the parser reads, in the canonical order: the new facet comes last of the facets.
    facet_names = [name for name in parameters if name not in search.SCALARS]
    assert facet_names[-1] == "country" and set(parameters) == {*search.SCALARS, *facet_names}
    assert len(facet_names) == len(facets.FACETS) + 1


def test_the_listing_page_and_its_fragment_show_and_count_it(client: TestClient, with_country: TestClient) -> None:
    # The same data without the facet first: the form kept for it (server/web.py filter_form) is not this one's.
    assert soup(client.get("/en/groups?page=1").text).select_one("#f-kind-support_group") is not None
    assert soup(client.get("/en/groups?page=1").text).select_one("#f-country-NL") is None
    netherlands = [g["id"] for g in every_group(with_country) if g["country"] == "NL"]
    page = soup(with_country.get("/en/groups").text)
    legend = page.select_one("fieldset:has(#f-country-NL) legend")
    assert legend is not None and legend.get_text(strip=True) == "Country"
    assert page.select_one("#n-country-NL").get_text() == str(len(netherlands))
    chosen = with_country.get("/en/groups?country=NL")
    assert result_ids(chosen.text) == netherlands[: search.PER_PAGE]
    assert soup(chosen.text).select_one("#f-country-NL").has_attr("checked")
    assert soup(chosen.text).select_one("details.more").has_attr("open")  # a facet under "More filters"
    # The fragment updates the new options' counts with the others': NL's stays, as a facet's own choice
    # does not narrow its counts.
    fragment = soup(with_country.get("/nl/groups/results?country=NL").text)
    assert fragment.select_one("#n-country-NL[hx-swap-oob]").get_text() == str(len(netherlands))
    assert fragment.select_one("#n-country-BE[hx-swap-oob]") is not None


def test_the_offline_catalog_carries_it(with_country: TestClient) -> None:
    catalog = with_country.get("/api/v1/catalog").json()
    facet = next(f for f in catalog["facets"] if f["param"] == "country")
    assert facet == {
        "param": "country",
        "rule": "any",
        "counted": True,
        "open": False,
        "values": ["BE", "NL"],
        "words": None,
    }
    column = [f["param"] for f in catalog["facets"]].index("country")
    ids = catalog["fields"].index("id"), catalog["fields"].index("facets")
    by_id = {row[ids[0]]: row[ids[1]][column] for row in catalog["items"]}
    for group in every_group(with_country):
        assert by_id[group["id"]] == 1 << ["BE", "NL"].index(group["country"])

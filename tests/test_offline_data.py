"""The manifest, the worker and its offline data, over HTTP (the browser side is in browser/test_offline.py)."""

from __future__ import annotations

import msgspec

from server import search, web, worker
from server.settings import Settings


def test_manifest_in_each_language(client) -> None:
    for lang in ("nl", "fr", "en"):
        response = client.get(f"/manifest.webmanifest?lang={lang}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/manifest+json")
        body = response.json()
        assert body["start_url"] == f"/{lang}/" and body["scope"] == "/" and body["display"] == "standalone"
        assert body["id"] == "/" and body["lang"] == lang
        assert body["shortcuts"][0]["url"] == f"/{lang}/crisis"
    assert client.get("/manifest.webmanifest?lang=de").status_code == 400


def test_every_page_links_the_manifest_of_its_language(client) -> None:
    from tests.conftest import soup

    for lang in ("nl", "fr", "en"):
        page = soup(client.get(f"/{lang}/crisis").text)
        assert page.select_one("link[rel=manifest]")["href"] == f"/manifest.webmanifest?lang={lang}"


def test_the_worker_is_served_from_the_root_unstored_with_its_version(client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    snapshot = client.app.state.catalog.snapshot
    guides = tuple(g.slug for g in snapshot.guides.get("nl", []))
    version = worker.app_version("", guides)
    assert response.headers["etag"] == f'"{version}"'
    assert response.text.startswith("const KRING = ")
    config = msgspec.json.decode(response.text.split(";\n", 1)[0].removeprefix("const KRING = "))
    assert config["version"] == version
    assert web.static("css/kring.css") in config["precache"]
    for lang in ("nl", "fr", "en"):
        assert {f"/{lang}/", f"/{lang}/crisis", f"/{lang}/offline", f"/{lang}/start"} <= set(config["precache"])
        assert {f"/{lang}/guide/{slug}" for slug in guides} <= set(config["precache"])


def test_the_version_follows_the_files_and_the_release() -> None:
    assert worker.app_version("one") != worker.app_version("two") != worker.app_version("")
    assert len(worker.app_version("")) == 12


def test_catalog_has_every_active_listing_in_the_listings_order(client, real_data) -> None:
    catalog = client.get("/api/v1/catalog").json()
    api = client.get("/api/v1/groups").json()
    everything = [i["id"] for i in api["items"]]
    for page in range(2, api["pages"] + 1):
        everything += [i["id"] for i in client.get(f"/api/v1/groups?page={page}").json()["items"]]
    # Hidden listings stay in the catalog (the worker hides them by the same rule) but not in the API's list.
    hidden_since = search.hidden_since(search.today()).isoformat()
    checked = catalog["fields"].index("checked")  # rows are arrays; the catalog names their fields
    assert [row[0] for row in catalog["items"] if row[checked] > hidden_since] == everything
    assert catalog["version"] == api["data_version"]
    assert catalog["date"]


def test_catalog_and_places_answer_304_while_the_data_is_the_same(client) -> None:
    for url in ("/api/v1/catalog", "/api/v1/places"):
        client.app.page_cache.clear()
        first = client.get(url)
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "no-cache"
        for _ in range(2):  # once through the handler, once from the page cache
            again = client.get(url, headers={"if-none-match": etag, "accept-encoding": "br"})
            assert again.status_code == 304 and again.content == b""
            assert "content-encoding" not in again.headers and again.headers["etag"] == etag
        assert client.get(url, headers={"if-none-match": '"old"'}).status_code == 200


def test_offline_page_prints_the_crisis_numbers(client) -> None:
    from tests.conftest import soup

    page = soup(client.get("/nl/offline").text)
    assert page.select_one("a[href='tel:1813']") and page.select_one("a[href='tel:113']")


def test_an_answer_that_sets_a_cookie_is_never_stored() -> None:
    message = {"type": "http.response.start", "status": 200, "headers": [(b"set-cookie", b"a=b")]}
    coroutine = web.security_headers(Settings())(message, {})  # type: ignore[arg-type]
    try:
        coroutine.send(None)  # it awaits nothing: one step runs it to the end
    except StopIteration:
        pass
    assert (b"cache-control", b"no-store") in message["headers"]

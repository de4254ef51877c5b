"""The manifest, the worker and its offline data, over HTTP (the browser side is in browser/test_offline.py)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import msgspec
import pytest
from markupsafe import Markup, escape

from server import facets, i18n, labels, search, web, worker
from server.settings import Settings
from tests.conftest import ROOT, soup


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


def test_the_security_headers_are_set_once_and_vary_is_extended() -> None:
    # The hook works on the message's pairs (server/web.py): what it sets takes the place of any of the same name.
    headers = [
        (b"vary", b"Accept-Language"),
        (b"cache-control", b"public"),
        (b"set-cookie", b"a=b"),
        (b"cache-control", b"max-age=60"),
        (b"referrer-policy", b"same-origin"),
        (b"strict-transport-security", b"max-age=1"),
    ]
    message = {"type": "http.response.start", "status": 200, "headers": headers}
    coroutine = web.security_headers(Settings())(message, {"scheme": "https"})  # type: ignore[arg-type]
    try:
        coroutine.send(None)
    except StopIteration:
        pass
    names = [name for name, _ in headers]
    expected = {*web.HEADERS, "vary", "cache-control", "set-cookie", "strict-transport-security"}
    assert len(names) == len(set(names)) and set(names) == {name.encode() for name in expected}
    found = dict(headers)
    assert found[b"vary"] == b"Accept-Language,Accept-Encoding" and found[b"cache-control"] == b"no-store"
    assert found[b"referrer-policy"] == b"same-origin"  # set by the answer: kept
    assert found[b"strict-transport-security"] == web.HSTS.encode()  # over HTTPS: Kring's
    assert found[b"content-security-policy"] == web.CSP.encode()


def fill(skeleton: str, **values: object) -> Markup:
    """What sw.js does with a skeleton: each slot gets its value, escaped, or a filled skeleton as it is."""
    return Markup(re.sub("\u27e6(\\w+)\u27e7", lambda m: str(escape(values[m[1]])), skeleton))  # noqa: S704


def join(values: list, between: str) -> Markup:
    """What sw.js does with a list slot: the values (text escaped) with what the template writes between two."""
    return Markup(between).join(values)  # noqa: S704 (between is a skeleton's: the server's markup)


def tags(html: object) -> str:
    """HTML without the white space between tags, which the templates and the worker's joins place differently."""
    return re.sub(r">\s+<", "><", str(html)).strip()


@pytest.mark.parametrize("data", ["client", "fclient"])
def test_the_workers_cards_are_the_servers(request: pytest.FixtureRequest, data: str) -> None:
    """Every listing's card (real and test data), in each language, fresh and stale, with and without a distance
    and a next date: the worker's skeleton filled as sw.js fills it is the card the server renders."""
    snapshot = request.getfixturevalue(data).app.state.catalog.snapshot
    env = web.environment(Settings())
    server_card = env.from_string("{{ card(item, distance, stale) }}")
    # With a distance, the visitor chose a place to be near: a listing in several towns names the nearest one.
    near = snapshot.places["be-brussels"]
    results = SimpleNamespace(today=snapshot.today, filters=SimpleNamespace(near=near.id))
    for lang in i18n.KNOWN_LOCALES:
        s = worker.skeletons(lang)
        for item in snapshot.active:
            g = item.group
            country = i18n.gettext(lang, labels.COUNTRY[g.country])
            upcoming = item.upcoming(snapshot.today)
            ended = Markup(s["ended"])  # noqa: S704 (a skeleton: the server's markup)
            next_line = fill(s["next"], when=web.when_short(lang, upcoming[0])) if upcoming else ended
            for stale in (False, True):
                for distance in (None, 12.3):
                    expected = server_card.render(
                        lang=lang, snapshot=snapshot, results=results, item=item, distance=distance, stale=stale
                    )
                    themes = [i18n.gettext(lang, labels.THEME[t]) for t in g.themes]
                    card = s["card"]["stale" if stale else "fresh"]["themed" if themes else "plain"]
                    filled = fill(
                        card,
                        id=g.id,
                        name=g.name,
                        kind=i18n.gettext(lang, labels.KIND[g.kind]),
                        where=fill(
                            s["where"][g.format or ""],
                            place=(item.nearest_town(lang, near) if distance else item.town(lang)) or country,
                        ),
                        distance=fill(s["away"], km=web.decimal(distance, lang)) if distance else "",
                        next=next_line if g.meetings else "",
                        themes=join(themes, s["between"]["themes"]),
                        checked=i18n.date(g.last_checked, lang, "medium"),
                    )
                    assert filled == expected, (lang, g.id, stale, distance)


@pytest.mark.parametrize(
    ("query", "shape"),
    [
        ("", "first"),
        ("page=2", "middle"),
        ("page=LAST", "last"),  # the number of the last page of the real data
        ("format=online", "one"),
        ("q=nothing+like+this", "none"),
    ],
)
def test_the_workers_results_are_the_servers_partials(client, query: str, shape: str) -> None:
    """Filled with what the server's fragment shows, each shape of the skeletons gives that fragment, with the
    offline note: the same markup of _results.html, the same count line and option counts."""
    if query == "page=LAST":
        query = f"page={-(-client.get('/api/v1/groups').json()['total'] // search.PER_PAGE)}"
    for lang in i18n.KNOWN_LOCALES:
        server = soup(client.get(f"/{lang}/groups/results?{query}").text)
        s = worker.skeletons(lang)
        cards = server.select("#results li.listing")
        nav, previous, after = (server.select_one(f"#results {css}") for css in ("nav", "a[rel=prev]", "a[rel=next]"))
        results = fill(
            s["results"][shape],
            date="1 jan 2026",
            start=server.select_one("ol.listings")["start"] if cards else "",
            cards=join([Markup(str(li)) for li in cards], s["between"]["cards"]),  # noqa: S704
            page=nav.span.text if nav else "",
            previous=previous["href"] if previous else "",
            next=after["href"] if after else "",
        )
        options = [
            fill(s["option"], param=p, value=v, n=n.text)
            for n in server.select("span[hx-swap-oob]")
            for p, v in [n["id"].split("-", 2)[1:]]
        ]
        counts = fill(s["counts"], count=server.select_one("#result-count").text, options=join(options, "\n"))
        offline = soup(f"{results}\n{counts}")
        note = offline.select_one("#results > p.offline-note:first-child")
        assert note.text == i18n.gettext(
            lang, "You are offline. These results come from the data Kring saved on %(date)s."
        ) % {"date": "1 jan 2026"}
        note.decompose()
        assert tags(offline) == tags(server), (lang, query)


def test_the_worker_writes_no_markup_and_names_no_filter() -> None:
    """sw.js takes its markup from KRING.skeletons and the options it counts from the catalog's facets."""
    source = (ROOT / "web" / "static" / "js" / "sw.js").read_text()
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)  # comments may name what they like
    assert not re.search(r"<[a-z/!]", code)
    for param in (*search.SCALARS, *facets.REGISTRY.params):
        assert not re.search(rf"[\"'`]{param}[\"'`]", code), param

"""Pages and API on the real data: languages, fragment versus page, API/HTML agreement, crisis lines, errors."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import msgspec
import pytest
from litestar.testing import TestClient
from markupsafe import Markup

from server import i18n, labels, models, search, web
from server.app import create_app
from server.places import known_places
from server.routes.pages import crisis_sections
from server.settings import Settings
from tests import fixtures
from tests.conftest import BASE_URL, build_db, result_ids, soup

LANGS = ("nl", "fr", "en")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "nl"),
        ("", "nl"),
        ("fr-BE,fr;q=0.9,en;q=0.8", "fr"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,de;q=0.9,fr;q=0.5,nl;q=0.7", "nl"),
        ("es, it", "nl"),
        ("en;q=0.2, fr;q=0.8", "fr"),
        ("fr;q=0, en", "en"),
        ("en;q=abc, fr", "fr"),
        ("*", "nl"),
    ],
)
def test_root_redirects_by_accept_language_without_a_cookie(client, accept: str | None, expected: str) -> None:
    headers = {} if accept is None else {"accept-language": accept}
    response = client.get("/", headers=headers, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/{expected}/"
    assert "accept-language" in response.headers["vary"].lower()
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["/", "/groups", "/groups?kind=orientation&format=online", "/crisis", "/about"])
def test_pages_render_in_each_language_with_a_switch_to_the_same_page(client, lang: str, path: str) -> None:
    response = client.get(f"/{lang}{path}")
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    page = soup(response.text)
    assert page.html["lang"] == lang
    switch = {a["hreflang"]: a["href"] for a in page.select("nav.langs a")}
    assert set(switch) == set(LANGS)
    for code, href in switch.items():
        assert href == f"/{code}{path}" if path != "/" else href == f"/{code}/"
    assert page.select_one(f"nav.langs a[hreflang={lang}]")["aria-current"] == "true"
    # The crisis button is on every page but the crisis page itself; the crisis link comes second everywhere.
    button = page.select_one("a.crisis-button")
    assert (button is None) if path == "/crisis" else button["href"] == f"/{lang}/crisis"
    assert [a["href"] for a in page.select("a.skip")] == [
        "#main",
        "#numbers" if path == "/crisis" else f"/{lang}/crisis",
    ]
    # hreflang links are absolute (the request's own origin when KRING_PUBLIC_URL is not set), with x-default.
    alternates = {link["hreflang"]: link["href"] for link in page.select("link[rel=alternate]")}
    assert set(alternates) == {*LANGS, "x-default"}
    for code in LANGS:
        assert alternates[code] == f"{BASE_URL}{switch[code]}"
    assert alternates["x-default"] == f"{BASE_URL}{switch['nl']}"


def test_hreflang_uses_the_configured_public_origin(tmp_path, real_db) -> None:
    import shutil

    from litestar.testing import TestClient

    from server.app import create_app
    from server.settings import Settings

    db_path = tmp_path / "kring.sqlite"
    shutil.copy(real_db, db_path)
    settings = Settings(db=db_path, public_url="https://kring.example.org")
    with TestClient(app=create_app(settings), base_url=BASE_URL) as other:
        page = soup(other.get("/fr/groups?kind=talk_circle").text)
    alternates = {link["hreflang"]: link["href"] for link in page.select("link[rel=alternate]")}
    assert alternates["en"] == "https://kring.example.org/en/groups?kind=talk_circle"
    assert alternates["x-default"] == "https://kring.example.org/nl/groups?kind=talk_circle"


def test_a_public_url_that_is_no_origin_is_refused() -> None:
    from server.settings import Settings

    with pytest.raises(SystemExit, match="KRING_PUBLIC_URL"):
        Settings.from_env({"KRING_PUBLIC_URL": "kring.example.org/path"})
    assert (
        Settings.from_env({"KRING_PUBLIC_URL": "https://kring.example.org/"}).public_url == "https://kring.example.org"
    )


def test_pages_are_really_translated(client) -> None:
    titles = {lang: soup(client.get(f"/{lang}/groups").text).h1.text for lang in LANGS}
    assert len(set(titles.values())) == 3, titles
    assert titles["en"] == "Find a group"
    assert titles["nl"] == i18n.gettext("nl", "Find a group") != "Find a group"


def test_unknown_language_or_page_is_a_404_page_not_a_500(client) -> None:
    for url in (
        "/de/",
        "/xx/groups",
        "/xx/submit",
        "/en/nothing",
        "/en/groups/no-such-group",
        "/api/v1/groups/no-such",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
    page = soup(client.get("/fr/groups/no-such-group").text)
    assert page.html["lang"] == "fr"
    assert page.h1.text == i18n.gettext("fr", "Page not found")


def test_fragment_is_the_results_partial_and_pushes_the_page_url(client) -> None:
    query = "kind=orientation&lang=nl&q=zelf"
    fragment = client.get(f"/nl/groups/results?{query}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.headers["hx-push-url"] == "/nl/groups?q=zelf&kind=orientation&lang=nl"
    full = client.get(fragment.headers["hx-push-url"])
    assert "<html" in full.text
    assert result_ids(fragment.text) == result_ids(full.text)
    assert result_ids(full.text)
    # The fragment also refreshes the count (for screen readers) and each option's count, out of band.
    page = soup(fragment.text)
    count = page.select_one("#result-count[hx-swap-oob]")
    assert count is not None and count.text.strip() == soup(full.text).select_one("#result-count").text.strip()
    oob = {s["id"] for s in page.select("span[hx-swap-oob]")}
    options = {s["id"] for s in soup(full.text).select("#filters span.n")}
    assert oob == options


def test_the_live_region_says_how_many_groups_were_found(client) -> None:
    page = soup(client.get("/en/groups?format=online").text)
    status = page.select_one("[role=status]#result-count")
    n = len(result_ids(str(page)))
    assert status.text.strip() == (f"{n} groups found" if n != 1 else "1 group found")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "kind=support_group",
        "q=groep",
        "q=anon&lang=nl",
        "theme=depression&theme=anxiety",
        "near=be-brussels&within=50",
        "near=nl-utrecht&within=100&kind=support_group&kind=orientation",
        "page=2",
        "led_by=peer&cost=free&cost=contribution",
    ],
)
def test_api_and_html_agree_on_ids_and_order(client, query: str) -> None:
    api = client.get(f"/api/v1/groups?{query}")
    assert api.status_code == 200
    body = api.json()
    html_ids = result_ids(client.get(f"/en/groups?{query}").text)
    assert [item["id"] for item in body["items"]] == html_ids
    assert body["per_page"] == 20
    assert body["total"] >= len(html_ids)


def test_pages_split_the_results_twenty_by_twenty(client, real_data) -> None:
    active = [g for g in real_data.groups if g.status == "active"]
    first = client.get("/api/v1/groups").json()
    assert first["total"] == len(active)
    everything = [i["id"] for i in first["items"]]
    for page in range(2, first["pages"] + 1):
        everything += [i["id"] for i in client.get(f"/api/v1/groups?page={page}").json()["items"]]
    assert sorted(everything) == sorted(g.id for g in active)
    assert len(set(everything)) == len(everything)


BAD_QUERIES = [
    "kind=nope",
    "page=abc",
    "page=0",
    "page=99999999999999999999",
    "within=7&near=be-gent",
    "near=atlantis",
    "lang=xx",
    "q=" + "a" * 101,
    "colour=red",
    "q=a&q=b",
    "theme=%00",
    "page=%C2%B2",  # a superscript two: a digit to Python, not a page number
    "near=be-gent&within=%D9%A5",
    "soon=0",
    "soon=85",
    "soon=week",
    "order=random",
    "day=tuesday",
    "time=night",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_parameters_are_400_on_the_api_and_a_notice_on_the_page(client, query: str) -> None:
    api = client.get(f"/api/v1/groups?{query}")
    assert api.status_code == 400, api.text
    assert api.json()["detail"]
    page = client.get(f"/en/groups?{query}")
    assert page.status_code == 200
    notice = soup(page.text).select_one(".notice[role=alert]")
    assert notice is not None and "ignored" in notice.text


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_every_bad_parameter_gets_one_answer_shape_on_the_api(client, query: str) -> None:
    """One parser checks them all (search.parse_filters): each mistake is named, whatever the parameter."""
    errors = client.get(f"/api/v1/groups?{query}").json()["errors"]
    assert errors and all(set(e) == {"param", "value", "problem"} for e in errors), errors
    assert {e["param"] for e in errors} <= {p.split("=")[0] for p in query.split("&")}


def test_group_page_shows_known_fields_and_says_ask_the_organizer_for_the_rest(client, real_data) -> None:
    group = next(g for g in real_data.groups if g.led_by is None and g.contact.website)
    page = soup(client.get(f"/en/groups/{group.id}").text)
    assert page.h1.text == group.name
    rows = {row.dt.text: row.dd.text.strip() for row in page.select("dl.facts .row")}
    assert rows["Led by"] == "Not known yet: ask the organizer"
    assert group.contact.website.removeprefix("https://") in page.select_one("ul.contact").text
    assert "Taken from a public web page, read on" in page.text
    text = page.get_text(" ")
    assert group.source.removeprefix("https://") in text


def test_group_page_in_each_language_uses_the_description_in_that_language(client, real_data) -> None:
    group = next(g for g in real_data.groups if {"nl", "fr", "en"} <= set(g.description))
    for lang in LANGS:
        page = soup(client.get(f"/{lang}/groups/{group.id}").text)
        description = page.select_one(".description span")
        assert description["lang"] == lang
        assert description.text == group.description[lang]


def test_crisis_page_shows_both_countries_with_tel_links(client, real_data) -> None:
    for lang in LANGS:
        page = soup(client.get(f"/{lang}/crisis").text)
        sections = page.select(".countries > section.country")
        assert [s["data-country"] for s in sections] == ["BE", "NL"]  # Belgium first by default
        be, nl = sections
        tels = {a["href"] for a in page.select("a.call")}
        assert {f"tel:{line.phone.tel}" for line in real_data.crisis_lines} == tels
        # The first buttons: the emergency number, then the suicide lines (the pair together).
        assert [a["href"] for a in be.select(".urgent a.call.big")] == ["tel:112", "tel:1813", "tel:080032123"]
        assert [a["href"] for a in nl.select(".urgent a.call.big")] == ["tel:112", "tel:113", "tel:08000113"]
        line_113 = nl.select_one("#line-nl-113").find_parent(class_="urgent")
        assert any(chat["href"] == "https://www.113.nl" for chat in line_113.select("a.chat"))
        # The others follow, grouped by need under their headings.
        assert [h.text for h in be.select(":scope > h3")] == [
            i18n.gettext(lang, labels.LINE_KIND[k]) for k in ("listening", "youth", "violence", "poison", "doctor")
        ]


def test_the_crisis_buttons_say_what_the_data_says_in_each_language(client) -> None:
    expected = {
        "nl": ("Nederlands", "Gratis", "Dag en nacht"),
        "fr": ("Néerlandais", "Gratuit", "Jour et nuit"),
        "en": ("Dutch", "Free", "Day and night"),
    }
    for lang, words in expected.items():
        page = soup(client.get(f"/{lang}/crisis").text)
        button = page.select_one("a.call.big[href='tel:1813']")
        assert button.select_one(".number").text.strip().endswith("1813")
        assert button.select_one(".when").text.split(" · ") == list(words)
        suicide = button.find_parent(class_="urgent").h3.text
        assert (
            suicide
            == {
                "nl": "Als je aan zelfdoding denkt",
                "fr": "Si tu penses au suicide",
                "en": "If you think about suicide",
            }[lang]
        )
        # Chat hours are the chat's own, not the phone's.
        chat = page.select_one("#crisis-be .urgent a.chat")
        assert chat.select_one(".when").text.split(" · ")[-1] != words[2]
        # No promise of "always": the page says not every line is open day and night.
        assert "24/7" not in page.select_one("main").text


def test_the_country_switch_works_without_javascript(client) -> None:
    page = soup(client.get("/en/crisis?country=NL").text)
    assert [s["data-country"] for s in page.select(".countries > section.country")] == ["NL", "BE"]
    assert page.select_one(".country-switch a[aria-current]")["data-country-choice"] == "NL"
    assert [a["href"] for a in page.select(".country-switch a")] == [
        "/en/crisis?country=BE#numbers",
        "/en/crisis?country=NL#numbers",
    ]
    odd = client.get("/nl/crisis?country=<b>xx</b>")
    assert odd.status_code == 200
    page = soup(odd.text)
    assert page.select_one(".countries > section.country")["data-country"] == "BE"
    assert "<b>xx</b>" in page.select_one("p.notice").text  # said, and escaped


def test_paired_crisis_lines_are_shown_both_or_neither(real_data) -> None:
    def be_ids(lines: list[models.CrisisLine]) -> list[str]:
        be = next(section for section in crisis_sections(lines) if section.country == "BE")
        return [line.id for _, group in be.urgent + be.others for line in group]

    lines = real_data.crisis_lines
    assert {"be-zelfmoordlijn-1813", "be-centre-prevention-suicide"} <= set(be_ids(lines))
    without_one = [line for line in lines if line.id != "be-centre-prevention-suicide"]
    assert "be-zelfmoordlijn-1813" not in be_ids(without_one)


def test_api_groups_and_crisis_lines_are_in_the_openapi_schema(client) -> None:
    schema = client.get("/schema/openapi.json").json()
    assert {"/api/v1/groups", "/api/v1/groups/{group_id}", "/api/v1/crisis-lines"} <= set(schema["paths"])
    params = {p["name"] for p in schema["paths"]["/api/v1/groups"]["get"]["parameters"]}
    assert {
        "q",
        "kind",
        "theme",
        "format",
        "near",
        "within",
        "lang",
        "led_by",
        "cost",
        "access",
        "audience",
        "membership",
        "page",
    } <= params


def test_api_group_and_crisis_lines_decode_as_the_models(client, real_data) -> None:
    import msgspec

    group = real_data.groups[0]
    got = msgspec.json.decode(client.get(f"/api/v1/groups/{group.id}").content, type=models.Group)
    assert got == group
    lines = msgspec.json.decode(client.get("/api/v1/crisis-lines").content, type=list[models.CrisisLine])
    assert lines == real_data.crisis_lines


def test_html_is_compressed_and_static_assets_are_immutable(client) -> None:
    response = client.get("/en/groups", headers={"accept-encoding": "br"})
    assert response.headers["content-encoding"] == "br"
    assert "accept-encoding" in response.headers["vary"].lower()
    plain = client.get("/en/groups", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == response.text
    css = soup(plain.text).select_one("link[rel=stylesheet]")["href"]
    path, query = urlsplit(css).path, dict(parse_qsl(urlsplit(css).query))
    assert path == "/static/css/kring.css" and len(query["v"]) == 12
    asset = client.get(css)
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"] and "max-age=31536000" in asset.headers["cache-control"]


@pytest.mark.parametrize(
    "url", ["/", "/en/", "/en/groups", "/nl/crisis", "/api/v1/groups", "/xx/", "/static/css/kring.css"]
)
def test_security_headers_on_every_response(client, url: str) -> None:
    headers = client.get(url, follow_redirects=False).headers
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in headers


def test_no_inline_script_or_style_in_pages(client) -> None:
    for url in ("/en/", "/en/groups", "/en/about"):
        page = soup(client.get(url).text)
        assert all(script.get("src") for script in page.find_all("script")), url
        assert not page.find_all("style") and not page.select("[style]"), url


def test_the_crisis_page_carries_its_stylesheet_inline_allowed_by_its_hash(client) -> None:
    import base64
    import hashlib

    response = client.get("/en/crisis")
    page = soup(response.text)
    assert all(script.get("src") for script in page.find_all("script"))
    assert not page.select("link[rel=stylesheet]") and not page.select("[style]")
    (style,) = page.find_all("style")
    digest = base64.b64encode(hashlib.sha256(style.string.encode()).digest()).decode()
    style_src = next(d for d in response.headers["content-security-policy"].split("; ") if d.startswith("style-src"))
    assert style_src == f"style-src 'self' 'sha256-{digest}'"
    # The first part of the one stylesheet, not a copy of it.
    assert (web.STATIC_DIR / "css" / "kring.css").read_text().startswith(style.string) and len(style.string) > 4000


def test_a_place_name_holding_any_character_keeps_the_listing_working(tmp_path: Path) -> None:
    # The listing's form is kept with slots (server/web.py filter_form); a name from a data file is never split.
    data = fixtures.dataset()
    data.place_names = [models.PlaceName(id="be-gent", nl="Gent\x00stad")]
    data.places = known_places(data.place_names)
    with TestClient(create_app(Settings(db=build_db(tmp_path / "k.sqlite", data))), base_url=BASE_URL) as c:
        page = c.get("/nl/groups?near=be-gent&q=gent")
        assert page.status_code == 200
        assert '<option value="be-gent" selected>Gent\x00stad</option>' in page.text
        assert soup(page.text).select_one("#q")["value"] == "gent"


class _Context(dict):
    """What web.card() reads of a template's context: the values, and the environment."""

    def __init__(self, environment: object, **values: object) -> None:
        super().__init__(values)
        self.environment = environment


def test_a_card_is_what_its_template_draws(tmp_path: Path) -> None:
    # web.card() fills the card's shape (_card.html rendered once with a slot in each field) instead of rendering
    # the template for each listing: the same markup for every listing, stale or fresh, with themes or none, near a
    # place or not, in each language; a name with markup characters is escaped as the template escapes it.
    data = fixtures.dataset()
    data.groups[0] = msgspec.structs.replace(data.groups[0], name='Praat & "zo" <samen>', themes=[])
    app = create_app(Settings(db=build_db(tmp_path / "k.sqlite", data)))
    with TestClient(app, base_url=BASE_URL) as c:
        snapshot = c.blocking_portal.call(app.state.catalog.current)
        env = app.template_engine.engine
        template = env.get_template("partials/_card.html")
        looks = set()
        for lang in i18n.KNOWN_LOCALES:
            for near in (None, "be-gent"):
                filters, _ = search.parse_filters(
                    [("near", near)] if near else [], place_ids=snapshot.places, registry=snapshot.facets
                )
                results = c.blocking_portal.call(snapshot.search, app.state.database, filters)
                context = _Context(env, lang=lang, results=results, snapshot=snapshot)
                for item in snapshot.active:
                    stale = results.is_stale(item)
                    distance = 12.5 if near else None
                    place = snapshot.places[near] if near else None
                    fields = web.card_fields(item, lang)._replace(where=web.card_where(item, lang, place))
                    expected = template.render(
                        lang=lang,
                        card=fields,
                        distance=web.away(lang, web.decimal(distance, lang)) if near else "",
                        next=Markup(web.next_line(env, lang, item, results.today)),  # noqa: S704 (our own markup)
                        stale=stale,
                    )
                    assert web.card(context, item, distance, stale) == expected, (lang, item.group.id)
                    looks.add((stale, bool(fields.themes)))
        assert looks == {(True, True), (True, False), (False, True), (False, False)}
        assert "Praat &amp; &#34;zo&#34; &lt;samen&gt;" in c.get("/nl/groups").text


def test_the_listing_page_is_what_its_template_draws(tmp_path: Path, monkeypatch) -> None:
    # web.listing_page() fills the page's shape (pages/_groups_shape.html, rendered once per language and settings)
    # instead of rendering pages/groups.html for each search: each answer must be the whole template's rendering,
    # in each language, with filters, problems, a later page, a place, markup characters in the address, and with
    # and without a configured public origin.
    data = fixtures.dataset()
    db = build_db(tmp_path / "k.sqlite", data)
    compared = []
    listing_page = web.listing_page

    def both(request, lang, snapshot, results, problems, shown, first, sections) -> str:
        env = request.app.template_engine.engine
        assert sections()[0].country == first
        whole = env.get_template("pages/groups.html").render(
            **web.page_context(request, lang),
            results=results,
            problems=problems,
            snapshot=snapshot,
            shown=shown,
            sections=sections(),
            filter_form=lambda r, p: Markup(web.filter_form(env, snapshot, lang, r, p)),  # noqa: S704 (our markup)
        )
        html = listing_page(request, lang, snapshot, results, problems, shown, first, sections)
        assert html == whole, request.url
        compared.append(str(request.url))
        return html

    monkeypatch.setattr(web, "listing_page", both)
    queries = ("", "kind=support_group", 'q=<b>"praat"&x=1', "page=2", "near=be-gent", "day=someday&kind=nope")
    for public_url in ("", "https://kring.example"):
        app = create_app(Settings(db=db, public_url=public_url))
        with TestClient(app, base_url=BASE_URL) as c:
            for lang in LANGS:
                for query in queries:
                    app.page_cache.clear()
                    page = c.get(f"/{lang}/groups?{query}")
                    assert (
                        page.status_code == 200 and f'hreflang="x-default" href="{public_url or BASE_URL}' in page.text
                    )
    assert len(compared) == 2 * len(LANGS) * len(queries)

"""Installable and offline-first, in Chromium: install, the tunnel journey, the update, and offline answers
that give exactly the server's ids, order and counts."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from bench import synthetic
from server import facets, i18n, loader, search, web
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port, start_server
from tests.conftest import DATA, ROOT, build_db, soup
from tests.helpers.browser import install, until, violations

pytestmark = pytest.mark.browser


def answer(html: str) -> tuple[list[tuple[str, bool, str, str]], str, dict[str, str]]:
    """What a results fragment says: the ids in order (each with whether its card says it is stale, its line on
    the next date, and where: near a place, the nearest town it meets in, and how far), the count, and every
    option's count."""
    page = soup(html)
    ids = [
        (
            li.select_one("h2 a")["href"].rsplit("/", 1)[1],
            li.select_one("p.checked.stale") is not None,
            next_line.get_text(" ", strip=True) if (next_line := li.select_one("p.next")) else "",
            li.select_one(".meta span:not(.kind)").get_text(" ", strip=True),
        )
        for li in page.select("#results .listing")
    ]
    count = page.select_one("#result-count").get_text(" ", strip=True)
    options = {span["id"]: span.text for span in page.select("span[hx-swap-oob]")}
    return ids, count, options


def test_chromium_reports_no_installability_errors(persistent: BrowserContext, live_server: str) -> None:
    page = persistent.new_page()
    install(page, f"{live_server}/en/")
    cdp = persistent.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    parsed = page.request.get(f"{live_server}/manifest.webmanifest?lang=en").json()
    assert [s["url"] for s in parsed["shortcuts"]] == ["/en/crisis", "/en/groups"]
    assert parsed["shortcuts"][0]["name"] == "Crisis numbers"
    purposes = {(i["sizes"], i["purpose"]) for i in parsed["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= purposes
    assert {s["form_factor"] for s in parsed["screenshots"]} == {"narrow", "wide"}
    for image in [*parsed["icons"], *parsed["screenshots"]]:
        assert page.request.get(f"{live_server}{image['src']}").ok


def test_the_tunnel_journey(persistent: BrowserContext, live_server: str) -> None:
    page = persistent.new_page()
    install(page, f"{live_server}/en/")
    page.goto(f"{live_server}/en/groups/be-psybru")  # a group visited before the tunnel
    online_ids = [i["id"] for i in page.request.get(f"{live_server}/api/v1/groups?kind=orientation").json()["items"]]
    persistent.set_offline(True)

    for url in ("/nl/", "/fr/", "/en/about", "/nl/groups"):  # precached, never opened
        page.goto(f"{live_server}{url}")
        expect(page.locator("h1")).to_be_visible()
    page.goto(f"{live_server}/fr/crisis")
    expect(page.locator("a[href='tel:1813']")).to_be_visible()
    expect(page.locator("#offline")).to_be_visible()

    page.goto(f"{live_server}/en/groups/be-psybru")
    expect(page.locator("h1")).to_have_text("PsyBru")

    # Filters still answer, from the catalog, with the server's ids and a calm notice of the data's age.
    page.goto(f"{live_server}/en/groups?kind=orientation")
    expect(page.locator(".offline-note")).to_contain_text("You are offline")
    expect(page.locator("#results .listing")).to_have_count(len(online_ids))
    assert [
        a.rsplit("/", 1)[1]
        for a in page.locator("#results .listing h2 a").evaluate_all("l => l.map(a => a.getAttribute('href'))")
    ] == online_ids
    with page.expect_response(re.compile(r"/results\?")):
        page.locator("#f-format-online").check()
    expect(page).to_have_url(re.compile(r"kind=orientation&format=online"))
    expect(page.locator(".offline-note")).to_be_visible()
    assert violations(page) == ""  # axe-core, offline, after the swap

    # A page it never saw: the offline page, which prints the crisis numbers itself.
    page.goto(f"{live_server}/en/groups/nl-aa-nederland")
    expect(page.locator("h1")).to_have_text("You are offline")
    expect(page.locator("a[href='tel:113']")).to_be_visible()


def test_the_crisis_page_opens_offline_in_a_context_that_never_opened_it(
    persistent: BrowserContext, live_server: str
) -> None:
    page = persistent.new_page()
    install(page, f"{live_server}/nl/")
    persistent.set_offline(True)
    page.goto(f"{live_server}/en/crisis")
    expect(page.locator("#crisis-be a[href='tel:080032123']")).to_be_visible()
    expect(page.locator("#crisis-nl a[href='tel:08000113']")).to_be_visible()


def test_never_cached_moderator_pages_posts_and_errors(persistent: BrowserContext, live_server: str) -> None:
    page = persistent.new_page()
    install(page, f"{live_server}/en/")
    page.evaluate("Promise.all([fetch('/moderate'), fetch('/en/groups', {method: 'POST'}), fetch('/en/nothing')])")
    page.goto(f"{live_server}/en/nothing-here")
    cached = page.evaluate(
        "caches.keys().then(names => Promise.all(names.map(n => caches.open(n).then(c => c.keys()))))"
        ".then(all => all.flat().map(r => r.method + ' ' + new URL(r.url).pathname))"
    )
    assert cached and not [c for c in cached if "/moderate" in c or c.startswith("POST") or "nothing" in c]


def test_an_update_waits_for_the_person(playwright: Playwright, tmp_path: Path, real_db: Path) -> None:
    port = _free_port()
    first, base = start_server(real_db, port, KRING_RELEASE="one")
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS
    )
    try:
        page = context.new_page()
        install(page, f"{base}/en/groups")
        old = page.evaluate("caches.keys()")
        first.terminate()
        first.wait(timeout=10)
        second, _ = start_server(real_db, port, KRING_RELEASE="two")
        try:
            page.evaluate("window.kringMarker = 'still here'")
            page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
            expect(page.locator("#update")).to_be_visible(timeout=15000)
            page.wait_for_timeout(500)
            assert page.evaluate("window.kringMarker") == "still here"  # nothing reloaded by itself
            with page.expect_navigation():
                page.locator("#update button").click()
            assert page.evaluate("window.kringMarker") is None
            until(page, "caches.keys().then(k => k.filter(n => n.startsWith('kring-shell-')).length === 1)")
            new = page.evaluate("caches.keys()")
            assert [n for n in old if n.startswith("kring-shell-")] != [n for n in new if n.startswith("kring-shell-")]
        finally:
            second.terminate()
            second.wait(timeout=10)
    finally:
        context.close()


@pytest.mark.parametrize("how", ["update button", "browser reopened"])
def test_pages_saved_before_an_update_keep_their_styles_and_scripts_offline(
    playwright: Playwright, tmp_path: Path, real_db: Path, how: str
) -> None:
    # Release two is a copy of the app whose stylesheet and app.js changed, so their hashed URLs change too.
    two = tmp_path / "release-two"
    for part in ("server", "web"):
        shutil.copytree(ROOT / part, two / part, ignore=shutil.ignore_patterns("__pycache__", "screenshots"))
    for name, line in (("css/kring.css", "/* release two */"), ("js/app.js", "// release two")):
        asset = two / "web" / "static" / name
        asset.write_text(asset.read_text() + line + "\n")
    port = _free_port()
    profile = tmp_path / "profile"
    first, base = start_server(real_db, port, KRING_RELEASE="one")
    context = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    second = None
    try:
        page = context.new_page()
        install(page, f"{base}/nl/")
        for path in ("/nl/about", "/nl/groups/be-psybru", "/nl/groups"):
            page.goto(f"{base}{path}")
        old_css = page.evaluate("document.querySelector('link[rel=stylesheet]').href")
        old_caches = page.evaluate("caches.keys()")
        first.terminate()
        first.wait(timeout=10)
        second, _ = start_server(real_db, port, cwd=two, KRING_RELEASE="two")
        if how == "update button":
            page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
            expect(page.locator("#update")).to_be_visible(timeout=15000)
            with page.expect_navigation():
                page.locator("#update button").click()
        else:
            page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
            until(page, "navigator.serviceWorker.getRegistration().then(r => !!r.waiting)")
            context.close()
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            page = context.new_page()
            page.goto(f"{base}/nl/")
        # Release two's worker is in charge.
        until(
            page,
            "navigator.serviceWorker.getRegistration().then(r => !r.waiting && r.active.state === 'activated'"
            " && !!navigator.serviceWorker.controller)",
        )
        until(
            page, f"caches.keys().then(k => k.some(n => n.startsWith('kring-shell-') && !{old_caches!r}.includes(n)))"
        )
        cdp = context.new_cdp_session(page)
        cdp.send("Network.clearBrowserCache")
        cdp.detach()
        context.set_offline(True)
        for path in ("/nl/about", "/nl/groups/be-psybru", "/nl/groups"):
            page.goto(f"{base}{path}")
            assert page.evaluate("getComputedStyle(document.querySelector('header.top')).position") == "sticky", path
            expect(page.locator("#offline")).to_be_visible()  # app.js ran
        assert page.evaluate("typeof window.htmx") == "object"  # the listing has htmx
        # and still filters, answered by release two's worker in release two's markup.
        with page.expect_response(re.compile(r"/results\?")):
            page.locator("#f-format-online").check()
        expect(page.locator(".offline-note")).to_be_visible()
        page.goto(f"{base}/nl/about")
        assert page.evaluate("document.querySelector('link[rel=stylesheet]').href") != old_css  # release two's page
        # Every cache is release two's: none of release one's is left behind to answer instead.
        assert not set(page.evaluate("caches.keys()")) & set(old_caches)
    finally:
        context.close()
        for process in (first, second):
            if process and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)


# --- conformance: the worker's offline answers against the server's, on 1,500 synthetic listings ---------


@pytest.fixture(scope="module")
def synthetic_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = loader.read(DATA)
    # Dated from today in Brussels, as the server and the worker judge freshness: about half are stale and a
    # quarter hidden, and some sit on each side of both boundaries.
    data.groups = synthetic.generate(1500, seed=5)
    checked = {g.last_checked for g in data.groups}
    assert set(synthetic.boundary_days(search.today())) <= checked
    data.organizations = []
    path = build_db(tmp_path_factory.mktemp("synthetic") / "kring.sqlite", data)
    process, base = start_server(path)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def offline_page(
    playwright: Playwright, synthetic_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Page]:
    context = playwright.chromium.launch_persistent_context(
        tmp_path_factory.mktemp("profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS
    )
    page = context.new_page()
    install(page, f"{synthetic_server}/en/groups")
    context.set_offline(True)
    yield page
    context.close()


WORDS = [
    "groep",
    "gr",
    "g",
    "angst",
    "anx",
    "deuil",
    "rouw",
    "praat",
    "online",
    "brux",
    "gent",
    "zelf",
    "x",
    "e",
    "talk",
]
PLACES = ["be-brussels", "be-gent", "be-liege", "nl-utrecht", "nl-amsterdam", "be-namur", "nl-groningen"]
combos = st.fixed_dictionaries(
    {},
    optional={
        "q": st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(" ".join),
        "kind": st.lists(st.sampled_from(facets.REGISTRY["kind"].values), min_size=1, max_size=2, unique=True),
        "theme": st.lists(st.sampled_from(facets.REGISTRY["theme"].values), min_size=1, max_size=2, unique=True),
        "format": st.lists(st.sampled_from(facets.REGISTRY["format"].values), min_size=1, max_size=2, unique=True),
        "lang": st.lists(st.sampled_from(["nl", "fr", "en", "de", "ar"]), min_size=1, max_size=2, unique=True),
        "led_by": st.lists(st.sampled_from(facets.REGISTRY["led_by"].values), min_size=1, max_size=2, unique=True),
        "cost": st.lists(st.sampled_from(facets.REGISTRY["cost"].values), min_size=1, max_size=2, unique=True),
        "access": st.lists(st.sampled_from(facets.REGISTRY["access"].values), min_size=1, max_size=2, unique=True),
        "audience": st.lists(st.sampled_from(facets.REGISTRY["audience"].values), min_size=1, max_size=2, unique=True),
        "membership": st.lists(st.sampled_from(facets.REGISTRY["membership"].values), min_size=1, max_size=1),
        "day": st.lists(st.sampled_from(facets.REGISTRY["day"].values), min_size=1, max_size=2, unique=True),
        "time": st.lists(st.sampled_from(facets.REGISTRY["time"].values), min_size=1, max_size=2, unique=True),
        "near": st.sampled_from(PLACES),
        "within": st.sampled_from([str(w) for w in search.WITHIN_CHOICES]),
        "soon": st.sampled_from(["1", "3", str(search.SOON_CHOICE), "30", str(search.WINDOW_DAYS)]),
        "order": st.sampled_from(search.ORDERS),
        "page": st.sampled_from(["2", "3"]),
    },
)
LANGUAGES = st.sampled_from(["en", "nl", "fr"])


@settings(max_examples=220, deadline=None, suppress_health_check=list(HealthCheck))
@given(combos, LANGUAGES)
# Pages where fresh and stale listings meet (on this seeded data, whatever the day), with and without near.
@example({"near": "be-gent", "within": "25"}, "en")
@example({"near": "be-brussels", "within": "50", "kind": ["support_group"], "page": "2"}, "en")
@example({"near": "nl-utrecht", "within": "50", "kind": ["support_group"], "page": "2"}, "en")
@example({"theme": ["grief"], "kind": ["talk_circle"], "page": "2"}, "en")
# The next meeting first, near a place and soon; in each language the cards write their next dates alike.
@example({"order": "next", "near": "be-gent", "within": "50"}, "nl")
@example({"order": "next", "soon": "7", "time": ["evening"]}, "fr")
@example({"day": ["tue", "sat"], "order": "next", "page": "2"}, "en")
def test_offline_answers_are_the_servers(offline_page: Page, synthetic_server: str, combo: dict, lang: str) -> None:
    from urllib.parse import urlencode

    query = urlencode(
        [(k, v) for k, values in combo.items() for v in (values if isinstance(values, list) else [values])]
    )
    url = f"/{lang}/groups/results?{query}"
    with urllib.request.urlopen(f"{synthetic_server}{url}") as response:
        online = answer(response.read().decode())
    offline_html = offline_page.evaluate(
        "url => fetch(url).then(r => r.headers.get('X-Kring-Offline') ? r.text() : 'not from the catalog')", url
    )
    assert offline_html != "not from the catalog"
    assert answer(offline_html) == online, url
    event("some results" if online[0] else "no results")
    event("stale results" if any(stale for _, stale, _, _ in online[0]) else "no stale results")
    event("next dates" if any(line for _, _, line, _ in online[0]) else "no next dates")


def test_the_worker_counts_months_and_days_as_the_server(page: Page, live_server: str) -> None:
    """search.js's today() and months_before(), against search.py's, in Chromium."""
    page.goto(f"{live_server}/en/")
    page.add_script_tag(url=web.static("js/search.js"))  # same origin: the page's CSP allows it
    days = [dt.date(2023, 1, 1) + dt.timedelta(days=i) for i in range(0, 2200, 3)]
    cases = [(day.isoformat(), n) for day in days for n in (0, 1, 12, 18, 30)]
    found = page.evaluate("cases => cases.map(([iso, n]) => KringSearch.monthsBefore(iso, n))", cases)
    assert found == [search.months_before(dt.date.fromisoformat(iso), n).isoformat() for iso, n in cases]
    assert page.evaluate("KringSearch.today()") == search.today().isoformat()


def test_offline_cards_say_not_checked_since(offline_page: Page, synthetic_server: str) -> None:
    with urllib.request.urlopen(f"{synthetic_server}/api/v1/groups") as response:
        last = msgspec.json.decode(response.read())["pages"]
    # Stale listings come last: the last page is all stale, in the worker's words of the page's language.
    html = offline_page.evaluate("url => fetch(url).then(r => r.text())", f"/fr/groups/results?page={last}")
    cards = soup(html).select("#results .listing p.checked")
    words = i18n.gettext("fr", "Not checked since %(date)s").split("%(date)s")[0]
    assert cards and all("stale" in p["class"] and p.get_text().startswith(words) for p in cards)
    # Offline, a listing's first page where fresh and stale cards meet (app.js drops `page` from a saved page's
    # address): the worker's cards pass axe-core, light and dark.
    query = next(
        q
        for q in (f"near={place}&within={km}" for place in PLACES for km in search.WITHIN_CHOICES)
        if len(
            {
                stale
                for _, stale, _, _ in answer(
                    urllib.request.urlopen(f"{synthetic_server}/en/groups/results?{q}").read().decode()
                )[0]
            }
        )
        == 2
    )
    for scheme in ("light", "dark"):
        offline_page.emulate_media(color_scheme=scheme)
        offline_page.goto(f"{synthetic_server}/en/groups?{query}")
        expect(offline_page.locator(".offline-note")).to_be_visible()
        expect(offline_page.locator("#results p.checked.stale").first).to_contain_text("Not checked since")
        assert violations(offline_page) == ""

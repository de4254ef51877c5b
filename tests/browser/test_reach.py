"""Help in reach on any screen: a one-row header whose quick exit never scrolls away or hides under anything,
the crisis numbers two Tab presses away, and a crisis page whose first screen holds the call buttons of the
country shown. Also saves phone screenshots of the home and crisis pages for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.helpers.browser import install, neutral_site, violations

pytestmark = pytest.mark.browser

LANGS = ("nl", "fr", "en")
PHONES = [(320, 568), (390, 844)]
SIZES = [*PHONES, (1280, 800)]
PAGES = [
    "/",
    "/groups",
    "/groups/be-psybru",
    "/crisis",
    "/start",
    "/guide",
    "/guide/support-group-or-therapy",
    "/about",
    "/submit",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"  # git-ignored: pictures for a person, not for the suite
URGENT = {"BE": ["112", "1813", "080032123"], "NL": ["112", "113", "08000113"]}

# What covers the focused element, or the quick exit, at the centre of its box: the top element there must be
# the element itself (or a part of it). Also says when the centre lies outside the viewport.
COVERED = """(el) => {
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return `outside the viewport at ${Math.round(x)},${Math.round(y)}`;
  const top = document.elementFromPoint(x, y);
  if (!top || el === top || el.contains(top) || top.contains(el) && top.tagName === "LABEL") return "";
  return `covered by ${top.tagName}.${top.className}`;
}"""


@pytest.fixture
def sized(browser: Browser, request: pytest.FixtureRequest) -> BrowserContext:
    width, height = request.param
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    yield ctx
    ctx.close()


def tel_links_in_first_viewport(page: Page, tels: list[str]) -> None:
    """Each call button lies wholly inside the first screen, without scrolling, and is at least 48 px high."""
    assert page.evaluate("scrollY") == 0
    viewport = page.viewport_size
    for tel in tels:
        box = page.locator(f".countries > section:first-child .urgent a[href='tel:{tel}']").bounding_box()
        assert box is not None, tel
        assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (tel, box, viewport)
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (tel, box, viewport)
        assert box["height"] >= 48, (tel, box)


@pytest.mark.parametrize("sized", SIZES, indirect=True, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_the_header_is_one_row_and_the_quick_exit_stays_in_view_on_the_longest_page(
    sized: BrowserContext, live_server: str, lang: str
) -> None:
    page = sized.new_page()
    heights = {}
    for path in PAGES:
        page.goto(f"{live_server}/{lang}{path}")
        header = page.locator("header.top").bounding_box()
        if page.viewport_size["width"] < 900:  # phones and small tablets: one row, at most 56 px
            assert header["height"] <= 56, (path, header)
            tops = page.locator("header.top .top-inner > *").evaluate_all(
                "l => l.filter(e => getComputedStyle(e).position !== 'fixed').map(e => Math.round(e.getBoundingClientRect().top))"
            )
            assert max(tops) - min(tops) <= 8, (path, tops)  # side by side, not wrapped
        heights[path] = page.evaluate("document.documentElement.scrollHeight")
    longest = max(heights, key=heights.__getitem__)
    page.goto(f"{live_server}/{lang}{longest}")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert page.evaluate("scrollY") > 0 or heights[longest] <= page.viewport_size["height"]
    exit_button = page.locator("#quick-exit")
    expect(exit_button).to_be_in_viewport(ratio=1)
    assert exit_button.evaluate(COVERED) == ""


@pytest.mark.parametrize("sized", SIZES, indirect=True, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_the_crisis_page_shows_the_call_buttons_of_the_country_shown_in_its_first_screen(
    sized: BrowserContext, live_server: str, lang: str
) -> None:
    page = sized.new_page()
    page.goto(f"{live_server}/{lang}/crisis")
    expect(page.locator(".countries > section:first-child")).to_have_attribute("data-country", "BE")
    tel_links_in_first_viewport(page, URGENT["BE"])
    assert page.locator("a.crisis-button").count() == 0  # nothing floats over the crisis page
    page.locator("[data-country-choice=NL]").click()
    expect(page.locator(".countries > section:first-child")).to_have_attribute("data-country", "NL")
    expect(page.locator("[data-country-choice=NL]")).to_have_attribute("aria-current", "true")
    page.evaluate("window.scrollTo(0, 0)")
    tel_links_in_first_viewport(page, URGENT["NL"])


def test_the_country_choice_is_remembered_on_the_device_and_works_offline(
    persistent: BrowserContext, live_server: str
) -> None:
    page = persistent.new_page()
    install(page, f"{live_server}/en/")
    page.goto(f"{live_server}/en/crisis")
    page.locator("[data-country-choice=NL]").click()
    assert page.evaluate("localStorage.getItem('kring-country')") == "NL"
    persistent.set_offline(True)
    page.goto(f"{live_server}/nl/crisis")  # precached, never opened: the worker answers
    expect(page.locator(".countries > section:first-child")).to_have_attribute("data-country", "NL")
    tel_links_in_first_viewport(page, URGENT["NL"])
    page.locator("[data-country-choice=BE]").click()  # the switch itself works offline
    expect(page.locator(".countries > section:first-child")).to_have_attribute("data-country", "BE")
    page.goto(f"{live_server}/en/crisis?country=NL")  # never fetched: the worker answers with the saved page
    expect(page.locator(".countries > section:first-child")).to_have_attribute("data-country", "NL")
    page.locator("[data-country-choice=NL]").click()
    page.goto(f"{live_server}/fr/crisis")  # French: Belgium first, whatever was chosen (DESIGN.md §4)
    expect(page.locator(".countries > section:first-child")).to_have_attribute("data-country", "BE")
    # "Forget this device" forgets the choice too.
    persistent.set_offline(False)
    page.goto(f"{live_server}/en/saved")
    page.locator("#forget").click()
    expect(page.locator("#forget-done")).not_to_be_empty()
    assert page.evaluate("localStorage.getItem('kring-country')") is None


@pytest.mark.parametrize("sized", SIZES, indirect=True, ids=lambda s: f"{s[0]}x{s[1]}")
def test_two_tab_presses_reach_the_crisis_numbers_and_three_the_quick_exit(
    sized: BrowserContext, live_server: str
) -> None:
    page = sized.new_page()
    for lang in LANGS:
        for path in PAGES:
            page.goto(f"{live_server}/{lang}{path}")
            page.keyboard.press("Tab")
            page.keyboard.press("Tab")
            focused = page.evaluate("[document.activeElement.id, document.activeElement.getAttribute('href')]")
            crisis = "#numbers" if path == "/crisis" else f"/{lang}/crisis"
            assert focused == ["skip-crisis", crisis], (lang, path, focused)
            expect(page.locator("#skip-crisis")).to_be_in_viewport()
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.id") == "quick-exit", (lang, path)
    page.goto(f"{live_server}/en/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/en/crisis")


@pytest.mark.parametrize("sized", SIZES, indirect=True, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("path", ["/en/groups", "/fr/crisis", "/nl/groups/be-psybru", "/en/submit"])
def test_nothing_floating_hides_the_focused_control_or_the_quick_exit(
    sized: BrowserContext, live_server: str, path: str
) -> None:
    page = sized.new_page()
    page.goto(f"{live_server}{path}")
    seen = 0
    for _ in range(150):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        focused = page.evaluate_handle("document.activeElement")
        where = page.evaluate("el => el.id || el.getAttribute('href') || el.name || el.tagName", focused)
        assert page.evaluate(COVERED, focused) == "", (path, where, page.evaluate(COVERED, focused))
        assert page.locator("#quick-exit").evaluate(COVERED) == "", (path, where)
        seen += 1
    assert seen >= 10  # the walk went through the page


def test_shift_shows_its_progress_and_says_it(context: BrowserContext, live_server: str) -> None:
    neutral_site(context)
    page = context.new_page()
    page.goto(f"{live_server}/nl/")
    page.goto(f"{live_server}/nl/groups")
    status = page.locator("#exit-status")
    exit_button = page.locator("#quick-exit")
    page.keyboard.press("Shift")
    expect(exit_button).to_have_attribute("data-step", "1")
    expect(status).to_have_text("Snel weg: druk nog 2 keer op Shift.")
    assert status.get_attribute("role") == "status"
    page.keyboard.press("Shift")
    expect(exit_button).to_have_attribute("data-step", "2")
    expect(status).to_have_text("Snel weg: druk nog 1 keer op Shift.")
    page.wait_for_timeout(2300)  # too slow: it starts again from zero
    expect(exit_button).not_to_have_attribute("data-step", "2")
    expect(status).to_have_text("")
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url("https://www.wikipedia.org/")
    page.go_back()
    expect(page.locator("h1")).to_be_visible()  # pageshow: the page and the shortcut start afresh
    expect(page.locator("#exit-status")).to_have_text("")
    assert page.locator("#quick-exit").get_attribute("data-step") is None


def test_leaving_blanks_the_page_at_once(context: BrowserContext, live_server: str) -> None:
    neutral_site(context)
    page = context.new_page()
    page.goto(f"{live_server}/en/crisis")
    # In the same task as the click, before the neutral site arrives: the page is blank, and the status says why.
    seen = page.evaluate("""() => {
      document.getElementById("quick-exit").click();
      return [getComputedStyle(document.body).visibility, document.getElementById("exit-status").textContent];
    }""")
    assert seen == ["hidden", "Leaving this page."]
    page.wait_for_url("https://www.wikipedia.org/")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("country", ["BE", "NL"])
def test_no_axe_violation_on_the_crisis_page_with_either_country(
    page: Page, live_server: str, lang: str, country: str
) -> None:
    page.goto(f"{live_server}/{lang}/crisis")
    page.locator(f"[data-country-choice={country}]").click()
    expect(page.locator(".countries > section:first-child")).to_have_attribute("data-country", country)
    assert violations(page) == ""


def test_screenshots_for_a_person(browser: Browser, live_server: str) -> None:
    """Phone (and desktop) pictures of the home and crisis pages in each language, for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    saved = []
    for width, height in [*PHONES, (1280, 800)]:
        ctx = browser.new_context(viewport={"width": width, "height": height})
        page = ctx.new_page()
        for lang in LANGS:
            for name, path in (("home", "/"), ("crisis", "/crisis")):
                page.goto(f"{live_server}/{lang}{path}")
                target = SCREENSHOTS / f"{name}-{lang}-{width}x{height}.png"
                page.screenshot(path=target)
                saved.append(target)
        ctx.close()
    assert all(p.stat().st_size > 5000 for p in saved)


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_no_page_of_the_real_data_is_wider_than_a_small_phone(
    browser: Browser, live_server: str, real_data, lang: str
) -> None:
    """At 320 px, every group page (long source addresses, long names) and the about page (every source)
    fit the screen: nothing pushes the page sideways."""
    page = browser.new_page(viewport={"width": 320, "height": 568})
    too_wide = []
    for path in [*(f"/groups/{g.id}" for g in real_data.groups), "/about", "/crisis", "/groups"]:
        page.goto(f"{live_server}/{lang}{path}", wait_until="domcontentloaded")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide.append((path, width))
    page.close()
    assert too_wide == []

"""What the browser tests share: axe-core's verdict, installing the worker, and the quick exit's neutral site."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page

AXE = Axe()
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
EXIT = "https://www.wikipedia.org/"  # the default KRING_EXIT_URL


def violations(page: Page) -> str:
    """axe-core's report of WCAG 2.2 A/AA violations on the page once it has settled; empty when there are none.

    Settled: no htmx request under way and no transition running. Mid-fade (`.results` eases back from
    opacity 0.6 after a swap) axe measures blended colours, which no reader sees for more than 0.2 s.
    """
    page.wait_for_selector(".htmx-request", state="detached")
    page.evaluate("Promise.all(document.getAnimations().map((a) => a.finished)).then(() => true)")
    results = AXE.run(page, options=WCAG)
    return "" if results.violations_count == 0 else results.generate_report()


def install(page: Page, url: str) -> None:
    """Open `url` and wait until the worker has precached everything and controls the page."""
    page.goto(url)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    until(page, "!!navigator.serviceWorker.controller")


def until(page: Page, expression: str, seconds: float = 20) -> None:
    """Poll `expression` in the page until it is true. (wait_for_function would compile the string in the
    page, which Kring's CSP forbids: it fails with an EvalError whenever it has to poll at all.)"""
    for _ in range(int(seconds * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after {seconds} s: {expression}")


def neutral_site(context: BrowserContext) -> None:
    """The quick exit's neutral site, answered by Playwright: this machine has no internet."""
    context.route(
        f"{EXIT}**", lambda route: route.fulfill(status=200, content_type="text/html", body="<title>neutral</title>")
    )

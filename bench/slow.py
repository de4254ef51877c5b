"""The crisis page, cold, on a 2G connection (Chromium's emulation: 50 kbit/s down, 500 ms latency): when the
styled 1813 button appears, against the physical limit of the requests and bytes it waited for."""

from __future__ import annotations

import statistics
import sys

from playwright.sync_api import sync_playwright

from bench.common import CHROMIUM, Row, kring_on_real_data, run

LATENCY_MS = 500
KBIT_PER_S = 50
RUNS = 5
BUDGET = 1.2  # at most this many times the physical limit (issue 10)

# Before every frame: the first moment the 1813 call button is drawn styled (a box, no longer a bare inline link).
WATCH = """(() => {
  const look = () => {
    const button = document.querySelector("a[href='tel:1813']");
    if (button && getComputedStyle(button).display !== "inline") { window.__styled = performance.now(); return; }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();"""


def limit_ms(requests: int, size: int) -> float:
    """The least time `requests` sequential round trips and `size` bytes can take on this connection."""
    return requests * LATENCY_MS + size * 8 / (KBIT_PER_S * 1000) * 1000


def styled_times(base: str) -> tuple[float, float]:
    """The median time to the styled 1813 button on /nl/crisis, and the median physical limit, in ms."""
    times, limits = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-quic"])
        for _ in range(RUNS):
            ctx = browser.new_context(viewport={"width": 320, "height": 568})  # a new, empty cache each time
            page = ctx.new_page()
            cdp = ctx.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": LATENCY_MS,
                    "downloadThroughput": KBIT_PER_S * 1000 / 8,
                    "uploadThroughput": KBIT_PER_S * 1000 / 8,
                },
            )
            sizes: dict[str, int] = {}
            kinds: dict[str, str] = {}
            cdp.on(
                "Network.requestWillBeSent", lambda e, kinds=kinds: kinds.__setitem__(e["requestId"], e.get("type", ""))
            )
            cdp.on(
                "Network.loadingFinished",
                lambda e, sizes=sizes: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])),
            )
            page.add_init_script(WATCH)
            page.goto(f"{base}/nl/crisis", wait_until="load")
            styled = page.evaluate("window.__styled")
            for _ in range(600):  # polled from here: wait_for_function evaluates a string, which the CSP forbids
                if styled is not None:
                    break
                page.wait_for_timeout(100)
                styled = page.evaluate("window.__styled")
            # What the first styled frame waited for: the document and any stylesheet (render-blocking).
            needed = [rid for rid, kind in kinds.items() if kind in ("Document", "Stylesheet") and rid in sizes]
            size = sum(sizes[rid] for rid in needed)
            limit = limit_ms(len(needed), size)
            print(
                f"  styled 1813 button after {styled:.0f} ms; {len(needed)} request(s), {size / 1024:.1f} KB "
                f"on the wire; limit {limit:.0f} ms"
            )
            times.append(styled)
            limits.append(limit)
            ctx.close()
        browser.close()
    return statistics.median(times), statistics.median(limits)


def measure() -> list[Row]:
    if len(sys.argv) > 1:  # `python -m bench.slow http://127.0.0.1:PORT`: a server already running (another checkout)
        styled, limit = styled_times(sys.argv[1])
    else:
        with kring_on_real_data() as base:
            styled, limit = styled_times(base)
    ratio = styled / limit
    return [
        ("2G, /nl/crisis: styled 1813 button (median)", f"{styled / 1000:.2f} s", "", None),
        ("2G, /nl/crisis: physical limit", f"{limit / 1000:.2f} s", "", None),
        ("2G, /nl/crisis: time / limit", f"{ratio:.2f}", f"<= {BUDGET}", ratio <= BUDGET),
    ]


if __name__ == "__main__":
    run(measure)

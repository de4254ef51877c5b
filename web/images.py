"""Draws Kring's app icons and takes the manifest's screenshots with Chromium: `make images`.

The PNG files it writes into web/static/ are committed (they are Kring's own); run it again after a
change of the look, so that the install dialog shows what the app looks like.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server import db, loader  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402

ICONS = ROOT / "web" / "static" / "icons"
SCREENSHOTS = ROOT / "web" / "static" / "screenshots"
GREEN, CREAM, RUST, ROSE = "#2f5d50", "#f6f1ea", "#8a3b2e", "#fbeae4"


def mark(colour: str) -> str:
    """Kring's mark: chairs in a circle."""
    dots = "".join(f'<circle cx="{x}" cy="{y}" r="7"/>' for x, y in ((50, 20), (80, 50), (50, 80), (20, 50)))
    return (
        f'<g fill="{colour}">{dots}</g><circle cx="50" cy="50" r="22" fill="none" stroke="{colour}" stroke-width="5"/>'
    )


def svg(size: int, body: str, background: str, *, radius: float = 0.0, scale: float = 1.0) -> str:
    offset = 50 - 50 * scale
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 100 100">'
        f'<rect width="100" height="100" rx="{radius}" fill="{background}"/>'
        f'<g transform="translate({offset} {offset}) scale({scale})">{body}</g></svg>'
    )


PHONE = (
    '<path fill="{c}" transform="translate(14 14) scale(3)" d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 '
    "1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 "
    '1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z"/>'
)
GLASS = (
    '<g transform="translate(14 14) scale(3)"><circle cx="10.5" cy="10.5" r="6" fill="none" stroke="{c}" '
    'stroke-width="2.4"/><path d="M15 15l5 5" stroke="{c}" stroke-width="2.4" stroke-linecap="round"/></g>'
)


def draw_icons(page) -> None:  # type: ignore[no-untyped-def]
    ICONS.mkdir(parents=True, exist_ok=True)
    wanted = {
        "icon-192.png": (192, svg(192, mark(CREAM), GREEN, radius=22, scale=0.9)),
        "icon-512.png": (512, svg(512, mark(CREAM), GREEN, radius=22, scale=0.9)),
        # Maskable: full bleed, the mark inside the central safe circle (80 % of the width).
        "maskable-192.png": (192, svg(192, mark(CREAM), GREEN, scale=0.62)),
        "maskable-512.png": (512, svg(512, mark(CREAM), GREEN, scale=0.62)),
        "crisis-96.png": (96, svg(96, PHONE.format(c=RUST), ROSE, radius=22)),
        "find-96.png": (96, svg(96, GLASS.format(c=GREEN), CREAM, radius=22)),
    }
    for name, (size, picture) in wanted.items():
        page.set_viewport_size({"width": size, "height": size})
        page.set_content(f'<body style="margin:0">{picture}</body>')
        page.locator("svg").screenshot(path=ICONS / name, omit_background=True)


def take_screenshots(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for lang in ("nl", "fr", "en"):
        for name, (width, height) in (("narrow", (540, 1170)), ("wide", (1280, 800))):
            context = browser.new_context(viewport={"width": width, "height": height}, locale=lang)
            page = context.new_page()
            page.goto(f"{base}/{lang}/groups")
            page.screenshot(path=SCREENSHOTS / f"{name}-{lang}.png")
            context.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kring.sqlite"
        data = loader.read(ROOT / "data")
        db.run_write(path, lambda conn: loader.load(conn, data))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            draw_icons(browser.new_page())
            process, base = start_server(path)
            try:
                take_screenshots(browser, base)
            finally:
                process.terminate()
                process.wait(timeout=10)
            browser.close()
    subprocess.run(["ls", "-l", ICONS, SCREENSHOTS], check=False)


if __name__ == "__main__":
    main()

"""A live server on a free local port (the real data, a throwaway database) and Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach Google on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    db_path: Path, port: int | None = None, cwd: Path | None = None, **env_vars: str
) -> tuple[subprocess.Popen[bytes], str]:
    """A live `kring serve`; `cwd` serves another copy of the app (its `server/` and `web/`), as a new release."""
    port = port or _free_port()
    env = {**os.environ, "KRING_DB": str(db_path), **env_vars}
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/en/crisis", timeout=1)
            return process, base
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"the server stopped: {process.stderr.read().decode()}") from None
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not answer within 20 s")


def serving(path: Path) -> Iterator[str]:
    """A server of the database at `path` for as long as the fixture lives."""
    process, base = start_server(path)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(real_db: Path) -> Iterator[str]:
    yield from serving(real_db)


@pytest.fixture(scope="session")
def fixture_server(fixture_db: Path) -> Iterator[str]:
    """The made-up fixture listings (tests/fixtures.py): some stale, one hidden, several with meetings."""
    yield from serving(fixture_db)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make test`, which installs Debian's chromium")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def persistent(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    """A context with a profile on disk, as an installed app has (an incognito one is never installable)."""
    ctx = playwright.chromium.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport={"width": 390, "height": 844}
    )
    yield ctx
    ctx.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()

"""Offline: catalog bytes per listing (shipped data, 5,000 synthetic), and bytes moved by a first and a repeat visit."""

from __future__ import annotations

import asyncio
import gzip
import tempfile
import threading
from pathlib import Path

import brotli
from playwright.sync_api import sync_playwright

from bench import synthetic
from bench.common import KB, Row, real_db, run
from server import catalog as catalog_module
from server import db, loader, worker
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port, start_server

BUDGET = 120  # bytes per listing, compressed (DESIGN.md §7)


def per_listing(path: Path) -> tuple[int, float, float]:
    snapshot = db.run_read(path, catalog_module.build)
    body = worker.catalog_json(snapshot)
    n = max(1, snapshot.size)
    return snapshot.size, len(brotli.compress(body, quality=5)) / n, len(gzip.compress(body, 9)) / n


class CountingProxy:
    """A loopback TCP proxy that counts the bytes the server sends: all of them, the worker's too."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = _free_port()
        self.sent = 0
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result()

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, count: bool) -> None:
            try:
                while data := await src.read(65536):
                    if count:
                        self.sent += len(data)
                    dst.write(data)
                    await dst.drain()
            except ConnectionError:
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer, False), pipe(up_reader, writer, True))

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)


def visits(path: Path) -> tuple[int, int]:
    process, base = start_server(path)
    proxy = CountingProxy(int(base.rsplit(":", 1)[1]))
    origin = f"http://127.0.0.1:{proxy.port}"
    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = context.new_page()
            page.goto(f"{origin}/en/")
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1000)
            first = proxy.sent
            proxy.sent = 0
            page = context.new_page()
            page.goto(f"{origin}/en/")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1000)
            repeat = proxy.sent
            context.close()
    finally:
        proxy.stop()
        process.terminate()
        process.wait(timeout=10)
    return first, repeat


def measure() -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="kring-bench-") as tmp:
        shipped = real_db(Path(tmp) / "real.sqlite")
        data = loader.read(Path("data"))
        data.groups = synthetic.generate(5000, seed=2)
        data.organizations = []
        path = Path(tmp) / "s5k.sqlite"
        db.run_write(path, lambda conn: loader.load(conn, data))
        for name, db_path in (("shipped data", shipped), ("5,000 synthetic", path)):
            n, br, gz = per_listing(db_path)
            print(f"offline catalog, {name}: {n} listings, {br:.0f} B/listing br, {gz:.0f} B/listing gzip")
            rows.append((f"offline catalog per listing, {name} (br)", f"{br:.0f} B", f"<= {BUDGET} B", br <= BUDGET))
            rows.append((f"offline catalog per listing, {name} (gzip)", f"{gz:.0f} B", f"<= {BUDGET} B", gz <= BUDGET))
        first, repeat = visits(shipped)
    print(
        f"first visit (page, assets, worker, precache, catalog): {first / KB:.1f} KB; repeat visit: {repeat / KB:.1f} KB"
    )
    rows.append(("bytes moved by a first visit (worker + precache)", f"{first / KB:.1f} KB", "", None))
    rows.append(("bytes moved by a repeat visit", f"{repeat / KB:.1f} KB", "", None))
    return rows


if __name__ == "__main__":
    run(measure)

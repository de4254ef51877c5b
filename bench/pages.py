"""Compressed page sizes (brotli and gzip, as the server sends them) on the real data, per language."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from litestar.testing import TestClient

from bench.common import KB, Row, real_db, run
from server import i18n
from server.app import create_app
from server.settings import Settings

PAGE_BUDGET = 14 * KB
BLOCKING_BUDGET = 30 * KB
ENCODINGS = ("br", "gzip")


def sent_bytes(client: TestClient, url: str, encoding: str) -> int:
    """Bytes on the wire for the body of `url` with Accept-Encoding: `encoding`."""
    response = client.get(url, headers={"Accept-Encoding": encoding})
    response.raise_for_status()
    if encoding != "identity" and response.headers.get("content-encoding") != encoding:
        print(f"note: {url} was not sent with {encoding} (content-encoding {response.headers.get('content-encoding')})")
    return response.num_bytes_downloaded


def measure() -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="kring-bench-") as tmp:
        app = create_app(Settings(db=real_db(Path(tmp) / "real.sqlite")))
        with TestClient(app, base_url="http://127.0.0.1") as client:
            ids = list(app.state.catalog.snapshot.by_id)
            html = client.get("/en/groups").text
            css = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
            scripts = re.findall(r'<script src="([^"]+)"( defer| async)?', html)
            blocking_urls = css + [url for url, attr in scripts if not attr]  # a plain <script> blocks too
            deferred = [url for url, attr in scripts if attr]
            print(f"{len(ids)} real groups; render-blocking {blocking_urls}; deferred {deferred}")
            print(f"{'page':<34}" + "".join(f"{e:>10}" for e in ENCODINGS) + f"{'raw':>10}")
            worst: dict[str, int] = {}
            for lang in i18n.KNOWN_LOCALES:
                group_sizes = {gid: sent_bytes(client, f"/{lang}/groups/{gid}", "br") for gid in ids}
                largest = max(group_sizes, key=group_sizes.__getitem__)
                pages = {
                    "home": f"/{lang}/",
                    "listing": f"/{lang}/groups",
                    "group": f"/{lang}/groups/{largest}",
                    "crisis": f"/{lang}/crisis",
                }
                for page, url in pages.items():
                    sizes = {e: sent_bytes(client, url, e) for e in (*ENCODINGS, "identity")}
                    print(f"{url:<34}" + "".join(f"{sizes[e]:>8} B" for e in (*ENCODINGS, "identity")))
                    for e in ENCODINGS:
                        key = f"{page} ({e})"
                        worst[key] = max(worst.get(key, 0), sizes[e])
                for e in ENCODINGS:
                    urls = [pages["listing"], *blocking_urls]
                    blocking = sum(sent_bytes(client, u, e) for u in urls)
                    print(f"render-blocking, first visit of /{lang}/groups ({e}): {blocking} B")
                    key = f"render-blocking, first visit ({e})"
                    worst[key] = max(worst.get(key, 0), blocking)
            print("(group: the largest group page by brotli size; render-blocking: listing HTML + the above)")
            for url in deferred:
                print(
                    f"not render-blocking (defer/async): {url}: "
                    + ", ".join(f"{sent_bytes(client, url, e)} B {e}" for e in ENCODINGS)
                )
    for key, size in worst.items():
        budget = BLOCKING_BUDGET if key.startswith("render") else PAGE_BUDGET
        rows.append((f"{key}, worst language", f"{size / KB:.1f} KB", f"<= {budget // KB} KB", size <= budget))
    return rows


if __name__ == "__main__":
    run(measure)

"""The public page cache: same answer as Litestar's, per encoding, only 200s, and fresh after new data."""

from __future__ import annotations

import shutil
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from server import db, loader
from server.app import create_app
from server.settings import Settings
from tests import fixtures
from tests.conftest import BASE_URL, result_ids


def test_a_cached_page_is_the_same_page_per_encoding(client) -> None:
    client.app.page_cache.clear()
    first = client.get("/en/groups?kind=orientation", headers={"accept-encoding": "br"})
    assert len(client.app.page_cache.entries) == 1
    again = client.get("/en/groups?kind=orientation", headers={"accept-encoding": "br"})
    assert again.content == first.content and again.headers == first.headers
    plain = client.get("/en/groups?kind=orientation", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == first.text
    assert len(client.app.page_cache.entries) == 2


def test_errors_redirects_and_unknown_paths_are_not_kept(client) -> None:
    client.app.page_cache.clear()
    assert client.get("/en/groups/no-such-group").status_code == 404
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/groups?kind=nope").status_code == 400
    assert client.app.page_cache.entries == {}


def test_new_data_is_served_at_once_after_the_version_check(tmp_path: Path, fixture_db: Path) -> None:
    path = tmp_path / "kring.sqlite"
    shutil.copy(fixture_db, path)
    with TestClient(create_app(Settings(db=path)), base_url=BASE_URL) as c:
        before = result_ids(c.get("/en/groups").text)
        data = fixtures.dataset()
        data.groups = [g for g in data.groups if g.id != before[0]]
        db.run_write(path, lambda conn: loader.load(conn, data))
        c.app.state.catalog._checked = 0.0  # as if CHECK_EVERY seconds had passed
        after = result_ids(c.get("/en/groups").text)
        assert after == before[1:]


def test_the_page_cache_forgets_the_least_recently_used_page_first() -> None:
    from server.cache import PageCache

    cache = PageCache(max_entries=2)
    scope = {"type": "http", "method": "GET", "headers": [(b"host", b"127.0.0.1")], "query_string": b""}

    # Driven by hand, not by asyncio.run: the browser tests keep an event loop running in this thread.
    def run(coroutine: Coroutine[Any, Any, None]) -> None:
        try:
            coroutine.send(None)
        except StopIteration:
            return
        raise AssertionError("recording a page waited for something")

    async def answer(path: str) -> None:
        async def send(message: dict) -> None:
            return None

        record = cache.recorder(cache.key({**scope, "path": path}, "v1"), send)
        await record({"type": "http.response.start", "status": 200, "headers": []})
        await record({"type": "http.response.body", "body": path.encode(), "more_body": False})

    keys = {path: cache.key({**scope, "path": path}, "v1") for path in ("/en/about", "/nl/about", "/fr/about")}
    assert None not in keys.values()
    run(answer("/en/about"))
    run(answer("/nl/about"))
    assert cache.get(keys["/en/about"]) is not None  # /en/about is now the most recently used
    run(answer("/fr/about"))
    assert (
        cache.get(keys["/nl/about"]) is None
        and cache.get(keys["/en/about"])[1] == b"/en/about"
        and cache.get(keys["/fr/about"])
    )

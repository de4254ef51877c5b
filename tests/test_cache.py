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


def _scope(path: str, query: str = "", **headers: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *((k.encode(), v.encode()) for k, v in headers.items())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _call(app: Any, scope: dict[str, Any]) -> tuple[int, dict[bytes, bytes], bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], dict(sent[0]["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_a_crowd_on_a_page_not_kept_yet_has_it_rendered_once(client, monkeypatch) -> None:
    import asyncio

    from server import web

    renders = []
    listing_page = web.listing_page
    monkeypatch.setattr(web, "listing_page", lambda *args: renders.append(args[1]) or listing_page(*args))
    client.app.page_cache.clear()

    async def crowd() -> list[tuple[int, dict[bytes, bytes], bytes]]:
        scope = _scope("/nl/groups", "kind=support_group", **{"accept-encoding": "br"})
        return await asyncio.gather(*(_call(client.app, scope) for _ in range(30)))

    answers = client.blocking_portal.call(crowd)
    assert renders == ["nl"]  # one render; the 29 others waited for it and took its answer
    assert {(status, body) for status, _, body in answers} == {(200, answers[0][2])}

    # An answer that is not kept (an error) is rendered for each request that waited: none is left without one.
    async def missing() -> list[tuple[int, dict[bytes, bytes], bytes]]:
        return await asyncio.gather(*(_call(client.app, _scope("/nl/groups/no-such-group")) for _ in range(5)))

    answers = client.blocking_portal.call(missing)
    assert [status for status, _, _ in answers] == [404] * 5 and all(b"Kring" in body for _, _, body in answers)
    assert client.app.page_cache.pending == {} and len(client.app.page_cache.entries) == 1


def test_public_answers_carry_an_etag_and_a_short_cache_control(client) -> None:
    client.app.page_cache.clear()
    page = client.get("/fr/about", headers={"accept-encoding": "br"})
    assert page.headers["cache-control"] == "public, max-age=0, s-maxage=60"
    tag = page.headers["etag"]
    assert tag.startswith('W/"') and client.get("/fr/about", headers={"accept-encoding": "gzip"}).headers["etag"] != tag
    again = client.get("/fr/about", headers={"accept-encoding": "br", "if-none-match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert "content-encoding" not in again.headers and "content-security-policy" in again.headers
    # Files keep their own year-long Cache-Control; an answer that sets a cookie gets none of this.
    asset = client.get(page.text.split('href="/static/', 1)[1].split('"', 1)[0].join(("/static/", "")))
    assert "immutable" in asset.headers["cache-control"] and asset.headers["etag"]
    moderator = client.get("/moderate/sign-in")
    assert moderator.headers["cache-control"] == "no-store" and "etag" not in moderator.headers


def test_another_worker_answers_a_known_etag_with_304_before_rendering(tmp_path: Path, fixture_db: Path) -> None:
    """A proxy asks again with the ETag it keeps: a worker that never made the page knows it from the key."""
    path = tmp_path / "kring.sqlite"
    shutil.copy(fixture_db, path)
    with TestClient(create_app(Settings(db=path)), base_url=BASE_URL) as first:
        tag = first.get("/en/groups?kind=talk_circle").headers["etag"]
    with TestClient(create_app(Settings(db=path)), base_url=BASE_URL) as other:
        again = other.get("/en/groups?kind=talk_circle", headers={"if-none-match": tag})
        assert again.status_code == 304 and again.headers["etag"] == tag
        assert (
            again.headers["cache-control"] == "public, max-age=0, s-maxage=60"
            and "x-content-type-options" in again.headers
        )
        assert other.app.page_cache.entries == {}  # nothing was rendered
        assert other.get("/en/groups?kind=support_group", headers={"if-none-match": tag}).status_code == 200
        data = fixtures.dataset()
        data.groups = data.groups[1:]
        db.run_write(path, lambda conn: loader.load(conn, data))
        other.app.state.catalog._checked = 0.0  # as if CHECK_EVERY seconds had passed
        changed = other.get("/en/groups?kind=talk_circle", headers={"if-none-match": tag})
        assert changed.status_code == 200 and changed.headers["etag"] != tag  # new data, a new answer
    with TestClient(create_app(Settings(db=path, release="two")), base_url=BASE_URL) as release_two:
        tag = changed.headers["etag"]
        again = release_two.get("/en/groups?kind=talk_circle", headers={"if-none-match": tag})
        assert again.status_code == 200 and again.headers["etag"] != tag  # a new release: its own pages


def test_a_few_renders_at_a_time_and_kept_pages_answered_meanwhile(client, monkeypatch) -> None:
    import asyncio

    from litestar import Litestar

    from server import app as app_module

    client.app.page_cache.clear()
    assert client.get("/en/crisis", headers={"accept-encoding": "identity"}).status_code == 200  # kept
    busy, most, order = 0, 0, []
    call = Litestar.__call__

    async def slow_render(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        nonlocal busy, most
        busy += 1
        most = max(most, busy)
        await asyncio.sleep(0.02)
        try:
            await call(self, scope, receive, send)
        finally:
            busy -= 1

    monkeypatch.setattr(Litestar, "__call__", slow_render)

    async def crowd() -> list[int]:
        async def one(path: str, query: str = "") -> int:
            status, _, _ = await _call(client.app, _scope(path, query))
            order.append(path)
            return status

        renders = [one("/en/groups", f"kind=support_group&page={n}") for n in range(1, 13)]
        return await asyncio.gather(*renders, one("/en/crisis"))

    statuses = client.blocking_portal.call(crowd)
    assert statuses == [200] * 13
    assert most == app_module.RENDERS  # never more at once, and the semaphore was used to the full
    assert order.index("/en/crisis") < len(order) - app_module.RENDERS  # the kept page did not wait its turn


def test_head_is_answered_as_get_without_its_body(client) -> None:
    """Link checkers, monitors and caches ask with HEAD: the same status and headers as GET, and no body."""
    client.app.page_cache.clear()
    asset = client.get("/nl/about").text.split('href="/static/', 1)[1].split('"', 1)[0]
    for path in ("/nl/groups?kind=support_group", "/fr/crisis", "/api/v1/groups", f"/static/{asset}", "/en/nope"):
        for _ in range(2):  # rendered first, then from the page cache
            head = client.head(path, headers={"accept-encoding": "br"})
            get = client.get(path, headers={"accept-encoding": "br"})
            assert head.status_code == get.status_code != 405, path
            assert head.content == b"" and get.content, path
            drop = {"date", "content-length"} if get.status_code == 404 else {"date"}
            assert {k: v for k, v in head.headers.items() if k not in drop} == {
                k: v for k, v in get.headers.items() if k not in drop
            }, path
    # HEAD is answered as GET only: an address that takes POST alone still says so.
    assert client.head("/moderate/sign-out").status_code == client.get("/moderate/sign-out").status_code == 405


def test_an_answer_to_head_sends_no_body_at_all(fixture_db: Path) -> None:
    """What the app itself sends to the server for a HEAD (the test client drops a HEAD's body on its own)."""

    async def sent(app: Any, method: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        host = BASE_URL.split("//", 1)[1].encode()
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": "/en/groups", "raw_path": b"/en/groups", "query_string": b"", "root_path": "",
            "headers": [(b"host", host)], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
        }  # fmt: skip
        await app(scope, receive, send)
        return messages

    # On the test client's own loop (its portal): the browser tests keep an event loop running in this thread.
    with TestClient(create_app(Settings(db=fixture_db)), base_url=BASE_URL) as c:
        first, get, kept = (c.blocking_portal.call(sent, c.app, method) for method in ("HEAD", "GET", "HEAD"))
    body = b"".join(m.get("body", b"") for m in get if m["type"] == "http.response.body")
    assert get[0]["status"] == 200 and b"<html" in body
    for head in (first, kept):
        assert [m["type"] for m in head] == ["http.response.start", "http.response.body"]
        assert head[0]["status"] == 200 and head[1] == {"type": "http.response.body", "body": b"", "more_body": False}
        content_length = dict(head[0]["headers"])[b"content-length"]
        assert int(content_length) == len(body)

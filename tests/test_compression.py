"""Brotli (server/compression.py): a page is one brotli stream with no flush inside, and a file sent in parts
still arrives whole."""

from __future__ import annotations

import brotli
from litestar.testing import TestClient

from server import app, web

BR = {"accept-encoding": "br"}


def raw(client: TestClient, url: str, headers: dict[str, str]) -> tuple[dict[str, str], bytes]:
    with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200, url
        return dict(response.headers), b"".join(response.iter_raw())


def test_a_page_is_compressed_as_one_piece(client: TestClient) -> None:
    client.app.page_cache.clear()
    headers, body = raw(client, "/nl/groups?kind=support_group", BR)
    plain = client.get("/nl/groups?kind=support_group", headers={"accept-encoding": "identity"}).content
    assert headers["content-encoding"] == "br" and int(headers["content-length"]) == len(body)
    assert brotli.decompress(body) == plain
    # What one call gives: with a flush after the write, brotli ends a block there and starts another.
    assert body == brotli.compress(plain, quality=app.BROTLI_QUALITY, lgwin=app.BROTLI_LGWIN, mode=brotli.MODE_TEXT)


def test_a_file_sent_in_parts_arrives_whole(client: TestClient) -> None:
    path = "css/kring.css"
    headers, body = raw(client, web.static(path), BR)
    assert headers.get("content-encoding") == "br"
    assert brotli.decompress(body) == (web.STATIC_DIR / path).read_bytes()

"""The public page cache: same answer as Litestar's, per encoding, only 200s, and fresh after new data."""

from __future__ import annotations

import shutil
from pathlib import Path

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
        conn = db.connect(path)
        loader.load(conn, data)
        conn.close()
        c.app.state.catalog._checked = 0.0  # as if CHECK_EVERY seconds had passed
        after = result_ids(c.get("/en/groups").text)
        assert after == before[1:]

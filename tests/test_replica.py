"""A read-only instance (KRING_READ_ONLY=1): it serves a replica's copy of the database, as LiteFS keeps it on a
reader (README.md, "Beyond one machine"), writes nothing into it, and follows the writer's changes."""

from __future__ import annotations

import asyncio
import hashlib
import re
import sqlite3
import threading
from pathlib import Path

import pytest
from litestar.testing import TestClient

from server import db, listings, loader
from server.app import create_app
from server.settings import Settings
from tests.conftest import BASE_URL, DATA, result_ids
from tests.helpers.data import GOOD


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def replica(tmp_path: Path, real_db: Path) -> Path:
    path = tmp_path / "replica" / "kring.sqlite"
    path.parent.mkdir()
    assert db.backup(real_db, path) == "ok"
    return path


def test_a_read_only_instance_serves_the_copy_and_writes_nothing_into_it(replica: Path, tmp_path: Path) -> None:
    before = _digest(replica)
    settings = Settings(db=replica, read_only=True, state=tmp_path / "state")
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        for url in ("/nl/groups", "/fr/crisis", "/api/v1/groups", "/en/groups/results?kind=support_group"):
            assert client.get(url).status_code == 200, url
        sent = client.post("/en/submit", data=GOOD, headers={"origin": BASE_URL})
        assert sent.status_code == 503 and sent.headers["retry-after"] == "60"
        assert "Nothing was kept" in sent.text and "send it again" in sent.text
        assert client.post("/api/v1/groups").status_code in (404, 405)  # no route writes there at all
    assert _digest(replica) == before  # SQLite's mode=ro: not a byte of the copy changed
    # KRING_STATE: the secret (none was given) is kept there; beside the copy is nothing but SQLite's own files.
    assert (tmp_path / "state" / "secret").is_file()
    assert {p.name for p in replica.parent.iterdir()} <= {"kring.sqlite", "kring.sqlite-wal", "kring.sqlite-shm"}


def test_a_read_only_instance_follows_the_copy_as_the_writer_changes_it(replica: Path) -> None:
    settings = Settings(db=replica, read_only=True, secret="the same secret as the writer's")
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        first = result_ids(client.get("/en/groups").text)
        data = loader.read(DATA)
        data.groups = [g for g in data.groups if g.id != first[0]]
        # What the replication does: the writer's transaction arrives in the reader's file.
        version = db.run_write(replica, lambda conn: (loader.load(conn, data), listings.data_version(conn))[1])
        client.app.state.catalog._checked = 0.0  # as if CHECK_EVERY seconds had passed
        assert client.get("/api/v1/groups").headers.get("etag", "") != ""
        after = result_ids(client.get("/en/groups").text)
        assert first[0] not in after and client.app.state.catalog.snapshot.version == version


def test_a_copy_with_an_older_schema_is_refused_with_what_to_do(replica: Path) -> None:
    conn = sqlite3.connect(replica)
    conn.execute(f"PRAGMA user_version = {db.migrations()[-1][0] - 1}")
    conn.close()
    found: list[BaseException] = []

    def start() -> None:  # a thread of its own: the browser tests may keep an event loop running in this one
        try:
            asyncio.run(db.Database.open(replica, read_only=True))
        except BaseException as exc:
            found.append(exc)

    thread = threading.Thread(target=start)
    thread.start()
    thread.join(timeout=30)
    assert len(found) == 1 and isinstance(found[0], db.SchemaBehind), found
    assert re.search(r"schema is version \d+ and this Kring needs \d+; the writer brings it up", str(found[0]))

"""Two workers of `kring serve` agree (issue 15): the anonymous forms' rate limit holds across them, a moderator's
change reaches each of them within 2 s, and each one's page cache answers the new page after it.

Which worker answered is read off the machine, not off the app: `ss` names the process holding the server's end
of each connection, and a kept-alive connection stays with the worker that accepted it.
"""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.settings import Settings
from tests.browser.conftest import start_server
from tests.helpers.moderator import HTTPS, Moderator, add

WORKERS = 2
LISTING = "be-similes-bruxelles-groupes-de-parole"  # in data/, read on a public page (no moderator confirmed it)
PAGE = f"/en/groups/{LISTING}"


def worker_of(conn: http.client.HTTPConnection, server_port: int) -> int:
    """The process id of the worker holding the server's end of `conn` (after a request on it)."""
    client_port = conn.sock.getsockname()[1]
    out = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{server_port} and dport = :{client_port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.findall(r"pid=(\d+)", out)
    assert found, f"ss found no process for the connection from port {client_port}: {out!r}"
    return int(found[0])


def one_connection_per_worker(base: str) -> dict[int, http.client.HTTPConnection]:
    """New kept-alive connections until each worker holds one (the kernel hands connections out as it likes)."""
    host, port = base.removeprefix("http://").split(":")
    kept: dict[int, http.client.HTTPConnection] = {}
    for _ in range(200):
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "/en/crisis")
        conn.getresponse().read()
        pid = worker_of(conn, int(port))
        if pid in kept:
            conn.close()
        else:
            kept[pid] = conn
        if len(kept) == WORKERS:
            return kept
    pytest.fail(f"200 connections reached only {len(kept)} of {WORKERS} workers")


def get(conn: http.client.HTTPConnection, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()


@pytest.fixture
def two_workers(tmp_path: Path, real_db: Path) -> Iterator[tuple[str, Path]]:
    database = tmp_path / "kring.sqlite"
    shutil.copy(real_db, database)
    process, base = start_server(database, KRING_WORKERS=str(WORKERS), KRING_FORM_RATE_LIMIT="3")
    try:
        yield base, database
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_rate_limit_of_the_forms_holds_across_workers(two_workers: tuple[str, Path]) -> None:
    base, _ = two_workers
    conns = one_connection_per_worker(base)
    answers: list[tuple[int, int]] = []  # (worker, status), in the order sent: the workers take turns
    for i in range(8):
        pid, conn = list(conns.items())[i % WORKERS]
        conn.request(
            "POST",
            "/en/submit",
            body="name=",
            headers={"content-type": "application/x-www-form-urlencoded", "origin": base},
        )
        response = conn.getresponse()
        response.read()
        answers.append((pid, response.status))
    assert [status for _, status in answers[:3]] == [400, 400, 400], answers  # read, and refused as incomplete
    assert [status for _, status in answers[3:]] == [429] * 5, answers  # the limit, 3 a minute, is shared
    assert {pid for pid, status in answers if status == 429} == set(conns)  # every worker said no


def test_a_moderator_s_change_reaches_every_worker_within_2_s_and_their_caches_follow(
    two_workers: tuple[str, Path],
) -> None:
    base, database = two_workers
    conns = one_connection_per_worker(base)
    before = {}
    for pid, conn in conns.items():
        status, headers, html = get(conn, PAGE)
        assert status == 200 and "A Kring moderator confirmed" not in html
        again = get(conn, PAGE, **{"if-none-match": headers["etag"]})
        assert again[0] == 304  # each worker keeps the page and knows its ETag
        before[pid] = headers["etag"]
    assert len(set(before.values())) == 1  # the same page, the same ETag, whichever worker made it

    # The moderator works on a third instance of the app, in this process, on the same database.
    with TestClient(create_app(Settings(db=database, form_rate_limit=1000)), base_url=HTTPS) as client:
        client.headers["accept-language"] = "en"
        moderator = Moderator(client, database, "ilse", add(database, "ilse"))
        assert moderator.sign_in().url.path == "/moderate"
        done = moderator.post(f"/moderate/listings/{LISTING}/check", {}, page=f"/moderate/listings/{LISTING}")
        assert done.status_code == 200, done.text
    changed = time.monotonic()

    seen: dict[int, float] = {}
    while len(seen) < WORKERS and time.monotonic() - changed < 5:
        for pid, conn in conns.items():
            if pid not in seen:
                status, headers, html = get(conn, PAGE, **{"if-none-match": before[pid]})
                if status == 200 and "A Kring moderator confirmed" in html:
                    seen[pid] = time.monotonic() - changed
                    assert headers["etag"] != before[pid]
                else:
                    assert status == 304  # until it sees the change, a worker keeps the old page, whole
        time.sleep(0.05)
    assert set(seen) == set(conns), f"workers that saw the change: {seen}"
    # Each worker looks at the data version every CHECK_EVERY (1 s), then rebuilds its snapshot.
    assert max(seen.values()) <= 2.0, seen
    for conn in conns.values():
        status, _, html = get(conn, PAGE)
        assert status == 200 and "A Kring moderator confirmed" in html  # and it stays: the new page is kept
        conn.close()

"""Private by design, server side: no cookies, the headers on every page, no IP or query in the logs,
allowed hosts, HSTS as a setting, and the HTTP Observatory's grade."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.settings import Settings
from tests import observatory
from tests.conftest import BASE_URL, ROOT

PAGES = [
    "/",
    "/groups",
    "/groups?kind=orientation",
    "/groups/be-psybru",
    "/crisis",
    "/start",
    "/guide",
    "/guide/questions",
    "/saved",
    "/about",
    "/offline",
]


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_every_public_page_sets_no_cookie_and_carries_the_headers(client, lang: str) -> None:
    for path in PAGES:
        response = client.get(f"/{lang}{path}")
        assert response.status_code == 200, path
        h = response.headers
        assert "set-cookie" not in h, path
        csp = h["content-security-policy"]
        for directive in ("default-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"):
            assert directive in csp, (path, directive)
        assert "unsafe" not in csp
        assert h["referrer-policy"] == "no-referrer" and h["x-content-type-options"] == "nosniff"
        assert "geolocation=(self)" in h["permissions-policy"] and "camera=()" in h["permissions-policy"]
        assert h["cross-origin-resource-policy"] == h["cross-origin-opener-policy"] == "same-origin"
        assert "strict-transport-security" not in h  # plain HTTP here; see the setting below


def test_hsts_is_a_setting(real_db: Path) -> None:
    with TestClient(create_app(Settings(db=real_db, hsts=True)), base_url=BASE_URL) as c:
        assert c.get("/en/").headers["strict-transport-security"].startswith("max-age=63072000")


def test_only_allowed_hosts_are_served(client, real_db: Path) -> None:
    assert client.get("/en/", headers={"host": "evil.example"}).status_code == 400
    assert client.get("/en/", headers={"host": "localhost:8000"}).status_code == 200
    with TestClient(create_app(Settings(db=real_db, allowed_hosts=("*.kring.example",))), base_url=BASE_URL) as c:
        assert c.get("/en/", headers={"host": "www.kring.example"}).status_code == 200
        assert c.get("/en/", headers={"host": "127.0.0.1"}).status_code == 400


def test_the_server_logs_neither_addresses_nor_query_strings(real_db: Path) -> None:
    from tests.browser.conftest import start_server

    process, base = start_server(real_db)
    try:
        for url in (
            "/en/groups?q=secretword",
            "/en/groups/results?q=secretword&kind=nope",
            "/xx/secretword?q=secretword",
            "/api/v1/groups?q=secretword&page=abc",
        ):
            try:
                urllib.request.urlopen(f"{base}{url}")
            except OSError:
                pass
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    log = err.decode()
    assert "secretword" not in log
    assert not re.search(r'"(GET|POST) /', log), log  # no access-log lines
    port = base.rsplit(":", 1)[1]
    assert not [line for line in log.splitlines() if "127.0.0.1" in line and f":{port}" not in line], log


def test_the_procfile_serves_with_kring_serve() -> None:
    lines = [line for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("web: kring serve ")
    cli = (ROOT / "server" / "cli.py").read_text()
    assert "log_access=False" in cli


def test_the_observatory_grades_a_plus_on_every_test_that_does_not_need_tls(real_db: Path) -> None:
    from tests.browser.conftest import start_server

    process, base = start_server(real_db, KRING_HSTS="1")
    try:
        result = observatory.scan(base.removeprefix("http://"))
    finally:
        process.terminate()
        process.wait(timeout=10)
    score, grade, passed = observatory.without_tls(result)
    assert all(passed.values()), passed
    assert grade == "A+", score

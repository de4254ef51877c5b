"""deploy/nginx/kring.conf, as written, with Debian's nginx in front of `kring serve` on this machine.

Only what a test host needs is changed in the file: the ports and addresses (127.0.0.1), the host name, the
certificate (a self-signed one made here) and the folders of the cache and the logs. Each change must find
its line, so that the test follows the file.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server import db
from tests.browser.conftest import _free_port, start_server
from tests.helpers.data import GOOD

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "deploy" / "nginx" / "kring.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HOST = "kring.test"


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"deploy/nginx/kring.conf no longer has {old!r}: update tests/test_proxy.py"
    return text.replace(old, new)


def site_conf(folder: Path, reader_port: int, writer_port: int, http_port: int, https_port: int) -> str:
    text = CONF.read_text()
    for old, new in (
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("server_name kring.example.org;", f"server_name {HOST};"),
        ("/etc/letsencrypt/live/kring.example.org/", f"{folder}/tls/"),
        ("/var/cache/nginx/kring", f"{folder}/cache"),
        ("/var/log/nginx/", f"{folder}/logs/"),
        ("server 127.0.0.1:8000;\n    keepalive 32;", f"server 127.0.0.1:{reader_port};\n    keepalive 32;"),
        ("server 127.0.0.1:8000;\n    keepalive 8;", f"server 127.0.0.1:{writer_port};\n    keepalive 8;"),
    ):
        text = _replace(text, old, new)
    return text


def main_conf(folder: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives a site file, in a folder of the test's own."""
    user = "user root;" if os.geteuid() == 0 else ""  # workers must reach the test's folders
    temp = "\n".join(
        f"  {kind}_temp_path {folder}/temp/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/logs/main.error.log crit;
events {{ worker_connections 256; }}
http {{
  include /etc/nginx/mime.types;
{temp}
  include {folder}/kring.conf;
}}
"""


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory, real_db: Path) -> Iterator[tuple[httpx.Client, Path]]:
    if not os.access(NGINX, os.X_OK):
        pytest.fail("nginx is missing: `make test` installs Debian's package 'nginx' (or install it yourself)")
    folder = tmp_path_factory.mktemp("proxy")
    for sub in ("tls", "cache", "logs", "temp"):
        (folder / sub).mkdir()
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-days", "1", "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1"),
            *("-keyout", str(folder / "tls/privkey.pem"), "-out", str(folder / "tls/fullchain.pem")),
        ],
        check=True,
        capture_output=True,
    )
    database = folder / "kring.sqlite"
    shutil.copy(real_db, database)
    # Beyond one machine on one machine: a writer, and a read-only instance (on the same file, where LiteFS would
    # give it a replica's copy) that serves every GET.
    hosts = {"KRING_ALLOWED_HOSTS": f"{HOST},127.0.0.1", "KRING_SECRET": "one secret for both"}
    writer, writer_base = start_server(database, KRING_WORKERS="1", **hosts)
    reader, reader_base = start_server(database, KRING_WORKERS="1", KRING_READ_ONLY="1", **hosts)
    ports = [int(base.rsplit(":", 1)[1]) for base in (reader_base, writer_base)]
    http_port, https_port = _free_port(), _free_port()
    (folder / "kring.conf").write_text(site_conf(folder, *ports, http_port, https_port))
    (folder / "nginx.conf").write_text(main_conf(folder))
    command = [NGINX, "-p", str(folder), "-e", str(folder / "logs/early.error.log"), "-c", str(folder / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    trust = ssl.create_default_context(cafile=folder / "tls/fullchain.pem")  # the certificate made above, only
    client = httpx.Client(base_url=f"https://127.0.0.1:{https_port}", verify=trust, headers={"host": HOST}, timeout=10)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.get("/en/crisis")
                break
            except httpx.TransportError:
                assert nginx.poll() is None, nginx.stderr.read().decode()
                assert time.monotonic() < deadline, "nginx did not answer within 10 s"
                time.sleep(0.1)
        client.http_port = http_port  # type: ignore[attr-defined]
        client.database = database  # type: ignore[attr-defined]
        yield client, folder
    finally:
        client.close()
        nginx.terminate()
        nginx.wait(timeout=10)
        for app in (reader, writer):
            app.terminate()
            app.wait(timeout=10)


def test_the_app_s_headers_pass_through_with_tls_and_one_hsts(proxy: tuple[httpx.Client, Path]) -> None:
    client, _ = proxy
    first = client.get("/nl/crisis", headers={"accept-encoding": "br"})
    assert first.status_code == 200 and first.headers["content-encoding"] == "br"
    assert first.headers.get_list("strict-transport-security") == ["max-age=63072000; includeSubDomains"]
    for name in ("content-security-policy", "referrer-policy", "x-content-type-options", "permissions-policy"):
        assert first.headers[name], name
    assert "frame-ancestors 'none'" in first.headers["content-security-policy"]
    assert (
        first.headers["etag"].startswith('W/"') and first.headers["cache-control"] == "public, max-age=0, s-maxage=60"
    )
    assert "accept-encoding" in first.headers["vary"].lower() and "set-cookie" not in first.headers
    assert "tel:1813" in first.text
    again = client.get("/nl/crisis", headers={"accept-encoding": "br"})
    assert again.headers["x-cache"] == "HIT" and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]


def test_http_redirects_to_https(proxy: tuple[httpx.Client, Path]) -> None:
    client, _ = proxy
    response = httpx.get(f"http://127.0.0.1:{client.http_port}/nl/groups?kind=support_group", headers={"host": HOST})  # type: ignore[attr-defined]
    assert response.status_code == 301
    assert response.headers["location"] == f"https://{HOST}/nl/groups?kind=support_group"


def test_a_304_comes_from_the_proxy_s_cache(proxy: tuple[httpx.Client, Path]) -> None:
    client, _ = proxy
    first = client.get("/fr/groups?kind=talk_circle", headers={"accept-encoding": "br"})
    assert first.status_code == 200 and first.headers["x-cache"] in ("MISS", "HIT")
    tag = first.headers["etag"]
    again = client.get("/fr/groups?kind=talk_circle", headers={"accept-encoding": "br", "if-none-match": tag})
    assert again.status_code == 304 and again.headers["x-cache"] == "HIT" and again.content == b""
    assert again.headers["etag"] == tag
    # Another encoding is another answer, kept apart: its own body and its own ETag.
    plain = client.get("/fr/groups?kind=talk_circle", headers={"accept-encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.headers["etag"] != tag and plain.text.startswith("<!doctype html>")


def test_moderator_pages_and_posts_are_never_kept(proxy: tuple[httpx.Client, Path]) -> None:
    """nginx says X-Cache (HIT, MISS, EXPIRED, …) for every request that went through its cache; these do not."""
    client, _ = proxy
    for _ in range(2):
        page = client.get("/moderate/sign-in")
        assert page.status_code == 200 and "x-cache" not in page.headers
        assert page.headers["cache-control"] == "no-store" and 'name="_csrf_token"' in page.text
        assert client.get("/moderate").status_code == 303  # to the sign-in page, never from a cache
        sent = client.post("/en/submit", data={"name": ""}, headers={"origin": f"https://{HOST}"})
        assert sent.status_code == 400 and "x-cache" not in sent.headers, sent.headers


def test_the_logs_hold_no_address_and_no_query_string(proxy: tuple[httpx.Client, Path]) -> None:
    client, folder = proxy
    for url in (
        "/nl/groups?q=geheimwoord&near=be-gent",
        "/en/groups/nothing-here?q=geheimwoord",
        "/moderate?x=geheimwoord",
    ):
        client.get(url)
    client.post("/nl/submit?geheimwoord=1", data={"name": "geheimwoord"})
    time.sleep(0.2)  # nginx writes its log lines when each request ends
    logs = {path.name: path.read_text() for path in (folder / "logs").iterdir()}
    access = logs["kring.access.log"]
    assert "/nl/groups " in access and "/en/groups/nothing-here " in access  # requests are logged, by path
    for name, text in logs.items():
        assert "geheimwoord" not in text and "?" not in text, name
        assert "127.0.0.1" not in text, name


def test_sends_go_to_the_writer_while_the_read_only_instance_serves_the_pages(proxy: tuple[httpx.Client, Path]) -> None:
    """The read-only instance answers a send with 503: a 303 here means nginx took it to the writer."""
    client, _ = proxy
    origin = {"origin": f"https://{HOST}"}
    sent = client.post("/en/submit", data=GOOD, headers=origin)
    assert sent.status_code == 303 and sent.headers["location"] == "/en/submit/thanks"
    report = client.post("/en/groups/be-psybru/report", data={"reason": "outdated"}, headers=origin)
    assert report.status_code == 303 and report.headers["location"] == "/en/groups/be-psybru/reported"
    kept = db.run_read(
        client.database,  # type: ignore[attr-defined]
        lambda conn: (
            conn.execute("SELECT count(*) FROM submission").fetchone()[0],
            conn.execute("SELECT count(*) FROM report WHERE listing_id = 'be-psybru'").fetchone()[0],
        ),
    )
    assert kept == (1, 1)
    assert client.get("/en/submit/thanks").status_code == 200  # and the page after it, from the reader

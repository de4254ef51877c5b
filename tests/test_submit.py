"""Organizers submit, visitors report: every bad input gets a field error and stores nothing; no cookie;
an Origin check, a honeypot and a rate limit (429 with Retry-After)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from litestar.testing import TestClient

from server import db, forms, inbox
from server.app import create_app
from server.settings import Settings
from tests.conftest import BASE_URL, soup
from tests.helpers.data import GOOD


@pytest.fixture
def app_db(tmp_path: Path, real_db: Path) -> Iterator[tuple[TestClient, Path]]:
    path = tmp_path / "kring.sqlite"
    shutil.copy(real_db, path)
    with TestClient(create_app(Settings(db=path, form_rate_limit=1000)), base_url=BASE_URL) as c:
        yield c, path


def stored(path: Path, table: str = "submission") -> list[bytes]:
    column = "doc" if table == "submission" else "reason"
    return [row[0] for row in db.run_read(path, lambda conn: conn.execute(f"SELECT {column} FROM {table}").fetchall())]


def test_a_good_submission_is_stored_and_thanked(app_db) -> None:
    client, path = app_db
    response = client.post("/nl/submit", data=GOOD, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/nl/submit/thanks"
    assert "set-cookie" not in response.headers
    [doc] = stored(path)
    got = msgspec.json.decode(doc, type=forms.GroupSubmission)
    assert got.name == GOOD["name"] and got.themes == ["relatives", "loneliness"] and got.city == "Gent"
    thanks = client.get("/nl/submit/thanks")
    assert thanks.status_code == 200 and soup(thanks.text).h1.text


BAD = [
    ("missing name", {"name": ""}, "name", "required"),
    ("missing kind", {"kind": ""}, "kind", "required"),
    ("missing description", {"description": ""}, "description", "required"),
    ("name too short", {"name": "A"}, "name", "too_short"),
    ("name too long", {"name": "x" * 300}, "name", "too_long"),
    ("description too short", {"description": "Hello"}, "description", "too_short"),
    ("description too long", {"description": "Lorem ipsum " * 300}, "description", "too_long"),
    ("wrong kind", {"kind": "club"}, "kind", "choice"),
    ("wrong theme", {"themes": ["relatives", "astrology"]}, "themes", "choice"),
    ("wrong country", {"country": "FR"}, "country", "choice"),
    (
        "script tag",
        {"description": "Welcome! <script>alert('hi')</script> every Monday evening."},
        "description",
        "markup",
    ),
    ("html in name", {"name": "<b>Best group</b>"}, "name", "markup"),
    ("invalid url", {"website": "javascript:alert(1)"}, "website", "form"),
    ("plain http url", {"website": "http://example.org"}, "website", "form"),
    ("invalid e-mail", {"email": "not-an-address"}, "email", "form"),
    ("invalid phone", {"phone": "call me maybe"}, "phone", "form"),
    ("postcode of the other country", {"postcode": "1234 AB"}, "postcode", "postcode"),
    ("malformed postcode", {"postcode": "ABCD"}, "postcode", "form"),
    ("in person without a town", {"city": ""}, "city", "place"),
    ("no way to reach anyone", {"email": ""}, "website", "contact"),
    ("wrong language", {"languages": ["xx"]}, "languages", "choice"),
]


@pytest.mark.parametrize(("case", "change", "field", "problem"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_gets_a_field_error_and_stores_nothing(
    app_db, case: str, change: dict, field: str, problem: str
) -> None:
    client, path = app_db
    response = client.post("/en/submit", data={**GOOD, **change})
    assert response.status_code == 400, case
    page = soup(response.text)
    error = page.select_one(f"#err-{field}")
    assert error is not None and error.text == forms.PROBLEMS[problem], case
    # The field (or its group of boxes) points at its error, for screen readers.
    assert page.select_one(f"[aria-describedby~=err-{field}]") is not None, case
    # The form comes back with what the person typed.
    assert page.select_one("#s-name")["value"] == change.get("name", GOOD["name"])
    assert stored(path) == []


def test_an_oversized_body_is_refused_and_nothing_is_stored(app_db) -> None:
    client, path = app_db
    response = client.post("/en/submit", data={**GOOD, "description": "x" * 40_000})
    assert response.status_code == 413
    assert stored(path) == []


def test_a_form_from_another_site_is_refused(app_db) -> None:
    client, path = app_db
    for headers in (
        {"origin": "https://evil.example"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site", "origin": "https://other.127.0.0.1"},
        {"origin": "null", "sec-fetch-site": "cross-site"},  # a page elsewhere with no-referrer
    ):
        response = client.post("/en/submit", data=GOOD, headers=headers)
        assert response.status_code == 403
    assert stored(path) == []
    # What browsers send from Kring's own form: because of `Referrer-Policy: no-referrer`, Origin is "null".
    for headers in (
        {"origin": "null", "sec-fetch-site": "same-origin"},
        {"origin": "http://127.0.0.1", "sec-fetch-site": "same-origin"},
        {"origin": "http://127.0.0.1"},
    ):
        assert client.post("/en/submit", data=GOOD, headers=headers, follow_redirects=False).status_code == 303


def test_the_honeypot_thanks_a_bot_and_stores_nothing(app_db) -> None:
    client, path = app_db
    response = client.post("/en/submit", data={**GOOD, "nickname": "bot"}, follow_redirects=False)
    assert response.status_code == 303
    assert stored(path) == []


def test_reports_are_stored_and_bad_reasons_refused(app_db) -> None:
    client, path = app_db
    assert client.post("/fr/groups/be-psybru/report", data={"reason": "nope"}).status_code == 400
    assert (
        client.post(
            "/fr/groups/be-psybru/report", data={"reason": "closed", "details": "<script>x</script>"}
        ).status_code
        == 400
    )
    assert client.post("/fr/groups/no-such-group/report", data={"reason": "closed"}).status_code == 404
    assert stored(path, "report") == []
    response = client.post(
        "/fr/groups/be-psybru/report",
        data={"reason": "wrong_number", "details": "Le site a changé."},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/fr/groups/be-psybru/reported"
    assert stored(path, "report") == ["wrong_number"]


def test_too_many_sends_answer_429_with_retry_after(tmp_path: Path, real_db: Path) -> None:
    path = tmp_path / "kring.sqlite"
    shutil.copy(real_db, path)
    with TestClient(create_app(Settings(db=path, form_rate_limit=3)), base_url=BASE_URL) as client:
        codes = [client.post("/en/submit", data={}).status_code for _ in range(4)]
        assert codes == [400, 400, 400, 429]
        last = client.post("/en/submit", data=GOOD)
        assert last.status_code == 429 and int(last.headers["retry-after"]) > 0
        assert client.get("/en/submit").status_code == 200  # reading is never limited
    assert stored(path) == []


def test_a_submission_of_the_first_form_is_still_read(tmp_path: Path) -> None:
    """Before meetings came row by row, the form asked how often and when in words (shape 1 in the inbox)."""
    path = tmp_path / "kring.sqlite"
    old = (
        b'{"name":"Praatgroep","kind":"talk_circle","country":"BE","format":"in_person","description":'
        b'"A talk circle for people who care for someone.","organization":"","themes":[],"audience":[],'
        b'"city":"Gent","postcode":null,"address":"","languages":[],"led_by":null,"membership":null,'
        b'"registration":null,"cost":null,"cost_text":"","frequency":"weekly","schedule":"Tuesdays, 19:30",'
        b'"website":null,"email":"a@example.org","phone":null}'
    )
    db.run_write(
        path,
        lambda conn: conn.execute(
            "INSERT INTO submission (received, lang, doc) VALUES ('2026-11-01', 'nl', ?)", (old,)
        ),
    )
    [(shape, doc)] = db.run_read(path, lambda conn: conn.execute("SELECT shape, doc FROM submission").fetchall())
    group, said_when = inbox.read(shape, doc)
    assert shape == 1 and group.name == "Praatgroep"
    assert said_when == "weekly · Tuesdays, 19:30"
    # What the form sends now is read back as it was sent.
    submission = msgspec.convert({k: v for k, v in GOOD.items()}, forms.GroupSubmission)
    db.run_write(path, lambda conn: inbox.store(conn, submission, "en"))
    [(shape, doc)] = db.run_read(
        path, lambda conn: conn.execute("SELECT shape, doc FROM submission WHERE id = 2").fetchall()
    )
    assert shape == inbox.SHAPE and inbox.read(shape, doc) == (submission, "")

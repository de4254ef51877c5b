"""Organizers submit, visitors report: every bad input gets a field error and stores nothing; no cookie;
an Origin check, a honeypot and a rate limit (429 with Retry-After). Meetings come as rows of inputs: each
row becomes a models.Meeting, and a bad row gets its error beside the input, in the form's language."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from litestar.testing import TestClient

from server import db, forms, i18n, inbox, models
from server.app import create_app
from server.settings import Settings
from tests.conftest import BASE_URL, soup
from tests.helpers.data import GOOD, SECOND_THURSDAYS_ONLINE, TUESDAYS_IN_GENT, TWO_MEETINGS


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


# --- meetings ---------------------------------------------------------------------------------------


def submissions(path: Path) -> list[forms.GroupSubmission]:
    rows = db.run_read(path, lambda conn: conn.execute("SELECT shape, doc FROM submission ORDER BY id").fetchall())
    return [inbox.read(shape, doc)[0] for shape, doc in rows]


def rows_shown(html: str) -> list[str]:
    """The legends of the meeting rows on the page."""
    return [legend.get_text(strip=True) for legend in soup(html).select("fieldset.meeting > legend")]


def test_a_submission_with_two_meetings_stores_them_as_meetings(app_db) -> None:
    client, path = app_db
    response = client.post("/en/submit", data={**GOOD, "format": "hybrid", **TWO_MEETINGS}, follow_redirects=False)
    assert response.status_code == 303
    [got] = submissions(path)
    assert got.meetings == [TUESDAYS_IN_GENT, SECOND_THURSDAYS_ONLINE]
    assert db.run_read(path, lambda conn: conn.execute("SELECT shape FROM submission").fetchall()) == [(inbox.SHAPE,)]


def test_a_dutch_group_meets_on_amsterdam_time(app_db) -> None:
    client, path = app_db
    data = {**GOOD, "country": "NL", "postcode": "9712 AB", "city": "Groningen", "format": "hybrid", **TWO_MEETINGS}
    data["meeting-0-postcode"] = "9712 AB"
    assert client.post("/nl/submit", data=data, follow_redirects=False).status_code == 303
    [got] = submissions(path)
    assert [m.timezone for m in got.meetings] == ["Europe/Amsterdam", "Europe/Amsterdam"]


def test_an_empty_row_is_ignored(app_db) -> None:
    client, path = app_db
    empty = {f"meeting-2-{name}": "" for name in forms.ROW_INPUTS} | {"meeting-2-where": "same"}
    response = client.post("/fr/submit", data={**GOOD, "format": "hybrid", **TWO_MEETINGS, **empty})
    assert response.status_code == 200 and response.url.path == "/fr/submit/thanks"
    assert submissions(path)[0].meetings == [TUESDAYS_IN_GENT, SECOND_THURSDAYS_ONLINE]
    # And a group sent with only empty rows has no meetings (its page then says "ask the organizer").
    assert client.post("/fr/submit", data={**GOOD, **empty}).url.path == "/fr/submit/thanks"
    assert submissions(path)[1].meetings == []


# (case, what the second row says instead, the input beside which the error shows, the key of its message)
BAD_ROWS = [
    ("ends before it starts", {"meeting-1-closes_at": "19:00"}, "closes_at", "closes_at"),
    ("monthly without which one", {"meeting-1-ordinal": ""}, "ordinal", "ordinal"),
    (
        "every 2 weeks without a first date",
        {"meeting-1-how_often": "fortnightly", "meeting-1-ordinal": ""},
        "dtstart",
        "first_date",
    ),
    ("a series without its number", {"meeting-1-how_often": "series", "meeting-1-ordinal": ""}, "count", "count"),
    ("not a time", {"meeting-1-opens_at": "half past seven"}, "opens_at", "time"),
    ("not an hour", {"meeting-1-opens_at": "25:00"}, "opens_at", "time"),
    (
        "a postcode of the other country",
        {"meeting-1-where": "other", "meeting-1-city": "Gent", "meeting-1-postcode": "1234 AB"},
        "postcode",
        "postcode",
    ),
    ("no day", {"meeting-1-weekday": ""}, "weekday", "weekday"),
    ("not how often", {"meeting-1-how_often": ""}, "how_often", "how_often"),
    ("an end without a start", {"meeting-1-opens_at": ""}, "opens_at", "opens_at"),
    ("another place without its town", {"meeting-1-where": "other"}, "city", "meeting_city"),
    ("an address for an online meeting", {"meeting-1-address": "Voorbeeldstraat 2"}, "where", "online_with_place"),
    ("not a date", {"meeting-1-dtstart": "next week"}, "dtstart", "date"),
    ("too many sessions", {"meeting-1-count": "500"}, "count", "count"),
    ("not a day", {"meeting-1-weekday": "someday"}, "weekday", "choice"),
]


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
@pytest.mark.parametrize(("case", "change", "name", "problem"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_a_bad_meeting_row_gets_its_error_beside_the_input_in_the_forms_language(
    app_db, lang: str, case: str, change: dict, name: str, problem: str
) -> None:
    client, path = app_db
    response = client.post(f"/{lang}/submit", data={**GOOD, "format": "hybrid", **TWO_MEETINGS, **change})
    assert response.status_code == 400, case
    page = soup(response.text)
    assert page.find("html")["lang"] == lang
    field = f"meeting-1-{name}"
    error = page.select_one(f"#err-{field}")
    assert error is not None, (case, [e["id"] for e in page.select(".field-error")])
    assert error.get_text() == i18n.gettext(lang, forms.PROBLEMS[problem]), case
    assert page.select_one(f"#s-{field}")["aria-describedby"].split()[0] == f"err-{field}"
    # Only that row's input is marked, and the form comes back as typed.
    assert [e["id"] for e in page.select(".field-error")] == [f"err-{field}"], case
    assert page.select_one("#s-meeting-0-opens_at")["value"] == "19:30"
    assert page.select_one("#s-meeting-1-where option[selected]")["value"] == change.get("meeting-1-where", "online")
    assert stored(path) == []


def test_the_form_shows_two_empty_meeting_rows_without_javascript(app_db) -> None:
    client, _ = app_db
    for lang in ("nl", "fr", "en"):
        page = client.get(f"/{lang}/submit").text
        assert rows_shown(page) == [i18n.gettext(lang, "Meeting %(n)s") % {"n": n} for n in (1, 2)]
        html = soup(page)
        for field in html.select("fieldset.meeting select, fieldset.meeting input"):
            assert html.select_one(f"label[for={field['id']}]") is not None, field["id"]
        assert html.select_one("#s-meeting-0-where option[selected]")["value"] == "same"
        assert html.select_one("button[name=add_meeting]")["hx-get"] == f"/{lang}/submit/meeting?index=2"


def test_after_a_failed_send_the_filled_rows_come_back_with_an_empty_one(app_db) -> None:
    client, _ = app_db
    response = client.post("/en/submit", data={**GOOD, "name": "", "format": "hybrid", **TWO_MEETINGS})
    assert response.status_code == 400
    assert rows_shown(response.text) == ["Meeting 1", "Meeting 2", "Meeting 3"]
    page = soup(response.text)
    assert page.select_one("#s-meeting-1-ordinal option[selected]")["value"] == "2"
    assert page.select_one("#s-meeting-2-city")["value"] == ""


def test_add_a_meeting_without_javascript_brings_one_more_row_and_stores_nothing(app_db) -> None:
    client, path = app_db
    data = {**GOOD, "format": "hybrid", **TWO_MEETINGS, "add_meeting": "1"}
    response = client.post("/nl/submit", data=data)
    assert response.status_code == 200 and response.url.path == "/nl/submit"
    assert len(rows_shown(response.text)) == 3
    assert not soup(response.text).select(".field-error")  # not sent yet: nothing to correct
    assert stored(path) == []


def test_add_a_meeting_with_htmx_gets_the_next_row_and_the_button_after_it(app_db) -> None:
    client, _ = app_db
    response = client.get("/fr/submit/meeting", params={"index": 2}, headers={"hx-request": "true"})
    assert response.status_code == 200
    fragment = soup(response.text)
    assert fragment.find("html") is None  # the row alone, never a page
    assert rows_shown(response.text) == [i18n.gettext("fr", "Meeting %(n)s") % {"n": 3}]
    assert fragment.select_one("#s-meeting-2-weekday") is not None
    assert fragment.select_one("button[name=add_meeting]")["hx-get"] == "/fr/submit/meeting?index=3"
    last = soup(client.get("/fr/submit/meeting", params={"index": forms.MAX_MEETINGS - 1}).text)
    assert last.select_one("fieldset.meeting") is not None and last.select_one("button") is None
    for index in (forms.MAX_MEETINGS, -1, "x"):
        assert client.get("/fr/submit/meeting", params={"index": index}).status_code == 400


@pytest.mark.parametrize(
    ("group", "row", "expected"),
    [
        # "Same place as above" is the listing's place, or online for a group that meets online only.
        ({"format": "in_person"}, {"where": "same"}, {"online": False, "place": None}),
        ({"format": "online", "city": ""}, {"where": "same"}, {"online": True, "place": None}),
        # An address makes it another place, whatever the list says: the person said where.
        ({"format": "in_person"}, {"where": "same", "city": "Gent"}, {"place": models.Place(city="Gent")}),
        # How often, in a Meeting's terms.
        ({"format": "in_person"}, {"how_often": "fortnightly", "dtstart": "2027-01-12"}, {"interval": 2}),
        ({"format": "in_person"}, {"how_often": "series", "count": "8", "dtstart": "12/01/2027"}, {"count": 8}),
        ({"format": "in_person"}, {"how_often": "monthly", "ordinal": "-1"}, {"freq": "monthly", "byday": ["-1TU"]}),
        # Times as people write them.
        (
            {"format": "in_person"},
            {"opens_at": "19h30", "closes_at": "21u"},
            {"opens_at": "19:30", "closes_at": "21:00"},
        ),
    ],
)
def test_a_row_becomes_exactly_this_meeting(group: dict, row: dict, expected: dict) -> None:
    inputs = {"weekday": "tue", "how_often": "weekly", **row}
    items = [*{**GOOD, **group}.items(), *((forms.input_name(0, k), v) for k, v in inputs.items())]
    submission, problems, _ = forms.check([(k, x) for k, v in items for x in (v if isinstance(v, list) else [v])])
    assert problems == {} and submission is not None
    [meeting] = submission.meetings
    assert {name: getattr(meeting, name) for name in expected} == expected
    if "dtstart" in row:
        assert meeting.dtstart == dt.date(2027, 1, 12)


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
    assert shape == 1 and group.name == "Praatgroep" and group.meetings == []
    assert said_when == "weekly · Tuesdays, 19:30"
    # What the form sends now is read back as it was sent.
    submission = msgspec.convert({k: v for k, v in GOOD.items()}, forms.GroupSubmission)
    db.run_write(path, lambda conn: inbox.store(conn, submission, "en"))
    [(shape, doc)] = db.run_read(
        path, lambda conn: conn.execute("SELECT shape, doc FROM submission WHERE id = 2").fetchall()
    )
    assert shape == inbox.SHAPE and inbox.read(shape, doc) == (submission, "")

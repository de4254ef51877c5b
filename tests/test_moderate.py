"""Moderators: sign-in with password and TOTP, lockout with back-off, the __Host- session and its timeouts,
CSRF, the queue (approve, edit, reject, mark checked, close a report), the audit log, the whole path from
an organizer's form to a live listing, and a listing's meetings kept through every edit."""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pyotp
import pytest
from litestar.testing import TestClient

from server import accounts, db, forms, i18n, listings, loader, models, moderation, search
from server.app import create_app
from server.settings import Settings
from tests.conftest import DATA, soup
from tests.helpers.data import GOOD, SECOND_THURSDAYS_ONLINE, TUESDAYS_IN_GENT, TWO_MEETINGS
from tests.helpers.moderator import HTTPS, PASSWORD, Moderator, add


@pytest.fixture
def site(tmp_path: Path, real_db: Path) -> Iterator[tuple[TestClient, Path]]:
    path = tmp_path / "kring.sqlite"
    shutil.copy(real_db, path)
    with TestClient(create_app(Settings(db=path, form_rate_limit=1000)), base_url=HTTPS) as c:
        c.headers["accept-language"] = "en"
        yield c, path


@pytest.fixture
def mod(site: tuple[TestClient, Path]) -> Moderator:
    client, path = site
    return Moderator(client, path, "ilse", add(path, "ilse"))


def _rows(path: Path, sql: str, *args: object) -> list[tuple]:
    return db.run_read(path, lambda conn: conn.execute(sql, args).fetchall())


def _sign_in(client: TestClient, *args: object, **kwargs: object) -> accounts.SignIn:
    """accounts.sign_in through the app's own door, on the app's event loop."""
    call = functools.partial(accounts.sign_in, client.app.state.database, *args, **kwargs)
    return client.blocking_portal.call(call)


def _listing(path: Path, listing_id: str) -> tuple[models.Group, str]:
    found = db.run_read(path, lambda conn: moderation.get_listing(conn, listing_id))
    assert found is not None, listing_id
    return found


def _cookie_headers(response) -> list[str]:
    return response.headers.get_list("set-cookie")


# --- signing in -------------------------------------------------------------------------------------


def test_pages_need_a_session(site: tuple[TestClient, Path]) -> None:
    client, _ = site
    for url in (
        "/moderate",
        "/moderate/listings",
        "/moderate/audit",
        "/moderate/submissions/1",
        "/moderate/listings/be-trefpunt-zelfhulp",
    ):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/moderate/sign-in")


def test_sign_in_sets_a_host_only_secure_strict_session_cookie(mod: Moderator) -> None:
    response = mod.sign_in()
    assert response.status_code == 200  # followed to the queue
    assert response.url.path == "/moderate"
    first = next(h for h in response.history[0].headers.get_list("set-cookie") if h.startswith("__Host-kring-session="))
    attributes = {part.strip().split("=")[0].lower() for part in first.split(";")[1:]}
    assert {"httponly", "secure", "path"} <= attributes
    assert "samesite=strict" in first.lower() and "path=/" in first.lower()
    assert "domain=" not in first.lower()  # a __Host- cookie has no Domain
    assert response.headers["cache-control"] == "no-store"
    assert soup(response.text).find("h1").get_text(strip=True) == "Moderation queue"


def test_a_new_session_id_at_each_sign_in(mod: Moderator) -> None:
    mod.sign_in()
    first = mod.client.cookies.get("__Host-kring-session")
    mod.sign_in()
    second = mod.client.cookies.get("__Host-kring-session")
    assert first and second and first != second
    # The old session is closed: only the new one is in the database (and only as a hash).
    assert len(_rows(mod.path, "SELECT token_hash FROM session")) == 1
    assert _rows(mod.path, "SELECT 1 FROM session WHERE token_hash = ?", first) == []


@pytest.mark.parametrize(
    "change",
    [
        {"password": "wrong password, long enough"},
        {"code": "000000"},
        {"code": "12345"},
        {"code": "not a code"},
    ],
)
def test_a_wrong_password_or_code_is_refused(mod: Moderator, change: dict[str, str]) -> None:
    response = mod.sign_in(**change)
    assert response.status_code == 400
    assert "__Host-kring-session" not in mod.client.cookies
    assert soup(response.text).find(attrs={"role": "alert"}) is not None


def test_an_unknown_name_says_the_same_as_a_wrong_password(mod: Moderator) -> None:
    wrong = mod.sign_in(password="wrong password, long enough")
    mod.name = "nobody"
    unknown = mod.sign_in()
    assert unknown.status_code == wrong.status_code == 400
    texts = [soup(r.text).find(attrs={"role": "alert"}).get_text(strip=True) for r in (wrong, unknown)]
    assert texts[0] == texts[1]


def test_a_code_is_accepted_once(mod: Moderator) -> None:
    code = pyotp.TOTP(mod.secret).now()
    assert mod.sign_in(code=code).url.path == "/moderate"
    mod.client.cookies.clear()
    again = mod.sign_in(code=code)
    assert again.status_code == 400


def test_lockout_with_back_off(mod: Moderator) -> None:
    for _ in range(accounts.FREE_TRIES - 1):
        assert mod.sign_in(password="wrong password, long enough").status_code == 400
    locked = mod.sign_in(password="wrong password, long enough")
    assert locked.status_code == 403
    assert "1 minute" in soup(locked.text).find(attrs={"role": "alert"}).get_text()
    # While locked, even the right password and code do not open a session.
    assert mod.sign_in().status_code == 403
    assert "__Host-kring-session" not in mod.client.cookies
    # Each further failure (after the lock ran out) doubles the wait, up to an hour.
    assert [accounts.lock_for(n).total_seconds() / 60 for n in range(4, 13)] == [0, 1, 2, 4, 8, 16, 32, 60, 60]
    actions = [a for (a,) in _rows(mod.path, "SELECT action FROM audit ORDER BY id")]
    assert actions.count("sign_in_failed") == accounts.FREE_TRIES and "sign_in_locked" in actions


def test_lock_runs_out_and_a_success_resets_the_count(mod: Moderator) -> None:
    for _ in range(accounts.FREE_TRIES):
        _sign_in(mod.client, "ilse", "wrong password, long enough", "000000")
    later = moderation.now() + dt.timedelta(minutes=2)
    code = pyotp.TOTP(mod.secret).at(later)
    assert _sign_in(mod.client, "ilse", PASSWORD, code, at=later).outcome == "ok"
    assert _rows(mod.path, "SELECT failures, locked_until FROM moderator") == [(0, "")]


def test_sessions_end_after_30_idle_minutes_and_after_12_hours(mod: Moderator) -> None:
    def session(token: str, at: dt.datetime) -> str | None:
        return db.run_write(mod.path, lambda conn: accounts.session(conn, token, at))

    start = moderation.now()
    token = _sign_in(mod.client, "ilse", PASSWORD, mod.code(), at=start).token
    assert session(token, start + dt.timedelta(minutes=29)) == "ilse"
    assert session(token, start + dt.timedelta(minutes=58)) == "ilse"  # seen at 29
    assert session(token, start + dt.timedelta(minutes=89)) is None  # 31 idle minutes
    assert session(token, start + dt.timedelta(minutes=90)) is None  # and it is gone

    token = _sign_in(mod.client, "ilse", PASSWORD, mod.code(), at=start).token
    moment = start
    while moment + dt.timedelta(minutes=20) < start + dt.timedelta(hours=12):  # busy all day, never idle
        moment += dt.timedelta(minutes=20)
        assert session(token, moment) == "ilse"
    assert session(token, start + dt.timedelta(hours=12, minutes=1)) is None


def test_an_expired_session_goes_back_to_sign_in(mod: Moderator) -> None:
    mod.sign_in()
    old = (moderation.now() - dt.timedelta(minutes=31)).isoformat(timespec="seconds")
    db.run_write(mod.path, lambda conn: conn.execute("UPDATE session SET seen = ?", (old,)))
    response = mod.client.get("/moderate", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/moderate/sign-in?expired=1"
    page = mod.client.get(response.headers["location"])
    assert soup(page.text).find(attrs={"role": "status"}) is not None


def test_sign_out_closes_the_session(mod: Moderator) -> None:
    mod.sign_in()
    token = mod.client.cookies.get("__Host-kring-session")
    response = mod.post("/moderate/sign-out", {}, page="/moderate")
    assert response.url.path == "/moderate/sign-in"
    # Browsers ignore a __Host- cookie without Secure and Path=/, also when it is meant to expire the old one.
    expired = next(
        h for h in response.history[0].headers.get_list("set-cookie") if h.startswith("__Host-kring-session=")
    )
    assert "secure" in expired.lower() and "path=/" in expired.lower() and "max-age=0" in expired.lower()
    assert "__Host-kring-session" not in mod.client.cookies
    assert _rows(mod.path, "SELECT 1 FROM session") == []
    mod.client.cookies.set("__Host-kring-session", token)
    assert mod.client.get("/moderate", follow_redirects=False).status_code == 303


# --- CSRF -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "forged", "0" * 128])
def test_forms_without_the_right_csrf_token_are_refused(mod: Moderator, token: str | None) -> None:
    mod.sign_in()
    data = {"reason": "Not a support group at all."}
    if token is not None:
        data["_csrf_token"] = token
    submission_id = _submit(mod.client)
    response = mod.client.post(f"/moderate/submissions/{submission_id}/reject", data=data)
    assert response.status_code == 403
    assert _rows(mod.path, "SELECT status FROM submission WHERE id = ?", submission_id) == [("pending",)]


def test_sign_in_needs_the_csrf_token_too(mod: Moderator) -> None:
    response = mod.client.post("/moderate/sign-in", data={"name": "ilse", "password": PASSWORD, "code": mod.code()})
    assert response.status_code == 403
    assert _rows(mod.path, "SELECT 1 FROM session") == []


def test_visitors_never_get_a_cookie_and_moderators_only_under_moderate(site: tuple[TestClient, Path]) -> None:
    client, _ = site
    for url in ("/nl/", "/fr/groups", "/en/submit", "/api/v1/groups"):
        assert "set-cookie" not in client.get(url).headers, url
    first = client.get("/moderate/sign-in")
    assert any(h.startswith("__Host-kring-csrf=") for h in _cookie_headers(first))


# --- the queue --------------------------------------------------------------------------------------


def _submit(client: TestClient, **changes: object) -> int:
    before = client.cookies.get("__Host-kring-session")
    response = client.post("/en/submit", data={**GOOD, **changes}, headers={"origin": HTTPS}, follow_redirects=False)
    assert response.status_code == 303, response.text[:400]
    assert client.cookies.get("__Host-kring-session") == before
    path = client.app.state.settings.db
    return _rows(path, "SELECT max(id) FROM submission")[0][0]


def _form(page: str) -> dict[str, object]:
    """The values of the first form on the page that has a name field, as a browser would send them."""
    html = soup(page)
    form = next(f for f in html.find_all("form") if f.find(attrs={"name": "name"}))
    data: dict[str, object] = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or name == "nickname":
            continue
        if field.name == "select":
            chosen = field.find("option", selected=True)
            value = chosen["value"] if chosen else ""
        elif field.name == "textarea":
            value = field.get_text()
        elif field.get("type") == "checkbox":
            if not field.has_attr("checked"):
                continue
            value = field["value"]
        else:
            value = field.get("value", "")
        if name in data:
            data[name] = [*([data[name]] if isinstance(data[name], str) else data[name]), value]
        elif field.get("type") == "checkbox":
            data[name] = [value]
        else:
            data[name] = value
    return data


def test_submit_moderate_live(mod: Moderator) -> None:
    """The whole path: an organizer sends a group, a moderator corrects and approves it, visitors find it."""
    client = mod.client
    submission_id = _submit(client, name="Praatcafe Veerkracht Gent")
    assert client.get("/en/groups", params={"q": "veerkracht"}).status_code == 200
    assert "Praatcafe Veerkracht" not in client.get("/en/groups", params={"q": "veerkracht"}).text

    mod.sign_in()
    queue = soup(client.get("/moderate").text)
    link = queue.find("a", string="Praatcafe Veerkracht Gent")
    assert link is not None and link["href"].startswith(f"/moderate/submissions/{submission_id}")
    page = client.get(f"/moderate/submissions/{submission_id}")
    values = _form(page.text)
    assert values["name"] == "Praatcafe Veerkracht Gent" and values["place_id"] == "be-gent"  # guessed from "Gent"
    values["name"] = "Praatcafé Veerkracht"  # the moderator corrects the name
    response = mod.post(
        f"/moderate/submissions/{submission_id}/approve", values, page=f"/moderate/submissions/{submission_id}"
    )
    assert response.status_code == 200
    assert response.url.path == "/moderate/listings/praatcafe-veerkracht"

    group, origin = _listing(mod.path, "praatcafe-veerkracht")
    assert origin == "submitted" and group.last_checked == search.today() and group.status == "active"
    assert group.place.place_id == "be-gent" and group.description == {"en": GOOD["description"]}
    assert _rows(mod.path, "SELECT status, decided_by, listing_id FROM submission WHERE id = ?", submission_id) == [
        ("approved", "ilse", "praatcafe-veerkracht")
    ]

    client.app.state.catalog._checked = 0
    found = soup(client.get("/en/groups", params={"q": "veerkracht"}).text)
    assert [a["href"] for a in found.select("li.listing h2 a")] == ["/en/groups/praatcafe-veerkracht"]
    near = soup(client.get("/en/groups", params={"near": "be-gent", "within": "5", "q": "praatcafe"}).text)
    assert "/en/groups/praatcafe-veerkracht" in [a["href"] for a in near.select("li.listing h2 a")]
    assert client.get("/api/v1/groups/praatcafe-veerkracht").json()["name"] == "Praatcafé Veerkracht"
    assert client.get("/en/groups/praatcafe-veerkracht").status_code == 200

    log = _rows(mod.path, "SELECT moderator, action, target FROM audit WHERE action = 'approve'")
    assert log == [("ilse", "approve", f"submission {submission_id}")]
    audit = soup(client.get("/moderate/audit").text)
    assert "approved" in audit.get_text()


def test_approve_with_bad_fields_stores_nothing(mod: Moderator) -> None:
    submission_id = _submit(mod.client)
    mod.sign_in()
    url = f"/moderate/submissions/{submission_id}"
    values = _form(mod.client.get(url).text)
    before = _rows(mod.path, "SELECT count(*) FROM listing")
    for change in (
        {"name": ""},
        {"source": ""},
        {"place_id": "nowhere"},
        {"description_lang": "xx"},
        {"email": "not an address", "website": "", "phone": ""},
        {"kind": "party"},
    ):
        response = mod.post(f"{url}/approve", {**values, **change}, page=url)
        assert response.status_code == 400, change
        assert soup(response.text).select(".field-error"), change
        assert _rows(mod.path, "SELECT count(*) FROM listing") == before
    assert _rows(mod.path, "SELECT status FROM submission WHERE id = ?", submission_id) == [("pending",)]


def test_reject_needs_a_reason_and_keeps_it(mod: Moderator) -> None:
    submission_id = _submit(mod.client)
    mod.sign_in()
    url = f"/moderate/submissions/{submission_id}"
    assert mod.post(f"{url}/reject", {"reason": ""}, page=url).status_code == 400
    response = mod.post(f"{url}/reject", {"reason": "A commercial course, not a group."}, page=url)
    assert response.url.path == "/moderate"
    assert _rows(mod.path, "SELECT status, reason, decided_by FROM submission WHERE id = ?", submission_id) == [
        ("rejected", "A commercial course, not a group.", "ilse")
    ]
    # Decided once: approving it afterwards changes nothing.
    values = _form(mod.client.get(url).text) if soup(mod.client.get(url).text).find("form", class_="submit") else {}
    assert values == {}
    assert _rows(mod.path, "SELECT action FROM audit WHERE target = ?", f"submission {submission_id}") == [("reject",)]


def test_mark_checked_and_edit_a_listing_from_the_data_files(mod: Moderator) -> None:
    group_id, _ = _rows(mod.path, "SELECT id, last_checked FROM listing WHERE origin = 'data' ORDER BY id")[0]
    db.run_write(
        mod.path, lambda c: c.execute("UPDATE listing SET last_checked = '2024-01-01' WHERE id = ?", (group_id,))
    )
    mod.sign_in()
    url = f"/moderate/listings/{group_id}"
    response = mod.post(f"{url}/check", {}, page=url)
    assert response.url.path == url
    group, origin = _listing(mod.path, group_id)
    assert group.last_checked == search.today() and origin == "data"

    values = _form(mod.client.get(url).text)
    values["status"] = "paused"
    response = mod.post(url, values, page=url)
    assert response.url.path == url and b"saved" in response.url.query
    group, origin = _listing(mod.path, group_id)
    assert group.status == "paused" and origin == "moderated"
    # The data files come again: the moderator's version stays, and so does a later "checked" date.
    data = loader.read(DATA)
    counts = db.run_write(mod.path, lambda conn: loader.load(conn, data))
    assert counts["kept"] == 1
    assert _listing(mod.path, group_id)[0].status == "paused"
    edits = _rows(mod.path, "SELECT details FROM audit WHERE action = 'edit' AND target = ?", f"listing {group_id}")
    assert edits == [("status",)]


def test_the_queue_lists_what_nobody_confirmed_and_a_moderator_confirms_it(mod: Moderator) -> None:
    """Read on a public page only: listed with its phone and e-mail, until a moderator confirms it with the
    organizer; then the public page and the API say so, and a later `kring load` keeps it."""
    group = next(g for g in loader.read(DATA).groups if g.contact.website and g.status == "active")
    mod.sign_in()
    section = soup(mod.client.get("/moderate").text).find("section", attrs={"aria-labelledby": "q-unconfirmed"})
    entry = section.find("a", string=group.name).parent
    contact = [group.contact.phone, group.contact.email, group.contact.website.removeprefix("https://")]
    assert all(value in entry.get_text() for value in contact if value)
    url = f"/moderate/listings/{group.id}"
    assert mod.post(f"{url}/check", {}, page=url).url.path == url
    assert _listing(mod.path, group.id)[0].checked_by == "moderator"
    section = soup(mod.client.get("/moderate").text).find("section", attrs={"aria-labelledby": "q-unconfirmed"})
    assert section.find("a", string=group.name) is None
    mod.client.app.state.catalog._checked = 0
    page = soup(mod.client.get(f"/en/groups/{group.id}").text).select_one(".provenance")
    assert "A Kring moderator confirmed these facts with the organizer on" in page.get_text()
    assert mod.client.get(f"/api/v1/groups/{group.id}").json()["checked_by"] == "moderator"
    db.run_write(mod.path, lambda conn: loader.load(conn, loader.read(DATA)))
    kept = _listing(mod.path, group.id)[0]
    assert kept.checked_by == "moderator" and kept.last_checked == search.today()
    entries = _rows(mod.path, "SELECT action FROM audit WHERE target = ?", f"listing {group.id}")
    assert entries == [("check",)]


def test_a_submission_approved_is_what_its_organizer_stated(mod: Moderator) -> None:
    submission_id = _submit(mod.client, name="Praatgroep Zonder Bevestiging")
    mod.sign_in()
    values = _form(mod.client.get(f"/moderate/submissions/{submission_id}").text)
    page = f"/moderate/submissions/{submission_id}"
    response = mod.post(f"{page}/approve", values, page=page)
    group, _ = _listing(mod.path, response.url.path.rsplit("/", 1)[1])
    assert group.checked_by == "organizer" and group.last_checked == search.today()


def test_load_keeps_a_later_checked_date(mod: Moderator) -> None:
    group_id = _rows(mod.path, "SELECT id FROM listing WHERE origin = 'data' ORDER BY id")[0][0]
    later = search.today() + dt.timedelta(days=1)
    places = {}
    db.run_write(mod.path, lambda conn: moderation.mark_checked(conn, "ilse", group_id, places, later))
    data = loader.read(DATA)
    db.run_write(mod.path, lambda conn: loader.load(conn, data))
    assert _listing(mod.path, group_id)[0].last_checked == later


def test_reports_are_listed_and_closed(mod: Moderator) -> None:
    client = mod.client
    response = client.post(
        "/en/groups/be-trefpunt-zelfhulp/report",
        data={"reason": "closed", "details": "Stopped in May."},
        headers={"origin": HTTPS},
        follow_redirects=False,
    )
    mod.sign_in()
    queue = soup(client.get("/moderate").text)
    assert "Stopped in May." in queue.get_text()
    url = "/moderate/listings/be-trefpunt-zelfhulp"
    report_id = _rows(mod.path, "SELECT id FROM report")[0][0]
    page = soup(client.get(url).text)
    assert "Stopped in May." in page.get_text()
    response = mod.post(f"/moderate/reports/{report_id}/close", {"note": "Confirmed by phone.", "back": url}, page=url)
    assert response.url.path == url
    assert _rows(mod.path, "SELECT status, decided_by FROM report") == [("done", "ilse")]
    assert "Stopped in May." not in soup(client.get("/moderate").text).get_text()


def test_unknown_ids_are_404_not_500(mod: Moderator) -> None:
    mod.sign_in()
    assert mod.client.get("/moderate/submissions/999999").status_code == 404
    assert mod.client.get("/moderate/listings/no-such-group").status_code == 404
    assert mod.post("/moderate/listings/no-such-group/check", {}).status_code == 404
    assert mod.post("/moderate/submissions/999999/reject", {"reason": "whatever it is"}).status_code == 404


def test_moderator_work_is_not_rate_limited_but_sign_in_is(tmp_path: Path, real_db: Path) -> None:
    path = tmp_path / "kring.sqlite"
    shutil.copy(real_db, path)
    secret = add(path, "ilse")
    with TestClient(create_app(Settings(db=path, form_rate_limit=3)), base_url=HTTPS) as client:
        m = Moderator(client, path, "ilse", secret)
        assert m.sign_in().url.path == "/moderate"
        url = "/moderate/listings/be-trefpunt-zelfhulp"
        for _ in range(5):
            assert m.post(f"{url}/check", {}, page=url).status_code == 200
        statuses = [m.sign_in(password="wrong password, long enough").status_code for _ in range(3)]
        assert statuses[-1] == 429


def test_every_moderator_page_in_three_languages(mod: Moderator) -> None:
    submission_id = _submit(mod.client)
    mod.sign_in()
    for lang, title in (("nl", "Moderatie"), ("fr", "Modération"), ("en", "Moderation")):
        for url in (
            "/moderate",
            "/moderate/listings",
            "/moderate/audit",
            f"/moderate/submissions/{submission_id}",
            "/moderate/listings/be-trefpunt-zelfhulp",
            "/moderate/sign-in",
        ):
            response = mod.client.get(url, params={"lang": lang})
            assert response.status_code == 200, url
            html = soup(response.text)
            assert html.find("html")["lang"] == lang
            assert response.headers["cache-control"] == "no-store"
            assert not re.search(r"\{\{|\{%", response.text)
        nav = soup(mod.client.get("/moderate", params={"lang": lang}).text).find("nav", class_="moderate-nav")
        assert nav["aria-label"].startswith(title[:5])


def test_editing_one_language_keeps_the_others(mod: Moderator) -> None:
    listings = db.run_read(mod.path, moderation.all_listings)
    group_id = next(g.id for g, _ in listings if {"nl", "fr"} <= set(g.description))
    before = _listing(mod.path, group_id)[0].description
    mod.sign_in()
    url = f"/moderate/listings/{group_id}"
    page = mod.client.get(url, params={"text": "fr"})
    values = _form(page.text)
    assert values["description_lang"] == "fr" and values["description"] == before["fr"]
    values["description"] = "Un texte revu par une modératrice, assez long pour passer."
    assert mod.post(url, values, page=url).url.path == url
    after = _listing(mod.path, group_id)[0].description
    assert after["fr"] == values["description"] and after["nl"] == before["nl"]


# --- meetings ---------------------------------------------------------------------------------------


def _approve(mod: Moderator, submission_id: int, **changes: object):
    url = f"/moderate/submissions/{submission_id}"
    values = {**_form(mod.client.get(url).text), **changes}
    return mod.post(f"{url}/approve", values, page=url)


def test_approval_puts_the_submitted_meetings_on_the_listing(mod: Moderator) -> None:
    submission_id = _submit(mod.client, name="Praatgroep Dinsdag", format="hybrid", **TWO_MEETINGS)
    mod.sign_in()
    page = soup(mod.client.get(f"/moderate/submissions/{submission_id}").text)
    assert [legend.get_text() for legend in page.select("fieldset.meeting > legend")] == [
        "Meeting 1",
        "Meeting 2",
        "Meeting 3",  # and one to fill
    ]
    assert page.select_one("#s-meeting-0-opens_at")["value"] == "19:30"
    assert page.select_one("#s-meeting-1-ordinal option[selected]")["value"] == "2"
    assert _approve(mod, submission_id).url.path == "/moderate/listings/praatgroep-dinsdag"
    group, _ = _listing(mod.path, "praatgroep-dinsdag")
    in_gent = msgspec.structs.replace(
        TUESDAYS_IN_GENT, place=msgspec.structs.replace(TUESDAYS_IN_GENT.place, place_id="be-gent")
    )
    assert group.meetings == [in_gent, SECOND_THURSDAYS_ONLINE]  # the Kring place guessed from the town
    mod.client.app.state.catalog._checked = 0
    public = soup(mod.client.get("/en/groups/praatgroep-dinsdag").text).get_text(" ", strip=True)
    assert "every Tuesday, 19:30–21:30" in public and "every second Thursday of the month" in public


def test_a_bad_meeting_row_stops_the_approval_with_its_error_beside_it(mod: Moderator) -> None:
    submission_id = _submit(mod.client, format="hybrid", **TWO_MEETINGS)
    mod.sign_in()
    for lang in ("nl", "fr", "en"):
        mod.client.headers["accept-language"] = lang
        response = _approve(mod, submission_id, **{"meeting-0-closes_at": "18:00"})
        assert response.status_code == 400
        error = soup(response.text).select_one("#err-meeting-0-closes_at")
        assert error is not None and error.get_text() == i18n.gettext(lang, forms.PROBLEMS["closes_at"])
    assert _rows(mod.path, "SELECT status FROM submission WHERE id = ?", submission_id) == [("pending",)]


def test_add_a_meeting_without_javascript_decides_nothing(mod: Moderator) -> None:
    submission_id = _submit(mod.client)
    mod.sign_in()
    response = _approve(mod, submission_id, add_meeting="1")
    assert response.status_code == 200 and len(soup(response.text).select("fieldset.meeting")) == 3
    assert _rows(mod.path, "SELECT status FROM submission WHERE id = ?", submission_id) == [("pending",)]


def _with_meetings(path: Path, listing_id: str, meetings: list[models.Meeting]) -> None:
    group, origin = _listing(path, listing_id)
    changed = msgspec.structs.replace(group, meetings=meetings)
    db.run_write(path, lambda conn: listings.write(conn, changed, origin, {}))


def test_editing_the_texts_in_another_language_keeps_the_meetings(mod: Moderator) -> None:
    group_id = "be-aa-vlaanderen"
    _with_meetings(mod.path, group_id, [TUESDAYS_IN_GENT, SECOND_THURSDAYS_ONLINE])
    mod.sign_in()
    url = f"/moderate/listings/{group_id}"
    values = _form(mod.client.get(url, params={"text": "fr"}).text)
    values["description"] = "Un texte revu par une modératrice, assez long pour passer."
    assert mod.post(url, values, page=url).url.path == url
    group, _ = _listing(mod.path, group_id)
    assert group.description["fr"] == values["description"]
    assert group.meetings == [TUESDAYS_IN_GENT, SECOND_THURSDAYS_ONLINE]
    # A changed row changes that meeting only; an emptied row removes its meeting.
    values = _form(mod.client.get(url).text)
    values["meeting-0-opens_at"] = "19:00"
    for name in forms.ROW_INPUTS:
        values[f"meeting-1-{name}"] = "same" if name == "where" else ""
    assert mod.post(url, values, page=url).url.path == url
    group, _ = _listing(mod.path, group_id)
    # The changed meeting gets the Kring place of its town, as every new or changed meeting does.
    place = msgspec.structs.replace(TUESDAYS_IN_GENT.place, place_id="be-gent")
    assert group.meetings == [msgspec.structs.replace(TUESDAYS_IN_GENT, opens_at="19:00", place=place)]
    assert _rows(mod.path, "SELECT details FROM audit WHERE action = 'edit'")[-1] == ("meetings",)


def test_a_meeting_the_form_cannot_show_is_kept_as_it_is_or_removed(mod: Moderator) -> None:
    group_id = "be-aa-vlaanderen"
    on_the_15th = models.Meeting(
        freq="monthly",
        bymonthday=[15],
        opens_at="10:00",
        place=models.Place(place_id="be-leuven"),
        notes={"nl": "Koffie vanaf 9:30.", "fr": "Café dès 9h30.", "en": "Coffee from 9:30."},
    )
    _with_meetings(mod.path, group_id, [on_the_15th, TUESDAYS_IN_GENT])
    mod.sign_in()
    url = f"/moderate/listings/{group_id}"
    page = soup(mod.client.get(url).text)
    first = page.select("fieldset.meeting")[0]
    assert "every month on day 15" in first.get_text() and first.select_one("#s-meeting-0-weekday") is None
    values = _form(str(page))
    values["description"] = "A text a moderator changed, long enough to pass."
    assert mod.post(url, values, page=url).url.path == url
    assert _listing(mod.path, group_id)[0].meetings == [on_the_15th, TUESDAYS_IN_GENT]
    values["meeting-0-remove"] = "1"
    assert mod.post(url, values, page=url).url.path == url
    assert _listing(mod.path, group_id)[0].meetings == [TUESDAYS_IN_GENT]


def test_a_submission_from_the_first_form_shows_what_it_said_about_when(mod: Moderator) -> None:
    """Before meetings came row by row, the form asked how often and when in words (shape 1 in the inbox)."""
    old = (
        b'{"name":"Praatgroep","kind":"talk_circle","country":"BE","format":"in_person","description":'
        b'"A talk circle for people who care for someone.","city":"Gent","frequency":"weekly",'
        b'"schedule":"Tuesdays, 19:30","email":"a@example.org"}'
    )
    db.run_write(
        mod.path,
        lambda conn: conn.execute(
            "INSERT INTO submission (received, lang, doc) VALUES ('2026-11-01', 'nl', ?)", (old,)
        ),
    )
    submission_id = _rows(mod.path, "SELECT max(id) FROM submission")[0][0]
    mod.sign_in()
    assert mod.client.get("/moderate").status_code == 200
    url = f"/moderate/submissions/{submission_id}"
    page = mod.client.get(url)
    assert page.status_code == 200 and "“weekly · Tuesdays, 19:30”" in page.text
    assert mod.post(f"{url}/approve", _form(page.text), page=url).url.path == "/moderate/listings/praatgroep"


def test_imported_listings_wait_in_the_queue_as_imported_not_yet_confirmed(mod: Moderator) -> None:
    from server import imports, places

    record = {"name": "Nieuwe Dag", "slug": "nd-1", "day": 1, "time": "20:00", "city": "Leuven", "country": "BE"}
    items = [("[0]", record)]
    db.run_write(
        mod.path, lambda c: imports.run(c, "meeting-guide", "https://f.example/x.json", items, places.known_places())
    )
    mod.sign_in()
    page = soup(mod.client.get("/moderate").text)
    part = page.select_one("section[aria-labelledby=q-imported]")
    assert part is not None and "(1)" in part.h2.text and "Nieuwe Dag" in part.text
    assert "Nieuwe Dag" not in page.select_one("section[aria-labelledby=q-unconfirmed]").text

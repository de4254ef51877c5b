"""Open data: the HSDS 3.0 export and API, the Meeting Guide feed, and imports of both (server/hsds.py,
server/meeting_guide.py, server/imports.py). The feeds here are written from the fields the specs define; the
tests never read the specs themselves: a fresh clone of the project does not have them."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from litestar.testing import TestClient

from server import catalog, cli, db, hsds, imports, listings, loader, models, moderation, places, search
from server.app import create_app
from server.settings import Settings
from tests import fixtures
from tests.conftest import BASE_URL, build_db, soup

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PROVENANCE = {"checked_by", "last_checked", "source_date", "source"}  # an import says how *it* read the facts
KNOWN = places.known_places()
TODAY = search.today()


def groups(path: Path) -> dict[str, tuple[models.Group, str]]:
    rows = db.run_read(path, lambda c: c.execute("SELECT id, doc, origin FROM listing").fetchall())
    return {i: (msgspec.json.decode(d, type=models.Group), o) for i, d, o in rows}


def import_items(path: Path, fmt: str, items: list[Any], feed: str = "https://feed.example/x.json", **kw: Any):
    numbered = [(f"[{i}]", item) for i, item in enumerate(items)]
    return db.run_write(path, lambda conn: imports.run(conn, fmt, feed, numbered, KNOWN, **kw))


def write_json(tmp_path: Path, data: Any, name: str = "feed.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), "utf-8")
    return path


def _same_place(place: models.Place | None) -> models.Place | None:
    """A town named as its Kring place is named says nothing more: HSDS has one name for both (hsds.py)."""
    if place and place.city and place.place_id and place.city == KNOWN[place.place_id].name:
        return msgspec.structs.replace(place, city=None)
    return place


def without_provenance(group: models.Group) -> dict[str, Any]:
    meetings = [msgspec.structs.replace(m, place=_same_place(m.place)) for m in group.meetings]
    group = msgspec.structs.replace(group, place=_same_place(group.place), meetings=meetings)
    return {k: v for k, v in msgspec.structs.asdict(group).items() if k not in PROVENANCE}


# --- export ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, fixture_db: Path) -> Path:
    out = tmp_path_factory.mktemp("hsds")
    assert cli.main(["export", "hsds", str(out)], Settings(db=fixture_db)) == 0
    return out


def test_the_export_writes_every_kind_of_record_hsds_names(exported: Path, fixture_db: Path) -> None:
    names = {p.stem for p in exported.glob("*.json")}
    assert names >= {
        "services",
        "organizations",
        "locations",
        "service_at_locations",
        "schedules",
        "languages",
        "phones",
        "contacts",
        "cost_options",
        "accessibility",
        "attributes",
        "taxonomy_terms",
    }
    services = json.loads((exported / "services.json").read_text())
    stored = groups(fixture_db)
    assert len(services) == len(stored)
    for kind in ("schedules", "languages", "cost_options", "accessibility", "attributes"):
        assert json.loads((exported / f"{kind}.json").read_text()), f"the fixtures give {kind}"


def test_every_exported_record_has_the_fields_hsds_requires(exported: Path) -> None:
    """The required fields of HSDS 3.0's schemas (service.json, location.json, address.json, …), stated here."""
    required = {
        "services": ("id", "name", "status"),
        "organizations": ("id", "name", "description"),
        "locations": ("id", "location_type"),
        "phones": ("id", "number"),
        "taxonomy_terms": ("id", "name", "description"),
        "taxonomies": ("id", "name", "description"),
        **{
            k: ("id",)
            for k in ("schedules", "languages", "cost_options", "accessibility", "attributes", "service_at_locations")
        },
    }
    for kind, fields in required.items():
        for record in json.loads((exported / f"{kind}.json").read_text()):
            assert all(f in record for f in fields), (kind, record)
            assert UUID.match(record["id"]), (kind, record["id"])
    for service in json.loads((exported / "services.json").read_text()):
        assert service["status"] in ("active", "inactive", "defunct", "temporarily closed")
        dt.date.fromisoformat(service["assured_date"])
        for sal in service.get("service_at_locations", []):
            for address in sal["location"].get("addresses", []):
                assert all(f in address for f in ("address_1", "city", "state_province", "postal_code", "country"))
                assert address["address_type"] == "physical"
        for schedule in service.get("schedules", []):
            assert schedule.get("freq") in (None, "WEEKLY", "MONTHLY")
            assert schedule["service_at_location_id"] in {s["id"] for s in service["service_at_locations"]}


def test_ids_stay_the_same_from_one_export_to_the_next(exported: Path, fixture_db: Path, tmp_path: Path) -> None:
    assert cli.main(["export", "hsds", str(tmp_path)], Settings(db=fixture_db)) == 0
    for kind in ("services", "schedules", "locations", "attributes"):
        first = [r["id"] for r in json.loads((exported / f"{kind}.json").read_text())]
        assert first == [r["id"] for r in json.loads((tmp_path / f"{kind}.json").read_text())]


def test_assured_date_is_the_last_check_and_how_it_was_checked_goes_along(exported: Path, fixture_db: Path) -> None:
    stored = groups(fixture_db)
    terms = {t["id"]: t for t in json.loads((exported / "taxonomy_terms.json").read_text())}
    for service in json.loads((exported / "services.json").read_text()):
        found = {terms[a["taxonomy_term_id"]]["code"]: a["value"] for a in service["attributes"]}
        group = stored[found["kring_id"]][0]
        assert service["assured_date"] == group.last_checked.isoformat()
        assert found["checked_by"] == group.checked_by
        assert found["kind"] == group.kind
        assert service["id"] == hsds.uid("service", group.id)


# --- the round trip -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["fixture_db", "real_db"])
def test_export_then_import_into_an_empty_database_gives_the_same_listings(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    source = request.getfixturevalue(which)
    assert cli.main(["export", "hsds", str(tmp_path / "out")], Settings(db=source)) == 0
    empty = tmp_path / "empty.sqlite"
    feed = str(tmp_path / "out" / "services.json")
    assert cli.main(["import", "hsds", feed], Settings(db=empty)) == 0
    before, after = groups(source), groups(empty)
    # A listing whose every schedule has ended (a finished series) is the one thing an import leaves out.
    ended = {
        gid
        for gid, (g, _) in before.items()
        if g.meetings and all((m.until and m.until < TODAY) or (m.valid_to and m.valid_to < TODAY) for m in g.meetings)
    }
    assert ended == ({"test-workshop-liege"} if which == "fixture_db" else set())
    assert sorted(after) == sorted(set(before) - ended)
    for gid, (group, _) in before.items():
        if gid in ended:
            continue
        copy, origin = after[gid]
        assert without_provenance(copy) == without_provenance(group), gid  # listings, meetings, places, schedules
        assert (origin, copy.checked_by, copy.last_checked) == ("imported", "public_source", TODAY)
        assert copy.source_date == group.last_checked  # the feed's own date: its assured_date
    # The site on that database finds them near their places.
    snapshot = db.run_read(empty, catalog.build)
    assert all(
        snapshot.by_id[gid].points == p.points
        for gid, p in db.run_read(source, catalog.build).by_id.items()
        if gid in after
    )
    # The same feed again changes nothing.
    report = imports.import_feed(lambda fn: db.run_write(empty, fn), KNOWN, "hsds", feed)
    assert report.count("unchanged") == len(after) and report.count("added") == 0
    assert [line.why for line in report.lines if line.action == "skipped"] == ["every schedule has ended"] * len(ended)


def test_every_field_of_a_listing_survives_the_round_trip(tmp_path: Path) -> None:
    """A made-up listing with every field Kring has, through hsds.service and back."""
    group = fixtures.group(
        "be-every-field",
        "Every field",
        organization=None,
        themes=["grief", "relatives"],
        audience=["adults", "women"],
        format="hybrid",
        place=fixtures.place("be-gent", address="Kerkstraat 1", postcode="9000", lat=51.05, lon=3.72),
        languages=["nl", "fr"],
        led_by="mixed",
        membership="closed",
        registration="intake",
        cost="contribution",
        cost_text={"nl": "Vijf euro.", "fr": "Cinq euros.", "en": "Five euros."},
        reimbursement={"en": "Not reimbursed."},
        contact=models.Contact(website="https://every.example", email="info@every.example", phone="09 123 45 67"),
        accessibility=models.Accessibility(wheelchair=True, hearing_loop=False, notes={"en": "A ramp at the back."}),
        description={"nl": "Alles.", "fr": "Tout.", "en": "Everything."},
        meetings=[
            fixtures.meeting(
                freq="monthly",
                byday=["-1FR"],
                opens_at="19:00",
                closes_at="21:00",
                not_on=[TODAY + dt.timedelta(days=30)],
                notes={"nl": "n", "fr": "f", "en": "e"},
            ),
            fixtures.meeting(freq="weekly", interval=2, byday=["TU"], dtstart=TODAY, count=8, online=True),
            fixtures.meeting(
                freq="monthly",
                bymonthday=[15],
                valid_from=TODAY,
                valid_to=TODAY + dt.timedelta(days=300),
                place=fixtures.place("be-aalst", city="Erembodegem"),
            ),
            fixtures.meeting(
                place=fixtures.place("be-gent", address="Kerkstraat 1", postcode="9000", lat=51.05, lon=3.72)
            ),
        ],
    )
    service = msgspec.json.decode(msgspec.json.encode(hsds.service(group, None, KNOWN)))
    assert service["phones"][0]["number"] == "09 123 45 67" and service["email"] == "info@every.example"
    report = import_items(tmp_path / "k.sqlite", "hsds", [service])
    assert report.lines[0].action == "added", report.lines[0]
    copy = groups(tmp_path / "k.sqlite")["be-every-field"][0]
    assert without_provenance(copy) == without_provenance(group)


# --- the HSDS API ---------------------------------------------------------------------------------------------


def test_the_api_root_says_its_version_and_schema(fclient: TestClient) -> None:
    root = fclient.get("/api/hsds/").json()
    assert root["version"] == "3.0" and root["openapi_url"].endswith("/schema/openapi.json")


def test_services_come_a_page_at_a_time(fclient: TestClient, fixture_db: Path) -> None:
    total = len(groups(fixture_db))
    first = fclient.get("/api/hsds/services", params={"per_page": 3}).json()
    assert (first["total_items"], first["size"], first["page_number"]) == (total, 3, 1)
    assert first["first_page"] and not first["last_page"] and first["total_pages"] == -(-total // 3)
    seen = [
        s["id"]
        for p in range(1, first["total_pages"] + 1)
        for s in fclient.get("/api/hsds/services", params={"per_page": 3, "page": p}).json()["contents"]
    ]
    assert len(seen) == len(set(seen)) == total
    last = fclient.get("/api/hsds/services", params={"per_page": 3, "page": first["total_pages"]}).json()
    assert last["last_page"] and not last["first_page"]
    assert fclient.get("/api/hsds/services", params={"per_page": 0}).status_code == 400


def test_modified_after_gives_only_what_changed_since(tmp_path: Path) -> None:
    path = build_db(tmp_path / "k.sqlite", fixtures.dataset())
    ids = sorted(groups(path))
    db.run_write(path, lambda c: c.execute("UPDATE listing SET modified = '2020-01-01T00:00:00Z'"))
    db.run_write(
        path, lambda c: c.execute("UPDATE listing SET modified = '2026-06-01T12:00:00Z' WHERE id = ?", (ids[0],))
    )
    db.run_write(path, listings.refresh_version)
    with TestClient(create_app(Settings(db=path)), base_url=BASE_URL) as c:
        answer = c.get("/api/hsds/services", params={"modified_after": "2026-06-01T12:00:00Z"}).json()
        assert [s["id"] for s in answer["contents"]] == [hsds.uid("service", ids[0])]
        assert answer["contents"][0]["last_modified"] == "2026-06-01T12:00:00Z"
        later = c.get("/api/hsds/services", params={"modified_after": "2026-06-01T14:00:01+02:00"}).json()
        assert later["total_items"] == 0  # 12:00:01 UTC
        assert c.get("/api/hsds/services", params={"modified_after": "2019-12-31T00:00:00Z"}).json()[
            "total_items"
        ] == len(ids)
        bad = c.get("/api/hsds/services", params={"modified_after": "last week"})
        assert bad.status_code == 400 and "modified_after" in bad.json()["detail"]


def test_a_service_and_an_organization_by_id(fclient: TestClient, fixture_db: Path) -> None:
    gid = sorted(groups(fixture_db))[0]
    by_uuid = fclient.get(f"/api/hsds/services/{hsds.uid('service', gid)}").json()
    assert by_uuid == fclient.get(f"/api/hsds/services/{gid}").json()
    assert fclient.get("/api/hsds/services/no-such-service").status_code == 404
    orgs = fclient.get("/api/hsds/organizations").json()
    assert orgs["total_items"] == len(orgs["contents"]) > 0
    one = orgs["contents"][0]
    assert fclient.get(f"/api/hsds/organizations/{one['id']}").json() == one
    assert fclient.get("/api/hsds/organizations/nobody").status_code == 404


def test_the_feeds_are_in_the_openapi_schema(fclient: TestClient) -> None:
    paths = fclient.get("/schema/openapi.json").json()["paths"]
    for path in (
        "/api/hsds/services",
        "/api/hsds/services/{service_id}",
        "/api/hsds/organizations",
        "/api/hsds/organizations/{organization_id}",
        "/api/meeting-guide.json",
    ):
        assert path in paths
    names = {p["name"] for p in paths["/api/hsds/services"]["get"]["parameters"]}
    assert {"page", "per_page", "modified_after"} <= names


# --- the Meeting Guide feed -----------------------------------------------------------------------------------


def test_the_meeting_guide_feed_has_every_weekly_meeting_with_a_time(fclient: TestClient, fixture_db: Path) -> None:
    feed = fclient.get("/api/meeting-guide.json").json()
    expected = {
        f"{g.id}-{i + 1}"
        for g, _ in groups(fixture_db).values()
        if g.status == "active" and not search.is_hidden(g.last_checked, TODAY)
        for i, m in enumerate(g.meetings)
        if m.freq == "weekly"
        and m.interval == 1
        and m.opens_at
        and all(len(d) == 2 for d in m.byday)
        and not any(d and d < TODAY for d in (m.until, m.valid_to))
    }
    assert expected and {m["slug"] for m in feed} == expected
    for m in feed:
        assert m["name"] and re.match(r"^\d\d:\d\d$", m["time"])
        assert all(0 <= d <= 6 for d in m["day"])
        assert m["url"].startswith("http") and m["timezone"] in ("Europe/Brussels", "Europe/Amsterdam")
    stored = groups(fixture_db)
    for m in feed:
        group = stored[m["slug"].rsplit("-", 1)[0]][0]
        meeting = group.meetings[int(m["slug"].rsplit("-", 1)[1]) - 1]
        days = {"SU": 0, "MO": 1, "TU": 2, "WE": 3, "TH": 4, "FR": 5, "SA": 6}
        assert m["day"] == [days[d] for d in meeting.byday]
        assert ("X" in m["types"]) == bool(group.accessibility.wheelchair)
        assert ("O" in m["types"]) == (group.membership == "open")
        for code, t in (("nl", "NL"), ("fr", "FR"), ("en", "EN")):
            assert (t in m["types"]) == (code in group.languages)
        assert group.last_checked.isoformat() in m["notes"]
        assert ("ask the organizer" in m["notes"]) == (group.checked_by == "public_source")


# --- imports: good feeds --------------------------------------------------------------------------------------


def other_service(**changes: Any) -> dict[str, Any]:
    """An HSDS service as another system writes it: no Kring attributes, schedules at its location."""
    service = {
        "id": "a3f2c1d0-0000-4000-8000-000000000001",
        "name": "Gespreksgroep rouw Gent",
        "description": "Een groep voor wie iemand verloor.",
        "status": "active",
        "url": "https://rouw.example.be/gent",
        "assured_date": "2026-10-01",
        "languages": [{"id": "l1", "code": "nl", "name": "Dutch"}],
        "organization": {"id": "o1", "name": "Rouwgroepen Voorbeeld", "description": "Een voorbeeld."},
        "service_at_locations": [
            {
                "id": "sal1",
                "location": {
                    "id": "loc1",
                    "location_type": "physical",
                    "name": "Buurtcentrum",
                    "addresses": [
                        {
                            "id": "a1",
                            "address_1": "Kerkstraat 1",
                            "city": "Gent",
                            "state_province": "Oost-Vlaanderen",
                            "postal_code": "9000",
                            "country": "BE",
                            "address_type": "physical",
                        }
                    ],
                },
                "schedules": [
                    {"id": "s1", "freq": "MONTHLY", "byday": "2TU", "opens_at": "19:30", "closes_at": "21:00"}
                ],
            }
        ],
    }
    service.update(changes)
    return service


def meeting(**changes: Any) -> dict[str, Any]:
    record = {
        "name": "Nieuwe Dag",
        "slug": "nieuwe-dag-3",
        "day": [1, 4],
        "time": "20:00",
        "end_time": "21:30",
        "timezone": "Europe/Brussels",
        "types": ["O", "NL", "X", "SP"],
        "notes": "Bel aan.",
        "address": "Stationsstraat 10",
        "city": "Leuven",
        "postal_code": "3000",
        "country": "Belgium",
        "updated": "2026-11-02 10:00:00",
    }
    record.update(changes)
    return record


def test_a_service_from_another_system_becomes_a_listing(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite"
    report = import_items(path, "hsds", [other_service()], kind="support_group")
    assert [line.action for line in report.lines] == ["added"]
    group, origin = groups(path)[report.lines[0].listing]
    assert origin == "imported" and group.checked_by == "public_source" and group.source_date == dt.date(2026, 10, 1)
    assert group.place == models.Place(address="Kerkstraat 1", postcode="9000", place_id="be-gent")
    assert (
        group.format == "in_person"
        and group.languages == ["nl"]
        and group.description == {"nl": "Een groep voor wie iemand verloor."}
    )
    assert [(m.freq, m.byday, m.opens_at, m.closes_at, m.place) for m in group.meetings] == [
        ("monthly", ["2TU"], "19:30", "21:00", None)
    ]
    assert group.organization and group.source == "https://feed.example/x.json"  # where it was read
    org = db.run_read(
        path, lambda c: c.execute("SELECT origin FROM organization WHERE id = ?", (group.organization,)).fetchone()
    )
    assert org == ("imported",)


def test_a_service_without_a_kind_needs_one_from_the_command(tmp_path: Path) -> None:
    report = import_items(tmp_path / "k.sqlite", "hsds", [other_service()])
    assert report.lines[0].action == "skipped" and "--kind" in report.lines[0].why


def test_hsds_accepts_one_service_a_page_or_a_list(tmp_path: Path) -> None:
    shapes = {
        "one": other_service(),
        "page": {
            "total_items": 2,
            "total_pages": 1,
            "page_number": 1,
            "size": 2,
            "contents": [
                other_service(),
                other_service(id="a3f2c1d0-0000-4000-8000-000000000002", name="Tweede groep"),
            ],
        },
        "list": [other_service()],
    }
    for name, shape in shapes.items():
        path = tmp_path / f"{name}.sqlite"
        feed = write_json(tmp_path, shape, f"{name}.json")
        write = lambda fn, path=path: db.run_write(path, fn)  # noqa: E731
        report = imports.import_feed(write, KNOWN, "hsds", str(feed), kind="talk_circle")
        assert report.count("added") == (2 if name == "page" else 1), name


def test_a_meeting_guide_feed_becomes_listings(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite"
    online = meeting(
        slug=17,
        name="Online Sunday",
        day=0,
        time="10:00",
        conference_url="https://meet.example/x",
        address=None,
        city=None,
        postal_code=None,
        country=None,
        formatted_address="Antwerpen, Belgium",
    )
    formatted = meeting(
        slug="f1",
        address=None,
        city=None,
        postal_code=None,
        country=None,
        formatted_address="Oudegracht 5, 3511 AB Utrecht, Netherlands",
        name="Utrecht groep",
        timezone=None,
        day=3,
    )
    report = import_items(path, "meeting-guide", [meeting(), online, formatted])
    assert [line.action for line in report.lines] == ["added"] * 3
    assert "'SP' not kept" in report.lines[0].why
    by_name = {g.name: g for g, _ in groups(path).values()}
    g = by_name["Nieuwe Dag"]
    assert (g.kind, g.membership, g.languages, g.accessibility.wheelchair) == ("support_group", "open", ["nl"], True)
    assert g.place == models.Place(address="Stationsstraat 10", postcode="3000", city="Leuven")
    assert [(m.freq, m.byday, m.opens_at, m.closes_at) for m in g.meetings] == [
        ("weekly", ["MO", "TH"], "20:00", "21:30")
    ]
    assert g.source_date == dt.date(2026, 11, 2) and g.checked_by == "public_source"
    sunday = by_name["Online Sunday"]
    assert sunday.format == "hybrid" and [m.online for m in sunday.meetings] == [False, True]
    assert sunday.meetings[0].byday == ["SU"]
    utrecht = next(x for x in by_name.values() if x.place and x.place.postcode == "3511 AB")
    assert (
        utrecht.country == "NL"
        and utrecht.place.city == "Utrecht"
        and utrecht.meetings[0].timezone == "Europe/Amsterdam"
    )


def test_importing_again_updates_the_same_listing(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite"
    first = import_items(path, "meeting-guide", [meeting()])
    again = import_items(path, "meeting-guide", [meeting()])
    assert again.lines[0].action == "unchanged" and again.lines[0].listing == first.lines[0].listing
    changed = import_items(path, "meeting-guide", [meeting(time="19:00")])
    assert changed.lines[0].action == "updated"
    assert len(groups(path)) == 1
    assert groups(path)[first.lines[0].listing][0].meetings[0].opens_at == "19:00"
    other_feed = import_items(path, "meeting-guide", [meeting()], feed="https://other.example/feed.json")
    assert other_feed.lines[0].action == "added" and len(groups(path)) == 2  # (feed, id) is the key


# --- imports: what is skipped, and why ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (meeting(country="France", city="Lille", postal_code="59000"), "not in Belgium or the Netherlands"),
        (meeting(day=7), "day 7 does not exist"),
        (meeting(time="25:00"), "'25:00' is not a time of day"),
        (meeting(timezone="America/New_York"), "not Belgium's or the Netherlands'"),
        (meeting(address=None, city=None, postal_code=None, country=None), "does not say where it meets"),
        ({"slug": "x", "day": 1}, "name"),  # a missing required field
        (meeting(day="Monday"), "Expected `int"),  # the wrong type
        (meeting(latitude=10.0, longitude=10.0), "not in Belgium or the Netherlands"),
    ],
)
def test_a_meeting_guide_record_kring_cannot_use_is_skipped_with_its_reason(
    tmp_path: Path, record: dict[str, Any], reason: str
) -> None:
    path = tmp_path / "k.sqlite"
    report = import_items(path, "meeting-guide", [record, meeting(slug="good")])
    assert [line.action for line in report.lines] == ["skipped", "added"]
    assert reason in report.lines[0].why, report.lines[0].why


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {
                "service_at_locations": [
                    {
                        "id": "s",
                        "location": {
                            "id": "l",
                            "location_type": "physical",
                            "addresses": [
                                {
                                    "id": "a",
                                    "address_1": "Rue 1",
                                    "city": "Lille",
                                    "state_province": "",
                                    "postal_code": "59000",
                                    "country": "FR",
                                    "address_type": "physical",
                                }
                            ],
                        },
                    }
                ]
            },
            "not in Belgium or the Netherlands",
        ),
        (
            {
                "schedules": [
                    {
                        "id": "s",
                        "freq": "WEEKLY",
                        "byday": "MO",
                        "until": "2020-01-01",
                        "service_at_location_id": "sal1",
                    }
                ]
            },
            "every schedule has ended",
        ),
        ({"schedules": [{"id": "s", "freq": "WEEKLY", "byday": "XX", "service_at_location_id": "sal1"}]}, "byday"),
        (
            {
                "schedules": [
                    {"id": "s", "freq": "WEEKLY", "byday": "MO", "opens_at": "24:30", "service_at_location_id": "sal1"}
                ]
            },
            "opens_at",
        ),
        ({"status": "defunct"}, "defunct"),
        ({"name": 12}, "Expected `str`"),
    ],
)
def test_an_hsds_service_kring_cannot_use_is_skipped_with_its_reason(
    tmp_path: Path, changes: dict[str, Any], reason: str
) -> None:
    if "schedules" in changes:  # the service's only place, with these schedules instead of its own
        sal = {**other_service()["service_at_locations"][0], "schedules": changes.pop("schedules")}
        changes["service_at_locations"] = [sal]
    report = import_items(tmp_path / "k.sqlite", "hsds", [other_service(**changes)], kind="support_group")
    assert report.lines[0].action == "skipped" and reason in report.lines[0].why, report.lines[0].why


def test_an_ended_schedule_is_left_out_and_said(tmp_path: Path) -> None:
    sal = other_service()["service_at_locations"][0]
    ended = {"id": "old", "freq": "WEEKLY", "byday": "MO", "valid_to": "2021-06-30"}
    sal["schedules"] = [ended, *sal["schedules"]]
    report = import_items(
        tmp_path / "k.sqlite", "hsds", [other_service(service_at_locations=[sal])], kind="support_group"
    )
    assert report.lines[0].action == "added" and "schedule 1 left out: it has ended" in report.lines[0].why
    assert [m.byday for m in groups(tmp_path / "k.sqlite")[report.lines[0].listing][0].meetings] == [["2TU"]]


def test_stop_at_the_first_error_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite"
    feed = write_json(tmp_path, [meeting(slug="a"), meeting(slug="b", day=9), meeting(slug="c")])
    write = lambda fn: db.run_write(path, fn)  # noqa: E731
    stopped = imports.import_feed(write, KNOWN, "meeting-guide", str(feed), stop_at_first_error=True)
    assert not stopped.written and [line.action for line in stopped.lines] == ["added", "skipped"]
    assert groups(path) == {}
    everything = imports.import_feed(write, KNOWN, "meeting-guide", str(feed))
    assert everything.written and [line.action for line in everything.lines] == ["added", "skipped", "added"]
    assert len(groups(path)) == 2


def test_an_import_never_writes_over_what_a_moderator_decided(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite"
    first = import_items(path, "meeting-guide", [meeting()])
    gid = first.lines[0].listing
    db.run_write(path, lambda c: moderation.mark_checked(c, "ilse", gid, KNOWN, TODAY))  # phoned the organizer
    checked = groups(path)[gid][0]
    assert checked.checked_by == "moderator"
    report = import_items(path, "meeting-guide", [meeting(time="18:00")])
    assert report.lines[0].action == "skipped" and "edited by a moderator" in report.lines[0].why
    assert groups(path)[gid][0] == checked and len(groups(path)) == 1


def test_an_import_never_writes_over_a_listing_of_data(tmp_path: Path, real_data: loader.Dataset) -> None:
    path = build_db(tmp_path / "k.sqlite", real_data)
    ours = real_data.groups[0]
    service = hsds.service(ours, None, KNOWN)
    renamed = msgspec.json.decode(msgspec.json.encode(msgspec.structs.replace(service, name="Something else")))
    report = import_items(path, "hsds", [renamed])
    assert report.lines[0].action == "skipped" and "curated in data/" in report.lines[0].why
    assert groups(path)[ours.id][0].name == ours.name


# --- malformed feeds change nothing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'[{"name": "x", "slug": ', "not valid JSON"),
        (b"<!doctype html><html><body>Meetings</body></html>", "HTML or XML, not JSON"),
        ('[{"name": "Caf\u00e9"}]'.encode("latin-1"), "not UTF-8"),
        (b'{"meetings": []}', "JSON array of meetings, not an object"),
        (b"", "empty"),
    ],
)
def test_a_malformed_feed_gets_a_clear_message_and_changes_nothing(tmp_path: Path, body: bytes, message: str) -> None:
    path = build_db(tmp_path / "k.sqlite", fixtures.dataset())
    before = groups(path)
    feed = tmp_path / "feed.json"
    feed.write_bytes(body)
    with pytest.raises(imports.FeedError, match=message):
        imports.import_feed(lambda fn: db.run_write(path, fn), KNOWN, "meeting-guide", str(feed))
    assert groups(path) == before


def test_a_200_mb_file_is_refused_before_it_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = tmp_path / "huge.json"
    with feed.open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: no disk is used
    assert cli.main(["import", "meeting-guide", str(feed)], Settings(db=tmp_path / "k.sqlite")) == 1
    assert "more than the limit" in capsys.readouterr().err


def test_addresses_are_https_only(tmp_path: Path) -> None:
    with pytest.raises(imports.FeedError, match="only https://"):
        list(imports.records("http://feed.example/meetings.json", "meeting-guide"))


def serve(routes: dict[str, Any]) -> httpx.MockTransport:
    """A pretend web server: path and query -> (status, body, headers)."""

    def handle(request: httpx.Request) -> httpx.Response:
        key = request.url.raw_path.decode()
        if key not in routes:
            return httpx.Response(404)
        answer = routes[key]
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        content = json.dumps(body).encode() if isinstance(body, dict | list) else body
        return httpx.Response(status, content=content, headers=headers)

    return httpx.MockTransport(handle)


def test_an_hsds_api_base_address_is_followed_page_by_page(tmp_path: Path) -> None:
    def page(n: int, items: list[dict[str, Any]]) -> tuple[int, dict[str, Any], dict[str, str]]:
        body = {
            "total_items": 3,
            "total_pages": 2,
            "page_number": n,
            "size": len(items),
            "first_page": n == 1,
            "last_page": n == 2,
            "empty": False,
            "contents": items,
        }
        return 200, body, {}

    ids = [f"a3f2c1d0-0000-4000-8000-00000000000{i}" for i in range(3)]
    transport = serve(
        {
            "/hsds": (200, {"version": "3.0", "profile": "https://x", "openapi_url": "https://x"}, {}),
            "/hsds/services?page=1&full=true": page(
                1, [other_service(id=ids[0]), other_service(id=ids[1], name="Groep B")]
            ),
            "/hsds/services?page=2&full=true": page(2, [other_service(id=ids[2], name="Groep C")]),
        }
    )
    path = tmp_path / "k.sqlite"
    report = imports.import_feed(
        lambda fn: db.run_write(path, fn),
        KNOWN,
        "hsds",
        "https://dir.example/hsds",
        kind="support_group",
        transport=transport,
    )
    assert report.count("added") == 3
    assert {g.source for g, _ in groups(path).values()} == {"https://dir.example/hsds"}


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((404, b"", {}), "answered 404"),
        ((200, b"x" * 100, {"content-length": str(300 * 1024 * 1024)}), "more than the limit"),
        (httpx.ReadTimeout("slow"), "no answer within"),
        ((200, b"<html>Not found</html>", {"content-type": "text/html"}), "HTML or XML"),
    ],
)
def test_a_feed_address_that_fails_changes_nothing(tmp_path: Path, answer: Any, message: str) -> None:
    transport = serve({"/feed.json": answer})
    with pytest.raises(imports.FeedError, match=message):
        list(imports.records("https://feed.example/feed.json", "meeting-guide", transport))


def test_a_body_larger_than_the_limit_is_cut_off_while_it_comes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_BYTES", 1000)
    chunks = (b"[" if i == 0 else b" " * 100 for i in range(50))  # streamed: no Content-Length
    transport = serve({"/feed.json": (200, chunks, {})})
    with pytest.raises(imports.FeedError, match="more than the limit of 1,000 bytes"):
        list(imports.records("https://feed.example/feed.json", "meeting-guide", transport))


def test_the_command_prints_each_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = write_json(tmp_path, [meeting(), meeting(slug="bad", day=8)])
    assert cli.main(["import", "meeting-guide", str(feed)], Settings(db=tmp_path / "k.sqlite")) == 0
    out = capsys.readouterr().out
    assert re.search(r"^added \[0\] 'nieuwe-dag-3' as nieuwe-dag-", out, re.M)
    assert re.search(r"^skipped \[1\] 'bad': day 8 does not exist", out, re.M)
    assert "1 added, 0 updated, 0 unchanged, 1 skipped" in out


# --- for people: the queue, the about page, and the readers while an import runs ------------------------------


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_the_about_page_links_to_the_feeds_and_names_the_licence(client: TestClient, lang: str) -> None:
    page = soup(client.get(f"/{lang}/about").text)
    links = {a["href"] for a in page.select("a")}
    assert {"/api/hsds/services", "/api/meeting-guide.json", "https://creativecommons.org/licenses/by/4.0/"} <= links
    assert page.select_one("#open-data").text.strip()
    for href in ("/api/hsds/services", "/api/meeting-guide.json"):
        assert client.get(href).status_code == 200


def test_readers_keep_working_while_imports_run(tmp_path: Path) -> None:
    path = build_db(tmp_path / "k.sqlite", fixtures.dataset())
    feed = write_json(
        tmp_path, [meeting(slug=f"m{i}", name=f"Groep {i}", time=f"{8 + i % 12:02d}:00") for i in range(40)]
    )
    done = threading.Event()
    errors: list[BaseException] = []

    def importing() -> None:
        try:
            for _ in range(5):
                imports.import_feed(lambda fn: db.run_write(path, fn), KNOWN, "meeting-guide", str(feed))
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    with TestClient(create_app(Settings(db=path)), base_url=BASE_URL) as c:
        worker = threading.Thread(target=importing)
        worker.start()
        answers = []
        while not done.is_set() and len(answers) < 2000:
            answers.append(c.get("/en/groups/results", params={"q": f"groep {len(answers) % 7}"}).status_code)
            answers.append(c.get("/api/hsds/services", params={"per_page": 5}).status_code)
        worker.join(60)
        assert not errors and answers and set(answers) == {200}
    assert sum(origin == "imported" for _, origin in groups(path).values()) == 40


def test_a_stored_listing_gets_a_modified_time_only_when_it_changes(tmp_path: Path, real_data: loader.Dataset) -> None:
    path = build_db(tmp_path / "k.sqlite", real_data)
    first = dict(db.run_read(path, lambda c: c.execute("SELECT id, modified FROM listing").fetchall()))
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", m) for m in first.values())
    db.run_write(path, lambda c: c.execute("UPDATE listing SET modified = '2001-01-01T00:00:00Z'"))
    db.run_write(path, lambda conn: loader.load(conn, real_data))  # the same files again
    again = dict(db.run_read(path, lambda c: c.execute("SELECT id, modified FROM listing").fetchall()))
    assert set(again.values()) == {"2001-01-01T00:00:00Z"}


def test_the_snapshot_knows_every_organization(fixture_db: Path) -> None:
    """Also one without a listing: /api/hsds/organizations lists them all."""
    snapshot = db.run_read(fixture_db, catalog.build)
    stored = db.run_read(fixture_db, lambda c: {r[0] for r in c.execute("SELECT id FROM organization")})
    assert set(snapshot.organizations) == stored

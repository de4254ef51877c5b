"""Who checked the facts (checked_by), said in plain words on the group page and in the API; the moderators'
queue lists what no organizer or moderator has confirmed; `kring check` sums the listings up per region; and
the data files' own rules (https sources, known organizations, online only where a source says so)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import msgspec
import pytest

from server import cli, db, loader, models, search
from tests import fixtures
from tests.conftest import DATA, soup

# group id -> the words its page says about the check, per language (tests/fixtures.py gives each a checker).
SAID = {
    "test-rouwgroep-gent": {
        "nl": "Bevestigd door de organisator op",
        "fr": "Confirmé par l'organisateur le",
        "en": "Confirmed by the organizer on",
    },
    "test-therapy-utrecht": {
        "nl": "Een moderator van Kring heeft deze gegevens op",
        "fr": "Un modérateur de Kring a vérifié ces informations avec l'organisateur le",
        "en": "A Kring moderator confirmed these facts with the organizer on",
    },
    "test-angst-online": {
        "nl": "Overgenomen van een openbare webpagina, gelezen op",
        "fr": "Repris d'une page web publique, lue le",
        "en": "Taken from a public web page, read on",
    },
}
UNCONFIRMED = {
    "nl": "Geen organisator heeft deze gegevens al aan Kring bevestigd.",
    "fr": "Aucun organisateur n'a encore confirmé ces informations à Kring.",
    "en": "No organizer has confirmed these facts to Kring yet.",
}


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
@pytest.mark.parametrize("group_id", list(SAID))
def test_the_group_page_says_who_checked_and_when(fclient, group_id: str, lang: str) -> None:
    group = next(g for g in fixtures.groups() if g.id == group_id)
    box = soup(fclient.get(f"/{lang}/groups/{group_id}").text).select_one(".provenance")
    text = " ".join(box.get_text(" ").split())
    assert box["data-checked-by"] == group.checked_by
    assert SAID[group_id][lang] in text
    assert (UNCONFIRMED[lang] in text) == (group.checked_by == "public_source")
    day = str(group.last_checked.day)
    assert day in text and str(group.last_checked.year) in text
    # A public page's own date is said where the data has one, and only there.
    dated = {"nl": "Die pagina zelf draagt de datum", "fr": "Cette page elle-même est datée", "en": "That page itself"}
    assert (dated[lang] in text) == (group.source_date is not None)


def test_the_api_says_who_checked(fclient) -> None:
    detail = fclient.get("/api/v1/groups/test-therapy-utrecht").json()
    assert detail["checked_by"] == "moderator"
    dated = fclient.get("/api/v1/groups/test-angst-online").json()
    assert dated["checked_by"] == "public_source"
    assert dated["source_date"] == fixtures.checked(9).isoformat()
    summaries = {g["id"]: g["checked_by"] for g in fclient.get("/api/v1/groups?q=").json()["items"]}
    assert summaries["test-rouwgroep-gent"] == "organizer" and summaries["test-angst-online"] == "public_source"
    schema = fclient.get("/schema/openapi.json").json()["components"]["schemas"]
    summary = next(v for k, v in schema.items() if k.endswith("GroupSummary"))
    assert "checked_by" in summary["required"]
    assert set(summary["properties"]["checked_by"]["enum"]) == {"organizer", "moderator", "public_source"}


def test_a_database_from_before_gets_checked_by(tmp_path: Path) -> None:
    """Migration 0007: docs stored without checked_by get it from their origin, and decode as Groups again."""
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    for number, sql in db.migrations():
        if number > 6:
            break
        conn.executescript(sql)
        conn.execute(f"PRAGMA user_version = {number}")
    group = msgspec.to_builtins(fixtures.groups()[0])
    del group["checked_by"]
    for listing_id, origin in (("from-data", "data"), ("from-form", "submitted"), ("edited", "moderated")):
        raw = msgspec.json.encode({**group, "id": listing_id})
        conn.execute(
            "INSERT INTO listing (id, status, origin, last_checked, doc) VALUES (?, 'active', ?, '2026-01-01', ?)",
            (listing_id, origin, raw),
        )
    conn.commit()
    db.migrate(conn)
    decoder = msgspec.json.Decoder(models.Group)
    found = {row[0]: decoder.decode(row[1]).checked_by for row in conn.execute("SELECT id, doc FROM listing")}
    assert found == {"from-data": "public_source", "from-form": "organizer", "edited": "public_source"}
    assert all(isinstance(row[0], bytes) for row in conn.execute("SELECT doc FROM listing"))


def test_kring_check_sums_up_each_region(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    assert cli.main(["check", str(data)]) == 0
    out = capsys.readouterr().out
    table = out.split("\n\n", 1)[1].splitlines()
    assert table[0].split()[:6] == ["region", "listings", "town", "schedule", "contact", "confirmed"]
    rows = {line.split()[0]: line.split()[1:] for line in table[1:]}
    real = loader.read(data)
    for region in {path.stem for path in (data / "groups").glob("*.toml")}:
        mine = [g for g in real.groups if real.regions[g.id] == region]
        assert int(rows[region][0]) == len(mine)
        assert int(rows[region][2]) == sum(any(m.freq for m in g.meetings) for g in mine)
        assert int(rows[region][4]) == sum(g.checked_by != "public_source" for g in mine)
        assert rows[region][5] == min(g.last_checked for g in mine).isoformat()
    assert int(rows["total"][0]) == len(real.groups)


def test_the_summary_counts_towns_schedules_contacts_and_confirmations() -> None:
    data = loader.Dataset(groups=fixtures.groups(), regions={g.id: "here" for g in fixtures.groups()})
    here, total = loader.summary(data)
    assert (
        here.region == "here" and total.region == "total" and here.listings == total.listings == len(fixtures.groups())
    )
    groups = fixtures.groups()
    assert here.confirmed == 2  # the organizer's and the moderator's
    assert here.schedule == sum(any(m.freq for m in g.meetings) for g in groups)
    assert here.oldest == min(g.last_checked for g in groups)
    town = [g.id for g in groups if g.format != "online" and (g.place or any(m.place for m in g.meetings))]
    assert here.town == len(town)


# --- the real data's own rules -------------------------------------------------------------------------------

# Each listing that meets online, with the words of its source that say so (read on the page in `source`,
# or the meeting's own source). A listing made online without a line here fails: say where the source says it.
ONLINE = {
    # bipolarite.org: "Annick apporte son expérience dans les groupes de parole en ligne"
    "be-le-funambule-en-ligne": "dans les groupes de parole en ligne",
    # upday, 2025-10-03, on 113: "Bel dan 24/7 gratis en anoniem 113 of chat op 113.nl"
    "nl-113-zelfmoordpreventie": "of chat op 113.nl",
    # mindkorrelatie.nl/voorwaarden/privacy-statement
    "nl-mind-korrelatie": "biedt door middel van brief, chat, telefonie, mail en WhatsApp hulp",
    # the listing's source, naastencentraal.nl
    "nl-mind-naasten-centraal-online": "verschillende online gespreksgroepen",
    # movisie.nl, on OCDcafé
    "nl-ocdcafe-online-groepen": "met vaste regelmaat kunnen deelnemen aan Zoom bijeenkomsten",
    # icthealth.nl, 2021-03, on ADF's BibberBar
    "nl-adf-bibberbar": "een virtuele, online, ontmoetingsplek waar regelmatig bijeenkomsten, via Zoom, gehouden worden",
}


def test_every_listing_has_an_https_source_and_a_known_organization(real_data: loader.Dataset) -> None:
    organizations = {o.id for o in real_data.organizations}
    for group in real_data.groups:
        # A meeting's own source may be an organizer's page that is served only over http (Ups & Downs').
        assert group.source.startswith("https://"), group.id
        assert all((m.source or group.source).startswith(("https://", "http://")) for m in group.meetings), group.id
        assert group.organization is None or group.organization in organizations, group.id
    for org in real_data.organizations:
        assert org.source.startswith("https://"), org.id


def test_no_listing_is_online_unless_its_source_says_so(real_data: loader.Dataset) -> None:
    online = {g.id for g in real_data.groups if g.format in ("online", "hybrid") or any(m.online for m in g.meetings)}
    assert online == set(ONLINE), "record in ONLINE the words of the source that say the group meets online"
    assert all(len(quote.split()) >= 3 for quote in ONLINE.values()), "each needs the source's own words"


def test_every_record_says_who_checked_it(real_data: loader.Dataset) -> None:
    today = search.today()
    for record in [*real_data.groups, *real_data.organizations]:
        assert record.checked_by in ("organizer", "moderator", "public_source"), record.id
        assert record.last_checked <= today
    for line in real_data.crisis_lines:
        assert line.checked_by == "public_source" and line.source.startswith("https://"), line.id

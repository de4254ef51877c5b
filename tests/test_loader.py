"""kring check / kring load: the real data passes; a bad file is refused whole and the database stays as it was."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from server import cli, db, loader
from tests.conftest import DATA

GOOD = """[[group]]
id = "test-good"
name = "A good group"
kind = "support_group"
country = "BE"
format = "in_person"
place.place_id = "be-gent"
source = "test fixture"
checked_by = "public_source"
last_checked = 2026-01-01
"""
# A meeting, to append to GOOD (its header is on line 12 of GOOD + MEETING, its fields on 13 to 15).
MEETING = """
[[group.meetings]]
freq = "weekly"
byday = ["TU"]
opens_at = "19:30"
"""


def test_real_data_passes_and_every_listing_has_source_and_last_checked(real_data: loader.Dataset) -> None:
    assert len(real_data.groups) >= 15
    assert len(real_data.crisis_lines) >= 17
    for g in real_data.groups:
        assert g.source and g.last_checked, g.id
    countries = {g.country for g in real_data.groups}
    assert countries == {"BE", "NL"}


def test_crisis_lines_named_in_the_design_are_there(real_data: loader.Dataset) -> None:
    numbers = {(line.country, line.phone.tel) for line in real_data.crisis_lines}
    for expected in [
        ("BE", "112"),
        ("BE", "1813"),
        ("BE", "080032123"),
        ("BE", "106"),
        ("BE", "107"),
        ("BE", "108"),
        ("BE", "102"),
        ("BE", "103"),
        ("BE", "1712"),
        ("BE", "070245245"),
        ("BE", "1733"),
        ("BE", "026484014"),
        ("BE", "080030030"),
        ("BE", "116000"),
        ("NL", "112"),
        ("NL", "113"),
        ("NL", "08000113"),
        ("NL", "0880767000"),
        ("NL", "08000432"),
        ("NL", "08002000"),
    ]:
        assert expected in numbers
    by_id = {line.id: line for line in real_data.crisis_lines}
    assert by_id["be-zelfmoordlijn-1813"].pair == "be-centre-prevention-suicide"
    assert by_id["be-centre-prevention-suicide"].pair == "be-zelfmoordlijn-1813"


def test_every_crisis_line_has_an_https_source_and_every_pair_is_complete(real_data: loader.Dataset) -> None:
    by_id = {line.id: line for line in real_data.crisis_lines}
    for line in real_data.crisis_lines:
        for url in (line.source, *line.more_sources):
            assert urlsplit(url).scheme == "https" and urlsplit(url).netloc, (line.id, url)
        if line.pair:
            other = by_id[line.pair]
            assert other.pair == line.id and other.country == line.country, line.id
    assert sum(1 for line in real_data.crisis_lines if line.pair) >= 2


def test_the_crisis_facts_say_no_more_than_their_sources(real_data: loader.Dataset) -> None:
    """What the audit of the sources found (issue 10): each fact a source states, and none it does not."""
    by_id = {line.id: line for line in real_data.crisis_lines}
    # Said by their sources: day and night and free (106, 107, the poison centre; Veilig Thuis day and night).
    for line_id in ("be-tele-onthaal-106", "be-tele-accueil-107", "be-poison-centre", "nl-veilig-thuis"):
        assert by_id[line_id].phone.hours == "24/7" and by_id[line_id].phone.free is True, line_id
    # Chats keep their own, shorter hours; 103 and 1733 are not open day and night.
    assert by_id["be-zelfmoordlijn-1813"].chat is not None and by_id["be-zelfmoordlijn-1813"].chat.hours != "24/7"
    assert by_id["be-tele-onthaal-106"].chat is not None and by_id["be-tele-onthaal-106"].chat.hours != "24/7"
    assert by_id["be-ecoute-enfants-103"].phone.hours != "24/7"
    assert by_id["be-1733"].phone.hours != "24/7" and by_id["be-1733"].phone.free is False
    assert "Flanders" in by_id["be-1733"].notes["en"]
    # 113 is free since October 2025; no source says it works only from inside the Netherlands.
    assert by_id["nl-113"].phone.free is True and by_id["nl-113"].phone.from_abroad is None
    assert not any("inside the Netherlands" in text for text in by_id["nl-113"].notes.values())


# (text in data/crisis_lines.toml, what replaces it, what the error says after "crisis_lines.toml:<line>: ")
BAD_CRISIS_LINES = [
    (
        'pair = "be-zelfmoordlijn-1813"\n',
        "",
        "pair: 'be-centre-prevention-suicide' must name 'be-zelfmoordlijn-1813' as its pair too",
    ),
    ('source = "https://www.antigifcentrum.be/over-ons"', 'source = "Public listing of helplines"', "source: "),
    ('hours.en = "Every evening"\n', "", "chat.hours: give the hours in every language of the site; missing: en"),
    (
        'notes.fr = "Pour les enfants et les jeunes."\nnotes.en = "For children and young people."\nsource = "https://www.benjamindalle',
        'source = "https://www.benjamindalle',
        "notes: give the notes in every language of the site; missing: fr, en",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), BAD_CRISIS_LINES)
def test_a_bad_crisis_line_is_refused_whole(
    workspace: tuple[Path, Path], capsys: pytest.CaptureFixture[str], old: str, new: str, expected: str
) -> None:
    data, database = workspace
    before = _dump(database)
    lines = data / "crisis_lines.toml"
    text = lines.read_text()
    assert text.count(old) == 1
    lines.write_text(text.replace(old, new))
    assert cli.main(["load", str(data)]) == 1
    err = capsys.readouterr().err
    assert "crisis_lines.toml:" in err and f": {expected}" in err, err
    assert _dump(database) == before


def _dump(path: Path) -> str:
    return db.run_read(path, lambda conn: hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest())


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    database = tmp_path / "kring.sqlite"
    monkeypatch.setenv("KRING_DB", str(database))
    assert cli.main(["load", str(data)]) == 0
    return data, database


# (file, text, the start of the expected message after "file:")
BAD_FILES = [
    (
        "groups/bad.toml",
        GOOD.replace('name = "A good group"', 'name = "unclosed'),
        "3: (syntax): this is not valid TOML",
    ),
    ("groups/bad.toml", GOOD + 'colour = "red"\n', "1: colour: unknown field colour"),
    ("groups/bad.toml", GOOD.replace('kind = "support_group"\n', ""), "1: kind: the field kind is required"),
    ("groups/bad.toml", GOOD.replace('kind = "support_group"', 'kind = "club"'), "4: kind: 'club' is not one of"),
    ("groups/bad.toml", GOOD + 'themes = "anxiety"\n', "11: themes: expected a value of type array, got str"),
    ("groups/bad.toml", GOOD + 'contact.website = "http://example.org"\n', "11: contact.website: this value does not"),
    ("groups/bad.toml", GOOD.replace("2026-01-01", "2999-01-01"), "10: last_checked: 2999-01-01 is in the future"),
    ("groups/bad.toml", GOOD + 'organization = "nobody"\n', "11: organization: no organization has the id"),
    ("groups/bad.toml", GOOD.replace("be-gent", "be-atlantis"), "7: place.place_id: no known place has the id"),
    ("groups/bad.toml", GOOD + "place.lat = 48.85\nplace.lon = 2.35\n", "11: place.lat: 48.85 is not in Belgium"),
    ("groups/bad.toml", GOOD + 'place.postcode = "1234 AB"\n', "11: place.postcode: '1234 AB' is not a postcode of BE"),
    ("groups/bad.toml", GOOD.replace('place.place_id = "be-gent"\n', ""), "1: place: a group that meets in person"),
    (
        "groups/bad.toml",
        GOOD + '\n[[group.meetings]]\nfreq = "weekly"\nbyday = ["TU"]\nplace.address = "Kerkstraat 1"\n',
        "15: meetings.place: a meeting's own place needs place.city or place.place_id",
    ),
    ("groups/bad.toml", GOOD + 'languages = ["xx"]\n', "11: languages: 'xx' is not an ISO 639-1 language code"),
    ("groups/bad.toml", GOOD + 'themes = ["grief", "grief"]\n', "11: themes: a value is listed twice"),
    ("groups/bad.toml", GOOD + GOOD, "12: id: the id 'test-good' is used twice"),
    ("groups/bad.toml", GOOD.replace('name = "A good group"', 'name = "A"'), "3: name: must be at least 2 characters"),
    ("groups/bad.toml", GOOD + "\n[group.description]\nxx = 'hello'\n", "12: description: 'xx' is not one of"),
    # Meetings: the line of the meeting's own field, also in the second [[group.meetings]] of a group.
    ("groups/bad.toml", GOOD + MEETING + MEETING + 'closes_at = "18:00"\n', "21: meetings.closes_at: the meeting must"),
    ("groups/bad.toml", GOOD + MEETING + MEETING.replace('["TU"]', '["2TU"]'), "19: meetings.byday: an ordinal (2TU"),
    (
        "groups/bad.toml",
        GOOD + MEETING + MEETING.replace("19:30", "25:00"),
        "20: meetings.opens_at: this value does not",
    ),
    (
        "groups/bad.toml",
        GOOD + MEETING.replace("weekly", "monthly"),
        "14: meetings.byday: each day of a monthly meeting",
    ),
    ("groups/bad.toml", GOOD + MEETING.replace('freq = "weekly"\n', ""), "12: meetings.freq: give freq (weekly or"),
    ("groups/bad.toml", GOOD + MEETING + "interval = 2\n", "12: meetings.dtstart: a meeting every few weeks"),
    (
        "groups/bad.toml",
        GOOD + MEETING + 'online = true\nplace.city = "Gent"\n',
        "16: meetings.online: an online meeting",
    ),
    (
        "groups/bad.toml",
        GOOD + MEETING + 'place.place_id = "nl-utrecht"\n',
        "16: meetings.place.place_id: 'nl-utrecht' is",
    ),
    (
        "groups/bad.toml",
        GOOD + MEETING + "not_on = [2027-01-05, 2027-01-05]\n",
        "16: meetings.not_on: a date is listed twice",
    ),
    ("groups/bad.toml", "", "1: group: the field group is required"),
    ("groups/bad.toml", GOOD.encode("utf-16").decode("latin-1"), "1: (file): not UTF-8 text"),
    ("stray.toml", GOOD, "1: (file): not a Kring data file"),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD_FILES)
def test_a_bad_file_is_refused_whole_and_the_database_is_unchanged(
    workspace: tuple[Path, Path], capsys: pytest.CaptureFixture[str], name: str, text: str, expected: str
) -> None:
    data, database = workspace
    before = _dump(database)
    target = data / name
    target.write_bytes(text.encode("latin-1") if "not UTF-8" in expected else text.encode())
    capsys.readouterr()
    assert cli.main(["load", str(data)]) == 1
    err = capsys.readouterr().err
    assert f"{target}:{expected}" in err, err
    assert "nothing was changed" in err
    assert _dump(database) == before
    assert cli.main(["check", str(data)]) == 1


def test_check_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "kring.sqlite"
    monkeypatch.setenv("KRING_DB", str(database))
    assert cli.main(["check", str(DATA)]) == 0
    assert not database.exists()


def test_a_missing_folder_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["check", str(tmp_path / "nope")]) == 1
    assert "no such folder" in capsys.readouterr().err

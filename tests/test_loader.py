"""kring check / kring load: the real data passes; a bad file is refused whole and the database stays as it was."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from server import cli, db, loader
from tests.conftest import DATA

GOOD = '''[[group]]
id = "test-good"
name = "A good group"
kind = "support_group"
country = "BE"
format = "in_person"
place.place_id = "be-gent"
source = "test fixture"
last_checked = 2026-01-01
'''


def test_real_data_passes_and_every_listing_has_source_and_last_checked(real_data: loader.Dataset) -> None:
    assert len(real_data.groups) >= 15
    assert len(real_data.crisis_lines) >= 17
    for g in real_data.groups:
        assert g.source and g.last_checked, g.id
    countries = {g.country for g in real_data.groups}
    assert countries == {"BE", "NL"}


def test_crisis_lines_named_in_the_design_are_there(real_data: loader.Dataset) -> None:
    numbers = {(line.country, line.tel) for line in real_data.crisis_lines}
    for expected in [("BE", "112"), ("BE", "1813"), ("BE", "080032123"), ("BE", "106"), ("BE", "107"),
                     ("BE", "108"), ("BE", "102"), ("BE", "103"), ("BE", "1712"), ("BE", "070245245"),
                     ("BE", "1733"), ("NL", "112"), ("NL", "113"), ("NL", "08000113"), ("NL", "0880767000"),
                     ("NL", "08000432"), ("NL", "08002000")]:  # fmt: skip
        assert expected in numbers
    by_id = {line.id: line for line in real_data.crisis_lines}
    assert by_id["be-zelfmoordlijn-1813"].pair == "be-centre-prevention-suicide"
    assert by_id["be-centre-prevention-suicide"].pair == "be-zelfmoordlijn-1813"


def _dump(path: Path) -> str:
    conn = db.connect(path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


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
    ("groups/bad.toml", GOOD.replace('name = "A good group"', 'name = "unclosed'), "3: (syntax): this is not valid TOML"),
    ("groups/bad.toml", GOOD + 'colour = "red"\n', "1: colour: unknown field colour"),
    ("groups/bad.toml", GOOD.replace('kind = "support_group"\n', ""), "1: kind: the field kind is required"),
    ("groups/bad.toml", GOOD.replace('kind = "support_group"', 'kind = "club"'), "4: kind: 'club' is not one of"),
    ("groups/bad.toml", GOOD + 'themes = "anxiety"\n', "10: themes: expected a value of type array, got str"),
    ("groups/bad.toml", GOOD + 'contact.website = "http://example.org"\n', "10: contact.website: this value does not"),
    ("groups/bad.toml", GOOD.replace("2026-01-01", "2999-01-01"), "9: last_checked: 2999-01-01 is in the future"),
    ("groups/bad.toml", GOOD + 'organization = "nobody"\n', "10: organization: no organization has the id"),
    ("groups/bad.toml", GOOD.replace("be-gent", "be-atlantis"), "7: place.place_id: no known place has the id"),
    ("groups/bad.toml", GOOD + "place.lat = 48.85\nplace.lon = 2.35\n", "10: place.lat: 48.85 is not in Belgium"),
    ("groups/bad.toml", GOOD + 'place.postcode = "1234 AB"\n', "10: place.postcode: '1234 AB' is not a postcode of BE"),
    ("groups/bad.toml", GOOD.replace('place.place_id = "be-gent"\n', ""), "1: place: a group that meets in person"),
    ("groups/bad.toml", GOOD + 'languages = ["xx"]\n', "10: languages: 'xx' is not an ISO 639-1 language code"),
    ("groups/bad.toml", GOOD + 'themes = ["grief", "grief"]\n', "10: themes: a value is listed twice"),
    ("groups/bad.toml", GOOD + GOOD, "11: id: the id 'test-good' is used twice"),
    ("groups/bad.toml", GOOD.replace('name = "A good group"', 'name = "A"'), "3: name: must be at least 2 characters"),
    ("groups/bad.toml", GOOD + "\n[group.description]\nxx = 'hello'\n", "11: description: 'xx' is not one of"),
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


def test_a_broken_crisis_pair_is_refused(workspace: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    data, database = workspace
    before = _dump(database)
    lines = data / "crisis_lines.toml"
    text = lines.read_text()
    lines.write_text(text.replace('pair = "be-zelfmoordlijn-1813"\n', ""))
    assert cli.main(["load", str(data)]) == 1
    err = capsys.readouterr().err
    assert "pair: 'be-centre-prevention-suicide' must name 'be-zelfmoordlijn-1813' as its pair too" in err
    assert _dump(database) == before


def test_check_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "kring.sqlite"
    monkeypatch.setenv("KRING_DB", str(database))
    assert cli.main(["check", str(DATA)]) == 0
    assert not database.exists()


def test_a_missing_folder_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["check", str(tmp_path / "nope")]) == 1
    assert "no such folder" in capsys.readouterr().err

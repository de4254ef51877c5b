"""`kring backup`, `kring moderator add`, and the settings the command reads from the environment."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pyotp
import pytest
from argon2 import PasswordHasher

from server import cli, db, inbox
from server.settings import Settings


@pytest.fixture
def database(tmp_path: Path, real_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "kring.sqlite"
    shutil.copy(real_db, path)
    monkeypatch.setenv("KRING_DB", str(path))
    return path


def test_backup_is_consistent_while_writes_go_on(database: Path, tmp_path: Path) -> None:
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            db.run_write(database, lambda conn: inbox.store_report(conn, "be-psybru", "other", "still busy"))

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert cli.main(["backup", str(tmp_path / "copy.sqlite")]) == 0
    finally:
        stop.set()
        writer.join()
    copy = tmp_path / "copy.sqlite"
    assert db.run_read(copy, lambda conn: conn.execute("PRAGMA integrity_check").fetchone()[0]) == "ok"
    assert db.run_read(copy, lambda conn: conn.execute("SELECT count(*) FROM listing").fetchone()[0]) > 0
    assert cli.main(["backup", str(tmp_path / "copy.sqlite")]) == 1  # never overwrites


def test_moderator_add_stores_an_argon2id_hash_and_prints_the_totp_uri(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a long enough passphrase")
    assert cli.main(["moderator", "add", "ilse"]) == 0
    uri = capsys.readouterr().out.strip().splitlines()[-1]
    assert uri.startswith("otpauth://totp/Kring:ilse?secret=")
    hash_, secret = db.run_read(
        database,
        lambda conn: conn.execute("SELECT password_hash, totp_secret FROM moderator WHERE name = 'ilse'").fetchone(),
    )
    assert hash_.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PasswordHasher().verify(hash_, "a long enough passphrase")
    assert pyotp.parse_uri(uri).secret == secret
    assert cli.main(["moderator", "add", "ilse"]) == 1  # exists already


@pytest.mark.parametrize("name, password", [("Ilse Peeters", "a long enough passphrase"), ("ilse", "short")])
def test_moderator_add_refuses_a_bad_name_or_password(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, password: str
) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": password)
    assert cli.main(["moderator", "add", name]) == 1
    assert "nothing was changed" in capsys.readouterr().err


def test_the_form_rate_limit_comes_from_the_environment() -> None:
    assert Settings.from_env({}).form_rate_limit == 5
    assert Settings.from_env({"KRING_FORM_RATE_LIMIT": "1000"}).form_rate_limit == 1000
    for bad in ("0", "-3", "many", "2.5", ""):
        with pytest.raises(SystemExit, match="KRING_FORM_RATE_LIMIT"):
            Settings.from_env({"KRING_FORM_RATE_LIMIT": bad})

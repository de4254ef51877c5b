"""Moderator accounts: argon2id passwords (OWASP parameters) and TOTP secrets."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pyotp
from argon2 import PasswordHasher

# OWASP's password storage cheat sheet: argon2id, 19 MiB of memory, 2 iterations, 1 degree of parallelism.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
NAME = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 12
ISSUER = "Kring"


class ModeratorError(ValueError):
    """What is wrong with the name or password given."""


def add(conn: sqlite3.Connection, name: str, password: str) -> str:
    """Create a moderator; returns the otpauth:// URI of their new TOTP secret (shown once)."""
    if not NAME.match(name):
        raise ModeratorError("the name must be 2 to 40 lowercase letters, digits, dots, dashes or underscores")
    if len(password) < MIN_PASSWORD:
        raise ModeratorError(f"the password must have at least {MIN_PASSWORD} characters")
    secret = pyotp.random_base32()
    try:
        conn.execute(
            "INSERT INTO moderator (name, password_hash, totp_secret, created) VALUES (?, ?, ?, ?)",
            (name, HASHER.hash(password), secret, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        )
    except sqlite3.IntegrityError:
        raise ModeratorError(f"a moderator called {name!r} exists already") from None
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)

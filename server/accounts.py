"""Moderators' accounts: argon2id passwords, TOTP codes, the lockout after failed sign-ins, and sessions.

add, session and sign_out are fns for Database.write (or db.run_write); sign_in reads, checks the password
in a thread, then writes, through the door it is given.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import re
import secrets
import sqlite3
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from msgspec import Struct

from server import db
from server.moderation import audit, iso, now

# OWASP's password storage cheat sheet: argon2id, 19 MiB of memory, 2 iterations, 1 degree of parallelism.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
NAME = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 12
ISSUER = "Kring"
IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=12)
FREE_TRIES = 5  # failed sign-ins before the account locks; each further failure doubles the wait
FIRST_LOCK = dt.timedelta(minutes=1)
LONGEST_LOCK = dt.timedelta(hours=1)


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


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SignIn(Struct, frozen=True):
    outcome: Literal["ok", "wrong", "locked"]
    token: str = ""
    locked_until: dt.datetime | None = None


def _totp_step(secret: str, code: str, moment: dt.datetime) -> int | None:
    """The time step the code belongs to (this one or either neighbour, for clock drift), or None."""
    code = code.replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(moment)
    for candidate in (step, step - 1, step + 1):
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def lock_for(failures: int) -> dt.timedelta:
    """How long the account stays locked after this many failures in a row (none below FREE_TRIES)."""
    if failures < FREE_TRIES:
        return dt.timedelta(0)
    return min(FIRST_LOCK * 2 ** (failures - FREE_TRIES), LONGEST_LOCK)


class _Account(Struct, frozen=True):
    password_hash: str
    secret: str
    locked_until: str


def _account(conn: sqlite3.Connection, name: str) -> _Account | None:
    row = conn.execute(
        "SELECT password_hash, totp_secret, locked_until FROM moderator WHERE name = ?", (name,)
    ).fetchone()
    return _Account(*row) if row else None


class _Attempt(Struct, frozen=True):
    password_ok: bool
    step: int | None  # the TOTP time step of the code given, when it is a right one
    new_hash: str | None  # the password hashed again, when the hasher's settings changed since


def _check(account: _Account, password: str, code: str, at: dt.datetime) -> _Attempt:
    password_ok = _verify(account.password_hash, password)
    rehash = password_ok and HASHER.check_needs_rehash(account.password_hash)
    return _Attempt(password_ok, _totp_step(account.secret, code, at), HASHER.hash(password) if rehash else None)


async def sign_in(database: db.Database, name: str, password: str, code: str, at: dt.datetime | None = None) -> SignIn:
    """Check the password and the TOTP code; on success open a new session and return its token.

    argon2 takes a while (on purpose), so it runs in a thread of its own between a read and a write: inside
    the write it would hold up every other write, the organizers' submissions among them.
    """
    at = at or now()
    account = await database.read(lambda conn: _account(conn, name))
    if account is None:
        await asyncio.to_thread(_verify, _dummy_hash(), password)
        return SignIn("wrong")
    if account.locked_until and dt.datetime.fromisoformat(account.locked_until) > at:
        # No password check while locked: a locked account gives away nothing, not even a right guess.
        await database.write(lambda conn: audit(conn, name, "sign_in_locked", name))
        return SignIn("locked", locked_until=dt.datetime.fromisoformat(account.locked_until))
    attempt = await asyncio.to_thread(_check, account, password, code, at)
    return await database.write(lambda conn: _count(conn, name, attempt, at))


def _count(conn: sqlite3.Connection, name: str, attempt: _Attempt, at: dt.datetime) -> SignIn:
    """Count a failure (and lock after too many), or open a session: a write."""
    failures, locked_until, last_step = conn.execute(
        "SELECT failures, locked_until, last_step FROM moderator WHERE name = ?", (name,)
    ).fetchone()
    if locked_until and dt.datetime.fromisoformat(locked_until) > at:  # locked meanwhile, by a parallel try
        return SignIn("locked", locked_until=dt.datetime.fromisoformat(locked_until))
    if not (attempt.password_ok and attempt.step is not None and attempt.step > last_step):
        failures += 1
        wait = lock_for(failures)
        until = iso(at + wait) if wait else ""
        conn.execute("UPDATE moderator SET failures = ?, locked_until = ? WHERE name = ?", (failures, until, name))
        audit(conn, name, "sign_in_failed", name, f"{failures}" + (f" → {until}" if until else ""))
        if until:
            return SignIn("locked", locked_until=dt.datetime.fromisoformat(until))
        return SignIn("wrong")
    if attempt.new_hash:
        conn.execute("UPDATE moderator SET password_hash = ? WHERE name = ?", (attempt.new_hash, name))
    conn.execute(
        "UPDATE moderator SET failures = 0, locked_until = '', last_step = ? WHERE name = ?", (attempt.step, name)
    )
    token = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO session (token_hash, moderator, created, seen) VALUES (?, ?, ?, ?)",
        (_hash(token), name, iso(at), iso(at)),
    )
    # Sessions that ran out are of no use to anyone: clear them while we are here.
    conn.execute("DELETE FROM session WHERE seen < ? OR created < ?", (iso(at - IDLE), iso(at - ABSOLUTE)))
    audit(conn, name, "sign_in", name)
    return SignIn("ok", token=token)


@functools.cache
def _dummy_hash() -> str:
    """Verified when the name is unknown, so that an unknown name takes as long as a wrong password."""
    return HASHER.hash(secrets.token_hex(16))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def session(conn: sqlite3.Connection, token: str, at: dt.datetime | None = None) -> str | None:
    """The moderator of a session that is still open (30 minutes idle, 12 hours in all); None otherwise."""
    if not token:
        return None
    at = at or now()
    row = conn.execute("SELECT moderator, created, seen FROM session WHERE token_hash = ?", (_hash(token),)).fetchone()
    if row is None:
        return None
    moderator, created, seen = row
    if at - dt.datetime.fromisoformat(seen) > IDLE or at - dt.datetime.fromisoformat(created) > ABSOLUTE:
        conn.execute("DELETE FROM session WHERE token_hash = ?", (_hash(token),))
        return None
    conn.execute("UPDATE session SET seen = ? WHERE token_hash = ?", (iso(at), _hash(token)))
    return str(moderator)


def sign_out(conn: sqlite3.Connection, token: str) -> None:
    conn.execute("DELETE FROM session WHERE token_hash = ?", (_hash(token),))

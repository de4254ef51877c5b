"""The inbox: submissions and reports written durably (synchronous=FULL) before the thank-you page shows."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

import msgspec

from server import db
from server.forms import GroupSubmission


def store(path: str, submission: GroupSubmission, lang: str) -> int:
    """Write it with synchronous=FULL, so that once the thank-you page shows it survives a crash."""
    conn = db.connect(path)
    try:
        conn.execute("PRAGMA synchronous = FULL")
        return _insert(
            conn,
            "INSERT INTO submission (received, lang, doc) VALUES (?, ?, ?)",
            (_now(), lang, msgspec.json.encode(submission)),
        )
    finally:
        conn.close()


def store_report(path: str, listing_id: str, reason: str, details: str) -> int:
    conn = db.connect(path)
    try:
        conn.execute("PRAGMA synchronous = FULL")
        return _insert(
            conn,
            "INSERT INTO report (received, listing_id, reason, details) VALUES (?, ?, ?, ?)",
            (_now(), listing_id, reason, details),
        )
    finally:
        conn.close()


def _insert(conn: sqlite3.Connection, sql: str, values: tuple[Any, ...]) -> int:
    with db.transaction(conn):
        rowid = conn.execute(sql, values).lastrowid
    return int(rowid or 0)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

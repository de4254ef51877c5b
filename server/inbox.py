"""The inbox: submissions and reports, each one write through the door before the thank-you page shows.

These are fns for Database.write (or db.run_write): the writer's synchronous=FULL means that once the write
returns, and so the thank-you page can show, the submission survives a crash or a power cut.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import msgspec

from server.forms import GroupSubmission


def store(conn: sqlite3.Connection, submission: GroupSubmission, lang: str) -> int:
    """Keep an organizer's submission for the moderators; returns its id."""
    cursor = conn.execute(
        "INSERT INTO submission (received, lang, doc) VALUES (?, ?, ?)",
        (_now(), lang, msgspec.json.encode(submission)),
    )
    return int(cursor.lastrowid or 0)


def store_report(conn: sqlite3.Connection, listing_id: str, reason: str, details: str) -> int:
    """Keep a visitor's report of a change to a listing; returns its id."""
    cursor = conn.execute(
        "INSERT INTO report (received, listing_id, reason, details) VALUES (?, ?, ?, ?)",
        (_now(), listing_id, reason, details),
    )
    return int(cursor.lastrowid or 0)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

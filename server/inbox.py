"""The inbox: submissions and reports, each one write through the door before the thank-you page shows.

These are fns for Database.write (or db.run_write): the writer's synchronous=FULL means that once the write
returns, and so the thank-you page can show, the submission survives a crash or a power cut.

A submission is kept as the JSON of the form's GroupSubmission, with the number of its shape (the submission
table's `shape` column), so that what an older form sent stays readable: read() knows every shape.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import msgspec

from server.forms import GroupSubmission

# 1: the first form, which asked how often (a key) and when (in words); 2: since, with meetings row by row.
SHAPE = 2


class FirstShape(GroupSubmission, kw_only=True, forbid_unknown_fields=True):
    """A submission of shape 1: how often and when it meets as the organizer said it, and no meetings."""

    frequency: str | None = None
    schedule: str = ""


_FIRST = msgspec.json.Decoder(FirstShape)
_CURRENT = msgspec.json.Decoder(GroupSubmission)


def store(conn: sqlite3.Connection, submission: GroupSubmission, lang: str) -> int:
    """Keep an organizer's submission for the moderators; returns its id."""
    cursor = conn.execute(
        "INSERT INTO submission (received, lang, doc, shape) VALUES (?, ?, ?, ?)",
        (_now(), lang, msgspec.json.encode(submission), SHAPE),
    )
    return int(cursor.lastrowid or 0)


def read(shape: int, doc: bytes) -> tuple[GroupSubmission, str]:
    """A stored submission, and what its organizer wrote about when it meets on the first form ("" after)."""
    if shape == 1:
        first = _FIRST.decode(doc)
        fields = {name: getattr(first, name) for name in GroupSubmission.__struct_fields__}
        return GroupSubmission(**fields), " · ".join(text for text in (first.frequency, first.schedule) if text)
    return _CURRENT.decode(doc), ""


def store_report(conn: sqlite3.Connection, listing_id: str, reason: str, details: str) -> int:
    """Keep a visitor's report of a change to a listing; returns its id."""
    cursor = conn.execute(
        "INSERT INTO report (received, listing_id, reason, details) VALUES (?, ?, ?, ?)",
        (_now(), listing_id, reason, details),
    )
    return int(cursor.lastrowid or 0)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

"""The one door to SQLite: writes one at a time and whole or not at all, reads of committed data on readers
that cannot write, synchronous=FULL on the writer, and no connection opened anywhere else in server/."""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from server import db
from tests.conftest import ROOT

T = TypeVar("T")


def run(main: Callable[[], Awaitable[T]]) -> T:
    """asyncio.run in a thread of its own: the browser tests keep an event loop running in this one."""

    async def wrapped() -> T:
        return await main()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, wrapped()).result()


def with_database(path: Path, work: Callable[[db.Database], Awaitable[T]]) -> T:
    async def main() -> T:
        database = await db.Database.open(path)
        try:
            return await work(database)
        finally:
            await database.close()

    return run(main)


def _make_counter(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS counter (n INTEGER NOT NULL)")
    conn.execute("DELETE FROM counter")
    conn.execute("INSERT INTO counter (n) VALUES (0)")


def test_open_brings_a_new_file_to_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "new" / "kring.sqlite"
    version = with_database(path, lambda d: d.read(lambda conn: conn.execute("PRAGMA user_version").fetchone()[0]))
    assert version == db.migrations()[-1][0]
    assert db.run_read(path, lambda conn: conn.execute("PRAGMA journal_mode").fetchone()[0]) == "wal"


def test_concurrent_writes_run_one_at_a_time(tmp_path: Path) -> None:
    """Each write reads the counter, waits, and adds one: interleaved, two would read the same value."""

    def bump(conn: sqlite3.Connection) -> int:
        (n,) = conn.execute("SELECT n FROM counter").fetchone()
        time.sleep(0.02)  # a slow write: long enough for any other write to slip in, if it could
        conn.execute("UPDATE counter SET n = ?", (n + 1,))
        return int(n)

    async def work(database: db.Database) -> tuple[list[int], int]:
        await database.write(_make_counter)
        seen = await asyncio.gather(*(database.write(bump) for _ in range(8)))
        final = await database.read(lambda conn: conn.execute("SELECT n FROM counter").fetchone()[0])
        return list(seen), final

    seen, final = with_database(tmp_path / "k.sqlite", work)
    assert sorted(seen) == list(range(8))  # each saw the one before it committed
    assert seen == list(range(8))  # and they ran in the order they were asked for
    assert final == 8


def test_a_failing_write_rolls_back_whole_and_the_next_write_works(tmp_path: Path) -> None:
    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE counter SET n = 41")
        conn.execute("INSERT INTO counter (n) VALUES (99)")
        raise ValueError("changed my mind")

    def count(conn: sqlite3.Connection) -> list[int]:
        return [n for (n,) in conn.execute("SELECT n FROM counter ORDER BY n")]

    async def work(database: db.Database) -> tuple[list[int], bool, list[int]]:
        await database.write(_make_counter)
        with pytest.raises(ValueError, match="changed my mind"):
            await database.write(half_done)
        after_failure = await database.read(count)
        in_transaction = await database.write(lambda conn: conn.in_transaction)  # inside the next write: yes
        await database.write(lambda conn: conn.execute("UPDATE counter SET n = n + 1"))
        return after_failure, in_transaction, await database.read(count)

    after_failure, in_transaction, after_next = with_database(tmp_path / "k.sqlite", work)
    assert after_failure == [0]
    assert in_transaction is True
    assert after_next == [1]


def test_the_sync_door_rolls_back_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite"
    db.run_write(path, _make_counter)

    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE counter SET n = 41")
        raise sqlite3.IntegrityError("no")

    with pytest.raises(sqlite3.IntegrityError):
        db.run_write(path, half_done)
    assert db.run_read(path, lambda conn: conn.execute("SELECT n FROM counter").fetchall()) == [(0,)]


def test_a_read_sees_what_was_committed(tmp_path: Path) -> None:
    def value(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT n FROM counter").fetchone()[0])

    async def work(database: db.Database) -> tuple[list[int], int]:
        await database.write(_make_counter)
        await database.write(lambda conn: conn.execute("UPDATE counter SET n = 7"))
        reads = await asyncio.gather(*(database.read(value) for _ in range(3 * db.READERS)))  # every reader
        # And what another connection committed meanwhile (the sync door, as `kring load` does it).
        db.run_write(database.path, lambda conn: conn.execute("UPDATE counter SET n = 8"))
        return list(reads), await database.read(value)

    reads, later = with_database(tmp_path / "k.sqlite", work)
    assert reads == [7] * 3 * db.READERS
    assert later == 8


def test_the_writer_syncs_fully_and_readers_cannot_write(tmp_path: Path) -> None:
    def pragma(name: str) -> Callable[[sqlite3.Connection], int]:
        return lambda conn: conn.execute(f"PRAGMA {name}").fetchone()[0]

    async def work(database: db.Database) -> dict[str, object]:
        await database.write(_make_counter)
        found: dict[str, object] = {
            "writer synchronous": await database.write(pragma("synchronous")),
            "writer query_only": await database.write(pragma("query_only")),
            "reader query_only": await database.read(pragma("query_only")),
            "writer foreign_keys": await database.write(pragma("foreign_keys")),
        }
        try:
            await database.read(lambda conn: conn.execute("UPDATE counter SET n = 5"))
        except sqlite3.OperationalError as exc:
            found["reader write"] = str(exc)
        found["after"] = await database.read(lambda conn: conn.execute("SELECT n FROM counter").fetchone()[0])
        return found

    found = with_database(tmp_path / "k.sqlite", work)
    assert found["writer synchronous"] == 2  # FULL
    assert found["writer query_only"] == 0 and found["reader query_only"] == 1
    assert found["writer foreign_keys"] == 1
    assert "readonly" in str(found.get("reader write"))
    assert found["after"] == 0
    path = tmp_path / "k.sqlite"
    assert db.run_write(path, pragma("synchronous")) == 2
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.run_read(path, lambda conn: conn.execute("DELETE FROM counter"))


def test_a_failing_read_gives_its_reader_back(tmp_path: Path) -> None:
    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("SELECT * FROM no_such_table")

    async def work(database: db.Database) -> int:
        for _ in range(db.READERS + 2):
            with pytest.raises(sqlite3.OperationalError):
                await database.read(broken)
        return await database.read(lambda conn: conn.execute("SELECT 1").fetchone()[0])

    assert with_database(tmp_path / "k.sqlite", work) == 1


# Calls that open a connection, and statements that make a transaction: only server/db.py has them.
OPENS = re.compile(r"\b(?:sqlite3|aiosqlite)\.connect\b|\bdb\.(?:connect|connect_async|_open)\b|\bconnect_async\b")
TRANSACTIONS = re.compile(r"\b(?:BEGIN|COMMIT|ROLLBACK|SAVEPOINT)\b|\bdb\.transaction\b|\.commit\(\)|\.rollback\(\)")


def test_nothing_but_db_py_opens_a_connection_or_a_transaction() -> None:
    found = []
    for path in sorted((ROOT / "server").rglob("*.py")):
        if path == ROOT / "server" / "db.py":
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if OPENS.search(line) or TRANSACTIONS.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == [], "go through server/db.py's Database.read/write (or run_read/run_write):\n" + "\n".join(found)

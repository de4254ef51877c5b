"""The one door to SQLite: reads through Database.read(fn), writes one at a time through Database.write(fn).

As in Datasette's database.py (`execute_fn`, `execute_write_fn`), callers hand over a plain synchronous
`fn(conn)` and never begin or commit: the door runs every write inside BEGIN IMMEDIATE … COMMIT on the one
writer connection, whose synchronous=FULL makes a write that returned survive a crash or a power cut, and
every read in one snapshot on a reader that cannot write (query_only). A failing fn is rolled back whole.
The server holds a Database (aiosqlite: one thread per connection); the `kring` command and the tests use
run_read and run_write, the same transactions on a short-lived connection. Nothing else opens a connection.
Migrations are numbered files in server/migrations, counted by PRAGMA user_version.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TypeVar

import aiosqlite

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]

READERS = 3  # readers answer the searches' full text and rebuild the catalog; more would only add threads
PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",  # another process (`kring load`, a second worker) may hold the write lock
)
WRITER_PRAGMAS = (
    "PRAGMA journal_mode = WAL",  # kept in the file, so readers opened after the writer get it too
    "PRAGMA synchronous = FULL",  # the thank-you page shows after the write: it must be on disk by then
)
READER_PRAGMAS = ("PRAGMA query_only = ON",)


class ReadOnly(Exception):
    """A write asked of a read-only instance: one that serves a replica's copy of the catalog (KRING_READ_ONLY)."""


class SchemaBehind(Exception):
    """A read-only instance's copy has an older schema than this code: the writer migrates it, not a replica."""


def migrations() -> list[tuple[int, str]]:
    """(number, sql) of every file in server/migrations, in order: 0001_initial.sql is number 1."""
    folder = resources.files("server") / "migrations"
    found = sorted(
        (int(f.name.split("_", 1)[0]), f.read_text("utf-8")) for f in folder.iterdir() if f.name.endswith(".sql")
    )
    return found


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date; each migration runs in its own transaction. Returns the version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, sql in migrations():
        if number <= version:
            continue
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number:d};\nCOMMIT;")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        version = number
    return version


def _prepare(conn: sqlite3.Connection, *, writer: bool) -> None:
    for pragma in (*PRAGMAS, *(WRITER_PRAGMAS if writer else READER_PRAGMAS)):
        conn.execute(pragma)


def _write(conn: sqlite3.Connection, fn: Work[T]) -> T:
    """fn inside BEGIN IMMEDIATE … COMMIT; on any error (COMMIT's own too) ROLLBACK, and the error goes on."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def _read(conn: sqlite3.Connection, fn: Work[T]) -> T:
    """fn inside one read transaction, so that all its queries see the same moment of the data."""
    conn.execute("BEGIN")
    try:
        return fn(conn)
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")  # a reader changed nothing; ending it lets checkpoints move on


async def _on_thread(conn: aiosqlite.Connection, fn: Work[T]) -> T:
    """Run fn(sqlite3 connection) on the aiosqlite connection's own thread, after what is queued there.

    aiosqlite (0.22.1, pinned) has no public way to do this: its public methods each run one statement, and
    every one of them goes through `_execute`, the queue of callables that its thread works through, with
    `_conn`, the sqlite3 connection that lives on that thread. A transaction as one queued callable is what
    keeps domain code synchronous and two writes from interleaving; the public alternative, an await per
    statement, would make every domain function async and let statements of concurrent callers mix on the
    writer. sqlite3's check_same_thread stays on: were a later aiosqlite to call this on another thread, the
    first statement would fail loudly (tests/test_db.py runs this path).
    """
    return await conn._execute(lambda: fn(conn._conn))


class Database:
    """One aiosqlite writer that runs writes in the order they come, and a few aiosqlite readers.

    A read-only instance (README.md, "Beyond one machine") has no writer: its readers open the replica's file
    with SQLite's mode=ro, and a write raises ReadOnly (the app answers 503; the proxy sends writes elsewhere).
    """

    def __init__(
        self, path: Path | str, writer: aiosqlite.Connection | None, readers: list[aiosqlite.Connection]
    ) -> None:
        self.path = path
        self._writer = writer
        self._readers = readers
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for reader in readers:
            self._idle.put_nowait(reader)

    @classmethod
    async def open(cls, path: Path | str, readers: int = READERS, read_only: bool = False) -> Database:
        """Open the writer, bring the schema up to date on it, then open the readers (only those, read-only)."""
        if read_only:
            return await cls._open_read_only(path, readers)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        opened: list[aiosqlite.Connection] = []
        try:
            for n in range(1 + readers):
                conn = await aiosqlite.connect(path, isolation_level=None)
                opened.append(conn)
                await _on_thread(conn, functools.partial(_prepare, writer=n == 0))
                if n == 0:
                    await _on_thread(conn, migrate)
        except BaseException:
            for conn in opened:
                await conn.close()
            raise
        return cls(path, opened[0], opened[1:])

    @classmethod
    async def _open_read_only(cls, path: Path | str, readers: int) -> Database:
        uri = f"{Path(path).resolve().as_uri()}?mode=ro"
        opened: list[aiosqlite.Connection] = []
        try:
            for _ in range(readers):
                conn = await aiosqlite.connect(uri, uri=True, isolation_level=None)
                opened.append(conn)
                await _on_thread(conn, functools.partial(_prepare, writer=False))
            schema = await _on_thread(opened[0], lambda conn: conn.execute("PRAGMA user_version").fetchone()[0])
            needed = migrations()[-1][0]
            if schema < needed:
                raise SchemaBehind(
                    f"{path}: its schema is version {schema} and this Kring needs {needed}; the writer brings it up to"
                    " date (start it first), and this read-only instance serves the copy that follows"
                )
        except BaseException:
            for conn in opened:
                await conn.close()
            raise
        return cls(path, None, opened)

    async def write(self, fn: Work[T]) -> T:
        """fn(conn) as one transaction on the writer; returns what fn returns once it is committed to disk.

        Writes run one at a time without a lock: each is a single callable in the writer's queue, which
        aiosqlite's thread works through in order, so no statement of another write can come in between.
        """
        if self._writer is None:
            raise ReadOnly(f"{self.path} is a read-only copy")
        return await _on_thread(self._writer, lambda conn: _write(conn, fn))

    async def read(self, fn: Work[T]) -> T:
        """fn(conn) on an idle reader (a long read, such as rebuilding the catalog, holds up no other)."""
        reader = await self._idle.get()
        try:
            return await _on_thread(reader, lambda conn: _read(conn, fn))
        finally:
            self._idle.put_nowait(reader)

    async def close(self) -> None:
        for conn in (*self._readers, self._writer):
            if conn is not None:
                await conn.close()


# --- the same door without an event loop: the `kring` command and the tests -------------------------------


def _open(path: Path | str, *, writer: bool) -> sqlite3.Connection:
    if writer:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    _prepare(conn, writer=writer)
    return conn


def run_write(path: Path | str, fn: Work[T]) -> T:
    """Database.write on a connection of its own (migrations first), for callers without an event loop."""
    conn = _open(path, writer=True)
    try:
        migrate(conn)
        return _write(conn, fn)
    finally:
        conn.close()


def run_read(path: Path | str, fn: Work[T]) -> T:
    """Database.read on a connection of its own, for callers without an event loop."""
    conn = _open(path, writer=False)
    try:
        return _read(conn, fn)
    finally:
        conn.close()


def backup(path: Path | str, target: Path | str) -> str:
    """Copy the database to a new file with SQLite's online backup (consistent, also while the server writes).

    Returns the copy's integrity_check ("ok" when it is whole).
    """
    source = _open(path, writer=False)
    copy = sqlite3.connect(target, isolation_level=None)
    try:
        source.backup(copy)
        return ", ".join(row[0] for row in copy.execute("PRAGMA integrity_check"))
    finally:
        copy.close()
        source.close()

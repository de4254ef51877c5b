"""The `kring` command: serve, check, load, export, import, backup and moderator add."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import get_args

import msgspec

from server import accounts, catalog, db, hsds, imports, listings, loader, models, places
from server.settings import Settings


def _check(folder: Path) -> loader.Dataset | None:
    try:
        return loader.read(folder)
    except loader.DataError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found; nothing was changed.", file=sys.stderr)
        return None


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    data = _check(args.dir or settings.data)
    if data is None:
        return 1
    print(
        f"OK: {len(data.groups)} groups, {len(data.organizations)} organizations, "
        f"{len(data.crisis_lines)} crisis lines, {len(data.places)} places, {len(data.guides)} guides."
    )
    print_summary(loader.summary(data))
    return 0


SUMMARY_COLUMNS = ("listings", "town", "schedule", "contact", "confirmed")


def print_summary(rows: list[loader.RegionSummary]) -> None:
    """A table of the listings per region: how many meet in a named town, say when, can be contacted, and
    were confirmed by an organizer or a moderator (not only read on a public page); the oldest check."""
    width = max(len(r.region) for r in rows)
    print(f"\n{'region':<{width}}  " + "  ".join(SUMMARY_COLUMNS) + "  oldest check")
    for row in rows:
        figures = "  ".join(f"{getattr(row, c):>{len(c)}}" for c in SUMMARY_COLUMNS)
        print(f"{row.region:<{width}}  {figures}  {row.oldest or '-'}")


def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    data = _check(args.dir or settings.data)
    if data is None:
        return 1
    counts, version = db.run_write(settings.db, lambda conn: (loader.load(conn, data), listings.data_version(conn)))
    print(
        f"Loaded into {settings.db}: {counts['groups']} groups, {counts['organizations']} organizations, "
        f"{counts['crisis_lines']} crisis lines, {counts['places']} places, {counts['guides']} guides "
        f"({counts['removed']} removed). Data version {version}."
    )
    if counts["kept"]:
        print(
            f"{counts['kept']} listings were kept as a moderator left them (approved or edited on the site); "
            "see /moderate/audit."
        )
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """A consistent copy with SQLite's online backup: safe while the server runs and writes."""
    target = Path(args.out)
    if target.exists():
        print(f"{target}: exists already; choose a new file name", file=sys.stderr)
        return 1
    if not Path(settings.db).exists():
        print(f"{settings.db}: no database to back up (run `kring load` first)", file=sys.stderr)
        return 1
    ok = db.backup(settings.db, target)
    print(f"Backed up {settings.db} to {target} (integrity check: {ok}).")
    return 0 if ok == "ok" else 1


def cmd_moderator_add(args: argparse.Namespace, settings: Settings) -> int:
    password = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("The same password again: ") != password:
        print("The two passwords differ; nothing was changed.", file=sys.stderr)
        return 1
    try:
        uri = db.run_write(settings.db, lambda conn: accounts.add(conn, args.name, password))
    except accounts.ModeratorError as exc:
        print(f"{args.name}: {exc}; nothing was changed.", file=sys.stderr)
        return 1
    print(f"Moderator {args.name} added. Add this to an authenticator app (shown only now):\n{uri}")
    return 0


def cmd_export_hsds(args: argparse.Namespace, settings: Settings) -> int:
    """The whole catalog as HSDS 3.0 JSON: the nested services, and one file per kind of record."""
    if not Path(settings.db).exists():
        print(f"{settings.db}: no database to export (run `kring load` first)", file=sys.stderr)
        return 1
    snapshot = db.run_read(settings.db, catalog.build)
    files = hsds.export(snapshot)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, records in files.items():
        (out / f"{name}.json").write_bytes(msgspec.json.format(msgspec.json.encode(records), indent=1) + b"\n")
    counts = ", ".join(f"{len(records)} {name}" for name, records in files.items())
    print(f"Wrote {out}/: {counts}.")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    """Records of an HSDS or Meeting Guide feed, checked like data/, written in one transaction."""
    known = places.known_places()
    try:
        report = imports.import_feed(
            lambda fn: db.run_write(settings.db, fn),
            known,
            args.format,
            args.source,
            kind=args.kind,
            stop_at_first_error=args.stop_at_first_error,
        )
    except imports.FeedError as exc:
        print(f"{exc}; nothing was changed.", file=sys.stderr)
        return 1
    for line in report.lines:
        print(line)
    counts = ", ".join(f"{report.count(a)} {a}" for a in ("added", "updated", "unchanged", "skipped"))
    if not report.written:
        print(f"Stopped at the first skipped record; nothing was changed ({counts}).", file=sys.stderr)
        return 1
    print(f"Imported into {settings.db}: {counts}.")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Granian: its HTTP side (Rust) keeps a crowd's slowest answers far shorter than uvicorn did (bench/crowd.py)."""
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        "server.app:create_app",
        factory=True,
        interface=Interfaces.ASGI,
        address=args.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        backlog=settings.backlog,
        websockets=False,
        log_access=False,  # DESIGN.md §6: logs hold neither IP addresses nor query strings
    ).serve()
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kring",
        description="Kring: find a support group, a talk circle or group psychotherapy. "
        "Settings come from the environment: KRING_DB (default var/kring.sqlite), KRING_DATA (default data/), "
        "KRING_SECRET, PORT.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the site (Granian, no access log)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default $PORT or 8000)")
    serve.add_argument("--workers", type=int, default=None, help="worker processes (default $KRING_WORKERS or 2)")
    serve.set_defaults(func=cmd_serve)
    check = sub.add_parser("check", help="validate a data folder and change nothing")
    check.add_argument("dir", nargs="?", type=Path, help="data folder (default $KRING_DATA or data/)")
    check.set_defaults(func=cmd_check)
    load = sub.add_parser("load", help="validate a data folder, then load it into the database in one transaction")
    load.add_argument("dir", nargs="?", type=Path, help="data folder (default $KRING_DATA or data/)")
    load.set_defaults(func=cmd_load)
    backup = sub.add_parser("backup", help="write a consistent copy of the database, also while the server runs")
    backup.add_argument("out", help="the new file to write")
    backup.set_defaults(func=cmd_backup)
    export = sub.add_parser("export", help="write the catalog in an open data format")
    export_sub = export.add_subparsers(dest="format", required=True)
    export_hsds = export_sub.add_parser("hsds", help="Open Referral HSDS 3.0 JSON, one file per kind of record")
    export_hsds.add_argument("out", help="the folder to write (made if missing)")
    export_hsds.set_defaults(func=cmd_export_hsds)
    imp = sub.add_parser("import", help="add or update listings from an HSDS or Meeting Guide feed")
    imp.add_argument("format", choices=["hsds", "meeting-guide"], help="the feed's format")
    imp.add_argument("source", help="a file, or an https:// address (for HSDS also an HSDS API's base address)")
    imp.add_argument("--kind", choices=list(get_args(models.Kind)), help="the kind of records that do not say it")
    imp.add_argument("--stop-at-first-error", action="store_true", help="write nothing if any record has to be skipped")
    imp.set_defaults(func=cmd_import)
    moderator = sub.add_parser("moderator", help="manage moderators")
    moderator_sub = moderator.add_subparsers(dest="action", required=True)
    add = moderator_sub.add_parser("add", help="add a moderator (asks for a password, prints the TOTP URI)")
    add.add_argument("name", help="2 to 40 lowercase letters, digits, dots, dashes or underscores")
    add.set_defaults(func=cmd_moderator_add)
    return p


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args, settings or Settings.from_env())


if __name__ == "__main__":
    sys.exit(main())

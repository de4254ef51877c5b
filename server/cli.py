"""The `kring` command: serve, check and load."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from server import db, loader
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
    return 0


def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    data = _check(args.dir or settings.data)
    if data is None:
        return 1
    conn = db.connect(settings.db)
    try:
        counts = loader.load(conn, data)
        version = loader.data_version(conn)
    finally:
        conn.close()
    print(
        f"Loaded into {settings.db}: {counts['groups']} groups, {counts['organizations']} organizations, "
        f"{counts['crisis_lines']} crisis lines, {counts['places']} places, {counts['guides']} guides "
        f"({counts['removed']} removed). Data version {version}."
    )
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port or settings.port,
        workers=args.workers,
        access_log=False,  # DESIGN.md §6: logs hold neither IP addresses nor query strings
        server_header=False,
        proxy_headers=False,
    )
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kring",
        description="Kring: find a support group, a talk circle or group psychotherapy. "
        "Settings come from the environment: KRING_DB (default var/kring.sqlite), KRING_DATA (default data/), "
        "KRING_SECRET, PORT.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the site (uvicorn, no access log)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default $PORT or 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(func=cmd_serve)
    check = sub.add_parser("check", help="validate a data folder and change nothing")
    check.add_argument("dir", nargs="?", type=Path, help="data folder (default $KRING_DATA or data/)")
    check.set_defaults(func=cmd_check)
    load = sub.add_parser("load", help="validate a data folder, then load it into the database in one transaction")
    load.add_argument("dir", nargs="?", type=Path, help="data folder (default $KRING_DATA or data/)")
    load.set_defaults(func=cmd_load)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args, Settings.from_env())


if __name__ == "__main__":
    sys.exit(main())

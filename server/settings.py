"""Settings, read once from the environment into one frozen Struct."""

from __future__ import annotations

import os
from pathlib import Path

from msgspec import Struct


class Settings(Struct, frozen=True, kw_only=True):
    db: Path = Path("var/kring.sqlite")
    data: Path = Path("data")
    secret: str = ""
    port: int = 8000
    debug: bool = False
    # A name for this deployment; a new one makes browsers take the new service worker even when no
    # file changed (the worker's version is a hash of the files and this).
    release: str = ""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        port = env.get("PORT", "8000")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise SystemExit(f"PORT: {port!r} is not a port number (1-65535)")
        return cls(
            db=Path(env.get("KRING_DB", "var/kring.sqlite")),
            data=Path(env.get("KRING_DATA", "data")),
            secret=env.get("KRING_SECRET", ""),
            port=int(port),
            debug=env.get("KRING_DEBUG", "") == "1",
            release=env.get("KRING_RELEASE", ""),
        )

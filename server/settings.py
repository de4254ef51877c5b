"""Settings, read once from the environment into one frozen Struct."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from msgspec import Struct


def _https(url: str) -> str:
    if not url.startswith("https://") or any(c in url for c in "\"'<> "):
        raise SystemExit(f"KRING_EXIT_URL: {url!r} is not an https:// address")
    return url


def _origin(url: str) -> str:
    """KRING_PUBLIC_URL: an origin such as https://kring.example.org (no path, query or trailing slash)."""
    url = url.rstrip("/")
    scheme, sep, host = url.partition("://")
    if not url or (scheme in ("http", "https") and sep and host and not any(c in host for c in "/?#\"'<> ")):
        return url
    raise SystemExit(f"KRING_PUBLIC_URL: {url!r} is not an origin such as https://kring.example.org")


def _positive(name: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{name}: {value!r} is not a positive whole number")
    return int(value)


class Settings(Struct, frozen=True, kw_only=True):
    db: Path = Path("var/kring.sqlite")
    # Where the shared secret and the rate limit's counts are kept; empty: beside the database. Set it where the
    # database's folder takes nothing else (LiteFS's mount, README.md "Beyond one machine").
    state: Path | None = None
    data: Path = Path("data")
    secret: str = ""
    port: int = 8000
    debug: bool = False
    # A name for this deployment; a new one makes browsers take the new service worker even when no
    # file changed (the worker's version is a hash of the files and this).
    release: str = ""
    # Host names the site answers to (Host header); "*.example.org" allows its subdomains.
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "[::1]")
    # Send Strict-Transport-Security: set it when the site is served over HTTPS (behind a proxy, say).
    hsts: bool = False
    # Anonymous form sends (submit, report) allowed per visitor and minute, across all worker processes.
    form_rate_limit: int = 5
    # Where the quick exit goes: a neutral site, loaded in place of Kring without a history entry.
    exit_url: str = "https://www.wikipedia.org/"
    # The public origin, for absolute links (hreflang); empty: the origin of each request.
    public_url: str = ""
    # `kring serve`: worker processes, and the connections the kernel holds for them before they accept.
    workers: int = 2
    backlog: int = 1024
    # A read-only instance: it serves a replica's copy of the database (LiteFS) and writes nothing there; the
    # reverse proxy sends sends and moderators to the one writer (README.md, "Beyond one machine").
    read_only: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        port = env.get("PORT", "8000")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise SystemExit(f"PORT: {port!r} is not a port number (1-65535)")
        return cls(
            db=Path(env.get("KRING_DB", "var/kring.sqlite")),
            state=Path(env["KRING_STATE"]) if env.get("KRING_STATE") else None,
            data=Path(env.get("KRING_DATA", "data")),
            secret=env.get("KRING_SECRET", ""),
            port=int(port),
            debug=env.get("KRING_DEBUG", "") == "1",
            release=env.get("KRING_RELEASE", ""),
            allowed_hosts=tuple(
                h.strip() for h in env.get("KRING_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
            ),
            hsts=env.get("KRING_HSTS", "") == "1",
            form_rate_limit=_positive("KRING_FORM_RATE_LIMIT", env.get("KRING_FORM_RATE_LIMIT", "5")),
            exit_url=_https(env.get("KRING_EXIT_URL", "https://www.wikipedia.org/")),
            public_url=_origin(env.get("KRING_PUBLIC_URL", "")),
            workers=_positive("KRING_WORKERS", env.get("KRING_WORKERS", "2")),
            backlog=_positive("KRING_BACKLOG", env.get("KRING_BACKLOG", "1024")),
            read_only=env.get("KRING_READ_ONLY", "") == "1",
        )


def state_dir(settings: Settings) -> Path:
    """KRING_STATE, or else the database's folder."""
    return settings.state or settings.db.parent


def secret(settings: Settings) -> str:
    """KRING_SECRET, or else a random one kept beside the database, so that every worker shares it.

    It keys the CSRF tokens of /moderate and the rate limit's hash of addresses.
    """
    if settings.secret:
        return settings.secret
    path = state_dir(settings) / "secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole to a file of its own, then linked into place: a worker starting at the same moment
        # finds either no secret (and links its own, or loses the race) or a complete one.
        temporary = path.with_name(f"secret.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()

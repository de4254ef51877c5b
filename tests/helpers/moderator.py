"""A moderator signing in and sending forms through a Litestar TestClient (tests of /moderate, and of workers)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyotp
from bs4 import BeautifulSoup
from litestar.testing import TestClient

from server import accounts, db

HTTPS = "https://127.0.0.1"  # the session cookie is Secure (and __Host-): a browser sends it over https only
PASSWORD = "correct horse battery staple"


class Moderator:
    def __init__(self, client: TestClient, path: Path, name: str, secret: str) -> None:
        self.client, self.path, self.name, self.secret = client, path, name, secret
        self.step = 0

    def code(self) -> str:
        """A code of a time step not used yet (each is accepted once; the next step is accepted too)."""
        totp = pyotp.TOTP(self.secret)
        self.step = max(totp.timecode(dt.datetime.now(dt.UTC)), self.step + 1)
        return totp.generate_otp(self.step)

    def csrf(self, url: str) -> str:
        page = self.client.get(url)
        field = BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "_csrf_token"})
        assert field is not None, f"no CSRF token on {url}"
        return str(field["value"])

    def sign_in(self, password: str = PASSWORD, code: str | None = None):
        token = self.csrf("/moderate/sign-in")
        return self.client.post(
            "/moderate/sign-in",
            data={"name": self.name, "password": password, "code": code or self.code(), "_csrf_token": token},
        )

    def post(self, url: str, data: dict[str, object], page: str | None = None):
        token = self.csrf(page or "/moderate")
        return self.client.post(url, data={**data, "_csrf_token": token})


def add(path: Path, name: str) -> str:
    """A new moderator in the database at `path`; returns the TOTP secret."""
    uri = db.run_write(path, lambda conn: accounts.add(conn, name, PASSWORD))
    return parse_qs(urlparse(uri).query)["secret"][0]

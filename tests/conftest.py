"""Apps on throwaway databases: one with the real data/, one with the made-up fixture listings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from litestar.testing import TestClient

from server import db, loader
from server.app import create_app
from server.settings import Settings
from tests import fixtures

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
BASE_URL = "http://127.0.0.1"  # an allowed host in the default settings


def build_db(path: Path, data: loader.Dataset) -> Path:
    db.run_write(path, lambda conn: loader.load(conn, data))
    return path


@pytest.fixture(scope="session")
def real_data() -> loader.Dataset:
    return loader.read(DATA)


@pytest.fixture(scope="session")
def real_db(tmp_path_factory: pytest.TempPathFactory, real_data: loader.Dataset) -> Path:
    return build_db(tmp_path_factory.mktemp("real") / "kring.sqlite", real_data)


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_db(tmp_path_factory.mktemp("fixture") / "kring.sqlite", fixtures.dataset())


@pytest.fixture(scope="session")
def client(real_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=real_db)), base_url=BASE_URL) as c:
        yield c


@pytest.fixture(scope="session")
def fclient(fixture_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=fixture_db)), base_url=BASE_URL) as c:
        yield c


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def result_ids(html: str) -> list[str]:
    """The group ids listed in a results fragment or a listing page, in order."""
    page = soup(html)
    return [a["href"].rsplit("/", 1)[1] for a in page.select("#results .listing h2 a")]

"""What handlers are given by Litestar's dependency injection and guards: the database, the catalog's current
snapshot, and the check that a page's language is one Kring speaks."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler

from server import i18n
from server.catalog import Snapshot
from server.db import Database


async def database(state: State) -> Database:
    """The one door to SQLite, opened by the app's lifespan."""
    found: Database = state.database
    return found


async def snapshot(state: State) -> Snapshot:
    """What visitors can see now: the catalog's current snapshot (rebuilt when the data version changes)."""
    return await state.catalog.current()


async def known_language(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """A guard for /{lang}/…: a language Kring does not speak is a page that does not exist."""
    if connection.path_params.get("lang") not in i18n.KNOWN_LOCALES:
        raise NotFoundException("No such page")


# What the app provides to every handler that names it as a parameter.
DEPENDENCIES = {"database": Provide(database), "snapshot": Provide(snapshot)}

"""What handlers are given by Litestar's dependency injection: the database, the catalog's current snapshot, the
settings, the filters of a listing request; and the check, before each /{lang}/ request, that its language is one
Kring speaks."""

from __future__ import annotations

from typing import NamedTuple

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException

from server import i18n, search
from server.catalog import Snapshot
from server.db import Database
from server.settings import Settings


class Chosen(NamedTuple):
    """A listing request's filters, and each parameter value that was not understood."""

    filters: search.Filters
    problems: list[search.ParamError]


def chosen(request: Request, snapshot: NamedDependency[Snapshot]) -> Chosen:
    """The one reading of the listing's parameters (search.parse_filters), for the pages and the API alike."""
    items = request.query_params.multi_items()
    return Chosen(*search.parse_filters(items, place_ids=snapshot.places, registry=snapshot.facets))


async def known_language(request: Request) -> None:
    """Before each request to /{lang}/…: a language Kring does not speak is a page that does not exist.

    A hook, not a guard: Litestar copies the route handler for each guard it calls, about 0.02 ms a request."""
    if request.path_params.get("lang") not in i18n.KNOWN_LOCALES:
        raise NotFoundException("No such page")


def provided(state: State) -> dict[str, Provide]:
    """What the app provides to every handler that names it as a parameter.

    The database, the snapshot and the settings take no parameter of their own but close over the app's
    state: Litestar decodes a signature model for each dependency with parameters on every request, which
    cost a results fragment about 0.03 ms per dependency (bench/latency.py).
    """

    async def database() -> Database:
        """The one door to SQLite, opened by the app's lifespan."""
        found: Database = state.database
        return found

    async def snapshot(database: NamedDependency[Database]) -> Snapshot:
        """What visitors can see now: the catalog's current snapshot (rebuilt when the data version changes).

        It is read from the database, and says so: a handler given both then has them one after the other. Given
        side by side, Litestar resolves them in an anyio task group, about 3 % of an uncached listing request (a
        profile of bench/crowd.py's URLs), more than the signature this parameter needs.
        """
        del database  # the catalog holds the same one
        found: Snapshot = await state.catalog.current()
        return found

    def settings() -> Settings:
        found: Settings = state.settings
        return found

    return {
        "database": Provide(database),
        "snapshot": Provide(snapshot),
        "settings": Provide(settings, sync_to_thread=False),
        "chosen": Provide(chosen, sync_to_thread=False),
    }

"""The JSON API against its own OpenAPI schema (/schema/openapi.json), with Schemathesis.

For every operation in the schema, Schemathesis generates requests (the schema's examples, boundary
and invalid values of each parameter, then random ones) and validates every answer with all of its
default checks: no 5xx, a status code the schema documents, the documented content type and headers,
a body that matches the documented schema, invalid data rejected and valid data accepted. Any failure
fails the test, with a curl command that reproduces it.

The schema is fetched at collection time, because that is when `schema.parametrize()` makes one test
per operation, so it comes from an app on an empty database; the requests go to an app on the real
data/ (`real_db`), which serves the same schema (test_served_schema_is_the_one_tested). Schemathesis
runs each app's lifespan (which opens its database) itself, in process. Everything is asked of
http://127.0.0.1, an allowed host (Schemathesis' own default, testserver, is not).

`schemathesis.pytest.from_fixture` would take the schema from a fixture directly, but with
Schemathesis 4.32.5 and pytest 9.2 it fails (it sets `request.node._nodeid`, which pytest no longer has).
"""

from __future__ import annotations

import tempfile
import zlib
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from litestar.testing import TestClient

from server import facets, loader
from server.app import create_app
from server.places import known_places
from server.settings import Settings
from tests.conftest import BASE_URL

SCHEMA_PATH = "/schema/openapi.json"
HOST = BASE_URL.removeprefix("http://")


# Removed at exit; Schemathesis ends the lifespan of the app on it after the first test.
_EMPTY = tempfile.TemporaryDirectory(prefix="kring-schema-")


def _load_schema() -> schemathesis.BaseSchema:
    app = create_app(Settings(db=Path(_EMPTY.name) / "empty.sqlite"))
    loaded = schemathesis.openapi.from_asgi(SCHEMA_PATH, app, headers={"host": HOST})
    loaded.config.update(base_url=BASE_URL)
    # Schemathesis 4.23+ also draws literals from the app's source code, and sends a float one as is: `page=2.0`
    # (from 2.0 in server/catalog.py), which "integer" admits but a query string means as text, and Kring
    # rightly refuses. Its own generator never spells integers so in query strings; this feature does.
    loaded.config.analysis.constants.enabled = False
    return loaded


schema = _load_schema()

# `near` takes the id of a known place (GET /api/v1/places lists them); any other string is rightly a 400, which
# the schema cannot say without listing them all. So, as Schemathesis' docs advise for values that come from
# data, a generated `near` is replaced by a real id (picked from the generated string, so runs stay repeatable):
# `near` is a string either way, so positive cases stay positive and negative ones negative.
PLACE_IDS = sorted(known_places())


@schema.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    near = (case.query or {}).get("near")
    if isinstance(near, str):
        case.query["near"] = PLACE_IDS[zlib.crc32(near.encode("utf-8", "surrogatepass")) % len(PLACE_IDS)]
    return case


# An array query parameter is sent as `name=value` once per item, so a negative case that makes one an object or a
# string ("was array, became object") is, on the wire, an array of that object's values or of that one string:
# `membership=%09&membership=%0C` for {"a": "\t", "b": "\f"}, two blank values, which Kring rightly ignores.
# Such a case claims a violation the request may not carry: it is kept only when one of those values is one
# Kring refuses (not blank, not a choice), and left out otherwise. Negative cases of any other kind are all kept.
def _refused(param: str, item: object) -> bool:
    if isinstance(item, str):
        return item.strip() != "" and not facets.REGISTRY[param].accepts(item.strip())
    return isinstance(item, int | float)  # "0", "1.5", "True": never a choice


@schema.hook
def filter_case(context: schemathesis.HookContext, case: schemathesis.Case) -> bool:
    if case.meta is None or case.meta.generation.mode != schemathesis.GenerationMode.NEGATIVE:
        return True
    for param, value in (case.query or {}).items():
        if param in facets.REGISTRY and isinstance(value, dict | str):
            items = value.values() if isinstance(value, dict) else [value]
            if not any(_refused(param, item) for item in items):
                return False
    return True


@pytest.fixture(scope="module")
def api_app(real_db: Path) -> Litestar:
    # An app of its own: Schemathesis starts and stops its lifespan, which the conftest clients' apps must keep.
    return create_app(Settings(db=real_db))


def test_served_schema_is_the_one_tested(client: TestClient) -> None:
    assert client.get(SCHEMA_PATH).json() == schema.raw_schema


def test_schema_lists_the_api() -> None:
    """A guard against testing nothing: every JSON API operation is in the schema."""
    assert {result.ok().label for result in schema.get_all_operations()} >= {
        "GET /api/v1/groups",
        "GET /api/v1/groups/{group_id}",
        "GET /api/v1/crisis-lines",
        "GET /api/v1/catalog",
        "GET /api/v1/places",
    }


@schema.parametrize()
# derandomize: the same examples on every run, so that CI cannot fail by the luck of the draw.
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_api_conforms_to_its_schema(case: schemathesis.Case, api_app: Litestar) -> None:
    case.call_and_validate(app=api_app)


@pytest.mark.parametrize("path", ["/api/v1/catalog", "/api/v1/places"])
def test_revalidation_conforms_to_the_schema(path: str, api_app: Litestar) -> None:
    """The 304 of a request with the current ETag, which generated requests cannot guess, is documented too."""
    operation = schema[path]["GET"]
    first = operation.Case().call_and_validate(app=api_app)
    etag = first.headers["etag"][0]
    again = operation.Case(headers={"If-None-Match": etag}).call_and_validate(app=api_app)
    assert (again.status_code, again.content) == (304, b"")


def test_every_group_conforms_to_the_schema(real_data: loader.Dataset, api_app: Litestar) -> None:
    """Generated ids are unknown (404): each group of data/ is asked for by its own id, and its answer validated."""
    operation = schema["/api/v1/groups/{group_id}"]["GET"]
    statuses = [
        operation.Case(path_parameters={"group_id": group.id}).call_and_validate(app=api_app).status_code
        for group in real_data.groups
    ]
    assert 200 in statuses

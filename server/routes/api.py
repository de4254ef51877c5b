"""The JSON API (/api/v1): groups with the listing's filters, one group, and the crisis lines."""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import HTTPException, NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, Parameter

from server import models, search
from server.catalog import Catalog
from server.labels import PROBLEMS

_LIST = "Repeat the parameter for several values; any of them matches."

# Error answers, as server/web.py http_error writes them: {status, detail, errors?}. `errors` lists the parameters
# Kring does not accept ({param, value, problem}) or those that failed validation ({message, key, source}).
BAD_REQUEST = ResponseSpec(
    models.ProblemDetail,
    generate_examples=False,
    description="A parameter is not accepted; `errors` says which and why.",
)
NOT_FOUND = ResponseSpec(models.ProblemDetail, generate_examples=False, description="No active group has this id.")


# For the schema only: search.parse_filters checks the values. It strips each one (str.strip) and skips an
# empty one, so the patterns allow white space around a value, or only white space.
def _space() -> str:
    """The characters str.strip() removes, as the inside of a regex character class."""
    ranges: list[list[int]] = []
    for n in range(0x10000):
        if chr(n).isspace():
            if ranges and ranges[-1][1] == n - 1:
                ranges[-1][1] = n
            else:
                ranges.append([n, n])
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


_SPACE = _space()


def _choices(param: str) -> dict[str, Any]:
    """What each value of a list parameter may be."""
    values = search.CHOICES.get(param) or sorted(search.LANGUAGE_CODES)
    padded = f"^[{_SPACE}]*(?:{'|'.join(map(re.escape, values))})?[{_SPACE}]*$"
    return {"items": {"anyOf": [{"type": "string", "enum": list(values)}, {"type": "string", "pattern": padded}]}}


# q: at most MAX_QUERY_LENGTH characters once stripped.
_QUERY = f"^[{_SPACE}]*(?:[^{_SPACE}](?:[\\s\\S]{{0,{search.MAX_QUERY_LENGTH - 2}}}[^{_SPACE}])?)?[{_SPACE}]*$"


class GroupsController(Controller):
    path = "/api/v1"
    tags = ["groups"]

    @get("/groups", operation_id="listGroups", responses={400: BAD_REQUEST})
    async def list_groups(
        self,
        request: Request,
        q: str | None = Parameter(
            default=None,
            description=f"Words; each must start a word of the listing. At most {search.MAX_QUERY_LENGTH} characters.",
            schema_extra={"pattern": _QUERY},
        ),
        kind: list[str] | None = Parameter(
            default=None, description=f"{', '.join(search.CHOICES['kind'])}. {_LIST}", schema_extra=_choices("kind")
        ),
        theme: list[str] | None = Parameter(
            default=None, description=f"A theme key. {_LIST}", schema_extra=_choices("theme")
        ),
        format: list[str] | None = Parameter(
            default=None, description="in_person, online or hybrid.", schema_extra=_choices("format")
        ),
        near: str | None = Parameter(
            default=None, description="A place id (see the listing page); GET /api/v1/places lists them."
        ),
        within: int | None = Parameter(
            default=None,
            description="Kilometres around `near`: 5, 10, 25, 50, 100.",
            schema_extra={"enum": list(search.WITHIN_CHOICES)},
        ),
        lang: list[str] | None = Parameter(
            default=None, description="Spoken language, ISO 639-1.", schema_extra=_choices("lang")
        ),
        led_by: list[str] | None = Parameter(
            default=None, description="professional, peer, volunteer or mixed.", schema_extra=_choices("led_by")
        ),
        cost: list[str] | None = Parameter(
            default=None, description="free, contribution or paid.", schema_extra=_choices("cost")
        ),
        access: list[str] | None = Parameter(
            default=None, description="Needs that must all be met.", schema_extra=_choices("access")
        ),
        audience: list[str] | None = Parameter(
            default=None, description=f"An audience key. {_LIST}", schema_extra=_choices("audience")
        ),
        membership: list[str] | None = Parameter(
            default=None, description="open or closed.", schema_extra=_choices("membership")
        ),
        page: int | None = Parameter(default=None, ge=1, le=search.MAX_PAGE, description="Page, 20 per page."),
    ) -> models.GroupPage:
        """Active groups matching every filter, in the same order as the listing page."""
        catalog: Catalog = request.app.state.catalog
        snapshot = await catalog.current()
        filters, problems = search.parse_filters(request.query_params.multi_items(), place_ids=snapshot.places)
        if problems:
            errors = [{"param": p.param, "value": p.value, "problem": PROBLEMS[p.problem]} for p in problems]
            detail = "; ".join(f"{e['param']}={e['value']!r}: {e['problem']}" for e in errors)
            raise HTTPException(status_code=400, detail=f"Bad parameter: {detail}", extra={"errors": errors})
        results = await snapshot.search(catalog.database, filters)
        return models.GroupPage(
            total=results.total,
            page=filters.page,
            per_page=search.PER_PAGE,
            pages=results.pages,
            data_version=results.version,
            items=[listing.summary("en", distance) for listing, distance in results.items],
        )

    @get("/groups/{group_id:str}", operation_id="getGroup", responses={400: BAD_REQUEST, 404: NOT_FOUND})
    async def get_group(self, request: Request, group_id: FromPath[str]) -> models.Group:
        """One listing, with every known field; unknown fields are left out."""
        catalog: Catalog = request.app.state.catalog
        listing = (await catalog.current()).by_id.get(group_id)
        if listing is None:
            raise NotFoundException(f"No group has the id {group_id!r}")
        return listing.group

    @get("/crisis-lines", operation_id="listCrisisLines", tags=["crisis"])
    async def crisis_lines(self, request: Request) -> list[models.CrisisLine]:
        """Crisis lines of Belgium and the Netherlands, in the order the crisis page shows them."""
        catalog: Catalog = request.app.state.catalog
        return (await catalog.current()).crisis_lines

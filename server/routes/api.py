"""The JSON API (/api/v1): groups with the listing's filters, one group, and the crisis lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation, Parameter, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import FromPath

from server import facets, models, search
from server.catalog import Snapshot
from server.db import Database
from server.deps import Chosen
from server.facets import Facet
from server.labels import PROBLEMS

# Error answers, as server/web.py http_error writes them: {status, detail, errors?}. `errors` lists the parameters
# Kring does not accept ({param, value, problem}); only a path parameter Litestar itself checks would give
# its own shape ({message, key, source}).
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


def _list(facet: Facet) -> Parameter:
    """A facet's parameter: repeatable, each value one of its choices (blank values are ignored)."""
    values = facet.values
    padded = f"^[{_SPACE}]*(?:{'|'.join(map(re.escape, values))})?[{_SPACE}]*$"
    rule = "all of them must be met" if facet.rule == "all" else "any of them matches"
    return Parameter(
        name=facet.param,
        param_in="query",
        schema=Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                any_of=[
                    Schema(type=OpenAPIType.STRING, enum=list(values)),
                    Schema(type=OpenAPIType.STRING, pattern=padded),
                ]
            ),
        ),
        description=f"{facet.doc} Repeat the parameter for several values; {rule}.",
        style="form",
        explode=True,
    )


# q: at most MAX_QUERY_LENGTH characters once stripped.
_QUERY = f"^[{_SPACE}]*(?:[^{_SPACE}](?:[\\s\\S]{{0,{search.MAX_QUERY_LENGTH - 2}}}[^{_SPACE}])?)?[{_SPACE}]*$"


def filter_parameters() -> list[Parameter]:
    """The listing's parameters: search.py's single ones, then every facet of server/facets.py, in order."""
    string, integer = OpenAPIType.STRING, OpenAPIType.INTEGER
    first = [
        Parameter(
            name="q",
            param_in="query",
            schema=Schema(type=string, pattern=_QUERY),
            description=f"Words; each must start a word of the listing. At most {search.MAX_QUERY_LENGTH} characters.",
        )
    ]
    last = [
        Parameter(
            name="near",
            param_in="query",
            schema=Schema(type=string),
            description="A place id (see the listing page); GET /api/v1/places lists them.",
        ),
        Parameter(
            name="within",
            param_in="query",
            schema=Schema(type=integer, enum=list(search.WITHIN_CHOICES)),
            description=f"Kilometres around `near`: {', '.join(map(str, search.WITHIN_CHOICES))}.",
        ),
        Parameter(
            name="soon",
            param_in="query",
            schema=Schema(type=integer, minimum=1, maximum=search.WINDOW_DAYS),
            description="Days ahead: only groups with a meeting from today to that many days later (the form offers "
            f"{search.SOON_CHOICE}). Dates are known {search.WINDOW_DAYS} days ahead.",
        ),
        Parameter(
            name="order",
            param_in="query",
            schema=Schema(type=string, pattern=f"^[{_SPACE}]*(?:{'|'.join(search.ORDERS)})?[{_SPACE}]*$"),
            description="checked (the default: most recently checked first) or next (the next meeting first; groups "
            "without a known date after those with one). Groups not checked for a year always come last.",
        ),
        Parameter(
            name="page",
            param_in="query",
            schema=Schema(type=integer, minimum=1, maximum=search.MAX_PAGE),
            description=f"Page, {search.PER_PAGE} per page.",
        ),
    ]
    return [*first, *(_list(facet) for facet in facets.REGISTRY), *last]


@dataclass
class ListGroupsOperation(Operation):
    """listGroups documents the parameters of the registry. The handler declares none of them: Litestar would
    check some a first time, with an error of its own shape, before search.parse_filters checks them all."""

    def __post_init__(self) -> None:
        self.parameters = [*(self.parameters or []), *filter_parameters()]


class GroupsController(Controller):
    path = "/api/v1"
    tags = ["groups"]

    @get("/groups", operation_id="listGroups", operation_class=ListGroupsOperation, responses={400: BAD_REQUEST})
    async def list_groups(
        self, database: NamedDependency[Database], snapshot: NamedDependency[Snapshot], chosen: NamedDependency[Chosen]
    ) -> models.GroupPage:
        """Active groups matching every filter, in the same order as the listing page."""
        filters, problems = chosen
        if problems:
            errors = [{"param": p.param, "value": p.value, "problem": PROBLEMS[p.problem]} for p in problems]
            detail = "; ".join(f"{e['param']}={e['value']!r}: {e['problem']}" for e in errors)
            raise HTTPException(status_code=400, detail=f"Bad parameter: {detail}", extra={"errors": errors})
        results = await snapshot.search(database, filters)
        near = snapshot.places[filters.near] if filters.near else None
        return models.GroupPage(
            total=results.total,
            page=filters.page,
            per_page=search.PER_PAGE,
            pages=results.pages,
            data_version=results.version,
            items=[listing.summary("en", distance, results.today, near) for listing, distance in results.items],
        )

    @get("/groups/{group_id:str}", operation_id="getGroup", responses={400: BAD_REQUEST, 404: NOT_FOUND})
    async def get_group(self, snapshot: NamedDependency[Snapshot], group_id: FromPath[str]) -> models.GroupDetail:
        """One listing, with every known field (unknown fields are left out), its meetings and their next dates."""
        listing = snapshot.by_id.get(group_id)
        if listing is None:
            raise NotFoundException(f"No group has the id {group_id!r}")
        dates = [
            models.MeetingDate(meeting=w.meeting, starts=w.starts, ends=w.ends, time_known=w.timed)
            for w in listing.upcoming(search.today())
        ]
        return models.GroupDetail(**msgspec.structs.asdict(listing.group), next_dates=dates)

    @get("/crisis-lines", operation_id="listCrisisLines", tags=["crisis"])
    async def crisis_lines(self, snapshot: NamedDependency[Snapshot]) -> list[models.CrisisLine]:
        """Crisis lines of Belgium and the Netherlands, in the order the crisis page shows them."""
        return snapshot.crisis_lines

"""The JSON API (/api/v1): groups with the listing's filters, one group, and the crisis lines."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, Parameter

from server import models, search
from server.catalog import Catalog
from server.labels import PROBLEMS

_LIST = "Repeat the parameter for several values; any of them matches."


class GroupsController(Controller):
    path = "/api/v1"
    tags = ["groups"]

    @get("/groups", operation_id="listGroups")
    async def list_groups(
        self,
        request: Request,
        q: str | None = Parameter(default=None, description="Words; each must start a word of the listing."),
        kind: list[str] | None = Parameter(default=None, description=f"{', '.join(search.CHOICES['kind'])}. {_LIST}"),
        theme: list[str] | None = Parameter(default=None, description=f"A theme key. {_LIST}"),
        format: list[str] | None = Parameter(default=None, description="in_person, online or hybrid."),
        near: str | None = Parameter(default=None, description="A place id (see the listing page)."),
        within: int | None = Parameter(default=None, description="Kilometres around `near`: 5, 10, 25, 50, 100."),
        lang: list[str] | None = Parameter(default=None, description="Spoken language, ISO 639-1."),
        led_by: list[str] | None = Parameter(default=None, description="professional, peer, volunteer or mixed."),
        cost: list[str] | None = Parameter(default=None, description="free, contribution or paid."),
        access: list[str] | None = Parameter(default=None, description="Needs that must all be met."),
        audience: list[str] | None = Parameter(default=None, description=f"An audience key. {_LIST}"),
        membership: list[str] | None = Parameter(default=None, description="open or closed."),
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
        results = await snapshot.search(catalog.conn, filters)
        return models.GroupPage(
            total=results.total,
            page=filters.page,
            per_page=search.PER_PAGE,
            pages=results.pages,
            data_version=results.version,
            items=[listing.summary("en", distance) for listing, distance in results.items],
        )

    @get("/groups/{group_id:str}", operation_id="getGroup")
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

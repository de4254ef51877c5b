"""The open data feeds: Open Referral HSDS 3.0 under /api/hsds (the HSDS API's paths) and the Meeting Guide feed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, NamedTuple

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, Parameter

from server import hsds, meeting_guide, models, search
from server.catalog import Listing, Snapshot
from server.settings import Settings

PER_PAGE = 50
MAX_PER_PAGE = 500
BAD_REQUEST = ResponseSpec(models.ProblemDetail, generate_examples=False, description="A parameter is not accepted.")
NOT_FOUND = ResponseSpec(models.ProblemDetail, generate_examples=False, description="No record has this id.")


class Index(NamedTuple):
    """What the HSDS paths look records up by, made once per snapshot (which never changes). Services are made
    only for the page asked: all 10,000 of a large catalog would hold the event loop for seconds."""

    listings: list[tuple[str, str | None, Listing]]  # (modified, organization UUID, listing), by Kring id
    by_uuid: dict[str, Listing]
    organizations: dict[str, models.Organization]  # by UUID, in the order of their names


_index: dict[int, tuple[Snapshot, Index]] = {}


def index(snapshot: Snapshot) -> Index:
    made = _index.get(id(snapshot))
    if made is None or made[0] is not snapshot:
        items = sorted(snapshot.by_id.values(), key=lambda i: i.group.id)
        org_uuid = {oid: hsds.uid("organization", oid) for oid in snapshot.organizations}
        orgs = sorted(snapshot.organizations.values(), key=lambda o: o.name)
        made = (
            snapshot,
            Index(
                listings=[(i.modified, org_uuid.get(i.group.organization or ""), i) for i in items],
                by_uuid={hsds.uid("service", i.group.id): i for i in items},
                organizations={org_uuid[o.id]: o for o in orgs},
            ),
        )
        _index.clear()
        _index[id(snapshot)] = made
    return made[1]


def service_of(snapshot: Snapshot, listing: Listing) -> hsds.Service:
    return hsds.service(listing.group, listing.organization, snapshot.places, listing.modified)


# RFC 3339's date-time (what HSDS's modified_after is), which datetime.fromisoformat then reads.
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$")


def _moment(value: str | None) -> str | None:
    """modified_after as the UTC text Kring stores (2026-12-01T00:00:00Z), so that it compares as text."""
    if value is None:
        return None
    try:
        if not DATE_TIME.match(value):
            raise ValueError
        moment = dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        detail = f"modified_after={value!r}: not an RFC 3339 date-time, such as 2026-12-01T09:30:00Z"
        raise HTTPException(status_code=400, detail=detail) from None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


PageNumber = Annotated[int, Parameter(ge=1, le=100_000, description="Page number, from 1.")]
PerPage = Annotated[int, Parameter(ge=1, le=MAX_PER_PAGE, description=f"Records per page (at most {MAX_PER_PAGE}).")]
ModifiedAfter = Annotated[
    str | None,
    Parameter(
        description="Only records modified on or after this date-time (RFC 3339, e.g. 2026-12-01T09:30:00Z).",
        schema_extra={"format": "date-time"},
    ),
]


class HSDSController(Controller):
    """The HSDS 3.0 API's required paths, with Kring's listings as services."""

    path = "/api/hsds"
    tags = ["open data"]

    @get("/", operation_id="hsdsRoot")
    async def root(self, request: Request) -> hsds.Root:
        """The API's version, profile and OpenAPI document, as HSDS asks of its `/`."""
        return hsds.Root(
            version=hsds.VERSION,
            profile=hsds.PROFILE,
            openapi_url=str(request.base_url).rstrip("/") + "/schema/openapi.json",
        )

    @get("/services", operation_id="hsdsServices", responses={400: BAD_REQUEST})
    async def services(
        self,
        snapshot: NamedDependency[Snapshot],
        page: PageNumber = 1,
        per_page: PerPage = PER_PAGE,
        modified_after: ModifiedAfter = None,
        organization_id: Annotated[str | None, Parameter(description="Only this organization's services.")] = None,
    ) -> hsds.Page:
        """Every listing as a fully nested HSDS service, by Kring id, a page at a time."""
        after = _moment(modified_after)
        chosen = [
            listing
            for modified, org, listing in index(snapshot).listings
            if (after is None or modified >= after) and (organization_id is None or org == organization_id)
        ]
        start = (page - 1) * per_page
        items = [service_of(snapshot, listing) for listing in chosen[start : start + per_page]]
        return hsds.page(items, page, per_page, len(chosen))

    @get("/services/{service_id:str}", operation_id="hsdsService", responses={404: NOT_FOUND})
    async def service(self, snapshot: NamedDependency[Snapshot], service_id: FromPath[str]) -> hsds.Service:
        """One service by its UUID (or its Kring id)."""
        listing = index(snapshot).by_uuid.get(service_id) or snapshot.by_id.get(service_id)
        if listing is None:
            raise NotFoundException(f"No service has the id {service_id!r}")
        return service_of(snapshot, listing)

    @get("/organizations", operation_id="hsdsOrganizations", responses={400: BAD_REQUEST})
    async def organizations(
        self, snapshot: NamedDependency[Snapshot], page: PageNumber = 1, per_page: PerPage = PER_PAGE
    ) -> hsds.OrganizationPage:
        """Every organization, a page at a time."""
        orgs = list(index(snapshot).organizations.values())
        start = (page - 1) * per_page
        items = [hsds.organization(o) for o in orgs[start : start + per_page]]
        return hsds.page(items, page, per_page, len(orgs), hsds.OrganizationPage)

    @get("/organizations/{organization_id:str}", operation_id="hsdsOrganization", responses={404: NOT_FOUND})
    async def organization(
        self, snapshot: NamedDependency[Snapshot], organization_id: FromPath[str]
    ) -> hsds.Organization:
        """One organization by its UUID (or its Kring id)."""
        orgs = index(snapshot).organizations
        found = orgs.get(organization_id) or orgs.get(hsds.uid("organization", organization_id))
        if found is None:
            raise NotFoundException(f"No organization has the id {organization_id!r}")
        return hsds.organization(found)


def _origin(request: Request, settings: Settings) -> str:
    return settings.public_url or str(request.base_url).rstrip("/")


@get("/api/meeting-guide.json", operation_id="meetingGuide", tags=["open data"])
async def meeting_guide_feed(
    request: Request, snapshot: NamedDependency[Snapshot], settings: NamedDependency[Settings]
) -> list[meeting_guide.Meeting]:
    """Every weekly meeting with a day and a time, in the Meeting Guide feed's fields (Code for Recovery's spec)."""
    origin = _origin(request, settings)
    found: list[Any] = []
    for item in sorted(snapshot.active, key=lambda i: i.group.id):
        if search.is_hidden(item.group.last_checked, snapshot.today):
            continue  # not checked for 18 months: the site no longer shows it either
        url = f"{origin}/en/groups/{item.group.id}"
        found.extend(meeting_guide.meetings(item.group, item.organization, snapshot.places, url, item.modified))
    return found

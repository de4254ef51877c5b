"""The HTML pages: home, the listing and its results fragment, one group, crisis, the helper, guides, about."""

from __future__ import annotations

import typing
from typing import Any, NamedTuple
from urllib.parse import urlencode

import msgspec
from litestar import MediaType, Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, Template

from server import i18n, ics, models, search, start, web
from server.catalog import Listing, Results, Snapshot
from server.db import Database
from server.deps import Chosen, known_language


@get("/", include_in_schema=False, sync_to_thread=False)
def root(request: Request) -> Redirect:
    """Send the visitor to their language; no cookie is set, caches keep one answer per language."""
    lang = i18n.negotiate(request.headers.get("accept-language"))
    return Redirect(f"/{lang}/", status_code=303, headers={"vary": "Accept-Language"})


def render(request: Request, lang: str, template: str, **context: Any) -> Template:
    push_url = context.pop("push_url", None)
    headers = context.pop("headers", None)
    return HTMXTemplate(
        template_name=template,
        context={**web.page_context(request, lang), **context},
        push_url=push_url,
        headers=headers,
    )


def page_url(lang: str, filters: search.Filters, page: int | None = None) -> str:
    query = urlencode(filters.to_params(page=page))
    return f"/{lang}/groups" + (f"?{query}" if query else "")


def shown(lang: str, results: Results) -> web.Shown:
    """How many groups were found, and where this page of them is among the others."""
    n, pages = results.filters.page, results.pages
    return web.Shown(
        count=web.count_message(lang, results.total) % {"num": results.total},
        start=str((n - 1) * search.PER_PAGE + 1),
        page=i18n.gettext(lang, web.PAGE_OF) % {"page": n, "pages": pages} if pages > 1 else "",
        previous=page_url(lang, results.filters, n - 1) if n > 1 else "",
        next=page_url(lang, results.filters, n + 1) if n < pages else "",
    )


@get("/", name="home")
async def home(request: Request, lang: FromPath[str], snapshot: NamedDependency[Snapshot]) -> Template:
    return render(request, lang, "pages/home.html", total=snapshot.visible_count())


@get("/groups", name="groups")
async def groups(
    request: Request,
    lang: FromPath[str],
    database: NamedDependency[Database],
    snapshot: NamedDependency[Snapshot],
    chosen: NamedDependency[Chosen],
) -> Response[str]:
    results = await snapshot.search(database, chosen.filters)
    html = web.listing_page(
        request,
        lang,
        snapshot,
        results,
        chosen.problems,
        shown(lang, results),
        FIRST_COUNTRY,
        lambda: crisis_sections(snapshot.crisis_lines),
    )
    return Response(html, media_type=MediaType.HTML)


@get("/groups/results", name="results")
async def results(
    request: Request,
    lang: FromPath[str],
    database: NamedDependency[Database],
    snapshot: NamedDependency[Snapshot],
    chosen: NamedDependency[Chosen],
) -> Response[str]:
    """The results fragment htmx swaps in; the browser's address becomes the listing page's URL."""
    found = await snapshot.search(database, chosen.filters)
    html = web.results_part(
        web.jinja(request), "partials/_results_fragment.html", lang, snapshot, found, shown(lang, found)
    )
    return Response(html, media_type=MediaType.HTML, headers={"HX-Push-Url": page_url(lang, found.filters)})


ICS = ".ics"


@get("/groups/{group_id:str}", name="group")
async def group(
    request: Request, lang: FromPath[str], group_id: FromPath[str], snapshot: NamedDependency[Snapshot]
) -> Template | Response[bytes]:
    """One group's page, or with `.ics` after its id its calendar entry (calendar_entry()): a Litestar path
    parameter is a whole segment, so both share this route (an id never holds a dot: models.Slug)."""
    if group_id.endswith(ICS):
        return calendar_entry(request, lang, group_id.removesuffix(ICS), snapshot)
    listing = snapshot.by_id.get(group_id)
    if listing is None:
        raise NotFoundException("No such group")
    return group_page(request, lang, listing, snapshot)


def group_page(
    request: Request, lang: str, listing: Listing, snapshot: NamedDependency[Snapshot], **extra: Any
) -> Template:
    """One group's page; the report form (routes/submit.py) shows it again with what was wrong.

    A stale or even hidden listing keeps its page (with a note), so that links and saved groups keep working.
    """
    today = search.today()
    stale = search.is_stale(listing.group.last_checked, today)
    shown = web.meetings_shown(listing, lang, snapshot.places)
    return render(
        request,
        lang,
        "pages/group.html",
        item=listing,
        g=listing.group,
        snapshot=snapshot,
        stale=stale,
        meetings=shown,
        next_dates=web.next_dates(listing, lang, today, shown),
        calendar=bool(ics.scheduled(listing.group, today)),
        sections=crisis_sections(snapshot.crisis_lines, listing.group.country),
        **extra,
    )


def calendar_entry(
    request: Request, lang: str, group_id: str, snapshot: NamedDependency[Snapshot]
) -> Template | Response[bytes]:
    """/{lang}/groups/{id}.ics: the listing's meetings as a calendar file (server/ics.py), neutral unless the
    query asks for the name (`title=name`) or the place (`address=1`).

    An option value it does not know is a 400 page that names it; a listing with no date to put in a
    calendar is a 404 page that says so (its page shows no calendar form then). Never a 500.
    """
    listing = snapshot.by_id.get(group_id)
    if listing is None:
        raise NotFoundException("No such group")
    chosen, wrong = ics.options(request.query_params.multi_items())
    if wrong:
        option = ", ".join(f"{key}={value}" for key, value in wrong)
        return calendar_problem(request, lang, 400, listing, "unknown_option", option=option)
    body = ics.calendar(listing.group, lang, chosen, search.today(), snapshot.places)
    if body is None:
        return calendar_problem(request, lang, 404, listing, "no_dates")
    disposition = f'attachment; filename="{ics.filename(lang)}"'
    return Response(body, media_type=ics.MEDIA_TYPE, headers={"content-disposition": disposition})


def calendar_problem(request: Request, lang: str, status: int, listing: Listing, reason: str, **extra: Any) -> Template:
    """The error page, saying why there is no calendar file (pages/error.html words each `reason`)."""
    response = render(request, lang, "pages/error.html", status=status, reason=reason, group=listing.group, **extra)
    response.status_code = status
    return response


# The crisis page's first screen: big call buttons for these kinds; the other lines follow, grouped by need.
URGENT: tuple[models.LineKind, ...] = ("emergency", "suicide")
COUNTRIES: tuple[models.Country, ...] = typing.get_args(models.Country)
KINDS: tuple[models.LineKind, ...] = typing.get_args(models.LineKind)
FIRST_COUNTRY: models.Country = "BE"  # the crisis lines shown first when the visitor chose no country


class CountryLines(NamedTuple):
    country: models.Country
    urgent: list[tuple[models.LineKind, list[models.CrisisLine]]]
    others: list[tuple[models.LineKind, list[models.CrisisLine]]]


def crisis_sections(lines: list[models.CrisisLine], first: models.Country = FIRST_COUNTRY) -> list[CountryLines]:
    """Each country's lines by kind, in data order, `first` country first; a paired line shows only with its pair."""
    ids = {line.id for line in lines}
    shown = [line for line in lines if line.pair is None or line.pair in ids]
    sections = []
    for country in sorted(COUNTRIES, key=lambda c: c != first):
        by_kind = [(kind, [x for x in shown if x.country == country and x.kind == kind]) for kind in KINDS]
        by_kind = [(kind, found) for kind, found in by_kind if found]
        urgent = [(kind, found) for kind, found in by_kind if kind in URGENT]
        others = [(kind, found) for kind, found in by_kind if kind not in URGENT]
        sections.append(CountryLines(country, urgent, others))
    return sections


def chosen_country(request: Request) -> tuple[models.Country, str | None]:
    """The country a no-JavaScript visitor chose (?country=NL), else Belgium; and the value ignored, if any.

    With JavaScript the switch works on the device (app.js remembers the choice in localStorage, offline too).
    """
    asked = request.query_params.get("country")
    if asked is None:
        return FIRST_COUNTRY, None
    for country in COUNTRIES:
        if asked.upper() == country:
            return country, None
    return FIRST_COUNTRY, asked[:40]


@get("/crisis", name="crisis")
async def crisis(request: Request, lang: FromPath[str], snapshot: NamedDependency[Snapshot]) -> Template:
    country, ignored = chosen_country(request)
    return render(
        request,
        lang,
        "pages/crisis.html",
        sections=crisis_sections(snapshot.crisis_lines, country),
        ignored_country=ignored,
    )


@get("/start", name="start")
async def start_helper(request: Request, lang: FromPath[str], snapshot: NamedDependency[Snapshot]) -> Template:
    """A few gentle, skippable questions; the answers only shape the suggestion on this page."""
    answers = start.answers_from(request.query_params.multi_items(), snapshot.places)
    return render(
        request,
        lang,
        "pages/start.html",
        answers=answers,
        suggestion=start.suggest(answers) if answers else None,
        questions=start.QUESTIONS,
        question_labels=start.QUESTION_LABELS,
        table=msgspec.json.encode(start.table()).decode(),
        guides=snapshot.guides.get(lang, []),
        snapshot=snapshot,
        sections=crisis_sections(snapshot.crisis_lines),
        # The answers are in the address: no cache (ours, the browser's, the worker's) keeps this page.
        headers={"cache-control": "no-store"} if answers else None,
    )


@get("/guide", name="guides")
async def guides(request: Request, lang: FromPath[str], snapshot: NamedDependency[Snapshot]) -> Template:
    return render(request, lang, "pages/guides.html", guides=snapshot.guides.get(lang, []))


@get("/guide/{slug:str}", name="guide")
async def guide(
    request: Request, lang: FromPath[str], slug: FromPath[str], snapshot: NamedDependency[Snapshot]
) -> Template:
    found = snapshot.guide(lang, slug)
    if found is None:
        raise NotFoundException("No such guide")
    others = [g for g in snapshot.guides.get(lang, []) if g.slug != slug]
    return render(request, lang, "pages/guide.html", guide=found, others=others)


@get("/saved", name="saved")
async def saved(request: Request, lang: FromPath[str]) -> Template:
    """The groups saved on this device: app.js lists them from the offline catalog; the server knows none."""
    return render(request, lang, "pages/saved.html")


@get("/offline", name="offline")
async def offline(request: Request, lang: FromPath[str], snapshot: NamedDependency[Snapshot]) -> Template:
    """What the service worker shows for a page it does not have: it prints the crisis numbers."""
    return render(request, lang, "pages/offline.html", sections=crisis_sections(snapshot.crisis_lines))


@get("/about", name="about")
async def about(request: Request, lang: FromPath[str], snapshot: NamedDependency[Snapshot]) -> Template:
    return render(request, lang, "pages/about.html", snapshot=snapshot, sources=sources(snapshot))


def sources(snapshot: NamedDependency[Snapshot]) -> list[tuple[str, str]]:
    """Where the facts come from: each organization, listing without one, and crisis line, by name."""
    found: dict[str, str] = {}
    for item in snapshot.active:
        org = item.organization
        name, source = (org.name, org.source) if org else (item.group.name, item.group.source)
        found.setdefault(name, source)
    for line in snapshot.crisis_lines:
        found.setdefault(line.name, line.source)
    return sorted(found.items(), key=lambda pair: search.normalise(pair[0]))


router = Router(
    path="/{lang:str}",
    route_handlers=[home, groups, results, group, crisis, start_helper, guides, guide, saved, offline, about],
    before_request=known_language,
    include_in_schema=False,
)

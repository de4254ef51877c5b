"""/moderate: moderators sign in (password + TOTP) and work through submissions, reports and stale listings.

The only place Kring sets cookies: a `__Host-` session cookie (HttpOnly, Secure, SameSite=Strict) and
Litestar's CSRF cookie, both only on these pages. Every answer here is `no-store` (and the service worker
never caches /moderate either).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server import accounts, forms, i18n, labels, models, moderation, search, web
from server.catalog import Snapshot
from server.db import Database

SESSION = "__Host-kring-session"
CSRF = "__Host-kring-csrf"
MAX_BODY = 32 * 1024

# Why the moderator's own fields were refused (the organizer's fields use forms.PROBLEMS).
PROBLEMS = {
    **forms.PROBLEMS,
    "source": labels.N_("Say where the facts come from (at least 4 characters)."),
    "reason": labels.N_("Please give a reason (at least 4 characters)."),
}
# The audit log's actions, as moderators read them.
ACTIONS = {
    "sign_in": labels.N_("signed in"),
    "sign_in_failed": labels.N_("failed to sign in"),
    "sign_in_locked": labels.N_("tried to sign in while locked"),
    "approve": labels.N_("approved"),
    "reject": labels.N_("rejected"),
    "edit": labels.N_("edited"),
    "check": labels.N_("confirmed with the organizer"),
    "close_report": labels.N_("closed a report"),
    "organization_created": labels.N_("added an organization"),
}
STATUS = {
    "active": labels.N_("Active: shown to visitors"),
    "paused": labels.N_("Paused: hidden for now"),
    "ended": labels.N_("Ended: hidden"),
}


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in i18n.KNOWN_LOCALES:
        return asked
    return i18n.negotiate(request.headers.get("accept-language"))


def _to(request: Request, path: str, **params: str) -> Redirect:
    """A 303 to another moderator page, in the language the moderator chose."""
    asked = request.query_params.get("lang")
    if asked in i18n.KNOWN_LOCALES:
        params["lang"] = asked
    return Redirect(f"{path}?{urlencode(params)}" if params else path, status_code=303)


def _render(request: Request, template: str, status_code: int = 200, **context: Any) -> Template:
    lang = _lang(request)
    page = web.page_context(request, lang)
    page["switch"] = [(code, name, f"{request.url.path}?lang={code}") for code, name in i18n.KNOWN_LOCALES.items()]
    page["alternates"] = []  # moderator pages are for no search engine
    return Template(
        template,
        context={
            **page,
            "moderator": None,
            "problem_texts": PROBLEMS,
            "status_labels": STATUS,
            "checked_labels": labels.CHECKED_BY,
            **context,
        },
        status_code=status_code,
    )


async def signed_in(request: Request, database: NamedDependency[Database]) -> str:
    """The `moderator` dependency: the name of whoever's session this is, or off to the sign-in page."""
    token = request.cookies.get(SESSION, "")
    # A write: each look at a session keeps it open for another 30 idle minutes (or ends it).
    name = await database.write(lambda conn: accounts.session(conn, token)) if token else None
    if name is None:
        raise NotAuthorizedException("Please sign in")
    return name


def _session_cookie(value: str, **extra: Any) -> Cookie:
    return Cookie(key=SESSION, value=value, path="/", secure=True, httponly=True, samesite="strict", **extra)


def _forget_session(response: Response[Any]) -> None:
    """Expire the cookie; with the same attributes, as browsers ignore a __Host- cookie without Secure."""
    response.set_cookie(_session_cookie("", max_age=0, expires=0))


def _to_sign_in(request: Request, exc: Exception) -> Response[Any]:
    """An expired or missing session: to the sign-in page, and the stale cookie goes."""
    response = _to(request, "/moderate/sign-in", **({"expired": "1"} if request.cookies.get(SESSION) else {}))
    if request.cookies.get(SESSION):
        _forget_session(response)
    return response


# --- signing in -----------------------------------------------------------------------------------


@get("/sign-in", name="moderate_sign_in")
async def sign_in_form(request: Request) -> Template:
    return _render(
        request,
        "moderate/sign_in.html",
        expired=bool(request.query_params.get("expired")),
        outcome=None,
        name="",
        minutes=None,
    )


@post("/sign-in", name="moderate_sign_in_post", request_max_body_size=MAX_BODY)
async def sign_in(request: Request, database: NamedDependency[Database]) -> Response[Any]:
    form = await request.form()
    name = str(form.get("name") or "").strip()[:40]
    password = str(form.get("password") or "")[:1024]
    code = str(form.get("code") or "").strip()[:12]
    result = await accounts.sign_in(database, name, password, code)
    if result.outcome != "ok":
        minutes = None
        if result.locked_until:
            minutes = max(1, -(-int((result.locked_until - moderation.now()).total_seconds()) // 60))
        return _render(
            request,
            "moderate/sign_in.html",
            status_code=403 if minutes else 400,
            outcome=result.outcome,
            minutes=minutes,
            name=name,
            expired=False,
        )
    old = request.cookies.get(SESSION)
    if old:  # a new session id at every sign-in: whatever session this browser had is closed
        await database.write(lambda conn: accounts.sign_out(conn, old))
    response = _to(request, "/moderate")
    response.set_cookie(_session_cookie(result.token))
    return response


@post("/sign-out", name="moderate_sign_out")
async def sign_out(request: Request, database: NamedDependency[Database]) -> Response[Any]:
    token = request.cookies.get(SESSION, "")
    if token:
        await database.write(lambda conn: accounts.sign_out(conn, token))
    response = _to(request, "/moderate/sign-in")
    _forget_session(response)
    return response


# --- the queue ------------------------------------------------------------------------------------


@get("/", name="moderate")
async def queue(request: Request, moderator: NamedDependency[str], database: NamedDependency[Database]) -> Template:
    submissions, reports, listings = await database.read(
        lambda conn: (
            moderation.pending_submissions(conn),
            moderation.pending_reports(conn),
            moderation.all_listings(conn),
        ),
    )
    today = search.today()
    stale = [(g, origin) for g, origin in listings if g.status == "active" and search.is_stale(g.last_checked, today)]
    # Read on a public page only: someone can phone the organizer and mark the listing confirmed.
    waiting = [(g, origin) for g, origin in listings if g.status != "ended" and g.checked_by == "public_source"]
    unconfirmed = [g for g, origin in waiting if origin != "imported"]
    # From a feed (kring import): nobody has looked at them yet.
    imported = [g for g, origin in waiting if origin == "imported"]
    return _render(
        request,
        "moderate/queue.html",
        moderator=moderator,
        submissions=submissions,
        reports=reports,
        stale=stale,
        unconfirmed=unconfirmed,
        imported=imported,
        names={g.id: g.name for g, _ in listings},
        reasons=forms.REPORT_REASONS,
        done=request.query_params.get("done"),
    )


@get("/listings", name="moderate_listings")
async def all_listings(
    request: Request, moderator: NamedDependency[str], database: NamedDependency[Database]
) -> Template:
    listings = await database.read(moderation.all_listings)
    return _render(request, "moderate/listings.html", moderator=moderator, listings=listings, today=search.today())


@get("/audit", name="moderate_audit")
async def audit(request: Request, moderator: NamedDependency[str], database: NamedDependency[Database]) -> Template:
    entries = await database.read(moderation.audit_log)
    return _render(request, "moderate/audit.html", moderator=moderator, entries=entries, actions=ACTIONS)


def _read_form(
    items: list[tuple[str, str]], snapshot_places: dict[str, Any], before: list[models.Meeting]
) -> tuple[forms.GroupSubmission | None, moderation.Changes | None, dict[str, str], dict[str, Any]]:
    """The organizer's fields (checked exactly as on /submit) and the moderator's own ones. `before`: the
    meetings the form showed (row i started from the i-th)."""
    extra = {k: v.strip() for k, v in items if k in ("description_lang", "source", "place_id", "status")}
    place_id = extra.get("place_id") or None
    group, problems, typed = forms.check(
        items, forms.ListingForm, before=before, place_id=place_id, places=snapshot_places
    )
    typed.update(extra)
    if extra.get("description_lang") not in moderation.LANGS:
        problems["description_lang"] = "choice"
    source = extra.get("source", "")
    if problem := forms.text_problem(source, min_length=4, max_length=400):
        problems["source"] = "markup" if problem == "markup" else "source"
    if place_id is not None and place_id not in snapshot_places:
        problems["place_id"] = "choice"
    if extra.get("status", "active") not in STATUS:
        problems["status"] = "choice"
    if typed.get("format") in ("in_person", "hybrid") and not (typed.get("city") or place_id):
        problems["city"] = "place"
    if problems or group is None:
        return None, None, problems, typed
    changes = moderation.Changes(
        description_lang=extra["description_lang"],
        source=source,
        place_id=place_id,
        status=extra.get("status", "active"),
    )
    return group, changes, {}, typed


async def _form_items(request: Request) -> list[tuple[str, str]]:
    form = await request.form()
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k != "_csrf_token"]


async def _submission(database: Database, submission_id: int) -> moderation.Submission:
    """The submission, or a 404."""
    found = await database.read(lambda conn: moderation.get_submission(conn, submission_id))
    if found is None:
        raise NotFoundException("No such submission")
    return found


async def _listing(database: Database, listing_id: str) -> tuple[models.Group, str]:
    """The listing with its origin, or a 404."""
    found = await database.read(lambda conn: moderation.get_listing(conn, listing_id))
    if found is None:
        raise NotFoundException("No such listing")
    return found


@get("/submissions/{submission_id:int}", name="moderate_submission")
async def submission_page(
    request: Request,
    submission_id: FromPath[int],
    moderator: NamedDependency[str],
    database: NamedDependency[Database],
    snapshot: NamedDependency[Snapshot],
) -> Template:
    found = await _submission(database, submission_id)
    values = moderation.submission_values(found, snapshot.places)
    return _submission_page(request, moderator, found, values, {}, snapshot)


def _submission_page(
    request: Request,
    moderator: str,
    found: moderation.Submission,
    values: dict[str, Any],
    problems: dict[str, str],
    snapshot: Snapshot,
    status_code: int = 200,
    reject_problem: str = "",
) -> Template:
    lang = _lang(request)
    return _render(
        request,
        "moderate/submission.html",
        status_code=status_code,
        moderator=moderator,
        item=found,
        values=values,
        problems=problems,
        places=web.place_options(snapshot, lang),
        reject_problem=reject_problem,
    )


@post("/submissions/{submission_id:int}/approve", name="moderate_approve", request_max_body_size=MAX_BODY)
async def approve(
    request: Request,
    submission_id: FromPath[int],
    moderator: NamedDependency[str],
    database: NamedDependency[Database],
    snapshot: NamedDependency[Snapshot],
) -> Response[Any]:
    found = await _submission(database, submission_id)
    items = await _form_items(request)
    group, changes, problems, typed = _read_form(items, snapshot.places, found.group.meetings)
    if forms.adds_a_meeting(items):  # without JavaScript: nothing is decided
        return _submission_page(request, moderator, found, typed, {}, snapshot)
    if group is None or changes is None:
        return _submission_page(request, moderator, found, typed, problems, snapshot, status_code=400)
    today = search.today()
    try:
        listing_id = await database.write(
            lambda conn: moderation.approve(conn, moderator, submission_id, group, changes, snapshot.places, today)
        )
    except moderation.Gone:
        return _to(request, "/moderate", done="gone")
    return _to(request, f"/moderate/listings/{listing_id}", done="approved")


@post("/submissions/{submission_id:int}/reject", name="moderate_reject", request_max_body_size=MAX_BODY)
async def reject(
    request: Request,
    submission_id: FromPath[int],
    moderator: NamedDependency[str],
    database: NamedDependency[Database],
    snapshot: NamedDependency[Snapshot],
) -> Response[Any]:
    found = await _submission(database, submission_id)
    form = await request.form()
    reason = str(form.get("reason") or "").strip()
    problem = forms.text_problem(reason, min_length=4, max_length=2000)
    if problem:
        problem = "markup" if problem == "markup" else "reason"
        values = moderation.submission_values(found, snapshot.places)
        return _submission_page(
            request, moderator, found, values, {}, snapshot, status_code=400, reject_problem=problem
        )
    try:
        await database.write(lambda conn: moderation.reject(conn, moderator, submission_id, reason))
    except moderation.Gone:
        return _to(request, "/moderate", done="gone")
    return _to(request, "/moderate", done="rejected")


@get("/listings/{listing_id:str}", name="moderate_listing")
async def listing_page(
    request: Request,
    listing_id: FromPath[str],
    moderator: NamedDependency[str],
    database: NamedDependency[Database],
    snapshot: NamedDependency[Snapshot],
) -> Template:
    group, origin = await _listing(database, listing_id)
    lang = _lang(request)
    text_lang = request.query_params.get("text")
    if text_lang not in moderation.LANGS:
        text_lang = lang if lang in group.description else next(iter(group.description), lang)
    org = snapshot.by_id[listing_id].organization if listing_id in snapshot.by_id else None
    values = moderation.form_values(group, org.name if org else "", text_lang)
    return await _listing_page(request, database, moderator, group, origin, values, {}, snapshot)


async def _listing_page(
    request: Request,
    database: Database,
    moderator: str,
    group: models.Group,
    origin: str,
    values: dict[str, Any],
    problems: dict[str, str],
    snapshot: Snapshot,
    status_code: int = 200,
) -> Template:
    reports = await database.read(lambda conn: moderation.pending_reports(conn, group.id))
    return _render(
        request,
        "moderate/listing.html",
        status_code=status_code,
        moderator=moderator,
        group=group,
        origin=origin,
        values=values,
        problems=problems,
        places=web.place_options(snapshot, _lang(request)),
        reports=reports,
        reasons=forms.REPORT_REASONS,
        done=request.query_params.get("done"),
        stale=search.is_stale(group.last_checked, search.today()),
    )


@post("/listings/{listing_id:str}", name="moderate_edit", request_max_body_size=MAX_BODY)
async def edit(
    request: Request,
    listing_id: FromPath[str],
    moderator: NamedDependency[str],
    database: NamedDependency[Database],
    snapshot: NamedDependency[Snapshot],
) -> Response[Any]:
    group, origin = await _listing(database, listing_id)
    items = await _form_items(request)
    form, changes, problems, typed = _read_form(items, snapshot.places, group.meetings)
    if forms.adds_a_meeting(items):  # without JavaScript: nothing is decided
        return await _listing_page(request, database, moderator, group, origin, typed, {}, snapshot)
    if form is None or changes is None:
        return await _listing_page(
            request, database, moderator, group, origin, typed, problems, snapshot, status_code=400
        )
    today = search.today()
    try:
        await database.write(
            lambda conn: moderation.edit(conn, moderator, listing_id, form, changes, snapshot.places, today)
        )
    except moderation.Gone:
        raise NotFoundException("No such listing") from None
    return _to(request, f"/moderate/listings/{listing_id}", done="saved")


@post("/listings/{listing_id:str}/check", name="moderate_check")
async def check(
    request: Request,
    listing_id: FromPath[str],
    moderator: NamedDependency[str],
    database: NamedDependency[Database],
    snapshot: NamedDependency[Snapshot],
) -> Response[Any]:
    today = search.today()
    try:
        await database.write(lambda conn: moderation.mark_checked(conn, moderator, listing_id, snapshot.places, today))
    except moderation.Gone:
        raise NotFoundException("No such listing") from None
    return _to(request, f"/moderate/listings/{listing_id}", done="checked")


@post("/reports/{report_id:int}/close", name="moderate_close_report", request_max_body_size=MAX_BODY)
async def close_report(
    request: Request, report_id: FromPath[int], moderator: NamedDependency[str], database: NamedDependency[Database]
) -> Response[Any]:
    form = await request.form()
    note = str(form.get("note") or "").strip()[:2000]
    back = str(form.get("back") or "")
    try:
        await database.write(lambda conn: moderation.close_report(conn, moderator, report_id, note))
    except moderation.Gone:
        pass  # closed already, by someone else: nothing left to do
    target = back if back.startswith("/moderate/listings/") and "//" not in back else "/moderate"
    return Redirect(target, status_code=303)


def _no_store(response: Response[Any]) -> Response[Any]:
    response.headers["cache-control"] = "no-store"
    response.headers["x-robots-tag"] = "noindex"
    return response


def router(secret: str) -> Router:
    csrf = CSRFConfig(
        secret=secret,
        cookie_name=CSRF,
        cookie_secure=True,
        cookie_httponly=True,
        cookie_samesite="strict",
        cookie_path="/",
    )
    return Router(
        path="/moderate",
        route_handlers=[
            sign_in_form,
            sign_in,
            sign_out,
            queue,
            all_listings,
            audit,
            submission_page,
            approve,
            reject,
            listing_page,
            edit,
            check,
            close_report,
        ],
        middleware=[DefineMiddleware(CSRFMiddleware, config=csrf)],
        dependencies={"moderator": Provide(signed_in)},
        exception_handlers={NotAuthorizedException: _to_sign_in},
        after_request=_no_store,
        include_in_schema=False,
    )

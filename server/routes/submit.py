"""Organizers submit a group; visitors report a change. Anonymous: no cookie, an Origin check, a honeypot,
and a rate limit shared by all worker processes (app.py)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, Parameter
from litestar.response import Redirect, Template

from server import forms, inbox
from server.catalog import Snapshot
from server.db import Database
from server.deps import known_language
from server.routes.pages import group_page, render

HONEYPOT = "nickname"  # hidden from people; a bot that fills it gets a thank-you and nothing is stored
MAX_BODY = 32 * 1024


def same_origin(request: Request) -> None:
    """Refuse a form sent from another site (the anonymous forms' defence instead of a CSRF cookie).

    Sec-Fetch-Site decides when the browser sends it. Origin is compared only when it names a site: with
    Kring's `Referrer-Policy: no-referrer`, browsers send `Origin: null` with every form, even our own.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site not in ("same-origin", "none"):
            raise PermissionDeniedException("This form can only be sent from Kring itself.")
        return
    origin = request.headers.get("origin")
    if origin not in (None, "null") and origin.split("://", 1)[-1] != request.headers.get("host", ""):
        raise PermissionDeniedException("This form can only be sent from Kring itself.")


def client_key(secret: str) -> Callable[[Request], str]:
    """The rate limit's key: a keyed hash of the address, so that no IP address is written anywhere."""
    key = secret.encode()

    def identify(request: Request) -> str:
        address = request.client.host if request.client else ""
        return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]

    return identify


@get("/submit", name="submit")
async def submit_form(request: Request, lang: FromPath[str]) -> Template:
    values = forms.meeting_values([])
    return render(request, lang, "pages/submit.html", values=values, problems={}, problem_texts=forms.PROBLEMS)


@get("/submit/meeting", name="submit_meeting")
async def meeting_row(
    request: Request, lang: FromPath[str], index: Annotated[int, Parameter(ge=0, lt=forms.MAX_MEETINGS)]
) -> Template:
    """One more meeting row, for htmx to put in place of "Add a meeting" (the organizers' and the moderators'
    forms), with the button again after it."""
    return render(
        request,
        lang,
        "partials/_meeting_added.html",
        row=forms.Row(index),
        values={},
        problems={},
        problem_texts=forms.PROBLEMS,
    )


@post("/submit", name="submit_post", request_max_body_size=MAX_BODY)
async def submit_send(
    request: Request, lang: FromPath[str], database: NamedDependency[Database]
) -> Template | Redirect:
    same_origin(request)
    form = await request.form()
    items: list[tuple[str, Any]] = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    if any(k == HONEYPOT and v for k, v in items):
        return Redirect(f"/{lang}/submit/thanks", status_code=303)
    submission, problems, typed = forms.check(items)
    if forms.adds_a_meeting(items):  # without JavaScript: the form comes back with one more row, nothing is sent
        return render(request, lang, "pages/submit.html", values=typed, problems={}, problem_texts=forms.PROBLEMS)
    if submission is None:
        response = render(
            request, lang, "pages/submit.html", values=typed, problems=problems, problem_texts=forms.PROBLEMS
        )
        response.status_code = 400
        return response
    # Thanked only once the write is committed, with synchronous=FULL: from then on it survives a crash.
    await database.write(lambda conn: inbox.store(conn, submission, lang))
    return Redirect(f"/{lang}/submit/thanks", status_code=303)


@get("/submit/thanks", name="submit_thanks")
async def submit_thanks(request: Request, lang: FromPath[str]) -> Template:
    return render(request, lang, "pages/thanks.html", what="submission")


@post("/groups/{group_id:str}/report", name="report", request_max_body_size=MAX_BODY)
async def report(
    request: Request,
    lang: FromPath[str],
    group_id: FromPath[str],
    snapshot: NamedDependency[Snapshot],
    database: NamedDependency[Database],
) -> Template | Redirect:
    same_origin(request)
    listing = snapshot.by_id.get(group_id)
    if listing is None:
        raise NotFoundException("No such group")
    form = await request.form()
    if form.get(HONEYPOT):
        return Redirect(f"/{lang}/groups/{group_id}/reported", status_code=303)
    reason = form.get("reason") or ""
    details = (form.get("details") or "").strip()
    problem = "choice" if reason not in forms.REPORT_REASONS else forms.text_problem(details, max_length=2000)
    if problem:
        response = group_page(
            request,
            lang,
            listing,
            snapshot,
            report_problem=forms.PROBLEMS[problem],
            report_values={"reason": reason, "details": details},
        )
        response.status_code = 400
        return response
    await database.write(lambda conn: inbox.store_report(conn, group_id, reason, details))
    return Redirect(f"/{lang}/groups/{group_id}/reported", status_code=303)


@get("/groups/{group_id:str}/reported", name="reported")
async def reported(
    request: Request, lang: FromPath[str], group_id: FromPath[str], snapshot: NamedDependency[Snapshot]
) -> Template:
    if group_id not in snapshot.by_id:
        raise NotFoundException("No such group")
    return render(request, lang, "pages/thanks.html", what="report", group=snapshot.by_id[group_id].group)


router = Router(
    path="/{lang:str}",
    route_handlers=[submit_form, meeting_row, submit_send, submit_thanks, report, reported],
    before_request=known_language,
    include_in_schema=False,
)

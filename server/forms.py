"""The anonymous forms: what organizers submit and visitors report, and the checks of each field.

A submission is checked field by field with the same msgspec constraints as the data files (models.py), so
that every problem is shown beside its field at once; nothing is stored unless everything is right.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from server import models
from server.labels import N_

Text = Annotated[str, Meta(max_length=200)]
LongText = Annotated[str, Meta(max_length=2000)]


class GroupSubmission(Struct, kw_only=True, forbid_unknown_fields=True):
    """A group as an organizer describes it. Required: name, kind, country, format, description, a contact."""

    name: models.Name
    kind: models.Kind
    country: models.Country
    format: models.Format
    description: Annotated[str, Meta(min_length=20, max_length=2000)]
    organization: Text = ""
    themes: list[models.Theme] = []
    audience: list[models.Audience] = []
    city: Text = ""
    postcode: models.Postcode | None = None
    address: Text = ""
    languages: list[Literal["nl", "fr", "en", "de"]] = []
    led_by: models.LedBy | None = None
    membership: models.Membership | None = None
    registration: models.Registration | None = None
    cost: models.Cost | None = None
    cost_text: Text = ""
    website: models.Url | None = None
    email: models.Email | None = None
    phone: models.Phone | None = None


FIELDS = msgspec.structs.fields(GroupSubmission)
LIST_FIELDS = frozenset(f.name for f in FIELDS if str(f.type).startswith("list"))
MAX_FIELD = 2000  # characters of any one value, before any check

# Why a field was refused (keys of the messages shown beside it).
PROBLEMS = {
    "required": N_("Please fill this in."),
    "too_long": N_("This is too long."),
    "too_short": N_("This is too short."),
    "choice": N_("Please choose one of the options."),
    "form": N_("This does not look right. Check the example below the field."),
    "markup": N_("Please write plain text, without HTML or code."),
    "place": N_("A group that meets in person needs a town or city."),
    "contact": N_("Give at least one way to reach you: a website, an e-mail address or a phone number."),
    "postcode": N_("This postcode does not match the country."),
}
REPORT_REASONS = {
    "outdated": N_("Some information is out of date"),
    "closed": N_("The group has stopped"),
    "wrong_number": N_("A phone number or address is wrong"),
    "other": N_("Something else"),
}


def is_markup(text: str) -> bool:
    """Looks like HTML or code: the forms take plain text only."""
    return "<" in text and ">" in text


def text_problem(text: str, *, max_length: int, min_length: int = 0) -> str | None:
    """What is wrong with a free text typed in a form (a key of PROBLEMS), or None."""
    if len(text) < min_length:
        return "required" if not text else "too_short"
    if len(text) > max_length:
        return "too_long"
    return "markup" if is_markup(text) else None


def _problem(message: str) -> str:
    if "required" in message:
        return "required"
    if "length <=" in message or "length <= " in message:
        return "too_long"
    if "length >=" in message:
        return "too_short"
    if "matching regex" in message:
        return "form"
    return "choice"


class ListingForm(GroupSubmission, kw_only=True, forbid_unknown_fields=True):
    """The same fields as moderators edit them: a listing from the data files may leave the format open
    (groups that meet in many towns), and may have no contact of its own."""

    format: models.Format | None = None


def check(
    items: Iterable[tuple[str, str]], shape: type[GroupSubmission] = GroupSubmission
) -> tuple[GroupSubmission | None, dict[str, str], dict[str, Any]]:
    """(the submission or None, problems by field, the values as typed to show the form again)."""
    fields = msgspec.structs.fields(shape)
    names = {f.name for f in fields}
    typed: dict[str, Any] = {name: [] for name in LIST_FIELDS}
    for key, value in items:
        if key in LIST_FIELDS:
            typed[key].append(value)
        elif key in names:
            typed[key] = value.strip()
    problems: dict[str, str] = {}
    for field in fields:
        value = typed.get(field.name)
        if value in (None, "", []):
            if field.required:
                problems[field.name] = "required"
            continue
        text = " ".join(value) if isinstance(value, list) else value
        if len(text) > MAX_FIELD * 2:
            problems[field.name] = "too_long"
        elif is_markup(text):
            problems[field.name] = "markup"
        else:
            try:
                msgspec.convert(value, type=field.type)
            except msgspec.ValidationError as exc:
                problems[field.name] = _problem(str(exc))
    if not problems:
        if shape is GroupSubmission and typed.get("format") in ("in_person", "hybrid") and not typed.get("city"):
            problems["city"] = "place"
        if shape is GroupSubmission and not (typed.get("website") or typed.get("email") or typed.get("phone")):
            problems["website"] = "contact"
        postcode = typed.get("postcode")
        if postcode and not (
            (typed.get("country") == "BE" and len(postcode) == 4)
            or (typed.get("country") == "NL" and len(postcode) == 7)
        ):
            problems["postcode"] = "postcode"
    if problems:
        return None, problems, typed
    given = {key: value for key, value in typed.items() if value not in ("", [])}
    return msgspec.convert(given, shape), {}, typed

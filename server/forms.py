"""The anonymous forms: what organizers submit and visitors report, and the checks of each field.

A submission is checked field by field with the same msgspec constraints as the data files (models.py), so
that every problem is shown beside its field at once; nothing is stored unless everything is right.

A group's meetings come as rows of inputs named `meeting-<index>-<input>` (where, town, postcode, street,
day, start and end time, how often, which one of the month, number of sessions, first date). Each row that
is not empty becomes a models.Meeting, checked by the loader's own rules (loader.meeting_problems, which
include schedules.problems), whose problems are shown beside the row's input they come from.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal, NamedTuple

import msgspec
from msgspec import Meta, Struct

from server import labels, loader, meetings, models, schedules
from server.labels import N_

Text = Annotated[str, Meta(max_length=200)]
LongText = Annotated[str, Meta(max_length=2000)]
MAX_MEETINGS = 20  # rows a form takes ("Add a meeting" stops there)


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
    # Not one field of the form: its rows of meeting inputs (check() reads them, up to MAX_MEETINGS).
    meetings: list[models.Meeting] = []


FIELDS = tuple(f for f in msgspec.structs.fields(GroupSubmission) if f.name != "meetings")
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
    # A meeting row's inputs, and the loader's meeting rules (MEETING_RULES) said for the person who fills it in.
    "weekday": N_("Choose the day it meets."),
    "how_often": N_("Choose how often it meets."),
    "ordinal": N_("Choose which one of the month: the first, second, third, fourth, fifth or last."),
    "ordinal_not_monthly": N_(
        "Only a meeting every month has a first, second or last day. Leave this empty, or choose every month."
    ),
    "first_date": N_("Give the date of the first meeting: it is needed for every 2 weeks and for a series."),
    "count": N_("Give the number of sessions, from 1 to 100."),
    "time": N_("Write the time in hours and minutes, for example 19:30."),
    "opens_at": N_("Give the start time too."),
    "closes_at": N_("The end time must come after the start time."),
    "date": N_("Write the date as day, month and year, for example 12/01/2027."),
    "meeting_city": N_("Give the town or city of this meeting."),
    "no_place": N_("The group has no town above. Give the town of this meeting, or choose online."),
    "online_with_place": N_("An online meeting has no address. Leave the address empty, or choose another place."),
    "listing_online_only": N_("The group meets online only (see above), so this meeting is online too."),
    "listing_in_person_only": N_(
        "The group meets in person only (see above). Choose a place, or say above that it also meets online."
    ),
    "place_country": N_("This place is not in the country chosen above."),
    "meeting": N_("This meeting does not fit the group as it is described above. Change it, or remove it."),
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


# --- meeting rows -------------------------------------------------------------------------------


class MeetingRow(Struct, kw_only=True, frozen=True):
    """One meeting row as typed: each input's text, "" when empty (`where` is "same" until chosen)."""

    where: str = "same"  # labels.WHERE: the listing's place (online, for an online group), online, another
    city: str = ""
    postcode: str = ""
    address: str = ""
    weekday: str = ""  # labels.WEEKDAY: mon … sun
    opens_at: str = ""
    closes_at: str = ""
    how_often: str = ""  # labels.HOW_OFTEN
    ordinal: str = ""  # labels.ORDINAL, for every month: 2 (the second Thursday), -1 (the last one)
    count: str = ""  # the number of sessions of a series
    dtstart: str = ""  # the first date, which every 2 weeks and a series need


EMPTY_ROW = MeetingRow()
ROW_INPUTS = MeetingRow.__struct_fields__
REMOVE = "remove"  # the checkbox of a meeting the form cannot show: kept as it is, unless it is ticked
ADD_MEETING = "add_meeting"  # the "Add a meeting" button: the form comes back with one more row, nothing stored
_ROW_NAME = re.compile(r"^meeting-(\d{1,2})-([a-z_]+)$")
_DAY_CODE = {key: code for code, key in meetings.DAY_KEYS.items()}
# A place's inputs and the types the data files give them.
_PLACE_TYPES: dict[str, Any] = {"city": models.Name, "postcode": models.Postcode, "address": models.ShortText}
# Times as people write them in Belgium and the Netherlands: 19:30, 19.30, 19h30, 19u30, 19h.
_CLOCK = re.compile(r"^(\d{1,2})(?:\s*[:.hHuU]\s*(\d{2})|\s*[hHuU])$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")

# The loader's meeting rules a row can break: the input they are shown beside, and their message (PROBLEMS).
# Any other rule can only come from a meeting of the data files: it is shown beside the row's first input.
MEETING_RULES: dict[str, tuple[str, str]] = {
    "weekly_needs_day": ("weekday", "weekday"),
    "monthly_needs_day": ("weekday", "weekday"),
    "monthly_needs_ordinal": ("ordinal", "ordinal"),
    "ordinal_not_monthly": ("ordinal", "ordinal_not_monthly"),
    "interval_needs_start": ("dtstart", "first_date"),
    "series_needs_start": ("dtstart", "first_date"),
    "closes_needs_opens": ("opens_at", "opens_at"),
    "closes_before_opens": ("closes_at", "closes_at"),
    "online_with_place": ("where", "online_with_place"),
    "place_without_town": ("city", "meeting_city"),
    "no_place": ("where", "no_place"),
    "listing_online_only": ("where", "listing_online_only"),
    "listing_in_person_only": ("where", "listing_in_person_only"),
    "postcode_of_other_country": ("postcode", "postcode"),
    "place_in_other_country": ("city", "place_country"),
}


class Row(NamedTuple):
    """A meeting row the form shows: its index (in its inputs' names), and for a meeting the form cannot show
    whole (one of the data files, say, on a day of the month), that meeting: kept as it is, or removed."""

    index: int
    kept: models.Meeting | None = None


def input_name(index: int, name: str) -> str:
    return f"meeting-{index}-{name}"


def adds_a_meeting(items: Iterable[tuple[str, str]]) -> bool:
    """Whether the form was sent with "Add a meeting" (without JavaScript): it comes back with one more row,
    and nothing is stored or decided."""
    return any(key == ADD_MEETING for key, _ in items)


def _clock(text: str) -> str | None:
    """'19:30' from 19:30, 7:30, 19.30, 19h30, 19u30 or 19h; None when it is not a time of day."""
    match = _CLOCK.fullmatch(text)
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2] or 0)
    return f"{hours:02d}:{minutes:02d}" if hours < 24 and minutes < 60 else None


def _date(text: str) -> dt.date | None:
    """A date written 2027-01-12 (what a date input sends) or 12/01/2027 (day first, as in both countries)."""
    try:
        if match := _DAY_MONTH_YEAR.fullmatch(text):
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _row_meeting(row: MeetingRow, timezone: str, online_group: bool) -> tuple[models.Meeting | None, dict[str, str]]:
    """The meeting a row that is not empty describes, or the problems of its inputs (keys of PROBLEMS).

    "Same place as above" is the listing's place, or online when the listing is online only. An address
    given with it makes it another place: the person said where.
    """
    problems: dict[str, str] = {}
    fields: dict[str, Any] = {"timezone": timezone}
    if row.where not in labels.WHERE:
        problems["where"] = "choice"
    place: dict[str, str] = {}
    for name, shape in _PLACE_TYPES.items():
        value = getattr(row, name)
        if not value:
            continue
        if is_markup(value):
            problems[name] = "markup"
            continue
        try:
            place[name] = msgspec.convert(value, type=shape)
        except msgspec.ValidationError as exc:
            problems[name] = _problem(str(exc))
    if row.where == "online" or (row.where == "same" and online_group and not place):
        fields["online"] = True
    if place or row.where == "other":
        fields["place"] = models.Place(**place)
    day = _DAY_CODE.get(row.weekday)
    if row.weekday and day is None:
        problems["weekday"] = "choice"
    if row.ordinal and row.ordinal not in labels.ORDINAL:
        problems["ordinal"] = "choice"
    if day:
        fields["byday"] = [f"{row.ordinal}{day}"]
    for name in ("opens_at", "closes_at"):
        if text := getattr(row, name):
            fields[name] = _clock(text)
            if fields[name] is None:
                problems[name] = "time"
    if row.how_often not in labels.HOW_OFTEN:
        problems["how_often"] = "choice" if row.how_often else "how_often"
    else:
        fields["freq"] = "monthly" if row.how_often == "monthly" else "weekly"
        fields["interval"] = 2 if row.how_often == "fortnightly" else 1
    if row.count:
        count = int(row.count) if row.count.isdigit() else 0
        if 1 <= count <= 100:
            fields["count"] = count
        else:
            problems["count"] = "count"
    elif row.how_often == "series":  # a series is its number of sessions
        problems["count"] = "count"
    if row.dtstart:
        fields["dtstart"] = _date(row.dtstart)
        if fields["dtstart"] is None:
            problems["dtstart"] = "date"
    if problems:
        return None, problems
    return msgspec.convert(fields, models.Meeting), {}


def _meeting_row(meeting: models.Meeting) -> MeetingRow:
    """A meeting as its row shows it (what the row cannot show is left out: see _shows_whole)."""
    place = meeting.place or models.Place()
    match = schedules.DAY.fullmatch(meeting.byday[0]) if len(meeting.byday) == 1 else None
    how_often = ""
    if meeting.freq == "monthly":
        how_often = "monthly"
    elif meeting.freq == "weekly":
        how_often = "fortnightly" if meeting.interval == 2 else "series" if meeting.count else "weekly"
    return MeetingRow(
        where="online" if meeting.online else "other" if meeting.place else "same",
        city=place.city or "",
        postcode=place.postcode or "",
        address=place.address or "",
        weekday=meetings.DAY_KEYS[match["day"]] if match else "",
        opens_at=meeting.opens_at or "",
        closes_at=meeting.closes_at or "",
        how_often=how_often,
        ordinal=(match["ordinal"] or "") if match else "",
        count=str(meeting.count) if meeting.count else "",
        dtstart=meeting.dtstart.isoformat() if meeting.dtstart else "",
    )


def _same_place(a: models.Place | None, b: models.Place | None) -> bool:
    """The same address, postcode and town (the Kring place and coordinates of a place are not on the form)."""

    def shown(p: models.Place | None) -> tuple[str | None, ...] | None:
        return None if p is None else (p.address, p.postcode, p.city)

    return shown(a) == shown(b)


def _shows_whole(meeting: models.Meeting) -> bool:
    """Whether a row shows all of the meeting that matters, so that a row left as it is keeps it unchanged:
    its rule is one of the form's, and its place has a town. The Kring place, coordinates and source of a
    meeting are not on the form; a row left as it is keeps them too."""
    if meeting.freq is None or (meeting.place is not None and not meeting.place.city):
        return False
    rebuilt, _ = _row_meeting(_meeting_row(meeting), meeting.timezone, online_group=False)
    return rebuilt is not None and rebuilt == msgspec.structs.replace(
        meeting, place=rebuilt.place if _same_place(rebuilt.place, meeting.place) else meeting.place, source=None
    )


def _rows_shown(count: int, kept: Mapping[int, models.Meeting], empty: bool, more: bool) -> list[Row]:
    """The rows to show: `count` rows, then an empty one to fill, unless one of them is `empty` already and the
    person did not ask for `more`; and never fewer than two."""
    total = max(2, count + (0 if empty and not more else 1))
    return [Row(i, kept.get(i)) for i in range(min(total, MAX_MEETINGS))]


def meeting_values(found: Sequence[models.Meeting]) -> dict[str, Any]:
    """A listing's or a submission's meetings as the form shows them: each row's inputs by name, and the rows
    (`meetings`), with an empty one to fill."""
    values: dict[str, Any] = {}
    kept: dict[int, models.Meeting] = {}
    for i, meeting in enumerate(found[:MAX_MEETINGS]):
        if not _shows_whole(meeting):
            kept[i] = meeting
            continue
        for name, value in msgspec.structs.asdict(_meeting_row(meeting)).items():
            values[input_name(i, name)] = value
    values["meetings"] = _rows_shown(len(found[:MAX_MEETINGS]), kept, empty=False, more=False)
    return values


def _read_rows(items: Iterable[tuple[str, str]]) -> tuple[dict[int, MeetingRow], set[int]]:
    """The posted meeting rows by index (up to MAX_MEETINGS), and the indices whose remove box is ticked."""
    typed: dict[int, dict[str, str]] = {}
    removed: set[int] = set()
    for key, value in items:
        match = _ROW_NAME.fullmatch(key)
        if match is None or int(match[1]) >= MAX_MEETINGS:
            continue
        index, name = int(match[1]), match[2]
        if name == REMOVE and value:
            removed.add(index)
        elif name in ROW_INPUTS:
            typed.setdefault(index, {})[name] = value.strip()[:MAX_FIELD]
    return {i: MeetingRow(**row) for i, row in typed.items()}, removed


class _Listing(NamedTuple):
    """What a meeting is checked against: its listing's country, format and place."""

    country: str
    format: str | None
    place: models.Place


def _check_meetings(
    rows: Mapping[int, MeetingRow],
    removed: set[int],
    before: Sequence[models.Meeting],
    kept: Mapping[int, models.Meeting],
    listing: _Listing | None,
    places: Mapping[str, models.KnownPlace],
) -> tuple[list[models.Meeting], dict[str, str]]:
    """The meetings the rows give, in order, and the problems by input name.

    Row i starts from before[i], the meeting it showed: a row left as it is keeps that meeting as it was; a
    changed row keeps its place's Kring place and coordinates when the address did not change; a meeting the
    form cannot show whole (`kept`) stays as it is unless its box says remove, and so do the meetings after
    the form's last row. Without a valid country and format (`listing` is None) only the inputs are checked.
    """
    found: list[models.Meeting] = []
    problems: dict[str, str] = {}
    # Without a country the rows are not kept anyway (the country's problem is shown): any zone will do.
    timezone = models.TIMEZONE[listing.country] if listing else "Europe/Brussels"
    for i in range(max([*rows, len(before) - 1], default=-1) + 1):
        old = before[i] if i < len(before) else None
        row = rows.get(i, EMPTY_ROW)
        if i >= MAX_MEETINGS and old is not None:
            meeting, first_input = old, "where"
        elif i in kept:
            if i in removed:
                continue
            meeting, first_input = kept[i], REMOVE
        else:
            if row == EMPTY_ROW:
                continue
            first_input = "where"
            if old is not None and row == _meeting_row(old):
                meeting = old
            else:
                built, row_problems = _row_meeting(row, timezone, listing is not None and listing.format == "online")
                for name, key in row_problems.items():
                    problems[input_name(i, name)] = key
                if built is None:
                    continue
                meeting = built
                if old is not None and built.place is not None and _same_place(built.place, old.place):
                    meeting = msgspec.structs.replace(built, place=old.place)
        found.append(meeting)
        if listing is None:
            continue
        for problem in loader.meeting_problems(meeting, listing.country, listing.format, listing.place, places):
            name, key = MEETING_RULES.get(problem.rule, (first_input, "meeting"))
            problems.setdefault(input_name(i, REMOVE if first_input == REMOVE else name), key)
    return found, problems


def check(
    items: Iterable[tuple[str, str]],
    shape: type[GroupSubmission] = GroupSubmission,
    *,
    before: Sequence[models.Meeting] = (),
    place_id: str | None = None,
    places: Mapping[str, models.KnownPlace] | None = None,
) -> tuple[GroupSubmission | None, dict[str, str], dict[str, Any]]:
    """(the submission or None, problems by field, the values as typed to show the form again).

    Moderators give the meetings the form showed (`before`: row i started from before[i]), the listing's
    Kring place and the known places, which a meeting's Kring place is checked against.
    """
    items = list(items)
    fields = [f for f in msgspec.structs.fields(shape) if f.name != "meetings"]
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
        if postcode and any(loader.place_problems(models.Place(postcode=postcode), typed["country"], {})):
            problems["postcode"] = "postcode"
    listing = None
    if not ({"country", "format"} & problems.keys()):
        place = models.Place(city=typed.get("city") or None, place_id=place_id)
        listing = _Listing(typed["country"], typed.get("format") or None, place)
    rows, removed = _read_rows(items)
    kept = {i: m for i, m in enumerate(before[:MAX_MEETINGS]) if not _shows_whole(m)}
    found, row_problems = _check_meetings(rows, removed, before, kept, listing, places or {})
    problems.update(row_problems)
    for index, row in rows.items():
        for name, value in msgspec.structs.asdict(row).items():
            typed[input_name(index, name)] = value
    for index in removed:
        typed[input_name(index, REMOVE)] = "1"
    count = max([*rows, *kept], default=-1) + 1
    empty = any(rows.get(i, EMPTY_ROW) == EMPTY_ROW for i in range(count) if i not in kept)
    typed["meetings"] = _rows_shown(count, kept, empty, more=adds_a_meeting(items))
    if problems:
        return None, problems, typed
    given = {key: value for key, value in typed.items() if value not in ("", []) and key in names}
    return msgspec.convert({**given, "meetings": found}, shape), {}, typed

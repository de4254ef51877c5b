"""A small, made-up set of listings that covers every filter value, for tests only (never loaded by make run)."""

from __future__ import annotations

import datetime as dt

from server import loader, models, search

SOURCE = "test fixture: made up for Kring's tests, not a real group"
# Dates are counted back from today (Brussels), so that fresh listings stay fresh whenever the tests run.
TODAY = search.today()


def checked(months: int) -> dt.date:
    """A last_checked date `months` calendar months before today (stale from 12, hidden from 18)."""
    return search.months_before(TODAY, months)


def group(id: str, name: str, **fields: object) -> models.Group:
    fields.setdefault("kind", "support_group")
    fields.setdefault("country", "BE")
    fields.setdefault("checked_by", "public_source")
    fields.setdefault("last_checked", checked(6))
    return models.Group(id=id, name=name, source=SOURCE, **fields)  # type: ignore[arg-type]


def place(place_id: str, **fields: object) -> models.Place:
    return models.Place(place_id=place_id, **fields)  # type: ignore[arg-type]


def meeting(**fields: object) -> models.Meeting:
    return models.Meeting(**fields)  # type: ignore[arg-type]


DAY = dt.timedelta(days=1)


def groups() -> list[models.Group]:
    A = models.Accessibility
    return [
        group(
            "test-rouwgroep-gent",
            "Rouwgroep Gent",
            themes=["grief", "suicide_bereavement"],
            format="in_person",
            place=place("be-gent"),
            languages=["nl"],
            led_by="professional",
            membership="closed",
            cost="paid",
            accessibility=A(wheelchair=True, hearing_loop=True),
            audience=["adults"],
            last_checked=checked(1),
            checked_by="organizer",
            organization="test-org",
            meetings=[meeting(freq="weekly", byday=["TU"], opens_at="19:30", closes_at="21:30")],
        ),
        group(
            "test-cafe-ecoute",
            "Café Écoute Bruxelles",
            kind="talk_circle",
            themes=["emotions_general", "loneliness"],
            format="hybrid",
            place=place("be-brussels", lat=50.8466, lon=4.3528),
            languages=["fr", "nl"],
            led_by="volunteer",
            membership="open",
            cost="free",
            accessibility=A(wheelchair=True),
            audience=["adults", "expats"],
            last_checked=checked(1),
            meetings=[
                meeting(freq="monthly", byday=["2TH"], opens_at="14:00", closes_at="16:00"),
                meeting(online=True, freq="weekly", byday=["MO"], opens_at="20:00", not_on=[TODAY + 7 * DAY]),
            ],
        ),
        group(
            "test-angst-online",
            "Angst en paniek – online lotgenoten",
            country="NL",
            themes=["anxiety"],
            format="online",
            languages=["nl"],
            led_by="peer",
            membership="open",
            cost="free",
            audience=["young_adults", "students"],
            last_checked=checked(4),
            source_date=checked(9),  # read on a public page that carries its own date
        ),
        group(
            "test-therapy-utrecht",
            "Groepstherapie depressie Utrecht",
            kind="group_therapy",
            country="NL",
            themes=["depression"],
            format="in_person",
            place=place("nl-utrecht"),
            languages=["nl", "en"],
            led_by="professional",
            membership="closed",
            registration="intake",
            cost="paid",
            accessibility=A(wheelchair=False, sign_language=True),
            last_checked=checked(8),
            checked_by="moderator",  # a moderator confirmed it with the organizer
            # A cycle of 8 sessions that starts in three days.
            meetings=[
                meeting(
                    freq="weekly",
                    byday=["WE"],
                    opens_at="18:00",
                    dtstart=TODAY + 3 * DAY,
                    count=8,
                    timezone="Europe/Amsterdam",
                )
            ],
        ),
        group(
            "test-workshop-liege",
            "Atelier gestion du stress",
            kind="workshop",
            themes=["stress", "burnout"],
            format="in_person",
            place=place("be-liege"),
            languages=["fr"],
            led_by="mixed",
            cost="contribution",
            audience=["workers"],
            last_checked=checked(4),
            # A series that ended yesterday: its page says the known dates have passed.
            meetings=[meeting(freq="weekly", byday=["SA"], opens_at="10:00", until=TODAY - DAY)],
        ),
        group(
            "test-orientation",
            "Wegwijzer hulp",
            kind="orientation",
            format="online",
            languages=["nl", "fr", "de"],
            last_checked=checked(13),  # stale: it says "not checked since" and comes after the fresh ones
        ),
        group(
            "test-many-towns",
            "Zelfhulpgroepen overal",
            themes=["addiction"],
            languages=["nl"],
            led_by="peer",
            cost="contribution",
            last_checked=checked(4),
            # Groups in two towns: one whose days are not known, one on the 15th of each month.
            meetings=[
                meeting(place=place("be-leuven")),
                meeting(place=place("be-hasselt", city="Hasselt"), freq="monthly", bymonthday=[15], opens_at="10:00"),
            ],
        ),
        group(
            "test-antwerp-parents",
            "Ouders in Antwerpen",
            themes=["parenting", "relatives"],
            format="in_person",
            place=place("be-antwerp", city="Antwerpen"),
            languages=["nl"],
            membership="open",
            accessibility=A(interpreter=True, hearing_loop=True, wheelchair=True),
            audience=["parents"],
            last_checked=checked(4),
            meetings=[meeting(freq="monthly", byday=["-1FR"])],  # the last Friday, at a time not given
        ),
        group(
            "test-amsterdam-english",
            "English-speaking support group Amsterdam",
            country="NL",
            themes=["depression", "anxiety"],
            format="hybrid",
            place=place("nl-amsterdam"),
            languages=["en"],
            led_by="peer",
            membership="open",
            cost="free",
            audience=["expats"],
            last_checked=checked(1),
            meetings=[
                meeting(
                    freq="weekly",
                    interval=2,
                    byday=["FR"],
                    dtstart=TODAY - 3 * DAY,
                    opens_at="12:30",
                    timezone="Europe/Amsterdam",
                )
            ],
        ),
        group(
            "test-gent-stale",
            "Praatgroep Gent",
            kind="talk_circle",
            themes=["loneliness"],
            format="in_person",
            place=place("be-gent"),
            languages=["nl"],
            led_by="volunteer",
            membership="open",
            cost="free",
            audience=["adults"],
            last_checked=checked(15),  # stale, and as near Gent as the fresh Rouwgroep Gent
        ),
        group(
            "test-hidden",
            "Verborgen praatgroep Gent",
            kind="talk_circle",
            themes=["grief", "loneliness"],
            format="in_person",
            place=place("be-gent"),
            languages=["nl", "fr"],
            led_by="peer",
            membership="open",
            cost="free",
            audience=["adults"],
            last_checked=checked(19),  # hidden: in no result or count, but its page still answers
        ),
        group(
            "test-paused",
            "Gepauzeerde groep",
            format="online",
            status="paused",
            languages=["nl"],
        ),
        group(
            "test-ended",
            "Beëindigde groep",
            format="online",
            status="ended",
            languages=["nl"],
        ),
    ]


def organizations() -> list[models.Organization]:
    return [
        models.Organization(
            id="test-org",
            name="Vereniging Voorbeeld",
            country="BE",
            source=SOURCE,
            checked_by="public_source",
            last_checked=checked(6),
        )
    ]


def dataset() -> loader.Dataset:
    """The fixture listings with the real crisis lines and places."""
    from pathlib import Path

    real = loader.read(Path(__file__).resolve().parent.parent / "data")
    real.groups = groups()
    real.organizations = organizations()
    return real

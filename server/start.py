"""The "I don't know what I need" helper: a few skippable answers, mapped to finder filters and one guide.

The table is data: the page carries it (as JSON) so that app.js gives the same suggestion offline.
Nothing about the answers is stored anywhere.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from urllib.parse import urlencode

from msgspec import Struct

from server.labels import N_

# Each question, its answers (with their labels), and the finder filters each answer adds.
QUESTIONS: dict[str, dict[str, tuple[str, list[tuple[str, str]]]]] = {
    "now": {
        "okay": (N_("I can cope for now, and I am looking for support"), []),
        "very_bad": (N_("Things are very bad right now"), []),
    },
    "talk": {
        "peers": (
            N_("Talk with people who go through something similar"),
            [("kind", "support_group"), ("kind", "talk_circle")],
        ),
        "deeper": (N_("Work on something deeper, with a therapist"), [("kind", "group_therapy")]),
        "learn": (N_("Learn and practise something, in a short course"), [("kind", "workshop")]),
        "unsure": (N_("I do not know yet"), []),
    },
    "pace": {
        "calm": (N_("Calmly: drop in when I want"), [("membership", "open")]),
        "structured": (N_("In a structured way: a fixed group, the same people"), [("membership", "closed")]),
    },
    "where": {
        "online": (N_("Online"), [("format", "online")]),
        "near": (N_("Near me"), []),
        "either": (N_("Both are fine"), []),
    },
    "speak": {
        "nl": (N_("Dutch"), [("lang", "nl")]),
        "fr": (N_("French"), [("lang", "fr")]),
        "en": (N_("English"), [("lang", "en")]),
        "de": (N_("German"), [("lang", "de")]),
    },
}
QUESTION_LABELS = {
    "now": N_("How are you right now?"),
    "talk": N_("What would help you most?"),
    "pace": N_("How would you like to start?"),
    "where": N_("Online or near you?"),
    "speak": N_("Which language would you like to speak?"),
}
NEAR_WITHIN = "25"
# The one guide to read next, by the answer to "talk" (no answer: as "unsure").
GUIDE_FOR_TALK = {
    "unsure": "support-group-or-therapy",
    "deeper": "without-a-diagnosis",
    "peers": "your-first-time",
    "learn": "your-first-time",
}


class Suggestion(Struct, frozen=True):
    filters: list[tuple[str, str]]
    guide: str  # the slug of one guide
    crisis_first: bool

    def finder_url(self, lang: str) -> str:
        query = urlencode(self.filters)
        return f"/{lang}/groups" + (f"?{query}" if query else "")


def answers_from(items: Iterable[tuple[str, str]], place_ids: Container[str]) -> dict[str, str]:
    """The valid answers among query parameters; anything else is left out (every question is skippable)."""
    found: dict[str, str] = {}
    for key, value in items:
        if (key in QUESTIONS and value in QUESTIONS[key] and key not in found) or (
            key == "near" and value in place_ids and key not in found
        ):
            found[key] = value
    return found


def suggest(answers: dict[str, str]) -> Suggestion:
    filters: list[tuple[str, str]] = []
    for question, table in QUESTIONS.items():
        if question in answers:
            filters += table[answers[question]][1]
    if answers.get("where") == "near" and answers.get("near"):
        filters += [("near", answers["near"]), ("within", NEAR_WITHIN)]
    guide = GUIDE_FOR_TALK[answers.get("talk", "unsure")]
    return Suggestion(filters=filters, guide=guide, crisis_first=answers.get("now") == "very_bad")


def table() -> dict[str, object]:
    """What app.js needs to suggest the same thing offline."""
    return {
        "filters": {q: {a: pairs for a, (_, pairs) in answers.items()} for q, answers in QUESTIONS.items()},
        "within": NEAR_WITHIN,
        "guides": GUIDE_FOR_TALK,
    }

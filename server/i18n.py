"""Locales, Accept-Language negotiation and Babel translations for Jinja and Python."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.support import NullTranslations, Translations
from cachetools import LRUCache
from jinja2 import pass_context
from markupsafe import Markup

from server import labels

LOCALES_DIR = Path(__file__).resolve().parent.parent / "web" / "locales"
DEFAULT = "nl"
# The interface languages, each named in itself (for the language switch).
KNOWN_LOCALES = {"nl": "Nederlands", "fr": "Français", "en": "English"}


@cache
def translations(lang: str) -> NullTranslations:
    found = Translations.load(str(LOCALES_DIR), [lang], domain="messages")
    if lang != "en" and not isinstance(found, Translations):
        raise RuntimeError(f"no compiled translations for {lang!r} in {LOCALES_DIR}; run `make translations`")
    return found


def gettext(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


def negotiate(accept_language: str | None) -> str:
    """The best of KNOWN_LOCALES for an Accept-Language header; DEFAULT when nothing matches."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary and quality > 0:
            ranked.append((-quality, position, primary))
    for _, _, primary in sorted(ranked):
        if primary in KNOWN_LOCALES:
            return primary
    return DEFAULT


@cache
def language_name(code: str, lang: str) -> str:
    """A spoken language's name in the interface language, e.g. ('fr', 'nl') -> 'Frans'."""
    name = Locale(lang).languages.get(code, code)
    return name[:1].upper() + name[1:]


@cache
def date(value: dt.date, lang: str, form: str = "long") -> str:
    return format_date(value, format=form, locale=lang)


class Labels:
    """Every label table of server/labels.py, translated into one language (built once per language)."""

    def __init__(self, lang: str) -> None:
        for name in dir(labels):
            table = getattr(labels, name)
            if name.isupper() and isinstance(table, dict):
                setattr(self, name, {key: gettext(lang, text) for key, text in table.items()})


@cache
def labels_in(lang: str) -> Labels:
    return Labels(lang)


# Jinja: the i18n extension calls these with the template context, which carries `lang`.
@pass_context
def jinja_gettext(context: Any, message: str) -> str:
    return translations(context["lang"]).gettext(message)


_TEXTS: LRUCache[tuple[str, str], Markup] = LRUCache(maxsize=4096)


@pass_context
def jinja_text(context: Any, message: str, **variables: Any) -> str:
    """`_()` in a template: what the i18n extension's newstyle gettext gives (always formatted, so "%%" is "%";
    escaped), with the texts that take no variables kept per language. A listing page asks for about 50 of
    them, and the extension's three calls deep for each were a tenth of rendering it (bench/crowd.py)."""
    lang = context["lang"]
    if not context.eval_ctx.autoescape:
        return translations(lang).gettext(message) % variables
    if variables:
        return Markup(translations(lang).gettext(message)) % variables  # noqa: S704 (our catalogs; values escaped)
    found = _TEXTS.get((lang, message))
    if found is None:
        found = _TEXTS[(lang, message)] = Markup(translations(lang).gettext(message)) % {}  # noqa: S704 (as above)
    return found


@pass_context
def jinja_ngettext(context: Any, singular: str, plural: str, n: int) -> str:
    return translations(context["lang"]).ngettext(singular, plural, n)


@pass_context
def jinja_pgettext(context: Any, ctx: str, message: str) -> str:
    return translations(context["lang"]).pgettext(ctx, message)

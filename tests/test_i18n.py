"""Every message of the interface exists in Dutch and French: nothing untranslated, fuzzy or missing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

from server import i18n, web
from server.settings import Settings
from tests.conftest import ROOT

LOCALES = ("nl", "fr")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalog(lang: str):
    with open(ROOT / "web" / "locales" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            Path(sys.executable).parent / "pybabel",
            "--quiet",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with open(pot, "rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


@pytest.mark.parametrize("lang", LOCALES)
def test_every_message_is_translated_and_none_is_fuzzy(lang: str, source_ids: set[str]) -> None:
    cat = catalog(lang)
    assert not cat.fuzzy, f"the header of {lang} is marked fuzzy"
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in cat if m.id}
    assert source_ids - ids == set(), f"new messages not in the {lang} catalog: run `make messages` and translate"
    for message in cat:
        if not message.id:
            continue
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(strings), f"{lang}: untranslated: {message.id!r}"
        assert not message.fuzzy, f"{lang}: fuzzy: {message.id!r}"
        source = message.id if isinstance(message.id, str) else message.id[0]
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(source)), (lang, source, text)


def test_compiled_catalogs_are_used() -> None:
    for lang in LOCALES:
        assert i18n.gettext(lang, "Find a group") != "Find a group"
    assert i18n.gettext("en", "Find a group") == "Find a group"


def test_templates_underscore_gives_what_the_i18n_extension_gives() -> None:
    """web.environment() swaps the extension's `_` for i18n.jinja_text, which keeps the texts without variables."""
    ours = web.environment(Settings())
    theirs = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    theirs.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.jinja_gettext, ngettext=i18n.jinja_ngettext, newstyle=True
    )
    source = "{{ _('Find a group') }}|{{ _('100%% free') }}|{{ _('Checked on %(date)s', date=d) }}"
    for lang in LOCALES:
        for _ in range(2):  # the second time from what jinja_text kept
            values = {"lang": lang, "d": "<b>2 Dec</b>"}
            found = ours.from_string(source).render(values)
            assert found == theirs.from_string(source).render(values)
            assert "&lt;b&gt;" in found and "100% free" in found

"""Guides: each renders in each language with its sources and finder links; bad guide files are refused."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from server import loader, search
from tests.conftest import DATA, soup

LANGS = ("nl", "fr", "en")
SLUGS = ("support-group-or-therapy", "without-a-diagnosis", "mental-health-networks", "your-first-time", "questions")


def test_the_five_guides_exist_in_every_language(real_data: loader.Dataset) -> None:
    found = {(g.slug, g.lang) for g in real_data.guides}
    assert found == {(slug, lang) for slug in SLUGS for lang in LANGS}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", SLUGS)
def test_each_guide_renders_with_its_sources_and_finder_links(client, real_data, lang: str, slug: str) -> None:
    guide = next(g for g in real_data.guides if g.slug == slug and g.lang == lang)
    response = client.get(f"/{lang}/guide/{slug}")
    assert response.status_code == 200
    page = soup(response.text)
    assert page.h1.text == guide.title
    assert page.select_one(".prose").get_text(strip=True)
    assert [li.text for li in page.select(".sources li")] == guide.sources
    links = [a["href"] for a in page.select(".finder-links a")]
    assert len(links) == len(guide.finder) >= 1
    for href in links:
        url = urlsplit(href)
        assert url.path == f"/{lang}/groups"
        _, problems = search.parse_filters(parse_qsl(url.query), place_ids={})
        assert problems == []
        assert client.get(href).status_code == 200


def test_the_research_guide_names_its_two_sources_in_every_language(real_data: loader.Dataset) -> None:
    for lang in LANGS:
        guide = next(g for g in real_data.guides if g.slug == "without-a-diagnosis" and g.lang == lang)
        text = " ".join(guide.sources)
        assert "McDermut" in text and "2001" in text and "48" in text
        assert "Yalom" in text and "Leszcz" in text and "2020" in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_guide_list_links_every_guide(client, lang: str) -> None:
    page = soup(client.get(f"/{lang}/guide").text)
    assert {a["href"] for a in page.select(".cards a")} == {f"/{lang}/guide/{s}" for s in SLUGS}
    assert client.get(f"/{lang}/guide/no-such-guide").status_code == 404


GOOD = """+++
title = "A test guide"
summary = "A short summary of the test guide."
order = 1
sources = []
[[finder]]
label = "Support groups"
query = "kind=support_group"
+++
Some **text**.
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("guides"))
    for lang in LANGS:
        (data / "guides" / lang).mkdir(parents=True)
        (data / "guides" / lang / "test.md").write_text(GOOD)
    return data


def test_a_good_guide_folder_loads(folder: Path) -> None:
    data = loader.read(folder)
    assert {g.lang for g in data.guides} == set(LANGS)
    assert "<strong>text</strong>" in data.guides[0].html


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("nl", None, "guides/nl/test.md:1: (file): missing; every guide exists in nl, fr and en"),
        ("nl", GOOD.replace("+++\n", "", 1), "guides/nl/test.md:1: (front matter): start with a line +++"),
        ("fr", GOOD.replace('title = "A test guide"\n', ""), "guides/fr/test.md:2: title: the field title is required"),
        (
            "en",
            GOOD.replace('query = "kind=support_group"', 'query = "kind=club"'),
            "guides/en/test.md:8: finder.query: kind='club'",
        ),
        ("en", GOOD.replace("order = 1", "order = 2"), "guides/en/test.md:1: order: differs between the languages"),
        ("en", GOOD.replace("order = 1", 'order = "one"'), "guides/en/test.md:4: order: expected a value of type int"),
        (
            "en",
            GOOD.split("+++\n")[0] + "+++\n" + GOOD.split("+++\n")[1] + "+++\n",
            "guides/en/test.md:1: (body): the guide has no text",
        ),
        ("de", GOOD, "guides/de/test.md:1: (file): guides are data/guides/<nl|fr|en>/<slug>.md"),
    ],
)
def test_a_bad_guide_is_refused_with_its_place(folder: Path, lang: str, text: str | None, expected: str) -> None:
    path = folder / "guides" / lang / "test.md"
    if text is None:
        path.unlink()
    else:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    with pytest.raises(loader.DataError) as caught:
        loader.read(folder)
    assert len(caught.value.problems) == 1, caught.value.problems
    assert caught.value.problems[0].startswith(f"{folder}/{expected}"), caught.value.problems

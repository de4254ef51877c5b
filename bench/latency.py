"""Results-fragment latency, in process, with 10,000 synthetic listings (response cache cleared per request)."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from bench import hello, synthetic
from bench.common import Row, percentile, run
from server import loader, search
from server.app import create_app
from server.settings import Settings

LISTINGS = 10_000
ROUNDS = 3  # timed passes over the mix, after one warm-up pass
HEADERS = {"HX-Request": "true", "Accept-Encoding": "br"}  # what htmx sends from a browser
WORDS = sorted(
    {w for table in synthetic.THEME_WORDS.values() for text in table.values() for w in search.words(text)}
    | {"praatgroep", "groupe", "parole", "peer", "circle", "workshop", "atelier", "zelfhulp", "online"}
)
LANGS = ("nl", "fr", "en", "de", "ar")


def _filters(rng: random.Random, count: int) -> list[tuple[str, str]]:
    params = rng.sample([*search.CHOICES, "lang"], count)
    return [(p, rng.choice(search.CHOICES.get(p, LANGS))) for p in params]


def _word(rng: random.Random, towns: list[str]) -> str:
    word = rng.choice(WORDS if rng.random() < 0.7 else towns)
    return word if rng.random() < 0.5 else word[: rng.randint(3, max(3, len(word) - 1))]


def query_mix(n: int = 240, seed: int = 3) -> list[str]:
    """Realistic query strings: single filters, combinations, words and prefixes, near + within, page 2."""
    rng = random.Random(seed)
    places = list(loader.known_places().values())[:120]
    towns = [w for p in places for w in search.words(p.name)[:1]]
    out = []
    for i in range(n):
        shape = i % 6
        if shape == 0:
            params = _filters(rng, 1)
        elif shape == 1:
            params = _filters(rng, rng.randint(2, 3))
        elif shape == 2:
            params = [("q", " ".join(_word(rng, towns) for _ in range(rng.randint(1, 2))))]
        elif shape == 3:
            params = [("q", _word(rng, towns)), *_filters(rng, rng.randint(1, 2))]
        elif shape == 4:
            within = rng.choice(search.WITHIN_CHOICES)
            params = [("near", rng.choice(places).id), ("within", str(within)), *_filters(rng, rng.randint(0, 1))]
        else:
            params = [*_filters(rng, rng.randint(0, 1)), ("page", "2")]
        out.append(f"/en/groups/results?{urlencode(params)}")
    return out


async def _time(client: httpx.AsyncClient, url: str, headers: dict[str, str] = HEADERS) -> float:
    start = time.perf_counter()
    response = await client.get(url, headers=headers)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return elapsed * 1000


async def _measure(db_path: Path, urls: list[str]) -> dict[str, list[float]]:
    app = create_app(Settings(db=db_path))
    cache = app.stores.get("response_cache")
    found: dict[str, list[float]] = {k: [] for k in ("first", "uncached", "identity", "cached", "search", "hello")}
    async with app.lifespan():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
            for url in urls:  # first pass: cold word and distance caches of the snapshot
                await cache.delete_all()
                found["first"].append(await _time(client, url))
            for _ in range(ROUNDS):
                for url in urls:
                    await cache.delete_all()
                    found["uncached"].append(await _time(client, url))
            for url in urls:
                await cache.delete_all()
                found["identity"].append(await _time(client, url, {**HEADERS, "Accept-Encoding": "identity"}))
            for url in urls:
                await _time(client, url)  # stores the answer in the response cache
                found["cached"].append(await _time(client, url))
        catalog = app.state.catalog
        snapshot = await catalog.current()
        for url in urls * ROUNDS:  # the search alone, without the template, compression and middleware
            filters, _ = search.parse_filters(parse_qsl(urlsplit(url).query), place_ids=snapshot.places)
            start = time.perf_counter()
            await snapshot.search(catalog.conn, filters, lang="en")
            found["search"].append((time.perf_counter() - start) * 1000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hello.app), base_url="http://127.0.0.1") as client:
        found["hello"] = [await _time(client, "/") for _ in urls * ROUNDS]
    return found


def measure() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="kring-bench-") as tmp:
        start = time.perf_counter()
        synthetic.build_db(Path(tmp) / "s10k.sqlite", LISTINGS)
        print(f"built a DB of {LISTINGS:,} synthetic listings in {time.perf_counter() - start:.1f} s")
        urls = query_mix()
        print(f"{len(urls)} queries, e.g. {urls[1]} and {urls[4]}")
        found = asyncio.run(_measure(Path(tmp) / "s10k.sqlite", urls))
    for name, label in (
        ("first", "uncached, first pass (cold word/distance caches)"),
        ("uncached", f"uncached, {ROUNDS} passes"),
        ("identity", "uncached, Accept-Encoding: identity, 1 pass"),
        ("cached", "response cache hit"),
        ("search", "of which Snapshot.search alone"),
        ("hello", "bare ASGI hello through the same client (overhead)"),
    ):
        t = found[name]
        print(f"{label:<52} p50 {percentile(t, 50):6.2f} ms  p95 {percentile(t, 95):6.2f} ms  max {max(t):6.2f} ms")
    p50 = percentile(found["uncached"], 50)
    return [
        ("results fragment, 10k listings, uncached p50", f"{p50:.2f} ms", "<= 2 ms", p50 <= 2),
        ("results fragment, 10k listings, uncached p95", f"{percentile(found['uncached'], 95):.2f} ms", "", None),
        ("results fragment, 10k listings, cached p50", f"{percentile(found['cached'], 50):.2f} ms", "", None),
    ]


if __name__ == "__main__":
    run(measure)

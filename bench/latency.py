"""Results-fragment latency, in process (straight into the ASGI app), 10,000 synthetic listings, page cache cleared."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from litestar.types import ASGIApp

from bench import hello, synthetic
from bench.common import Row, percentile, run
from server import facets, search
from server.app import create_app
from server.places import known_places
from server.settings import Settings

LISTINGS = 10_000
ROUNDS = 3  # timed passes over the mix, after one warm-up pass
HEADERS = {"HX-Request": "true", "Accept-Encoding": "br"}  # what htmx sends from a browser
WORDS = sorted(
    {w for table in synthetic.THEME_WORDS.values() for text in table.values() for w in search.words(text)}
    | {"praatgroep", "groupe", "parole", "peer", "circle", "workshop", "atelier", "zelfhulp", "online"}
)
LANGS = ("nl", "fr", "en", "de", "ar")
# The closed facets' values, then lang (any ISO code; LANGS are those drawn), in the order the figures were made with.
CHOICES = {f.param: f.values for f in facets.REGISTRY if f.labels is not None}
PARAMS = [*CHOICES, "lang"]


def _filters(rng: random.Random, count: int) -> list[tuple[str, str]]:
    params = rng.sample(PARAMS, count)
    return [(p, rng.choice(CHOICES.get(p, LANGS))) for p in params]


def _word(rng: random.Random, towns: list[str]) -> str:
    word = rng.choice(WORDS if rng.random() < 0.7 else towns)
    return word if rng.random() < 0.5 else word[: rng.randint(3, max(3, len(word) - 1))]


def query_mix(n: int = 240, seed: int = 3) -> list[str]:
    """Realistic query strings: single filters, combinations, words and prefixes, near + within, page 2."""
    rng = random.Random(seed)
    places = list(known_places().values())[:120]
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


def when_mix(n: int = 120, seed: int = 4) -> list[str]:
    """Queries that ask when: a day and a part of the day each, often with soon=7 or order=next, some near a place."""
    rng = random.Random(seed)
    places = list(known_places().values())[:120]
    out = []
    for _ in range(n):
        params = [("day", d) for d in rng.sample(CHOICES["day"], rng.randint(1, 2))]
        params += [("time", t) for t in rng.sample(CHOICES["time"], rng.randint(1, 2))]
        if rng.random() < 0.5:
            params.append(("soon", str(search.SOON_CHOICE)))
        if rng.random() < 0.5:
            params.append(("order", "next"))
        if rng.random() < 0.3:
            params += [("near", rng.choice(places).id), ("within", "25")]
        out.append(f"/en/groups/results?{urlencode(params)}")
    return out


async def _time(app: ASGIApp, url: str, headers: dict[str, str] = HEADERS) -> float:
    """One GET straight into the ASGI app, no HTTP client in between: the server's own time."""
    path, _, query = url.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *((k.lower().encode(), v.encode()) for k, v in headers.items())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    status = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    start = time.perf_counter()
    await app(scope, receive, send)
    elapsed = time.perf_counter() - start
    if status != [200]:
        raise SystemExit(f"{url}: HTTP {status}")
    return elapsed * 1000


async def _measure(db_path: Path, urls: list[str], when: list[str]) -> dict[str, list[float]]:
    app = create_app(Settings(db=db_path))
    cache = app.page_cache
    kinds = ("first", "uncached", "when", "identity", "cached", "search", "hello")
    found: dict[str, list[float]] = {k: [] for k in kinds}
    async with app.lifespan():
        for url in urls + when:  # first pass: cold word and distance caches of the snapshot
            cache.clear()
            found["first"].append(await _time(app, url))
        for _ in range(ROUNDS):
            for url in urls:
                cache.clear()
                found["uncached"].append(await _time(app, url))
            for url in when:
                cache.clear()
                found["when"].append(await _time(app, url))
        for url in urls:
            cache.clear()
            found["identity"].append(await _time(app, url, {**HEADERS, "Accept-Encoding": "identity"}))
        for url in urls:
            await _time(app, url)  # stores the answer in the page cache
            found["cached"].append(await _time(app, url))
        catalog = app.state.catalog
        snapshot = await catalog.current()
        for url in urls * ROUNDS:  # the search alone, without the template, compression and middleware
            filters, _ = search.parse_filters(parse_qsl(urlsplit(url).query), place_ids=snapshot.places)
            start = time.perf_counter()
            await snapshot.search(catalog.database, filters)
            found["search"].append((time.perf_counter() - start) * 1000)
    found["hello"] = [await _time(hello.app, "/") for _ in urls * ROUNDS]
    return found


def measure() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="kring-bench-") as tmp:
        start = time.perf_counter()
        synthetic.build_db(Path(tmp) / "s10k.sqlite", LISTINGS)
        print(f"built a DB of {LISTINGS:,} synthetic listings in {time.perf_counter() - start:.1f} s")
        urls, when = query_mix(), when_mix()
        print(f"{len(urls)} queries, e.g. {urls[1]} and {urls[4]}; {len(when)} with day and time, e.g. {when[0]}")
        found = asyncio.run(_measure(Path(tmp) / "s10k.sqlite", urls, when))
    for name, label in (
        ("first", "uncached, first pass (cold word/distance caches)"),
        ("uncached", f"uncached, {ROUNDS} passes"),
        ("when", f"uncached, day and time (+ soon, order), {ROUNDS} passes"),
        ("identity", "uncached, Accept-Encoding: identity, 1 pass"),
        ("cached", "page cache hit"),
        ("search", "of which Snapshot.search alone"),
        ("hello", "bare ASGI hello, called the same way"),
    ):
        t = found[name]
        print(f"{label:<52} p50 {percentile(t, 50):6.2f} ms  p95 {percentile(t, 95):6.2f} ms  max {max(t):6.2f} ms")
    p50 = percentile(found["uncached"], 50)
    return [
        ("results fragment, 10k listings, uncached p50", f"{p50:.2f} ms", "<= 2 ms", p50 <= 2),
        ("results fragment, 10k listings, uncached p95", f"{percentile(found['uncached'], 95):.2f} ms", "", None),
        (
            "results fragment, 10k, day and time, uncached p50",
            f"{(when_p50 := percentile(found['when'], 50)):.2f} ms",
            "<= 2 ms",
            when_p50 <= 2,
        ),
        ("results fragment, 10k listings, cached p50", f"{percentile(found['cached'], 50):.2f} ms", "", None),
    ]


if __name__ == "__main__":
    run(measure)

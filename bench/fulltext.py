"""Filter + full-text search (Snapshot.search) with 100,000 synthetic listings, plus build time and memory."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import synthetic
from bench.common import Row, percentile, rss_mb, run
from server import db, facets, search
from server.catalog import Catalog
from server.places import known_places

LISTINGS = 100_000
QUERIES = 320
ROUNDS = 3  # warm passes after the first (cold) one
LANGS = ("nl", "fr", "en", "de", "ar")
# The closed facets' values, then lang (any ISO code; LANGS are those drawn), in the order the figures were made with.
CHOICES = {f.param: f.values for f in facets.REGISTRY if f.labels is not None}
PARAMS = [*CHOICES, "lang"]


def query_mix(n: int = QUERIES, seed: int = 5) -> list[search.Filters]:
    """Each query: one or two words cut to prefixes of 2-6 letters, 1-3 filters, every fourth with near."""
    rng = random.Random(seed)
    known = known_places()
    places = list(known.values())[:150]
    texts = [t for table in synthetic.THEME_WORDS.values() for t in table.values()]
    texts += [t for table in synthetic.KIND_WORDS.values() for names in table.values() for t in names]
    texts += [p.name for p in places]
    vocabulary = sorted({w for text in texts for w in search.words(text) if len(w) >= 2})
    out = []
    for i in range(n):
        words = [w[: rng.randint(2, 6)] for w in rng.sample(vocabulary, rng.randint(1, 2))]
        params = [("q", " ".join(words))]
        for param in rng.sample(PARAMS, rng.randint(1, 3)):
            params.append((param, rng.choice(CHOICES.get(param, LANGS))))
        if i % 4 == 0:
            params += [("near", rng.choice(places).id), ("within", str(rng.choice(search.WITHIN_CHOICES)))]
        filters, problems = search.parse_filters(params, place_ids=known)
        assert not problems, problems
        out.append(filters)
    return out


async def _measure(path: Path) -> dict[str, object]:
    queries = query_mix()
    database = await db.Database.open(path)
    try:
        before = rss_mb()[0]
        start = time.perf_counter()
        snapshot = await Catalog(database).current()
        build = time.perf_counter() - start
        after = rss_mb()
        times: dict[str, list[float]] = {"cold": [], "warm": []}
        for name, passes in (("cold", 1), ("warm", ROUNDS)):
            for filters in queries * passes:
                start = time.perf_counter()
                await snapshot.search(database, filters)
                times[name].append((time.perf_counter() - start) * 1000)
        for name, passes in (("cold", 1), ("warm", ROUNDS)):  # split by whether the query has `near`
            for has_near in (False, True):
                key = f"{name} {'with' if has_near else 'without'} near"
                times[key] = [t for f, t in zip(queries * passes, times[name], strict=True) if bool(f.near) == has_near]
        return {
            "build": build,
            "before": before,
            "after": after,
            "size": snapshot.size,
            **times,
            "example": queries[0].to_params(),
        }
    finally:
        await database.close()


def measure() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="kring-bench-") as tmp:
        path = Path(tmp) / "s100k.sqlite"
        start = time.perf_counter()
        # In a child process, so that the generator's memory does not count in this one's RSS.
        subprocess.run([sys.executable, "-m", "bench.synthetic", str(LISTINGS), str(path)], check=True)
        print(f"generated and loaded {LISTINGS:,} synthetic listings in {time.perf_counter() - start:.1f} s")
        found = asyncio.run(_measure(path))
    rss, peak = found["after"]
    print(f"snapshot of {found['size']:,} active listings built in {found['build']:.2f} s")
    print(f"memory: RSS {found['before']:.0f} MB before the snapshot, {rss:.0f} MB after (peak {peak:.0f} MB)")
    print(f"{QUERIES} queries, e.g. {found['example']}")
    for name, label in (
        ("cold", "first time (cold caches)"),
        ("cold without near", "  without near"),
        ("cold with near", "  with near"),
        ("warm", f"warm ({ROUNDS} passes)"),
        ("warm without near", "  without near"),
        ("warm with near", "  with near"),
    ):
        t = found[name]
        print(f"{label:<26} p50 {percentile(t, 50):6.2f} ms  p95 {percentile(t, 95):6.2f} ms  max {max(t):7.2f} ms")
    warm, cold = found["warm"], found["cold"]
    p95 = percentile(warm, 95)
    return [
        ("search, 100k listings, p95", f"{p95:.2f} ms", "<= 10 ms", p95 <= 10),
        ("search, 100k listings, p50 / max", f"{percentile(warm, 50):.2f} / {max(warm):.1f} ms", "", None),
        ("search, 100k listings, p95 without near", f"{percentile(found['warm without near'], 95):.2f} ms", "", None),
        ("search, 100k listings, first-time p95", f"{percentile(cold, 95):.2f} ms", "", None),
        ("snapshot build, 100k listings", f"{found['build']:.2f} s", "", None),
        ("process RSS with the 100k snapshot", f"{rss:.0f} MB", "", None),
    ]


if __name__ == "__main__":
    run(measure)

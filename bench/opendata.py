"""The open data feeds on 10,000 synthetic listings: how long the HSDS index and a page of services take (the
work a request does on the event loop after the data changed), the Meeting Guide feed, and an export's size."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import msgspec

from bench import synthetic
from bench.common import Row, percentile, run
from server import catalog, db, hsds, meeting_guide
from server.routes import opendata

LISTINGS = 10_000


def measure() -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kring.sqlite"
        synthetic.build_db(path, LISTINGS)
        snapshot = db.run_read(path, catalog.build)
    start = time.perf_counter()
    index = opendata.index(snapshot)
    built = (time.perf_counter() - start) * 1000
    pages = []
    for n in range(20):
        start = time.perf_counter()
        items = [opendata.service_of(snapshot, listing) for _, _, listing in index.listings[n * 50 : n * 50 + 50]]
        msgspec.json.encode(hsds.page(items, n + 1, 50, len(index.listings)))
        pages.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    feed = [
        m
        for i in snapshot.active
        for m in meeting_guide.meetings(i.group, i.organization, snapshot.places, f"https://k/{i.group.id}", i.modified)
    ]
    body = msgspec.json.encode(feed)
    guide = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    files = msgspec.json.encode(hsds.export(snapshot))
    export = time.perf_counter() - start
    print(f"index of {LISTINGS:,} listings in {built:.0f} ms; a page of 50 services p50 {percentile(pages, 50):.1f} ms")
    print(f"Meeting Guide feed: {len(feed):,} weekly meetings, {len(body) / 1e6:.1f} MB, in {guide:.0f} ms")
    print(f"kring export hsds: {len(files) / 1e6:.0f} MB in {export:.1f} s")
    return [
        ("HSDS index, 10k listings (once per data version)", f"{built:.0f} ms", "", None),
        ("HSDS page of 50 services, 10k listings, p50", f"{percentile(pages, 50):.1f} ms", "", None),
        ("Meeting Guide feed, 10k listings (cached after)", f"{guide:.0f} ms", "", None),
        ("kring export hsds, 10k listings", f"{export:.1f} s, {len(files) / 1e6:.0f} MB", "", None),
    ]


if __name__ == "__main__":
    run(measure)

"""`python -m bench`: every part in turn, each in its own process, then one summary table (figures only)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, Row, print_table

PARTS = {
    "pages": "page sizes, real data",
    "latency": "results fragment, 10,000 listings",
    "fulltext": "filter + full text, 100,000 listings",
    "throughput": "throughput, wrk",
    "crowd": "a crowd: wrk at 256 connections against each candidate server (about 10 minutes)",
    "offline": "offline catalog and visits",
    "opendata": "the HSDS and Meeting Guide feeds, 10,000 listings",
    "slow": "the crisis page, cold, on 2G",
}


def main() -> int:
    started = time.perf_counter()
    print(
        f"Kring benchmarks: Python {platform.python_version()}, {os.cpu_count()} CPU(s), "
        f"load average {os.getloadavg()[0]:.2f} (figures only; nothing here passes or fails)"
    )
    rows: list[Row] = []
    for part, title in PARTS.items() if len(sys.argv) < 2 else ((p, PARTS[p]) for p in sys.argv[1:]):
        print(f"\n== {part}: {title}", flush=True)
        part_start = time.perf_counter()
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            env = {**os.environ, "BENCH_ROWS": out.name}
            done = subprocess.run([sys.executable, "-m", f"bench.{part}"], cwd=ROOT, env=env)
            found = json.loads(Path(out.name).read_text() or "[]")
        if done.returncode or not found:
            found = [(f"{part}: did not finish (exit status {done.returncode})", "-", "", None)]
        rows.extend(tuple(row) for row in found)
        print(f"({part}: {time.perf_counter() - part_start:.0f} s)")
    print(
        f"\n== Summary (DESIGN.md §7), {time.perf_counter() - started:.0f} s in all, "
        f"load average now {os.getloadavg()[0]:.2f}"
    )
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

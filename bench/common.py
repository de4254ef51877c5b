"""What the benchmark parts share: result rows, percentiles, memory, a DB of the real data."""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from server import db, loader

ROOT = Path(__file__).resolve().parent.parent
KB = 1024
HOST = "127.0.0.1"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# One line of the summary: (what, figure, budget, within budget: True/False/None when there is no budget).
Row = tuple[str, str, str, bool | None]


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process, in MB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found.get("VmRSS", 0.0), found.get("VmHWM", 0.0)


def real_db(path: Path) -> Path:
    """Load data/ into a fresh DB at `path` (what `kring load data` does) and return the path."""
    data = loader.read(ROOT / "data")
    db.run_write(path, lambda conn: loader.load(conn, data))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start(stack: ExitStack, command: list[str], port: int, env: dict[str, str], log: Path) -> str:
    """Start a server, stop it when `stack` closes (even on error), and wait until it answers."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    stack.callback(stop)
    base = f"http://{HOST}:{port}"
    for _ in range(200):
        if process.poll() is not None:
            raise SystemExit(f"{' '.join(command)} stopped:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(base + "/", timeout=1):
                return base
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{' '.join(command)} did not answer on {base}")


@contextmanager
def kring_on_real_data() -> Iterator[str]:
    """`kring serve` on a fresh database of data/, on a free local port: yields its base URL, stops it after."""
    with tempfile.TemporaryDirectory(prefix="kring-bench-") as tmp, ExitStack() as stack:
        env = {**os.environ, "KRING_DB": str(real_db(Path(tmp) / "real.sqlite"))}
        port = free_port()
        command = [str(ROOT / ".venv" / "bin" / "kring"), "serve", "--host", HOST, "--port", str(port)]
        yield start(stack, command, port, env, Path(tmp) / "kring.log")


def finish(rows: list[Row]) -> None:
    """Hand the rows to `python -m bench` (BENCH_ROWS names a file), or print them when run alone."""
    target = os.environ.get("BENCH_ROWS")
    if target:
        Path(target).write_text(json.dumps(rows))
    else:
        print_table(rows)


def print_table(rows: list[Row]) -> None:
    width = max((len(r[0]) for r in rows), default=10)
    fig = max((len(r[1]) for r in rows), default=6)
    print(f"\n{'measure':<{width}}  {'figure':>{fig}}  {'budget':<14} verdict")
    for what, figure, budget, ok in rows:
        verdict = "" if ok is None else "within budget" if ok else "OVER BUDGET"
        print(f"{what:<{width}}  {figure:>{fig}}  {budget:<14} {verdict}")


def run(main: Callable[[], list[Row]]) -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
    finish(main())

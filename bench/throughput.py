"""Throughput with wrk: the cached listing page under `kring serve` against a bare ASGI hello under Granian."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from bench.common import HOST, Row, free_port, real_db, run, start

WRK = ["-t2", "-c32", "-d10s"]
WRK_PATH = shutil.which("wrk") or "/usr/bin/wrk"
BIN = Path(sys.executable).parent
# The server `kring serve` runs (server/cli.py), one worker each, so that only the app differs.
GRANIAN = ["--interface", "asginl", "--no-ws", "--workers", "1", "--no-access-log"]


def wrk(url: str, headers: list[str]) -> float:
    """Requests per second that wrk measured; prints its summary lines."""
    args = [WRK_PATH, *WRK, *(a for h in headers for a in ("-H", h)), "--latency", url]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    errors = re.findall(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", out)
    latency = re.search(r"Latency\s+(\S+)", out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    print(
        f"  {url:<36} {' '.join(headers) or '(no Accept-Encoding)':<22} {rps:9.0f} req/s  "
        f"avg latency {latency.group(1) if latency else '?'}  {' '.join(errors)}"
    )
    return rps


def warm(url: str, headers: list[str]) -> None:
    request = urllib.request.Request(url, headers=dict(h.split(": ", 1) for h in headers))
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def measure() -> list[Row]:
    if not os.access(WRK_PATH, os.X_OK):
        print("wrk is not installed (Debian package 'wrk'; `make bench` installs it): throughput skipped")
        return [("throughput: listing / hello", "skipped", ">= 0.5", None)]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="kring-bench-") as tmp, ExitStack() as stack:
        env = {**os.environ, "KRING_DB": str(real_db(Path(tmp) / "real.sqlite"))}
        kring_port, hello_port = free_port(), free_port()
        kring_cmd = [str(BIN / "kring"), "serve", "--host", HOST, "--port", str(kring_port), "--workers", "1"]
        hello_cmd = [str(BIN / "granian"), "bench.hello:app", "--host", HOST, "--port", str(hello_port), *GRANIAN]
        kring = start(stack, kring_cmd, kring_port, env, Path(tmp) / "kring.log")
        hello = start(stack, hello_cmd, hello_port, env, Path(tmp) / "hello.log")
        print(f"wrk {' '.join(WRK)}; kring serve on {kring}, hello on {hello} (Granian, 1 worker each)")
        for headers in ([], ["Accept-Encoding: br"]):
            warm(f"{kring}/en/groups", headers)  # now in the response cache
            page = wrk(f"{kring}/en/groups", headers)
            bare = wrk(f"{hello}/", headers)
            label = "br" if headers else "identity"
            ratio = page / bare
            print(f"  ratio ({label}): {ratio:.2f}")
            rows.append((f"throughput, cached /en/groups ({label})", f"{page:.0f} req/s", "", None))
            rows.append((f"throughput, bare ASGI hello ({label})", f"{bare:.0f} req/s", "", None))
            rows.append((f"throughput ratio listing / hello ({label})", f"{ratio:.2f}", ">= 0.5", ratio >= 0.5))
    return rows


if __name__ == "__main__":
    run(measure)

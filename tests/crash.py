"""Crash test: SIGKILL the real server at random moments while submissions arrive; every thanked one must survive."""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import msgspec

from server import db, forms, loader

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("nl", "fr", "en")
CLIENTS = 4  # concurrent senders: enough that a kill nearly always finds requests queued or in progress
# Seconds between the first answer to a submission and the kill. Starting the server (a second of imports)
# is what each kill costs, so the wait is short: with four clients even 20-60 ms found requests in flight at
# every kill; up to 200 ms lets a life commit a few dozen submissions, so that over a run the WAL also passes
# its automatic checkpoint (1000 pages, about 800 submissions) several times.
DELAY = (0.02, 0.2)
READY_WITHIN = 30.0  # seconds for a server to answer after it was started (generous: the machine is shared)

# Valid submissions of three shapes, so that the checks and the stored documents vary a little.
SHAPES: tuple[dict[str, str | list[str]], ...] = (
    {
        "kind": "talk_circle",
        "country": "BE",
        "format": "in_person",
        "city": "Gent",
        "postcode": "9000",
        "themes": ["relatives", "loneliness"],
        "languages": ["nl"],
        "email": "contact@example.org",
    },
    {
        "kind": "support_group",
        "country": "NL",
        "format": "online",
        "themes": ["anxiety"],
        "audience": ["young_adults", "students"],
        "website": "https://example.org/groep",
    },
    {
        "kind": "group_therapy",
        "country": "BE",
        "format": "hybrid",
        "city": "Liège",
        "postcode": "4000",
        "languages": ["fr", "en"],
        "led_by": "professional",
        "cost": "paid",
        "phone": "+32 4 123 45 67",
        "meeting-0-weekday": "thu",
        "meeting-0-opens_at": "18:00",
        "meeting-0-how_often": "fortnightly",
        "meeting-0-dtstart": "2027-01-07",
        "meeting-1-where": "online",
        "meeting-1-weekday": "mon",
        "meeting-1-how_often": "monthly",
        "meeting-1-ordinal": "-1",
    },
)


@dataclass
class Sender:
    """What one client thread saw during one server's life."""

    sent: int = 0
    thanked: list[str] = field(default_factory=list)
    cut_off: list[str] = field(default_factory=list)
    refused: Counter[int] = field(default_factory=Counter)


@dataclass
class Report:
    requested: int
    seed: int
    kills: int = 0
    kills_during_request: int = 0
    sent: int = 0
    thanked: set[str] = field(default_factory=set)
    cut_off: set[str] = field(default_factory=set)
    refused: Counter[int] = field(default_factory=Counter)
    present: int = 0
    cut_off_stored: int = 0
    missing: list[str] = field(default_factory=list)
    unreadable: int = 0  # rows whose document does not decode as a submission
    integrity: str = ""
    server_errors: int = 0  # tracebacks in the servers' log
    log_tail: str = ""
    start_seconds: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    def problems(self) -> list[str]:
        found = []
        if self.kills < self.requested:
            found.append(f"only {self.kills} of {self.requested} kills")
        if not self.thanked:
            found.append("no submission was thanked, so the run proves nothing")
        if self.missing:
            found.append(f"{len(self.missing)} thanked submission(s) missing, e.g. {self.missing[:3]}")
        if self.unreadable:
            found.append(f"{self.unreadable} stored submission(s) do not decode")
        if self.integrity != "ok":
            found.append(f"integrity_check: {self.integrity}")
        return found

    def lines(self) -> list[str]:
        refused = ", ".join(f"{n} × {status}" for status, n in sorted(self.refused.items()))
        start = sum(self.start_seconds) / len(self.start_seconds) if self.start_seconds else 0.0
        return [
            f"kills: {self.kills} (requested {self.requested}, seed {self.seed})",
            f"kills during a request: {self.kills_during_request}",
            f"submissions sent: {self.sent}",
            f"thanked: {len(self.thanked)}",
            f"cut off: {len(self.cut_off)} (stored anyway: {self.cut_off_stored})",
            f"refused: {sum(self.refused.values())}" + (f" ({refused})" if refused else ""),
            f"present after the crashes: {self.present}",
            f"missing thanked: {len(self.missing)}",
            f"integrity_check: {self.integrity}",
            f"server errors logged: {self.server_errors}",
            f"elapsed: {self.elapsed:.1f} s (a server start took {start:.2f} s on average)",
        ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _form(name: str, n: int) -> dict[str, str | list[str]]:
    return {"name": name, "description": f"Submission {name}: sent while the server may be killed.", **SHAPES[n % 3]}


def _send(
    client: httpx.Client, base: str, prefix: str, stop: threading.Event, answered: threading.Event, out: Sender
) -> None:
    """Send submissions one after another until told to stop or the server dies."""
    origin = {"Origin": base, "Host": base.removeprefix("http://")}  # what a browser on this site sends
    n = 0
    while not stop.is_set():
        lang = LANGS[n % len(LANGS)]
        name = f"{prefix}-{n}"
        try:
            response = client.post(f"{base}/{lang}/submit", data=_form(name, n), headers=origin)
        except httpx.ConnectError:  # the server was dead already: nothing reached it, so nothing was sent
            return
        except httpx.TransportError:  # the kill closed the connection before an answer came
            out.sent += 1
            out.cut_off.append(name)
            return
        finally:
            n += 1
        out.sent += 1
        answered.set()
        if response.status_code == 303 and response.headers.get("location") == f"/{lang}/submit/thanks":
            out.thanked.append(name)  # the browser would now show the thank-you page
        else:
            out.refused[response.status_code] += 1


def _wait_ready(client: httpx.Client, process: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        try:
            # The root's redirect renders no template: asking for a page would add the first template
            # compilation (a tenth of a second) to every one of the lives.
            if client.get(f"{base}/").status_code == 303:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit status {process.returncode}); see its log")
        time.sleep(0.01)
    raise RuntimeError(f"the server did not answer within {READY_WITHIN:.0f} s")


def _one_life(
    clients: list[httpx.Client], number: int, env: dict[str, str], log: int, rng: random.Random, report: Report
) -> None:
    """Start the server, send submissions from several clients, and SIGKILL it while they are in flight."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    # Its own session, so that killing the process group leaves no child (a worker, a reloader) alive.
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    stop, answered = threading.Event(), threading.Event()
    senders = [Sender() for _ in range(CLIENTS)]
    threads = [
        threading.Thread(target=_send, args=(c, base, f"crash-{report.seed}-{number}-{i}", stop, answered, s))
        for i, (c, s) in enumerate(zip(clients[1:], senders, strict=True))
    ]
    try:
        _wait_ready(clients[0], process, base)
        report.start_seconds.append(time.monotonic() - started)
        for t in threads:
            t.start()
        if not answered.wait(READY_WITHIN):
            raise RuntimeError(f"no submission was answered within {READY_WITHIN:.0f} s")
        time.sleep(rng.uniform(*DELAY))
        stop.set()  # no new request after this point: each one still going is cut off by the kill
    finally:
        stop.set()
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for t in threads:
            if t.ident is not None:
                t.join()
    report.kills += 1
    for s in senders:
        report.sent += s.sent
        report.thanked.update(s.thanked)
        report.cut_off.update(s.cut_off)
        report.refused.update(s.refused)
    report.kills_during_request += any(s.cut_off for s in senders)


def _check(path: Path, report: Report) -> None:
    """After the last kill: the database is whole and holds every thanked submission."""
    # A plain connection, not the server's door: the witness should not share the code it checks. Being the
    # first connection after the crash, it recovers the WAL.
    conn = sqlite3.connect(path)
    try:
        report.integrity = ", ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
        names: set[str] = set()
        for (doc,) in conn.execute("SELECT doc FROM submission"):
            try:
                names.add(msgspec.json.decode(doc, type=forms.GroupSubmission).name)
            except msgspec.MsgspecError:
                report.unreadable += 1
    finally:
        conn.close()
    report.present = len(names & (report.thanked | report.cut_off))
    report.cut_off_stored = len(names & report.cut_off)
    report.missing = sorted(report.thanked - names)


def run(kills: int = 200, seed: int = 1) -> Report:
    """Kill the server `kills` times on a fresh database in a temporary folder, then check what survived."""
    started = time.monotonic()
    report = Report(requested=kills, seed=seed)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="kring-crash-") as tmp:
        path = Path(tmp) / "kring.sqlite"
        data = loader.read(ROOT / "data")
        db.run_write(path, lambda conn: loader.load(conn, data))
        # The form's rate limit (5 a minute per visitor) would refuse nearly everything the clients send.
        env = {**os.environ, "KRING_DB": str(path), "KRING_FORM_RATE_LIMIT": "1000000"}
        log_path = Path(tmp) / "server.log"
        # The clients live as long as the run: making one costs a few hundredths of a second (its TLS
        # context), which every life would pay five times. Each life has a new port, so no connection is reused.
        with log_path.open("wb") as log, contextlib.ExitStack() as stack:
            clients = [stack.enter_context(httpx.Client(timeout=READY_WITHIN)) for _ in range(1 + CLIENTS)]
            for number in range(kills):
                _one_life(clients, number, env, log.fileno(), rng, report)
        _check(path, report)
        text = log_path.read_text("utf-8", errors="replace")
        report.server_errors = text.count("Traceback (most recent call last)")
        if report.server_errors:
            report.log_tail = "\n".join(text.splitlines()[-30:])
    report.elapsed = time.monotonic() - started
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.crash", description=__doc__)
    p.add_argument("--kills", type=int, default=200, help="how many times to SIGKILL the server (default 200)")
    p.add_argument("--seed", type=int, default=1, help="seed of the random kill moments (default 1)")
    args = p.parse_args(argv)
    report = run(args.kills, args.seed)
    print("\n".join(report.lines()))
    if report.log_tail:
        print(f"The server logged errors; the end of its log:\n{report.log_tail}")
    if problems := report.problems():
        print("FAILED: " + "; ".join(problems))
        return 1
    print("OK: every thanked submission survived the crashes and the database is intact.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

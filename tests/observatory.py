"""Runs the MDN HTTP Observatory scanner (npm @mdn/mdn-http-observatory) against a local Kring server
in production settings, and grades it on the tests that do not need TLS. `python -m tests.observatory`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNER = ROOT / "node_modules" / ".bin" / "mdn-http-observatory-scan"
# These two can only pass over HTTPS (a redirect to https://, and Strict-Transport-Security on it).
NEEDS_TLS = frozenset({"redirection", "strict-transport-security"})
# The Observatory's grade boundaries (score, grade), highest first.
GRADES = [
    (100, "A+"),
    (90, "A"),
    (85, "A-"),
    (80, "B+"),
    (70, "B"),
    (65, "B-"),
    (60, "C+"),
    (50, "C"),
    (45, "C-"),
    (40, "D+"),
    (30, "D"),
    (25, "D-"),
    (0, "F"),
]


def scan(host: str) -> dict:
    if not SCANNER.exists():
        raise SystemExit(f"{SCANNER} is missing: run `make test-setup` (npm ci installs the scanner)")
    done = subprocess.run([str(SCANNER), host], capture_output=True, text=True, timeout=120, check=False)
    result = json.loads(done.stdout)
    if "error" in result and "tests" not in result:
        raise SystemExit(f"the scanner failed: {result['error']}")
    return result


def without_tls(result: dict) -> tuple[int, str, dict[str, bool]]:
    """The score and grade over the tests that do not need TLS (the Observatory starts from 100)."""
    tests = {name: t for name, t in result["tests"].items() if name not in NEEDS_TLS}
    score = 100 + sum(t["scoreModifier"] for t in tests.values())
    grade = next(g for floor, g in GRADES if score >= floor)
    return score, grade, {name: t["pass"] for name, t in tests.items()}


def main() -> int:
    sys.path.insert(0, str(ROOT))
    import tempfile

    from server import loader
    from tests.browser.conftest import start_server
    from tests.conftest import build_db

    with tempfile.TemporaryDirectory() as tmp:
        path = build_db(Path(tmp) / "kring.sqlite", loader.read(ROOT / "data"))
        process, base = start_server(path, KRING_HSTS="1")
        try:
            result = scan(base.removeprefix("http://"))
        finally:
            process.terminate()
            process.wait(timeout=10)
    for name, test in result["tests"].items():
        note = "  (needs TLS)" if name in NEEDS_TLS else ""
        print(f"{'pass' if test['pass'] else 'FAIL'}  {name}: {test['result']} ({test['scoreModifier']:+d}){note}")
    score, grade, _ = without_tls(result)
    print(
        f"Observatory, all tests: {result['scan']['score']} ({result['scan']['grade']}); "
        f"without the tests that need TLS: {score} ({grade})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make lighthouse`: Lighthouse's four scores (mobile, its default simulated slow 4G) for the main pages in each
language, against a local `kring serve` on the real data, with Debian's Chromium. Not part of `make test`:
its figures depend on the machine (on a busy one, Total Blocking Time grows)."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from bench.common import CHROMIUM, ROOT, Row, kring_on_real_data, run

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Home, listing, group, crisis, the helper, the guides and one guide.
PAGES = ("/", "/groups", "/groups/be-psybru", "/crisis", "/start", "/guide", "/guide/support-group-or-therapy")
TRIES = 3  # Lighthouse sometimes loses its trace (NO_NAVSTART); such a run is tried again
# Lighthouse's own advice on its variability (docs/variability.md): run it several times and take the median
# run, chosen by its computeMedianRun (the run nearest the median first paint and time to interactive).
RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "3"))
MEDIAN_RUN = ROOT / "node_modules" / "lighthouse" / "core" / "lib" / "median-run.js"
PICK = f"""
import {{readFileSync}} from "node:fs";
import {{computeMedianRun}} from {json.dumps(MEDIAN_RUN.as_uri())};
const runs = process.argv.slice(1).map((path) => JSON.parse(readFileSync(path, "utf8")));
console.log(runs.indexOf(computeMedianRun(runs)));
"""


def audit(url: str, out: Path) -> dict:
    # To a file: Node may exit before a large report has gone down a pipe.
    flags = "--headless=new --no-sandbox --disable-gpu --disable-quic"
    command = [
        str(LIGHTHOUSE),
        url,
        f"--chrome-path={CHROMIUM}",
        f"--chrome-flags={flags}",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    for _ in range(TRIES):
        out.unlink(missing_ok=True)
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        report = json.loads(out.read_text()) if out.exists() else {}
        if (
            report
            and not report.get("runtimeError")
            and all(report["categories"][c]["score"] is not None for c in CATEGORIES)
        ):
            return report
    raise SystemExit(f"Lighthouse failed three times on {url}: {report.get('runtimeError') or done.stderr[-500:]}")


def median(paths: list[Path]) -> int:
    """Which of several reports of one page is the median run, as Lighthouse itself picks it."""
    done = subprocess.run(
        ["node", "--input-type=module", "-e", PICK, *map(str, paths)], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def measure() -> list[Row]:
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: run `make test-setup` (npm ci installs Lighthouse)")
    rows: list[Row] = []
    with kring_on_real_data() as base, tempfile.TemporaryDirectory(prefix="kring-lighthouse-") as tmp:
        print(
            f"Lighthouse against {base}: {', '.join(CATEGORIES)} of the median of {RUNS} runs;"
            " TBT = Total Blocking Time; in brackets the performance scores of all runs"
        )
        for lang in ("nl", "fr", "en"):
            for path in PAGES:
                paths = [Path(tmp) / f"report-{i}.json" for i in range(RUNS)]
                runs = [audit(f"{base}/{lang}{path}", p) for p in paths]
                report = runs[median(paths)]
                every = sorted(round(r["categories"]["performance"]["score"] * 100) for r in runs)
                scores = [round(report["categories"][c]["score"] * 100) for c in CATEGORIES]
                tbt = report["audits"]["total-blocking-time"]["numericValue"]
                missed = [
                    a["id"]
                    for a in report["audits"].values()
                    if a.get("score") is not None and a["score"] < 1 and a.get("scoreDisplayMode") == "binary"
                ]
                print(
                    f"  /{lang}{path}: {' '.join(map(str, scores))}  TBT {tbt:.0f} ms  ({' '.join(map(str, every))})"
                    + (f"  missed: {', '.join(missed)}" if missed else "")
                )
                rows.append(
                    (f"lighthouse /{lang}{path}", " ".join(map(str, scores)), "100 100 100 100", scores == [100] * 4)
                )
    return rows


if __name__ == "__main__":
    run(measure)

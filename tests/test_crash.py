"""The crash test's code path with a few kills (`make test` runs `python -m tests.crash` with 200)."""

from __future__ import annotations

from tests import crash


def test_a_few_kills_lose_no_thanked_submission() -> None:
    report = crash.run(kills=3, seed=7)
    assert report.problems() == []
    assert report.kills == 3 and report.thanked and not report.missing and report.integrity == "ok"
    assert report.present >= len(report.thanked)
    assert not report.refused and report.server_errors == 0  # a valid submission is never refused

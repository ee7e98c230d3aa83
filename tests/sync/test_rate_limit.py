"""GitLab's rate limit as GitLab.com applies it, through the real python-gitlab client.

The emulator counts each user's requests in fixed windows (GitLab's Rack::Attack
throttle_authenticated_api) and answers as GitLab documents in
doc/administration/settings/user_and_ip_rate_limits.md, "Response headers": every
response carries RateLimit-Name, -Limit, -Observed, -Remaining and -Reset (Unix time);
one over the limit gets 429, the plain-text body "Retry later", RateLimit-ResetTime and
Retry-After (seconds until the window resets). GitLab.com allows 2,000 a minute; the
tests scale the minute down (`rate_window`) and keep the ratio of requests to limit.

Failed before: python-gitlab waited out each 429 itself (obey_rate_limit, up to
max_retries times), silently: the sync report said nothing of the waits and the progress
stood still; a Retry-After of an hour froze the sync for an hour.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from tests.conftest import TODAY, TOKEN
from tests.emulated import make_service
from triage_emulators.gitlab import Fault, GitLabEmulator
from triage_tui.domain.sync_report import RATE_LIMIT
from triage_tui.sync.rate_limit import RateLimitGate, RateLimitTooLong, retry_after


@contextmanager
def limited(count: int, limit: int, window: float) -> Iterator[GitLabEmulator]:
    with GitLabEmulator.from_demo(TODAY, count=count, token=TOKEN) as emulator:
        emulator.clock = lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        emulator.rate_limit = limit
        emulator.rate_window = window
        # Notes by REST, one request per issue (an instance or proxy without GraphQL): the
        # most requests a sync makes, so the limit is met at this small scale.
        emulator.graphql = False
        yield emulator


@pytest.fixture
def emu300() -> Iterator[GitLabEmulator]:
    """300 issues (a full sync: 3 pages and 300 notes requests), 50 requests per 1.5 s
    window: the ratio of GitLab.com's 2,000 a minute to a first sync of 12,000 issues."""
    with limited(300, 50, 1.5) as emulator:
        yield emulator


def test_the_emulator_answers_as_gitlab_documents(emu300: GitLabEmulator) -> None:
    url = f"{emu300.url}/api/v4/user"
    headers = {"PRIVATE-TOKEN": TOKEN}
    emu300.rate_limit, emu300.rate_window = 20, 3.0
    # Start at the beginning of a window, so the whole burst falls in it.
    time.sleep(3.0 - time.time() % 3.0 + 0.01)
    with requests.Session() as session:
        answers = [session.get(url, headers=headers, timeout=10) for _ in range(21)]
    ok, over = answers[0], answers[-1]
    assert ok.status_code == 200
    assert ok.headers["RateLimit-Name"] == "throttle_authenticated_api"
    assert ok.headers["RateLimit-Limit"] == "20"
    assert ok.headers["RateLimit-Observed"] == "1"
    assert ok.headers["RateLimit-Remaining"] == "19"
    assert int(ok.headers["RateLimit-Reset"]) >= time.time() - 1
    assert over.status_code == 429
    assert over.text.strip() == "Retry later" and over.headers["Content-Type"] == "text/plain"
    assert over.headers["RateLimit-Remaining"] == "0"
    assert 1 <= int(over.headers["Retry-After"]) <= 3 and over.headers["RateLimit-ResetTime"]


def test_a_first_sync_under_the_limit_completes_and_says_it_waited(
    emu300: GitLabEmulator, tmp_path: Path
) -> None:
    service = make_service(emu300, tmp_path)
    seen: list[tuple[str, int, int | None]] = []
    start = time.monotonic()
    report = service.sync(progress=lambda phase, done, total: seen.append((phase, done, total)))
    took = time.monotonic() - start
    assert report.ok, report.error
    assert emu300.throttled > 0  # GitLab did say 429
    assert report.issues == 300
    assert len(service.cards()) == 300
    every = {iid: len(service.notes(iid)) for iid in emu300.project.issues}
    assert every == {iid: len(emu300.project.notes.get(iid, [])) for iid in emu300.project.issues}
    # The waits are in the report and the progress, in words.
    assert report.waited >= 1
    assert "for GitLab's rate limit" in report.summary()
    countdown = [(done, total) for phase, done, total in seen if phase == RATE_LIMIT]
    assert countdown and all(total is not None and 0 < done <= total for done, total in countdown)
    assert report.waited <= took
    # The child process the board runs hands the figure over too.
    again = service.sync_in_child()
    assert again.ok, again.error
    assert took < 60


def test_the_sync_command_says_it_waits(tmp_path: Path) -> None:
    with limited(100, 30, 1.5) as emu:
        argv = [sys.executable, "-m", "triage_tui", "--cache", str(tmp_path / "c.db")]
        argv += ["--gitlab-url", emu.url, "--project", emu.project.path, "sync"]
        env = {**os.environ, "GITLAB_TOKEN": TOKEN}
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "s for GitLab's rate limit..." in done.stderr  # as it waits
        assert "waited" in done.stdout and "for GitLab's rate limit" in done.stdout
        assert TOKEN not in done.stdout + done.stderr


def test_a_wait_of_an_hour_is_not_waited_out(emu: GitLabEmulator, tmp_path: Path) -> None:
    service = make_service(emu, tmp_path)
    assert service.sync().ok
    emu.faults.append(Fault("GET", r"/issues$", 429, times=1, retry_after=3600))
    start = time.monotonic()
    report = service.sync(full=True)
    assert time.monotonic() - start < 30
    assert not report.ok and "rate limit asks this token to wait 60 min" in report.error
    assert len(service.cards()) == 120  # the cache is kept


def test_waits_of_several_threads_count_once() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    gate = RateLimitGate(clock=lambda: now[0], sleep=sleep)
    told: list[tuple[int, int]] = []
    gate.on_wait = lambda left, of: told.append((left, of))
    gate.hold(3)  # four notes threads hit the same window...
    gate.hold(3)
    gate.hold(2.5)
    gate.wait()
    assert gate.waited == 3 and gate.waits == 3
    assert told == [(3, 3), (2, 3), (1, 3)] and sum(slept) == 3
    with pytest.raises(RateLimitTooLong):
        gate.hold(3600)


def test_the_wait_is_read_from_gitlabs_headers() -> None:
    assert retry_after({"Retry-After": "30"}, now=0) == 30
    assert retry_after({"RateLimit-Reset": "1609844400"}, now=1609844370) == 30
    date = "Tue, 05 Jan 2021 11:00:00 GMT"
    assert retry_after({"Retry-After": date}, now=1609844370) == 30
    assert retry_after({}, now=0) is None


def test_the_board_shows_the_wait_and_keeps_answering(tmp_path: Path) -> None:
    """The board's sync runs in a child process: while GitLab's limit holds it, the status
    line counts the wait down and keys still work (here `?` opens the help and Esc
    closes it). Failed before: the status line stood at "syncing notes 61/120" for the
    whole wait, with nothing saying why."""
    import asyncio

    from textual.widgets import Static

    from tests.tui.helpers import until, widget_text
    from triage_tui.tui.app import TriageApp
    from triage_tui.tui.help_modal import HelpModal

    with limited(120, 40, 3.0) as emu:
        service = make_service(emu, tmp_path)
        app = TriageApp(service, today=TODAY, poll_seconds=0.05)

        async def drive() -> None:
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.press("s")
                board = app.screen
                status = board.query_one("#status", Static)
                await until(pilot, lambda: "rate limit" in widget_text(status), seconds=60)
                assert "syncing, waiting" in widget_text(status)
                started = time.monotonic()
                await pilot.press("question_mark")
                await until(pilot, lambda: isinstance(app.screen, HelpModal), seconds=2)
                await pilot.press("escape")
                await until(pilot, lambda: app.screen is board, seconds=2)
                assert time.monotonic() - started < 2
                await until(pilot, lambda: "synced" in widget_text(status), seconds=90)

        asyncio.run(drive())
        assert emu.throttled > 0
        assert len(service.cards()) == 120

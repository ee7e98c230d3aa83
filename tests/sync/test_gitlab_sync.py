"""The sync through the real python-gitlab client, over real HTTP, against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import TODAY, TOKEN
from tests.emulated import make_service
from triage_emulators.gitlab import Fault, GitLabEmulator
from triage_tui.domain.edit import MARKER
from triage_tui.domain.sync_report import counted
from triage_tui.sync.gitlab_source import GitLabSource


def test_full_sync_fills_the_cache(emu: GitLabEmulator, tmp_path: Path) -> None:
    service = make_service(emu, tmp_path)
    report = service.sync()
    assert report.ok, report.error
    assert report.full and report.issues == 120
    cards = {card.iid: card for card in service.cards()}
    assert set(cards) == set(emu.project.issues)
    sample = emu.issue(10)
    assert cards[10].summary.title == sample["title"]
    assert set(cards[10].summary.labels) == set(sample["labels"])
    detail = service.detail(10)
    assert detail is not None and detail.fields.salesforce_url
    assert len(service.notes(10)) == len(emu.project.notes[10])
    info = service.info()
    assert info.source == "gitlab" and not info.last_error and info.refreshed_at
    assert service._cache().members()  # project members for the pickers


def test_incremental_sync_fetches_only_changes(emu: GitLabEmulator, tmp_path: Path) -> None:
    service = make_service(emu, tmp_path)
    assert service.sync().ok
    emu.requests.clear()
    emu.touch(5, title="Renamed in the web UI")
    emu.add_note(7, "Weekly update: exec call done")
    report = service.sync()
    assert report.ok and not report.full
    assert report.issues < 120  # only what changed (plus the overlap window)
    # What it asked GitLab: one page of issues (the full pass took two of 100), and the
    # label events and notes of the issues it re-read alone, never of all 120.
    paths = [path for _, path in emu.requests]
    assert sum(p.endswith("/issues") for p in paths) == 1, paths
    per_issue = [p for p in paths if "/issues/" in p]
    assert len(per_issue) <= 2 * report.issues, per_issue
    cards = {card.iid: card for card in service.cards()}
    assert cards[5].summary.title == "Renamed in the web UI"
    assert service.notes(7)[0].body == "Weekly update: exec call done"
    assert cards[7].days_since_update is not None


def test_a_sync_counts_the_issues_that_changed(emu: GitLabEmulator, tmp_path: Path) -> None:
    """Failed before: a sync with nothing new said "sync: N issues updated", counting the
    issues its overlap window re-read."""
    service = make_service(emu, tmp_path)
    first = service.sync()
    assert first.ok and first.changed == first.issues == 120
    quiet = service.sync()
    assert quiet.ok and not quiet.full
    assert quiet.issues >= 1 and quiet.changed == 0  # the overlap re-reads the newest
    said = f"sync: nothing changed ({counted(quiet.issues, 'issue')} re-read); no edits to push"
    assert quiet.summary() == said
    emu.clock = lambda: datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    emu.touch(5, title="Renamed in the web UI")
    emu.add_note(7, "Weekly update: exec call done")
    busy = service.sync()
    assert busy.ok and busy.changed == 2
    assert busy.summary().startswith("sync: 2 issues changed")
    # The board's sync runs in a child process that reports by JSON: the count crosses.
    child = service.sync_in_child()
    assert child.ok, child.error
    assert child.changed == 0 and child.issues >= 2
    assert child.summary().startswith("sync: nothing changed")


def test_full_pass_drops_deleted_issues(emu: GitLabEmulator, tmp_path: Path) -> None:
    service = make_service(emu, tmp_path)
    assert service.sync().ok
    emu.delete_issue(3)
    assert service.sync(full=True).ok
    assert 3 not in {card.iid for card in service.cards()}


def test_bad_token_is_reported_and_cache_kept(
    emu: GitLabEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = make_service(emu, tmp_path)
    assert service.sync().ok
    monkeypatch.setenv("GITLAB_TOKEN", "expired")
    report = service.sync()
    assert not report.ok and "401" in report.error and "auth login" in report.error
    assert len(service.cards()) == 120
    assert service.info().last_error == report.error


@pytest.mark.parametrize("graphql", [True, False], ids=["graphql", "rest"])
def test_429_and_5xx_are_retried(emu: GitLabEmulator, tmp_path: Path, graphql: bool) -> None:
    notes = Fault("POST", r"/api/graphql$", 0) if graphql else Fault("GET", r"/notes$", 0)
    emu.faults += [
        Fault("GET", r"/issues$", 429, times=1, retry_after=0),
        Fault("GET", r"/labels$", 502, times=2),
        notes,  # a dropped connection
    ]
    report = make_service(emu, tmp_path, graphql=graphql).sync()
    assert report.ok, report.error
    assert all(f.times == 0 for f in emu.faults)
    if graphql:  # the bulk query was sent again, not given up for REST
        assert not [path for method, path in emu.requests if path.endswith("/notes")]


def test_unreachable_gitlab_is_plain(emu: GitLabEmulator, tmp_path: Path) -> None:
    service = make_service(emu, tmp_path)
    emu.stop()
    report = service.sync()
    assert not report.ok and "Cannot reach GitLab" in report.error


def test_pages_past_10000_follow_next_page(tmp_path: Path) -> None:
    """GitLab omits the totals above 10,000 items: the adapter must follow X-Next-Page."""
    base = {
        "state": "opened",
        "labels": ["Red"],
        "description": "",
        "web_url": "",
        "created_at": "2026-01-01T00:00:00.000Z",
        "title": "x",
    }
    emulator = GitLabEmulator(token=TOKEN)
    emulator.project.issues = {
        i: {**base, "id": i, "iid": i, "updated_at": f"2026-01-01T00:{i % 60:02d}:00.000Z"}
        for i in range(1, 10_051)
    }
    with emulator:
        source = GitLabSource(emulator.url, emulator.project.path, TOKEN)
        seen = [issue.iid for page in source.issue_pages() for issue in page]
    assert len(seen) == len(set(seen)) == 10_050


def test_token_never_reaches_the_cache_files(emu: GitLabEmulator, tmp_path: Path) -> None:
    service = make_service(emu, tmp_path)
    assert service.sync().ok
    service.close()
    for path in tmp_path.glob("cache.db*"):
        assert TOKEN.encode() not in path.read_bytes()


def test_sync_command(emu: GitLabEmulator, tmp_path: Path) -> None:
    cache = tmp_path / "cli.db"
    argv = [
        sys.executable,
        "-m",
        "triage_tui",
        "--cache",
        str(cache),
        "--gitlab-url",
        emu.url,
        "--project",
        emu.project.path,
        "sync",
    ]
    env = {**os.environ, "GITLAB_TOKEN": TOKEN}
    ok = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "120 issues" in ok.stdout and TOKEN not in ok.stdout + ok.stderr
    env["GITLAB_TOKEN"] = "wrong"
    bad = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert bad.returncode == 1 and "401" in bad.stderr and "Traceback" not in bad.stderr


def test_sync_from_the_board(emu: GitLabEmulator, tmp_path: Path) -> None:
    import asyncio

    from textual.widgets import Static

    from tests.tui.helpers import widget_text
    from triage_tui.tui.app import TriageApp
    from triage_tui.tui.board_view import BoardView

    service = make_service(emu, tmp_path)
    app = TriageApp(service, today=TODAY, poll_seconds=0.05)

    async def drive() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            view = app.screen.query_one(BoardView)
            assert view.board.total == 0
            await pilot.press("s")
            status = app.screen.query_one("#status", Static)
            for _ in range(400):  # the whole sync: issues first, then their notes
                await pilot.pause(0.05)
                if "synced" in widget_text(status):
                    break
            assert "synced" in widget_text(status)
            await pilot.pause(0.3)  # the last reload of the cards
            assert view.board.total == sum(
                1 for i in emu.project.issues.values() if i["state"] == "opened"
            )

    asyncio.run(drive())
    assert datetime.now(UTC) > service.info().refreshed_at


def _notes_fetched(emu: GitLabEmulator) -> list[int]:
    """The issues whose notes were asked for, in order: by GraphQL (each request's iids),
    then by REST, one request per issue."""
    asked = [int(i) for body in emu.graphql_requests for i in body["variables"]["iids"]]
    return asked + [
        int(path.split("/issues/")[1].split("/")[0])
        for method, path in emu.requests
        if method == "GET" and path.endswith("/notes")
    ]


@pytest.mark.parametrize("graphql", [True, False], ids=["graphql", "rest"])
def test_open_issues_notes_come_before_closed_issues_notes(
    emu: GitLabEmulator, tmp_path: Path, graphql: bool
) -> None:
    """The board's open issues get their notes first (in bulk, or one request per issue),
    and the progress says which phase it is in (the board reloads as each ends)."""
    service = make_service(emu, tmp_path, graphql=graphql)
    phases: list[tuple[str, int | None]] = []
    report = service.sync(progress=lambda phase, done, total: phases.append((phase, total)))
    assert report.ok, report.error
    closed = {iid for iid, issue in emu.project.issues.items() if issue["state"] == "closed"}
    assert closed and len(closed) < len(emu.project.issues)
    fetched = _notes_fetched(emu)
    assert sorted(fetched) == sorted(emu.project.issues)
    first_closed = next(i for i, iid in enumerate(fetched) if iid in closed)
    assert all(iid in closed for iid in fetched[first_closed:])
    order = [phase for phase, _ in phases]
    assert order.index("notes") < order.index("closed notes")
    assert dict(phases)["notes"] == len(emu.project.issues) - len(closed)
    assert dict(phases)["closed notes"] == len(closed)


@pytest.mark.parametrize("graphql", [True, False], ids=["graphql", "rest"])
def test_notes_a_cut_off_sync_did_not_fetch_come_with_the_next(
    emu: GitLabEmulator, tmp_path: Path, graphql: bool
) -> None:
    """The issues are stored before their notes are fetched, so after a pull cut off in
    its notes phase they no longer look changed: the next pull still fetches their notes.
    With GraphQL on, the first pull's bulk query is refused (so every issue's notes go by
    REST, where one fails), and the next pull gets the owed notes in bulk."""
    service = make_service(emu, tmp_path, graphql=graphql)
    target = sorted(iid for iid, notes in emu.project.notes.items() if len(notes) > 1)[5]
    emu.faults.append(Fault("GET", rf"/issues/{target}/notes$", 403, times=1))
    refused = Fault("POST", r"/api/graphql$", 403, times=100 if graphql else 0)
    emu.faults.append(refused)
    report = service.sync()
    assert not report.ok
    assert service.notes(target) == []
    refused.times = 0
    emu.requests.clear()
    again = service.sync()
    assert again.ok, again.error
    assert len(service.notes(target)) == len(emu.project.notes[target])
    every = {iid: len(service.notes(iid)) for iid in emu.project.issues}
    assert every == {iid: len(emu.project.notes.get(iid, [])) for iid in emu.project.issues}
    if graphql:
        assert not [path for method, path in emu.requests if path.endswith("/notes")]


def test_only_weekly_updates_restart_the_clock(emu: GitLabEmulator, tmp_path: Path) -> None:
    """Through python-gitlab: a bot's note (configured, or GitLab's access-token bot's)
    and the app's own health-move note leave an issue's last update where it was; a
    person's note moves it. Failed before: every non-system note was the last update."""
    service = make_service(emu, tmp_path, bots=("renovate",))
    assert service.sync().ok
    iid = next(i for i, issue in emu.project.issues.items() if issue["state"] == "opened")
    before = {c.iid: c for c in service.cards()}[iid].summary.last_update_at
    emu.add_note(iid, "Dependencies updated.", username="Renovate")
    emu.add_note(iid, "Pipeline passed.", username="project_42_bot_9f1c2ab7")
    emu.add_note(iid, f"**Health Red → Amber**\n\nBack on track.\n\n{MARKER.format(uid='u1')}")
    assert service.sync().ok
    assert {c.iid: c for c in service.cards()}[iid].summary.last_update_at == before
    later = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    emu.clock = lambda: later  # (the issue's updated_at moves on, as on GitLab)
    emu.add_note(iid, "Exec call done; next step owned by @tim.", username="tim")
    assert service.sync().ok
    assert {c.iid: c for c in service.cards()}[iid].summary.last_update_at == later
    assert len(service.notes(iid)) == len(emu.project.notes[iid])  # the pane shows them all

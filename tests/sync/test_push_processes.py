"""Two processes pushing from one cache (the board and its sync child, or two boards on
a team cache) send each edit once: the push lease (Cache.take_lease("push", ...)) lets
one of them send at a time. The per-process lock alone let both read the same waiting
note, both find it not yet on GitLab, and both post it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.emulated import synced
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.domain.edit import EditState

#: Notes waiting when both pushes start: each is three requests (issue read, note
#: search, post), so at the emulator's latency below a push lasts seconds, far more
#: than the two processes' difference in start-up.
NOTES = 8


def test_two_processes_pushing_one_cache_send_each_edit_once(
    emu: GitLabEmulator, tmp_path: Path, isolated_credentials: None
) -> None:
    service = synced(emu, tmp_path)
    iids = sorted(iid for iid, issue in emu.project.issues.items() if issue["state"] == "opened")
    bodies = {iids[n]: f"Weekly update {n}: customer call booked." for n in range(NOTES)}
    for iid, body in bodies.items():
        service.add_note(iid, body)
    emu.latency = 0.08
    argv = [
        sys.executable,
        "-m",
        "triage_tui",
        "--cache",
        str(tmp_path / "cache.db"),
        "--gitlab-url",
        emu.url,
        "--project",
        emu.project.path,
        "outbox",
        "push",
    ]
    pushes = [
        subprocess.Popen(argv, env=dict(os.environ), stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    said = [push.communicate(timeout=120)[0] for push in pushes]
    # Each note is on GitLab once (copying GitLab: POST .../notes always adds a note,
    # with no idempotency key, so a second send is a second note).
    for iid, body in bodies.items():
        posted = [n for n in emu.project.notes.get(iid, []) if n["body"].startswith(body)]
        assert len(posted) == 1, (iid, len(posted), said)
    assert not service.outbox(), said
    # The two overlapped (else the test proves nothing): the one that found the other
    # pushing said so, and left the edits to it.
    assert any("is pushing" in text for text in said), said


def test_a_push_leaves_the_edits_to_a_live_pusher_and_takes_over_from_a_dead_one(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    service = synced(emu, tmp_path)
    iid = sorted(emu.project.issues)[0]
    service.add_note(iid, "Renewal call moved to Friday.")
    cache = service._cache()
    now = datetime.now(UTC)
    # Another host's process: alive as far as this one can tell, until its lease expires.
    assert cache.take_lease("push", "dana@another-host:4242", now) == ""
    for report in (service.push(), service.sync().pushed):
        assert report is not None and report.ok and report.pushed == 0, report
        assert report.busy == "dana@another-host:4242" and report.waiting == 1
        assert report.summary() == "1 waiting: dana@another-host:4242 is pushing"
    assert [e.state for e in service.outbox()] == [EditState.PENDING]
    assert not [n for n in emu.project.notes.get(iid, []) if "Friday" in n["body"]]
    # A process of this host that no longer runs: its lease is taken over at once.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    cache.drop_lease("push", "dana@another-host:4242")
    assert cache.take_lease("push", f"dana@{socket.gethostname()}:{dead.pid}", now) == ""
    report = service.push()
    assert report.pushed == 1 and not report.busy, report
    assert not service.outbox()
    assert cache.get_meta("push_lease") == ""  # dropped when the push ended


def test_a_push_with_nothing_to_send_takes_no_lease_and_writes_nothing(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    """(Every write is a commit the other boards on the cache see and read again for.)"""
    service = synced(emu, tmp_path)
    assert not service.outbox()
    before = service.commit_counts()
    report = service.push()
    assert report.ok and report.pushed == 0 and not report.busy
    assert service.commit_counts() == before

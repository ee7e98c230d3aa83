"""SIGKILL of `triage-tui sync`, of `triage-tui outbox push` and of the board (with the
sync child it starts, which pushes and pulls) at random points, at least 100 times (10
or more of them the board's): after every kill the cache opens and reads clean, the next
sync completes,
no edit is lost or applied twice (label events and notes counted on the GitLab
emulator) and the cache equals the server.

The children are the CLI's own entry (`triage_tui.cli.main`) in processes forked from a
multiprocessing forkserver that imported triage-tui, python-gitlab and requests once: a
fresh `python -m triage_tui` costs ~0.5 s of start-up before its first request, and
100 of those would not fit the suite. The kill is a real SIGKILL of a real process,
mid-request or mid-transaction. The seed is printed on failure (TRIAGE_KILL_SEED=N
replays one run).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TODAY, TOKEN
from tests.emulated import make_service
from tests.sync.test_sync_under_faults import cache_view, server_view
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.services import TriageService
from triage_tui.store import Cache

#: What the forkserver imports once, so a child starts at its first request.
PRELOAD = [
    "triage_tui.cli",
    "triage_tui.services",
    "triage_tui.sync.gitlab_source",
    "triage_tui.sync.engine",
    "triage_tui.sync.push",
    "triage_tui.sync.credentials",
    "gitlab",
    "gitlab.v4.objects",
    "requests",
    "sqlite_utils",
    "keyring",
    "triage_tui.tui.app",
]

#: Kills wanted (a child that finished before its kill is not counted).
KILLS = 100
#: Stop anyway after this many tries (children too quick to be caught).
TRIES = 220


def _child(argv: list[str], env: dict[str, str]) -> None:
    """A `triage-tui` process: the CLI entry with small pages, so a sync makes many
    requests and many short transactions to be cut between."""
    os.environ.update(env)
    from triage_tui.cli import main
    from triage_tui.sync import gitlab_source

    gitlab_source.PER_PAGE = 4
    raise SystemExit(main(argv))


def _board(argv: list[str], env: dict[str, str]) -> None:
    """The board (`triage-tui` with no command), drawn to no terminal: at its start it
    syncs in its child process, which pushes the waiting edits and pulls. Its own process
    group, so a kill takes the board and its sync child at once, as a crash of the
    session would."""
    os.setpgrp()
    os.environ.update(env)
    from textual import constants

    # (Textual read TEXTUAL_DRIVER when the forkserver imported it.)
    constants.DRIVER = "textual.drivers.headless_driver:HeadlessDriver"  # type: ignore[misc]
    from triage_tui.cli import main

    raise SystemExit(main(argv))


def _kill(child: Any, kind: str) -> None:
    if kind == "board":
        try:
            os.killpg(child.pid, signal.SIGKILL)  # the board and its sync child
            return
        except ProcessLookupError:  # killed before it made its own group
            pass
    child.kill()


@pytest.fixture(scope="module")
def forkserver() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


@pytest.fixture
def small_emu() -> Iterator[GitLabEmulator]:
    with GitLabEmulator.from_demo(TODAY, count=12, token=TOKEN) as emulator:
        emulator.clock = lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        emulator.latency = 0.003  # a loopback answer is too quick to be cut mid-way
        yield emulator


def _count_applied(emu: GitLabEmulator, edits: dict[int, int]) -> list[str]:
    """For each edit n (on issue edits[n]): how often GitLab got its label and its note,
    where that is not exactly once."""
    wrong: list[str] = []
    with emu.lock:
        for n, iid in edits.items():
            added = sum(
                1
                for event in emu.label_events.get(iid, [])
                if event["action"] == "add" and event["label"]["name"] == f"k{n}"
            )
            notes = sum(
                1 for note in emu.project.notes.get(iid, []) if f"Reason {n}." in note["body"]
            )
            if (added, notes) != (1, 1):
                wrong.append(f"edit {n} on #{iid}: label added {added}x, note posted {notes}x")
    return wrong


def _assert_same(service: TriageService, emu: GitLabEmulator) -> None:
    (issues, notes), (want_issues, want_notes) = cache_view(service), server_view(emu)
    wrong = {i for i in issues.keys() | want_issues.keys() if issues.get(i) != want_issues.get(i)}
    assert not wrong, {i: (issues.get(i), want_issues.get(i)) for i in sorted(wrong)}
    for iid in sorted(notes.keys() | want_notes.keys()):
        have, want = set(notes.get(iid, [])), set(want_notes.get(iid, []))
        assert have == want, (iid, "cache only:", have - want, "server only:", want - have)


def _opens_clean(path: Path) -> None:
    cache = Cache.open(path)
    try:
        assert cache.conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        cache.outbox_entries()
    finally:
        cache.close()


def _span(forkserver: multiprocessing.context.BaseContext, argv: list[str], env: Any) -> float:
    """How long an unkilled child takes (the second: the first starts the forkserver), so
    the kills land anywhere in one."""
    span = 0.0
    for _ in range(2):
        began = time.monotonic()
        probe = forkserver.Process(target=_child, args=(argv, env))
        probe.start()
        probe.join(60)
        span = time.monotonic() - began
        assert probe.exitcode == 0
    return span


def _after_kill(
    path: Path, service: TriageService, emu: GitLabEmulator, edits: dict[int, int]
) -> None:
    """The cache opens, the next sync completes, nothing is lost or doubled, and the
    cache is the server's."""
    _opens_clean(path)
    report = service.sync()
    assert report.ok and not report.skipped, report.summary()
    assert service.outbox() == [], [e.edit.summary for e in service.outbox()]
    assert _count_applied(emu, edits) == []
    _assert_same(service, emu)


@pytest.mark.slow
def test_kills_during_syncs_and_pushes_lose_nothing_and_apply_nothing_twice(
    small_emu: GitLabEmulator,
    tmp_path: Path,
    isolated_credentials: None,
    forkserver: multiprocessing.context.BaseContext,
) -> None:
    emu = small_emu
    seed = int(os.environ.get("TRIAGE_KILL_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    service: TriageService = make_service(emu, tmp_path)
    assert service.sync().ok
    path = tmp_path / "cache.db"
    env = {key: os.environ[key] for key in ("GITLAB_TOKEN", "XDG_CONFIG_HOME")}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    base = ["--cache", str(path), "--gitlab-url", emu.url, "--project", emu.project.path]
    edits: dict[int, int] = {}
    iids = sorted(emu.project.issues)
    kills = {"sync": 0, "push": 0, "board": 0}
    tries = 0
    started = time.monotonic()
    span = _span(forkserver, [*base, "sync", "--full"], env)
    board_span = span + 1.5  # the board's start, then its sync child's (a fresh process)
    try:
        while sum(kills.values()) < KILLS and tries < TRIES:
            tries += 1
            for _ in range(rng.randint(1, 3)):
                n = len(edits)
                edits[n] = iid = rng.choice(iids)
                service.update(iid, f"k{n}", add_labels=(f"k{n}",), note=f"Reason {n}.")
            kind = rng.choices(["sync", "push", "board"], weights=(2, 2, 1))[0]
            command = {"sync": ["sync"], "push": ["outbox", "push"], "board": []}[kind]
            target = _board if kind == "board" else _child
            child = forkserver.Process(target=target, args=([*base, *command], env))
            child.start()
            # (The board never ends by itself: its kill lands in its first sync, or after.)
            time.sleep(rng.uniform(0.0, board_span if kind == "board" else span * 0.8))
            if child.is_alive():
                _kill(child, kind)
                kills[kind] += 1
            child.join(30)
            assert child.exitcode is not None
            _after_kill(path, service, emu, edits)
    except AssertionError as error:
        raise AssertionError(f"seed {seed}, try {tries}, kills {kills}: {error}") from error
    finally:
        service.close()
    took = time.monotonic() - started
    print(f"{sum(kills.values())} kills ({kills}) in {tries} tries, {took:.1f} s, seed {seed}")
    assert sum(kills.values()) >= KILLS, (kills, tries, seed)
    assert kills["board"] >= 10, kills
    assert len(edits) > KILLS


def test_a_cache_opens_after_a_kill_mid_transaction(tmp_path: Path) -> None:
    """The unit under the loop above: a write transaction cut by SIGKILL is rolled back
    by the WAL when the cache is next opened (nothing half-written is read)."""
    path = tmp_path / "cache.db"
    Cache.open(path, create=True).close()
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_hold_transaction, args=(str(path),))
    child.start()
    deadline = time.monotonic() + 30
    while not Path(f"{path}.holding").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    child.kill()
    child.join(30)
    cache = Cache.open(path)
    try:
        assert cache.get_meta("half") == ""
        assert cache.conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    finally:
        cache.close()


def _hold_transaction(path: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("half", "x" * 5000)] * 1 + [])
    Path(f"{path}.holding").touch()
    time.sleep(60)


def test_a_request_cut_off_mid_body_is_not_acted_on(small_emu: GitLabEmulator) -> None:
    """What the loop found: a sync killed while sending a note's POST left GitLab (the
    emulator) a request with half its body, and it posted an empty note. A web server
    hands the application only whole requests; GitLab refuses an empty body (400)."""
    import socket
    from urllib.parse import urlsplit

    emu = small_emu
    iid = sorted(emu.project.issues)[0]
    before = len(emu.project.notes.get(iid, []))
    where = urlsplit(emu.url)
    body = b"body=" + b"x" * 95
    with socket.create_connection((where.hostname, where.port)) as conn:
        conn.sendall(
            f"POST /api/v4/projects/{emu.project.id}/issues/{iid}/notes HTTP/1.1\r\n"
            f"Host: {where.netloc}\r\nPRIVATE-TOKEN: {TOKEN}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        conn.shutdown(socket.SHUT_WR)  # the client is gone: the rest never comes
        conn.settimeout(10)
        assert conn.recv(100) == b""  # nothing answered, nothing done
    assert len(emu.project.notes.get(iid, [])) == before
    import requests

    answer = requests.post(
        f"{emu.url}/api/v4/projects/{emu.project.id}/issues/{iid}/notes",
        data={"body": ""},
        headers={"PRIVATE-TOKEN": TOKEN},
        timeout=10,
    )
    assert answer.status_code == 400 and len(emu.project.notes.get(iid, [])) == before

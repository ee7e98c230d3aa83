"""Secrets: a recognisable token is looked for everywhere it must never be.

The installed board runs in a real terminal (tmux) against the GitLab emulator with a
canary token in its environment, syncs in its child process, pushes an edit and meets
a proxy that quotes the request, token and all, in its 403. Then the canary is looked
for in the argv of every process on the machine (sampled all through the sync), in
every file the board and its sync wrote (the cache, its -wal and -shm while the board
is open, config, state and log directories), on the screen and in the scrollback, in
the CLI's output, and in the committed snapshots. It must be nowhere.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TODAY
from tests.e2e.terminal import TRIAGE_TUI, board_argv, clean_env, terminal
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.sync.secrets import HIDDEN

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]

#: A GitLab personal access token's shape, unlike anything else the tests hold.
CANARY = "glpat-CANARY-7f3a9c1e5d"
SNAPSHOTS = Path(__file__).parents[1] / "tui" / "__snapshots__"


@pytest.fixture
def canary_gitlab() -> Iterator[GitLabEmulator]:
    with GitLabEmulator.from_demo(TODAY, count=120, token=CANARY) as emulator:
        emulator.latency = 0.01  # a sync long enough for argv to be sampled during it
        yield emulator


class ArgvWatch:
    """Samples the argv of every process on the machine until stopped: a child's argv is
    readable by any user of a shared host (`ps`), so no token may ever be in one."""

    def __init__(self) -> None:
        self.leaks: list[str] = []
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    argv = (entry / "cmdline").read_bytes()
                except OSError:  # gone meanwhile
                    continue
                if CANARY.encode() in argv:
                    self.leaks.append(argv.replace(b"\0", b" ").decode(errors="replace"))
            self.samples += 1
            time.sleep(0.02)

    def __enter__(self) -> ArgvWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def files_holding(root: Path, needle: bytes) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                if needle in path.read_bytes():
                    found.append(str(path))
            except OSError:
                continue
    return found


def test_the_token_is_nowhere_but_where_it_was_given(
    canary_gitlab: GitLabEmulator, tmp_path: Path
) -> None:
    emu = canary_gitlab
    home = tmp_path / "home"
    env = {**clean_env(home), "GITLAB_TOKEN": CANARY, "TERM": "xterm-256color"}
    cache = tmp_path / "cache.db"
    source = ["--gitlab-url", emu.url, "--project", emu.project.path]
    with ArgvWatch() as watch:
        synced = subprocess.run(
            [str(TRIAGE_TUI), "--cache", str(cache), *source, "sync"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert synced.returncode == 0, synced.stderr
        # The token travels in the environment only (readable by its owner alone), so
        # the tmux server gets it there, not on the board's command line.
        with terminal(board_argv(cache, {"TERM": "xterm-256color"}), 120, 40, env) as term:
            term.wait_for("Colours board", timeout=30)
            term.wait_gone("Syncing", timeout=60)  # the sync at start, in its child
            term.press("j", "r")  # review: an edit, pushed with the token
            time.sleep(1.0)
            emu.hostile.echo_headers = r"/issues$"  # a proxy that quotes the request
            term.press("s")
            screen = term.wait_for("Sync failed", timeout=60)
            assert CANARY not in screen
            assert HIDDEN in " ".join(screen.split()), screen  # shown, masked
            open_files = files_holding(tmp_path, CANARY.encode())
            assert {p.name for p in tmp_path.glob("cache.db*")} >= {"cache.db", "cache.db-wal"}
            term.press("q")
            term.wait_exit(timeout=30)
            scrollback = term.scrollback()
    assert watch.samples > 10 and watch.leaks == [], watch.leaks
    assert open_files == [], open_files  # (cache, -wal and -shm while the board was open)
    assert files_holding(tmp_path, CANARY.encode()) == []
    assert CANARY not in synced.stdout + synced.stderr + scrollback
    assert any(path.endswith("/issues") for _, path in emu.requests)  # it did ask


def test_no_snapshot_holds_a_token() -> None:
    """The committed screenshots: no test token, and nothing shaped like a GitLab token."""
    from tests.conftest import TOKEN

    shaped = re.compile(rb"glpat-[0-9A-Za-z_-]{10,}")
    snapshots = list(SNAPSHOTS.rglob("*.svg"))
    assert len(snapshots) > 10
    for path in snapshots:
        data = path.read_bytes()
        assert TOKEN.encode() not in data and CANARY.encode() not in data, path
        assert shaped.search(data) is None, path


def test_the_environment_is_the_only_place_the_child_gets_it(
    canary_gitlab: GitLabEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board's sync child is told where the cache and GitLab are, never the token
    (its argv is what `ps` shows everyone); it reads the token as the board did. (The
    sampling above may miss a short child; this sees every argv it is started with.)"""
    from triage_tui.config import Settings
    from triage_tui.services import TriageService

    emu = canary_gitlab
    monkeypatch.setenv("GITLAB_TOKEN", CANARY)
    seen: list[list[str]] = []
    real = subprocess.Popen

    def recording(argv: list[str], *args: Any, **kwargs: Any) -> subprocess.Popen[str]:
        seen.append(list(argv))
        return real(argv, *args, **kwargs)

    path = tmp_path / "cache.db"
    settings = Settings(gitlab_url=emu.url, project=emu.project.path, cache_path=path)
    service = TriageService(path, settings=settings, create=True)
    monkeypatch.setattr(subprocess, "Popen", recording)
    report = service.sync_in_child()
    service.close()
    assert report.ok, report.error
    assert len(seen) == 1 and all(CANARY not in arg for arg in seen[0]), seen
    assert files_holding(tmp_path, CANARY.encode()) == []

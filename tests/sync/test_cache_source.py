"""A cache filled by `triage-tui --gitlab-url URL --project P sync` remembers URL and P:
opened again without them, it syncs and takes edits instead of opening read-only."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import TODAY, TOKEN
from tests.emulated import synced
from tests.tui.helpers import board_app, until, widget_text
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.config import Settings
from triage_tui.services import TriageService


def reopened(path: Path, **settings: str) -> TriageService:
    return TriageService(path, settings=Settings(cache_path=path, **settings), today=lambda: TODAY)


def test_a_synced_cache_opened_without_a_source_syncs_and_edits(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    """Failed before: the cache knew only a display name, and opened read-only."""
    first = synced(emu, tmp_path)
    path = first.cache_path
    first.close()
    info = reopened(path).info()
    assert (info.gitlab_url, info.project) == (emu.url, emu.project.path)
    service = reopened(path)
    assert (service.settings.gitlab_url, service.settings.project) == (emu.url, emu.project.path)
    assert service.sync_problem() == "" and service.edit_problem() == ""
    assert service.source_mismatch() == ""
    report = service.sync()
    assert report.ok, report.error


def test_settings_that_name_another_project_win_and_the_status_says_so(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    first = synced(emu, tmp_path)
    path = first.cache_path
    first.close()
    service = reopened(path, project="cs/another")
    assert service.settings.project == "cs/another" and service.settings.gitlab_url == ""
    assert service.source_mismatch() == (
        "settings name cs/another on no GitLab, not this cache's source"
    )
    other = reopened(path, gitlab_url=emu.url, project="cs/another")
    assert "cs/another on " + emu.url in other.source_mismatch()


async def test_the_board_names_a_mismatch_on_its_status_line(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    first = synced(emu, tmp_path)
    path = first.cache_path
    first.close()
    app = board_app(reopened(path, gitlab_url=emu.url, project="cs/another"))
    async with app.run_test(size=(200, 40)) as pilot:
        status = app.screen.query_one("#status")
        await until(pilot, lambda: "not this cache's source" in widget_text(status))
        assert f"{emu.project.path} on {emu.url}" in widget_text(status)  # what it holds


def test_sync_again_without_the_source_on_the_command_line(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    """The reported case, as a person types it. Failed before: the second sync said
    "No GitLab project configured" and exited 1."""
    cache = tmp_path / "cli.db"
    env = {**os.environ, "GITLAB_TOKEN": TOKEN}
    base = [sys.executable, "-m", "triage_tui", "--cache", str(cache)]
    source = ["--gitlab-url", emu.url, "--project", emu.project.path]
    for argv in ([*base, *source, "sync"], [*base, "sync"]):
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "sync" in done.stdout


def test_a_sync_that_did_not_pull_does_not_exit_0(emu: GitLabEmulator, tmp_path: Path) -> None:
    """Seen: "not pulled: USER@HOST:PID is syncing" exited 0, as if the cache were fresh."""
    service = synced(emu, tmp_path)
    cache = service._cache()
    assert cache.take_lease("pull", "dana@another-host:4242", datetime.now(UTC)) == ""
    service.close()
    argv = [sys.executable, "-m", "triage_tui", "--cache", str(service.cache_path), "sync"]
    env = {**os.environ, "GITLAB_TOKEN": TOKEN}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert "not pulled: dana@another-host:4242 is syncing" in done.stderr

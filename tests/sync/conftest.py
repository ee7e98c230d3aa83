"""The GitLab emulator with the demo project, and a service synced through it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import TODAY
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.config import Settings
from triage_tui.services import TriageService

TOKEN = "glpat-secret-test-token-123"


@pytest.fixture
def emu() -> Iterator[GitLabEmulator]:
    with GitLabEmulator.from_demo(TODAY, count=120, token=TOKEN) as emulator:
        # The demo's timestamps are relative to TODAY at noon; edits come after them.
        emulator.clock = lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        yield emulator


@pytest.fixture(autouse=True)
def isolated_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("PYTHON_GITLAB_CFG", str(tmp_path / "no-such.cfg"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)


def make_service(emu: GitLabEmulator, tmp_path: Path) -> TriageService:
    cache = tmp_path / "cache.db"
    settings = Settings(gitlab_url=emu.url, project=emu.project.path, cache_path=cache)
    return TriageService(cache, settings=settings, create=True, today=lambda: TODAY)

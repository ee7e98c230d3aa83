"""Fixtures shared by every test: a fixed today, and demo caches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from triage_emulators.gitlab import GitLabEmulator
from triage_tui.services import TriageService, write_demo_cache

TODAY = date(2026, 11, 24)
#: The clock of what a person does in tests (an edit, the ER call's start): during TODAY.
NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
TOKEN = "glpat-secret-test-token-123"


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def demo_cache(tmp_path: Path) -> Path:
    """A 300-issue demo cache (hostile titles included), generated for TODAY."""
    return write_demo_cache(tmp_path / "demo.db", today=TODAY, count=300)


@pytest.fixture
def service(demo_cache: Path) -> TriageService:
    svc = TriageService(demo_cache, today=lambda: TODAY, now=lambda: NOW, user="lead")
    yield svc
    svc.close()


@pytest.fixture
def emu() -> Iterator[GitLabEmulator]:
    """The GitLab emulator on 127.0.0.1 serving a 120-issue demo project."""
    with GitLabEmulator.from_demo(TODAY, count=120, token=TOKEN) as emulator:
        # The demo's timestamps are relative to TODAY at noon; edits come after them.
        emulator.clock = lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        yield emulator


@pytest.fixture
def isolated_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No real config, python-gitlab or glab config or keyring: the token comes from
    GITLAB_TOKEN."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("PYTHON_GITLAB_CFG", str(tmp_path / "no-such.cfg"))
    monkeypatch.setenv("GLAB_CONFIG_DIR", str(tmp_path / "no-glab"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    from triage_tui.sync.credentials import SALESFORCE_ENV_VARS

    for name in SALESFORCE_ENV_VARS:
        monkeypatch.delenv(name, raising=False)

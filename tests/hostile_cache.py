"""Both emulators seeded with the hostile corpus (triage_emulators.hostile), and a cache
synced from them through the real python-gitlab and simple-salesforce clients. Import the
fixtures into a test module to use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TODAY, TOKEN
from tests.emulated import synced
from triage_emulators import hostile
from triage_emulators.gitlab import GitLabEmulator
from triage_emulators.salesforce import SalesforceEmulator
from triage_tui.config import SalesforceSettings
from triage_tui.services import TriageService

#: Enough demo issues to hold one per corpus string and the two 1 MB ones, and few enough
#: (under 50) that the demo adds no hostile titles of its own.
ISSUES = 48


@pytest.fixture
def hostile_emu() -> Iterator[GitLabEmulator]:
    with GitLabEmulator.from_demo(TODAY, count=ISSUES, token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def seeded(hostile_emu: GitLabEmulator) -> hostile.Seeded:
    return hostile.seed_gitlab(hostile_emu)


@pytest.fixture
def hostile_sf(
    monkeypatch: pytest.MonkeyPatch, isolated_credentials: None
) -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator.from_demo(TODAY, count=ISSUES) as emulator:
        hostile.seed_salesforce(emulator)
        monkeypatch.setenv("SALESFORCE_INSTANCE_URL", emulator.url)
        monkeypatch.setenv("SALESFORCE_SESSION_ID", emulator.session_id)
        yield emulator


@pytest.fixture
def hostile_service(
    hostile_emu: GitLabEmulator,
    seeded: hostile.Seeded,
    hostile_sf: SalesforceEmulator,
    tmp_path: Path,
) -> Iterator[TriageService]:
    """A service on a cache synced from both seeded emulators (cache.db in tmp_path)."""
    settings = SalesforceSettings(
        instance_url=hostile_sf.url, ca_bundle=hostile_sf.ca_pem_path, timeout=10
    )
    svc = synced(hostile_emu, tmp_path, sync_interval=0, salesforce=settings)
    yield svc
    svc.close()

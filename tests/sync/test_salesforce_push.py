"""A score the ER call sends to Salesforce, through the outbox and the real
simple-salesforce client to the emulator: the account's reasons (the link to the
running call notes) are kept, and a retry never adds the reason twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import TODAY
from tests.emulated import synced
from triage_emulators.gitlab import GitLabEmulator
from triage_emulators.salesforce import Fault, SalesforceEmulator
from triage_tui.config import SalesforceSettings
from triage_tui.domain.edit import EditState
from triage_tui.domain.er_call import Mismatch
from triage_tui.services import TriageService

NOTES = "Call notes: https://docs.example.com/acme/er-calls"


@pytest.fixture
def sf(monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator.from_demo(TODAY, count=120) as emulator:
        monkeypatch.setenv("SALESFORCE_INSTANCE_URL", emulator.url)
        monkeypatch.setenv("SALESFORCE_SESSION_ID", emulator.session_id)
        yield emulator


@pytest.fixture
def service(emu: GitLabEmulator, sf: SalesforceEmulator, tmp_path: Path) -> TriageService:
    settings = SalesforceSettings(instance_url=sf.url, ca_bundle=sf.ca_pem_path, timeout=10)
    return synced(emu, tmp_path, sync_interval=0, salesforce=settings)


def a_mismatch(service: TriageService, sf: SalesforceEmulator) -> Mismatch:
    """A mismatch whose account holds the notes link (read into the cache by a sync)."""
    mismatch = next(m for m in service.agenda().mismatches if m.card.health is not None)
    sf.touch(mismatch.account.id, Health_Score_Reasons__c=NOTES)
    assert service.sync().ok
    return next(m for m in service.agenda().mismatches if m.card.iid == mismatch.card.iid)


def test_a_lost_answer_then_a_retry_adds_the_reason_once(
    service: TriageService, sf: SalesforceEmulator
) -> None:
    mismatch = a_mismatch(service, sf)
    health = mismatch.card.health
    assert health is not None
    service.set_salesforce_health(mismatch.account, health, "Confirmed on the call")
    sf.faults.append(Fault("PATCH", r"/sobjects/Account/", -1))  # lands; the answer is lost
    report = service.push()
    assert report.error and report.pushed == 0
    assert [e.state for e in service.outbox()] == [EditState.PENDING]
    assert service.push().pushed == 1 and not service.outbox()
    line = f"{TODAY.isoformat()} (GitLab triage, @{service.user}): Confirmed on the call"
    record = sf.account(mismatch.account.id)
    assert record["Health_Score_Reasons__c"] == f"{NOTES}\n{line}"
    assert record["Health_Score__c"] == health.label
    assert len([w for w in sf.writes if w[0] == mismatch.account.id]) == 1
    cached = next(a for a in service.accounts() if a.id == mismatch.account.id)
    assert cached.health_reasons == f"{NOTES}\n{line}"


def test_a_score_pushed_days_later_keeps_the_day_it_was_decided(
    service: TriageService, sf: SalesforceEmulator
) -> None:
    """Offline after the call: the score is still confirmed on the call's day, and a
    retry across midnight writes the same line (so it is recognised, not added again)."""
    mismatch = a_mismatch(service, sf)
    health = mismatch.card.health
    assert health is not None
    service.set_salesforce_health(mismatch.account, health, "Decided on the call")
    service.today = lambda: TODAY + timedelta(days=2)
    assert service.push().pushed == 1
    record = sf.account(mismatch.account.id)
    assert record["Health_Score_Date__c"] == TODAY.isoformat()
    assert record["Health_Score_Reasons__c"].endswith(
        f"\n{TODAY.isoformat()} (GitLab triage, @{service.user}): Decided on the call"
    )

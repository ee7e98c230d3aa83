"""The org's own schema: lookups read as Salesforce nests them, health values the org
spells its own way (both ways), values that mean no colour reported, and a health field
that cannot be written found by describe before anything is pushed. Real
simple-salesforce over real HTTPS against the emulator.

Copied from Salesforce's REST API: a relationship field in a query comes back as a
nested object with its own `attributes` (or null when the lookup is empty); an sobject
GET returns the Account's own fields only (OwnerId, not Owner.Name); describe lists
each field's type, `updateable`, `calculated` (formula and roll-up summary fields),
`picklistValues` (value and label) and, for a lookup, `referenceTo` and
`relationshipName`; a write to a field that is not updateable is 400
INVALID_FIELD_FOR_INSERT_UPDATE.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import TODAY
from tests.emulated import synced
from tests.sync.salesforce_helpers import settings_for
from triage_emulators.gitlab import GitLabEmulator
from triage_emulators.salesforce import SalesforceEmulator, demo_account_id
from triage_tui.domain.accounts import DEFAULT_SALESFORCE_FIELDS
from triage_tui.domain.health import Health
from triage_tui.services import TriageService
from triage_tui.services.er_call import SalesforceWritesOff
from triage_tui.sync.credentials import SalesforceCredentials
from triage_tui.sync.errors import describe_salesforce
from triage_tui.sync.salesforce_source import SalesforceSource

ACCOUNT = demo_account_id(10)
LOOKUPS = {**DEFAULT_SALESFORCE_FIELDS, "owner": "Owner.Name", "tam": "TAM__r.Name"}
ORG_VALUES = {"1-Red": "Red", "2-Amber": "Amber", "3-Yellow": "Yellow", "4-Green": "Green"}


@pytest.fixture
def sf() -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator.from_demo(TODAY, count=120) as emulator:
        emulator.clock = lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        yield emulator


def source_for(sf: SalesforceEmulator, **changes: Any) -> SalesforceSource:
    credentials = SalesforceCredentials("test", session_id=sf.session_id, instance_url=sf.url)
    return SalesforceSource(settings_for(sf, **changes), credentials)


def everything(source: SalesforceSource) -> list[Any]:
    return [account for page in source.accounts() for account in page]


def rest(sf: SalesforceEmulator, path: str, **params: str) -> Any:
    response = requests.get(
        f"{sf.url}/services/data/v59.0/{path}",
        params=params,
        headers={"Authorization": f"Bearer {sf.session_id}"},
        verify=sf.ca_pem_path,
        timeout=5,
    )
    return response.json()


# -- lookups ----------------------------------------------------------------------------------


def test_owner_and_tam_lookups_are_read_as_salesforce_nests_them(sf: SalesforceEmulator) -> None:
    before = {a["Id"]: (a["Account_Owner__c"], a["TAM__c"]) for a in sf.accounts.values()}
    sf.make_lookup("TAM__c", "TAM__r")  # this org's TAM is a User lookup, not text
    body = rest(
        sf, "query/", q=f"SELECT Id, Owner.Name, TAM__r.Name FROM Account WHERE Id = '{ACCOUNT}'"
    )
    owner = body["records"][0]["Owner"]
    assert owner["attributes"]["type"] == "User"
    assert owner["attributes"]["url"].startswith("/services/data/v59.0/sobjects/User/005")
    assert owner["Name"] == before[ACCOUNT][0]
    assert "OwnerId" not in body["records"][0]  # only what was selected

    source = source_for(sf, fields=LOOKUPS)
    read = {a.id: (a.owner, a.tam) for a in everything(source)}
    assert read == {i: (o, t or "") for i, (o, t) in before.items()}
    assert "Owner.Name, TAM__r.Name" in sf.queries[-1]
    # One account (as after a write): a query, since a GET has OwnerId, not Owner.Name.
    assert source.account(ACCOUNT).owner == before[ACCOUNT][0]
    after = source.update_health(
        ACCOUNT, Health.AMBER, TODAY, "Champion left.", unmodified_since=""
    )
    assert (after.owner, after.tam) == (before[ACCOUNT][0], before[ACCOUNT][1] or "")


def test_an_unknown_relationship_is_salesforces_error(sf: SalesforceEmulator) -> None:
    fields = {**DEFAULT_SALESFORCE_FIELDS, "tam": "TAM__r.Name"}  # TAM__c is text here
    with pytest.raises(Exception) as caught:
        everything(source_for(sf, fields=fields))
    assert "Didn't understand relationship 'TAM__r'" in str(caught.value.content)  # type: ignore[attr-defined]
    assert "[salesforce.fields]" in describe_salesforce(caught.value, fields)
    body = rest(sf, "query/", q="SELECT Owner.Nmae FROM Account")
    assert body[0]["errorCode"] == "INVALID_FIELD" and "on entity 'User'" in body[0]["message"]


# -- the org's health values ------------------------------------------------------------------


def test_the_orgs_own_health_values_map_both_ways(sf: SalesforceEmulator) -> None:
    to_org = {colour: value for value, colour in ORG_VALUES.items()}
    for record in sf.accounts.values():
        record["Health_Score__c"] = to_org[record["Health_Score__c"]]
    sf.picklists["Health_Score__c"] = tuple(ORG_VALUES)  # a restricted picklist of them
    source = source_for(sf, health_values=ORG_VALUES)
    health = {a.id: a.health for a in everything(source)}
    assert health[ACCOUNT] is Health.parse(ORG_VALUES[sf.accounts[ACCOUNT]["Health_Score__c"]])
    assert None not in health.values() and not source.unmapped_health
    written = source.update_health(ACCOUNT, Health.RED, TODAY, "Leaving.", unmodified_since="")
    assert sf.accounts[ACCOUNT]["Health_Score__c"] == "1-Red"  # the org's value went out
    assert written.health is Health.RED


def test_values_that_mean_no_colour_are_reported_with_their_counts(
    sf: SalesforceEmulator, emu: GitLabEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = sorted(sf.accounts)
    for account_id in ids[:3]:
        sf.accounts[account_id]["Health_Score__c"] = "Purple"
    sf.accounts[ids[3]]["Health_Score__c"] = "G"
    sf.accounts[ids[4]]["Health_Score__c"] = None  # no score at all is no problem
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", sf.url)
    monkeypatch.setenv("SALESFORCE_SESSION_ID", sf.session_id)
    service = TriageService(
        tmp_path / "cache.db",
        settings=_settings(emu, tmp_path, settings_for(sf)),
        create=True,
        today=lambda: TODAY,
    )
    report = service.sync()
    assert report.ok, report.summary()
    assert report.salesforce_unmapped == (("Purple", 3), ("G", 1))
    assert '"Purple" (3 accounts), "G" (1 account)' in report.summary()
    assert "[salesforce.health_values]" in report.salesforce_warning
    # Mapped, the next sync reads them and says nothing.
    service.settings = _settings(
        emu, tmp_path, settings_for(sf, health_values={"Purple": "Red", "G": "Green"})
    )
    report = service.sync(full=True)
    assert report.salesforce_unmapped == () and report.salesforce_warning == ""
    assert {a.health for a in service.accounts() if a.id in ids[:3]} == {Health.RED}


def _settings(emu: GitLabEmulator, tmp_path: Path, salesforce: Any) -> Any:
    from triage_tui.config import Settings

    return Settings(
        gitlab_url=emu.url,
        project=emu.project.path,
        cache_path=tmp_path / "cache.db",
        salesforce=salesforce,
    )


# -- describe, and a health field that cannot be written --------------------------------------


def test_describe_says_what_each_field_is(sf: SalesforceEmulator) -> None:
    sf.picklist_labels["Health_Score__c"] = {"Red": "Red (at risk)"}
    described = source_for(sf).describe("Account")
    fields = {f["name"]: f for f in described["fields"]}
    health = fields["Health_Score__c"]
    assert health["type"] == "picklist" and health["restrictedPicklist"] is True
    assert {v["value"]: v["label"] for v in health["picklistValues"]}["Red"] == "Red (at risk)"
    assert health["updateable"] is True and health["calculated"] is False
    owner = fields["OwnerId"]
    assert (owner["type"], owner["referenceTo"], owner["relationshipName"]) == (
        "reference",
        ["User"],
        "Owner",
    )
    assert fields["LastModifiedDate"]["updateable"] is False
    assert {f["name"] for f in source_for(sf).describe("User")["fields"]} >= {"Id", "Name"}


def test_a_formula_health_field_turns_writes_off_before_any_push(
    sf: SalesforceEmulator, emu: GitLabEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sf.field_meta["Health_Score__c"] = {
        "calculated": True,
        "updateable": False,
        "calculatedFormula": "CASE(Score__c, ...)",
    }
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", sf.url)
    monkeypatch.setenv("SALESFORCE_SESSION_ID", sf.session_id)
    service = synced(emu, tmp_path, salesforce=settings_for(sf))
    assert "Health_Score__c is a formula or roll-up field" in service.salesforce_write_problem()
    report = service.sync()  # not a full pass: the describe is not repeated
    assert sf.requests.count(("GET", "/services/data/v59.0/sobjects/Account/describe")) == 1
    account = next(a for a in service.accounts() if a.id == ACCOUNT)
    with pytest.raises(SalesforceWritesOff, match="writes are off: Health_Score__c is a formula"):
        service.set_salesforce_health(account, Health.RED, "Leaving.")
    assert service.outbox() == [] and report.ok
    # ...which is what Salesforce would have answered at the push.
    with pytest.raises(Exception) as caught:
        source_for(sf).update_health(ACCOUNT, Health.RED, TODAY, "x", unmodified_since="")
    assert "INVALID_FIELD_FOR_INSERT_UPDATE" in describe_salesforce(caught.value)
    # Fixed in the org: the next full pass finds it writable again.
    sf.field_meta.clear()
    service.sync(full=True)
    assert service.salesforce_write_problem() == ""
    # Settings pointed at another field: checked at the next sync, full or not.
    sf.rename_field("Health_Score__c", "Customer_Health__c")
    sf.field_meta["Customer_Health__c"] = {"updateable": False}
    fields = {**DEFAULT_SALESFORCE_FIELDS, "health": "Customer_Health__c"}
    service.settings = replace(service.settings, salesforce=settings_for(sf, fields=fields))
    assert service.sync().ok
    assert "Customer_Health__c cannot be changed" in service.salesforce_write_problem()
    sf.field_meta.clear()
    sf.rename_field("Customer_Health__c", "Health_Score__c")
    service.settings = replace(service.settings, salesforce=settings_for(sf))
    assert service.sync().ok and service.salesforce_write_problem() == ""
    service.set_salesforce_health(account, Health.RED, "Leaving.")
    assert len(service.outbox()) == 1


def test_the_first_sync_reports_writes_off_in_its_summary(
    sf: SalesforceEmulator, emu: GitLabEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sf.field_meta["Health_Score_Date__c"] = {"updateable": False}
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", sf.url)
    monkeypatch.setenv("SALESFORCE_SESSION_ID", sf.session_id)
    service = TriageService(
        tmp_path / "cache.db",
        settings=_settings(emu, tmp_path, settings_for(sf)),
        create=True,
        today=lambda: date(2026, 11, 24),
    )
    summary = service.sync().summary()
    assert "Salesforce writes are off: Health_Score_Date__c cannot be changed" in summary

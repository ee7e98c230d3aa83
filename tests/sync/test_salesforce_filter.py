"""Which accounts: a configured SOQL filter, checked, ANDed with the incremental read's own
condition; and the API calls each sync spends, against the org's daily limit.

The emulator's SOQL copies Salesforce's "Condition Expression Syntax (WHERE Clause)"
("Client applications must specify parentheses when nesting operators") and
"Comparison Operators" (LIKE: `%` and `_` wildcards, string fields only,
case-insensitive); the usage header is Sforce-Limit-Info: api-usage=N/M, sent on REST
API answers (simple-salesforce reads it into `api_usage`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TODAY
from tests.sync.salesforce_helpers import settings_for
from triage_emulators.gitlab import GitLabEmulator
from triage_emulators.salesforce import SalesforceEmulator
from triage_emulators.soql import Logic, Not, SoqlError, parse_soql
from triage_tui.config import ConfigError, Settings, load_settings
from triage_tui.domain.soql import filter_problem
from triage_tui.services import TriageService
from triage_tui.sync.credentials import SalesforceCredentials
from triage_tui.sync.errors import SyncError
from triage_tui.sync.salesforce_mapping import accounts_soql
from triage_tui.sync.salesforce_source import SalesforceSource


@pytest.fixture
def sf() -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator.from_demo(TODAY, count=120) as emulator:
        emulator.clock = lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        yield emulator


def source_for(sf: SalesforceEmulator, **changes: Any) -> SalesforceSource:
    credentials = SalesforceCredentials("test", session_id=sf.session_id, instance_url=sf.url)
    return SalesforceSource(settings_for(sf, **changes), credentials)


# -- the emulator's SOQL ----------------------------------------------------------------------


def test_the_simple_forms_of_a_filter_parse() -> None:
    query = parse_soql(
        "SELECT Id FROM Account WHERE (Type = 'Customer' OR Type != 'Prospect') "
        "AND Region__c IN ('EMEA', 'APAC') AND NOT Name LIKE 'Test%' "
        "AND Owner.Name LIKE '_lga%'"
    )
    assert isinstance(query.where, Logic) and query.where.op == "AND"
    assert isinstance(query.where.parts[0], Logic) and query.where.parts[0].op == "OR"
    assert isinstance(query.where.parts[2], Not)
    assert [c.op for c in query.conditions()] == ["=", "!=", "IN", "LIKE", "LIKE"]
    assert query.kinds["Owner.Name"] == "string"


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        # Mixing AND and OR needs parentheses.
        ("SELECT Id FROM Account WHERE Type = 'a' AND Name = 'b' OR Name = 'c'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Type = 'a' OR Name = 'b' AND Name = 'c'", "MALFORMED_QUERY"),
        # LIKE is for string fields, with a quoted pattern.
        ("SELECT Id FROM Account WHERE ARR__c LIKE '5%'", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Id FROM Account WHERE Name LIKE Acme", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE (Type = 'a'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Tpye = 'Customer'", "INVALID_FIELD"),
        ('SELECT Id FROM Account WHERE Type = "Customer"', "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Type = 'a'; DELETE", "MALFORMED_QUERY"),
    ],
)
def test_what_salesforce_refuses_the_emulator_refuses(soql: str, code: str) -> None:
    with pytest.raises(SoqlError) as caught:
        parse_soql(soql)
    assert caught.value.code == code


def test_like_matches_as_soql_does(sf: SalesforceEmulator) -> None:
    ids = sorted(sf.accounts)
    sf.accounts[ids[0]]["Name"] = "Appleton Ltd"
    sf.accounts[ids[1]]["Name"] = "appl"
    sf.accounts[ids[2]]["Name"] = "Bappl"
    sf.accounts[ids[3]]["Name"] = "100% Apple_s"
    found = sf.query("SELECT Id FROM Account WHERE Name LIKE 'appl%'", "59.0", 2000)
    assert {r["Id"] for r in found["records"]} == {ids[0], ids[1]}
    found = sf.query("SELECT Id FROM Account WHERE Name LIKE '100\\% Apple\\_s'", "59.0", 2000)
    assert [r["Id"] for r in found["records"]] == [ids[3]]


# -- the configured filter --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Type = 'Customer'", ""),
        ("Type = 'Customer' AND (Region__c = 'EMEA' OR Region__c = 'APAC')", ""),
        ("Name LIKE 'O\\'Brien%' OR Name = 'a;b'", ""),  # a ; inside a string is text
        ("Type = 'Customer'; DELETE FROM Account", "`;`"),
        ("Type = 'Customer') OR (Id != null", "never opened"),
        ("(Type = 'Customer'", "not closed"),
        ("Type = 'Customer", "not closed"),
        ('Type = "Customer"', "double quote"),
        ("Type = 'Customer' ORDER BY Name", "ORDER"),
        ("Type = 'Customer' LIMIT 5", "LIMIT"),
    ],
)
def test_a_filter_is_checked_before_it_is_sent(text: str, problem: str) -> None:
    found = filter_problem(text)
    assert (problem in found and found) if problem else found == ""


def test_a_bad_filter_is_refused_by_the_config_and_the_source(
    sf: SalesforceEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[salesforce]\naccount_filter = \"Type = 'x') OR (Id != null\"\n")
    with pytest.raises(ConfigError, match="account_filter"):
        load_settings(path)
    with pytest.raises(SyncError, match="account_filter"):
        source_for(sf, account_filter="Type = 'x' LIMIT 1")
    with pytest.raises(ValueError, match="account filter"):
        accounts_soql({}, account_filter="a = 'b'; c")


def test_the_filter_chooses_the_accounts_and_is_anded_with_the_incremental_read(
    sf: SalesforceEmulator,
) -> None:
    ids = sorted(sf.accounts)
    customers = set(ids[:30])
    for account_id in customers:
        sf.accounts[account_id]["Type"] = "Customer"
    emea = {i for i, a in sf.accounts.items() if a["Region__c"] == "EMEA"}
    source = source_for(sf, account_filter="Type = 'Customer' OR Region__c = 'EMEA'")
    everything = {a.id for page in source.accounts() for a in page}
    assert everything == customers | emea and len(everything) < len(sf.accounts)
    assert "WHERE (Type = 'Customer' OR Region__c = 'EMEA') ORDER BY" in sf.queries[-1]
    # Changed since: only changed accounts the filter chooses (the OR stays inside).
    changed_customer, changed_other = ids[0], next(i for i in ids if i not in everything)
    sf.touch(changed_customer, Name="Renamed")
    sf.touch(changed_other, Name="Not ours")
    since = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    changed = {a.id for page in source.accounts(modified_after=since) for a in page}
    assert changed == {changed_customer}
    sent = sf.queries[-1]
    assert "WHERE (Type = 'Customer' OR Region__c = 'EMEA') AND LastModifiedDate >= " in sent
    parse_soql(sent, sf.schema, sf.relations)  # what was sent is valid SOQL


# -- API calls per sync -----------------------------------------------------------------------


def test_each_sync_says_the_api_calls_it_spent(
    sf: SalesforceEmulator, emu: GitLabEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", sf.url)
    monkeypatch.setenv("SALESFORCE_SESSION_ID", sf.session_id)
    sf.page_size = 50  # three pages: three query calls
    sf.api_usage = 12_000  # what the rest of the org used today
    settings = Settings(
        gitlab_url=emu.url,
        project=emu.project.path,
        cache_path=tmp_path / "cache.db",
        salesforce=settings_for(sf),
    )
    service = TriageService(settings.cache_path, settings=settings, create=True)
    report = service.sync()
    spent = sf.api_usage - 12_000
    assert report.salesforce_calls == spent == 4  # 3 pages + the first full pass's describe
    assert report.salesforce_usage == (sf.api_usage, 15_000)
    assert "Salesforce: 4 API calls (12,004 of 15,000 used today)" in report.summary()
    again = service.sync()  # incremental: nothing changed, one query, no describe
    assert again.salesforce_calls == 1
    assert "Salesforce: 1 API call (12,005 of 15,000 used today)" in again.summary()
    # The board's sync runs in a child process and hands the report over as JSON.
    handed = type(again).from_json(again.to_json())
    assert (handed.salesforce_calls, handed.salesforce_usage) == (1, (12_005, 15_000))

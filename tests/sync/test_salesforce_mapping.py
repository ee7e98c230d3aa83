"""Salesforce records to Accounts and back: pure, and never raising on bad values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from triage_tui.domain.accounts import (
    DEFAULT_SALESFORCE_FIELDS,
    Account,
    account_id_from_url,
    same_account,
)
from triage_tui.domain.health import Health
from triage_tui.sync.salesforce_mapping import (
    account_from_salesforce,
    accounts_soql,
    checked_fields,
    health_update,
    http_date,
    parse_salesforce_datetime,
)

RECORD: dict[str, Any] = {
    "attributes": {
        "type": "Account",
        "url": "/services/data/v59.0/sobjects/Account/0015g00000AbCdEAAZ",
    },
    "Id": "0015g00000AbCdEAAZ",
    "Name": "Acme Corp",
    "Health_Score__c": "Amber",
    "Health_Score_Date__c": "2026-11-20",
    "Health_Score_Reasons__c": "Low adoption.\nChampion left.",
    "Next_Renewal_Date__c": "2027-01-31",
    "ARR__c": 640000.0,
    "Region__c": "EMEA",
    "Account_Owner__c": "Alice Alvarez",
    "TAM__c": "bob",
    "LastModifiedDate": "2026-11-24T12:00:00.000+0000",
}


def test_a_full_record() -> None:
    assert account_from_salesforce(RECORD, DEFAULT_SALESFORCE_FIELDS) == Account(
        id="0015g00000AbCdEAAZ",
        name="Acme Corp",
        health=Health.AMBER,
        health_date=date(2026, 11, 20),
        health_reasons="Low adoption.\nChampion left.",
        renewal_date=date(2027, 1, 31),
        arr=640000.0,
        region="EMEA",
        owner="Alice Alvarez",
        tam="bob",
        last_modified="2026-11-24T12:00:00.000+0000",
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"Health_Score__c": "Purple"}, {"health": None}),
        ({"Health_Score__c": 3}, {"health": None}),
        ({"Health_Score__c": " red "}, {"health": Health.RED}),
        ({"Health_Score_Date__c": "2026-13-01"}, {"health_date": None}),
        ({"Health_Score_Date__c": "next tuesday"}, {"health_date": None}),
        ({"Health_Score_Date__c": 20261120}, {"health_date": None}),
        ({"Next_Renewal_Date__c": "2027-02-30"}, {"renewal_date": None}),
        (
            {"Next_Renewal_Date__c": "2027-01-31T00:00:00.000+0000"},
            {"renewal_date": date(2027, 1, 31)},
        ),
        ({"ARR__c": "lots"}, {"arr": None}),
        ({"ARR__c": True}, {"arr": None}),
        ({"ARR__c": float("nan")}, {"arr": None}),
        ({"ARR__c": "1,250,000"}, {"arr": 1_250_000.0}),
        ({"ARR__c": 500}, {"arr": 500.0}),
        ({"Region__c": "emea"}, {"region": "EMEA"}),
        ({"Region__c": "US West"}, {"region": "US-WEST"}),
        ({"Region__c": "Mars"}, {"region": "Mars"}),
        ({"TAM__c": "@bob"}, {"tam": "bob"}),
        ({"TAM__c": None}, {"tam": ""}),
        ({"Name": {"nested": "object"}}, {"name": ""}),
        ({"Name": "\x1b[31mEvil\x1b[0m \u202eCorp\x07"}, {"name": "Evil Corp"}),
        ({"Health_Score_Reasons__c": "a\r\nb\x1b]0;title\x07"}, {"health_reasons": "a\nb"}),
    ],
)
def test_bad_values_map_to_none_not_raise(
    changes: dict[str, Any], expected: dict[str, Any]
) -> None:
    account = account_from_salesforce({**RECORD, **changes}, DEFAULT_SALESFORCE_FIELDS)
    assert {key: getattr(account, key) for key in expected} == expected


def test_missing_fields_and_non_records() -> None:
    assert account_from_salesforce({"Id": "001"}, DEFAULT_SALESFORCE_FIELDS) == Account(
        id="001", name=""
    )
    assert account_from_salesforce(None, DEFAULT_SALESFORCE_FIELDS) == Account(id="", name="")  # type: ignore[arg-type]
    assert account_from_salesforce([], DEFAULT_SALESFORCE_FIELDS) == Account(id="", name="")  # type: ignore[arg-type]


def test_renamed_fields_and_relationships() -> None:
    fields = {**DEFAULT_SALESFORCE_FIELDS, "health": "Customer_Health__c", "owner": "Owner.Name"}
    record = {**RECORD, "Customer_Health__c": "Red", "Owner": {"Name": "Ivan Ivanov"}}
    account = account_from_salesforce(record, fields)
    assert account.health is Health.RED and account.owner == "Ivan Ivanov"
    assert account_from_salesforce({**RECORD, "Owner": None}, fields).owner == ""


def test_soql_selects_the_configured_fields() -> None:
    fields = {**DEFAULT_SALESFORCE_FIELDS, "health": "Customer_Health__c"}
    soql = accounts_soql(fields)
    assert (
        soql.startswith("SELECT Id, Name, Customer_Health__c, ") and "Health_Score__c" not in soql
    )
    assert soql.endswith(" FROM Account ORDER BY LastModifiedDate")
    since = datetime(2026, 11, 25, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    assert "WHERE LastModifiedDate >= 2026-11-25T09:30:00Z ORDER" in accounts_soql(fields, since)
    assert "2026-11-25T09:30:00Z" in accounts_soql(fields, datetime(2026, 11, 25, 9, 30))


@pytest.mark.parametrize(
    "fields",
    [{"health": "Name FROM Account WHERE Id != null --"}, {"health": ""}, {"healthy": "X__c"}],
)
def test_field_names_cannot_inject_soql(fields: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        checked_fields(fields)
    with pytest.raises(ValueError):
        accounts_soql(fields)


def test_health_update_body() -> None:
    """The reason line goes below the reasons as the account has them (the running call
    notes' link), or into a field of its own (`health_note`) with the reasons left out."""
    fields = {**DEFAULT_SALESFORCE_FIELDS, "health_date": "Health_Date__c"}
    line = "2026-11-25 (GitLab triage, @alice): Leaving."
    assert health_update(fields, Health.RED, date(2026, 11, 25), line, RECORD) == {
        "Health_Score__c": "Red",
        "Health_Date__c": "2026-11-25",
        "Health_Score_Reasons__c": f"Low adoption.\nChampion left.\n{line}",
    }
    assert health_update(fields, Health.GREEN, date(2026, 11, 25), line, {}) == {
        "Health_Score__c": "Green",
        "Health_Date__c": "2026-11-25",
        "Health_Score_Reasons__c": line,
    }
    noted = {**fields, "health_note": "Triage_Reason__c"}
    assert health_update(noted, Health.YELLOW, date(2026, 11, 25), line, RECORD) == {
        "Health_Score__c": "Yellow",
        "Health_Date__c": "2026-11-25",
        "Triage_Reason__c": line,
    }
    assert "Triage_Reason__c" not in accounts_soql(noted)  # read only by the write


def test_last_modified_as_an_http_date() -> None:
    assert http_date("2026-11-24T12:00:00.000+0000") == "Tue, 24 Nov 2026 12:00:00 GMT"
    assert http_date("2026-11-24T13:00:00.999+01:00") == "Tue, 24 Nov 2026 12:00:00 GMT"
    assert http_date("2026-11-24T12:00:00Z") == "Tue, 24 Nov 2026 12:00:00 GMT"
    assert http_date("yesterday") is None and http_date("") is None
    assert parse_salesforce_datetime("2026-11-24T12:00:00") == datetime(
        2026, 11, 24, 12, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://acme.my.salesforce.com/0015g00000AbCdE", "0015g00000AbCdE"),
        ("https://example.my.salesforce.com/001000000000042AAA", "001000000000042AAA"),
        (
            "https://acme.lightning.force.com/lightning/r/Account/0015g00000AbCdEAAZ/view",
            "0015g00000AbCdEAAZ",
        ),
        ("  https://acme.my.salesforce.com/0015g00000AbCdE?srPos=0  ", "0015g00000AbCdE"),
        ("https://acme.my.salesforce.com/0035g00000AbCdE", None),  # a Contact, not an Account
        ("https://acme.my.salesforce.com/0015g00000AbCd", None),  # 14 characters
        ("0015g00000AbCdE", None),  # no host: not a URL someone pasted from Salesforce
        ("https://[broken", None),
        ("", None),
    ],
)
def test_account_id_from_url(url: str, expected: str | None) -> None:
    assert account_id_from_url(url) == expected


def test_15_and_18_character_ids_are_one_account() -> None:
    assert same_account("0015g00000AbCdE", "0015g00000AbCdEAAZ")
    assert not same_account("0015g00000AbCdE", "0015g00000AbCdF")

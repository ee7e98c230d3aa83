"""The Salesforce adapter through the real simple-salesforce client, over real HTTPS.

The emulator's certificate comes from a throwaway CA the client is told to trust
(ca_bundle), never from switching verification off. The SOAP username/password
login goes to https://login.salesforce.com, which cannot point at loopback: a
transport adapter routes that one host to the emulator, so simple-salesforce's
own login code runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
)

from tests.conftest import TODAY
from tests.sync.salesforce_helpers import LOGIN_HOST, LoopbackLogin, settings_for
from triage_emulators.salesforce import (
    Fault,
    SalesforceEmulator,
    SoqlError,
    demo_account_id,
    parse_soql,
)
from triage_tui.config import ConfigError, load_settings
from triage_tui.demo_data import generate
from triage_tui.domain.accounts import DEFAULT_SALESFORCE_FIELDS, account_id_from_url
from triage_tui.domain.health import Health
from triage_tui.domain.labels import read_labels
from triage_tui.domain.template import parse_description
from triage_tui.sync.credentials import (
    CredentialError,
    SalesforceCredentials,
    resolve_salesforce_credentials,
    store_salesforce_credentials,
)
from triage_tui.sync.errors import SyncError, describe_salesforce, is_salesforce_rejection
from triage_tui.sync.salesforce_source import SalesforceConflict, SalesforceSource

ACCOUNT = demo_account_id(10)


@pytest.fixture
def sf() -> Iterator[SalesforceEmulator]:
    """The emulator serving the accounts behind a 120-issue demo project."""
    with SalesforceEmulator.from_demo(TODAY, count=120) as emulator:
        emulator.clock = lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        yield emulator


def login_source(
    emu: SalesforceEmulator, *, password: str | None = None, max_retries: int = 2, **changes: Any
) -> SalesforceSource:
    """A source that signs in with username, password and token over SOAP."""
    credentials = SalesforceCredentials(
        "test",
        username=emu.username,
        password=emu.password if password is None else password,
        security_token=emu.security_token,
    )
    return SalesforceSource(
        settings_for(emu, **changes),
        credentials,
        max_retries=max_retries,
        adapters={LOGIN_HOST: LoopbackLogin(emu.instance)},
    )


def session_source(
    emu: SalesforceEmulator, *, max_retries: int = 2, **changes: Any
) -> SalesforceSource:
    """A source using an existing session id (no login)."""
    credentials = SalesforceCredentials("test", session_id=emu.session_id, instance_url=emu.url)
    return SalesforceSource(settings_for(emu, **changes), credentials, max_retries=max_retries)


def failure(call: Any, fields: Mapping[str, str] | None = None) -> tuple[BaseException, str]:
    with pytest.raises(Exception) as caught:
        call()
    return caught.value, describe_salesforce(caught.value, fields)


def all_accounts(source: SalesforceSource, **kwargs: Any) -> list[Any]:
    return [account for page in source.accounts(**kwargs) for account in page]


# -- login ------------------------------------------------------------------------------------


def test_password_login_runs_the_real_soap_code(sf: SalesforceEmulator) -> None:
    source = login_source(sf)
    account = source.account(ACCOUNT)
    assert sf.logins == [sf.username]
    assert sf.requests[0] == ("POST", "/services/Soap/u/59.0")
    assert account.id == ACCOUNT and account.name == sf.accounts[ACCOUNT]["Name"]
    assert source.api_usage == (sf.api_usage, 15_000)


def test_wrong_password_is_plain_and_secret_free(sf: SalesforceEmulator) -> None:
    source = login_source(sf, password="hunter2-wrong")
    error, message = failure(lambda: all_accounts(source))
    assert isinstance(error, SalesforceAuthenticationFailed)
    assert "Salesforce did not accept the username, password or security token" in message
    assert "hunter2-wrong" not in message and sf.security_token not in message
    assert not is_salesforce_rejection(error)


def test_session_id_needs_no_login(sf: SalesforceEmulator) -> None:
    accounts = all_accounts(session_source(sf))
    assert len(accounts) == len(sf.accounts) and not sf.logins


def test_construction_touches_no_network(sf: SalesforceEmulator) -> None:
    login_source(sf)
    assert sf.requests == []


# -- reading ----------------------------------------------------------------------------------


def test_paging_follows_next_records_url(sf: SalesforceEmulator) -> None:
    sf.page_size = 50
    pages = list(session_source(sf).accounts())
    assert [len(p) for p in pages] == [50, 50, len(sf.accounts) - 100]
    ids = [a.id for page in pages for a in page]
    assert len(ids) == len(set(ids)) and set(ids) == set(sf.accounts)
    more = [path for method, path in sf.requests if "/query/01g" in path]
    assert len(more) == 2 and all(p.startswith("/services/data/v59.0/query/") for p in more)


def test_modified_after_reads_only_changes(sf: SalesforceEmulator) -> None:
    sf.touch(demo_account_id(3), Health_Score__c="Red")
    sf.touch(demo_account_id(4), Name="Renamed in Salesforce")
    changed = all_accounts(
        session_source(sf), modified_after=datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    )
    assert {a.id for a in changed} == {demo_account_id(3), demo_account_id(4)}
    assert "LastModifiedDate >= 2026-11-25T00:00:00Z" in sf.queries[-1]
    by_id = {a.id: a for a in changed}
    assert by_id[demo_account_id(3)].health is Health.RED
    assert by_id[demo_account_id(4)].name == "Renamed in Salesforce"


def test_field_names_from_settings_reach_the_soql(sf: SalesforceEmulator) -> None:
    sf.rename_field("Health_Score__c", "Customer_Health__c")
    default = session_source(sf)
    error, message = failure(lambda: all_accounts(default), default.fields)
    assert isinstance(error, SalesforceMalformedRequest)
    assert "Health_Score__c" in message and "`health` under [salesforce.fields]" in message
    assert is_salesforce_rejection(error)

    fields = {**DEFAULT_SALESFORCE_FIELDS, "health": "Customer_Health__c"}
    accounts = all_accounts(session_source(sf, fields=fields))
    assert "Customer_Health__c" in sf.queries[-1] and "Health_Score__c" not in sf.queries[-1]
    health = {a.id: a.health for a in accounts}
    assert health[ACCOUNT] is Health.parse(sf.accounts[ACCOUNT]["Customer_Health__c"])


def test_malformed_values_map_to_none(sf: SalesforceEmulator) -> None:
    sf.accounts[ACCOUNT] |= {
        "Health_Score__c": "Purple",
        "Health_Score_Date__c": "next tuesday",
        "Next_Renewal_Date__c": "2027-02-30",
        "ARR__c": "lots",
        "Name": "\x1b[31mEvil\x1b[0m \u202eCorp",
    }
    source = session_source(sf)
    for account in (source.account(ACCOUNT), *[a for a in all_accounts(source) if a.id == ACCOUNT]):
        assert account.health is None and account.health_date is None
        assert account.renewal_date is None and account.arr is None
        assert account.name == "Evil Corp"


def test_unknown_account_is_plain(sf: SalesforceEmulator) -> None:
    error, message = failure(lambda: session_source(sf).account("001000000000999ZZZ"))
    assert "no such account" in message and is_salesforce_rejection(error)
    with pytest.raises(SyncError, match="Not a Salesforce record id"):
        session_source(sf).account("../../query")


# -- writing ----------------------------------------------------------------------------------


NOTES = "Running call notes: https://docs.example.com/acme/calls"
LINE = "2026-11-25 (GitLab triage, @alice): Told us they are moving to a competitor."


def test_update_health_keeps_the_reasons_and_adds_the_line(sf: SalesforceEmulator) -> None:
    """The reasons field holds the link to the running call notes: the score's reason
    goes below it (it was written over it)."""
    sf.touch(ACCOUNT, Health_Score_Reasons__c=NOTES)
    source = session_source(sf)
    before = source.account(ACCOUNT)
    after = source.update_health(
        ACCOUNT, Health.RED, date(2026, 11, 25), LINE, unmodified_since=before.last_modified
    )
    stored = sf.account(ACCOUNT)
    assert stored["Health_Score__c"] == "Red" and stored["Health_Score_Date__c"] == "2026-11-25"
    assert stored["Health_Score_Reasons__c"] == f"{NOTES}\n{LINE}"
    assert after.health is Health.RED and after.last_modified == stored["LastModifiedDate"]
    assert after.health_reasons == f"{NOTES}\n{LINE}"
    assert after.last_modified != before.last_modified
    _, body, since = sf.writes[-1]
    assert since.endswith(" GMT") and set(body) == {
        "Health_Score__c",
        "Health_Score_Date__c",
        "Health_Score_Reasons__c",
    }


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        ("", LINE),
        (None, LINE),
        (f"{NOTES}\r\nSecond line", f"{NOTES}\r\nSecond line\r\n{LINE}"),  # web editor's ends
        (f"{NOTES}\n", f"{NOTES}\n{LINE}"),
    ],
)
def test_the_line_goes_below_whatever_is_there(
    sf: SalesforceEmulator, reasons: str | None, expected: str
) -> None:
    sf.touch(ACCOUNT, Health_Score_Reasons__c=reasons)
    source = session_source(sf)
    before = source.account(ACCOUNT)
    source.update_health(
        ACCOUNT, Health.GREEN, date(2026, 11, 25), LINE, unmodified_since=before.last_modified
    )
    assert sf.account(ACCOUNT)["Health_Score_Reasons__c"] == expected
    assert sf.account(ACCOUNT)["Health_Score__c"] == "Green"


def test_a_field_of_its_own_for_the_reason_leaves_the_reasons_alone(
    sf: SalesforceEmulator,
) -> None:
    sf.schema["Triage_Reason__c"] = "textarea"  # this org has a field for it
    sf.touch(ACCOUNT, Health_Score_Reasons__c=NOTES, Triage_Reason__c="an older reason")
    fields = {**DEFAULT_SALESFORCE_FIELDS, "health_note": "Triage_Reason__c"}
    source = session_source(sf, fields=fields)
    before = source.account(ACCOUNT)
    source.update_health(
        ACCOUNT, Health.AMBER, date(2026, 11, 25), LINE, unmodified_since=before.last_modified
    )
    stored = sf.account(ACCOUNT)
    assert stored["Triage_Reason__c"] == LINE and stored["Health_Score_Reasons__c"] == NOTES
    assert "Health_Score_Reasons__c" not in sf.writes[-1][1]
    # Sent again (its answer lost): recognised in that field, not written twice.
    source.update_health(
        ACCOUNT, Health.AMBER, date(2026, 11, 25), LINE, unmodified_since=before.last_modified
    )
    assert len(sf.writes) == 1


def test_a_missing_note_field_names_the_setting(sf: SalesforceEmulator) -> None:
    fields = {**DEFAULT_SALESFORCE_FIELDS, "health_note": "Triage_Reason__c"}
    source = session_source(sf, fields=fields)
    before = source.account(ACCOUNT)
    error, message = failure(
        lambda: source.update_health(
            ACCOUNT, Health.RED, TODAY, LINE, unmodified_since=before.last_modified
        ),
        source.fields,
    )
    assert "Triage_Reason__c" in message and "`health_note`" in message
    assert is_salesforce_rejection(error) and not sf.writes


def test_a_full_reasons_field_is_refused_plainly_and_nothing_is_written(
    sf: SalesforceEmulator,
) -> None:
    """Salesforce refuses text longer than its field (STRING_TOO_LONG) rather than cutting
    it: the score waits for the person, and the notes link is not cut to make room."""
    sf.lengths["Health_Score_Reasons__c"] = 100
    sf.touch(ACCOUNT, Health_Score_Reasons__c=NOTES)
    source = session_source(sf)
    before = source.account(ACCOUNT)
    error, message = failure(
        lambda: source.update_health(
            ACCOUNT, Health.RED, TODAY, LINE, unmodified_since=before.last_modified
        )
    )
    assert message.startswith("Salesforce's Health Score Reasons field is full")
    assert "at most 100 characters" in message and "`health_note`" in message
    assert is_salesforce_rejection(error)
    assert not sf.writes and sf.account(ACCOUNT)["Health_Score_Reasons__c"] == NOTES


def test_writing_over_a_change_still_adds_to_the_text_there(sf: SalesforceEmulator) -> None:
    """'' (the person keeps their score over Salesforce's) writes regardless of the
    change, but below the text as it is now, guarded by the time it was read."""
    source = session_source(sf)
    sf.touch(ACCOUNT, Health_Score_Reasons__c="Edited in Salesforce meanwhile")
    source.update_health(ACCOUNT, Health.RED, TODAY, LINE, unmodified_since="")
    stored = sf.account(ACCOUNT)
    assert stored["Health_Score_Reasons__c"] == f"Edited in Salesforce meanwhile\n{LINE}"
    assert sf.writes[-1][2].endswith(" GMT")


def test_changed_meanwhile_is_a_conflict_with_current_values(sf: SalesforceEmulator) -> None:
    source = session_source(sf)
    before = source.account(ACCOUNT)
    sf.touch(ACCOUNT, Health_Score__c="Green", Health_Score_Date__c="2026-11-25")
    with pytest.raises(SalesforceConflict) as caught:
        source.update_health(
            ACCOUNT, Health.RED, TODAY, "Leaving", unmodified_since=before.last_modified
        )
    assert caught.value.current.health is Health.GREEN
    assert caught.value.current.health_date == date(2026, 11, 25)
    assert sf.account(ACCOUNT)["Health_Score__c"] == "Green" and not sf.writes
    assert "changed in Salesforce" in describe_salesforce(caught.value)
    assert is_salesforce_rejection(caught.value)


def test_a_write_that_landed_before_its_answer_was_lost_is_done(sf: SalesforceEmulator) -> None:
    sf.touch(ACCOUNT, Health_Score_Reasons__c=NOTES)
    source = session_source(sf)
    before = source.account(ACCOUNT)
    args = (ACCOUNT, Health.AMBER, TODAY, LINE)
    sf.faults.append(Fault("PATCH", r"/sobjects/Account/", -1))  # applied, answer lost
    error, _ = failure(lambda: source.update_health(*args, unmodified_since=before.last_modified))
    assert isinstance(error, requests.ConnectionError) and len(sf.writes) == 1
    again = source.update_health(*args, unmodified_since=before.last_modified)
    assert again.health is Health.AMBER and len(sf.writes) == 1
    assert sf.account(ACCOUNT)["Health_Score_Reasons__c"] == f"{NOTES}\n{LINE}"  # once


def test_a_conflict_after_a_landed_write_is_still_done(sf: SalesforceEmulator) -> None:
    """The write landed, its answer was lost, then someone changed another field: the
    retry's 412 finds the score, date and line there, so it is done, not a conflict."""
    source = session_source(sf)
    before = source.account(ACCOUNT)
    args = (ACCOUNT, Health.AMBER, TODAY, LINE)
    source.update_health(*args, unmodified_since=before.last_modified)
    sf.touch(ACCOUNT, Name="Renamed meanwhile")
    again = source.update_health(*args, unmodified_since=before.last_modified)
    assert again.name == "Renamed meanwhile" and len(sf.writes) == 1


def test_dropped_write_is_not_resent(sf: SalesforceEmulator) -> None:
    source = session_source(sf)
    before = source.account(ACCOUNT)
    sf.faults.append(Fault("PATCH", r"/sobjects/Account/", 0))
    error, message = failure(
        lambda: source.update_health(
            ACCOUNT, Health.RED, TODAY, "x", unmodified_since=before.last_modified
        )
    )
    assert isinstance(error, requests.ConnectionError) and "Cannot reach Salesforce" in message
    assert not is_salesforce_rejection(error)
    assert [m for m, _ in sf.requests].count("PATCH") == 1


def test_refused_value_is_a_rejection(sf: SalesforceEmulator) -> None:
    sf.picklists["Health_Score__c"] = ("Good", "Bad")  # an org with its own picklist values
    source = session_source(sf)
    before = source.account(ACCOUNT)
    error, message = failure(
        lambda: source.update_health(
            ACCOUNT, Health.RED, TODAY, "x", unmodified_since=before.last_modified
        )
    )
    assert "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in message
    assert is_salesforce_rejection(error)


# -- sessions, limits, server trouble ---------------------------------------------------------


def test_expired_session_id_is_plain(sf: SalesforceEmulator) -> None:
    source = session_source(sf)
    sf.expire_sessions()
    error, message = failure(lambda: source.account(ACCOUNT))
    assert isinstance(error, SalesforceExpiredSession)
    assert "session has expired or is invalid" in message
    assert not is_salesforce_rejection(error)


def test_password_login_signs_in_again_after_expiry(sf: SalesforceEmulator) -> None:
    source = login_source(sf)
    before = source.account(ACCOUNT)
    sf.expire_sessions()
    assert len(all_accounts(source)) == len(sf.accounts)
    sf.expire_sessions()
    source.update_health(ACCOUNT, Health.AMBER, TODAY, "x", unmodified_since=before.last_modified)
    assert len(sf.logins) == 3
    assert sf.writes[-1][2], "the write after a new login still carries If-Unmodified-Since"


def test_request_limit_is_plain_and_retried_later(sf: SalesforceEmulator) -> None:
    source = session_source(sf)
    sf.faults.append(Fault("GET", r"/query", 403))
    error, message = failure(lambda: all_accounts(source))
    assert message == "Salesforce's API limit for today is used up; the sync will try again later."
    assert not is_salesforce_rejection(error)
    sf.api_usage = sf.api_limit  # the org's real counter runs out too
    _, message = failure(lambda: source.account(ACCOUNT))
    assert "API limit" in message


def test_transient_read_failures_are_retried(sf: SalesforceEmulator) -> None:
    sf.faults += [
        Fault("GET", r"/query", 503, times=2),
        Fault("GET", r"/sobjects/Account/", 0),  # a dropped connection
    ]
    source = session_source(sf)
    assert len(all_accounts(source)) == len(sf.accounts)
    assert source.account(ACCOUNT).id == ACCOUNT
    assert all(f.times == 0 for f in sf.faults)


def test_lasting_server_error_and_dropped_connection_are_plain(sf: SalesforceEmulator) -> None:
    source = session_source(sf, max_retries=0)
    sf.faults.append(Fault("GET", r"/query", 503))
    error, message = failure(lambda: all_accounts(source))
    assert message == "Salesforce had a server error (503); try again shortly."
    assert not is_salesforce_rejection(error)
    sf.faults.append(Fault("GET", r"/sobjects/Account/", 0))
    _, message = failure(lambda: source.account(ACCOUNT))
    assert message == "Cannot reach Salesforce; the accounts were kept as they were."


def test_every_request_has_a_timeout(sf: SalesforceEmulator) -> None:
    source = session_source(sf, timeout=0.3, max_retries=0)
    assert all(a.timeout == 0.3 for a in source.session.adapters.values())  # type: ignore[attr-defined]
    sf.faults.append(Fault("GET", r"/query", 200, delay=3.0))
    started = time.monotonic()
    error, message = failure(lambda: all_accounts(source))
    assert time.monotonic() - started < 2.0
    assert isinstance(error, requests.RequestException)
    assert message == "Salesforce did not answer in time; the accounts were kept as they were."


def test_unreachable_salesforce_is_plain(sf: SalesforceEmulator, tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"  # the emulator's CA file goes when it stops
    ca.write_bytes(Path(sf.ca_pem_path).read_bytes())
    source = session_source(sf, max_retries=0, ca_bundle=str(ca))
    sf.stop()
    _, message = failure(lambda: source.account(ACCOUNT))
    assert message.startswith("Cannot reach Salesforce")


# -- certificates -----------------------------------------------------------------------------


def test_an_untrusted_certificate_is_refused(
    sf: SalesforceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SalesforceEmulator() as other:  # a second server, certified by a different CA
        # Even REQUESTS_CA_BUNDLE naming the other CA cannot widen the configured trust.
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", other.ca_pem_path)
        credentials = SalesforceCredentials(
            "test", session_id=other.session_id, instance_url=other.url
        )
        source = SalesforceSource(settings_for(sf, instance_url=other.url), credentials)
        error, message = failure(lambda: source.account(ACCOUNT))
        assert isinstance(error, requests.exceptions.SSLError)
        assert "the certificate is not trusted: set ca_bundle" in message
        assert not other.requests


def test_without_ca_bundle_the_system_store_decides(sf: SalesforceEmulator) -> None:
    _, message = failure(lambda: session_source(sf, ca_bundle="").account(ACCOUNT))
    assert "certificate is not trusted" in message


def test_missing_ca_bundle_is_a_config_error(sf: SalesforceEmulator, tmp_path: Path) -> None:
    with pytest.raises(SyncError, match="ca_bundle"):
        session_source(sf, ca_bundle=str(tmp_path / "nope.pem"))


# -- secrets ----------------------------------------------------------------------------------


def test_no_secret_in_any_message(sf: SalesforceEmulator) -> None:
    secrets = (sf.password, sf.security_token, sf.session_id)
    messages: list[str] = []
    source = session_source(sf, max_retries=0)
    for fault in (Fault("GET", r"/query", s) for s in (400, 401, 403, 404, 500, 503, 0)):
        sf.faults.append(fault)
        messages.append(failure(lambda: all_accounts(source))[1])
    sf.expire_sessions()
    messages.append(failure(lambda: source.account(ACCOUNT))[1])
    messages.append(failure(lambda: all_accounts(login_source(sf, password="wrong")))[1])
    credentials = SalesforceCredentials(
        "env", username="u", password=sf.password, security_token=sf.security_token
    )
    messages += [repr(credentials), str(credentials)]
    assert len(set(messages)) >= 8
    assert not [m for m in messages for s in secrets if s in m]


# -- the emulator itself ----------------------------------------------------------------------


def test_soql_grammar() -> None:
    query = parse_soql(
        "select Id, name FROM Account WHERE Health_Score__c IN ('Red', 'Amber') "
        "AND ARR__c >= 500000 AND Next_Renewal_Date__c <= 2027-02-22 "
        "AND LastModifiedDate > 2026-11-01T00:00:00Z ORDER BY Name DESC LIMIT 5"
    )
    assert query.fields == ["Id", "Name"] and query.limit == 5
    assert [c.op for c in query.conditions()] == ["IN", ">=", "<=", ">"]
    for bad in (
        "SELECT Id FROM Contact",
        "SELECT Id FROM Account WHERE Name = 1",
        "SELECT Id FROM Account WHERE Health_Score_Date__c > '2026-01-01'",
        "SELECT Id FROM Account WHERE Name = 'a' OR Name = 'b' AND Id != null",
        "SELECT Id, Nope__c FROM Account",
        "DELETE FROM Account",
    ):
        with pytest.raises(SoqlError):
            parse_soql(bad)


def test_the_emulator_refuses_text_longer_than_its_field(sf: SalesforceEmulator) -> None:
    """As Salesforce does from API 15.0 (AllowFieldTruncationHeader, SOAP API guide): a
    value too large fails with STRING_TOO_LONG, naming the field; nothing is applied."""
    health = sf.account(ACCOUNT)["Health_Score__c"]
    response = requests.patch(
        f"{sf.url}/services/data/v59.0/sobjects/Account/{ACCOUNT}",
        json={"Name": "x" * 256, "Health_Score__c": "Red"},
        headers={"Authorization": f"Bearer {sf.session_id}"},
        verify=sf.ca_pem_path,
        timeout=5,
    )
    assert response.status_code == 400
    (body,) = response.json()
    assert body["errorCode"] == "STRING_TOO_LONG" and body["fields"] == ["Name"]
    assert body["message"].endswith("(max length=255)")
    assert sf.account(ACCOUNT)["Health_Score__c"] == health and not sf.writes


def test_malformed_soql_gets_salesforce_error_body(sf: SalesforceEmulator) -> None:
    session = requests.Session()
    response = session.get(
        f"{sf.url}/services/data/v59.0/query/",
        params={"q": "SELECT FROM"},
        headers={"Authorization": f"Bearer {sf.session_id}"},
        verify=sf.ca_pem_path,
    )
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "MALFORMED_QUERY"
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_demo_accounts_differ_from_the_board_as_the_er_call_expects(
    sf: SalesforceEmulator,
) -> None:
    demo = generate(TODAY, count=120)
    linked = {
        account_id_from_url(parse_description(i["description"]).salesforce_url): i
        for i in demo.issues
    }
    assert set(linked) <= set(sf.accounts)
    differs = [
        i
        for a, i in linked.items()
        if read_labels(i["labels"]).health
        and Health.parse(sf.accounts[a]["Health_Score__c"]) is not read_labels(i["labels"]).health
    ]
    assert 2 <= len(differs) <= 20
    orphans = [a for a in sf.accounts.values() if a["Id"] not in linked]
    assert sum(a["Health_Score__c"] in ("Amber", "Red") for a in orphans) == 10
    uncovered = [
        a
        for a in sf.accounts.values()
        if a["ARR__c"] > 500_000
        and not a["TAM__c"]
        and (date.fromisoformat(a["Next_Renewal_Date__c"]) - TODAY).days <= 90
    ]
    assert len(uncovered) >= 6
    stale = [
        a
        for a in sf.accounts.values()
        if (TODAY - date.fromisoformat(a["Health_Score_Date__c"])).days > 35
    ]
    assert stale
    assert SalesforceEmulator.from_demo(TODAY, count=120).accounts == sf.accounts


# -- settings and credentials -----------------------------------------------------------------


def test_salesforce_table_in_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('gitlab_url = "https://gitlab.example.com"\n', encoding="utf-8")
    assert load_settings(path).salesforce is None
    path.write_text(
        '[salesforce]\ninstance_url = "https://acme.my.salesforce.com/"\ndomain = "acme.my"\n'
        'timeout = 12\n[salesforce.fields]\nhealth = "Customer_Health__c"\n',
        encoding="utf-8",
    )
    settings = load_settings(path).salesforce
    assert settings is not None
    assert settings.instance_url == "https://acme.my.salesforce.com" and settings.timeout == 12.0
    assert settings.fields == {**DEFAULT_SALESFORCE_FIELDS, "health": "Customer_Health__c"}
    path.write_text(
        '[salesforce]\n[salesforce.fields]\nhealth_note = "Triage_Reason__c"\n', encoding="utf-8"
    )
    settings = load_settings(path).salesforce
    assert settings is not None and settings.fields["health_note"] == "Triage_Reason__c"
    for bad in (
        "timeout = 'soon'",
        "instance_url = 'http://acme.my.salesforce.com'",
        "domain = 'acme.my.salesforce.com'",
        "api_version = 'v59.0'",
        "ca_bundle = 3",
        "password = 'x'",
        "[salesforce.fields]\nhealthy = 'X__c'",
        "[salesforce.fields]\nhealth_note = 'Not a name!'",
        "[salesforce.fields]\nhealth = 'Name FROM Account --'",
    ):
        path.write_text(f"[salesforce]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError):
            load_settings(path)


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("USERNAME", "PASSWORD", "SECURITY_TOKEN", "INSTANCE_URL", "SESSION_ID"):
        monkeypatch.delenv(f"SALESFORCE_{name}", raising=False)
    assert resolve_salesforce_credentials() is None
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", "https://acme.my.salesforce.com")
    monkeypatch.setenv("SALESFORCE_SESSION_ID", "00Dsecret!session")
    found = resolve_salesforce_credentials()
    assert found is not None and found.uses_session and "secret" not in repr(found)
    monkeypatch.setenv("SALESFORCE_USERNAME", "tam@example.com")
    with pytest.raises(CredentialError, match="SALESFORCE_PASSWORD"):
        resolve_salesforce_credentials()
    monkeypatch.setenv("SALESFORCE_PASSWORD", "pw")
    monkeypatch.setenv("SALESFORCE_SECURITY_TOKEN", "")  # an org trusting this IP range
    found = resolve_salesforce_credentials()
    assert found is not None and not found.uses_session and found.security_token == ""


def test_credentials_from_the_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]
        store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username), None)

    for name in ("USERNAME", "PASSWORD", "SECURITY_TOKEN", "INSTANCE_URL", "SESSION_ID"):
        monkeypatch.delenv(f"SALESFORCE_{name}", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        url = "https://acme.my.salesforce.com"
        stored = SalesforceCredentials("x", username="u", password="p", security_token="t")
        store_salesforce_credentials(stored, url)
        found = resolve_salesforce_credentials(url)
        assert found is not None and (found.username, found.password) == ("u", "p")
        assert found.source == "keyring" and resolve_salesforce_credentials("https://other") is None
    finally:
        keyring.set_keyring(previous)

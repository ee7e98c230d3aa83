"""Signing in to Salesforce with OAuth 2.0, through the real simple-salesforce client over
real HTTPS, against the emulator's token endpoint, and the SOAP login's retirement.

What the emulator refuses is copied from Salesforce's documentation (cited per test):
"OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration", "OAuth 2.0 Client
Credentials Flow", "OAuth 2.0 Device Flow for IoT Integration", the SOAP API's login()
page ("available in API version 64.0 and earlier", "disabled by default for orgs created
in Winter '26 and later"), with the error texts clients report (forcedotcom/wsc#363,
OpenFn/adaptors#1715).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.login import SalesforceLogin

from tests.conftest import TODAY
from tests.sync.salesforce_helpers import (
    login_hosts,
    memory_keyring,
    routed_session,
    settings_for,
)
from triage_emulators.salesforce import SalesforceEmulator, demo_account_id
from triage_emulators.salesforce_oauth import JWT_BEARER
from triage_tui.config import JwtSignIn
from triage_tui.services.salesforce_setup import salesforce_credentials, salesforce_source
from triage_tui.sync.credentials import (
    CLIENT_CREDENTIALS,
    JWT,
    REFRESH_TOKEN,
    SOAP_RETIREMENT,
    SalesforceCredentials,
    resolve_salesforce_credentials,
    store_salesforce_credentials,
)
from triage_tui.sync.errors import SyncError, describe_salesforce, is_salesforce_rejection
from triage_tui.sync.salesforce_oauth import (
    finish_device_flow,
    refresh_access_token,
    start_device_flow,
)
from triage_tui.sync.salesforce_source import SalesforceSource

ACCOUNT = demo_account_id(10)
SYNC_USER = "triage-sync@acme.example"
KEY = "3MVG9emulatedConsumerKey"
SECRET = "emulated-consumer-secret-5678"


@pytest.fixture
def sf() -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator.from_demo(TODAY, count=40) as emulator:
        emulator.clock = lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        emulator.add_user(SYNC_USER)
        yield emulator


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def key_file(tmp_path: Path, sf: SalesforceEmulator) -> Path:
    """A private key whose public half the connected app holds (0600, as it must be)."""
    key = rsa_key()
    path = tmp_path / "salesforce.key"
    path.write_bytes(pem(key))
    path.chmod(0o600)
    sf.oauth.register_app(KEY, certificate=public_pem(key), approved={SYNC_USER})
    return path


def jwt_source(
    sf: SalesforceEmulator, key_file: Path, *, username: str = SYNC_USER, **changes: Any
) -> SalesforceSource:
    credentials = SalesforceCredentials(
        "test", flow=JWT, consumer_key=KEY, username=username, private_key_file=str(key_file)
    )
    return SalesforceSource(settings_for(sf, **changes), credentials, adapters=login_hosts(sf))


def failure(call: Any) -> tuple[BaseException, str]:
    with pytest.raises(Exception) as caught:
        call()
    return caught.value, describe_salesforce(caught.value)


# -- JWT bearer -------------------------------------------------------------------------------


def test_jwt_bearer_signs_a_shared_hosts_sync_user_in(
    sf: SalesforceEmulator, key_file: Path
) -> None:
    source = jwt_source(sf, key_file)
    assert source.account(ACCOUNT).id == ACCOUNT
    assert sf.oauth.grants == [JWT_BEARER] and not sf.logins  # no SOAP login at all
    assert source.notes == []
    # An expired access token: simple-salesforce signs a new assertion by itself.
    sf.expire_sessions()
    assert len([a for page in source.accounts() for a in page]) == len(sf.accounts)
    assert sf.oauth.grants == [JWT_BEARER, JWT_BEARER]


def test_jwt_refusals_are_salesforces_and_say_what_to_do(
    sf: SalesforceEmulator, key_file: Path, tmp_path: Path
) -> None:
    # The app's certificate is another key's: invalid_grant "invalid assertion".
    other = tmp_path / "other.key"
    other.write_bytes(pem(rsa_key()))
    other.chmod(0o600)
    error, message = failure(lambda: jwt_source(sf, other).account(ACCOUNT))
    assert isinstance(error, SalesforceAuthenticationFailed) and error.code == "invalid_grant"
    assert "did not accept the JWT's signature" in message
    # A user the app is not pre-authorized for ("requires prior approval of the client app").
    _, message = failure(lambda: jwt_source(sf, key_file, username=sf.username).account(ACCOUNT))
    assert "has not approved the connected app for this user" in message
    # aud must be https://login.salesforce.com or https://test.salesforce.com: a My Domain
    # login host makes simple-salesforce send https://acme.my.salesforce.com.
    _, message = failure(lambda: jwt_source(sf, key_file, domain="acme.my").account(ACCOUNT))
    assert "audience" in message and '"login"' in message
    assert not is_salesforce_rejection(error)  # a sign-in problem is retried, not dropped


def test_the_emulator_checks_every_claim_of_the_assertion(
    sf: SalesforceEmulator, key_file: Path
) -> None:
    key = key_file.read_bytes()
    url = f"{sf.url}/services/oauth2/token"

    def post(**claims: Any) -> dict[str, Any]:
        payload = {
            "iss": KEY,
            "sub": SYNC_USER,
            "aud": "https://login.salesforce.com",
            "exp": str(int(time.time()) + 180),  # a string, as simple-salesforce sends it
            **claims,
        }
        assertion = jwt.encode(payload, key, algorithm="RS256")
        data = {"grant_type": JWT_BEARER, "assertion": assertion}
        response = requests.post(url, data=data, verify=sf.ca_pem_path, timeout=5)
        return {"status": response.status_code, **response.json()}

    assert post()["status"] == 200 and "access_token" in post()
    assert "refresh_token" not in post()  # the JWT bearer flow never issues one
    assert post(aud="https://test.salesforce.com")["status"] == 200  # a sandbox
    assert post(exp=int(time.time()) - 5)["error_description"] == "expired authorization code"
    assert post(aud="https://evil.example")["error_description"] == "audience is invalid"
    assert post(iss="nobody")["error"] == "invalid_client_id"
    assert post(sub="stranger@acme.example")["error_description"] == (
        "user hasn't approved this consumer"
    )
    unsigned = jwt.encode({"iss": KEY, "sub": SYNC_USER}, "k" * 32, algorithm="HS256")
    response = requests.post(
        url,
        data={"grant_type": JWT_BEARER, "assertion": unsigned},
        verify=sf.ca_pem_path,
        timeout=5,
    )
    assert response.json()["error_description"] == "invalid assertion"
    assert "Sforce-Limit-Info" not in response.headers  # signing in is no API request


def test_a_key_file_others_can_read_is_refused(sf: SalesforceEmulator, key_file: Path) -> None:
    key_file.chmod(0o644)
    with pytest.raises(SyncError, match="chmod 600"):
        jwt_source(sf, key_file)
    key_file.chmod(0o600)
    key_file.write_text("not a key", encoding="utf-8")
    with pytest.raises(SyncError, match="not a PEM private key"):
        jwt_source(sf, key_file).account(ACCOUNT)


def test_jwt_from_the_config_file_needs_no_keyring(sf: SalesforceEmulator, key_file: Path) -> None:
    """A shared host's sync user: [salesforce.jwt] in the config file, no keyring."""
    settings = settings_for(sf, jwt=JwtSignIn(KEY, SYNC_USER, str(key_file)))
    source, problem = salesforce_source(settings, adapters=login_hosts(sf))
    assert problem == "" and source is not None and source.flow == JWT
    assert source.account(ACCOUNT).id == ACCOUNT
    found = salesforce_credentials(settings)
    assert found is not None and found.source == "the config file"


# -- client credentials -----------------------------------------------------------------------


def test_client_credentials_on_the_my_domain(sf: SalesforceEmulator) -> None:
    sf.oauth.register_app(KEY, consumer_secret=SECRET, run_as=SYNC_USER)
    credentials = SalesforceCredentials(
        "test", flow=CLIENT_CREDENTIALS, consumer_key=KEY, consumer_secret=SECRET
    )
    source = SalesforceSource(
        settings_for(sf, domain="acme.my"), credentials, adapters=login_hosts(sf)
    )
    assert source.account(ACCOUNT).id == ACCOUNT and sf.oauth.grants == ["client_credentials"]
    # Only on a My Domain: refused before any request on login/test.
    with pytest.raises(SyncError, match="My Domain"):
        SalesforceSource(settings_for(sf), credentials)
    # ...and Salesforce's own answer there, for a client that sends it anyway.
    response = routed_session(sf).post(
        "https://login.salesforce.com/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": KEY, "client_secret": SECRET},
    )
    assert response.json() == {
        "error": "unsupported_grant_type",
        "error_description": "request not supported on this domain",
    }
    wrong = SalesforceCredentials(
        "test", flow=CLIENT_CREDENTIALS, consumer_key=KEY, consumer_secret="wrong-secret-99"
    )
    source = SalesforceSource(settings_for(sf, domain="acme.my"), wrong, adapters=login_hosts(sf))
    _, message = failure(lambda: source.account(ACCOUNT))
    assert "did not accept the consumer key and secret" in message
    assert "wrong-secret-99" not in message
    sf.oauth.apps[KEY].run_as = ""
    source = SalesforceSource(
        settings_for(sf, domain="acme.my"), credentials, adapters=login_hosts(sf)
    )
    _, message = failure(lambda: source.account(ACCOUNT))
    assert "no run-as user" in message


# -- device flow, then a refresh token at every sync -----------------------------------------


def test_device_flow_then_a_refresh_token_at_each_sync(sf: SalesforceEmulator) -> None:
    sf.oauth.register_app(KEY, device_flow=True)
    sf.oauth.device_interval = 0
    session = routed_session(sf)
    device = start_device_flow(session, "https://login.salesforce.com", KEY)
    assert device.verification_uri == "https://login.salesforce.com/setup/connect"
    polls: list[float] = []

    def person_approves(seconds: float) -> None:  # while the terminal waits
        polls.append(seconds)
        sf.oauth.approve_device(device.user_code, sf.username)

    grant = finish_device_flow(
        session, "https://login.salesforce.com", KEY, device, sleep=person_approves
    )
    assert polls == [1.0] and grant.refresh_token and grant.instance_url == sf.url
    assert sf.oauth.grants == ["device_code", "device", "device"]  # pending, then granted

    credentials = SalesforceCredentials(
        "keyring",
        flow=REFRESH_TOKEN,
        consumer_key=KEY,
        refresh_token=grant.refresh_token,
        instance_url=grant.instance_url,
    )
    source = SalesforceSource(settings_for(sf), credentials)
    assert len([a for page in source.accounts() for a in page]) == len(sf.accounts)
    assert sf.oauth.grants[-1] == "refresh_token"
    # The access token expires within hours: the refresh token gets another, unasked.
    sf.expire_sessions()
    assert source.account(ACCOUNT).id == ACCOUNT
    assert sf.oauth.grants.count("refresh_token") == 2
    # A revoked refresh token: plain, and no token in the words.
    sf.oauth.revoke_refresh_tokens()
    sf.expire_sessions()
    error, message = failure(lambda: source.account(ACCOUNT))
    assert "run `triage-tui auth salesforce` again" in message
    assert grant.refresh_token not in message + repr(credentials) + str(credentials)
    assert not is_salesforce_rejection(error)


def test_device_flow_refusals(sf: SalesforceEmulator) -> None:
    session = routed_session(sf)
    _, message = failure(lambda: start_device_flow(session, "https://login.salesforce.com", KEY))
    assert "knows no connected app with this consumer key" in message
    sf.oauth.register_app(KEY, device_flow=True)
    sf.oauth.device_interval = 0
    device = start_device_flow(session, "https://login.salesforce.com", KEY)
    sf.oauth.deny_device(device.user_code)
    _, message = failure(
        lambda: finish_device_flow(session, "https://login.salesforce.com", KEY, device)
    )
    assert "access_denied" in message
    with pytest.raises(SalesforceAuthenticationFailed):
        refresh_access_token(session, sf.url, KEY, "5Aep-made-up")


# -- SOAP login: off in new orgs, gone from API 65.0 ----------------------------------------


def test_soap_login_is_refused_where_salesforce_refuses_it(sf: SalesforceEmulator) -> None:
    password = SalesforceCredentials(
        "test", username=sf.username, password=sf.password, security_token=sf.security_token
    )
    # The app does not try it at 65.0 and says why.
    with pytest.raises(SyncError, match=r"65\.0.*auth salesforce"):
        SalesforceSource(settings_for(sf, api_version="65.0"), password)
    # ...and the emulator refuses it there, as Salesforce does.
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        SalesforceLogin(
            username=sf.username,
            password=sf.password,
            security_token=sf.security_token,
            sf_version="65.0",
            session=routed_session(sf),
        )
    assert caught.value.code == "INVALID_OPERATION"
    # An org that has not enabled SOAP API login() (the default since Winter '26).
    sf.soap_login_enabled = False
    source = SalesforceSource(settings_for(sf), password, adapters=login_hosts(sf))
    assert source.notes == [SOAP_RETIREMENT]  # working or not, it says it is retiring
    error, message = failure(lambda: source.account(ACCOUNT))
    assert isinstance(error, SalesforceAuthenticationFailed)
    assert "disabled by default in this org" in message and "Summer '27" in message
    assert sf.password not in message


# -- where the credentials come from ----------------------------------------------------------


def test_oauth_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESFORCE_CONSUMER_KEY", KEY)
    monkeypatch.setenv("SALESFORCE_CONSUMER_SECRET", SECRET)
    found = resolve_salesforce_credentials()
    assert found is not None and found.kind == CLIENT_CREDENTIALS
    assert SECRET not in repr(found) + str(found)
    monkeypatch.setenv("SALESFORCE_PRIVATE_KEY_FILE", "~/sf.key")
    with pytest.raises(Exception, match="SALESFORCE_USERNAME"):
        resolve_salesforce_credentials()
    monkeypatch.setenv("SALESFORCE_USERNAME", SYNC_USER)
    found = resolve_salesforce_credentials()
    assert found is not None and found.kind == JWT
    assert found.private_key_file == os.path.expanduser("~/sf.key")


def test_a_refresh_token_round_trips_through_the_keyring() -> None:
    with memory_keyring():
        url = "https://acme.my.salesforce.com"
        stored = SalesforceCredentials(
            "x", flow=REFRESH_TOKEN, consumer_key=KEY, refresh_token="5Aep-secret", instance_url=url
        )
        store_salesforce_credentials(stored, url)
        found = resolve_salesforce_credentials(url)
        assert found is not None and found.kind == REFRESH_TOKEN
        assert (found.refresh_token, found.instance_url) == ("5Aep-secret", url)

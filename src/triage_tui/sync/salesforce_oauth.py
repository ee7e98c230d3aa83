"""The OAuth 2.0 requests simple-salesforce does not make: the device flow and the
refresh-token grant, against Salesforce's token endpoint (/services/oauth2/token).

simple-salesforce signs in with the JWT bearer and client credentials flows itself
(`Salesforce(consumer_key=..., privatekey_file=...)` and `consumer_secret=...`); a
person at a terminal has neither a key pair nor a secret to hand, so they sign in
once with the device flow (a code they enter in any browser: it suits an SSH
session, where no loopback redirect reaches their laptop's browser), we keep the
refresh token in the OS keyring, and each sync trades it for an access token.

The requests go through the source's session (timeouts, the company CA, no
verification off). A refusal raises simple-salesforce's SalesforceAuthenticationFailed
with Salesforce's `error` and `error_description`, as its own token sign-ins do, so
describe_salesforce phrases all of them alike. Nothing here puts a token in an
exception's text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from triage_tui.sync.secrets import keep_out

#: What the device flow asks for: the REST API, and a refresh token to keep.
DEVICE_SCOPE = "api refresh_token"


@dataclass(frozen=True, slots=True)
class DeviceCode:
    """What the person is shown: a code to enter at a URL (from any device)."""

    user_code: str
    verification_uri: str
    interval: int
    device_code: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Grant:
    """A token response: an access token for `instance_url`, and maybe a refresh token."""

    instance_url: str
    access_token: str = field(repr=False)
    refresh_token: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        keep_out(self.access_token, self.refresh_token)


def login_url(domain: str) -> str:
    """The login host for a domain setting ("login", "test", or a My Domain "acme.my")."""
    return f"https://{domain or 'login'}.salesforce.com"


def _post(session: requests.Session, url: str, data: dict[str, str]) -> dict[str, Any]:
    """POST a form to the token endpoint; the JSON answer, or the refusal raised."""
    from simple_salesforce.exceptions import SalesforceAuthenticationFailed

    response = session.post(f"{url.rstrip('/')}/services/oauth2/token", data=data)
    try:
        body = response.json()
    except ValueError:
        raise SalesforceAuthenticationFailed(response.status_code, "not a JSON answer") from None
    if not isinstance(body, dict):
        raise SalesforceAuthenticationFailed(response.status_code, "not a JSON object")
    if response.status_code != 200:
        raise SalesforceAuthenticationFailed(
            str(body.get("error") or response.status_code),
            str(body.get("error_description") or ""),
        )
    return body


def _grant(body: dict[str, Any]) -> Grant:
    from simple_salesforce.exceptions import SalesforceAuthenticationFailed

    access, instance = body.get("access_token"), body.get("instance_url")
    if not isinstance(access, str) or not isinstance(instance, str) or not access:
        raise SalesforceAuthenticationFailed("invalid_response", "no access token in the answer")
    refresh = body.get("refresh_token")
    return Grant(instance.rstrip("/"), access, refresh if isinstance(refresh, str) else "")


def start_device_flow(session: requests.Session, url: str, consumer_key: str) -> DeviceCode:
    """Ask for a user code (response_type=device_code), as the Salesforce CLI does."""
    body = _post(
        session,
        url,
        {"response_type": "device_code", "client_id": consumer_key, "scope": DEVICE_SCOPE},
    )
    interval = body.get("interval")
    try:
        return DeviceCode(
            user_code=str(body["user_code"]),
            verification_uri=str(body["verification_uri"]),
            interval=max(1, int(interval)) if interval is not None else 5,
            device_code=str(body["device_code"]),
        )
    except (KeyError, TypeError, ValueError):
        from simple_salesforce.exceptions import SalesforceAuthenticationFailed

        raise SalesforceAuthenticationFailed("invalid_response", "no device code") from None


def finish_device_flow(
    session: requests.Session,
    url: str,
    consumer_key: str,
    device: DeviceCode,
    *,
    timeout: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Grant:
    """Poll (grant_type=device) every `interval` seconds until the person approves the
    code: the tokens. authorization_pending waits; slow_down adds 5 seconds (RFC 8628);
    a refusal, an expired code or `timeout` raises SalesforceAuthenticationFailed."""
    from simple_salesforce.exceptions import SalesforceAuthenticationFailed

    interval = float(device.interval)
    deadline = time.monotonic() + timeout
    data = {"grant_type": "device", "client_id": consumer_key, "code": device.device_code}
    while True:
        try:
            return _grant(_post(session, url, data))
        except SalesforceAuthenticationFailed as error:
            if error.code == "slow_down":
                interval += 5
            elif error.code != "authorization_pending":
                raise
        if time.monotonic() + interval > deadline:
            raise SalesforceAuthenticationFailed(
                "expired_token", "the code was not approved in time"
            )
        sleep(interval)


def refresh_access_token(
    session: requests.Session,
    url: str,
    consumer_key: str,
    refresh_token: str,
    consumer_secret: str = "",
) -> Grant:
    """A new access token for a refresh token (grant_type=refresh_token)."""
    data = {"grant_type": "refresh_token", "client_id": consumer_key}
    data["refresh_token"] = refresh_token
    if consumer_secret:
        data["client_secret"] = consumer_secret
    return _grant(_post(session, url, data))

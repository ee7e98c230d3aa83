"""Salesforce: which credentials a sync uses, and the adapter built from them.

The order: the environment (an explicit choice for this run), then a JWT sign-in set
in the config file's [salesforce.jwt] (a shared host's sync user, which may have no
keyring), then the OS keyring (what `triage-tui auth salesforce` stored).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from triage_tui.config import SalesforceSettings

if TYPE_CHECKING:
    from triage_tui.sync.credentials import SalesforceCredentials
    from triage_tui.sync.salesforce_schema import Check
    from triage_tui.sync.salesforce_source import SalesforceSource

NO_CREDENTIALS = (
    "No Salesforce sign-in: run `triage-tui auth salesforce`, set [salesforce.jwt] in the "
    "config file, or set SALESFORCE_CONSUMER_KEY with SALESFORCE_PRIVATE_KEY_FILE and "
    "SALESFORCE_USERNAME in the environment."
)


def salesforce_credentials(settings: SalesforceSettings) -> SalesforceCredentials | None:
    """The credentials a sync signs in with, or None. Raises CredentialError."""
    from triage_tui.sync.credentials import (
        JWT,
        SalesforceCredentials,
        resolve_salesforce_credentials,
        salesforce_from_env,
    )

    found = salesforce_from_env()
    if found is None and settings.jwt is not None:
        return SalesforceCredentials(
            "the config file",
            flow=JWT,
            consumer_key=settings.jwt.consumer_key,
            username=settings.jwt.username,
            private_key_file=settings.jwt.private_key_file,
        )
    return found or resolve_salesforce_credentials(settings.instance_url)


def salesforce_source(
    settings: SalesforceSettings, *, adapters: Mapping[str, Any] | None = None
) -> tuple[SalesforceSource | None, str]:
    """The adapter (it signs in on first use), or why there is none."""
    from triage_tui.sync.credentials import CredentialError
    from triage_tui.sync.errors import SyncError
    from triage_tui.sync.salesforce_source import SalesforceSource

    try:
        credentials = salesforce_credentials(settings)
    except CredentialError as error:
        return None, str(error)
    if credentials is None:
        return None, NO_CREDENTIALS
    try:
        return SalesforceSource(settings, credentials, adapters=adapters), ""
    except SyncError as error:
        return None, str(error)


# -- `triage-tui auth salesforce` ---------------------------------------------------------

#: The walkthrough's choices: (name, what it is for), OAuth first.
SIGN_IN_CHOICES = (
    ("device", "you, at this terminal: enter a code in any browser; a refresh token is kept"),
    ("jwt", "a sync user on a shared host: consumer key + private key file, nothing secret"),
    ("client", "client credentials: consumer key + secret, on your My Domain"),
    ("password", "SOAP username + password + security token (old orgs only; retiring)"),
)


class Prompt(Protocol):
    """How the walkthrough talks to the person (the CLI: input/getpass, or stdin lines)."""

    def ask(self, question: str, *, secret: bool = False) -> str: ...
    def say(self, text: str) -> None: ...
    def fail(self, text: str) -> None:
        """Say why nothing was done (the CLI: on stderr)."""


def walk_sign_in(
    settings: SalesforceSettings,
    prompt: Prompt,
    *,
    flow: str = "",
    adapters: Mapping[str, Any] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Walk a person through signing in (asking which way unless `flow` says), try it,
    and keep what it needs: a refresh token or a secret in the OS keyring, a JWT
    sign-in as lines for the config file. Secrets are read by `prompt` (getpass or
    stdin), never from argv. The exit code: 0 done, 2 nothing kept."""
    import requests
    from simple_salesforce.exceptions import SalesforceError

    from triage_tui.sync.credentials import CredentialError
    from triage_tui.sync.errors import SyncError, describe_salesforce

    names = [name for name, _ in SIGN_IN_CHOICES]
    if not flow:
        for number, (name, what) in enumerate(SIGN_IN_CHOICES, 1):
            prompt.say(f"  {number}. {name:8} {what}")
        answer = prompt.ask("How do you sign in to Salesforce? [1] ").strip().lower() or "1"
        flow = names[int(answer) - 1] if answer.isdigit() and 0 < int(answer) <= 4 else answer
    if flow not in names:
        prompt.fail(f"no sign-in called {flow!r}: choose one of {', '.join(names)}.")
        return 2
    walk = {"device": _device, "jwt": _jwt, "client": _client, "password": _password}[flow]
    try:
        return walk(settings, prompt, adapters, sleep)
    except (CredentialError, SyncError, SalesforceError, requests.RequestException) as error:
        # Said plainly, never with a secret (describe_salesforce uses no exception's text).
        prompt.fail(f"{describe_salesforce(error)} Nothing was kept.")
    return 2


def _keyring_key(settings: SalesforceSettings) -> str:
    return settings.instance_url or "default"


def _device(
    settings: SalesforceSettings,
    prompt: Prompt,
    adapters: Mapping[str, Any] | None,
    sleep: Callable[[float], None],
) -> int:
    from triage_tui.sync.credentials import (
        REFRESH_TOKEN,
        SalesforceCredentials,
        store_salesforce_credentials,
    )
    from triage_tui.sync.salesforce_http import build_session
    from triage_tui.sync.salesforce_oauth import finish_device_flow, login_url, start_device_flow

    key = prompt.ask("Consumer key of the connected app (device flow enabled): ").strip()
    secret = prompt.ask(
        "Consumer secret (Enter if the app needs none for refresh tokens): ", secret=True
    ).strip()
    if not key:
        prompt.fail("a consumer key is needed; nothing was kept.")
        return 2
    session = build_session(
        timeout=settings.timeout, ca_bundle=settings.ca_bundle, adapters=adapters
    )
    url = login_url(settings.domain)
    device = start_device_flow(session, url, key)
    prompt.say(f"Open {device.verification_uri} in any browser and enter {device.user_code}")
    prompt.say("(waiting for you to allow access there...)")
    grant = finish_device_flow(session, url, key, device, sleep=sleep)
    if not grant.refresh_token:
        prompt.fail(
            "Salesforce gave no refresh token: the connected app needs the "
            "refresh_token (offline access) scope. Nothing was kept."
        )
        return 2
    store_salesforce_credentials(
        SalesforceCredentials(
            "keyring",
            flow=REFRESH_TOKEN,
            consumer_key=key,
            consumer_secret=secret,
            refresh_token=grant.refresh_token,
            instance_url=grant.instance_url,
        ),
        _keyring_key(settings),
    )
    prompt.say(
        f"Signed in to {grant.instance_url}. The refresh token is in the OS keyring; each "
        "sync trades it for an access token."
    )
    return 0


def _jwt(
    settings: SalesforceSettings,
    prompt: Prompt,
    adapters: Mapping[str, Any] | None,
    sleep: Callable[[float], None],
) -> int:
    from dataclasses import replace

    from triage_tui.config import JwtSignIn
    from triage_tui.sync.credentials import check_private_key_file

    key = prompt.ask("Consumer key of the connected app: ").strip()
    username = prompt.ask("Username the sync acts as (pre-authorized for the app): ").strip()
    key_file = prompt.ask("Private key file (PEM, chmod 600): ").strip()
    if not (key and username and key_file):
        prompt.fail("the JWT sign-in needs all three; nothing was kept.")
        return 2
    jwt = JwtSignIn(key, username, str(Path(key_file).expanduser()))
    check_private_key_file(jwt.private_key_file)
    source, problem = salesforce_source(replace(settings, jwt=jwt), adapters=adapters)
    if source is None:
        prompt.fail(problem)
        return 2
    source.sign_in()
    prompt.say(f"Signed in as {username}. Nothing secret is kept: add this to the config file:")
    prompt.say(
        f'[salesforce.jwt]\nconsumer_key = "{jwt.consumer_key}"\nusername = "{jwt.username}"\n'
        f'private_key_file = "{jwt.private_key_file}"'
    )
    return 0


def _client(
    settings: SalesforceSettings,
    prompt: Prompt,
    adapters: Mapping[str, Any] | None,
    sleep: Callable[[float], None],
) -> int:
    from triage_tui.sync.credentials import (
        CLIENT_CREDENTIALS,
        SalesforceCredentials,
        store_salesforce_credentials,
    )
    from triage_tui.sync.salesforce_source import SalesforceSource

    key = prompt.ask("Consumer key of the connected app: ").strip()
    secret = prompt.ask("Consumer secret: ", secret=True).strip()
    if not (key and secret):
        prompt.fail("a consumer key and secret are needed; nothing was kept.")
        return 2
    credentials = SalesforceCredentials(
        "keyring", flow=CLIENT_CREDENTIALS, consumer_key=key, consumer_secret=secret
    )
    SalesforceSource(settings, credentials, adapters=adapters).sign_in()
    store_salesforce_credentials(credentials, _keyring_key(settings))
    prompt.say("Signed in. The consumer key and secret are in the OS keyring.")
    return 0


def _password(
    settings: SalesforceSettings,
    prompt: Prompt,
    adapters: Mapping[str, Any] | None,
    sleep: Callable[[float], None],
) -> int:
    """Username, password and token into the keyring (never a file), as before OAuth."""
    from triage_tui.sync.credentials import (
        SOAP_RETIREMENT,
        SalesforceCredentials,
        store_salesforce_credentials,
    )

    prompt.say(f"Warning: {SOAP_RETIREMENT}")
    username = prompt.ask("Salesforce username: ").strip()
    password = prompt.ask("Password: ", secret=True)
    token = prompt.ask("Security token: ", secret=True).strip()
    if not (username and password):
        prompt.fail("a username and a password are needed; nothing was kept.")
        return 2
    store_salesforce_credentials(
        SalesforceCredentials(
            "keyring", username=username, password=password, security_token=token
        ),
        _keyring_key(settings),
    )
    prompt.say("Salesforce login stored in the OS keyring.")
    return 0


# -- `triage-tui config check`, the Salesforce half ----------------------------------------


def check_salesforce(
    settings: SalesforceSettings | None, *, adapters: Mapping[str, Any] | None = None
) -> list[Check]:
    """Sign in, describe the Account, and report what would go wrong before a sync: every
    configured field that does not exist, health fields that cannot be written, health
    picklist values that mean no colour, an account filter Salesforce refuses. One Check
    per line; it stops at the first check the others need (the sign-in, the describe)."""
    from triage_tui.sync.errors import describe_salesforce, salesforce_message
    from triage_tui.sync.salesforce_schema import Check, field_checks, lookup_targets

    if settings is None:
        return [Check("Salesforce", note="not configured: no [salesforce] table, nothing to check")]
    source, problem = salesforce_source(settings, adapters=adapters)
    if source is None:
        return [Check("Salesforce sign-in", problem)]
    flow = {
        "jwt": "OAuth JWT bearer",
        "client_credentials": "OAuth client credentials",
        "refresh_token": "OAuth refresh token",
        "password": "SOAP login",
        "session": "a session id",
    }[source.flow]
    try:
        source.sign_in()
    except Exception as error:  # every refusal said plainly, as in a sync
        return [Check(f"Salesforce sign-in ({flow})", describe_salesforce(error, source.fields))]
    checks = [Check(f"Salesforce sign-in ({flow})", note="; ".join(source.notes))]
    try:
        account = source.describe("Account")
        related = {
            relationship: source.describe(target)
            for relationship, target in lookup_targets(account, source.fields).items()
        }
    except Exception as error:
        return [*checks, Check("Salesforce describe of Account", describe_salesforce(error))]
    checks += field_checks(account, related, source.fields, source.health_values)
    if settings.account_filter:
        name = f"Salesforce account filter {settings.account_filter!r}"
        try:
            source.try_filter()
            checks.append(Check(name))
        except Exception as error:
            checks.append(Check(name, f"Salesforce refused it: {salesforce_message(error)}"))
    if source.api_usage is not None:
        used, allowed = source.api_usage
        note = f"{source.api_calls} calls for this check; {used:,} of {allowed:,} used today"
        checks.append(Check("Salesforce API usage", note=note))
    return checks

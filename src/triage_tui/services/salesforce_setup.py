"""Salesforce: which credentials a sync uses, and the adapter built from them.

The order: the environment (an explicit choice for this run), then a JWT sign-in set
in the config file's [salesforce.jwt] (a shared host's sync user, which may have no
keyring), then the OS keyring (what `triage-tui auth salesforce` stored).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from triage_tui.config import SalesforceSettings

if TYPE_CHECKING:
    from triage_tui.sync.credentials import SalesforceCredentials
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

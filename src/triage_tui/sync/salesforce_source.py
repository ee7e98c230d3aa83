"""The Salesforce adapter: simple-salesforce over a session we build, pure mapping.

Salesforce is the system of record for health. This reads Accounts (all of
them, or those changed since a time) and writes a health change guarded by
If-Unmodified-Since, so a score a TAM changed in Salesforce meanwhile is never
overwritten unseen, and the reason is added to what the account holds, never written
over it. simple-salesforce is imported on first use: the board must not pay for it at
start-up.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from triage_tui.domain.accounts import Account, holds_reason
from triage_tui.domain.health import Health
from triage_tui.sync.credentials import SalesforceCredentials
from triage_tui.sync.errors import SalesforceConflict, SyncError
from triage_tui.sync.salesforce_mapping import (
    account_from_salesforce,
    accounts_soql,
    checked_fields,
    health_update,
    http_date,
    written_reason,
)

if TYPE_CHECKING:
    import requests
    from simple_salesforce.api import Salesforce

    from triage_tui.sync.salesforce_http import SalesforceAdapter

__all__ = ["SalesforceConflict", "SalesforceConnection", "SalesforceSource"]

_RECORD_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
CLIENT_ID = "triage-tui"


class SalesforceConnection(Protocol):
    """What the adapter needs of triage_tui.config.SalesforceSettings (the sync layer may
    not import the config layer; services passes the settings in)."""

    @property
    def instance_url(self) -> str: ...
    @property
    def domain(self) -> str: ...
    @property
    def api_version(self) -> str: ...
    @property
    def ca_bundle(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    @property
    def fields(self) -> Mapping[str, str]: ...


class SalesforceSource:
    """Reads and writes Accounts in one org. Blocking: call from a worker thread.

    Construction checks the settings (SyncError with a plain message) but does not touch
    the network: the login happens on first use, so its failure reaches the sync's report.
    """

    def __init__(
        self,
        settings: SalesforceConnection,
        credentials: SalesforceCredentials,
        *,
        max_retries: int = 2,
        adapters: Mapping[str, SalesforceAdapter] | None = None,
    ) -> None:
        """`adapters`: extra transport adapters by URL prefix (tests route the SOAP login
        host, which cannot point at loopback, to an emulator); they keep the timeout,
        certificate checks and retries of every other request."""
        from triage_tui.sync.salesforce_http import build_session

        try:
            self.fields = checked_fields(settings.fields)
        except ValueError as error:
            raise SyncError(f"[salesforce.fields]: {error}.") from None
        if settings.ca_bundle and not Path(settings.ca_bundle).is_file():
            raise SyncError(
                f"The ca_bundle {settings.ca_bundle} under [salesforce] is not a file: "
                "set it to your company's CA bundle (PEM)."
            )
        if credentials.uses_session and not (credentials.instance_url or settings.instance_url):
            raise SyncError(
                "A Salesforce session id needs the instance URL ([salesforce] instance_url)."
            )
        self.settings = settings
        self._credentials = credentials
        self._lock = threading.Lock()
        self._client: Salesforce | None = None
        self.api_usage: tuple[int, int] | None = None
        """(used, allowed) API requests in the org today, from the last Sforce-Limit-Info."""
        self.session: requests.Session = build_session(
            timeout=settings.timeout,
            ca_bundle=settings.ca_bundle,
            max_retries=max_retries,
            adapters=adapters,
        )

    # -- the client -----------------------------------------------------------------------

    def _sf(self) -> Salesforce:
        """The logged-in client (SOAP login with username/password, or the session id)."""
        from simple_salesforce.api import Salesforce

        with self._lock:
            if self._client is None:
                creds, settings = self._credentials, self.settings
                common: dict[str, Any] = {
                    "version": settings.api_version,
                    "session": self.session,
                    "object_pairs_hook": dict,
                }
                if creds.uses_session:
                    self._client = Salesforce(
                        session_id=creds.session_id,
                        instance_url=creds.instance_url or settings.instance_url,
                        **common,
                    )
                else:
                    self._client = Salesforce(
                        username=creds.username,
                        password=creds.password,
                        security_token=creds.security_token,
                        domain=settings.domain or "login",
                        client_id=CLIENT_ID,
                        **common,
                    )
            return self._client

    def _relogin(self) -> bool:
        """Forget an expired session; True when a new login can be made (not a session id)."""
        with self._lock:
            self._client = None
        return not self._credentials.uses_session

    def _account_api(self, *, refresh_session: bool = True) -> Any:
        """The Account sobject endpoint. Without `refresh_session`, a 401 is raised instead
        of simple-salesforce logging in again and resending the request without the extra
        headers it was given (it drops them on that retry: If-Unmodified-Since would go)."""
        from simple_salesforce.api import SFType

        sf = self._sf()
        return SFType(
            "Account",
            sf.session_id,
            sf.sf_instance,
            sf_version=sf.sf_version,
            session=self.session,
            salesforce=sf if refresh_session else None,
            object_pairs_hook=dict,
        )

    def _remember_usage(self, client: Any) -> None:
        usage = client.api_usage.get("api-usage")
        if usage:
            self.api_usage = (int(usage[0]), int(usage[1]))

    # -- reads ----------------------------------------------------------------------------

    def accounts(self, modified_after: datetime | None = None) -> Iterator[list[Account]]:
        """Every Account (or those modified at or after `modified_after`), a page at a
        time, oldest change first, following nextRecordsUrl until Salesforce says done."""
        sf = self._sf()
        result = sf.query(accounts_soql(self.fields, modified_after))
        while True:
            self._remember_usage(sf)
            yield [account_from_salesforce(r, self.fields) for r in result.get("records", [])]
            next_url = result.get("nextRecordsUrl")
            if result.get("done", True) or not next_url:
                return
            result = sf.query_more(next_url, identifier_is_url=True)

    def account(self, account_id: str) -> Account:
        return account_from_salesforce(self._record(account_id), self.fields)

    def _record(self, account_id: str) -> dict[str, Any]:
        """The account's record as Salesforce sends it (every field, raw)."""
        api = self._account_api()
        record = api.get(_checked_id(account_id))
        self._remember_usage(api)
        return record if isinstance(record, dict) else {}

    # -- writes ---------------------------------------------------------------------------

    def update_health(
        self,
        account_id: str,
        health: Health,
        health_date: date,
        reason: str,
        *,
        unmodified_since: str,
    ) -> Account:
        """Write the score and its date, and add `reason` (one dated line) below the
        health score reasons already there (or put it in `health_note` when the config
        names one), unless the account changed in Salesforce after `unmodified_since`
        (its LastModifiedDate as the person saw it): then SalesforceConflict, carrying the
        account as it is now. Returns the account read back after the write.

        The account is read first, for the text the line goes below. An account that
        already holds this score, date and line (an earlier attempt landed before its
        answer was lost) counts as done and is not written again, so the line is never
        added twice. With `unmodified_since` "" (the person's choice to write over what
        Salesforce has now) the write is guarded by the time just read instead, so the
        text added to is the text there."""
        from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

        account_id = _checked_id(account_id)
        given = unmodified_since
        if given and http_date(given) is None:
            raise SyncError(
                "The account's last-modified time is unreadable; sync accounts again first."
            )
        record = self._record(account_id)
        current = account_from_salesforce(record, self.fields)
        if self._already_written(record, current, health, health_date, reason):
            return current
        since = http_date(given or current.last_modified)
        headers = {"If-Unmodified-Since": since} if since is not None else {}
        body = health_update(self.fields, health, health_date, reason, record)
        try:
            try:
                self._account_api(refresh_session=False).update(account_id, body, headers=headers)
            except SalesforceExpiredSession:
                if not self._relogin():
                    raise
                self._account_api(refresh_session=False).update(account_id, body, headers=headers)
        except SalesforceError as error:
            if error.status != 412:
                raise
            record = self._record(account_id)
            current = account_from_salesforce(record, self.fields)
            if self._already_written(record, current, health, health_date, reason):
                return current
            raise SalesforceConflict(current) from None
        return self.account(account_id)

    def _already_written(
        self,
        record: Mapping[str, Any],
        current: Account,
        health: Health,
        health_date: date,
        reason: str,
    ) -> bool:
        return (
            current.health is health
            and current.health_date == health_date
            and holds_reason(written_reason(self.fields, record), reason)
        )


def _checked_id(account_id: str) -> str:
    """A record id goes into the URL path: nothing but 15 or 18 letters and digits."""
    if not _RECORD_ID.fullmatch(account_id):
        raise SyncError(f"Not a Salesforce record id: {account_id[:40]!r}.")
    return account_id

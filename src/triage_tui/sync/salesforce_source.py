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
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from triage_tui.domain.accounts import Account, holds_reason
from triage_tui.domain.health import Health
from triage_tui.domain.soql import filter_problem
from triage_tui.sync.credentials import (
    CLIENT_CREDENTIALS,
    JWT,
    PASSWORD,
    REFRESH_TOKEN,
    SESSION,
    SOAP_RETIREMENT,
    CredentialError,
    SalesforceCredentials,
    check_private_key_file,
)
from triage_tui.sync.errors import SalesforceConflict, SyncError
from triage_tui.sync.salesforce_mapping import (
    account_from_salesforce,
    accounts_soql,
    checked_fields,
    health_update,
    http_date,
    unmapped_health,
    written_reason,
)

if TYPE_CHECKING:
    import requests
    from simple_salesforce.api import Salesforce

    from triage_tui.sync.salesforce_http import SalesforceAdapter

__all__ = ["SalesforceConflict", "SalesforceConnection", "SalesforceSource"]

_RECORD_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_API_USAGE = re.compile(r"(?:^|[^-])api-usage=(\d+)/(\d+)")
_T = TypeVar("_T")
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
    @property
    def health_values(self) -> Mapping[str, str]: ...
    @property
    def account_filter(self) -> str: ...


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
        if problem := filter_problem(settings.account_filter):
            raise SyncError(f"[salesforce] account_filter cannot be used: {problem}.")
        self.health_values: Mapping[str, str] = dict(settings.health_values)
        """The org's health values -> colour labels (see salesforce_mapping)."""
        self.unmapped_health: Counter[str] = Counter()
        """Health values read that mean no colour -> how many accounts had them."""
        if settings.ca_bundle and not Path(settings.ca_bundle).is_file():
            raise SyncError(
                f"The ca_bundle {settings.ca_bundle} under [salesforce] is not a file: "
                "set it to your company's CA bundle (PEM)."
            )
        self.notes: list[str] = _sign_in_problems(settings, credentials)
        """What a person should know about this sign-in (shown in the sync report)."""
        self.settings = settings
        self._credentials = credentials
        self._lock = threading.Lock()
        self._client: Salesforce | None = None
        self.api_usage: tuple[int, int] | None = None
        """(used, allowed) API requests in the org today, from the last Sforce-Limit-Info."""
        self.api_calls = 0
        """REST API requests this source made (what counts toward the org's daily limit)."""
        self.session: requests.Session = build_session(
            timeout=settings.timeout,
            ca_bundle=settings.ca_bundle,
            max_retries=max_retries,
            adapters=adapters,
        )
        self.session.hooks["response"].append(self._count)

    def _count(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        """Count REST API answers and keep the org's usage from Sforce-Limit-Info (sign-in
        answers carry none: they count toward the login rate, not the API limit)."""
        limit = response.headers.get("Sforce-Limit-Info") or ""
        if "/services/data/" in (response.url or "") and response.status_code != 401:
            self.api_calls += 1
        if match := _API_USAGE.search(limit):
            self.api_usage = (int(match.group(1)), int(match.group(2)))

    # -- the client -----------------------------------------------------------------------

    @property
    def flow(self) -> str:
        """How this source signs in (one of credentials.FLOWS)."""
        return self._credentials.kind

    def _sf(self) -> Salesforce:
        """The signed-in client, by the credentials' flow (see credentials.FLOWS)."""
        with self._lock:
            if self._client is None:
                self._client = self._sign_in()
            return self._client

    def _sign_in(self) -> Salesforce:
        from simple_salesforce.api import Salesforce

        creds, settings = self._credentials, self.settings
        domain = settings.domain or "login"
        common: dict[str, Any] = {
            "version": settings.api_version,
            "session": self.session,
            "object_pairs_hook": dict,
        }
        kind = creds.kind
        if kind == SESSION:
            return Salesforce(
                session_id=creds.session_id,
                instance_url=creds.instance_url or settings.instance_url,
                **common,
            )
        if kind == JWT:
            import jwt

            # simple-salesforce signs the assertion (iss: consumer key, sub: username,
            # aud: https://{domain}.salesforce.com, 3 minutes) and posts it to that host.
            try:
                return Salesforce(
                    username=creds.username,
                    consumer_key=creds.consumer_key,
                    privatekey_file=creds.private_key_file,
                    domain=domain,
                    **common,
                )
            except (ValueError, TypeError, jwt.PyJWTError) as error:  # not an RSA key
                raise SyncError(
                    f"The private key file {creds.private_key_file} is not a PEM private key "
                    f"({type(error).__name__}): point private_key_file at the key whose "
                    "certificate the connected app holds."
                ) from None
        if kind == CLIENT_CREDENTIALS:
            return Salesforce(
                consumer_key=creds.consumer_key,
                consumer_secret=creds.consumer_secret,
                domain=domain,
                **common,
            )
        if kind == REFRESH_TOKEN:
            from triage_tui.sync.salesforce_oauth import login_url, refresh_access_token

            grant = refresh_access_token(
                self.session,
                creds.instance_url or settings.instance_url or login_url(domain),
                creds.consumer_key,
                creds.refresh_token,
                creds.consumer_secret,
            )
            return Salesforce(
                session_id=grant.access_token, instance_url=grant.instance_url, **common
            )
        return Salesforce(
            username=creds.username,
            password=creds.password,
            security_token=creds.security_token,
            domain=domain,
            client_id=CLIENT_ID,
            **common,
        )

    def _relogin(self) -> bool:
        """Forget an expired session; True when a new login can be made (not a session id)."""
        with self._lock:
            self._client = None
        return not self._credentials.uses_session

    def _renewing(self, call: Callable[[Salesforce], _T]) -> _T:
        """`call(client)`, signing in again once when the access token has expired and
        simple-salesforce cannot (it renews only the sessions it signed in itself: an
        access token from a refresh token it was handed is one it cannot)."""
        from simple_salesforce.exceptions import SalesforceExpiredSession

        try:
            return call(self._sf())
        except SalesforceExpiredSession:
            if self.flow != REFRESH_TOKEN or not self._relogin():
                raise
            return call(self._sf())

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

    # -- reads ----------------------------------------------------------------------------

    def accounts(self, modified_after: datetime | None = None) -> Iterator[list[Account]]:
        """Every Account (or those modified at or after `modified_after`), a page at a
        time, oldest change first, following nextRecordsUrl until Salesforce says done."""
        soql = accounts_soql(self.fields, modified_after, self.settings.account_filter)
        result = self._renewing(lambda sf: sf.query(soql))
        while True:
            records = result.get("records", [])
            for record in records:
                if (value := unmapped_health(record, self.fields, self.health_values)) is not None:
                    self.unmapped_health[value] += 1
            yield [account_from_salesforce(r, self.fields, self.health_values) for r in records]
            next_url = result.get("nextRecordsUrl")
            if result.get("done", True) or not next_url:
                return
            result = self._query_more(next_url)

    def _query_more(self, next_url: str) -> Any:
        return self._renewing(lambda sf: sf.query_more(next_url, identifier_is_url=True))

    def account(self, account_id: str) -> Account:
        return account_from_salesforce(self._record(account_id), self.fields, self.health_values)

    def _record(self, account_id: str) -> dict[str, Any]:
        """The account's record as Salesforce sends it (raw), as it is now. With a lookup
        among the fields (`Owner.Name`) this is a query: an sobject GET returns the
        Account's own fields (OwnerId), not the related record's."""
        account_id = _checked_id(account_id)
        if not any("." in name for name in self.fields.values()):
            record = self._renewing(lambda _: self._account_api().get(account_id))
            return record if isinstance(record, dict) else {}
        soql = accounts_soql(self.fields, account_id=account_id)
        records = self._renewing(lambda sf: sf.query(soql)).get("records") or []
        if not records:
            from simple_salesforce.exceptions import SalesforceResourceNotFound

            # As simple-salesforce raises it: the parsed JSON error array as the content.
            body: Any = [
                {"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}
            ]
            raise SalesforceResourceNotFound(soql, 404, "Account", body)
        return dict(records[0])

    def try_filter(self) -> None:
        """Send the account filter once (LIMIT 1): Salesforce says whether its fields,
        operators and values are right. Raises what the query raises."""
        names = self.fields
        soql = f"SELECT {names['id']} FROM Account WHERE ({self.settings.account_filter}) LIMIT 1"
        self._renewing(lambda sf: sf.query(soql))

    def describe(self, sobject: str = "Account") -> dict[str, Any]:
        """The sobject's describe (fields with type, updateable, calculated, picklist
        values, relationship names): what `config check` and the write check read."""
        described = self._renewing(lambda sf: getattr(sf, sobject).describe())
        return described if isinstance(described, dict) else {}

    def sign_in(self) -> None:
        """Sign in now (the first request does it otherwise): `config check` reports it."""
        self._sf()

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
        current = account_from_salesforce(record, self.fields, self.health_values)
        if self._already_written(record, current, health, health_date, reason):
            return current
        since = http_date(given or current.last_modified)
        headers = {"If-Unmodified-Since": since} if since is not None else {}
        body = health_update(
            self.fields, health, health_date, reason, record, health_values=self.health_values
        )
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


def _sign_in_problems(
    settings: SalesforceConnection, credentials: SalesforceCredentials
) -> list[str]:
    """SyncError for a sign-in that cannot work as set; the notes for one that works."""
    kind = credentials.kind
    if kind == SESSION and not (credentials.instance_url or settings.instance_url):
        raise SyncError(
            "A Salesforce session id needs the instance URL ([salesforce] instance_url)."
        )
    if kind == PASSWORD:
        if float(settings.api_version) >= 65.0:
            raise SyncError(
                f"SOAP login() does not exist from API version 65.0 (api_version is "
                f"{settings.api_version}): sign in with OAuth (`triage-tui auth salesforce`), "
                'or, until Summer \'27, set api_version = "64.0" under [salesforce].'
            )
        return [SOAP_RETIREMENT]
    if kind == JWT:
        try:
            check_private_key_file(credentials.private_key_file)
        except CredentialError as error:
            raise SyncError(str(error)) from None
    if kind == CLIENT_CREDENTIALS and (settings.domain or "login") in ("login", "test"):
        raise SyncError(
            "The client credentials sign-in works only on your org's My Domain: set domain "
            'under [salesforce] to it, e.g. "acme.my" for https://acme.my.salesforce.com.'
        )
    return []


def _checked_id(account_id: str) -> str:
    """A record id goes into the URL path: nothing but 15 or 18 letters and digits."""
    if not _RECORD_ID.fullmatch(account_id):
        raise SyncError(f"Not a Salesforce record id: {account_id[:40]!r}.")
    return account_id

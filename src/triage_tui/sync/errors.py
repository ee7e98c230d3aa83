"""Turning client exceptions into sentences a TAM can act on.

The sync never raises into the UI: every failure becomes a message in the report.
Nothing here ever includes a token (python-gitlab's exceptions do not carry it,
and request URLs carry the project, not credentials), nor a Salesforce password,
security token or session id (only error codes and Salesforce's messages are used,
never str() of an exception, whose text carries the request URL and body).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from triage_tui.domain.accounts import Account
from triage_tui.domain.failure import PhrasedError
from triage_tui.domain.text import clean_line
from triage_tui.sync.credentials import SOAP_RETIREMENT, CredentialError
from triage_tui.sync.secrets import masked


class SyncError(Exception):
    """A failure already phrased for a person."""


def describe(error: BaseException, url: str) -> str:
    """A one-line, plain description of a GitLab client failure, with no secret in it
    (what answered may have quoted the token it was sent: sync.secrets)."""
    return masked(_describe_gitlab(error, url))


def _describe_gitlab(error: BaseException, url: str) -> str:
    import gitlab.exceptions as gle
    import requests

    if isinstance(error, (SyncError, PhrasedError)):  # (a cache that could not be written)
        return str(error)
    if isinstance(error, gle.GitlabAuthenticationError):
        said = clean_line(str(error.error_message or ""))[:200]
        return (
            f"GitLab refused the token (401): it may be expired or revoked "
            f"({url} said: {said or 'no reason given'}). The cache and the edits waiting "
            "to be pushed are kept: run `triage-tui auth login` with a new token."
        )
    if isinstance(error, gle.GitlabError):
        code = error.response_code
        message = clean_line(str(error.error_message or ""))[:200]
        if code == 403:
            return f"GitLab refused access (403): the token may not do this. {message}"
        if code == 404:
            return f"GitLab says the project or issue does not exist (404): {message}"
        if code == 429:
            return "GitLab is rate-limiting this token (429); try again in a minute."
        if code is not None and code >= 500:
            return f"GitLab had a server error ({code}); try again shortly."
        return f"GitLab answered {code}: {message}"
    if isinstance(error, requests.exceptions.Timeout):
        return f"GitLab at {url} did not answer in time; working offline from the cache."
    if isinstance(error, requests.exceptions.ConnectionError):
        return f"Cannot reach GitLab at {url}; working offline from the cache."
    if isinstance(error, (ValueError, KeyError, TypeError)):
        return f"GitLab sent something unexpected ({type(error).__name__}); the cache was kept."
    return f"Sync failed: {type(error).__name__}"


def is_rejection(error: BaseException) -> bool:
    """GitLab refused this request itself (400, 403, 404, 409, 422): sending it again
    unchanged would fail again, so the edit waits for the person. Anything else (no
    network, timeouts, 429, 5xx, an expired token) is worth retrying later unchanged."""
    import gitlab.exceptions as gle

    if isinstance(error, gle.GitlabAuthenticationError):
        return False
    if isinstance(error, gle.GitlabError):
        code = error.response_code
        return code is not None and 400 <= code < 500 and code != 429
    return False


# -- Salesforce ---------------------------------------------------------------------------


class SalesforceConflict(SyncError):
    """A health write refused with 412: the account changed in Salesforce after it was
    read. `current` is the account as it is now, for the person to settle against."""

    def __init__(self, current: Account) -> None:
        self.current = current
        health = current.health.label if current.health is not None else "no health score"
        when = (
            f", confirmed {current.health_date.isoformat()}"
            if current.health_date is not None
            else ""
        )
        super().__init__(
            f"{current.name or current.id} changed in Salesforce since it was read "
            f"(now {health}{when}); nothing was written."
        )


def _salesforce_body(content: object) -> tuple[str, str]:
    """(errorCode, message) from Salesforce's JSON error array, cleaned for the screen."""
    first = content[0] if isinstance(content, list) and content else content
    if isinstance(first, dict):
        code, message = str(first.get("errorCode") or ""), str(first.get("message") or "")
    else:
        code, message = "", str(first or "")
    code = code if re.fullmatch(r"[A-Z_]{1,60}", code) else ""
    return code, clean_line(message)


def _field_setting(message: str, fields: Mapping[str, str] | None) -> str:
    """The config key to fix when Salesforce names a field it does not have."""
    match = re.search(r"No such column '([A-Za-z0-9_.]+)'", message)
    if not match:
        return "Check the field API names under [salesforce.fields] in the config file."
    api_name = match.group(1)
    logical = next((k for k, v in (fields or {}).items() if v.lower() == api_name.lower()), None)
    if logical is None:
        return f"Salesforce has no Account field {api_name}: check [salesforce.fields]."
    return (
        f"Salesforce has no Account field {api_name}: set `{logical}` under "
        "[salesforce.fields] in the config file to your org's API name for it."
    )


def salesforce_message(error: BaseException) -> str:
    """Salesforce's own words for a refused request ("MALFORMED_QUERY: unexpected token:
    'OR'"), for a person checking what they wrote; describe_salesforce otherwise."""
    from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

    if isinstance(error, SalesforceError) and not isinstance(error, SalesforceAuthenticationFailed):
        code, message = _salesforce_body(error.content)
        # A field error quotes the whole query first: keep the sentence that names it.
        found = re.search(
            r"(No such column '[^']*' on entity '[^']*'|Didn't understand "
            r"relationship '[^']*')",
            message,
        )
        text = found.group(1) if found else message
        return f"{code}: {text}"[:300] if code else text[:300] or describe_salesforce(error)
    return describe_salesforce(error)


def describe_salesforce(error: BaseException, fields: Mapping[str, str] | None = None) -> str:
    """A one-line, plain description of a Salesforce client failure. `fields` (logical ->
    API name, as configured) lets an unknown-field error name the setting to change.
    Never includes a password, security token or session id: only fixed sentences, error
    codes and Salesforce's messages are used, and any secret those quote is masked."""
    return masked(_describe_salesforce(error, fields))


def _describe_salesforce(error: BaseException, fields: Mapping[str, str] | None) -> str:
    import requests
    from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

    if isinstance(error, (SyncError, CredentialError)):
        return str(error)
    if isinstance(error, SalesforceAuthenticationFailed):
        return _describe_sign_in(
            error.code, clean_line(str(getattr(error, "auth_message", "") or ""))[:200]
        )
    if isinstance(error, SalesforceError):
        return _describe_rest(error.status, *_salesforce_body(error.content), fields=fields)
    if isinstance(error, requests.exceptions.SSLError):
        return (
            "Cannot connect to Salesforce securely because the certificate is not trusted: "
            "set ca_bundle under [salesforce] to your company's CA bundle (PEM)."
        )
    if isinstance(error, requests.exceptions.Timeout) or _timed_out(error):
        return "Salesforce did not answer in time; the accounts were kept as they were."
    if isinstance(error, requests.exceptions.ConnectionError):
        return "Cannot reach Salesforce; the accounts were kept as they were."
    if isinstance(error, OSError) and "CA certificate bundle" in str(error):
        return "The ca_bundle file under [salesforce] cannot be read: set it to a PEM file."
    if isinstance(error, (ValueError, KeyError, TypeError)):
        return f"Salesforce sent something unexpected ({type(error).__name__})."
    return f"Salesforce sync failed: {type(error).__name__}"


#: OAuth refusals (Salesforce's `error_description`) -> what to do about them.
_OAUTH_FIXES = {
    "expired access/refresh token": (
        "Salesforce no longer accepts the saved sign-in (its refresh token expired or was "
        "revoked): run `triage-tui auth salesforce` again."
    ),
    "user hasn't approved this consumer": (
        "Salesforce has not approved the connected app for this user: an admin sets its "
        'Permitted Users to "Admin approved users are pre-authorized" and adds the user\'s '
        "profile or permission set."
    ),
    "audience is invalid": (
        'Salesforce refused the JWT\'s audience: set domain under [salesforce] to "login" '
        '(production) or "test" (a sandbox).'
    ),
    "invalid assertion": (
        "Salesforce did not accept the JWT's signature: the connected app's certificate "
        "must be the one made from the private key file."
    ),
    "expired authorization code": (
        "Salesforce found the JWT already expired: check this machine's clock."
    ),
    "client identifier invalid": (
        "Salesforce knows no connected app with this consumer key: copy it again from the app."
    ),
    "invalid client credentials": (
        "Salesforce did not accept the consumer key and secret: copy them again from the app."
    ),
    "no client credentials user enabled": (
        "The connected app has no run-as user for the client credentials flow: an admin sets "
        "one in the app's OAuth policies."
    ),
    "request not supported on this domain": (
        "The client credentials flow works only on your My Domain: set domain under "
        '[salesforce] to it, e.g. "acme.my".'
    ),
}


def _describe_sign_in(code: object, message: str) -> str:
    """A refused sign-in: SOAP faults have upper-case codes (INVALID_LOGIN), OAuth errors
    lower-case ones (invalid_grant) with Salesforce's description, which names no secret."""
    if isinstance(code, int) and code >= 500:
        return f"Salesforce's login service had a server error ({code}); try again shortly."
    if isinstance(code, str) and re.fullmatch(r"[a-z_]{1,60}", code):
        fix = _OAUTH_FIXES.get(message.strip().lower())
        return fix or f"Salesforce refused the sign-in ({code}): {message or 'no reason given'}."
    shown = code if isinstance(code, str) and re.fullmatch(r"[A-Z_]{1,60}", code) else ""
    if shown == "INVALID_OPERATION":
        return f"Salesforce refused the SOAP login: {message} {SOAP_RETIREMENT}"
    if shown == "INSUFFICIENT_ACCESS":
        return (
            "Salesforce refused the SOAP login: the user lacks the Use Any API Auth "
            f"permission. {SOAP_RETIREMENT}"
        )
    return (
        f"Salesforce did not accept the username, password or security token"
        f"{f' ({shown})' if shown else ''}. "
        "Check them (a reset password comes with a new security token)."
    )


def _timed_out(error: BaseException) -> bool:
    """requests reports a read timeout that used up urllib3's retries as a ConnectionError
    wrapping MaxRetryError(reason=ReadTimeoutError): look at the reason."""
    import urllib3.exceptions

    reason = getattr(error.args[0], "reason", None) if error.args else None
    # NewConnectionError (refused, unreachable) subclasses ConnectTimeoutError in urllib3.
    return isinstance(reason, urllib3.exceptions.TimeoutError) and not isinstance(
        reason, urllib3.exceptions.NewConnectionError
    )


def _describe_rest(
    status: int, code: str, message: str, *, fields: Mapping[str, str] | None
) -> str:
    if status == 401 or code == "INVALID_SESSION_ID":
        return (
            "Salesforce says the session has expired or is invalid: sign in again "
            "(a new session id, or username, password and security token)."
        )
    if code == "REQUEST_LIMIT_EXCEEDED":
        return "Salesforce's API limit for today is used up; the sync will try again later."
    if code in ("INVALID_FIELD", "MALFORMED_QUERY") or "No such column" in message:
        return _field_setting(message, fields)
    if status == 412 or code == "PRECONDITION_FAILED":
        return "The account changed in Salesforce since it was read; nothing was written."
    if code == "STRING_TOO_LONG":
        # "Health Score Reasons: data value too large: <the whole text> (max length=N)"
        field = message.split(":", 1)[0][:80]
        limit = re.search(r"max length=(\d+)\)?$", message)
        most = f" (it holds at most {limit.group(1)} characters)" if limit else ""
        return (
            f"Salesforce's {field} field is full{most}: nothing was written. Make room in "
            "it in Salesforce, or name a field of its own for the triage's reasons "
            "(`health_note` under [salesforce.fields] in the config file)."
        )
    message = message[:200]
    if status == 403:
        return f"Salesforce refused the request (403 {code}): the user may lack access. {message}"
    if status == 404:
        return f"Salesforce has no such account or resource (404). {message}".rstrip()
    if status >= 500:
        return f"Salesforce had a server error ({status}); try again shortly."
    return f"Salesforce answered {status} {code}: {message}".rstrip(": ")


def is_salesforce_rejection(error: BaseException) -> bool:
    """Salesforce refused this write itself (a 4xx such as a bad picklist value, a missing
    field, a conflict): sending it unchanged would fail again, so it waits for a person.
    An expired session, the daily API limit, 429, 5xx and network trouble are retried."""
    from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

    if isinstance(error, SalesforceConflict):
        return True
    if isinstance(error, SalesforceAuthenticationFailed) or not isinstance(error, SalesforceError):
        return False
    code, _ = _salesforce_body(error.content)
    if error.status in (401, 429) or code in ("REQUEST_LIMIT_EXCEEDED", "INVALID_SESSION_ID"):
        return False
    return 400 <= error.status < 500

"""Turning client exceptions into sentences a TAM can act on.

The sync never raises into the UI: every failure becomes a message in the report.
Nothing here ever includes a token (python-gitlab's exceptions do not carry it,
and request URLs carry the project, not credentials).
"""

from __future__ import annotations


class SyncError(Exception):
    """A failure already phrased for a person."""


def describe(error: BaseException, url: str) -> str:
    """A one-line, plain description of a GitLab client failure."""
    import gitlab.exceptions as gle
    import requests

    if isinstance(error, SyncError):
        return str(error)
    if isinstance(error, gle.GitlabAuthenticationError):
        return (
            f"GitLab at {url} did not accept the token (401): it may be expired or revoked. "
            "Run `triage-tui auth login` with a new token."
        )
    if isinstance(error, gle.GitlabError):
        code = error.response_code
        message = str(error.error_message or "")[:200]
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

"""The requests session simple-salesforce runs on: verification, timeouts, retries.

simple-salesforce passes no timeout to requests (a stalled org would hang the
sync forever) and retries nothing but an expired session. Its `session=`
argument lets us supply both: every request goes through SalesforceAdapter,
which applies a default timeout and retries reads (GET) after dropped
connections and 502/503/504. Writes and the SOAP login are not retried here:
a write that reached Salesforce before the connection dropped would be sent
twice; the outbox retries those after reading the record back.

Imported lazily by salesforce_source (requests is not free at start-up).
"""

from __future__ import annotations

from collections.abc import Mapping

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

TimeoutType = float | tuple[float | None, float | None] | None


def _retry(max_retries: int) -> Retry:
    return Retry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        allowed_methods=frozenset({"GET", "HEAD"}),
        status_forcelist=(502, 503, 504),
        backoff_factor=0.25,
        backoff_max=4.0,
        respect_retry_after_header=True,
        raise_on_status=False,  # the last 503 reaches simple-salesforce, which raises it
    )


class SalesforceAdapter(HTTPAdapter):
    """An HTTPAdapter that gives every request a timeout, verifies certificates against
    the configured bundle (REQUESTS_CA_BUNDLE cannot replace it, verify=False cannot turn
    it off) and retries reads. Subclass it, not HTTPAdapter, to route requests elsewhere
    (tests send the login host to an emulator), so all three are kept."""

    def __init__(self) -> None:
        super().__init__()
        self.configure(timeout=30.0)

    def configure(self, *, timeout: float, ca_bundle: str = "", max_retries: int = 2) -> None:
        self.timeout = timeout
        self.ca_bundle = ca_bundle
        self.max_retries = _retry(max_retries)

    def send(  # noqa: PLR0917 (HTTPAdapter.send's own signature)
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: TimeoutType = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        return super().send(
            request,
            stream=stream,
            timeout=self.timeout if timeout is None else timeout,
            verify=self.ca_bundle or (verify if verify is not False else True),
            cert=cert,
            proxies=proxies,
        )


def build_session(
    *,
    timeout: float,
    ca_bundle: str = "",
    max_retries: int = 2,
    adapters: Mapping[str, SalesforceAdapter] | None = None,
) -> requests.Session:
    """A session that verifies certificates (against `ca_bundle` when given, never off)
    and times out every request. `adapters` are mounted after the default one (by URL
    prefix; requests picks the longest) and configured the same way."""
    session = requests.Session()
    session.verify = ca_bundle or True
    mounts = {"https://": SalesforceAdapter(), "http://": SalesforceAdapter(), **(adapters or {})}
    for prefix, adapter in mounts.items():
        adapter.configure(timeout=timeout, ca_bundle=ca_bundle, max_retries=max_retries)
        session.mount(prefix, adapter)
    return session

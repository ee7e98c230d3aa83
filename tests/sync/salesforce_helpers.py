"""Routing Salesforce's login hosts to the emulator, for the real simple-salesforce client.

https://login.salesforce.com (SOAP login, JWT bearer, device flow) and a My Domain
such as https://acme.my.salesforce.com (client credentials) cannot point at loopback:
a transport adapter sends their requests to the emulator instead, keeping the Host
they were meant for (the emulator refuses the client credentials flow on the login
hosts, as Salesforce does) and the timeout, certificate checks and retries of every
other request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from triage_emulators.salesforce import SalesforceEmulator
from triage_tui.config import SalesforceSettings
from triage_tui.sync.salesforce_http import SalesforceAdapter

LOGIN_HOST = "https://login.salesforce.com/"
MY_DOMAIN = "https://acme.my.salesforce.com/"


class LoopbackLogin(SalesforceAdapter):
    """Sends a login host's requests to the emulator (see the module docstring)."""

    def __init__(self, instance: str) -> None:
        super().__init__()
        self.instance = instance

    def send(  # noqa: PLR0917
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.headers["Host"] = parts.netloc
        request.url = urlunsplit(parts._replace(netloc=self.instance))
        return super().send(request, stream, timeout, verify, cert, proxies)


def login_hosts(emu: SalesforceEmulator) -> dict[str, SalesforceAdapter]:
    """Adapters for SalesforceSource(adapters=...): login.salesforce.com and acme.my."""
    return {LOGIN_HOST: LoopbackLogin(emu.instance), MY_DOMAIN: LoopbackLogin(emu.instance)}


def settings_for(emu: SalesforceEmulator, **changes: Any) -> SalesforceSettings:
    values: dict[str, Any] = {
        "instance_url": emu.url,
        "ca_bundle": emu.ca_pem_path,
        "timeout": 5.0,
        **changes,
    }
    return SalesforceSettings(**values)


def routed_session(emu: SalesforceEmulator) -> requests.Session:
    """A session as the app builds it, with the login hosts routed to the emulator."""
    from triage_tui.sync.salesforce_http import build_session

    return build_session(timeout=5.0, ca_bundle=emu.ca_pem_path, adapters=login_hosts(emu))


@contextmanager
def memory_keyring() -> Iterator[dict[tuple[str, str], str]]:
    """An OS keyring that lives in a dict for the test (what was stored, to look at)."""
    import keyring
    from keyring.backend import KeyringBackend

    store: dict[tuple[str, str], str] = {}

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            store.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        yield store
    finally:
        keyring.set_keyring(previous)

"""`triage-tui auth salesforce`: the walkthrough a person follows, against the emulator
through the real HTTP session the app builds (login hosts routed to it), with the OS
keyring kept in memory. Secrets come from the prompt (getpass at a terminal), never argv,
and are never printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import TODAY
from tests.sync.salesforce_helpers import login_hosts, memory_keyring, settings_for
from tests.sync.test_salesforce_signin import KEY, SECRET, SYNC_USER, pem, public_pem, rsa_key
from triage_emulators.salesforce import SalesforceEmulator, demo_account_id
from triage_tui.services.salesforce_setup import salesforce_source, walk_sign_in
from triage_tui.sync.credentials import SALESFORCE_KEYRING_SERVICE

ACCOUNT = demo_account_id(10)


class Script:
    """A person's answers, in order; what they were told, and which were secrets."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.secret_questions: list[str] = []
        self.said: list[str] = []
        self.failed: list[str] = []

    def ask(self, question: str, *, secret: bool = False) -> str:
        if secret:
            self.secret_questions.append(question)
        return self.answers.pop(0) if self.answers else ""

    def say(self, text: str) -> None:
        self.said.append(text)

    def fail(self, text: str) -> None:
        self.failed.append(text)

    @property
    def text(self) -> str:
        return "\n".join(self.said + self.failed)


@pytest.fixture
def sf(isolated_credentials: None) -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator.from_demo(TODAY, count=40) as emulator:
        emulator.clock = lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        emulator.add_user(SYNC_USER)
        yield emulator


@pytest.fixture
def keyring_store() -> Iterator[dict[tuple[str, str], str]]:
    with memory_keyring() as store:
        yield store


def test_device_flow_for_a_person_at_a_terminal(
    sf: SalesforceEmulator, keyring_store: dict[tuple[str, str], str]
) -> None:
    sf.oauth.register_app(KEY, device_flow=True)
    sf.oauth.device_interval = 0
    settings = settings_for(sf)
    script = Script("1", KEY, "")  # the device flow, its consumer key, no secret

    def browser(seconds: float) -> None:  # the person enters the code they were shown
        shown = next(line for line in script.said if line.startswith("Open "))
        sf.oauth.approve_device(shown.rsplit(" ", 1)[1], sf.username)

    code = walk_sign_in(settings, script, adapters=login_hosts(sf), sleep=browser)
    assert code == 0, script.text
    assert "Open https://login.salesforce.com/setup/connect in any browser and enter" in (
        script.text
    )
    stored = json.loads(keyring_store[(SALESFORCE_KEYRING_SERVICE, sf.url)])
    assert stored["flow"] == "refresh_token" and stored["refresh_token"]
    assert stored["refresh_token"] not in script.text
    # Every sync from now on: the refresh token from the keyring, an access token from it.
    source, problem = salesforce_source(settings)
    assert problem == "" and source is not None
    assert source.account(ACCOUNT).id == ACCOUNT
    assert sf.oauth.grants[-1] == "refresh_token"


def test_jwt_for_a_shared_host_keeps_nothing_secret(
    sf: SalesforceEmulator, keyring_store: dict[tuple[str, str], str], tmp_path: Path
) -> None:
    key = rsa_key()
    key_file = tmp_path / "sync.key"
    key_file.write_bytes(pem(key))
    key_file.chmod(0o600)
    sf.oauth.register_app(KEY, certificate=public_pem(key), approved={SYNC_USER})
    script = Script(KEY, SYNC_USER, str(key_file))
    code = walk_sign_in(settings_for(sf), script, flow="jwt", adapters=login_hosts(sf))
    assert code == 0, script.text
    assert f'[salesforce.jwt]\nconsumer_key = "{KEY}"' in script.text
    assert f'private_key_file = "{key_file}"' in script.text
    assert keyring_store == {}
    key_file.chmod(0o640)
    script = Script(KEY, SYNC_USER, str(key_file))
    assert walk_sign_in(settings_for(sf), script, flow="jwt", adapters=login_hosts(sf)) == 2
    assert "chmod 600" in script.failed[0]


def test_client_credentials_are_tried_before_they_are_kept(
    sf: SalesforceEmulator, keyring_store: dict[tuple[str, str], str]
) -> None:
    sf.oauth.register_app(KEY, consumer_secret=SECRET, run_as=SYNC_USER)
    settings = settings_for(sf, domain="acme.my")
    script = Script(KEY, "not-the-secret-42")
    assert walk_sign_in(settings, script, flow="client", adapters=login_hosts(sf)) == 2
    assert "did not accept the consumer key and secret" in script.failed[0]
    assert keyring_store == {} and "not-the-secret-42" not in script.text
    script = Script(KEY, SECRET)
    assert walk_sign_in(settings, script, flow="client", adapters=login_hosts(sf)) == 0
    assert script.secret_questions == ["Consumer secret: "]  # read with getpass
    stored = json.loads(keyring_store[(SALESFORCE_KEYRING_SERVICE, sf.url)])
    assert stored == {"flow": "client_credentials", "consumer_key": KEY, "consumer_secret": SECRET}


def test_the_soap_login_is_kept_with_a_warning(
    sf: SalesforceEmulator, keyring_store: dict[tuple[str, str], str]
) -> None:
    script = Script("4", sf.username, sf.password, sf.security_token)
    assert walk_sign_in(settings_for(sf), script) == 0
    assert script.said[-2].startswith("Warning: SOAP login()")
    assert "retired for every version in Summer '27" in script.said[-2]
    assert script.secret_questions == ["Password: ", "Security token: "]
    assert sf.password not in script.text


def test_no_keyring_keeps_nothing(tmp_path: Path, sf: SalesforceEmulator) -> None:
    """The device flow's refresh token has no file fallback: with no keyring, it is said."""
    sf.oauth.register_app(KEY, device_flow=True)
    sf.oauth.device_interval = 0
    script = Script(KEY, "")

    def browser(seconds: float) -> None:
        sf.oauth.approve_device(next(iter(sf.oauth.devices.values())).user_code, sf.username)

    code = walk_sign_in(
        settings_for(sf), script, flow="device", adapters=login_hosts(sf), sleep=browser
    )
    assert code == 2 and "keyring" in script.failed[0] and "Nothing was kept" in script.failed[0]


def test_the_command_asks_which_sign_in(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "triage_tui", "auth", "salesforce"],
        input="7\n",
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},
    )
    assert result.returncode == 2
    assert "1. device" in result.stdout and "4. password" in result.stdout
    assert "choose one of device, jwt, client, password" in result.stderr

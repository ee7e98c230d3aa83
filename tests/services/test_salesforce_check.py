"""`triage-tui config check`, the Salesforce half: signs in, reads the Account describe
and says, a line each, what would go wrong before any sync. Against the emulator, with
the real simple-salesforce client over real HTTPS."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import TODAY, TOKEN
from tests.sync.salesforce_helpers import login_hosts, settings_for
from tests.sync.test_salesforce_signin import KEY, SYNC_USER, pem, public_pem, rsa_key
from triage_emulators.gitlab import GitLabEmulator
from triage_emulators.salesforce import SalesforceEmulator
from triage_tui.config import JwtSignIn
from triage_tui.domain.accounts import DEFAULT_SALESFORCE_FIELDS
from triage_tui.services.salesforce_setup import check_salesforce


@pytest.fixture
def sf(isolated_credentials: None) -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator.from_demo(TODAY, count=40) as emulator:
        emulator.clock = lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        emulator.add_user(SYNC_USER)
        yield emulator


@pytest.fixture
def jwt(sf: SalesforceEmulator, tmp_path: Path) -> JwtSignIn:
    key = rsa_key()
    path = tmp_path / "sync.key"
    path.write_bytes(pem(key))
    path.chmod(0o600)
    sf.oauth.register_app(KEY, certificate=public_pem(key), approved={SYNC_USER})
    return JwtSignIn(KEY, SYNC_USER, str(path))


def lines(sf: SalesforceEmulator, **changes: object) -> list[str]:
    checks = check_salesforce(settings_for(sf, **changes), adapters=login_hosts(sf))
    return [check.line() for check in checks]


def test_an_org_set_up_right_is_ok_line_by_line(sf: SalesforceEmulator, jwt: JwtSignIn) -> None:
    sf.make_lookup("TAM__c", "TAM__r")
    fields = {**DEFAULT_SALESFORCE_FIELDS, "owner": "Owner.Name", "tam": "TAM__r.Name"}
    found = lines(sf, jwt=jwt, fields=fields, account_filter="Type != 'Prospect'")
    assert all(": ok" in line for line in found), "\n".join(found)
    assert found[0] == "Salesforce sign-in (OAuth JWT bearer): ok"
    assert "Salesforce field tam = TAM__r.Name: ok (the User's Name)" in found
    assert "Salesforce writes health (Health_Score__c): ok" in found
    assert "Salesforce health values of Health_Score__c: ok (4 values, each a colour)" in found
    assert "Salesforce account filter \"Type != 'Prospect'\": ok" in found
    assert found[-1].startswith("Salesforce API usage: ok (")


def test_every_problem_is_said_before_any_sync(sf: SalesforceEmulator, jwt: JwtSignIn) -> None:
    sf.field_meta["Health_Score__c"] = {"calculated": True, "updateable": False}
    sf.field_meta["Health_Score_Date__c"] = {"updateable": False}
    sf.picklists["Health_Score__c"] = ("Green", "Yellow", "Amber", "Red", "5-Unknown", "R")
    sf.picklist_labels["Health_Score__c"] = {"R": "Red"}
    fields = {
        **DEFAULT_SALESFORCE_FIELDS,
        "tam": "TAM_Name__c",  # no such field
        "owner": "Ownr.Name",  # no such relationship
        "region": "Owner.Regoin",  # a relationship, but the User has no such field
    }
    found = "\n".join(lines(sf, jwt=jwt, fields=fields, account_filter="Tpye = 'Customer'"))
    assert (
        "Salesforce field tam = TAM_Name__c: problem: the Account has no field TAM_Name__c: "
        "set `tam` under [salesforce.fields]"
    ) in found
    assert "owner = Ownr.Name: problem: the Account has no lookup named Ownr" in found
    assert "region = Owner.Regoin: problem: User, which Owner points at, has no field Regoin" in (
        found
    )
    assert (
        "Salesforce writes health (Health_Score__c): problem: Health_Score__c is a formula or "
        "roll-up field"
    ) in found
    assert "writes health_date (Health_Score_Date__c): problem: Health_Score_Date__c cannot" in (
        found
    )
    assert '"5-Unknown", "R" (its label is \'Red\') mean no colour' in found
    assert "account filter \"Tpye = 'Customer'\": problem: Salesforce refused it: " in found
    assert "INVALID_FIELD: No such column 'Tpye' on entity 'Account'" in found


def test_a_sign_in_that_fails_stops_the_checks_plainly(sf: SalesforceEmulator) -> None:
    found = lines(sf)
    assert found == [f"Salesforce sign-in: problem: {_no_sign_in()}"]
    assert check_salesforce(None)[0].line().startswith("Salesforce: ok (not configured")


def _no_sign_in() -> str:
    from triage_tui.services.salesforce_setup import NO_CREDENTIALS

    return NO_CREDENTIALS


def test_the_command_checks_both_services_and_exits_1_on_a_problem(
    sf: SalesforceEmulator, emu: GitLabEmulator, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    base = (
        f'gitlab_url = "{emu.url}"\nproject = "{emu.project.path}"\n'
        f'[salesforce]\ninstance_url = "{sf.url}"\nca_bundle = "{sf.ca_pem_path}"\n'
        f"account_filter = \"Type = 'Customer'\"\n"
    )
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "PYTHON_GITLAB_CFG": str(tmp_path / "no-such.cfg"),
        "GITLAB_TOKEN": TOKEN,
        "SALESFORCE_INSTANCE_URL": sf.url,
        "SALESFORCE_SESSION_ID": sf.session_id,
    }

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "triage_tui", "--config", str(config), "config", "check"],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )

    config.write_text(base, encoding="utf-8")
    result = check()
    assert result.returncode == 0, result.stdout + result.stderr
    said = result.stdout.splitlines()
    assert said[0] == "GitLab" and "Salesforce" in said
    assert said[said.index("Salesforce") + 1] == "  ok: Salesforce sign-in (a session id)"
    assert sf.session_id not in result.stdout + result.stderr
    assert TOKEN not in result.stdout + result.stderr
    config.write_text(base + '[salesforce.fields]\nhealth = "Customer_Health__c"\n')
    result = check()
    assert result.returncode == 1
    assert (
        "problem: Salesforce field health = Customer_Health__c: the Account has no field "
        "Customer_Health__c"
    ) in result.stdout


def test_the_readmes_salesforce_config_is_one_the_app_reads(tmp_path: Path) -> None:
    from triage_tui.config import load_settings

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = next(b for b in readme.split("```toml\n")[1:] if "[salesforce.jwt]" in b)
    path = tmp_path / "config.toml"
    path.write_text(block.split("```", 1)[0], encoding="utf-8")
    settings = load_settings(path).salesforce
    assert settings is not None and settings.jwt is not None
    assert settings.fields["owner"] == "Owner.Name" and settings.fields["tam"] == "TAM__r.Name"
    assert settings.health_values["1-Red"] == "Red"
    assert settings.account_filter.startswith("Type = 'Customer' AND (")

"""serve.viewer_environment: what a browser tab's board process is started with."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from triage_tui.config import READ_ONLY_ENV
from triage_tui.serve import viewer_environment
from triage_tui.sync.credentials import SALESFORCE_ENV_VARS

#: Every variable a secret is read from (sync.credentials), and a few that are none.
SECRETS = ["GITLAB_TOKEN", *SALESFORCE_ENV_VARS]
PLAIN = {"PATH": "/usr/bin", "HOME": "/home/lead", "TRIAGE_TUI_CONFIG": "/etc/t.toml"}


@given(secrets=st.dictionaries(st.sampled_from(SECRETS), st.text(min_size=1), min_size=1))
def test_a_follower_gets_no_secret_and_is_told_it_reads_only(secrets: dict[str, str]) -> None:
    env = viewer_environment({**PLAIN, **secrets}, may_edit=False)
    assert not set(secrets) & set(env)
    assert {k: env[k] for k in PLAIN} == PLAIN
    assert env[READ_ONLY_ENV].startswith("Read-only:")


@given(secrets=st.dictionaries(st.sampled_from(SECRETS), st.text(min_size=1)))
def test_the_edit_link_gets_the_hosts_environment(secrets: dict[str, str]) -> None:
    base = {**PLAIN, **secrets, READ_ONLY_ENV: "left over from a parent"}
    env = viewer_environment(base, may_edit=True)
    assert env == {**PLAIN, **secrets}

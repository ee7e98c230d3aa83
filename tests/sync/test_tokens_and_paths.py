"""Where the token comes from (glab's config too), project paths as GitLab reads them, and
labels GitLab creates: through the real python-gitlab client against the emulator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import TOKEN
from tests.emulated import make_service, synced
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.config import Settings
from triage_tui.services import TriageService
from triage_tui.sync.credentials import CredentialError, glab_hosts, resolve_token

#: As glab writes it (gitlab-org/cli internal/config/config.yaml.lock: `hosts:`, then each
#: host's api_protocol, api_host and token, four-space indents, comments kept).
GLAB_CONFIG = """\
# What protocol to use when performing Git operations. Supported values: ssh, https.
git_protocol: ssh
host: gitlab.com
# Configuration specific for GitLab instances.
hosts:
    gitlab.com:
        # What protocol to use to access the API endpoint. Supported values: http, https.
        api_protocol: https
        # Configure host for API endpoint. Defaults to the host itself.
        api_host: gitlab.com
        # Your GitLab access token.
        token: glpat-gitlab-com-token
    {host}:
        api_protocol: http
        api_host: {api_host}
        token: "{token}"
        git_protocol: ssh
aliases:
    ci: pipeline ci
"""


def write_glab(directory: Path, host: str, api_host: str, token: str, mode: int = 0o600) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.yml"
    path.write_text(GLAB_CONFIG.format(host=host, api_host=api_host, token=token))
    path.chmod(mode)
    return path


def test_glab_hosts_reads_what_glab_writes() -> None:
    text = GLAB_CONFIG.format(host="git.acme.io", api_host="git.acme.io:8443", token="t")
    hosts = glab_hosts(text)
    assert hosts["gitlab.com"]["token"] == "glpat-gitlab-com-token"
    assert hosts["git.acme.io"] == {
        "api_protocol": "http",
        "api_host": "git.acme.io:8443",
        "token": "t",
        "git_protocol": "ssh",
    }
    assert "ci" not in hosts


def test_the_token_comes_from_glab_after_python_gitlab_and_before_the_keyring(
    emu: GitLabEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With glab set up for this GitLab (and GITLAB_TOKEN unset), the sync uses glab's
    token, says where it came from, and never writes it anywhere."""
    monkeypatch.delenv("GITLAB_TOKEN")
    netloc = emu.url.split("://", 1)[1]
    glab = tmp_path / "glab"
    monkeypatch.setenv("GLAB_CONFIG_DIR", str(glab))
    write_glab(glab, "127.0.0.1", netloc, TOKEN)
    found = resolve_token(emu.url, tmp_path / "cfg")
    assert found is not None and found.value == TOKEN
    assert found.source.startswith("glab's config") and TOKEN not in str(found)
    assert TOKEN not in repr(found)
    service = make_service(emu, tmp_path)
    report = service.sync()
    assert report.ok, report.error
    service.close()
    for path in tmp_path.glob("cache.db*"):
        assert TOKEN.encode() not in path.read_bytes()
    # Another host's entry is not this GitLab's token.
    assert resolve_token("https://gitlab.example.com", tmp_path / "cfg") is None
    # A python-gitlab config naming this GitLab comes first.
    cfg = tmp_path / "python-gitlab.cfg"
    cfg.write_text(f"[mine]\nurl = {emu.url}\nprivate_token = from-python-gitlab\n")
    monkeypatch.setenv("PYTHON_GITLAB_CFG", str(cfg))
    first = resolve_token(emu.url, tmp_path / "cfg")
    assert first is not None and first.value == "from-python-gitlab"


def test_a_glab_config_others_can_read_is_refused(
    emu: GitLabEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITLAB_TOKEN")
    glab = tmp_path / "glab"
    monkeypatch.setenv("GLAB_CONFIG_DIR", str(glab))
    write_glab(glab, "127.0.0.1", emu.url.split("://", 1)[1], TOKEN, mode=0o644)
    with pytest.raises(CredentialError, match="chmod 600"):
        resolve_token(emu.url, tmp_path / "cfg")


def test_glab_is_looked_for_where_glab_keeps_it(
    emu: GitLabEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No GLAB_CONFIG_DIR: ~/.config/glab-cli/config.yml (glab's legacy place, looked at
    first), else $XDG_CONFIG_HOME/glab-cli/config.yml."""
    monkeypatch.delenv("GITLAB_TOKEN")
    monkeypatch.delenv("GLAB_CONFIG_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    write_glab(tmp_path / "xdg" / "glab-cli", "127.0.0.1", emu.url.split("://", 1)[1], "xdg")
    found = resolve_token(emu.url, tmp_path / "cfg")
    assert found is not None and found.value == "xdg"
    write_glab(tmp_path / "home" / ".config" / "glab-cli", "127.0.0.1", "127.0.0.1:1", "legacy")
    # The legacy file is the one glab reads, and it has no entry for this port: no token.
    assert resolve_token(emu.url, tmp_path / "cfg") is None


def test_project_paths_are_read_as_gitlab_reads_them(emu: GitLabEmulator, tmp_path: Path) -> None:
    """GitLab finds a project by its path whatever its case, and by its URL-encoded path
    (doc/api/rest/_index.md, "Namespaced paths"); the emulator now does too. Failed
    before: `Customer-Success/Account-Triage` was "404 Project Not Found" on the emulator,
    and a cache synced as one spelling warned that settings with the other named another
    project."""
    service = synced(emu, tmp_path)
    assert service.info().project == "customer-success/account-triage"
    shouted = "Customer-Success/Account-Triage"
    settings = Settings(gitlab_url=emu.url + "/", project=shouted, cache_path=service.cache_path)
    again = TriageService(service.cache_path, settings=settings)
    assert again.source_mismatch() == ""
    report = again.sync()
    assert report.ok, report.error
    assert len(again.cards()) == 120
    import requests

    for path in ("Customer-Success%2FAccount-Triage", "customer-success%2faccount-triage", "42"):
        url = f"{emu.url}/api/v4/projects/{path}/issues"
        answer = requests.get(url, headers={"PRIVATE-TOKEN": TOKEN}, timeout=10)
        assert answer.status_code == 200, path
    # Not URL-encoded: the slash splits the path, and GitLab answers 404.
    url = f"{emu.url}/api/v4/projects/customer-success/account-triage/issues"
    assert requests.get(url, headers={"PRIVATE-TOKEN": TOKEN}, timeout=10).status_code == 404


def test_a_label_gitlab_has_not_seen_is_created_and_offered_after_the_next_sync(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    """GitLab creates a project label the first time an issue is given a name it has no
    label for (Labels::FindOrCreateService, for a user who may manage labels); the label
    picker offers it after the next sync. Failed before: the emulator kept the name on
    the issue with no label behind it, so the label list never had it."""
    service = synced(emu, tmp_path)
    iid = next(iid for iid, i in emu.project.issues.items() if i["state"] == "opened")
    assert "Exec-Escalation" not in {label.name for label in service.labels()}
    service.update(iid, "escalate", add_labels=("Exec-Escalation",))
    assert service.push().pushed == 1
    made = next(label for label in emu.project.labels if label["name"] == "Exec-Escalation")
    assert made["color"] == "#6699cc"
    assert service.sync().ok
    assert "Exec-Escalation" in {label.name for label in service.labels()}
    # A Guest may not manage labels: GitLab leaves the new name off (and makes no label).
    emu.add_user("guest-token", "guest", access_level=10)
    os.environ["GITLAB_TOKEN"] = "guest-token"
    service.update(iid, "guest label", add_labels=("Guest-Made",))
    service.push()
    assert "Guest-Made" not in emu.issue(iid)["labels"]
    assert all(label["name"] != "Guest-Made" for label in emu.project.labels)


def test_the_readme_says_where_the_token_comes_from() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "glab" in readme and "~/.config/glab-cli/config.yml" in readme

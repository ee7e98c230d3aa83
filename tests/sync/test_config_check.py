"""`triage-tui config check`, GitLab's half, against the emulator over real HTTP.

Who may edit what is GitLab's doc/user/permissions.md: a Guest may open issues but not
change an existing issue's labels, milestone or assignees; Planner (15), Reporter (20)
and above may, and may manage labels. Token scopes: doc/api/personal_access_tokens.md
(GET /personal_access_tokens/self); a read_api token's writes are refused with 403.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TOKEN
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.cli import main
from triage_tui.config import Settings
from triage_tui.services import checks


def check(emu: GitLabEmulator, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    project = args[0] if args else emu.project.path
    code = main(["--gitlab-url", emu.url, "--project", project, "config", "check"])
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err
    return code, out.out


def problems(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip().startswith("problem:")]


def test_all_in_place(emu: GitLabEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(emu, capsys)
    assert code == 0, out
    assert out.splitlines()[0] == "GitLab"
    assert "ok: GitLab token found in GITLAB_TOKEN" in out
    assert f"ok: GitLab 18.6.0-ee answers at {emu.url}; issues are paged by keyset" in out
    assert "ok: the token is valid: signed in as @root (Emulator Admin)" in out
    assert "ok: the token may read and write (scope api)" in out
    assert f"ok: project found: {emu.project.path} (id 42)" in out
    assert "ok: your role in the project is Maintainer: you can edit issues and labels" in out
    assert "ok: all 14 triage labels exist" in out
    assert not problems(out)


def test_a_wrong_project_path(emu: GitLabEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(emu, capsys, "customer-success/acount-triage")
    assert code == 1
    assert problems(out) == [
        f"problem: project customer-success/acount-triage not found on {emu.url}, or this "
        "token cannot see it: set project to the path in its address "
        "(group/subgroup/project) or its numeric id"
    ]
    # The path in another case is the same project, as on GitLab.
    code, out = check(emu, capsys, "Customer-Success/Account-Triage")
    assert code == 0, out


def test_a_read_only_token(
    emu: GitLabEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    emu.add_user("read-only-token", "viewer", access="read", access_level=20)
    monkeypatch.setenv("GITLAB_TOKEN", "read-only-token")
    code, out = check(emu, capsys)
    assert code == 1
    assert problems(out) == [
        "problem: the token can only read (scope read_api): edits would be refused; "
        "create one with the api scope and run `triage-tui auth login`"
    ]
    assert "signed in as @viewer" in out and "role in the project is Reporter" in out


@pytest.mark.parametrize(
    ("level", "said"),
    [
        (10, "problem: your role in the project is Guest"),
        (None, "problem: @tam is not a member of customer-success/account-triage"),
        (15, "ok: your role in the project is Planner: you can edit issues and labels"),
        (20, "ok: your role in the project is Reporter: you can edit issues and labels"),
    ],
)
def test_the_role_must_allow_edits(
    emu: GitLabEmulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    level: int | None,
    said: str,
) -> None:
    emu.add_user("tam-token", "tam", access_level=level)
    monkeypatch.setenv("GITLAB_TOKEN", "tam-token")
    code, out = check(emu, capsys)
    assert said in out
    assert code == (1 if said.startswith("problem") else 0)


def test_missing_labels_are_created_or_asked_for(
    emu: GitLabEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    emu.project.labels = [x for x in emu.project.labels if x["name"] not in ("LATAM", "U&U")]
    code, out = check(emu, capsys)
    assert code == 0
    assert "ok: labels LATAM, U&U do not exist yet: GitLab creates each the first time" in out
    emu.add_user("guest-token", "guest", access_level=10)
    monkeypatch.setenv("GITLAB_TOKEN", "guest-token")
    code, out = check(emu, capsys)
    assert code == 1
    assert (
        "problem: labels LATAM, U&U are missing and your role cannot create them: "
        "ask a Maintainer to create them"
    ) in problems(out)


def test_no_token_a_refused_token_and_no_gitlab(
    emu: GitLabEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", "expired")
    code, out = check(emu, capsys)
    assert code == 1 and "ok: GitLab answers at" in out
    assert problems(out)[0].startswith("problem: GitLab did not accept the token (401)")
    monkeypatch.delenv("GITLAB_TOKEN")
    code, out = check(emu, capsys)
    assert code == 1 and problems(out)[0].startswith("problem: no GitLab token found")
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    emu.stop()
    code, out = check(emu, capsys)
    assert code == 1
    assert problems(out) == [
        f"problem: cannot reach GitLab at {emu.url}: check gitlab_url and the network"
    ]
    code = main(["config", "check"])
    out = capsys.readouterr().out
    assert code == 1 and "problem: no GitLab project configured" in out


def test_the_command_runs_a_list_of_checks(emu: GitLabEmulator) -> None:
    """Another system's checks join the list and print under their own name; any
    problem line makes the exit code 1."""

    def other(settings: Settings) -> Iterator[str]:
        yield "ok: something else is fine"
        yield "problem: and something is not"

    settings = Settings(gitlab_url=emu.url, project=emu.project.path)
    lines = list(checks.run_checks(settings, [*checks.CHECKS, ("Other", other)]))
    assert [name for name, _ in lines][-2:] == ["Other", "Other"]
    assert {name for name, line in lines if checks.is_problem(line)} == {"Other"}


def test_the_installed_command(emu: GitLabEmulator, tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "triage_tui", "--gitlab-url", emu.url]
    argv += ["--project", "nope/nope", "config", "check"]
    env = {**os.environ, "GITLAB_TOKEN": TOKEN}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 1
    assert "problem: project nope/nope not found" in done.stdout
    assert "1 problem found." in done.stderr and "Traceback" not in done.stderr
    assert TOKEN not in done.stdout + done.stderr

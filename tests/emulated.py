"""A service whose cache is synced from the GitLab emulator (see the `emu` fixture)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TODAY
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.config import Settings
from triage_tui.domain.team import Role
from triage_tui.domain.template import parse_description, replace_team
from triage_tui.services import TriageService


def make_service(emu: GitLabEmulator, tmp_path: Path, **settings: object) -> TriageService:
    cache = tmp_path / "cache.db"
    config = Settings(gitlab_url=emu.url, project=emu.project.path, cache_path=cache, **settings)  # type: ignore[arg-type]
    return TriageService(cache, settings=config, create=True, today=lambda: TODAY)


def synced(emu: GitLabEmulator, tmp_path: Path, **settings: object) -> TriageService:
    service = make_service(emu, tmp_path, **settings)
    report = service.sync()
    assert report.ok, report.error
    return service


def amber_issue_without_leader(emu: GitLabEmulator) -> int:
    """An open Amber issue whose team section lost its leaders in the web UI."""
    iid = next(
        iid
        for iid, issue in sorted(emu.project.issues.items())
        if issue["labels"][:1] == ["Amber"] and issue["state"] == "opened"
    )
    team = parse_description(emu.issue(iid)["description"]).team
    bare = team.with_role(Role.TAM_LEADER, []).with_role(Role.CS_LEADER, [])
    emu.touch(iid, description=replace_team(emu.issue(iid)["description"], bare))
    return iid
